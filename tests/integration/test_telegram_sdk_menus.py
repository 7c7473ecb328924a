"""The real Telegram bot libraries, unmodified, with menus: a python-telegram-bot bot
whose inline keyboard a person presses (CallbackQueryHandler answers, then edits the
message), and an aiogram bot in a group in privacy mode that answers a command with a
formatted menu, hears the press, alerts and edits, and deletes its message."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import Command
from aiogram.types import CallbackQuery as AiogramCallback
from aiogram.types import InlineKeyboardButton as AiogramButton
from aiogram.types import InlineKeyboardMarkup as AiogramKeyboard
from aiogram.types import Message as AiogramMessage
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode as PtbParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.examples import load_example
from tests.support.platform import wait_history
from tests.support.telegram import new_bot, polling, ptb_app, start


def by_text(page: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    return next((m for m in page if m.get("text") == text), None)


async def press(person: Client, cid: int, seq: int, data: str) -> dict[str, Any]:
    answer: dict[str, Any] = await person.call(
        "POST", "/api/v1/telegram/callbacks", {"conversation_id": cid, "seq": seq, "data": data}
    )
    return answer


async def test_a_python_telegram_bot_menu_answers_a_press_and_edits_its_message(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev, "cafe_bot", "Cafe")

    async def menu(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = [
            [
                InlineKeyboardButton("Coffee", callback_data="coffee"),
                InlineKeyboardButton("Tea", callback_data="tea"),
            ],
            [InlineKeyboardButton("Our site", url="https://example.com/cafe")],
        ]
        await update.effective_message.reply_text(
            "What would you like?", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def chosen(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer(f"One {query.data} coming up")
        await query.edit_message_text(
            f"You chose <b>{query.data}</b>", parse_mode=PtbParseMode.HTML
        )

    app = ptb_app(dev.base_url, token)
    app.add_handler(CommandHandler("start", menu))
    app.add_handler(CallbackQueryHandler(chosen))
    async with app:
        async with polling(app):
            cid = await start(ann, "cafe_bot")
            page = await wait_history(
                ann, cid, lambda ms: by_text(ms, "What would you like?") is not None
            )
            shown = by_text(page, "What would you like?")
            assert shown is not None
            rows = shown["data"]["reply_markup"]["inline_keyboard"]
            assert [b["text"] for b in rows[0]] == ["Coffee", "Tea"]
            assert rows[1][0]["url"] == "https://example.com/cafe"
            answer = await press(ann, cid, shown["seq"], "tea")
            assert answer == {
                "answered": True, "text": "One tea coming up", "show_alert": False, "url": "",
            }  # fmt: skip
            page = await wait_history(ann, cid, lambda ms: by_text(ms, "You chose tea") is not None)
    edited = by_text(page, "You chose tea")
    assert edited is not None and edited["seq"] == shown["seq"]  # the same message, in place
    assert edited["data"]["entities"] == [{"type": "bold", "offset": 10, "length": 3}]
    assert "reply_markup" not in edited["data"] and edited["data"]["edited_at"] > 0
    changes = await ann.changes(0)
    assert [e["data"]["message"]["seq"] for e in changes["events"] if e["kind"] == "edit"] == [
        shown["seq"]
    ]


async def test_an_aiogram_bot_in_a_group_alerts_edits_and_deletes(clients: MakeClient) -> None:
    dev, ann, bob = await clients("dev"), await clients("ann"), await clients("bob")
    bot_out, token = await new_bot(dev, "poll_bot", "Poll")
    session = AiohttpSession(api=TelegramAPIServer.from_base(dev.base_url))
    bot = AiogramBot(
        token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
    dp = Dispatcher()
    heard: list[str] = []

    @dp.message(Command("vote"))
    async def vote(message: AiogramMessage) -> None:
        keyboard = AiogramKeyboard(
            inline_keyboard=[
                [
                    AiogramButton(text="Yes", callback_data="yes"),
                    AiogramButton(text="No", callback_data="no"),
                ]
            ]
        )
        await message.answer("<i>Lunch at noon?</i>", reply_markup=keyboard)

    @dp.message(Command("scratch"))
    async def scratch(message: AiogramMessage) -> None:
        said = await message.answer("oops")
        await bot.delete_message(chat_id=message.chat.id, message_id=said.message_id)

    @dp.message()
    async def other(message: AiogramMessage) -> None:
        heard.append(message.text or "")

    @dp.callback_query()
    async def voted(callback: AiogramCallback) -> None:
        assert callback.message is not None and isinstance(callback.message, AiogramMessage)
        name = callback.from_user.first_name
        await callback.answer(f"Thanks, {name}", show_alert=True)
        await callback.message.edit_text(
            f"Lunch at noon? <b>{callback.data}</b> from {name}",
            reply_markup=callback.message.reply_markup,
        )

    await start(ann, "poll_bot")
    await befriend(ann, bob)
    made = await ann.create_group("Lunch", [bot_out["id"], int((await bob.me())["id"])])
    gid = int(made["conversation"]["id"])
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await bob.send_text(gid, "just chatting")  # privacy mode: the bot does not see this
        await bob.send_text(gid, "/vote")
        page = await wait_history(bob, gid, lambda ms: by_text(ms, "Lunch at noon?") is not None)
        poll = by_text(page, "Lunch at noon?")
        assert poll is not None
        assert poll["data"]["entities"] == [{"type": "italic", "offset": 0, "length": 14}]
        answer = await press(bob, gid, poll["seq"], "yes")
        assert answer["answered"] is True and answer["show_alert"] is True
        assert answer["text"] == "Thanks, bob"
        page = await wait_history(
            ann, gid, lambda ms: by_text(ms, "Lunch at noon? yes from bob") is not None
        )
        edited = by_text(page, "Lunch at noon? yes from bob")
        assert edited is not None and edited["seq"] == poll["seq"]
        assert edited["data"]["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "no"
        assert edited["data"]["entities"] == [{"type": "bold", "offset": 15, "length": 3}]
        await bob.send_text(gid, "/scratch")  # the bot says "oops" and deletes it
        bot_id = bot_out["id"]
        page = await wait_history(
            ann, gid, lambda ms: any(m["recalled"] and m["sender_id"] == bot_id for m in ms)
        )
        assert by_text(page, "oops") is None
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()
    assert heard == ["/start"]  # the private /start; "just chatting" never reached it


async def test_the_example_bots_menu_answers_and_edits(clients: MakeClient) -> None:
    module = load_example("telegram_bot.py", "telegram_menu_example")
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    app = module.build(dev.base_url, token)
    async with app:
        async with polling(app):
            cid = await start(ann, "echo_bot")
            await ann.send_text(cid, "/menu")
            page = await wait_history(
                ann, cid, lambda ms: by_text(ms, "What would you like?") is not None
            )
            shown = by_text(page, "What would you like?")
            assert shown is not None
            answer = await press(ann, cid, shown["seq"], "juice")
            assert answer["text"] == "One juice coming up"
            page = await wait_history(
                ann, cid, lambda ms: by_text(ms, "You picked juice. Another?") is not None
            )
    edited = by_text(page, "You picked juice. Another?")
    assert edited is not None and edited["seq"] == shown["seq"]
    assert len(edited["data"]["reply_markup"]["inline_keyboard"][0]) == 3
