"""SQLite: looking up conversations and their members; the access funnel for every route."""

from __future__ import annotations

import sqlite3

from microletter.core.errors import ConversationNotFound, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Conversation, Member
from microletter.storage.sqlite.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    conversation_of,
    member_of,
)


def load_conversation(conn: sqlite3.Connection, cid: ConversationId) -> Conversation:
    row = conn.execute(
        f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id=?", (cid,)
    ).fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id=cid)
    return conversation_of(row)


def load_member(conn: sqlite3.Connection, cid: ConversationId, uid: UserId) -> Member | None:
    row = conn.execute(
        f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=? AND m.user_id=?",
        (cid, uid),
    ).fetchone()
    return None if row is None else member_of(row)


def access_conversation(
    conn: sqlite3.Connection, cid: ConversationId, uid: UserId
) -> tuple[Conversation, Member]:
    """The one way to reach a conversation: it must exist and `uid` must be a member."""
    row = conn.execute(
        f"SELECT {CONVERSATION_COLS}, {MEMBER_COLS} FROM conversations c"
        " LEFT JOIN members m ON m.conversation_id=c.id AND m.user_id=? WHERE c.id=?",
        (uid, cid),
    ).fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id=cid)
    if row[8] is None:
        raise NotMember(conversation_id=cid)
    return conversation_of(row), member_of(row, 8)


def member_ids(conn: sqlite3.Connection, cid: ConversationId) -> list[UserId]:
    return [
        UserId(r[0])
        for r in conn.execute(
            "SELECT user_id FROM members WHERE conversation_id=? ORDER BY user_id", (cid,)
        )
    ]


def members(conn: sqlite3.Connection, cid: ConversationId) -> list[Member]:
    rows = conn.execute(
        f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=? ORDER BY m.joined_seq,"
        " m.user_id",
        (cid,),
    ).fetchall()
    return [member_of(r) for r in rows]
