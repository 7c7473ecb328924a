"""SQLite: suspending and unsuspending users. The writer caches nothing about a user's
standing (writetx.py): every check reads the row in the transaction that depends on it."""

from __future__ import annotations

import sqlite3

from microletter.core.errors import UserNotFound
from microletter.core.ids import DeviceId, UserId
from microletter.core.models import Instant
from microletter.core.moderation import Suspension
from microletter.storage.rows import suspension_of
from microletter.storage.sqlite.writetx import WriteTx


def suspend_user(
    tx: WriteTx, user_id: UserId, reason: str, now: Instant
) -> tuple[Suspension, list[DeviceId]]:
    row = tx.conn.execute(
        "UPDATE users SET suspended_at=coalesce(suspended_at, ?), suspended_reason=?"
        " WHERE id=? RETURNING suspended_at, suspended_reason",
        (now, reason, user_id),
    ).fetchone()
    if row is None:
        raise UserNotFound(user_id=user_id)
    revoked = tx.conn.execute(
        "DELETE FROM devices WHERE user_id=? RETURNING id", (user_id,)
    ).fetchall()
    return Suspension(Instant(row[0]), row[1]), [DeviceId(r[0]) for r in revoked]


def unsuspend_user(tx: WriteTx, user_id: UserId) -> None:
    cur = tx.conn.execute(
        "UPDATE users SET suspended_at=NULL, suspended_reason=NULL WHERE id=?", (user_id,)
    )
    if cur.rowcount == 0:
        raise UserNotFound(user_id=user_id)


def suspension(conn: sqlite3.Connection, user_id: UserId) -> Suspension | None:
    row = conn.execute(
        "SELECT suspended_at, suspended_reason FROM users WHERE id=?", (user_id,)
    ).fetchone()
    if row is None:
        raise UserNotFound(user_id=user_id)
    return suspension_of(row)
