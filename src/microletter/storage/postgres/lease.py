"""The node number of this process, leased from PostgreSQL for as long as it lives.

Ids carry a 4-bit node number (core/ids.py), so two processes that share a database must
never use the same one. Each process holds a session-level advisory lock on
(LOCK_CLASS, node) on a connection of its own: PostgreSQL releases it when the process
dies (even by `kill -9`), and nobody else can take it meanwhile. If that connection is
lost (the database restarts), the process stops writing (`held` is False, writes answer
`Unavailable`) until it has leased a number again: its old one if it is still free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib

import asyncpg

from microletter.core.errors import Unavailable
from microletter.core.ids import MAX_NODE, IdGenerator

log = logging.getLogger(__name__)

LOCK_CLASS = 0x6D6C  # "ml": the first key of our advisory locks
CHECK_EVERY = 1.0  # seconds between liveness checks of the lease connection


async def _answer(conn: asyncpg.Connection | None) -> None:
    """Raise unless the lease's connection still answers (its session holds the lock)."""
    assert conn is not None
    async with asyncio.timeout(5):
        await conn.fetchval("SELECT 1")


class NodeLease:
    def __init__(self, dsn: str, ids: IdGenerator) -> None:
        self._dsn = dsn
        self._ids = ids
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.held = False

    async def start(self) -> None:
        """Lease a number (the generator's own if free) and keep it; Unavailable if all
        16 are taken."""
        if not await self._lease():
            raise Unavailable("All 16 node numbers are in use by other microletter processes.")
        self._task = asyncio.get_running_loop().create_task(self._keep())

    async def _lease(self) -> bool:
        conn = await asyncpg.connect(self._dsn, server_settings={"application_name": "ml-lease"})
        preferred = self._ids.node
        for node in [preferred, *(n for n in range(MAX_NODE + 1) if n != preferred)]:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCK_CLASS, node):
                self._ids.move_to(node)
                self._conn = conn
                self.held = True
                log.info("store.node_leased", extra={"node": node})
                return True
        await conn.close()
        return False

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await _answer(self._conn)
                continue
            except Exception as exc:  # lost: stop writing until leased again
                self.held = False
                log.warning("store.node_lease_lost", extra={"error": repr(exc)})
                if self._conn is not None:
                    self._conn.terminate()
                    self._conn = None
            await self._regain()

    async def _regain(self) -> None:
        delay = 0.1
        while True:
            try:
                if await self._lease():
                    return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=2)
        self.held = False


JOB_KEYS = 0x100  # job leases' second keys start here (node numbers use 0-15)


def job_key(name: str) -> int:
    """The advisory lock key of the job lease `name`: the same in every process."""
    return JOB_KEYS + zlib.crc32(name.encode()) % (2**31 - JOB_KEYS)


class JobLease:
    """A `Lease` (ports.py) held as the session-level advisory lock (LOCK_CLASS, key) on a
    connection of its own, like the node number: PostgreSQL releases it when that
    connection ends, however the process ends, and the next `try_acquire` of another
    process gets it. A holder whose connection stops answering counts it as lost (the
    server then ends that session, or already has, and someone else may take over)."""

    def __init__(self, dsn: str, key: int, name: str) -> None:
        self._dsn = dsn
        self._key = key
        self._name = name
        self._conn: asyncpg.Connection | None = None
        self.held = False

    async def try_acquire(self) -> bool:
        if self.held:
            return True
        try:
            async with asyncio.timeout(5):
                if self._conn is None:  # kept while waiting: one connection, not one per try
                    self._conn = await asyncpg.connect(
                        self._dsn, server_settings={"application_name": self._name}
                    )
                got = await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", LOCK_CLASS, self._key
                )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("store.lease_unreachable", extra={"lease": self._name, "error": repr(exc)})
            self._drop()
            return False
        self.held = bool(got)
        if self.held:
            log.info("store.lease_taken", extra={"lease": self._name})
        return self.held

    async def lost(self) -> None:
        while self.held:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await _answer(self._conn)
            except Exception as exc:
                log.warning("store.lease_lost", extra={"lease": self._name, "error": repr(exc)})
                self._drop()

    def _drop(self) -> None:
        self.held = False
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    async def release(self) -> None:
        """Give the lease up (closing the connection ends the lock)."""
        self.held = False
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
