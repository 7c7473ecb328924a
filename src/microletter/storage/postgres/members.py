"""PostgreSQL: looking up conversations and their members; the access funnel for reads."""

from __future__ import annotations

from microletter.core.contacts import Relation
from microletter.core.errors import ConversationNotFound, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Conversation, Member
from microletter.storage.postgres.conn import Conn
from microletter.storage.rows import CONVERSATION_COLS, MEMBER_COLS, conversation_of, member_of


async def access_conversation(
    conn: Conn, cid: ConversationId, uid: UserId
) -> tuple[Conversation, Member]:
    """The one way to reach a conversation: it must exist and `uid` must be a member."""
    row = await conn.fetchrow(
        f"SELECT {CONVERSATION_COLS}, {MEMBER_COLS} FROM conversations c"
        " LEFT JOIN members m ON m.conversation_id=c.id AND m.user_id=$1 WHERE c.id=$2",
        uid,
        cid,
    )
    if row is None:
        raise ConversationNotFound(conversation_id=cid)
    if row[8] is None:
        raise NotMember(conversation_id=cid)
    return conversation_of(row), member_of(row, 8)


async def load_members(conn: Conn, cid: ConversationId) -> list[Member]:
    rows = await conn.fetch(
        f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=$1"
        " ORDER BY m.joined_seq, m.user_id",
        cid,
    )
    return [member_of(r) for r in rows]


async def member_ids(conn: Conn, cid: ConversationId) -> list[UserId]:
    rows = await conn.fetch(
        "SELECT user_id FROM members WHERE conversation_id=$1 ORDER BY user_id", cid
    )
    return [UserId(r[0]) for r in rows]


async def relation(conn: Conn, me: UserId, them: UserId) -> Relation:
    row = await conn.fetchrow(
        "SELECT"
        " EXISTS(SELECT 1 FROM contacts WHERE user_id=$1 AND peer_id=$2),"
        " EXISTS(SELECT 1 FROM blocks WHERE user_id=$1 AND blocked_id=$2),"
        " EXISTS(SELECT 1 FROM blocks WHERE user_id=$2 AND blocked_id=$1),"
        " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=$1 AND to_id=$2"
        " AND status='pending'),"
        " EXISTS(SELECT 1 FROM contact_requests WHERE from_id=$2 AND to_id=$1"
        " AND status='pending')",
        me,
        them,
    )
    assert row is not None  # a SELECT without FROM always returns its one row
    return Relation(me, them, *(bool(x) for x in row))
