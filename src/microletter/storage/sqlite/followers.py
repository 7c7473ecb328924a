"""SQLite: following an official account, and what an account says to its followers.

Following opens (or re-joins) the one `official` conversation of the user and the
account, keyed like a direct conversation by the pair; unfollowing leaves it. Both, and
menu presses and scans, append an `AccountEvent` to the account's own update log, which
the webhook dispatcher reads. The follower row keeps the pairwise OpenID.
"""

from __future__ import annotations

import sqlite3

from microletter.core import conversations as rules
from microletter.core import following
from microletter.core.errors import AccountNotFound, NotFollowing, OpenIdNotFound
from microletter.core.events import (
    AccountEvent,
    ConversationLeft,
    ConversationUpdated,
    Event,
    Outcome,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import MediaId
from microletter.core.messages import Draft
from microletter.core.models import Instant, JsonValue, Message, MessageKind, Role, User
from microletter.core.officials import (
    Follower,
    OfficialAccount,
    QrCode,
    check_reply_window,
    openid_for,
)
from microletter.storage.platform_rows import FOLLOWER_COLS, follower_of
from microletter.storage.sqlite.messages import post_message
from microletter.storage.sqlite.officials import load_account
from microletter.storage.sqlite.rows import USER_COLS, fetch_users, user_of
from microletter.storage.sqlite.writetx import WriteTx


def load_follower(conn: sqlite3.Connection, account_id: UserId, uid: UserId) -> Follower | None:
    row = conn.execute(
        f"SELECT {FOLLOWER_COLS} FROM oa_followers f WHERE f.account_id=? AND f.user_id=?",
        (account_id, uid),
    ).fetchone()
    return None if row is None else follower_of(row)


def ensure_follower(tx: WriteTx, account: OfficialAccount, uid: UserId, key: bytes) -> Follower:
    """The user's row towards the account (made, not following, on first contact), so
    their OpenID can be looked up from now on."""
    following.check_may_follow(account.id, uid)
    if tx.conn.execute("SELECT 1 FROM users WHERE id=?", (uid,)).fetchone() is None:
        raise AccountNotFound("No such user.", user_id=uid)
    tx.conn.execute(
        "INSERT INTO oa_followers (account_id, user_id, openid) VALUES (?,?,?)"
        " ON CONFLICT (account_id, user_id) DO NOTHING",
        (account.id, uid, openid_for(key, account.id, uid)),
    )
    found = load_follower(tx.conn, account.id, uid)
    assert found is not None  # just inserted
    return found


def _conversation(tx: WriteTx, account_id: UserId, uid: UserId) -> ConversationId | None:
    row = tx.conn.execute(
        "SELECT id FROM conversations WHERE direct_key=?", (rules.direct_key(uid, account_id),)
    ).fetchone()
    return None if row is None else ConversationId(row[0])


def _join(tx: WriteTx, account: OfficialAccount, uid: UserId, now: Instant) -> ConversationId:
    """Open the official conversation, or re-join it (seeing nothing from before)."""
    cid = _conversation(tx, account.id, uid)
    if cid is None:
        cid = ConversationId(tx.new_id(now))
        tx.conn.execute(
            "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
            " member_count, created_at, direct_key) VALUES (?,'official','','',?,0,0,?,?)",
            (cid, account.id, now, rules.direct_key(uid, account.id)),
        )
        joining = [(account.id, Role.OWNER), (uid, Role.MEMBER)]
    else:
        joining = [(uid, Role.MEMBER)]
    seq = tx.next_seq(cid)
    tx.conn.executemany(
        "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq, muted,"
        " joined_at) VALUES (?,?,?,?,?,0,?)",
        [(cid, u, role, seq, seq - 1, now) for u, role in joining],
    )
    tx.conn.execute(
        "UPDATE conversations SET member_count=member_count+? WHERE id=?", (len(joining), cid)
    )
    tx.refresh(cid)
    return cid


def follow(
    tx: WriteTx,
    account_id: UserId,
    uid: UserId,
    key: bytes,
    scene: str,
    qr: QrCode | None,
    now: Instant,
) -> Outcome[ConversationId]:
    """Follow (subscribe; with a QR code, `qrscene_<scene>`), or, already following, scan
    (SCAN). Following twice without a code changes nothing."""
    account = load_account(tx.conn, account_id)
    follower = ensure_follower(tx, account, uid, key)
    step = following.follow_step(follower, qr)
    if step is not following.FollowStep.SUBSCRIBE:
        cid = _conversation(tx, account_id, uid)
        assert cid is not None  # a follower is a member
        if qr is None or step is following.FollowStep.NOTHING:
            return Outcome(cid)
        _touch(tx, account_id, uid, now)
        scan: Event = following.scanned(account_id, uid, qr)
        return Outcome(cid, tuple(tx.append([(account_id, scan)], now)))
    start = following.joined(account, scene, qr)
    tx.conn.execute(
        "UPDATE oa_followers SET following=1, followed_at=?, unfollowed_at=NULL, scene=?,"
        " qr_scene=?, qr_scene_str=?, last_active_at=?, channel_joined_seq=?,"
        " channel_read_seq=? WHERE account_id=? AND user_id=?",
        (
            now,
            start.scene,
            start.qr_scene,
            start.qr_scene_str,
            now,
            start.channel_seq,
            start.channel_seq,
            account_id,
            uid,
        ),
    )
    tx.conn.execute(
        "UPDATE oa_accounts SET follower_count=follower_count+1 WHERE id=?", (account_id,)
    )
    cid = _join(tx, account, uid, now)
    member = tx.state(cid).members[uid]
    account_user = fetch_users(tx.conn, [account_id])[account_id]
    joined: Event = ConversationUpdated(
        tx.conversation(cid), member.role, member.muted, tx.read_position(cid, uid), account_user
    )
    subscribed: Event = following.subscribed(account_id, uid, qr)
    return Outcome(cid, tuple(tx.append([(uid, joined), (account_id, subscribed)], now)))


def unfollow(tx: WriteTx, account_id: UserId, uid: UserId, now: Instant) -> Outcome[None]:
    """Leave the conversation (history stays, as when leaving a group); the webhook hears
    `unsubscribe`. Unfollowing an account you do not follow changes nothing."""
    load_account(tx.conn, account_id)
    follower = load_follower(tx.conn, account_id, uid)
    cid = _conversation(tx, account_id, uid)
    if not following.is_following(follower) or cid is None:
        return Outcome(None)
    tx.conn.execute(
        "UPDATE oa_followers SET following=0, unfollowed_at=? WHERE account_id=? AND user_id=?",
        (now, account_id, uid),
    )
    tx.conn.execute(
        "UPDATE oa_accounts SET follower_count=follower_count-1 WHERE id=?", (account_id,)
    )
    tx.conn.execute("DELETE FROM members WHERE conversation_id=? AND user_id=?", (cid, uid))
    tx.conn.execute("UPDATE conversations SET member_count=member_count-1 WHERE id=?", (cid,))
    tx.refresh(cid)
    left: Event = ConversationLeft(cid, None)
    gone: Event = following.unsubscribed(account_id, uid)
    return Outcome(None, tuple(tx.append([(uid, left), (account_id, gone)], now)))


def press(
    tx: WriteTx, account_id: UserId, uid: UserId, event: str, key: str, now: Instant
) -> Outcome[None]:
    """A follower pressed a menu button: the webhook hears `event` with `key`."""
    following.check_following(account_id, load_follower(tx.conn, account_id, uid))
    _touch(tx, account_id, uid, now)
    pressed: Event = AccountEvent(account_id, uid, event, key)
    return Outcome(None, tuple(tx.append([(account_id, pressed)], now)))


def notify(tx: WriteTx, event: AccountEvent, now: Instant) -> Outcome[None]:
    """Append an event for the account's webhook (a send job finished, ...)."""
    return Outcome(None, tuple(tx.append([(event.account_id, event)], now)))


def _touch(tx: WriteTx, account_id: UserId, uid: UserId, now: Instant) -> None:
    tx.conn.execute(
        "UPDATE oa_followers SET last_active_at=? WHERE account_id=? AND user_id=?",
        (now, account_id, uid),
    )


def post_as_account(
    tx: WriteTx,
    account_id: UserId,
    uid: UserId,
    client_msg_id: str,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
    window_ms: int | None,
    now: Instant,
    media_id: MediaId | None = None,
) -> Outcome[Message]:
    """The account says something to one follower, in their conversation. With
    `window_ms`, only if the follower acted within it (customer-service rule). An image
    or voice message names the account's upload by `media_id`, as a person's does."""
    cid = _conversation(tx, account_id, uid)
    if cid is None or uid not in tx.state(cid).members:
        raise NotFollowing(account_id=account_id)
    if window_ms is not None:
        check_reply_window(last_active(tx.conn, account_id, uid, cid), now, window_ms)
    draft = Draft(cid, account_id, client_msg_id, kind, text, data=data, media_id=media_id)
    return post_message(tx, draft, now)


def last_active(
    conn: sqlite3.Connection, account_id: UserId, uid: UserId, cid: ConversationId
) -> Instant | None:
    """The later of the follower's last event (follow, press, scan) and last message."""
    row = conn.execute(
        "SELECT f.last_active_at, (SELECT g.created_at FROM messages g WHERE"
        " g.conversation_id=? AND g.sender_id=? ORDER BY g.seq DESC LIMIT 1)"
        " FROM oa_followers f WHERE f.account_id=? AND f.user_id=?",
        (cid, uid, account_id, uid),
    ).fetchone()
    return None if row is None else following.last_active(*row)


# --- reads ---


def follower_by_openid(
    conn: sqlite3.Connection, account_id: UserId, openid: str
) -> tuple[Follower, User]:
    row = conn.execute(
        f"SELECT {FOLLOWER_COLS}, {USER_COLS} FROM oa_followers f JOIN users u ON u.id=f.user_id"
        " WHERE f.account_id=? AND f.openid=?",
        (account_id, openid),
    ).fetchone()
    if row is None:
        raise OpenIdNotFound(openid=openid)
    return follower_of(row), user_of(row, 13)


def follower(conn: sqlite3.Connection, account_id: UserId, uid: UserId) -> Follower | None:
    return load_follower(conn, account_id, uid)


def followers_page(
    conn: sqlite3.Connection, account_id: UserId, after_openid: str, limit: int
) -> list[str]:
    """OpenIDs of current followers after `after_openid`, in OpenID order."""
    rows = conn.execute(
        "SELECT openid FROM oa_followers WHERE account_id=? AND following=1 AND openid>?"
        " ORDER BY openid LIMIT ?",
        (account_id, after_openid, limit),
    ).fetchall()
    return [r[0] for r in rows]


def conversation_with(
    conn: sqlite3.Connection, account_id: UserId, uid: UserId
) -> ConversationId | None:
    row = conn.execute(
        "SELECT c.id FROM conversations c JOIN members m ON m.conversation_id=c.id"
        " AND m.user_id=? WHERE c.direct_key=?",
        (uid, rules.direct_key(uid, account_id)),
    ).fetchone()
    return None if row is None else ConversationId(row[0])


def followed(conn: sqlite3.Connection, uid: UserId) -> list[UserId]:
    rows = conn.execute(
        "SELECT account_id FROM oa_followers WHERE user_id=? AND following=1 ORDER BY account_id",
        (uid,),
    ).fetchall()
    return [UserId(r[0]) for r in rows]
