"""`microletter serve --workers N`: N full server processes sharing one port.

The parent reserves the port (bound with SO_REUSEPORT but never listening, so the kernel
hands it no connection), starts N `microletter serve` children with the same settings
and `reuse_port`, and lets the kernel spread connections over them. It announces the URL
once every child is ready, restarts a child that dies, and on SIGTERM/SIGINT stops them
all gracefully.

On PostgreSQL + Redis the children share those. On SQLite one more child, `microletter
writer`, owns the file's writer and runs every child's writes (storage/remote/), started
first and restarted at once if it dies; and unless a Redis bus is set, the parent itself
relays the bus and keeps presence for them (bus/local.py). Both sockets live in a
private folder of the parent's, removed when it stops; one left behind by a parent killed
with kill -9 is removed by the next parent that starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from microletter.bus import open_relay
from microletter.media import load_secret
from microletter.settings import PREFIX, Settings, env_text

log = logging.getLogger(__name__)

_READY = re.compile(r"running at (http://\S+)")
WRITER_READY = "writer ready"
RESTART_DELAY = 1.0
PR_SET_PDEATHSIG = 1
WRITER_RESTART_DELAY = 0.1
RUN_DIR_PREFIX = "microletter-run-"
RUN_DIR_OWNER = "supervisor.pid"


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) so that port 0 becomes one fixed port for all children."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def child_env(settings: Settings, port: int) -> dict[str, str]:
    """The parent's environment, with every setting spelled out for the child."""
    env = dict(os.environ)
    for f in fields(settings):
        env[f"{PREFIX}{f.name.upper()}"] = env_text(getattr(settings, f.name))
    env[f"{PREFIX}DATABASE_URL"] = settings.effective_database_url
    env[f"{PREFIX}WORKERS"] = "1"
    env[f"{PREFIX}REUSE_PORT"] = "1"
    env[f"{PREFIX}PORT"] = str(port)
    return env


def make_run_dir() -> str:
    """Sockets need a short path (108 bytes): a private folder of ours in /tmp."""
    sweep_stale_run_dirs(tempfile.gettempdir())
    run_dir = tempfile.mkdtemp(prefix=RUN_DIR_PREFIX)
    with open(os.path.join(run_dir, RUN_DIR_OWNER), "w") as owner:
        owner.write(str(os.getpid()))
    return run_dir


def sweep_stale_run_dirs(parent: str) -> list[str]:
    """Remove the run folders of supervisors that died without cleaning up (kill -9).

    Only our own folders whose recorded parent no longer exists: a folder of a running
    supervisor, of another user, or without a readable owner file is left alone (a reused
    pid keeps a stale folder a while longer, which is harmless).
    """
    removed = []
    for entry in os.scandir(parent):
        if not entry.name.startswith(RUN_DIR_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            with open(os.path.join(entry.path, RUN_DIR_OWNER)) as owner:
                pid = int(owner.read())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Supervisor:
    def __init__(self, settings: Settings, announce: Callable[[str, int], None]) -> None:
        self.settings = settings
        self.announce = announce
        self.children: list[asyncio.subprocess.Process | None] = [None] * settings.workers
        self.writer: asyncio.subprocess.Process | None = None
        self.stopping = False

    async def run(self) -> int:
        if not self.settings.is_sqlite:
            return await self._serve(self.settings)
        run_dir = make_run_dir()  # once, at start: blocking file calls are fine here
        settings = self.settings.replace(writer_socket=os.path.join(run_dir, "writer.sock"))
        relay = None
        try:
            if settings.bus_url.startswith("memory:"):
                bus_socket = os.path.join(run_dir, "bus.sock")
                relay = await open_relay(bus_socket)
                settings = settings.replace(bus_url=f"local://{bus_socket}")
            return await self._serve(settings)
        finally:
            if relay is not None:
                await relay.close()
            shutil.rmtree(run_dir, ignore_errors=True)

    async def _serve(self, settings: Settings) -> int:
        # Made once here, so the children read one key (not race to create it).
        load_secret(settings.data_dir, settings.media_secret.reveal())
        sock = reserve_port(settings.host, settings.port)
        port = sock.getsockname()[1]
        env = child_env(settings, port)
        writer: asyncio.Task[None] | None = None
        if settings.writer_socket:
            env[f"{PREFIX}FAULT_EXIT_AFTER_COMMITS"] = "0"  # the writer's alone
            writing: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            writer = asyncio.create_task(self._keep_writer(child_env(settings, port), writing))
            try:
                await writing
            except BaseException:
                writer.cancel()
                sock.close()
                raise
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        ready: list[asyncio.Future[str]] = [loop.create_future() for _ in self.children]
        keepers = [
            asyncio.create_task(self._keep(i, env, ready[i])) for i in range(len(self.children))
        ]
        try:
            all_ready: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*ready))
            stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait([all_ready, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not stop.is_set():
                urls = await asyncio.gather(*ready)
                self.announce(urls[0], len(urls))
                await stop.wait()
        finally:
            self.stopping = True
            await self._stop_all()
            for keeper in keepers:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            if writer is not None:  # last: the gateways' writes in flight commit first
                await _stop([self.writer])
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            sock.close()
        return 0

    async def _keep_writer(self, env: dict[str, str], ready: asyncio.Future[None]) -> None:
        """Run the writer process; start it again at once if it dies."""
        while not self.stopping:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "microletter",
                "writer",
                env=env,
                stdout=asyncio.subprocess.PIPE,
            )
            self.writer = proc
            assert proc.stdout is not None
            async for raw in proc.stdout:
                if raw.decode(errors="replace").strip() == WRITER_READY and not ready.done():
                    ready.set_result(None)
            code = await proc.wait()
            if self.stopping:
                return
            if not ready.done():  # it could not start (another process owns the file)
                ready.set_exception(RuntimeError(f"the writer process exited with {code}"))
                return
            log.warning("workers.writer_exited", extra={"code": code})
            await asyncio.sleep(WRITER_RESTART_DELAY)

    async def _keep(self, i: int, env: dict[str, str], ready: asyncio.Future[str]) -> None:
        """Run child i; start it again if it dies (unless we are stopping)."""
        while not self.stopping:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "microletter",
                "serve",
                env=env,
                stdout=asyncio.subprocess.PIPE,
            )
            self.children[i] = proc
            assert proc.stdout is not None
            async for raw in proc.stdout:
                line = raw.decode(errors="replace")
                match = _READY.search(line)
                if match and not ready.done():
                    ready.set_result(match.group(1))
            code = await proc.wait()
            if self.stopping:
                return
            log.warning("workers.child_exited", extra={"worker": i, "code": code})
            await asyncio.sleep(RESTART_DELAY)

    async def _stop_all(self) -> None:
        await _stop(self.children)


async def _stop(children: list[asyncio.subprocess.Process | None]) -> None:
    """SIGTERM each running child, wait 20 s for it, then SIGKILL."""
    running = [p for p in children if p is not None and p.returncode is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    for proc in running:
        try:
            async with asyncio.timeout(20):
                await proc.wait()
        except TimeoutError:
            proc.kill()


def die_with_parent() -> None:
    """In a child of the supervisor: be sent SIGTERM if it dies (even by kill -9), so no
    gateway or writer outlives it (an orphaned writer would keep the file's lock). Linux
    only; elsewhere the supervisor's own shutdown is all there is."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() == 1:  # it died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


def run(settings: Settings, announce: Callable[[str, int], None]) -> int:
    return asyncio.run(Supervisor(settings, announce).run())


async def serve_writer(settings: Settings) -> int:
    """`microletter writer`: own the SQLite file and serve the gateways' writes at
    `writer_socket` until SIGTERM/SIGINT (queued writes commit first)."""
    from microletter.core.ids import IdGenerator
    from microletter.storage import WriterOptions, open_writer

    server = await open_writer(
        settings.effective_database_url,
        settings.writer_socket,
        IdGenerator(settings.node_id),
        settings.limits,
        WriterOptions(
            settings.sqlite_synchronous.upper(),
            exit_after_commits=settings.fault_exit_after_commits,
        ),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(WRITER_READY, flush=True)  # noqa: T201 - read by the supervisor
    await stop.wait()
    await server.close()
    return 0
