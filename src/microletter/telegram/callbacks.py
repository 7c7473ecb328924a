"""Callback queries: a person presses a callback button of a bot's inline keyboard, the
bot is told (an Update with `callback_query`), and its answerCallbackQuery comes back to
the person's client as a toast or an alert.

Theory of operation. The press is checked (the person can see the message, it is a
bot's, and it carries a button with that `callback_data`), then one entry is appended
to the bot's own update log: an `AccountEvent` (event `callback_query`, `key` the data,
`ticket` the query id), the same kind official accounts' menu clicks are. So a press is
as durable as a message: a bot that is down gets it when it comes back. The press
waits up to CALLBACK_WAIT_SECONDS for the answer, which crosses processes on the bus
(topic `tgcb:<bot id>:<query id>`, subscribed to before the entry is written); an answer
after that, or to a query nobody waits for, is accepted and dropped, as Telegram's
"query is too old" answers are harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Mapping

from microletter.core.events import AccountEvent
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Principal
from microletter.telegram.actions import Bots
from microletter.telegram.errors import BotBadRequest, ButtonNotFound
from microletter.telegram.rules import Bot

CALLBACK = "callback_query"
CALLBACK_WAIT_SECONDS = 10.0
MAX_ANSWER_TEXT = 200
QUERY_ID_RE = re.compile(r"[0-9a-f]{16}")
Answer = dict[str, object]
NO_ANSWER: Answer = {"answered": False, "text": "", "show_alert": False, "url": ""}


def answer_topic(bot_id: UserId, query_id: str) -> str:
    return f"tgcb:{bot_id}:{query_id}"


def has_button(data: Mapping[str, object] | None, callback_data: str) -> bool:
    """Whether a message's keyboard has a callback button with this data."""
    markup = (data or {}).get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, Mapping) else None
    if not isinstance(rows, list):
        return False
    return any(
        isinstance(b, Mapping) and b.get("callback_data") == callback_data
        for row in rows
        if isinstance(row, list)
        for b in row
    )


async def press(
    room: Bots, me: Principal, cid: ConversationId, seq: int, callback_data: str
) -> Answer:
    """A person pressed a callback button: the bot hears it; its answer, if it comes in
    time, is returned (else `answered: false`)."""
    ctx = room.ctx
    message = await ctx.store.message(me.user_id, cid, seq)
    if (
        message.recalled
        or not await room.is_bot(message.sender_id)
        or not has_button(message.data, callback_data)
    ):
        raise ButtonNotFound(conversation_id=cid, seq=seq)
    bot_id = message.sender_id
    query_id = secrets.token_hex(8)
    answered: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    def on_answer(item: object) -> None:
        if not answered.done():
            answered.set_result(item)

    subscription = ctx.bus.subscribe(answer_topic(bot_id, query_id), on_answer)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await subscription.ready()
        event = AccountEvent(
            bot_id, me.user_id, CALLBACK, key=callback_data, ticket=query_id,
            extra={"conversation_id": int(cid), "seq": seq},
        )  # fmt: skip
        await ctx.publish(await room.store.queue_event(bot_id, event, ctx.clock()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CALLBACK_WAIT_SECONDS):
                item = await answered
                if isinstance(item, Mapping):
                    return {**NO_ANSWER, **item, "answered": True}
    finally:
        subscription.close()
    return dict(NO_ANSWER)


async def answer(
    room: Bots, bot: Bot, query_id: str, text: str, show_alert: bool, url: str
) -> None:
    """answerCallbackQuery: hand the answer to the press waiting for it, if any."""
    if not QUERY_ID_RE.fullmatch(query_id):
        raise BotBadRequest("query is too old and response timeout expired or query ID is invalid")
    if len(text) > MAX_ANSWER_TEXT:
        raise BotBadRequest("MESSAGE_TOO_LONG")
    if url and not url.lower().startswith(("http://", "https://")):
        raise BotBadRequest("URL_INVALID")
    item = {"text": text, "show_alert": show_alert, "url": url}
    await room.ctx.bus.publish([(answer_topic(bot.id, query_id), item)])
