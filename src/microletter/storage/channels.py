"""Broadcast channels of official accounts (read diffusion), as their followers see them.

A broadcast is one row in `oa_channel_posts` and one move of the account's
`channel_head`, whatever the number of followers: nobody's update log grows. A follower
sees the posts after the head at the time they followed (`channel_joined_seq`).
"""

from __future__ import annotations

from microletter.core.errors import NotFollowing
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import ChannelPost, ChannelView
from microletter.ports import Reader, Tx
from microletter.storage.rows import POST_COLS, post_of


async def mark_read(tx: Tx, uid: UserId, channel_id: UserId, seq: int) -> int:
    """Move the follower's read position in a channel forward (never back)."""
    row = await tx.fetchrow(
        "SELECT f.following, f.channel_read_seq, a.channel_head FROM oa_followers f"
        " JOIN oa_accounts a ON a.id=f.account_id WHERE f.account_id=$1 AND f.user_id=$2"
        " FOR UPDATE OF f",
        channel_id,
        uid,
    )
    if row is None or not row[0]:
        raise NotFollowing(account_id=channel_id)
    seq = min(seq, row[2])
    if seq <= row[1]:
        return int(row[1])
    await tx.execute(
        "UPDATE oa_followers SET channel_read_seq=$1 WHERE account_id=$2 AND user_id=$3",
        seq,
        channel_id,
        uid,
    )
    return seq


async def channels(db: Reader, uid: UserId) -> list[ChannelView]:
    """The channels of every account the user follows, with their heads."""
    rows = await db.fetch(
        "SELECT f.account_id, c.id, a.channel_head, f.channel_joined_seq, f.channel_read_seq"
        " FROM oa_followers f JOIN oa_accounts a ON a.id=f.account_id"
        " JOIN members m ON m.user_id=f.user_id"
        " JOIN conversations c ON c.id=m.conversation_id AND c.owner_id=f.account_id"
        " AND c.kind='official' WHERE f.user_id=$1 AND f.following ORDER BY f.account_id",
        uid,
    )
    return [ChannelView(UserId(r[0]), ConversationId(r[1]), r[2], r[3], r[4]) for r in rows]


async def posts(
    db: Reader, uid: UserId, channel_id: UserId, after: int, limit: int
) -> list[ChannelPost]:
    """A follower's page of a channel, oldest first: nothing from before they followed."""
    row = await db.fetchrow(
        "SELECT following, channel_joined_seq FROM oa_followers WHERE account_id=$1 AND user_id=$2",
        channel_id,
        uid,
    )
    if row is None or not row[0]:
        raise NotFollowing(account_id=channel_id)
    rows = await db.fetch(
        f"SELECT {POST_COLS} FROM oa_channel_posts p WHERE p.channel_id=$1 AND p.seq>$2"
        " ORDER BY p.seq LIMIT $3",
        channel_id,
        max(after, row[1]),
        limit,
    )
    return [post_of(r) for r in rows]
