"""Messages: send (exactly once, acked after commit), recall, read receipts, typing, history."""

from __future__ import annotations

import time
from collections.abc import Sequence

from microletter.actions.context import Context
from microletter.core import messages as rules
from microletter.core.events import Typing
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import Draft
from microletter.core.models import Message, MessageKind, Principal
from microletter.ports import user_topic


async def send_message(
    ctx: Context,
    me: Principal,
    cid: ConversationId,
    client_msg_id: str,
    text: str | None,
    *,
    kind: MessageKind = MessageKind.TEXT,
    media_id: str | None = None,
    reply_to: int | None = None,
    mentions: Sequence[UserId] = (),
    mention_all: bool = False,
) -> Message:
    """Commit the message, then publish it. Resending a client_msg_id returns the original.

    Image, voice and file messages carry the media `media_id` (which the sender uploaded
    or can already see, as that kind); their `text` is an optional caption (none for voice)."""
    started = time.perf_counter()
    checked_text, checked_media = rules.check_body(kind, text, media_id, ctx.limits)
    draft = Draft(
        conversation_id=cid,
        sender_id=me.user_id,
        client_msg_id=rules.check_client_msg_id(client_msg_id, ctx.limits),
        kind=kind,
        text=checked_text,
        reply_to=reply_to,
        mentions=tuple(mentions),
        mention_all=mention_all,
        media_id=checked_media,
    )
    outcome = await ctx.store.post_message(draft, ctx.clock())
    if outcome.entries:
        await ctx.publish(outcome)
        ctx.metrics.messages_sent += 1
    else:
        ctx.metrics.duplicates += 1
    ctx.metrics.send_seconds.observe(time.perf_counter() - started)
    return outcome.value


async def recall(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> Message:
    outcome = await ctx.store.recall_message(me.user_id, cid, seq, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def mark_read(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> int:
    outcome = await ctx.store.mark_read(me.user_id, cid, seq, ctx.clock())
    await ctx.publish(outcome)
    return outcome.value


async def typing(ctx: Context, me: Principal, cid: ConversationId) -> None:
    """Tell the other members someone is typing. Ephemeral: published, never stored."""
    members = await ctx.store.member_ids(me.user_id, cid)
    event = Typing(cid, me.user_id)
    await ctx.bus.publish([(user_topic(uid), event) for uid in members if uid != me.user_id])


async def history(
    ctx: Context,
    me: Principal,
    cid: ConversationId,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
) -> list[Message]:
    page = min(limit or ctx.limits.history_page, ctx.limits.history_page)
    return await ctx.store.history(me.user_id, cid, before, after, max(page, 1))


async def message(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> Message:
    return await ctx.store.message(me.user_id, cid, seq)
