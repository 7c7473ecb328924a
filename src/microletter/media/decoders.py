"""Decoder processes: untrusted bytes (images for Pillow, recordings for PyAV) are decoded
in processes of their own, so a bomb, a crash or a slow file costs its own upload and
never the server. No decoding happens in the server process.

Theory of operation.
- Lazy: no process exists until the first upload that needs one, so the server starts
  as fast as before. The first one starts multiprocessing's forkserver, which imports
  media.worker (Pillow, PyAV) once; every decoder is forked from it, already loaded.
- A decoder runs one job at a time. `run` first takes a turn in the FairQueue (at most
  `processes` jobs at once, at most `per_user` of one user's, users served in turn),
  then an idle decoder, or a new one.
- Limits: the decoder caps its own address space (RLIMIT_AS: an allocation past it
  fails, and the decoder exits) and CPU time per job (RLIMIT_CPU: the kernel ends it);
  `run` adds a wall-clock timeout. A transcoding job (video: `run_long`) gets the longer
  CPU and wall-clock budget its work needs; the memory limit is the same for all.
- A job that ends with an answer (a result, or a refusal of the error tree) gives its
  decoder back. One that died, timed out, or whose caller went away (the client
  disconnected: the task is cancelled) has its decoder killed and reaped before `run`
  returns, so the caller may delete the files it handed over; the next job forks a
  fresh one. Either way the error is that upload's alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, ParamSpec, TypeVar

from microletter.core.errors import DecoderFailed, MediaTooComplex, MicroletterError
from microletter.media import worker
from microletter.media.turns import FairQueue

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
# What the forkserver imports once, so that decoders start with Pillow and PyAV loaded.
# Also the CLI: multiprocessing runs a main script again in every child it starts, and in
# production that is the `microletter` console script, which imports microletter.cli
# (140 ms); loaded in the forkserver, that import costs a new decoder nothing.
PRELOAD = [
    "microletter.media.worker",
    "microletter.media.images",
    "microletter.media.grid",
    "microletter.media.voice",
    "microletter.media.video",
    "microletter.cli",
]


@dataclass(frozen=True, slots=True)
class DecoderLimits:
    """How many decoders, and what one job may use (see settings.py)."""

    processes: int = 2
    memory_bytes: int = 1024 * 1024 * 1024  # address space of one decoder
    cpu_seconds: int = 20  # CPU time of one job
    wall_seconds: float = 30.0  # time of one job, from handing it over to its answer
    # A transcoding job (a video): a 60 s clip from a 1080p phone takes ~11 s of CPU
    # (docs/PERFORMANCE.md); the wall clock allows for a busy machine.
    long_cpu_seconds: int = 45
    long_wall_seconds: float = 120.0
    per_user: int = 1  # one user's jobs running at once
    waiting_per_user: int = 4  # one user's jobs waiting; more are refused (media.busy)
    jobs_per_process: int = 200  # then a decoder is replaced (memory fragmentation)


class Decoder:
    """One decoder process and our end of its pipe."""

    def __init__(self, ctx: Any, limits: DecoderLimits) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=worker.serve,
            args=(child, limits.memory_bytes),
            name="microletter-decoder",
            daemon=True,
        )
        self._child: Connection | None = child
        self.jobs = 0

    @property
    def pid(self) -> int | None:
        pid: int | None = self.process.pid
        return pid

    def start(self) -> None:
        """Blocks while the forkserver forks it (and, the first time, starts)."""
        self.process.start()
        if self._child is not None:
            self._child.close()
            self._child = None

    async def call(
        self,
        job: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        cpu_seconds: int,
    ) -> tuple[Any, ...]:
        """Send a job and wait for its answer; EOFError if the process died meanwhile."""
        self.jobs += 1
        self.conn.send((job, args, kwargs, cpu_seconds))
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()
        fd = self.conn.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fd, ready)
        try:
            await readable
        finally:
            loop.remove_reader(fd)
        # Watching the socket made it non-blocking (libuv's poll does), and an answer larger
        # than the socket's buffer (a video's poster) arrives in pieces: read it blocking,
        # or recv() fails half-way with EAGAIN and a healthy decoder is taken for dead.
        os.set_blocking(fd, True)
        reply: tuple[Any, ...] = self.conn.recv()  # whole: the decoder sends it at once
        return reply

    def kill(self) -> None:
        if self.process.pid is not None and self.process.exitcode is None:
            self.process.kill()
        self.conn.close()

    def retire(self) -> None:
        """Let it end on its own: the closed pipe ends its loop."""
        self.conn.close()

    def reap(self) -> int | None:
        """Blocks until it has ended; its exit code (minus a signal's number)."""
        if self.process.pid is not None:
            self.process.join()
        code: int | None = self.process.exitcode
        return code


class DecoderPool:
    def __init__(self, limits: DecoderLimits) -> None:
        self.limits = limits
        self._queue = FairQueue(limits.processes, limits.per_user, limits.waiting_per_user)
        self._ctx = multiprocessing.get_context("forkserver")
        # Global to this process's forkserver, which nothing else here uses; it only
        # takes effect when the forkserver starts (at the first decoder).
        self._ctx.set_forkserver_preload(PRELOAD)
        self._idle: list[Decoder] = []
        self._live: set[Decoder] = set()
        self._reaping: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def pids(self) -> list[int]:
        """The decoders alive now (for tests and metrics)."""
        return [d.pid for d in self._live if d.pid is not None]

    async def run(
        self, owner: Hashable, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`job(*args)` in a decoder, in `owner`'s turn. Its result; the error of the tree
        it raised; MediaTooComplex past the memory, CPU or wall-clock limit; DecoderFailed
        if the decoder crashed; MediaBusy if `owner` has too many jobs waiting."""
        limits = self.limits
        budget = (limits.cpu_seconds, limits.wall_seconds)
        result: T = await self._run(owner, budget, job, args, kwargs)
        return result

    async def run_long(
        self, owner: Hashable, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run`, with the CPU and wall-clock budget of a transcoding job."""
        limits = self.limits
        budget = (limits.long_cpu_seconds, limits.long_wall_seconds)
        result: T = await self._run(owner, budget, job, args, kwargs)
        return result

    async def _run(
        self,
        owner: Hashable,
        budget: tuple[int, float],
        job: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        cpu_seconds, wall_seconds = budget
        async with self._queue.turn(owner):
            decoder = await self._take()
            reply: tuple[Any, ...] | None = None
            try:
                async with asyncio.timeout(wall_seconds):
                    reply = await decoder.call(job, args, kwargs, cpu_seconds)
            except TimeoutError:
                raise MediaTooComplex(
                    "Decoding took too long.", limit="seconds", max_seconds=wall_seconds
                ) from None
            except (EOFError, OSError):  # it died before or while answering
                raise self._died(decoder, await self._reap(decoder), cpu_seconds) from None
            finally:
                await self._give_back(decoder, reply)
        return self._answer(reply)

    def _answer(self, reply: tuple[Any, ...]) -> Any:
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "refused":
            error_class: type[MicroletterError] = reply[1]
            raise error_class(reply[2], **reply[3])
        if kind == "memory":
            raise MediaTooComplex(
                "Decoding needs more memory than the server allows.",
                limit="memory",
                max_memory_bytes=self.limits.memory_bytes,
            )
        log.error("media.decoder_error", extra={"traceback": reply[1]})
        raise DecoderFailed(reason="error")

    def _died(self, decoder: Decoder, code: int | None, cpu_seconds: int) -> MicroletterError:
        how = signal.Signals(-code).name if code is not None and code < 0 else f"exit {code}"
        log.warning("media.decoder_died", extra={"pid": decoder.pid, "how": how})
        if code == -signal.SIGXCPU:
            return MediaTooComplex(
                "Decoding took too much CPU time.",
                limit="cpu_seconds",
                max_cpu_seconds=cpu_seconds,
            )
        return DecoderFailed(reason="crashed", how=how)

    async def _take(self) -> Decoder:
        if self._closed:
            raise DecoderFailed("The server is shutting down.", reason="closed")
        while self._idle:
            idle = self._idle.pop()
            if idle.process.exitcode is None:
                return idle
            await self._reap(idle)  # it died while idle (killed from outside)
        decoder = Decoder(self._ctx, self.limits)
        self._live.add(decoder)
        starting = asyncio.ensure_future(asyncio.to_thread(decoder.start))
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:  # it starts anyway: keep it for the next job
            starting.add_done_callback(lambda _: self._park(decoder))
            raise
        except BaseException:
            self._live.discard(decoder)
            raise
        return decoder

    def _park(self, decoder: Decoder) -> None:
        if self._closed or decoder.process.exitcode is not None:
            self._retire(decoder)
        else:
            self._idle.append(decoder)

    async def _give_back(self, decoder: Decoder, reply: tuple[Any, ...] | None) -> None:
        """An answered decoder goes back to the idle list (or retires after its share of
        jobs); any other is killed, and reaped before the caller goes on."""
        healthy = reply is not None and reply[0] in ("ok", "refused")
        if healthy and decoder.jobs < self.limits.jobs_per_process:
            self._park(decoder)
        elif healthy:
            self._retire(decoder)
        elif decoder.process.exitcode is None:
            decoder.kill()
            await self._reap(decoder)

    async def _reap(self, decoder: Decoder) -> int | None:
        self._live.discard(decoder)
        decoder.conn.close()
        # Shielded: if the caller is cancelled again, the process is still reaped.
        return await asyncio.shield(asyncio.to_thread(decoder.reap))

    def _retire(self, decoder: Decoder) -> None:
        self._live.discard(decoder)
        decoder.retire()
        task = asyncio.ensure_future(asyncio.to_thread(decoder.reap))
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    async def close(self) -> None:
        """Stop every decoder; a job still running fails (its upload with it)."""
        self._closed = True
        for decoder in list(self._live):
            decoder.kill()
            self._live.discard(decoder)
            await asyncio.to_thread(decoder.reap)
        self._idle.clear()
        for task in list(self._reaping):
            with contextlib.suppress(Exception):
                await task
