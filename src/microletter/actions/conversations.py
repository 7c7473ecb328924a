"""Conversations: the direct one with a contact, and groups with owner, admins and members."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.actions.context import Context
from microletter.core import conversations as rules
from microletter.core.errors import InvalidInput
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import (
    ChatState,
    Conversation,
    ConversationView,
    Member,
    Principal,
    Role,
    User,
)


async def create_group(
    ctx: Context, me: Principal, name: str, members: Sequence[UserId]
) -> Conversation:
    name = rules.check_group_name(name, ctx.limits)
    return await ctx.write(ctx.store.create_group(me.user_id, members, name, ctx.clock()))


async def open_direct(ctx: Context, me: Principal, them: UserId) -> Conversation:
    return await ctx.write(ctx.store.open_direct(me.user_id, them, ctx.clock()))


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
    return await ctx.write(ctx.store.update_group(me.user_id, cid, name, announcement, ctx.clock()))


async def add_members(
    ctx: Context, me: Principal, cid: ConversationId, users: Sequence[UserId]
) -> Conversation:
    if not users:
        raise InvalidInput("Name at least one user to add.", field="user_ids")
    return await ctx.write(ctx.store.add_members(me.user_id, cid, users, ctx.clock()))


async def remove_member(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId
) -> Conversation | None:
    """Remove someone else, or leave when `target` is yourself."""
    if target == me.user_id:
        await leave(ctx, me, cid)
        return None
    return await ctx.write(ctx.store.remove_member(me.user_id, cid, target, ctx.clock()))


async def leave(ctx: Context, me: Principal, cid: ConversationId) -> None:
    await ctx.write(ctx.store.leave(me.user_id, cid, ctx.clock()))


async def set_role(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId, role: Role
) -> Conversation:
    return await ctx.write(ctx.store.set_role(me.user_id, cid, target, role, ctx.clock()))


async def transfer_owner(
    ctx: Context, me: Principal, cid: ConversationId, target: UserId
) -> Conversation:
    return await ctx.write(ctx.store.transfer_owner(me.user_id, cid, target, ctx.clock()))


async def set_muted(ctx: Context, me: Principal, cid: ConversationId, muted: bool) -> Conversation:
    return await ctx.write(ctx.store.set_muted(me.user_id, cid, muted, ctx.clock()))


async def set_chat_state(
    ctx: Context,
    me: Principal,
    cid: ConversationId,
    *,
    pinned: bool | None = None,
    unread: bool | None = None,
    saved: bool | None = None,
) -> ChatState:
    """Pin or unpin, mark unread or read, save a group to my contacts or not: my own chat
    list, on all my devices."""
    return await ctx.write(
        ctx.store.set_chat_state(me.user_id, cid, pinned, unread, ctx.clock(), saved)
    )


async def delete_chat(ctx: Context, me: Principal, cid: ConversationId, clear: bool) -> ChatState:
    """Off my chat list until the next message; with `clear`, its history too (for me)."""
    return await ctx.write(ctx.store.delete_chat(me.user_id, cid, clear, ctx.clock()))


async def clear_history(ctx: Context, me: Principal, cid: ConversationId) -> ChatState:
    return await ctx.write(ctx.store.clear_history(me.user_id, cid, ctx.clock()))


async def conversations(ctx: Context, me: Principal) -> list[ConversationView]:
    return await ctx.store.conversations(me.user_id)


async def saved_groups(ctx: Context, me: Principal) -> list[ConversationView]:
    return await ctx.store.saved_groups(me.user_id)


async def conversation(ctx: Context, me: Principal, cid: ConversationId) -> ConversationView:
    return await ctx.store.conversation(me.user_id, cid)


async def members(ctx: Context, me: Principal, cid: ConversationId) -> list[tuple[Member, User]]:
    return await ctx.store.members(me.user_id, cid)
