"""Moderation by the server's operators: look users up, suspend and unsuspend them.

Every action goes through `access_operator` first. A suspension deletes the user's
devices (their tokens stop working, their sockets close as after a revocation) and
refuses new log-ins; their messages, memberships and contacts stay as they are.
"""

from __future__ import annotations

import logging

from microletter.actions.accounts import announce_revoked
from microletter.actions.context import Context
from microletter.core import moderation as rules
from microletter.core.errors import UserNotFound
from microletter.core.ids import UserId
from microletter.core.models import Principal, User
from microletter.core.moderation import Standing

log = logging.getLogger(__name__)


async def access_operator(ctx: Context, me: Principal) -> User:
    """The one way into moderation: the caller, if they are an operator (NotOperator)."""
    user = await ctx.store.user(me.user_id)
    rules.check_operator(user, ctx.operators)
    return user


async def _standing(ctx: Context, user: User) -> Standing:
    suspension = await ctx.store.suspension(user.id)
    return Standing(user, rules.is_operator(user.username, ctx.operators), suspension)


async def find_user(ctx: Context, me: Principal, username: str) -> Standing:
    await access_operator(ctx, me)
    user = await ctx.store.user_by_name(username)
    if user is None:
        raise UserNotFound(username=username)
    return await _standing(ctx, user)


async def user_by_id(ctx: Context, me: Principal, user_id: UserId) -> Standing:
    await access_operator(ctx, me)
    return await _standing(ctx, await ctx.store.user(user_id))


async def suspend(ctx: Context, me: Principal, user_id: UserId, reason: str) -> Standing:
    """Suspend a user (again: the reason is replaced, the time stays the first): every
    device of theirs is logged out, in every process, and log-in answers
    `account.suspended` until an operator unsuspends them."""
    operator = await access_operator(ctx, me)
    reason = rules.clean_reason(reason)
    target = await ctx.store.user(user_id)
    rules.check_suspendable(operator, target, ctx.operators)
    suspension, revoked = await ctx.store.suspend_user(user_id, reason, ctx.clock())
    log.info(
        "admin.user_suspended",
        extra={
            "operator_id": operator.id,
            "target_id": user_id,
            "reason": reason,
            "devices_revoked": len(revoked),
        },
    )
    await announce_revoked(ctx, user_id, revoked)
    return Standing(target, False, suspension)


async def unsuspend(ctx: Context, me: Principal, user_id: UserId) -> Standing:
    """Let a user log in again (their old devices stay logged out). Idempotent."""
    operator = await access_operator(ctx, me)
    await ctx.store.unsuspend_user(user_id)
    log.info("admin.user_unsuspended", extra={"operator_id": operator.id, "target_id": user_id})
    return await _standing(ctx, await ctx.store.user(user_id))
