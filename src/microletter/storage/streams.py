"""Streams: large groups read by their members (read diffusion).

A message in a group of at least `limits.stream_members` members is appended only to the
logs of members who do not read streams (`Tx.stream_readers`: some device of theirs has
not opted in); the others' devices get it from the group's stream: live as a hint on the
group's topic, and after a reconnect from `messages` by seq (`page`). One message row,
one hint, whatever the number of members who read streams.
"""

from __future__ import annotations

from microletter.core.errors import NotMember
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Message, StreamView
from microletter.ports import Reader
from microletter.storage.rows import MESSAGE_COLS, message_of


async def streams(db: Reader, uid: UserId, members: int) -> list[StreamView]:
    """The groups of at least `members` members that the user is in, with their heads."""
    rows = await db.fetch(
        "SELECT c.id, c.last_seq, m.joined_seq FROM members m"
        " JOIN conversations c ON c.id=m.conversation_id"
        " WHERE m.user_id=$1 AND c.kind='group' AND c.member_count>=$2 ORDER BY c.id",
        uid,
        members,
    )
    return [StreamView(ConversationId(r[0]), r[1], r[2]) for r in rows]


async def page(
    db: Reader, uid: UserId, cid: ConversationId, after: int, limit: int
) -> list[Message]:
    """A member's messages of a conversation after `after` (none from before they
    joined), oldest first, as they are now (recalled ones without their content)."""
    joined = await db.fetchval(
        "SELECT joined_seq FROM members WHERE conversation_id=$1 AND user_id=$2", cid, uid
    )
    if joined is None:
        raise NotMember(conversation_id=cid)
    rows = await db.fetch(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq>$2"
        " ORDER BY g.seq LIMIT $3",
        cid,
        max(after, int(joined)),
        limit,
    )
    return [message_of(r) for r in rows]
