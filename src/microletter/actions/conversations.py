"""Conversations: the direct one with a contact, and groups with owner, admins and members."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.actions.context import Context
from microletter.core import conversations as rules
from microletter.core.errors import InvalidInput
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Conversation, ConversationView, Member, Principal, Role, User


async def create_group(
    ctx: Context, me: Principal, name: str, members: Sequence[UserId]
) -> Conversation:
    name = rules.check_group_name(name, ctx.limits)
    outcome = await ctx.store.create_group(me.user_id, members, name, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def open_direct(ctx: Context, me: Principal, them: UserId) -> Conversation:
    outcome = await ctx.store.open_direct(me.user_id, them, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def update_group(
    ctx: Context,
    me: Principal,
    cid: ConversationId,
    name: str | None = None,
    announcement: str | None = None,
) -> Conversation:
    if name is None and announcement is None:
        raise InvalidInput("Nothing to change: give a name or an announcement.")
    if name is not None:
        name = rules.check_group_name(name, ctx.limits)
    if announcement is not None:
        announcement = rules.check_announcement(announcement, ctx.limits)
    outcome = await ctx.store.update_group(me.user_id, cid, name, announcement, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def add_members(
    ctx: Context, me: Principal, cid: ConversationId, users: Sequence[UserId]
) -> Conversation:
    if not users:
        raise InvalidInput("Name at least one user to add.", field="user_ids")
    outcome = await ctx.store.add_members(me.user_id, cid, users, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def remove_member(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId
) -> Conversation | None:
    """Remove someone else, or leave when `target` is yourself."""
    if target == me.user_id:
        await leave(ctx, me, cid)
        return None
    outcome = await ctx.store.remove_member(me.user_id, cid, target, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def leave(ctx: Context, me: Principal, cid: ConversationId) -> None:
    outcome = await ctx.store.leave(me.user_id, cid, ctx.clock())
    await ctx.publish(outcome)


async def set_role(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId, role: Role
) -> Conversation:
    outcome = await ctx.store.set_role(me.user_id, cid, target, role, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def transfer_owner(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId
) -> Conversation:
    outcome = await ctx.store.transfer_owner(me.user_id, cid, target, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def set_muted(ctx: Context, me: Principal, cid: ConversationId, muted: bool) -> Conversation:
    outcome = await ctx.store.set_muted(me.user_id, cid, muted, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def conversations(ctx: Context, me: Principal) -> list[ConversationView]:
    return await ctx.store.conversations(me.user_id)


async def conversation(ctx: Context, me: Principal, cid: ConversationId) -> ConversationView:
    return await ctx.store.conversation(me.user_id, cid)


async def members(ctx: Context, me: Principal, cid: ConversationId) -> list[tuple[Member, User]]:
    return await ctx.store.members(me.user_id, cid)
