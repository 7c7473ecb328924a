"""Following an official account, and what an account says to its followers.

Following opens (or re-joins) the one `official` conversation of the user and the
account, keyed like a direct conversation by the pair; unfollowing leaves it. Both, and
menu presses and scans, append an `AccountEvent` to the account's own update log, which
the webhook dispatcher reads. The follower row keeps the pairwise OpenID.

Locks: follow and unfollow lock the account's row first (its follower count and channel
head decide the follower's channel start), then the conversation's, then, at COMMIT, the
users whose logs grow (ports.Tx's order, with the account in front).
"""

from __future__ import annotations

from microletter.core.conversations import direct_key
from microletter.core.errors import NotFollowing
from microletter.core.events import AccountEvent, ConversationLeft, ConversationUpdated, Event
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import MediaId
from microletter.core.messages import Draft
from microletter.core.models import Instant, JsonValue, Message, MessageKind, Role, User
from microletter.platform.errors import AccountNotFound, OpenIdNotFound
from microletter.platform.rules import following
from microletter.platform.rules.officials import (
    Follower,
    OfficialAccount,
    QrCode,
    check_reply_window,
    openid_for,
)
from microletter.platform.store.accounts import load_account
from microletter.platform.store.rows import FOLLOWER_COLS, follower_of
from microletter.ports import Reader, Tx
from microletter.storage import USER_COLS, add_member_rows, fetch_users, post_message, user_of


async def load_follower(db: Reader, account_id: UserId, uid: UserId) -> Follower | None:
    row = await db.fetchrow(
        f"SELECT {FOLLOWER_COLS} FROM oa_followers f WHERE f.account_id=$1 AND f.user_id=$2",
        account_id,
        uid,
    )
    return None if row is None else follower_of(row)


async def ensure_follower(tx: Tx, account: OfficialAccount, uid: UserId, key: bytes) -> Follower:
    """The user's row towards the account (made, not following, on first contact), so
    their OpenID can be looked up from now on."""
    following.check_may_follow(account.id, uid)
    if await tx.fetchrow("SELECT 1 FROM users WHERE id=$1", uid) is None:
        raise AccountNotFound("No such user.", user_id=uid)
    await tx.execute(
        "INSERT INTO oa_followers (account_id, user_id, openid) VALUES ($1,$2,$3)"
        " ON CONFLICT (account_id, user_id) DO NOTHING",
        account.id,
        uid,
        openid_for(key, account.id, uid),
    )
    found = await load_follower(tx, account.id, uid)
    assert found is not None  # just inserted, or there already
    return found


async def _conversation(db: Reader, account_id: UserId, uid: UserId) -> ConversationId | None:
    cid = await db.fetchval(
        "SELECT id FROM conversations WHERE direct_key=$1", direct_key(uid, account_id)
    )
    return None if cid is None else ConversationId(cid)


async def _join(tx: Tx, account: OfficialAccount, uid: UserId, now: Instant) -> ConversationId:
    """Open the official conversation, or re-join it (seeing nothing from before)."""
    cid = await _conversation(tx, account.id, uid)
    joining = [(uid, Role.MEMBER)]
    if cid is None:
        cid = ConversationId(tx.new_id(now))
        await tx.execute(
            "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
            " member_count, created_at, direct_key) VALUES ($1,'official','','',$2,0,0,$3,$4)",
            cid,
            account.id,
            now,
            direct_key(uid, account.id),
        )
        joining.insert(0, (account.id, Role.OWNER))
    await tx.lock_conversation(cid)
    await add_member_rows(tx, cid, joining, tx.last_seq(cid) + 1, now)
    return cid


async def open_conversation(
    tx: Tx, account_id: UserId, uid: UserId, now: Instant
) -> ConversationId:
    """The person's conversation with the account, for what the account tells them of
    their own business (an order's cards): as it is if they are in it; else opened, or
    re-joined, without following (no broadcasts, no follower count). A unit of work's
    step, for other rooms (the shop); locks the conversation."""
    cid = await _conversation(tx, account_id, uid)
    if cid is not None:
        await tx.lock_conversation(cid)
        if uid in await tx.members(cid):
            return cid
    cid = await _join(tx, await load_account(tx, account_id), uid, now)
    member = (await tx.members(cid))[uid]
    account_user = (await fetch_users(tx, [account_id]))[account_id]
    read = await tx.read_position(cid, uid)
    joined: Event = ConversationUpdated(
        await tx.conversation(cid), member.role, member.muted, read, account_user
    )
    tx.append([(uid, joined)], now)
    return cid


async def follow(
    tx: Tx,
    account_id: UserId,
    uid: UserId,
    key: bytes,
    scene: str,
    qr: QrCode | None,
    now: Instant,
) -> ConversationId:
    """Follow (subscribe; with a QR code, `qrscene_<scene>`), or, already following, scan
    (SCAN). Following twice without a code changes nothing."""
    account = await load_account(tx, account_id, lock=True)
    follower = await ensure_follower(tx, account, uid, key)
    step = following.follow_step(follower, qr)
    if step is not following.FollowStep.SUBSCRIBE:
        cid = await _conversation(tx, account_id, uid)
        assert cid is not None  # a follower is a member
        if qr is not None and step is following.FollowStep.SCAN:
            await _touch(tx, account_id, uid, now)
            tx.append([(account_id, following.scanned(account_id, uid, qr))], now)
        return cid
    start = following.joined(account, scene, qr)
    await tx.execute(
        "UPDATE oa_followers SET following=true, followed_at=$1, unfollowed_at=NULL, scene=$2,"
        " qr_scene=$3, qr_scene_str=$4, last_active_at=$1, channel_joined_seq=$5,"
        " channel_read_seq=$5 WHERE account_id=$6 AND user_id=$7",
        now,
        start.scene,
        start.qr_scene,
        start.qr_scene_str,
        start.channel_seq,
        account_id,
        uid,
    )
    await tx.execute(
        "UPDATE oa_accounts SET follower_count=follower_count+1 WHERE id=$1", account_id
    )
    cid = await _join(tx, account, uid, now)
    member = (await tx.members(cid))[uid]
    account_user = (await fetch_users(tx, [account_id]))[account_id]
    read = await tx.read_position(cid, uid)
    joined: Event = ConversationUpdated(
        await tx.conversation(cid), member.role, member.muted, read, account_user
    )
    subscribed: Event = following.subscribed(account_id, uid, qr)
    tx.append([(uid, joined), (account_id, subscribed)], now)
    return cid


async def unfollow(tx: Tx, account_id: UserId, uid: UserId, now: Instant) -> None:
    """Leave the conversation (history stays, as when leaving a group); the webhook hears
    `unsubscribe`. Unfollowing an account you do not follow changes nothing."""
    await load_account(tx, account_id, lock=True)
    follower = await load_follower(tx, account_id, uid)
    cid = await _conversation(tx, account_id, uid)
    if not following.is_following(follower) or cid is None:
        return
    await tx.lock_conversation(cid)
    await tx.execute(
        "UPDATE oa_followers SET following=false, unfollowed_at=$1"
        " WHERE account_id=$2 AND user_id=$3",
        now,
        account_id,
        uid,
    )
    await tx.execute(
        "UPDATE oa_accounts SET follower_count=follower_count-1 WHERE id=$1", account_id
    )
    await tx.execute("DELETE FROM members WHERE conversation_id=$1 AND user_id=$2", cid, uid)
    await tx.execute("UPDATE conversations SET member_count=member_count-1 WHERE id=$1", cid)
    tx.conversation_changed(cid)
    left: Event = ConversationLeft(cid, None)
    gone: Event = following.unsubscribed(account_id, uid)
    tx.append([(uid, left), (account_id, gone)], now)


async def press(
    tx: Tx, account_id: UserId, uid: UserId, event: str, key: str, now: Instant
) -> None:
    """A follower pressed a menu button: the webhook hears `event` with `key`."""
    following.check_following(account_id, await load_follower(tx, account_id, uid))
    await _touch(tx, account_id, uid, now)
    pressed: Event = AccountEvent(account_id, uid, event, key)
    tx.append([(account_id, pressed)], now)


async def notify(tx: Tx, event: AccountEvent, now: Instant) -> None:
    """Append an event for the account's webhook (a send job finished, ...)."""
    tx.append([(event.account_id, event)], now)


async def _touch(tx: Tx, account_id: UserId, uid: UserId, now: Instant) -> None:
    await tx.execute(
        "UPDATE oa_followers SET last_active_at=$1 WHERE account_id=$2 AND user_id=$3",
        now,
        account_id,
        uid,
    )


async def post_as_account(
    tx: Tx,
    account_id: UserId,
    uid: UserId,
    client_msg_id: str,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
    window_ms: int | None,
    now: Instant,
    media_id: MediaId | None = None,
) -> Message:
    """The account says something to one follower, in their conversation. With
    `window_ms`, only if the follower acted within it (customer-service rule). An image
    or voice message names the account's upload by `media_id`, as a person's does."""
    cid = await _conversation(tx, account_id, uid)
    if cid is None:
        raise NotFollowing(account_id=account_id)
    await tx.lock_conversation(cid)
    if uid not in await tx.members(cid):
        raise NotFollowing(account_id=account_id)
    if window_ms is not None:
        check_reply_window(await last_active(tx, account_id, uid, cid), now, window_ms)
    draft = Draft(cid, account_id, client_msg_id, kind, text, data=data, media_id=media_id)
    return await post_message(tx, draft, now)


async def last_active(
    db: Reader, account_id: UserId, uid: UserId, cid: ConversationId
) -> Instant | None:
    """The later of the follower's last event (follow, press, scan) and last message."""
    row = await db.fetchrow(
        "SELECT f.last_active_at, (SELECT g.created_at FROM messages g WHERE"
        " g.conversation_id=$1 AND g.sender_id=$2 ORDER BY g.seq DESC LIMIT 1)"
        " FROM oa_followers f WHERE f.account_id=$3 AND f.user_id=$2",
        cid,
        uid,
        account_id,
    )
    return None if row is None else following.last_active(row[0], row[1])


# --- reads ---


async def follower_by_openid(db: Reader, account_id: UserId, openid: str) -> tuple[Follower, User]:
    row = await db.fetchrow(
        f"SELECT {FOLLOWER_COLS}, {USER_COLS} FROM oa_followers f JOIN users u ON u.id=f.user_id"
        " WHERE f.account_id=$1 AND f.openid=$2",
        account_id,
        openid,
    )
    if row is None:
        raise OpenIdNotFound(openid=openid)
    return follower_of(row), user_of(row, 13)


async def follower(db: Reader, account_id: UserId, uid: UserId) -> Follower | None:
    return await load_follower(db, account_id, uid)


async def followers_page(
    db: Reader, account_id: UserId, after_openid: str, limit: int
) -> list[str]:
    """OpenIDs of current followers after `after_openid`, in OpenID order."""
    rows = await db.fetch(
        "SELECT openid FROM oa_followers WHERE account_id=$1 AND following AND openid>$2"
        " ORDER BY openid LIMIT $3",
        account_id,
        after_openid,
        limit,
    )
    return [r[0] for r in rows]


async def conversation_with(db: Reader, account_id: UserId, uid: UserId) -> ConversationId | None:
    cid = await db.fetchval(
        "SELECT c.id FROM conversations c JOIN members m ON m.conversation_id=c.id"
        " AND m.user_id=$1 WHERE c.direct_key=$2",
        uid,
        direct_key(uid, account_id),
    )
    return None if cid is None else ConversationId(cid)


async def followed(db: Reader, uid: UserId) -> list[UserId]:
    rows = await db.fetch(
        "SELECT account_id FROM oa_followers WHERE user_id=$1 AND following ORDER BY account_id",
        uid,
    )
    return [UserId(r[0]) for r in rows]
