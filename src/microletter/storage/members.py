"""Looking up conversations and their members; the access funnel for reads."""

from __future__ import annotations

from microletter.core.errors import ConversationNotFound, NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Conversation, Member
from microletter.ports import Reader
from microletter.storage.rows import CONVERSATION_COLS, MEMBER_COLS, conversation_of, member_of


async def access_conversation(
    db: Reader, cid: ConversationId, uid: UserId
) -> tuple[Conversation, Member]:
    """The one way to reach a conversation: it must exist and `uid` must be a member."""
    row = await db.fetchrow(
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


async def load_members(db: Reader, cid: ConversationId) -> list[Member]:
    rows = await db.fetch(
        f"SELECT {MEMBER_COLS} FROM members m WHERE m.conversation_id=$1"
        " ORDER BY m.joined_seq, m.user_id",
        cid,
    )
    return [member_of(r) for r in rows]


async def member_ids(db: Reader, cid: ConversationId) -> list[UserId]:
    rows = await db.fetch(
        "SELECT user_id FROM members WHERE conversation_id=$1 ORDER BY user_id", cid
    )
    return [UserId(r[0]) for r in rows]
