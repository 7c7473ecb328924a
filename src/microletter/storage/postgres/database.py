"""The PostgreSQL database: every write one transaction on a pooled connection, every read
one connection (or one REPEATABLE READ snapshot). Safe for many processes on one
database; imported only when a postgresql:// URL is used (asyncpg is not loaded
otherwise)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable
from typing import Any, ParamSpec, TypeVar

import asyncpg

from microletter.core.errors import Unavailable
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import Lease
from microletter.storage.base import BaseDatabase, Work
from microletter.storage.messages import post_message
from microletter.storage.migrate import migrate_postgres
from microletter.storage.postgres.engine import Engine, is_gone, open_pool
from microletter.storage.postgres.lease import JobLease, NodeLease, job_key
from microletter.storage.postgres.sends import SendBatcher, is_batchable

P = ParamSpec("P")
T = TypeVar("T")


class PostgresDatabase(BaseDatabase):
    def __init__(self, engine: Engine, node: NodeLease, epoch: str, key: bytes, dsn: str) -> None:
        super().__init__(epoch, key, engine.indexes)
        self._engine = engine
        self._node = node
        self._dsn = dsn
        engine.writable = lambda: node.held
        self.sends = SendBatcher(engine)

    @classmethod
    async def open(
        cls,
        dsn: str,
        ids: IdGenerator,
        limits: Limits,
        *,
        pool_size: int = 10,
        timeout: float = 10.0,
    ) -> PostgresDatabase:
        """Migrate to the newest schema, lease a node number, open the pool. Raises
        `Unavailable` if the database cannot be reached."""
        try:
            await migrate_postgres(dsn)
            node = NodeLease(dsn, ids)
            await node.start()
        except Exception as exc:
            if is_gone(exc) or isinstance(exc, OSError):
                raise Unavailable(f"Cannot reach PostgreSQL: {exc}") from None
            raise
        try:
            pool = await open_pool(dsn, pool_size, timeout)
            epoch = await _meta(pool, "epoch", secrets.token_hex(6))
            key = await _meta(pool, "platform_key", secrets.token_hex(32))
        except BaseException:
            await node.close()
            raise
        return cls(Engine(pool, ids, limits, timeout), node, epoch, bytes.fromhex(key), dsn)

    @property
    def dialect(self) -> str:
        return "postgresql"

    @property
    def engine(self) -> Engine:
        return self._engine

    def _write(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        if fn is post_message and not kwargs and is_batchable(args[0]):
            return self.sends.post(*args)  # with the other plain sends of this moment
        ended = self.sends.start_queued()
        if ended is None:
            return self._engine.write(fn, args, kwargs)
        return self._after(ended, fn, args, kwargs)

    async def _after(
        self, ended: Awaitable[None], fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A write asked for after sends that were still queued: it starts once their
        batch ended (sends.py, `start_queued`)."""
        await ended
        return await self._engine.write(fn, args, kwargs)

    def _read(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        return self._engine.read(fn, args, kwargs)

    def lease(self, name: str) -> Lease:
        # A session-level advisory lock on a connection of its own (lease.py).
        return JobLease(self._dsn, job_key(name), f"ml-lease-{name}")

    async def close(self) -> None:
        await self._engine.close()
        await self._node.close()


async def _meta(pool: asyncpg.Pool, name: str, fresh: str) -> str:
    """The meta value `name` (the log epoch, the server key), set to `fresh` by whichever
    process starts first."""
    await pool.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", name, fresh
    )
    return str(await pool.fetchval("SELECT value FROM meta WHERE key=$1", name))
