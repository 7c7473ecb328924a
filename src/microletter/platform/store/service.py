"""Conditional menus, customer-service (kf) accounts, auto-reply settings, JS-SDK
tickets, and the follow and unfollow events that /datacube counts."""

from __future__ import annotations

import msgspec

from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import (
    ConditionalMenuNotFound,
    KfAccountNotFound,
    KfAccountTaken,
    MenuRequired,
)
from microletter.platform.rules.conditional import (
    Audience,
    ConditionalMenu,
    Rule,
    check_conditional_count,
    language_of,
    menu_for,
)
from microletter.platform.rules.menus import Menu
from microletter.platform.rules.officials import OfficialAccount
from microletter.platform.rules.service import (
    AutoReplies,
    KfAccount,
    answers_messages,
    autoreplies_json,
    check_autoreplies,
    check_kf_count,
    next_kf_id,
)
from microletter.platform.rules.stats import FollowChange, source_of
from microletter.platform.store.accounts import load_account
from microletter.platform.store.rows import ACCOUNT_COLS, ACCOUNT_WIDTH, account_of
from microletter.ports import Reader, Tx
from microletter.storage import to_json

# --- conditional menus ---


async def add_conditional_menu(
    tx: Tx, account_id: UserId, menu: Menu, rule: Rule, now: Instant
) -> ConditionalMenu:
    """A conditional menu, after the default one (65303 without it)."""
    account = await load_account(tx, account_id, lock=True)
    if not account.menu:
        raise MenuRequired()
    existing = await tx.fetchval(
        "SELECT count(*) FROM oa_conditional_menus WHERE account_id=$1", account_id
    )
    check_conditional_count(int(existing))
    made = ConditionalMenu(account_id, tx.new_id(now), menu, rule, now)
    await tx.execute(
        "INSERT INTO oa_conditional_menus (account_id, menu_id, menu, matchrule, created_at)"
        " VALUES ($1,$2,$3,$4,$5)",
        account_id,
        made.menu_id,
        to_json(menu),
        to_json(rule),
        now,
    )
    return made


async def delete_conditional_menu(tx: Tx, account_id: UserId, menu_id: int) -> None:
    row = await tx.fetchrow(
        "DELETE FROM oa_conditional_menus WHERE account_id=$1 AND menu_id=$2 RETURNING 1",
        account_id,
        menu_id,
    )
    if row is None:
        raise ConditionalMenuNotFound(menuid=menu_id)


async def delete_menus(tx: Tx, account_id: UserId) -> None:
    """menu/delete: the default menu and every conditional one."""
    await load_account(tx, account_id, lock=True)
    await tx.execute("UPDATE oa_accounts SET menu=NULL WHERE id=$1", account_id)
    await tx.execute("DELETE FROM oa_conditional_menus WHERE account_id=$1", account_id)


async def conditional_menus(db: Reader, account_id: UserId) -> list[ConditionalMenu]:
    rows = await db.fetch(
        "SELECT menu_id, menu, matchrule, created_at FROM oa_conditional_menus"
        " WHERE account_id=$1 ORDER BY created_at, menu_id",
        account_id,
    )
    return [
        ConditionalMenu(
            account_id,
            r[0],
            msgspec.json.decode(r[1], type=list[dict[str, JsonValue]]),
            msgspec.json.decode(r[2], type=dict[str, JsonValue]),
            Instant(r[3]),
        )
        for r in rows
    ]


async def audience(db: Reader, account_id: UserId, uid: UserId) -> Audience:
    """What conditional menus match a user against: the account's tags on them and
    their language."""
    tags = await db.fetch(
        "SELECT tag_id FROM oa_follower_tags WHERE account_id=$1 AND user_id=$2",
        account_id,
        uid,
    )
    locale = await db.fetchval("SELECT locale FROM users WHERE id=$1", uid)
    return Audience(frozenset(int(r[0]) for r in tags), language_of(str(locale or "")))


async def menu_seen_by(db: Reader, account_id: UserId, uid: UserId) -> Menu | None:
    """The menu `uid` sees: the default one, or a conditional menu that matches them."""
    account = await load_account(db, account_id)
    candidates = await conditional_menus(db, account_id) if account.menu else []
    if not candidates:
        return account.menu
    return menu_for(account.menu, candidates, await audience(db, account_id, uid))


# --- customer-service accounts ---

KF_COLS = "account_id, kf_account, kf_id, nickname, created_at"


async def add_kf(
    tx: Tx, account_id: UserId, kf_account: str, nickname: str, now: Instant
) -> KfAccount:
    await load_account(tx, account_id, lock=True)
    row = await tx.fetchrow(
        "SELECT count(*), max(kf_id) FROM oa_kf_accounts WHERE account_id=$1", account_id
    )
    assert row is not None  # an aggregate always has a row
    check_kf_count(int(row[0]))
    taken = await tx.fetchval(
        "SELECT 1 FROM oa_kf_accounts WHERE account_id=$1 AND kf_account=$2",
        account_id,
        kf_account,
    )
    if taken is not None:
        raise KfAccountTaken(kf_account=kf_account)
    kf = KfAccount(account_id, kf_account, next_kf_id(row[1]), nickname, now)
    await tx.execute(
        f"INSERT INTO oa_kf_accounts ({KF_COLS}) VALUES ($1,$2,$3,$4,$5)",
        account_id,
        kf_account,
        kf.kf_id,
        nickname,
        now,
    )
    return kf


async def update_kf(tx: Tx, account_id: UserId, kf_account: str, nickname: str) -> KfAccount:
    done = await tx.execute(
        "UPDATE oa_kf_accounts SET nickname=$1 WHERE account_id=$2 AND kf_account=$3",
        nickname,
        account_id,
        kf_account,
    )
    if not done:
        raise KfAccountNotFound(kf_account=kf_account)
    return await kf_account_named(tx, account_id, kf_account)


async def delete_kf(tx: Tx, account_id: UserId, kf_account: str) -> None:
    done = await tx.execute(
        "DELETE FROM oa_kf_accounts WHERE account_id=$1 AND kf_account=$2", account_id, kf_account
    )
    if not done:
        raise KfAccountNotFound(kf_account=kf_account)


async def kf_accounts(db: Reader, account_id: UserId) -> list[KfAccount]:
    rows = await db.fetch(
        f"SELECT {KF_COLS} FROM oa_kf_accounts WHERE account_id=$1 ORDER BY kf_id", account_id
    )
    return [KfAccount(UserId(r[0]), r[1], r[2], r[3], Instant(r[4])) for r in rows]


async def kf_account_named(db: Reader, account_id: UserId, kf_account: str) -> KfAccount:
    r = await db.fetchrow(
        f"SELECT {KF_COLS} FROM oa_kf_accounts WHERE account_id=$1 AND kf_account=$2",
        account_id,
        kf_account,
    )
    if r is None:
        raise KfAccountNotFound(kf_account=kf_account)
    return KfAccount(UserId(r[0]), r[1], r[2], r[3], Instant(r[4]))


# --- auto-replies ---


async def set_autoreplies(
    tx: Tx, account_id: UserId, settings: AutoReplies, now: Instant
) -> AutoReplies:
    """Save them. When an account without a webhook starts answering messages, its push
    cursor moves to its log head: the answers begin with what is said from now on, never
    with a backlog from before (as a new webhook's pushes do)."""
    account = await load_account(tx, account_id, lock=True)
    before = await autoreplies(tx, account_id)
    if account.webhook_url is None and answers_messages(settings) and not answers_messages(before):
        await tx.execute(
            "UPDATE oa_accounts SET push_cursor=$1 WHERE id=$2",
            await tx.log_head(account_id),
            account_id,
        )
    await tx.execute(
        "INSERT INTO oa_autoreplies (account_id, settings, updated_at) VALUES ($1,$2,$3)"
        " ON CONFLICT (account_id) DO UPDATE SET settings=excluded.settings,"
        " updated_at=excluded.updated_at",
        account_id,
        to_json(autoreplies_json(settings)),
        now,
    )
    return settings


async def autoreplies(db: Reader, account_id: UserId) -> AutoReplies:
    row = await db.fetchrow(
        "SELECT settings, updated_at FROM oa_autoreplies WHERE account_id=$1", account_id
    )
    if row is None:
        return AutoReplies()
    return check_autoreplies(msgspec.json.decode(row[0]), Instant(row[1]))


async def served_accounts(db: Reader) -> list[OfficialAccount]:
    """The accounts the dispatcher serves: those with a webhook (pushed to it), and those
    without one that answer messages by keyword or default auto-replies."""
    rows = await db.fetch(
        f"SELECT {ACCOUNT_COLS}, r.settings, r.updated_at FROM oa_accounts a"
        " LEFT JOIN oa_autoreplies r ON r.account_id=a.id"
        " WHERE a.webhook_url IS NOT NULL OR r.account_id IS NOT NULL ORDER BY a.id"
    )
    served = []
    for r in rows:
        account = account_of(r)
        raw = r[ACCOUNT_WIDTH]
        settings = (
            AutoReplies()
            if raw is None
            else check_autoreplies(msgspec.json.decode(raw), Instant(r[ACCOUNT_WIDTH + 1]))
        )
        if account.webhook_url is not None or answers_messages(settings):
            served.append(account)
    return served


# --- JS-SDK tickets ---


async def issue_ticket(
    tx: Tx, account_id: UserId, kind: str, fresh: str, seconds: int, now: Instant
) -> tuple[str, Instant]:
    """The account's live ticket of `kind` if it has more than a quarter of its life
    left, else `fresh` (stored; older ones stay valid until they expire, so pages signed
    a moment ago still check). Expired tickets of the account are swept here."""
    await load_account(tx, account_id, lock=True)
    await tx.execute(
        "DELETE FROM oa_tickets WHERE account_id=$1 AND expires_at<=$2", account_id, now
    )
    row = await tx.fetchrow(
        "SELECT ticket, expires_at FROM oa_tickets WHERE account_id=$1 AND type=$2"
        " AND expires_at>$3 ORDER BY expires_at DESC LIMIT 1",
        account_id,
        kind,
        now + seconds * 250,
    )
    if row is not None:
        return row[0], Instant(row[1])
    expires = Instant(now + seconds * 1000)
    await tx.execute(
        "INSERT INTO oa_tickets (ticket, account_id, type, expires_at, created_at)"
        " VALUES ($1,$2,$3,$4,$5)",
        fresh,
        account_id,
        kind,
        expires,
        now,
    )
    return fresh, expires


async def live_tickets(db: Reader, appid: str, kind: str, now: Instant) -> list[str]:
    """The tickets of `kind` of the account with `appid` that have not expired: what a
    page's wx.config signature is checked against (rules/stats.py, is_config_signed)."""
    rows = await db.fetch(
        "SELECT t.ticket FROM oa_tickets t JOIN oa_accounts a ON a.id=t.account_id"
        " WHERE a.appid=$1 AND t.type=$2 AND t.expires_at>$3",
        appid,
        kind,
        now,
    )
    return [r[0] for r in rows]


# --- statistics ---

LIKE_SUBSCRIBE = '%,"event":"subscribe",%'
LIKE_UNSUBSCRIBE = '%,"event":"unsubscribe",%'


async def followers_at(db: Reader, account_id: UserId, at: Instant) -> int:
    """Followers just before `at`: subscribes minus unsubscribes logged before it. The
    log keeps each AccountEvent as JSON whose fields come in a fixed order, so a LIKE on
    the event's name finds them alike on both backends."""
    row = await db.fetchrow(
        "SELECT sum(CASE WHEN payload LIKE $3 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN payload LIKE $4 THEN 1 ELSE 0 END) FROM user_log"
        " WHERE user_id=$1 AND kind='account_event' AND created_at<$2",
        account_id,
        at,
        LIKE_SUBSCRIBE,
        LIKE_UNSUBSCRIBE,
    )
    assert row is not None  # an aggregate always has a row
    return int(row[0] or 0) - int(row[1] or 0)


async def follow_changes(
    db: Reader, account_id: UserId, since: Instant, until: Instant
) -> list[FollowChange]:
    """The subscribes and unsubscribes logged in [since, until), with the way in."""
    rows = await db.fetch(
        "SELECT payload, created_at FROM user_log WHERE user_id=$1 AND kind='account_event'"
        " AND created_at>=$2 AND created_at<$3 AND (payload LIKE $4 OR payload LIKE $5)"
        " ORDER BY seq",
        account_id,
        since,
        until,
        LIKE_SUBSCRIBE,
        LIKE_UNSUBSCRIBE,
    )
    events = [(msgspec.json.decode(r[0]), Instant(r[1])) for r in rows]
    followers = list({int(e["user_id"]) for e, _ in events})
    scenes = {
        int(r[0]): str(r[1])
        for r in await db.fetch(
            "SELECT user_id, scene FROM oa_followers WHERE account_id=$1"
            " AND user_id = ANY($2::bigint[])",
            account_id,
            followers,
        )
    }
    changes = []
    for event, at in events:
        if event.get("event") == "subscribe":
            scene = scenes.get(int(event["user_id"]), "")
            changes.append(FollowChange(at, 1, source_of(scene, str(event.get("key") or ""))))
        else:
            changes.append(FollowChange(at, -1, 0))
    return changes
