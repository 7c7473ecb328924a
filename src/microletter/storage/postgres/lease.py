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

import asyncpg

from microletter.core.errors import Unavailable
from microletter.core.ids import MAX_NODE, IdGenerator

log = logging.getLogger(__name__)

LOCK_CLASS = 0x6D6C  # "ml": the first key of our advisory locks
CHECK_EVERY = 1.0  # seconds between liveness checks of the lease connection


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
                assert self._conn is not None
                async with asyncio.timeout(5):
                    await self._conn.fetchval("SELECT 1")
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
