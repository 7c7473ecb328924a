"""PostgreSQL: friend requests, contacts, remarks and blocks."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.contacts import RequestPlan, as_seen_by, plan_request
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
from microletter.storage.postgres import accounts, conversations
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import USER_COLS, Row, user_of


async def request_contact(
    tx: PgTx, me: UserId, them: UserId, greeting: str, now: Instant
) -> ContactRequest:
    await accounts.user(tx.conn, them)  # raises UserNotFound
    await tx.lock_pair(me, them)
    plan = plan_request(await tx.relation(me, them))
    if plan is RequestPlan.ACCEPT_THEIRS:
        theirs = await tx.fetchrow(
            "SELECT id FROM contact_requests WHERE from_id=$1 AND to_id=$2 FOR UPDATE", them, me
        )
        if theirs is not None:
            return await _accept(tx, RequestId(theirs[0]), now)
    row = await tx.fetchrow(
        "INSERT INTO contact_requests (id, from_id, to_id, greeting, status, created_at)"
        " VALUES ($1,$2,$3,$4,'pending',$5) ON CONFLICT (from_id, to_id) DO UPDATE SET"
        " greeting=excluded.greeting, status='pending', created_at=excluded.created_at"
        " RETURNING id",
        tx.new_id(now),
        me,
        them,
        greeting,
        now,
    )
    assert row is not None  # an upsert always returns its row
    request = await _load(tx.conn, RequestId(row[0]))
    event: Event = ContactRequestUpdated(request)
    tx.append([(them, event), (me, event)], now)
    return request


async def answer_request(
    tx: PgTx, me: UserId, request_id: RequestId, accept: bool, now: Instant
) -> ContactRequest:
    row = await tx.fetchrow(
        "SELECT status FROM contact_requests WHERE id=$1 AND to_id=$2 FOR UPDATE", request_id, me
    )
    if row is None:
        raise ContactRequestNotFound(request_id=request_id)
    if row[0] != RequestStatus.PENDING:
        raise RequestAlreadyAnswered(request_id=request_id, status=row[0])
    if accept:
        return await _accept(tx, request_id, now)
    await tx.conn.execute("UPDATE contact_requests SET status='declined' WHERE id=$1", request_id)
    request = await _load(tx.conn, request_id)
    # Like WeChat, a decline is not announced to the asker; only my own devices learn it.
    tx.append([(me, ContactRequestUpdated(request))], now)
    return request


async def _accept(tx: PgTx, request_id: RequestId, now: Instant) -> ContactRequest:
    await tx.conn.execute("UPDATE contact_requests SET status='accepted' WHERE id=$1", request_id)
    request = await _load(tx.conn, request_id)
    asker, answerer = request.from_user, request.to_user
    await tx.conn.execute(
        "INSERT INTO contacts (user_id, peer_id, remark, created_at) VALUES"
        " ($1,$2,'',$3), ($2,$1,'',$3) ON CONFLICT DO NOTHING",
        asker.id,
        answerer.id,
        now,
    )
    # Any request the other way is settled too, even one declined before.
    await tx.conn.execute(
        "UPDATE contact_requests SET status='accepted' WHERE from_id=$1 AND to_id=$2",
        answerer.id,
        asker.id,
    )
    updated: Event = ContactRequestUpdated(request)
    tx.append(
        [
            (asker.id, updated),
            (answerer.id, updated),
            (asker.id, ContactUpdated(Contact(answerer, "", now))),
            (answerer.id, ContactUpdated(Contact(asker, "", now))),
        ],
        now,
    )
    await conversations.ensure_direct(tx, asker.id, answerer.id, now)
    return request


async def remove_contact(tx: PgTx, me: UserId, them: UserId, now: Instant) -> None:
    await accounts.user(tx.conn, them)
    await tx.lock_pair(me, them)
    removed = await tx.conn.fetch(
        "DELETE FROM contacts WHERE (user_id=$1 AND peer_id=$2) OR (user_id=$2 AND peer_id=$1)"
        " RETURNING user_id",
        me,
        them,
    )
    await _forget_requests(tx, me, them)
    if removed:
        tx.append([(me, ContactRemoved(them)), (them, ContactRemoved(me))], now)


async def set_remark(tx: PgTx, me: UserId, them: UserId, remark: str, now: Instant) -> Contact:
    row = await tx.fetchrow(
        "UPDATE contacts SET remark=$1 WHERE user_id=$2 AND peer_id=$3 RETURNING created_at",
        remark,
        me,
        them,
    )
    if row is None:
        raise NotContact("That user is not in your contacts.", user_id=them)
    contact = Contact(await accounts.user(tx.conn, them), remark, Instant(row[0]))
    tx.append([(me, ContactUpdated(contact))], now)
    return contact


async def block(tx: PgTx, me: UserId, them: UserId, now: Instant) -> None:
    """Block `them`: it also ends the friendship and drops pending requests either way."""
    await accounts.user(tx.conn, them)
    await tx.lock_pair(me, them)
    await tx.conn.execute(
        "INSERT INTO blocks (user_id, blocked_id, created_at) VALUES ($1,$2,$3)"
        " ON CONFLICT DO NOTHING",
        me,
        them,
        now,
    )
    removed = await tx.conn.fetch(
        "DELETE FROM contacts WHERE (user_id=$1 AND peer_id=$2) OR (user_id=$2 AND peer_id=$1)"
        " RETURNING user_id",
        me,
        them,
    )
    await _forget_requests(tx, me, them)
    targets: list[tuple[UserId, Event]] = [(me, BlockUpdated(them, True))]
    if removed:
        targets += [(me, ContactRemoved(them)), (them, ContactRemoved(me))]
    tx.append(targets, now)


async def unblock(tx: PgTx, me: UserId, them: UserId, now: Instant) -> None:
    row = await tx.fetchrow(
        "DELETE FROM blocks WHERE user_id=$1 AND blocked_id=$2 RETURNING user_id", me, them
    )
    if row is not None:
        tx.append([(me, BlockUpdated(them, False))], now)


async def _forget_requests(tx: PgTx, a: UserId, b: UserId) -> None:
    await tx.conn.execute(
        "DELETE FROM contact_requests WHERE (from_id=$1 AND to_id=$2) OR (from_id=$2 AND to_id=$1)",
        a,
        b,
    )


# --- reads ---

_REQUEST_SQL = (
    "SELECT r.id, r.from_id, r.to_id, r.greeting, r.status, r.created_at FROM contact_requests r"
)


async def _requests(conn: Conn, rows: Sequence[Row]) -> list[ContactRequest]:
    users = await accounts.fetch_users(conn, list({r[i] for r in rows for i in (1, 2)}))
    return [
        ContactRequest(
            RequestId(r[0]), users[r[1]], users[r[2]], r[3], RequestStatus(r[4]), Instant(r[5])
        )
        for r in rows
    ]


async def _load(conn: Conn, request_id: RequestId) -> ContactRequest:
    rows = await conn.fetch(f"{_REQUEST_SQL} WHERE r.id=$1", request_id)
    if not rows:
        raise ContactRequestNotFound(request_id=request_id)
    return (await _requests(conn, rows))[0]


async def requests(conn: Conn, me: UserId, limit: int = 200) -> list[ContactRequest]:
    rows = await conn.fetch(
        f"{_REQUEST_SQL} WHERE r.to_id=$1 OR r.from_id=$1 ORDER BY r.created_at DESC LIMIT $2",
        me,
        limit,
    )
    return [as_seen_by(r, me) for r in await _requests(conn, rows)]


async def contacts(conn: Conn, me: UserId) -> list[Contact]:
    rows = await conn.fetch(
        f"SELECT {USER_COLS}, c.remark, c.created_at FROM contacts c"
        ' JOIN users u ON u.id=c.peer_id WHERE c.user_id=$1 ORDER BY u.username COLLATE "C"',
        me,
    )
    return [Contact(user_of(r), r[6], Instant(r[7])) for r in rows]


async def blocks(conn: Conn, me: UserId) -> list[User]:
    rows = await conn.fetch(
        f"SELECT {USER_COLS} FROM blocks b JOIN users u ON u.id=b.blocked_id WHERE b.user_id=$1"
        ' ORDER BY u.username COLLATE "C"',
        me,
    )
    return [user_of(r) for r in rows]
