"""Durable state, picked by URL: sqlite:///path (default) or postgresql://user@host/db. A
driver is imported only when its scheme is used.

The door of the storage room. Feature rooms run their own units of work (ports.Tx,
ports.Reader) on the `Database` that `open_database` gives, declare their facades with
`Facade` and `reads`/`writes`/`writes_value`, and may reuse the shared pieces below; they
never import a backend's modules. A room that refers to blobs calls `hold_media` in the
unit of work that makes a reference; `MEDIA_REFERRERS` are the core's referrers. A room
that needs work done later calls `schedule_job` in the unit of work that makes the need
(the durable scheduler, jobs.py); `post_note` posts a system note, `post_audience_note` a
note that only some members see (notes.py)."""

from __future__ import annotations

from typing import Protocol

from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.ports import Database
from microletter.storage.conversations import add_member_rows
from microletter.storage.jobs import (
    JobStore,
    cancel_job,
    claim_jobs,
    fail_job,
    forget_jobs,
    pending_jobs,
    schedule_job,
    start_job,
)
from microletter.storage.media import (
    MEDIA_REFERRERS,
    adopt_media,
    candidates,
    find_media,
    hold_media,
)
from microletter.storage.messages import post_message, post_note
from microletter.storage.notes import notes_between, post_audience_note, post_audience_notes
from microletter.storage.ops import Facade, reads, writes, writes_value
from microletter.storage.readonly import read_only
from microletter.storage.rows import (
    MESSAGE_COLS,
    USER_COLS,
    fetch_users,
    message_of,
    to_json,
    user_of,
)
from microletter.storage.sqlite.engine import DEFAULT_WRITER, WriterOptions
from microletter.storage.store import Store
from microletter.storage.work import checks_first, snapshot

__all__ = [
    "WriterOptions",
    "MEDIA_REFERRERS",
    "JobStore",
    "cancel_job",
    "claim_jobs",
    "fail_job",
    "forget_jobs",
    "pending_jobs",
    "post_note",
    "post_audience_note",
    "post_audience_notes",
    "notes_between",
    "schedule_job",
    "start_job",
    "MESSAGE_COLS",
    "USER_COLS",
    "Closable",
    "Facade",
    "Store",
    "add_member_rows",
    "adopt_media",
    "candidates",
    "find_media",
    "checks_first",
    "fetch_users",
    "hold_media",
    "message_of",
    "open_database",
    "open_store",
    "open_writer",
    "post_message",
    "read_only",
    "reads",
    "snapshot",
    "sqlite_path",
    "to_json",
    "user_of",
    "writes",
    "writes_value",
]


class Closable(Protocol):
    async def close(self) -> None: ...


def sqlite_path(url: str) -> str:
    """`sqlite:///relative/file.db` or `sqlite:////absolute/file.db` to a file path."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r}")
    return url.removeprefix("sqlite:///")


async def open_database(
    url: str,
    ids: IdGenerator,
    limits: Limits,
    *,
    writer: WriterOptions = DEFAULT_WRITER,
    pool_size: int = 10,
    timeout: float = 10.0,
    writer_socket: str = "",
) -> Database:
    """Open (creating and migrating on first use) the database that `url` names. With
    `writer_socket`, a SQLite file is written by the writer process serving that socket
    (`open_writer`) and only read here."""
    if url.startswith("sqlite:") and writer_socket:
        from microletter.storage.remote import RemoteDatabase

        return await RemoteDatabase.open(sqlite_path(url), writer_socket, timeout=timeout)
    if url.startswith("sqlite:"):
        from microletter.storage.sqlite.database import SqliteDatabase

        return await SqliteDatabase.open(sqlite_path(url), ids, limits, writer)
    if url.startswith(("postgresql:", "postgres:")):
        from microletter.storage.postgres.database import PostgresDatabase

        return await PostgresDatabase.open(url, ids, limits, pool_size=pool_size, timeout=timeout)
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}; use sqlite:///path or postgresql://..."
    )


async def open_writer(
    url: str,
    socket_path: str,
    ids: IdGenerator,
    limits: Limits,
    writer: WriterOptions = DEFAULT_WRITER,
) -> Closable:
    """The writer process of `serve --workers N` on SQLite: own the file `url` names and
    run the units of work that gateways send to `socket_path` (storage/remote/)."""
    from microletter.storage.remote import open_writer as serve

    return await serve(sqlite_path(url), socket_path, ids, limits, writer)


async def open_store(
    url: str, ids: IdGenerator, limits: Limits, *, pool_size: int = 10, writer_socket: str = ""
) -> Store:
    """`open_database`, and the core's Store on it (for tools and tests)."""
    return Store(
        await open_database(url, ids, limits, pool_size=pool_size, writer_socket=writer_socket)
    )
