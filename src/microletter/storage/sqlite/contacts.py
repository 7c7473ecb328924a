"""SQLite: friend requests, contacts, remarks and blocks."""

from __future__ import annotations

import sqlite3

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
    LogEntry,
    Outcome,
)
from microletter.core.ids import RequestId, UserId
from microletter.core.models import Contact, ContactRequest, Instant, RequestStatus, User
from microletter.storage.sqlite import accounts, conversations
from microletter.storage.sqlite.rows import USER_COLS, Row, fetch_users, user_of
from microletter.storage.sqlite.writetx import WriteTx


def request_contact(
    tx: WriteTx, me: UserId, them: UserId, greeting: str, now: Instant
) -> Outcome[ContactRequest]:
    accounts.user(tx.conn, them)  # raises UserNotFound
    plan = plan_request(tx.relation(me, them))
    if plan is RequestPlan.ACCEPT_THEIRS:
        theirs = tx.conn.execute(
            "SELECT id FROM contact_requests WHERE from_id=? AND to_id=?", (them, me)
        ).fetchone()
        return _accept(tx, RequestId(theirs[0]), now)
    request_id = tx.conn.execute(
        "INSERT INTO contact_requests (id, from_id, to_id, greeting, status, created_at)"
        " VALUES (?,?,?,?,'pending',?) ON CONFLICT (from_id, to_id) DO UPDATE SET"
        " greeting=excluded.greeting, status='pending', created_at=excluded.created_at"
        " RETURNING id",
        (tx.new_id(now), me, them, greeting, now),
    ).fetchone()[0]
    tx.drop_relation(me, them)
    request = _load(tx.conn, RequestId(request_id))
    event: Event = ContactRequestUpdated(request)
    return Outcome(request, tuple(tx.append([(them, event), (me, event)], now)))


def answer_request(
    tx: WriteTx, me: UserId, request_id: RequestId, accept: bool, now: Instant
) -> Outcome[ContactRequest]:
    row = tx.conn.execute(
        "SELECT status FROM contact_requests WHERE id=? AND to_id=?", (request_id, me)
    ).fetchone()
    if row is None:
        raise ContactRequestNotFound(request_id=request_id)
    if row[0] != RequestStatus.PENDING:
        raise RequestAlreadyAnswered(request_id=request_id, status=row[0])
    if accept:
        return _accept(tx, request_id, now)
    tx.conn.execute("UPDATE contact_requests SET status='declined' WHERE id=?", (request_id,))
    request = _load(tx.conn, request_id)
    tx.drop_relation(request.from_user.id, me)
    # Like WeChat, a decline is not announced to the asker; only my own devices learn it.
    return Outcome(request, tuple(tx.append([(me, ContactRequestUpdated(request))], now)))


def _accept(tx: WriteTx, request_id: RequestId, now: Instant) -> Outcome[ContactRequest]:
    tx.conn.execute("UPDATE contact_requests SET status='accepted' WHERE id=?", (request_id,))
    request = _load(tx.conn, request_id)
    asker, answerer = request.from_user, request.to_user
    tx.conn.executemany(
        "INSERT INTO contacts (user_id, peer_id, remark, created_at) VALUES (?,?,'',?)"
        " ON CONFLICT DO NOTHING",
        [(asker.id, answerer.id, now), (answerer.id, asker.id, now)],
    )
    # Any request the other way is settled too, even one declined before.
    tx.conn.execute(
        "UPDATE contact_requests SET status='accepted' WHERE from_id=? AND to_id=?",
        (answerer.id, asker.id),
    )
    tx.drop_relation(asker.id, answerer.id)
    updated: Event = ContactRequestUpdated(request)
    targets: list[tuple[UserId, Event]] = [
        (asker.id, updated),
        (answerer.id, updated),
        (asker.id, ContactUpdated(Contact(answerer, "", now))),
        (answerer.id, ContactUpdated(Contact(asker, "", now))),
    ]
    entries: list[LogEntry] = tx.append(targets, now)
    entries += conversations.ensure_direct(tx, asker.id, answerer.id, now)
    return Outcome(request, tuple(entries))


def remove_contact(tx: WriteTx, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
    accounts.user(tx.conn, them)
    cur = tx.conn.execute(
        "DELETE FROM contacts WHERE (user_id=? AND peer_id=?) OR (user_id=? AND peer_id=?)",
        (me, them, them, me),
    )
    _forget_requests(tx, me, them)
    tx.drop_relation(me, them)
    if cur.rowcount == 0:
        return Outcome(None)
    targets: list[tuple[UserId, Event]] = [(me, ContactRemoved(them)), (them, ContactRemoved(me))]
    return Outcome(None, tuple(tx.append(targets, now)))


def set_remark(
    tx: WriteTx, me: UserId, them: UserId, remark: str, now: Instant
) -> Outcome[Contact]:
    row = tx.conn.execute(
        "UPDATE contacts SET remark=? WHERE user_id=? AND peer_id=? RETURNING created_at",
        (remark, me, them),
    ).fetchone()
    if row is None:
        raise NotContact("That user is not in your contacts.", user_id=them)
    contact = Contact(accounts.user(tx.conn, them), remark, Instant(row[0]))
    return Outcome(contact, tuple(tx.append([(me, ContactUpdated(contact))], now)))


def block(tx: WriteTx, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
    """Block `them`: it also ends the friendship and drops pending requests either way."""
    accounts.user(tx.conn, them)
    tx.conn.execute(
        "INSERT INTO blocks (user_id, blocked_id, created_at) VALUES (?,?,?)"
        " ON CONFLICT DO NOTHING",
        (me, them, now),
    )
    removed = tx.conn.execute(
        "DELETE FROM contacts WHERE (user_id=? AND peer_id=?) OR (user_id=? AND peer_id=?)",
        (me, them, them, me),
    ).rowcount
    _forget_requests(tx, me, them)
    tx.drop_relation(me, them)
    targets: list[tuple[UserId, Event]] = [(me, BlockUpdated(them, True))]
    if removed:
        targets += [(me, ContactRemoved(them)), (them, ContactRemoved(me))]
    return Outcome(None, tuple(tx.append(targets, now)))


def unblock(tx: WriteTx, me: UserId, them: UserId, now: Instant) -> Outcome[None]:
    cur = tx.conn.execute("DELETE FROM blocks WHERE user_id=? AND blocked_id=?", (me, them))
    tx.drop_relation(me, them)
    if cur.rowcount == 0:
        return Outcome(None)
    return Outcome(None, tuple(tx.append([(me, BlockUpdated(them, False))], now)))


def _forget_requests(tx: WriteTx, a: UserId, b: UserId) -> None:
    tx.conn.execute(
        "DELETE FROM contact_requests WHERE (from_id=? AND to_id=?) OR (from_id=? AND to_id=?)",
        (a, b, b, a),
    )


# --- reads ---

_REQUEST_SQL = (
    "SELECT r.id, r.from_id, r.to_id, r.greeting, r.status, r.created_at FROM contact_requests r"
)


def _requests(conn: sqlite3.Connection, rows: list[Row]) -> list[ContactRequest]:
    users = fetch_users(conn, list({r[i] for r in rows for i in (1, 2)}))
    return [
        ContactRequest(
            RequestId(r[0]), users[r[1]], users[r[2]], r[3], RequestStatus(r[4]), Instant(r[5])
        )
        for r in rows
    ]


def _load(conn: sqlite3.Connection, request_id: RequestId) -> ContactRequest:
    rows = conn.execute(f"{_REQUEST_SQL} WHERE r.id=?", (request_id,)).fetchall()
    if not rows:
        raise ContactRequestNotFound(request_id=request_id)
    return _requests(conn, rows)[0]


def requests(conn: sqlite3.Connection, me: UserId, limit: int = 200) -> list[ContactRequest]:
    rows = conn.execute(
        f"{_REQUEST_SQL} WHERE r.to_id=? OR r.from_id=? ORDER BY r.created_at DESC LIMIT ?",
        (me, me, limit),
    ).fetchall()
    return [as_seen_by(r, me) for r in _requests(conn, rows)]


def contacts(conn: sqlite3.Connection, me: UserId) -> list[Contact]:
    rows = conn.execute(
        f"SELECT {USER_COLS}, c.remark, c.created_at FROM contacts c"
        " JOIN users u ON u.id=c.peer_id WHERE c.user_id=? ORDER BY u.username",
        (me,),
    ).fetchall()
    return [Contact(user_of(r), r[6], Instant(r[7])) for r in rows]


def blocks(conn: sqlite3.Connection, me: UserId) -> list[User]:
    rows = conn.execute(
        f"SELECT {USER_COLS} FROM blocks b JOIN users u ON u.id=b.blocked_id WHERE b.user_id=?"
        " ORDER BY u.username",
        (me,),
    ).fetchall()
    return [user_of(r) for r in rows]
