"""SQLite: broadcast channels of official accounts (read diffusion).

A broadcast is one row in `oa_channel_posts` and one move of the account's
`channel_head`, whatever the number of followers: nobody's update log grows. A follower
sees the posts after the head at the time they followed (`channel_joined_seq`); their
devices learn the head from the state snapshot, from `channel` hints, and on reconnect.
"""

from __future__ import annotations

import sqlite3

from microletter.core.errors import NotFollowing
from microletter.core.events import Outcome
from microletter.core.following import DAY_MS, broadcast_done, check_broadcast_quota
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import ChannelPost, ChannelView, Instant, JsonValue, MessageKind
from microletter.storage.rows import POST_COLS, post_of
from microletter.storage.sqlite.officials import load_account
from microletter.storage.sqlite.rows import to_json
from microletter.storage.sqlite.writetx import WriteTx


def broadcast(
    tx: WriteTx,
    account_id: UserId,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
    per_day: int,
    now: Instant,
) -> Outcome[ChannelPost]:
    """Post once to the account's channel, within its daily quota. The account's
    webhook later hears MASSSENDJOBFINISH with the follower count."""
    account = load_account(tx.conn, account_id)
    (today,) = tx.conn.execute(
        "SELECT count(*) FROM oa_channel_posts WHERE channel_id=? AND created_at>?",
        (account_id, now - DAY_MS),
    ).fetchone()
    check_broadcast_quota(today, per_day)
    post = ChannelPost(
        account_id, account.channel_head + 1, MessageId(tx.new_id(now)), kind, text, data, now
    )
    tx.conn.execute(
        "INSERT INTO oa_channel_posts (channel_id, seq, id, kind, text, data, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (account_id, post.seq, post.id, kind, text, None if data is None else to_json(data), now),
    )
    tx.conn.execute("UPDATE oa_accounts SET channel_head=? WHERE id=?", (post.seq, account_id))
    done = broadcast_done(account, post)
    return Outcome(post, tuple(tx.append([(account_id, done)], now)))


def mark_read(tx: WriteTx, uid: UserId, channel_id: UserId, seq: int) -> int:
    """Move the follower's read position in a channel forward (never back)."""
    row = tx.conn.execute(
        "SELECT f.following, f.channel_read_seq, a.channel_head FROM oa_followers f"
        " JOIN oa_accounts a ON a.id=f.account_id WHERE f.account_id=? AND f.user_id=?",
        (channel_id, uid),
    ).fetchone()
    if row is None or not row[0]:
        raise NotFollowing(account_id=channel_id)
    seq = min(seq, row[2])
    if seq <= row[1]:
        return int(row[1])
    tx.conn.execute(
        "UPDATE oa_followers SET channel_read_seq=? WHERE account_id=? AND user_id=?",
        (seq, channel_id, uid),
    )
    return seq


# --- reads ---


def channels(conn: sqlite3.Connection, uid: UserId) -> list[ChannelView]:
    """The channels of every account the user follows, with their heads."""
    rows = conn.execute(
        "SELECT f.account_id, c.id, a.channel_head, f.channel_joined_seq, f.channel_read_seq"
        " FROM oa_followers f JOIN oa_accounts a ON a.id=f.account_id"
        " JOIN members m ON m.user_id=f.user_id"
        " JOIN conversations c ON c.id=m.conversation_id AND c.owner_id=f.account_id"
        " AND c.kind='official' WHERE f.user_id=? AND f.following=1 ORDER BY f.account_id",
        (uid,),
    ).fetchall()
    return [ChannelView(UserId(r[0]), ConversationId(r[1]), r[2], r[3], r[4]) for r in rows]


def posts(
    conn: sqlite3.Connection, uid: UserId, channel_id: UserId, after: int, limit: int
) -> list[ChannelPost]:
    """A follower's page of a channel, oldest first: nothing from before they followed."""
    row = conn.execute(
        "SELECT following, channel_joined_seq FROM oa_followers WHERE account_id=? AND user_id=?",
        (channel_id, uid),
    ).fetchone()
    if row is None or not row[0]:
        raise NotFollowing(account_id=channel_id)
    rows = conn.execute(
        f"SELECT {POST_COLS} FROM oa_channel_posts p WHERE p.channel_id=? AND p.seq>?"
        " ORDER BY p.seq LIMIT ?",
        (channel_id, max(after, row[1]), limit),
    ).fetchall()
    return [post_of(r) for r in rows]
