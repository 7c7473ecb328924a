"""The PostgreSQL engine: a connection pool, write transactions that retry on deadlock, and
the mapping of a lost database to `Unavailable`.

Theory of operation. Many processes write at once, so nothing is kept in memory between
transactions: every write is a unit of work `fn(tx, *args)` (storage/work.py) run in its
own READ COMMITTED transaction on a pooled connection, and the order is made by row locks
held until COMMIT:

- a conversation's row is locked first (`SELECT ... FOR UPDATE`) by every write that
  gives it a seq or changes its members, so its seqs commit in order and a send sees
  the members as of its seq;
- the users whose update logs grow are locked last, all at once, in ascending id order
  (`PgTx.write_log`), so their log seqs commit in order and two writes never wait for
  each other in a circle.

PostgreSQL shares one WAL flush among the commits that are ready together (group commit
comes for free). What it does not share are the round trips, which cost more than the
work here: so plain sends do not come through `write` one by one, but several to a
transaction (sends.py), under the same locks in the same order. A write is acknowledged
only after COMMIT returned. If the database goes away mid-write, the caller gets
`Unavailable` (the client retries; an exactly-once send that did commit is then answered
with the original).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from microletter.core.errors import Unavailable
from microletter.core.events import Outcome
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import MessageIndex
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.tx import PgReader, PgTx
from microletter.storage.work import is_snapshot

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRIES = 8  # deadlocks and serialization failures: nothing was committed, so try again

# A lost or restarting server, a refused connection, a full pool: "unavailable, retry".
_GONE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby during fail-over
)
RETRYABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)


def is_gone(exc: BaseException) -> bool:
    return isinstance(exc, _GONE)


class Engine:
    """The pool and the two ways to use it: `write` (a transaction that may append to
    update logs) and `read` (a unit of work on one connection)."""

    def __init__(
        self, pool: asyncpg.Pool, ids: IdGenerator, limits: Limits, timeout: float
    ) -> None:
        self.pool = pool
        self.ids = ids
        self.limits = limits
        self.indexes: list[MessageIndex] = []  # ports.Tx.indexes, added after opening
        self.timeout = timeout
        self.retries = 0  # deadlocks and serialization failures retried (for tests, metrics)
        self.writable: Callable[[], bool] = lambda: True  # the node lease is held

    async def write(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Outcome[T]:
        """Run `fn(tx, *args, **kwargs)` in one transaction and commit; return its value
        and the log entries it appended. `Unavailable` if the database cannot be reached."""
        for attempt in range(RETRIES):
            try:
                return await self._write_once(fn, args, kwargs)
            except RETRYABLE:
                self.retries += 1
                log.info("store.write_retried", extra={"attempt": attempt + 1})
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311
            except _GONE as exc:
                raise _unavailable(exc) from None
        raise Unavailable("The database is too busy; retry.")

    async def _write_once(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Outcome[T]:
        if not self.writable():
            raise Unavailable("This node is reconnecting to the database; retry.")
        async with asyncio.timeout(self.timeout):
            conn = await self.pool.acquire()
        try:
            async with conn.transaction():
                tx = PgTx(conn, self.ids, self.limits, self.indexes)
                value = await fn(tx, *args, **kwargs)
                entries = await tx.write_log()
        finally:
            await self.pool.release(conn)
        return Outcome(value, entries, tx.take_streamed())

    async def read(
        self, fn: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        """`fn(reader, *args, **kwargs)`; a unit of work marked `snapshot` runs inside one
        REPEATABLE READ read-only transaction, so its queries see one committed state."""
        try:
            async with asyncio.timeout(self.timeout):
                conn = await self.pool.acquire()
            try:
                if not is_snapshot(fn):
                    return await fn(PgReader(conn), *args, **kwargs)
                async with conn.transaction(isolation="repeatable_read", readonly=True):
                    return await fn(PgReader(conn), *args, **kwargs)
            finally:
                await self.pool.release(conn)
        except _GONE as exc:
            raise _unavailable(exc) from None

    async def close(self) -> None:
        try:
            async with asyncio.timeout(10):
                await self.pool.close()
        except TimeoutError:
            self.pool.terminate()


def _unavailable(exc: BaseException) -> Unavailable:
    log.warning("store.unavailable", extra={"error": repr(exc)})
    return Unavailable("The database is unavailable; retry.")


async def _keep(conn: Conn) -> None:
    """No reset on release: our connections keep no session state (no LISTEN, no SET,
    no session locks; transaction locks end with the transaction), and a reset would cost
    a round trip per request."""


async def open_pool(dsn: str, size: int, timeout: float) -> asyncpg.Pool:
    """A pool of `size` connections; each statement is bounded by `timeout` seconds."""
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=min(2, size),
            max_size=size,
            command_timeout=timeout,
            max_inactive_connection_lifetime=60,
            reset=_keep,
            server_settings={
                "application_name": "microletter",
                "statement_timeout": str(int(timeout * 1000)),
                "idle_in_transaction_session_timeout": str(int(timeout * 2000)),
            },
        )
    except _GONE as exc:
        raise Unavailable(f"Cannot reach PostgreSQL: {exc}") from None
    return pool
