"""Group invites: a link (and QR code) an owner or admin makes, valid 7 days, revocable;
joining through it is at once or, with approval on, by a request they answer."""

from __future__ import annotations

import secrets

from microletter.actions.context import Context
from microletter.core.ids import ConversationId
from microletter.core.invites import TOKEN_BYTES, Invite, JoinRequest, token_hash
from microletter.core.models import Conversation, Principal


async def create(
    ctx: Context, me: Principal, cid: ConversationId, approval: bool
) -> tuple[Invite, str]:
    """A new invite and its token (shown now, never again: only its hash is kept)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invite = await ctx.store.create_invite(
        me.user_id, cid, token_hash(token), approval, ctx.clock()
    )
    return invite, token


async def revoke(ctx: Context, me: Principal, cid: ConversationId, invite_id: int) -> None:
    await ctx.store.revoke_invite(me.user_id, cid, invite_id, ctx.clock())


async def set_approval(
    ctx: Context, me: Principal, cid: ConversationId, invite_id: int, approval: bool
) -> Invite:
    return await ctx.store.set_invite_approval(me.user_id, cid, invite_id, approval, ctx.clock())


async def preview(ctx: Context, token: str) -> tuple[Invite, Conversation]:
    return await ctx.store.invite_preview(token_hash(token), ctx.clock())


async def join(
    ctx: Context, me: Principal, token: str
) -> tuple[ConversationId, JoinRequest | None]:
    return await ctx.write(ctx.store.join_by_invite(me.user_id, token_hash(token), ctx.clock()))


async def answer(
    ctx: Context, me: Principal, cid: ConversationId, request_id: int, approve: bool
) -> JoinRequest:
    return await ctx.write(ctx.store.answer_join(me.user_id, cid, request_id, approve, ctx.clock()))


async def requests(ctx: Context, me: Principal, cid: ConversationId) -> list[JoinRequest]:
    return await ctx.store.join_requests(me.user_id, cid)
