"""REST for the server's operators (MICROLETTER_OPERATORS): look users up, suspend and
unsuspend them. Everyone else gets 403 `admin.not_operator`."""

from __future__ import annotations

from microletter.actions import moderation
from microletter.core.errors import (
    InvalidInput,
    NotOperator,
    OperatorProtected,
    TooLarge,
    UserNotFound,
)
from microletter.core.ids import UserId
from microletter.core.moderation import Standing
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import StandingReply, SuspendBody

router = Router("/api/v1/admin", tags=["admin"])


def _reply(standing: Standing) -> StandingReply:
    return StandingReply(standing.user, standing.operator, standing.suspension)


@router.get("/users/{username}", errors=[NotOperator, UserNotFound])
async def admin_find_user(call: Call, username: str) -> StandingReply:
    """Find a user by exact username, with whether they are suspended (operators only)."""
    return _reply(await moderation.find_user(call.ctx, call.me, username))


@router.get("/users/by-id/{user_id}", errors=[NotOperator, UserNotFound])
async def admin_get_user(call: Call, user_id: int) -> StandingReply:
    """A user by id, with whether they are suspended (operators only)."""
    return _reply(await moderation.user_by_id(call.ctx, call.me, UserId(user_id)))


@router.put(
    "/users/{user_id}/suspension",
    errors=[NotOperator, UserNotFound, OperatorProtected, InvalidInput, TooLarge],
)
async def suspend_user(call: Call, user_id: int, body: SuspendBody) -> StandingReply:
    """Suspend a user: all their devices are logged out and log-in answers 403
    `account.suspended` (operators only).

    Their messages, conversations and contacts stay. Operators cannot be suspended, nor
    can you suspend yourself (`admin.operator_protected`). Suspending again replaces the
    reason; the time stays the first."""
    standing = await moderation.suspend(call.ctx, call.me, UserId(user_id), body.reason)
    return _reply(standing)


@router.delete("/users/{user_id}/suspension", errors=[NotOperator, UserNotFound])
async def unsuspend_user(call: Call, user_id: int) -> StandingReply:
    """Lift a suspension: the user may log in again (operators only).

    Devices logged out by the suspension stay logged out. Unsuspending a user who is not
    suspended changes nothing."""
    return _reply(await moderation.unsuspend(call.ctx, call.me, UserId(user_id)))
