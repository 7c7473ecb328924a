"""Reading the update log and the start-up snapshot."""

from __future__ import annotations

from microletter.core.events import LogEntry
from microletter.core.ids import UserId
from microletter.core.models import Snapshot
from microletter.ports import Reader
from microletter.storage import accounts, channels, contacts, conversations, work
from microletter.storage.codec import row_event
from microletter.storage.rows import MESSAGE_COLS, message_of


async def log_head(db: Reader, user_id: UserId) -> int:
    head = await db.fetchval("SELECT log_seq FROM users WHERE id=$1", user_id)
    return 0 if head is None else int(head)


async def read_log(db: Reader, user_id: UserId, after: int, limit: int) -> list[LogEntry]:
    """The user's log entries after `after`, in order, messages joined in."""
    rows = await db.fetch(
        f"SELECT l.seq, l.kind, l.payload, {MESSAGE_COLS} FROM user_log l"
        " LEFT JOIN messages g ON l.kind IN ('message','edit')"
        " AND g.conversation_id=l.conversation_id AND g.seq=l.ref_seq"
        " WHERE l.user_id=$1 AND l.seq>$2 ORDER BY l.seq LIMIT $3",
        user_id,
        after,
        limit,
    )
    return [
        LogEntry(user_id, r[0], row_event(r[1], r[2], None if r[3] is None else message_of(r, 3)))
        for r in rows
    ]


@work.snapshot
async def snapshot(db: Reader, user_id: UserId) -> Snapshot:
    """The user's whole state and the log seq it is as of (one snapshot: they agree)."""
    return Snapshot(
        user=await accounts.user(db, user_id),
        log_seq=await log_head(db, user_id),
        conversations=await conversations.conversations_of(db, user_id),
        contacts=await contacts.contacts(db, user_id),
        requests=await contacts.requests(db, user_id),
        blocks=await contacts.blocks(db, user_id),
        channels=await channels.channels(db, user_id),
    )
