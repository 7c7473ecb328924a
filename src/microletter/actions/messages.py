"""Messages: send (exactly once, acked after commit), recall, read receipts, typing, history."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from microletter.actions.context import Context
from microletter.core import messages as rules
from microletter.core.errors import InvalidInput, MicroletterError, NotContact
from microletter.core.events import Typing
from microletter.core.ids import ConversationId, UserId
from microletter.core.kinds import (
    check_card,
    check_content,
    check_forwardable,
    check_history,
    check_title,
    history_item,
)
from microletter.core.media import MediaId, media_kind_of
from microletter.core.messages import Draft
from microletter.core.models import JsonValue, Message, MessageKind, Note, Principal
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
    data: Mapping[str, JsonValue] | None = None,
) -> Message:
    """Commit the message, then publish it. Resending a client_msg_id returns the original.

    Each kind's body follows core/kinds.py: image, voice, file and sticker messages carry
    the media `media_id` (which the sender uploaded or can already see, as that kind);
    locations and contact cards carry `data`."""
    started = time.perf_counter()
    content = check_content(kind, text, media_id, data, ctx.limits)
    if kind is MessageKind.CARD:
        content = replace(content, data=await card_of(ctx, me, check_card(data or {})))
    draft = Draft(
        conversation_id=cid,
        sender_id=me.user_id,
        client_msg_id=rules.check_client_msg_id(client_msg_id, ctx.limits),
        kind=kind,
        text=content.text,
        reply_to=reply_to,
        mentions=tuple(mentions),
        mention_all=mention_all,
        data=content.data,
        media_id=content.media_id,
    )
    outcome = await ctx.store.post_message(draft, ctx.clock())
    if outcome.entries or outcome.streamed:
        await ctx.publish(outcome)
        ctx.metrics.messages_sent += 1
    else:
        ctx.metrics.duplicates += 1
    ctx.metrics.send_seconds.observe(time.perf_counter() - started)
    return outcome.value


async def card_of(ctx: Context, me: Principal, uid: UserId) -> dict[str, JsonValue]:
    """A contact card's data: one of my contacts, or me; as their profile shows them."""
    if uid != me.user_id and uid not in {c.user.id for c in await ctx.store.contacts(me.user_id)}:
        raise NotContact("You can share the cards of your contacts only.", user_id=uid)
    user = await ctx.store.user(uid)
    return {
        "user_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "avatar": user.avatar,
    }


@dataclass(frozen=True, slots=True)
class Forwarded:
    """What a forward did in one target conversation: the messages posted there, or why
    nothing was (one target refusing does not stop the others)."""

    conversation_id: ConversationId
    messages: list[Message]
    error: MicroletterError | None = None


async def forward(
    ctx: Context,
    me: Principal,
    source: ConversationId,
    seqs: Sequence[int],
    targets: Sequence[ConversationId],
    client_msg_id: str,
    *,
    merged: bool = False,
    title: str = "",
) -> list[Forwarded]:
    """Forward messages I can see to other chats, one by one or merged into a chat-history
    card. The copies are new messages of mine: their media are re-referenced, so who may
    fetch them follows the new messages. Exactly once per target: each copy's
    client_msg_id is derived from `client_msg_id`, so a retry returns the first copies."""
    check_history(len(set(seqs)))
    base = rules.check_client_msg_id(client_msg_id, ctx.limits)
    if len(base) > FORWARD_ID_ROOM:
        raise InvalidInput(f"A forward's client_msg_id has at most {FORWARD_ID_ROOM} characters.")
    if not targets or len(set(targets)) > MAX_FORWARD_TARGETS:
        raise InvalidInput(f"Forward to 1-{MAX_FORWARD_TARGETS} chats.", field="to")
    originals = [await ctx.store.message(me.user_id, source, seq) for seq in sorted(set(seqs))]
    for original in originals:
        check_forwardable(original)
    drafts = (
        [await merged_draft(ctx, originals, check_title(title))]
        if merged
        else [copy_draft(m) for m in originals]
    )
    done = []
    for target in dict.fromkeys(targets):
        posted: list[Message] = []
        try:
            for i, (kind, text, data, media_id) in enumerate(drafts):
                draft = Draft(
                    target,
                    me.user_id,
                    f"{base}.{target}.{i}",
                    kind,
                    text,
                    data=data,
                    media_id=media_id,
                )
                outcome = await ctx.store.post_message(draft, ctx.clock())
                await ctx.publish(outcome)
                posted.append(outcome.value)
        except MicroletterError as exc:
            done.append(Forwarded(target, posted, exc))
            continue
        done.append(Forwarded(target, posted))
    return done


CopyOf = tuple[MessageKind, str | None, dict[str, JsonValue] | None, MediaId | None]
FORWARD_ID_ROOM = 32  # the rest of 64 characters names the target and the copy
MAX_FORWARD_TARGETS = 9  # chats one forward goes to (WeChat's multi-select picker's limit)


def copy_draft(message: Message) -> CopyOf:
    """A one-by-one copy: the same kind, text and data; a medium is re-referenced by id."""
    media = (message.data or {}).get("media")
    if media_kind_of(message.kind) is not None and isinstance(media, dict):
        return message.kind, message.text, None, MediaId(str(media["id"]))
    return message.kind, message.text, message.data, None


async def merged_draft(ctx: Context, originals: Sequence[Message], title: str) -> CopyOf:
    """One chat-history card holding copies of every message (core/kinds.py)."""
    names = {
        uid: (await ctx.store.user(uid)).display_name
        for uid in dict.fromkeys(m.sender_id for m in originals)
    }
    items: list[JsonValue] = [history_item(m, names[m.sender_id]) for m in originals]
    return MessageKind.HISTORY, None, {"title": title, "items": items}, None


async def hide(
    ctx: Context, me: Principal, cid: ConversationId, seqs: Sequence[int]
) -> tuple[int, ...]:
    """Delete for me: gone from my history on all my devices; nobody else's changes."""
    return await ctx.write(ctx.store.hide_messages(me.user_id, cid, seqs, ctx.clock()))


async def recall(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> Message:
    return await ctx.write(ctx.store.recall_message(me.user_id, cid, seq, ctx.clock()))


async def mark_read(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> int:
    return await ctx.write(ctx.store.mark_read(me.user_id, cid, seq, ctx.clock()))


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


async def notes_of_page(
    ctx: Context,
    me: Principal,
    cid: ConversationId,
    page: list[Message],
    *,
    before: int | None,
    after: int | None,
    limit: int | None,
) -> list[Note]:
    """The notes addressed to me that sit among a page of `history`. Pages of one
    conversation read one after another hand out each note once: a page covers the seqs
    from its first message (or the start, if it is the oldest) to just before the next
    page (or the end, if it is the newest)."""
    size = max(min(limit or ctx.limits.history_page, ctx.limits.history_page), 1)
    full = len(page) >= size
    if after is not None:
        lo, hi = after + 1, (page[-1].seq if full and page else None)
    else:
        lo = page[0].seq if full and page else 0
        hi = None if before is None else before - 1
    return await ctx.store.notes(me.user_id, cid, lo, hi)


async def message(ctx: Context, me: Principal, cid: ConversationId, seq: int) -> Message:
    return await ctx.store.message(me.user_id, cid, seq)
