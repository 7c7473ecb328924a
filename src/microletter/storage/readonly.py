"""A read-only snapshot of a database, for operators' commands that must work while the
server runs (`microletter admin reconcile`): it takes no writer lock, so on SQLite it
reads beside the serving process, and on PostgreSQL it is one REPEATABLE READ, READ ONLY
transaction. Read units of work (`async def fn(db: Reader, ...)`) run on it unchanged."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from microletter.ports import Reader, Row
from microletter.storage.sql import bind, for_sqlite


class _PgSnapshot:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self._conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self._conn.fetchrow(sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._conn.fetchval(sql, *args)


class _SqliteSnapshot:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(self._db.execute(for_sqlite(sql), bind(args)).fetchall())

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = self._db.execute(for_sqlite(sql), bind(args)).fetchone()
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]


@asynccontextmanager
async def read_only(url: str) -> AsyncIterator[Reader]:
    """A Reader over one consistent snapshot of the database at `url`."""
    if url.startswith(("postgresql:", "postgres:")):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                yield _PgSnapshot(conn)
        finally:
            await conn.close()
        return
    path = Path(url.removeprefix("sqlite:///")).absolute()  # noqa: ASYNC240 - no I/O to speak of
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        db.execute("BEGIN")  # one WAL snapshot for every query
        yield _SqliteSnapshot(db)
        db.execute("ROLLBACK")
    finally:
        db.close()
