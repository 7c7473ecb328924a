"""PostgreSQL: broadcast channels of official accounts (read diffusion).

A broadcast is one row in `oa_channel_posts` and one move of the account's
`channel_head`, whatever the number of followers: nobody's update log grows. A follower
sees the posts after the head at the time they followed (`channel_joined_seq`).
"""

from __future__ import annotations

from microletter.core.errors import NotFollowing
from microletter.core.following import DAY_MS, broadcast_done, check_broadcast_quota
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import ChannelPost, ChannelView, Instant, JsonValue, MessageKind
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.officials import load_account
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import POST_COLS, post_of, to_json


async def broadcast(
    tx: PgTx,
    account_id: UserId,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
    per_day: int,
    now: Instant,
) -> ChannelPost:
    """Post once to the account's channel, within its daily quota (the account's row is
    locked, so the head and the quota count move in order). The account's webhook later
    hears MASSSENDJOBFINISH with the follower count."""
    account = await load_account(tx.conn, account_id, lock=True)
    today = await tx.conn.fetchval(
        "SELECT count(*) FROM oa_channel_posts WHERE channel_id=$1 AND created_at>$2",
        account_id,
        now - DAY_MS,
    )
    check_broadcast_quota(today, per_day)
    post = ChannelPost(
        account_id, account.channel_head + 1, MessageId(tx.new_id(now)), kind, text, data, now
    )
    await tx.conn.execute(
        "INSERT INTO oa_channel_posts (channel_id, seq, id, kind, text, data, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7)",
        account_id,
        post.seq,
        post.id,
        kind.value,
        text,
        None if data is None else to_json(data),
        now,
    )
    await tx.conn.execute(
        "UPDATE oa_accounts SET channel_head=$1 WHERE id=$2", post.seq, account_id
    )
    tx.append([(account_id, broadcast_done(account, post))], now)
    return post


async def mark_read(tx: PgTx, uid: UserId, channel_id: UserId, seq: int) -> int:
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
    await tx.conn.execute(
        "UPDATE oa_followers SET channel_read_seq=$1 WHERE account_id=$2 AND user_id=$3",
        seq,
        channel_id,
        uid,
    )
    return seq


async def channels(conn: Conn, uid: UserId) -> list[ChannelView]:
    """The channels of every account the user follows, with their heads."""
    rows = await conn.fetch(
        "SELECT f.account_id, c.id, a.channel_head, f.channel_joined_seq, f.channel_read_seq"
        " FROM oa_followers f JOIN oa_accounts a ON a.id=f.account_id"
        " JOIN members m ON m.user_id=f.user_id"
        " JOIN conversations c ON c.id=m.conversation_id AND c.owner_id=f.account_id"
        " AND c.kind='official' WHERE f.user_id=$1 AND f.following ORDER BY f.account_id",
        uid,
    )
    return [ChannelView(UserId(r[0]), ConversationId(r[1]), r[2], r[3], r[4]) for r in rows]


async def posts(
    conn: Conn, uid: UserId, channel_id: UserId, after: int, limit: int
) -> list[ChannelPost]:
    """A follower's page of a channel, oldest first: nothing from before they followed."""
    row = await conn.fetchrow(
        "SELECT following, channel_joined_seq FROM oa_followers WHERE account_id=$1 AND user_id=$2",
        channel_id,
        uid,
    )
    if row is None or not row[0]:
        raise NotFollowing(account_id=channel_id)
    rows = await conn.fetch(
        f"SELECT {POST_COLS} FROM oa_channel_posts p WHERE p.channel_id=$1 AND p.seq>$2"
        " ORDER BY p.seq LIMIT $3",
        channel_id,
        max(after, row[1]),
        limit,
    )
    return [post_of(r) for r in rows]
