"""Friend requests, contacts, remarks and blocks."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.contacts import (
    PriorRequest,
    RequestPlan,
    Via,
    as_seen_by,
    check_addable,
    judge_send,
    plan_request,
)
from microletter.core.errors import (
    ContactRequestNotFound,
    NotContact,
    RequestAlreadyAnswered,
)
from microletter.core.events import (
    BlockUpdated,
    ContactRemoved,
    ContactRequestUpdated,
    ContactUpdated,
    Event,
)
from microletter.core.ids import RequestId, UserId
from microletter.core.models import Contact, ContactRequest, Instant, RequestStatus, User
from microletter.ports import Reader, Row, Tx
from microletter.storage import accounts, conversations
from microletter.storage.rows import USER_COLS, fetch_users, user_of


async def request_contact(
    tx: Tx,
    me: UserId,
    them: UserId,
    greeting: str,
    now: Instant,
    via: Via | None = None,
    remark: str = "",
) -> ContactRequest:
    """Ask `them`; `remark` becomes my remark of them when they accept (or at once, when
    this accepts their request)."""
    theirs_privacy = await accounts.privacy(tx, them)  # raises UserNotFound
    await tx.lock_pair(me, them)
    plan = plan_request(await tx.relation(me, them))
    if plan is not RequestPlan.ACCEPT_THEIRS:  # answering their own request is always fine
        check_addable(theirs_privacy, await _how_found(tx, me, them, via))
    if plan is RequestPlan.ACCEPT_THEIRS:
        theirs = await tx.fetchrow(
            "SELECT id FROM contact_requests WHERE from_id=$1 AND to_id=$2 FOR UPDATE", them, me
        )
        if theirs is not None:
            return await _accept(tx, RequestId(theirs[0]), now, answerer_remark=remark)
    mine = await tx.fetchrow(
        "SELECT id, status, declined_at, refused, sent_today, window_start FROM contact_requests"
        " WHERE from_id=$1 AND to_id=$2",
        me,
        them,
    )
    prior = None
    if mine is not None:
        prior = PriorRequest(RequestStatus(mine[1]), mine[2], bool(mine[3]), mine[4], mine[5])
    send = judge_send(prior, now, tx.limits)
    if mine is not None and not send.heard:  # counted, and kept from them in silence
        await tx.execute(
            "UPDATE contact_requests SET sent_today=$1, window_start=$2, remark=$4 WHERE id=$3",
            send.sent_today,
            send.window_start,
            mine[0],
            remark,
        )
        request = as_seen_by(await _load(tx, RequestId(mine[0])), me)
        tx.append([(me, ContactRequestUpdated(request))], now)
        return request
    row = await tx.fetchrow(
        "INSERT INTO contact_requests (id, from_id, to_id, greeting, status, created_at,"
        " sent_today, window_start, remark) VALUES ($1,$2,$3,$4,'pending',$5,$6,$7,$8)"
        " ON CONFLICT (from_id, to_id) DO UPDATE SET greeting=excluded.greeting,"
        " status='pending', created_at=excluded.created_at, sent_today=excluded.sent_today,"
        " window_start=excluded.window_start, remark=excluded.remark RETURNING id",
        tx.new_id(now),
        me,
        them,
        greeting,
        now,
        send.sent_today,
        send.window_start,
        remark,
    )
    assert row is not None  # an upsert always returns its row
    tx.relation_changed(me, them)
    request = await _load(tx, RequestId(row[0]))
    event: Event = ContactRequestUpdated(request)
    tx.append([(them, event), (me, event)], now)
    return request


async def _how_found(tx: Tx, me: UserId, them: UserId, said: Via | None) -> Via:
    """How the asker found the person: "from a group" is checked (they must share one);
    an asker who says nothing found them by username, unless they share a group. (A QR
    code or a card cannot be checked here: see docs/SECURITY.md.)"""
    shared = await tx.fetchval(
        "SELECT 1 FROM members a JOIN members b ON b.conversation_id=a.conversation_id"
        " JOIN conversations c ON c.id=a.conversation_id AND c.kind='group'"
        " WHERE a.user_id=$1 AND b.user_id=$2 LIMIT 1",
        me,
        them,
    )
    if said is None or said is Via.GROUP:
        return Via.GROUP if shared else Via.USERNAME
    return said


async def answer_request(
    tx: Tx, me: UserId, request_id: RequestId, accept: bool, now: Instant
) -> ContactRequest:
    status = await _lock_request(tx, me, request_id)
    if status != RequestStatus.PENDING:
        raise RequestAlreadyAnswered(request_id=request_id, status=status)
    if accept:
        return await _accept(tx, request_id, now)
    await tx.execute(
        "UPDATE contact_requests SET status='declined', declined_at=$1 WHERE id=$2", now, request_id
    )
    return await _declined(tx, me, request_id, now)


async def refuse_requests(
    tx: Tx, me: UserId, request_id: RequestId, now: Instant
) -> ContactRequest:
    """Decline a request (pending, or declined before) and hear no more from its asker:
    their later requests are counted and kept from me in silence. Not a block: they may
    still be in my groups, and I may still ask them (an accepted request either way ends
    it)."""
    status = await _lock_request(tx, me, request_id)
    if status == RequestStatus.ACCEPTED:
        raise RequestAlreadyAnswered(request_id=request_id, status=status)
    await tx.execute(
        "UPDATE contact_requests SET status='declined', refused=true,"
        " declined_at=coalesce(declined_at, $1) WHERE id=$2",
        now,
        request_id,
    )
    return await _declined(tx, me, request_id, now)


async def _lock_request(tx: Tx, me: UserId, request_id: RequestId) -> str:
    """The status of a request to `me`, its row locked until COMMIT."""
    row = await tx.fetchrow(
        "SELECT status FROM contact_requests WHERE id=$1 AND to_id=$2 FOR UPDATE", request_id, me
    )
    if row is None:
        raise ContactRequestNotFound(request_id=request_id)
    status: str = row[0]
    return status


async def _declined(tx: Tx, me: UserId, request_id: RequestId, now: Instant) -> ContactRequest:
    """Tell my own devices of a request I declined. Like WeChat, a decline is not
    announced to the asker."""
    request = await _load(tx, request_id)
    tx.relation_changed(request.from_user.id, me)
    tx.append([(me, ContactRequestUpdated(request))], now)
    return request


async def _accept(
    tx: Tx, request_id: RequestId, now: Instant, answerer_remark: str = ""
) -> ContactRequest:
    """Make both sides contacts, each with the remark they gave with their request (the
    asker's, kept with it; the answerer's, when answering by asking back)."""
    asker_remark = await tx.fetchval(
        "UPDATE contact_requests SET status='accepted' WHERE id=$1 RETURNING remark", request_id
    )
    request = await _load(tx, request_id)
    asker, answerer = request.from_user, request.to_user
    asker_remark = str(asker_remark or "")
    await tx.execute(
        "INSERT INTO contacts (user_id, peer_id, remark, created_at) VALUES"
        " ($1,$2,$4,$3), ($2,$1,$5,$3) ON CONFLICT DO NOTHING",
        asker.id,
        answerer.id,
        now,
        asker_remark,
        answerer_remark,
    )
    # Any request the other way is settled too, even one declined before; friends again,
    # nobody refuses the other's requests any more.
    await tx.execute(
        "UPDATE contact_requests SET status='accepted' WHERE from_id=$1 AND to_id=$2",
        answerer.id,
        asker.id,
    )
    await tx.execute(
        "UPDATE contact_requests SET refused=false WHERE (from_id=$1 AND to_id=$2)"
        " OR (from_id=$2 AND to_id=$1)",
        asker.id,
        answerer.id,
    )
    tx.relation_changed(asker.id, answerer.id)
    updated: Event = ContactRequestUpdated(request)
    tx.append(
        [
            (asker.id, updated),
            (answerer.id, updated),
            (asker.id, ContactUpdated(Contact(answerer, asker_remark, now))),
            (answerer.id, ContactUpdated(Contact(asker, answerer_remark, now))),
        ],
        now,
    )
    await conversations.ensure_direct(tx, asker.id, answerer.id, now)
    return request


async def remove_contact(tx: Tx, me: UserId, them: UserId, now: Instant) -> None:
    await accounts.user(tx, them)
    await tx.lock_pair(me, them)
    if await _unfriend(tx, me, them):
        tx.append([(me, ContactRemoved(them)), (them, ContactRemoved(me))], now)


async def set_remark(
    tx: Tx,
    me: UserId,
    them: UserId,
    remark: str | None,
    now: Instant,
    description: str | None = None,
) -> Contact:
    """Set my remark name and/or description of a contact (None: keep it)."""
    row = await tx.fetchrow(
        "UPDATE contacts SET remark=coalesce($1, remark), description=coalesce($4, description)"
        " WHERE user_id=$2 AND peer_id=$3 RETURNING created_at, remark, description",
        remark,
        me,
        them,
        description,
    )
    if row is None:
        raise NotContact("That user is not in your contacts.", user_id=them)
    contact = Contact(await accounts.user(tx, them), row[1], Instant(row[0]), row[2])
    tx.append([(me, ContactUpdated(contact))], now)
    return contact


async def block(tx: Tx, me: UserId, them: UserId, now: Instant) -> None:
    """Block `them`: it also ends the friendship and drops pending requests either way."""
    await accounts.user(tx, them)
    await tx.lock_pair(me, them)
    await tx.execute(
        "INSERT INTO blocks (user_id, blocked_id, created_at) VALUES ($1,$2,$3)"
        " ON CONFLICT DO NOTHING",
        me,
        them,
        now,
    )
    removed = await _unfriend(tx, me, them)
    targets: list[tuple[UserId, Event]] = [(me, BlockUpdated(them, True))]
    if removed:
        targets += [(me, ContactRemoved(them)), (them, ContactRemoved(me))]
    tx.append(targets, now)


async def unblock(tx: Tx, me: UserId, them: UserId, now: Instant) -> None:
    row = await tx.fetchrow(
        "DELETE FROM blocks WHERE user_id=$1 AND blocked_id=$2 RETURNING user_id", me, them
    )
    if row is not None:
        tx.relation_changed(me, them)
        tx.append([(me, BlockUpdated(them, False))], now)


async def _unfriend(tx: Tx, a: UserId, b: UserId) -> bool:
    """End the friendship and drop requests either way; whether they were contacts."""
    removed = await tx.execute(
        "DELETE FROM contacts WHERE (user_id=$1 AND peer_id=$2) OR (user_id=$2 AND peer_id=$1)",
        a,
        b,
    )
    await tx.execute(
        "DELETE FROM contact_requests WHERE (from_id=$1 AND to_id=$2) OR (from_id=$2 AND to_id=$1)",
        a,
        b,
    )
    tx.relation_changed(a, b)
    return removed > 0


# --- reads ---

_REQUEST_SQL = (
    "SELECT r.id, r.from_id, r.to_id, r.greeting, r.status, r.created_at FROM contact_requests r"
)


async def _requests(db: Reader, rows: Sequence[Row]) -> list[ContactRequest]:
    users = await fetch_users(db, list({r[i] for r in rows for i in (1, 2)}))
    return [
        ContactRequest(
            RequestId(r[0]), users[r[1]], users[r[2]], r[3], RequestStatus(r[4]), Instant(r[5])
        )
        for r in rows
    ]


async def _load(db: Reader, request_id: RequestId) -> ContactRequest:
    rows = await db.fetch(f"{_REQUEST_SQL} WHERE r.id=$1", request_id)
    if not rows:
        raise ContactRequestNotFound(request_id=request_id)
    return (await _requests(db, rows))[0]


async def requests(db: Reader, me: UserId, limit: int = 200) -> list[ContactRequest]:
    rows = await db.fetch(
        f"{_REQUEST_SQL} WHERE r.to_id=$1 OR r.from_id=$1 ORDER BY r.created_at DESC LIMIT $2",
        me,
        limit,
    )
    return [as_seen_by(r, me) for r in await _requests(db, rows)]


async def contacts(db: Reader, me: UserId) -> list[Contact]:
    rows = await db.fetch(
        f"SELECT {USER_COLS}, c.remark, c.created_at, c.description FROM contacts c"
        " JOIN users u ON u.id=c.peer_id WHERE c.user_id=$1",
        me,
    )
    found = [Contact(user_of(r), r[6], Instant(r[7]), r[8]) for r in rows]
    return sorted(found, key=lambda c: c.user.username)  # code point order on both backends


async def blocks(db: Reader, me: UserId) -> list[User]:
    rows = await db.fetch(
        f"SELECT {USER_COLS} FROM blocks b JOIN users u ON u.id=b.blocked_id WHERE b.user_id=$1",
        me,
    )
    return sorted((user_of(r) for r in rows), key=lambda u: u.username)
