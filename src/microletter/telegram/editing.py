"""Bots change what they said: editMessageText, editMessageReplyMarkup, deleteMessage.

An edit is the core's `edit_message` (the message changes in place, `data.edited_at` is
stamped, and every member gets an `edit` event pointing at it, so people's clients show
the new text and keyboard at once). A delete is the core's recall with the Bot API's
window (48 hours, not the 2 minutes people get), and, in a group where the bot is the
owner or an admin, of anyone's message. People do not edit (docs/platform.md, "Edits").
"""

from __future__ import annotations

from microletter.core.errors import (
    Forbidden,
    MessageNotFound,
    NotEditable,
    NotFound,
    NotSender,
    RecallExpired,
)
from microletter.core.messages import check_text
from microletter.core.models import JsonValue
from microletter.telegram.actions import Bots, render
from microletter.telegram.errors import BotBadRequest
from microletter.telegram.objects import Chat, Json
from microletter.telegram.rules import Bot

DELETE_WINDOW_MS = 48 * 3600 * 1000  # Telegram's: a message younger than 48 hours
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly"
    " the same as a current content and reply markup of the message"
)


async def edit(
    room: Bots, bot: Bot, chat: Chat, seq: int, text: str | None, data: dict[str, JsonValue]
) -> Json:
    """Change the bot's message `seq` in `chat`: its text (None: unchanged) and the
    `data` keys given (None removes one). The message as the Bot API shows it."""
    ctx = room.ctx
    cid = chat.conversation.id
    try:
        current = await ctx.store.message(bot.id, cid, seq)
    except (NotFound, Forbidden):
        raise BotBadRequest("message to edit not found") from None
    if text is not None:
        text = check_text(text, ctx.limits)
    if _unchanged(current.text, current.data or {}, text, data):
        raise BotBadRequest(NOT_MODIFIED)
    try:
        outcome = await ctx.store.edit_message(bot.id, cid, seq, text, data, ctx.clock())
    except MessageNotFound:
        raise BotBadRequest("message to edit not found") from None
    except NotEditable:
        raise BotBadRequest("message can't be edited") from None
    await ctx.publish(outcome)
    return await render(room, bot, outcome.value, chat)


def _unchanged(
    old_text: str | None,
    old: dict[str, JsonValue],
    text: str | None,
    data: dict[str, JsonValue],
) -> bool:
    if text is not None and text != old_text:
        return False
    return all(old.get(key) == value for key, value in data.items())


async def delete(room: Bots, bot: Bot, chat: Chat, seq: int) -> None:
    """deleteMessage: erased for everyone, as a recall is (members see it was)."""
    ctx = room.ctx
    try:
        outcome = await ctx.store.recall_message(
            bot.id, chat.conversation.id, seq, ctx.clock(),
            window_ms=DELETE_WINDOW_MS, as_manager=True,
        )  # fmt: skip
    except (MessageNotFound, NotFound):
        raise BotBadRequest("message to delete not found") from None
    except (NotSender, RecallExpired, Forbidden):
        raise BotBadRequest("message can't be deleted") from None
    await ctx.publish(outcome)
