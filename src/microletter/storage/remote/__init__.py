"""A third way to run units of work: SQLite's one writer in a process of its own, serving
several gateway processes over a Unix socket (`serve --workers N` on SQLite). The units
of work, the facades and the feature rooms are the same; only where `Database.write`
runs changes (server.py in the writer process, database.py in each gateway)."""

from __future__ import annotations

from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.storage.remote.database import RemoteDatabase
from microletter.storage.remote.server import WriterServer
from microletter.storage.sqlite.database import SqliteDatabase
from microletter.storage.sqlite.engine import DEFAULT_WRITER, WriterOptions

__all__ = ["RemoteDatabase", "WriterServer", "open_writer"]


async def open_writer(
    path: str,
    socket_path: str,
    ids: IdGenerator,
    limits: Limits,
    options: WriterOptions = DEFAULT_WRITER,
) -> WriterServer:
    """Open the SQLite file as its one writer (lock, migrate) and serve it at
    `socket_path`; `close()` the result to stop (queued writes commit first)."""
    db = await SqliteDatabase.open(path, ids, limits, options)
    server = WriterServer(db, socket_path)
    try:
        await server.start()
    except BaseException:
        await db.close()
        raise
    return server
