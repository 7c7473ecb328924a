"""Contacts: friend requests with a greeting, accept and decline, remove, remark, block."""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.core.contacts import check_greeting, check_remark
from microletter.core.ids import RequestId, UserId
from microletter.core.models import Contact, ContactRequest, Principal, User


async def request(ctx: Context, me: Principal, them: UserId, greeting: str) -> ContactRequest:
    """Ask `them` to be a contact. If they already asked you, this accepts their request."""
    greeting = check_greeting(greeting, ctx.limits)
    outcome = await ctx.store.request_contact(me.user_id, them, greeting, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def answer(
    ctx: Context, me: Principal, request_id: RequestId, accept: bool
) -> ContactRequest:
    outcome = await ctx.store.answer_request(me.user_id, request_id, accept, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def remove(ctx: Context, me: Principal, them: UserId) -> None:
    outcome = await ctx.store.remove_contact(me.user_id, them, ctx.clock())
    await ctx.publish(outcome)


async def set_remark(ctx: Context, me: Principal, them: UserId, remark: str) -> Contact:
    remark = check_remark(remark, ctx.limits)
    outcome = await ctx.store.set_remark(me.user_id, them, remark, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def block(ctx: Context, me: Principal, them: UserId) -> None:
    outcome = await ctx.store.block(me.user_id, them, ctx.clock())
    await ctx.publish(outcome)


async def unblock(ctx: Context, me: Principal, them: UserId) -> None:
    outcome = await ctx.store.unblock(me.user_id, them, ctx.clock())
    await ctx.publish(outcome)


async def contacts(ctx: Context, me: Principal) -> list[Contact]:
    return await ctx.store.contacts(me.user_id)


async def requests(ctx: Context, me: Principal) -> list[ContactRequest]:
    return await ctx.store.requests(me.user_id)


async def blocks(ctx: Context, me: Principal) -> list[User]:
    return await ctx.store.blocks(me.user_id)
