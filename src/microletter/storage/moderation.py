"""Suspending and unsuspending users."""

from __future__ import annotations

from microletter.core.errors import UserNotFound
from microletter.core.ids import DeviceId, UserId
from microletter.core.models import Instant
from microletter.core.moderation import Suspension
from microletter.ports import Reader, Tx
from microletter.storage.rows import suspension_of


async def suspend_user(
    tx: Tx, user_id: UserId, reason: str, now: Instant
) -> tuple[Suspension, list[DeviceId]]:
    # FOR UPDATE, not the UPDATE's weaker lock: it must conflict with the KEY SHARE of a
    # log-in in flight (accounts.create_device), so that device exists before the DELETE
    # below reads the table, or that log-in sees the suspension.
    if await tx.fetchrow("SELECT 1 FROM users WHERE id=$1 FOR UPDATE", user_id) is None:
        raise UserNotFound(user_id=user_id)
    row = await tx.fetchrow(
        "UPDATE users SET suspended_at=coalesce(suspended_at, $1), suspended_reason=$2"
        " WHERE id=$3 RETURNING suspended_at, suspended_reason",
        now,
        reason,
        user_id,
    )
    assert row is not None  # locked just above
    revoked = await tx.fetch("DELETE FROM devices WHERE user_id=$1 RETURNING id", user_id)
    tx.devices_changed(user_id)
    return Suspension(Instant(row[0]), row[1]), [DeviceId(r[0]) for r in revoked]


async def unsuspend_user(tx: Tx, user_id: UserId) -> None:
    row = await tx.fetchrow(
        "UPDATE users SET suspended_at=NULL, suspended_reason=NULL WHERE id=$1 RETURNING id",
        user_id,
    )
    if row is None:
        raise UserNotFound(user_id=user_id)


async def suspension(db: Reader, user_id: UserId) -> Suspension | None:
    row = await db.fetchrow("SELECT suspended_at, suspended_reason FROM users WHERE id=$1", user_id)
    if row is None:
        raise UserNotFound(user_id=user_id)
    return suspension_of(row)
