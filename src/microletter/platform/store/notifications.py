"""Service notifications (units of work, both databases): the one `service` conversation
of a person, a notice sent where rules.notifications.route says, and the senders a
person muted there.

`send_notice` is a step of another room's unit of work (a game's score, a chapter's
notice job, a checkout), through the platform's door. The service conversation has its
person as its only member; a notice's sender is the account, which is not a member, so
it is written here (the message, the indexes, the person's log) rather than through
`post_message`, which refuses every send into it (`conversation.read_only`).

Locks: a notice locks the conversation it goes to after any the calling unit of work
locked; the service conversation is a leaf (nothing but the log rows at COMMIT is locked
after it), so no two writes wait for each other in a circle.
"""

from __future__ import annotations

from microletter.core.events import ConversationUpdated, Event, MessagePosted
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import Draft
from microletter.core.models import ConversationKind, Instant, Role
from microletter.platform.rules.notifications import (
    NAME_MAX,
    Notice,
    Route,
    Source,
    card,
    route,
    service_key,
)
from microletter.platform.store.followers import open_conversation
from microletter.ports import Reader, Tx
from microletter.storage import add_member_rows, post_message


async def account_source(db: Reader, account_id: UserId) -> Source:
    """The account itself as a card's sender: its name and avatar as they are now."""
    row = await db.fetchrow("SELECT name, avatar FROM oa_accounts WHERE id=$1", account_id)
    name, avatar = (row[0], row[1]) if row is not None else ("", None)
    return Source("account", account_id, account_id, name, avatar)


async def service_conversation(db: Reader, uid: UserId) -> ConversationId | None:
    cid = await db.fetchval("SELECT id FROM conversations WHERE direct_key=$1", service_key(uid))
    return None if cid is None else ConversationId(cid)


async def open_service(tx: Tx, uid: UserId, now: Instant) -> ConversationId:
    """The person's service conversation, made on their first notice (and appearing in
    their chat list with it); locks it."""
    cid = await service_conversation(tx, uid)
    if cid is not None:
        await tx.lock_conversation(cid)
        return cid
    cid = ConversationId(tx.new_id(now))
    await tx.execute(
        "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
        " member_count, created_at, direct_key) VALUES ($1,$2,'','',NULL,0,0,$3,$4)",
        cid,
        ConversationKind.SERVICE.value,
        now,
        service_key(uid),
    )
    await tx.lock_conversation(cid)
    await add_member_rows(tx, cid, [(uid, Role.MEMBER)], 1, now)
    member = (await tx.members(cid))[uid]
    joined: Event = ConversationUpdated(await tx.conversation(cid), member.role, member.muted, 0)
    tx.append([(uid, joined)], now)
    return cid


async def is_muted(db: Reader, uid: UserId, key: str) -> bool:
    found = await db.fetchval(
        "SELECT 1 FROM service_mutes WHERE user_id=$1 AND source=$2", uid, key
    )
    return found is not None


async def _following_muted(
    db: Reader, account_id: UserId, uid: UserId, key: str
) -> tuple[bool, bool]:
    """Whether the person follows the account, and whether they muted `key` in their
    service notifications: one statement (a checkout sends a notice in its unit of work)."""
    row = await db.fetchrow(
        "SELECT (SELECT following FROM oa_followers WHERE account_id=$1 AND user_id=$2),"
        " (SELECT 1 FROM service_mutes WHERE user_id=$2 AND source=$3)",
        account_id,
        uid,
        key,
    )
    assert row is not None  # a SELECT without FROM has its one row
    return bool(row[0]), row[1] is not None


async def send_notice(tx: Tx, notice: Notice, now: Instant) -> Route:
    """Send one notice where it belongs (rules.notifications.route); returns where it
    went. Exactly once per (person, sender account, ref)."""
    account_id, uid = notice.source.account_id, notice.user_id
    following, muted = await _following_muted(tx, account_id, uid, notice.source.key)
    where = route(following, muted)
    if where is Route.ACCOUNT:
        cid = await open_conversation(tx, account_id, uid, now)
        draft = Draft(cid, account_id, notice.ref, notice.kind, None, data=card(notice))
        await post_message(tx, draft, now)
    elif where is Route.SERVICE:
        cid = await open_service(tx, uid, now)
        await _post_notice(tx, cid, notice, now)
    return where


async def _post_notice(tx: Tx, cid: ConversationId, notice: Notice, now: Instant) -> None:
    draft = Draft(cid, notice.source.account_id, notice.ref, notice.kind, None, data=card(notice))
    message = await tx.insert_message(draft, now)
    if message is None:  # this ref arrived already
        return
    for index in tx.indexes:  # searchable like any message of the person's
        await index.posted(tx, message)
    event: Event = MessagePosted(message)
    tx.append([(notice.user_id, event)], now)


async def set_mute(tx: Tx, uid: UserId, key: str, name: str, muted: bool, now: Instant) -> None:
    if muted:
        await tx.execute(
            "INSERT INTO service_mutes (user_id, source, name, created_at) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT (user_id, source) DO NOTHING",
            uid,
            key,
            name[:NAME_MAX],
            now,
        )
    else:
        await tx.execute("DELETE FROM service_mutes WHERE user_id=$1 AND source=$2", uid, key)


async def mutes(db: Reader, uid: UserId) -> list[tuple[str, str, Instant]]:
    """The senders the person muted: (key, name, when), newest first."""
    rows = await db.fetch(
        "SELECT source, name, created_at FROM service_mutes WHERE user_id=$1"
        " ORDER BY created_at DESC, source",
        uid,
    )
    return [(r[0], r[1], Instant(r[2])) for r in rows]
