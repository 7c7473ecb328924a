"""The durable scheduler: runs the jobs every room schedules (a transfer's refund after
24 hours, and later settlements, expiries, weekly resets), each exactly once in a cluster,
and after any restart. Its jobs live in the database (storage/jobs.py says how a job's
work commits at most once and is retried until it does); this is the loop that claims
and runs them, plus the periodic tasks that need no row (sweeps, measurements).

A room gives a *handler* per job kind: a unit of work `async def h(tx, payload, now)`
that runs in the transaction that marks the job done, so it may append log entries
(published after the commit) and must not await anything but its `tx`.

A job whose work is I/O outside the database (a payment notification POSTed to a
merchant) gives an *effect* too: `async def e(payload, attempt) -> dict`, run with the
job's lease held and no transaction open. When it returns, the handler runs with the
payload and what the effect returned, and the job is done; when it raises, the job is
tried again after `retry(attempt)` ms, or, once that says None, the handler runs with
`{"failed": <error>}` added and the job is done. Such a job runs at least once (its
lease may run out mid-effect), so its effect must be safe to repeat.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from microletter.core.errors import MicroletterError
from microletter.core.events import Outcome
from microletter.core.models import Instant, JsonValue
from microletter.ports import Job, JobHandler, Jobs, Tx

log = logging.getLogger(__name__)

Handler = JobHandler
Periodic = Callable[[Instant], Awaitable[None]]
Effect = Callable[[dict[str, JsonValue], int], Awaitable[dict[str, JsonValue]]]


def backoff(attempt: int) -> int | None:
    """The default wait before trying a failed job again: 10 s doubling, at most an hour."""
    return int(min(3_600_000, 10_000 * 2 ** min(attempt, 10)))


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of job and the unit of work that does it (a room exports these); with an
    `effect`, the I/O to do first, and `retry`, how long to wait after it fails."""

    kind: str
    handler: Handler
    effect: Effect | None = None
    retry: Callable[[int], int | None] = backoff


class Scheduler:
    """Claims due jobs every `interval` seconds (0: only when `run_due` is called) and runs
    each in its own transaction. Started and stopped by app.py."""

    def __init__(
        self,
        jobs: Jobs,
        publish: Callable[[Outcome[object]], Awaitable[None]],
        clock: Callable[[], Instant],
        interval: float,
        *,
        batch: int = 100,
        lease_ms: int = 60_000,
        name: str = "",
    ) -> None:
        self.jobs = jobs
        self.publish = publish
        self.clock = clock
        self.interval = interval
        self.batch = batch
        self.lease_ms = lease_ms
        self.name = name or f"{os.uname().nodename}:{os.getpid()}:{id(self):x}"
        self.handlers: dict[str, Handler] = {}
        self.kinds: dict[str, JobKind] = {}
        self.periodic: list[tuple[str, float, Periodic]] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.ran = 0  # jobs this process ran (tests, metrics)

    def register(self, *kinds: JobKind) -> None:
        for k in kinds:
            self.handlers[k.kind] = k.handler
            self.kinds[k.kind] = k

    def every(self, name: str, seconds: float, task: Periodic) -> None:
        """Run `task(now)` about every `seconds` in every process (it must be safe to run
        in several at once: a sweep or a measurement)."""
        self.periodic.append((name, seconds, task))

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        # A periodic task first runs one period after the start: a start writes nothing
        # (the crash tests count the commits a server makes).
        last = {name: loop.time() for name, _, _ in self.periodic}
        while True:
            try:
                while await self.run_due() >= self.batch:
                    pass  # a full batch: there may be more due now
                for name, seconds, task in self.periodic:
                    if loop.time() - last.setdefault(name, loop.time()) >= seconds:
                        last[name] = loop.time()
                        await task(self.clock())
            except MicroletterError as exc:  # the database is away: next time
                log.warning("scheduler.failed", extra={"error": exc.code})
            except Exception:
                log.exception("scheduler.crashed")
            await asyncio.sleep(self.interval)

    async def run_due(self) -> int:
        """Claim the jobs due now and run them; how many were claimed."""
        async with self._lock:
            now = self.clock()
            if not await self.jobs.due(now):
                return 0
            jobs = await self.jobs.claim(self.name, now, self.lease_ms, self.batch)
            for job in jobs:
                await self._run(job)
            return len(jobs)

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        now = self.clock()
        if handler is None:  # a kind of a room not loaded here: leave it to another process
            await self.jobs.fail(job.id, "no handler here", Instant(now + self.lease_ms))
            return
        kind = self.kinds.get(job.kind)
        if kind is not None and kind.effect is not None:
            await self._run_effect(job, kind, kind.effect)
            return
        try:
            outcome = await self.jobs.run(job, handler, now)
        except Exception as exc:
            code = exc.code if isinstance(exc, MicroletterError) else type(exc).__name__
            log.warning("scheduler.job_failed", extra={"job": job.kind, "error": code})
            wait = (kind.retry if kind is not None else backoff)(job.attempts) or 3_600_000
            await self.jobs.fail(job.id, code, Instant(now + wait))
            return
        if outcome.value:
            self.ran += 1
            log.info("scheduler.job_done", extra={"job": job.kind, "job_id": job.id})
        await self.publish(outcome)

    async def _run_effect(self, job: Job, kind: JobKind, effect: Effect) -> None:
        """The effect (within the lease), then the handler with what it returned."""
        try:
            async with asyncio.timeout(self.lease_ms / 2000):
                result = await effect(job.payload, job.attempts)
        except Exception as exc:
            code = exc.code if isinstance(exc, MicroletterError) else type(exc).__name__
            wait = kind.retry(job.attempts)
            log.warning(
                "scheduler.effect_failed",
                extra={"job": job.kind, "error": code, "attempt": job.attempts, "retry_ms": wait},
            )
            if wait is not None:
                await self.jobs.fail(job.id, code, Instant(self.clock() + wait))
                return
            result = {"failed": code}
        payload = {**job.payload, **result}
        handler = kind.handler  # captured alone: the unit of work may run in another
        # process (the SQLite writer of `serve --workers N`), where `kind.effect` cannot go

        async def finish(tx: Tx, _: dict[str, JsonValue], now: Instant) -> None:
            await handler(tx, payload, now)

        try:
            outcome = await self.jobs.run(job, finish, self.clock())
        except Exception as exc:  # the effect is done; its record is not: do both again
            code = exc.code if isinstance(exc, MicroletterError) else type(exc).__name__
            log.warning("scheduler.job_failed", extra={"job": job.kind, "error": code})
            wait = backoff(job.attempts) or 3_600_000
            await self.jobs.fail(job.id, code, Instant(self.clock() + wait))
            return
        if outcome.value:
            self.ran += 1
        await self.publish(outcome)
