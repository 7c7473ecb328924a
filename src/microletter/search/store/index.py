"""Keeping the index: told of every message posted and recalled in that write's transaction
(ports.MessageIndex); and the rebuild from `messages`, when the index is missing or of
another tokeniser version.

The two databases keep it differently (which is why the statements are per dialect).

SQLite: an FTS5 table without content, whose rowid is the message id, which forgets a
document only when told its tokens again (a recall makes them from the message as it was).
FTS5 writes a new segment at every commit, which costs a send in its own transaction about
as much as the send itself (docs/PERFORMANCE.md), so a send only queues its id in
`search_pending` (one small row, in its transaction: durable, exactly the messages not yet
indexed); `drain` indexes the queue in batches, in one transaction each: before every
search (so a search sees every message acknowledged before it) and every second in the
background. A recall takes its message out of the queue, or out of the index if it was
indexed already; both in its own transaction.

PostgreSQL: a tsvector per message (id, conversation, seq) under a GIN index, written in
the send's transaction. GIN queues new entries itself (its pending list), and message ids
are not a cursor there (several processes commit them out of order), so there is nothing
to gain from a queue of our own."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from microletter.core.ids import ConversationId
from microletter.core.models import Message, MessageKind
from microletter.ports import Database, Reader, Tx
from microletter.search.rules import VERSION, message_tokens, tsvector

log = logging.getLogger(__name__)

BATCH = 5000  # messages indexed per transaction of a rebuild
Progress = Callable[[int], None]  # called with the number of messages just indexed


def tokens_of(message: Message) -> list[str]:
    return message_tokens(message.conversation_id, message.kind, message.text, message.data)


class SqliteIndex:
    """ports.MessageIndex on SQLite: a send queues, a recall forgets (see the docstring)."""

    async def posted(self, tx: Tx, message: Message) -> None:
        await tx.execute("INSERT INTO search_pending (id) VALUES ($1)", message.id)

    async def recalled(self, tx: Tx, message: Message) -> None:
        if await tx.execute("DELETE FROM search_pending WHERE id=$1", message.id):
            return  # never indexed
        tokens = tokens_of(message)
        if tokens:  # a table without content forgets exactly the tokens it is given
            await tx.execute(
                "INSERT INTO message_search (message_search, rowid, doc) VALUES ('delete', $1, $2)",
                message.id,
                " ".join(tokens),
            )


async def has_pending(db: Reader) -> bool:
    return await db.fetchval("SELECT 1 FROM search_pending LIMIT 1") is not None


async def drain(tx: Tx, limit: int) -> int:
    """Index up to `limit` queued messages (SQLite); how many were taken off the queue."""
    rows = await tx.fetch(
        "SELECT p.id, g.conversation_id, g.kind, g.text, g.data FROM search_pending p"
        " LEFT JOIN messages g ON g.id = p.id ORDER BY p.id LIMIT $1",
        limit,
    )
    docs = []
    for r in rows:
        if r[1] is None:  # not a message (cannot happen: queued in its transaction)
            continue
        data = msgspec.json.decode(r[4]) if r[4] else None
        tokens = message_tokens(ConversationId(r[1]), _kind(r[2]), r[3], data)
        if tokens:
            docs.append((r[0], " ".join(tokens)))
    await tx.executemany("INSERT INTO message_search (rowid, doc) VALUES ($1, $2)", docs)
    await tx.execute(
        "DELETE FROM search_pending WHERE id = ANY($1::bigint[])", [int(r[0]) for r in rows]
    )
    return len(rows)


class PostgresIndex:
    """ports.MessageIndex on PostgreSQL's tsvector table."""

    async def posted(self, tx: Tx, message: Message) -> None:
        tokens = tokens_of(message)
        if tokens:  # a rebuild running meanwhile in another process may have been first
            await tx.execute(
                "INSERT INTO message_search (id, conversation_id, seq, doc)"
                " VALUES ($1, $2, $3, $4::tsvector) ON CONFLICT (id) DO NOTHING",
                message.id,
                message.conversation_id,
                message.seq,
                tsvector(tokens),
            )

    async def recalled(self, tx: Tx, message: Message) -> None:
        await tx.execute("DELETE FROM message_search WHERE id=$1", message.id)


def index_for(db: Database) -> SqliteIndex | PostgresIndex:
    return SqliteIndex() if db.dialect == "sqlite" else PostgresIndex()


# --- rebuilding ---


async def _clear(tx: Tx, sqlite: bool) -> None:
    await tx.execute("DELETE FROM meta WHERE key='search_version'")
    if sqlite:  # the rebuild indexes every message, the queued ones too
        await tx.execute("DELETE FROM search_pending")
        await tx.execute("INSERT INTO message_search (message_search) VALUES ('delete-all')")
    else:
        await tx.execute("DELETE FROM message_search")


async def _index_batch(tx: Tx, sqlite: bool, after: int, limit: int) -> tuple[int, int]:
    """Index the messages with ids after `after` (up to `limit` of them, in id order);
    the last id looked at, and how many were looked at."""
    rows = await tx.fetch(
        "SELECT id, conversation_id, seq, kind, text, data FROM messages"
        " WHERE id > $1 AND recalled_at IS NULL ORDER BY id LIMIT $2",
        after,
        limit,
    )
    docs: list[tuple[int, str]] = []
    places: list[tuple[int, int, int, str]] = []
    for r in rows:
        data = msgspec.json.decode(r[5]) if r[5] else None
        tokens = message_tokens(ConversationId(r[1]), _kind(r[3]), r[4], data)
        if tokens and sqlite:
            docs.append((r[0], " ".join(tokens)))
        elif tokens:
            places.append((r[0], r[1], r[2], tsvector(tokens)))
    if sqlite:
        await tx.executemany("INSERT INTO message_search (rowid, doc) VALUES ($1, $2)", docs)
    else:
        await tx.executemany(
            "INSERT INTO message_search (id, conversation_id, seq, doc)"
            " VALUES ($1, $2, $3, $4::tsvector) ON CONFLICT (id) DO NOTHING",
            places,
        )
    return (int(rows[-1][0]) if rows else after), len(rows)


def _kind(value: str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:  # a kind of a later version: nothing to index
        return MessageKind.SYSTEM


async def _set_version(tx: Tx) -> None:
    await tx.execute(
        "INSERT INTO meta (key, value) VALUES ('search_version', $1)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        VERSION,
    )


async def _version(db: Reader) -> str | None:
    value = await db.fetchval("SELECT value FROM meta WHERE key='search_version'")
    return None if value is None else str(value)


async def is_current(db: Database) -> bool:
    return await db.read(_version) == VERSION


async def rebuild(db: Database, progress: Progress | None = None) -> int:
    """Index every message again, from `messages` (in batches of one transaction each);
    the number of messages looked at. New posts are indexed meanwhile by the hook."""
    sqlite = db.dialect == "sqlite"
    await db.write(_clear, sqlite)
    after, total = 0, 0
    while True:
        outcome = await db.write(_index_batch, sqlite, after, BATCH)
        after, done = outcome.value
        total += done
        if progress is not None and done:
            progress(done)
        if done < BATCH:
            break
    if sqlite:  # one b-tree instead of a segment per batch: faster searches
        await db.write(_optimize)
    else:  # the planner's statistics of the new rows
        await db.write(_analyze)
    await db.write(_set_version)
    log.info("search.rebuilt", extra={"messages": total})
    return total


async def _analyze(tx: Tx) -> None:
    # GIN's pending list, which every search reads whole, emptied into the index.
    await tx.fetchval("SELECT gin_clean_pending_list('message_search_doc')")
    await tx.execute("ANALYZE message_search")


async def _optimize(tx: Tx) -> None:
    await tx.execute("INSERT INTO message_search (message_search) VALUES ('optimize')")


async def ensure_index(db: Database) -> None:
    """Rebuild the index if it is not of this tokeniser's version (a database from before
    search, or imported, or of an older version). One process at a time (a lease)."""
    if await is_current(db):
        return
    lease = db.lease("search-rebuild")
    while not await lease.try_acquire():
        await _wait()
    try:
        if not await is_current(db):  # another process may have done it meanwhile
            log.info("search.rebuilding")
            await rebuild(db)
    finally:
        await lease.release()


async def _wait() -> None:
    import asyncio

    await asyncio.sleep(1.0)


async def count_messages(db: Reader) -> int:
    """How many messages a rebuild looks at (for a progress bar)."""
    return int(await db.fetchval("SELECT count(*) FROM messages WHERE recalled_at IS NULL"))
