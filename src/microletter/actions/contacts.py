"""Contacts: friend requests with a greeting, accept and decline, remove, remark, block."""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.core.contacts import (
    Privacy,
    Via,
    check_description,
    check_greeting,
    check_remark,
)
from microletter.core.ids import RequestId, UserId
from microletter.core.models import Contact, ContactRequest, Principal, User


async def request(
    ctx: Context,
    me: Principal,
    them: UserId,
    greeting: str,
    via: Via | None = None,
    remark: str = "",
) -> ContactRequest:
    """Ask `them` to be a contact (found `via` a username, their QR code, a group or a
    card: their privacy settings may refuse a way), with the `remark` name you will know
    them by once they accept. If they already asked you, this accepts their request."""
    greeting = check_greeting(greeting, ctx.limits)
    remark = check_remark(remark, ctx.limits)
    return await ctx.write(
        ctx.store.request_contact(me.user_id, them, greeting, ctx.clock(), via, remark)
    )


async def answer(
    ctx: Context, me: Principal, request_id: RequestId, accept: bool
) -> ContactRequest:
    return await ctx.write(ctx.store.answer_request(me.user_id, request_id, accept, ctx.clock()))


async def refuse(ctx: Context, me: Principal, request_id: RequestId) -> ContactRequest:
    """Decline a request and hear no more requests from that person (not a block)."""
    return await ctx.write(ctx.store.refuse_requests(me.user_id, request_id, ctx.clock()))


async def remove(ctx: Context, me: Principal, them: UserId) -> None:
    await ctx.write(ctx.store.remove_contact(me.user_id, them, ctx.clock()))


async def set_remark(
    ctx: Context,
    me: Principal,
    them: UserId,
    remark: str | None,
    description: str | None = None,
) -> Contact:
    """My remark name and/or description of a contact (None: unchanged)."""
    if remark is not None:
        remark = check_remark(remark, ctx.limits)
    if description is not None:
        description = check_description(description, ctx.limits)
    write = ctx.store.set_remark(me.user_id, them, remark, ctx.clock(), description)
    return await ctx.write(write)


async def block(ctx: Context, me: Principal, them: UserId) -> None:
    await ctx.write(ctx.store.block(me.user_id, them, ctx.clock()))


async def unblock(ctx: Context, me: Principal, them: UserId) -> None:
    await ctx.write(ctx.store.unblock(me.user_id, them, ctx.clock()))


async def contacts(ctx: Context, me: Principal) -> list[Contact]:
    return await ctx.store.contacts(me.user_id)


async def requests(ctx: Context, me: Principal) -> list[ContactRequest]:
    return await ctx.store.requests(me.user_id)


async def blocks(ctx: Context, me: Principal) -> list[User]:
    return await ctx.store.blocks(me.user_id)


async def privacy(ctx: Context, me: Principal) -> Privacy:
    return await ctx.store.privacy(me.user_id)


async def set_privacy(ctx: Context, me: Principal, settings: Privacy) -> Privacy:
    return await ctx.store.set_privacy(me.user_id, settings)
