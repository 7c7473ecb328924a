"""The SQLite engine: one writer with group commit, and a pool of reader threads.

Theory of operation. Every write is a unit of work `fn(tx, *args)` (storage/work.py)
queued to the one writer, which owns the only write connection. The writer takes
everything that queued up while the previous commit was flushing (up to `max_batch`),
runs the jobs in one transaction (each in its own savepoint when there are several, so
one rejected job does not undo its neighbours), commits once (one fsync under
`synchronous=FULL`), and only then resolves every job's future, in queue order. Under
load hundreds of writes share one fsync; when idle a write waits for nobody.

The jobs' statements run on the event loop's own thread, each job's coroutine driven to
its end in one step (`run_now`): they touch pages in memory and take microseconds, while
handing each of them to another thread would cost a GIL hand-off per statement
(measured: a writer thread stalls for milliseconds per statement when the loop is busy).
Only COMMIT, which waits for the disk, runs on a thread of its own (`Committer`); the
loop keeps serving meanwhile and the next batch gathers.

If the commit fails (disk full, I/O error), every job of the batch fails with
`Unavailable` and nothing of it is visible: acknowledgements always follow a commit.

Reads run on a small thread pool, each thread with its own read-only connection, in one
transaction each; WAL lets them read a consistent snapshot while the writer writes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, TypeVar

from microletter.core.errors import MicroletterError, Unavailable
from microletter.core.events import Outcome
from microletter.storage.sqlite.tx import SqliteReader, SqliteTx
from microletter.storage.work import is_checks_first, run_now

log = logging.getLogger(__name__)

T = TypeVar("T")
BatchObserver = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class WriterOptions:
    """How the one writer commits, passed unchanged from the settings to `Writer`: the
    `synchronous` pragma, who observes each group commit (the metrics), and after how
    many commits the process exits (a fault for the crash test; 0: never)."""

    synchronous: str = "FULL"
    on_batch: BatchObserver | None = None
    exit_after_commits: int = 0


DEFAULT_WRITER = WriterOptions()


class _AbortBatch(Exception):
    """A savepoint-free job failed after writing: the batch cannot be kept."""


def connect(path: str, *, readonly: bool = False, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, cached_statements=256
    )
    conn.execute("PRAGMA busy_timeout=10000")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    else:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        # A big batch must not spill dirty pages to the WAL mid-transaction (on the loop).
        conn.execute("PRAGMA cache_size=-65536")
        # Recalled and deleted content is overwritten, not left in free pages.
        conn.execute("PRAGMA secure_delete=FAST")
    return conn


@dataclass(slots=True)
class _Job:
    fn: Callable[..., Awaitable[Any]]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


@dataclass
class WriterStats:
    batches: int = 0
    jobs: int = 0
    last_batch: int = 0
    failed_commits: int = 0


class Writer:
    """The single writer. `submit` queues a job; `close` commits what is queued and stops."""

    def __init__(
        self,
        path: str,
        make_tx: Callable[[sqlite3.Connection], SqliteTx],
        *,
        synchronous: str = "FULL",
        max_batch: int = 512,
        on_batch: BatchObserver | None = None,
        exit_after_commits: int = 0,
    ) -> None:
        self._path = path
        self._make_tx = make_tx
        self._synchronous = synchronous
        self._max_batch = max_batch
        self._on_batch = on_batch
        self._exit_after = exit_after_commits
        self._queue: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._committer: Committer | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self.stats = WriterStats()

    def start(self) -> None:
        self._conn = connect(self._path, synchronous=self._synchronous)
        tx = self._make_tx(self._conn)
        # Kept: asyncio.get_running_loop() costs a getpid() system call on every use.
        self._loop = asyncio.get_running_loop()
        self._committer = Committer(self._loop, self._conn)
        self._task = self._loop.create_task(self._run(self._conn, tx, self._committer))

    def submit(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> asyncio.Future[Outcome[T]]:
        """Queue `fn(tx, *args, **kwargs)`; the future resolves after its batch commits."""
        if self._closed or self._loop is None:
            raise Unavailable("The store is shutting down.")
        future: asyncio.Future[Outcome[T]] = self._loop.create_future()
        self._queue.append(_Job(fn, args, kwargs, future))
        self._wake.set()
        return future

    async def close(self) -> None:
        """Let queued writes commit, then stop."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._committer is not None:
            self._committer.close()
        if self._conn is not None:
            self._conn.close()

    async def _run(self, conn: sqlite3.Connection, tx: SqliteTx, committer: Committer) -> None:
        while True:
            if not self._queue:
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._max_batch))]
            await self._run_batch(committer, conn, tx, batch)

    async def _run_batch(
        self,
        committer: Committer,
        conn: sqlite3.Connection,
        tx: SqliteTx,
        batch: list[_Job],
    ) -> None:
        started = time.perf_counter()
        savepoints = len(batch) > 1
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                self._run_job(conn, tx, job, savepoints)
            tx.flush()
            await committer.commit()
            if self._exit_after and self.stats.batches + 1 >= self._exit_after:
                os._exit(9)  # fault injection for crash tests: committed, never acked
        except Exception as exc:  # the batch is lost as a whole; the writer goes on
            log.error("store.commit_failed", extra={"error": repr(exc), "jobs": len(batch)})
            self.stats.failed_commits += 1
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            tx.forget()
            for job in batch:
                if not isinstance(exc, _AbortBatch) or job.error is None:
                    job.error = Unavailable("The database could not commit; retry.")
        self.stats.batches += 1
        self.stats.jobs += len(batch)
        self.stats.last_batch = len(batch)
        if self._on_batch is not None:
            self._on_batch(len(batch), time.perf_counter() - started)
        _resolve(batch)

    @staticmethod
    def _run_job(conn: sqlite3.Connection, tx: SqliteTx, job: _Job, savepoint: bool) -> None:
        tx.begin()
        if is_checks_first(job.fn):
            try:
                job.result = _outcome(tx, job)
            except MicroletterError as exc:  # refused before writing: nothing to undo in SQL
                job.error = exc
                tx.rollback()
            except Exception as exc:
                job.error = exc
                raise _AbortBatch() from exc
            return
        if savepoint:
            conn.execute("SAVEPOINT job")
        try:
            job.result = _outcome(tx, job)
        except Exception as exc:
            job.error = exc
            if savepoint:
                conn.execute("ROLLBACK TO job")
            else:  # the transaction is this job's alone: start it afresh
                conn.execute("ROLLBACK")
                conn.execute("BEGIN IMMEDIATE")
            tx.rollback()
        if savepoint:
            conn.execute("RELEASE job")


def _outcome(tx: SqliteTx, job: _Job) -> Outcome[Any]:
    value = run_now(job.fn(tx, *job.args, **job.kwargs))
    return Outcome(value, tx.take_entries(), tx.take_streamed())


def _resolve(batch: list[_Job]) -> None:
    for job in batch:
        if job.future.done():  # the waiter was cancelled; the write still happened
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)


class Committer:
    """The thread that runs COMMIT (it waits for the disk) while the loop goes on.

    One thread of its own, handed each commit through a queue, instead of an executor:
    measured on the 2-core VM, a commit's round trip cost the loop's thread ~70 us of
    CPU through `run_in_executor` (its locks, work item, future chaining) and ~40 us
    this way, which is most of it the two wake-ups no hand-off can avoid."""

    def __init__(self, loop: asyncio.AbstractEventLoop, conn: sqlite3.Connection) -> None:
        self._loop = loop
        self._conn = conn
        self._requests: SimpleQueue[asyncio.Future[None] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="sqlite-commit", daemon=True)
        self._thread.start()

    def commit(self) -> asyncio.Future[None]:
        """COMMIT on the thread; the future resolves (or fails) on the loop once done."""
        future: asyncio.Future[None] = self._loop.create_future()
        self._requests.put(future)
        return future

    def close(self) -> None:
        self._requests.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (future := self._requests.get()) is not None:
            try:
                self._conn.execute("COMMIT")
            except BaseException as exc:  # handed to the loop, which fails the batch
                self._loop.call_soon_threadsafe(_fail, future, exc)
            else:
                self._loop.call_soon_threadsafe(_done, future)


def _done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(future: asyncio.Future[None], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class Readers:
    """A pool of threads, each with its own read-only connection."""

    def __init__(self, path: str, size: int = 4) -> None:
        self._path = path
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sqlite-reader")
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _reader(self) -> SqliteReader:
        reader: SqliteReader | None = getattr(self._local, "reader", None)
        if reader is None:
            conn = connect(self._path, readonly=True)
            reader = self._local.reader = SqliteReader(conn)
            with self._lock:
                self._conns.append(conn)
        return reader

    async def run(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        """`fn(reader, *args, **kwargs)` on a reader thread, in one read transaction."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._call, fn, args, kwargs)

    def _call(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        reader = self._reader()
        reader.conn.execute("BEGIN")
        try:
            return run_now(fn(reader, *args, **kwargs))
        finally:
            reader.conn.execute("COMMIT")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
