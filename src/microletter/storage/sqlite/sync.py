"""SQLite: reading the update log and the start-up snapshot."""

from __future__ import annotations

import sqlite3

from microletter.core.events import LogEntry
from microletter.core.ids import UserId
from microletter.core.models import Snapshot
from microletter.storage.codec import row_event
from microletter.storage.sqlite import accounts, channels, contacts, conversations
from microletter.storage.sqlite.rows import MESSAGE_COLS, message_of


def log_head(conn: sqlite3.Connection, user_id: UserId) -> int:
    row = conn.execute("SELECT log_seq FROM users WHERE id=?", (user_id,)).fetchone()
    return 0 if row is None else int(row[0])


def read_log(conn: sqlite3.Connection, user_id: UserId, after: int, limit: int) -> list[LogEntry]:
    """The user's log entries after `after`, in order, messages joined in."""
    rows = conn.execute(
        f"SELECT l.seq, l.kind, l.payload, {MESSAGE_COLS} FROM user_log l"
        " LEFT JOIN messages g ON l.kind='message' AND g.conversation_id=l.conversation_id"
        " AND g.seq=l.ref_seq WHERE l.user_id=? AND l.seq>? ORDER BY l.seq LIMIT ?",
        (user_id, after, limit),
    ).fetchall()
    return [
        LogEntry(user_id, r[0], row_event(r[1], r[2], None if r[3] is None else message_of(r, 3)))
        for r in rows
    ]


def snapshot(conn: sqlite3.Connection, user_id: UserId) -> Snapshot:
    return Snapshot(
        user=accounts.user(conn, user_id),
        log_seq=log_head(conn, user_id),
        conversations=conversations.conversations_of(conn, user_id),
        contacts=contacts.contacts(conn, user_id),
        requests=contacts.requests(conn, user_id),
        blocks=contacts.blocks(conn, user_id),
        channels=channels.channels(conn, user_id),
    )
