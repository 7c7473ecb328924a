"""The SQLite database: one file, one writing process (the writer with group commit), a
pool of reader threads. Everything a single-process community needs, with nothing to
install."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Awaitable
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import Lease, MessageIndex
from microletter.storage.base import BaseDatabase, Work
from microletter.storage.migrate import migrate_sqlite
from microletter.storage.sqlite.engine import (
    DEFAULT_WRITER,
    Readers,
    Writer,
    WriterOptions,
    connect,
)
from microletter.storage.sqlite.lock import hold_writer_lock
from microletter.storage.sqlite.tx import SqliteTx

P = ParamSpec("P")
T = TypeVar("T")


class SoleLease:
    """A `Lease` that is always held: one process owns a SQLite file (lock.py)."""

    async def try_acquire(self) -> bool:
        return True

    async def lost(self) -> None:
        await asyncio.Event().wait()  # never: it ends only when the process does

    async def release(self) -> None:
        return None


class SqliteDatabase(BaseDatabase):
    def __init__(
        self,
        writer: Writer,
        readers: Readers,
        epoch: str,
        key: bytes,
        lock: IO[bytes],
        indexes: list[MessageIndex],
    ) -> None:
        super().__init__(epoch, key, indexes)
        self._writer = writer
        self._readers = readers
        self._lock = lock

    @classmethod
    async def open(
        cls,
        path: str,
        ids: IdGenerator,
        limits: Limits,
        options: WriterOptions = DEFAULT_WRITER,
    ) -> SqliteDatabase:
        """Take the file's writer lock, migrate to the newest schema, start the writer."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        lock = hold_writer_lock(path)
        try:
            epoch, key = await asyncio.get_running_loop().run_in_executor(None, _prepare, path)
        except BaseException:
            lock.close()
            raise
        indexes: list[MessageIndex] = []
        writer = Writer(
            path,
            lambda conn: SqliteTx(conn, ids, limits, indexes),
            synchronous=options.synchronous,
            on_batch=options.on_batch,
            exit_after_commits=options.exit_after_commits,
        )
        writer.start()
        return cls(writer, Readers(path), epoch, key, lock, indexes)

    @property
    def dialect(self) -> str:
        return "sqlite"

    @property
    def writer(self) -> Writer:
        return self._writer

    def _write(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        # A future, not a coroutine: queued now, in call order (group commit keeps it).
        return self._writer.submit(fn, args, kwargs)

    def _read(self, fn: Work, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Awaitable[Any]:
        return self._readers.run(fn, args, kwargs)

    def lease(self, name: str) -> Lease:
        return SoleLease()

    async def close(self) -> None:
        await self._writer.close()
        self._readers.close()
        self._lock.close()  # releases the writer lock


def _prepare(path: str) -> tuple[str, bytes]:
    """Migrate to the newest schema; return the log epoch and the server key (both made
    on first start)."""
    migrate_sqlite(path)
    conn = connect(path)
    try:
        epoch = _meta(conn, "epoch", secrets.token_hex(6))
        key = _meta(conn, "platform_key", secrets.token_hex(32))
        return epoch, bytes.fromhex(key)
    finally:
        conn.close()


def _meta(conn: sqlite3.Connection, name: str, fresh: str) -> str:
    """The meta value `name`, set to `fresh` if it has none yet."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()
    if row is not None:
        return str(row[0])
    try:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (name, fresh))
    except sqlite3.IntegrityError:  # another process won the race
        return str(conn.execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()[0])
    return fresh
