"""The real Telegram bot libraries, unmodified, against the real server: an echo bot
written with python-telegram-bot (base_url, base_file_url) and one with aiogram (its
TelegramAPIServer), each answering a person who writes through microletter's SDK; and
webhooks, pushed with the secret-token header and retried until acknowledged."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import Message as AiogramMessage
from aiohttp import web
from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, MessageHandler, filters

from tests.conftest import MakeClient
from tests.support.examples import load_example
from tests.support.media import opus_clip, picture
from tests.support.platform import FAST_PUSH, wait_history
from tests.support.telegram import bot_call, new_bot, polling, ptb_app, start


def texts(page: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in page if m.get("text")]


async def test_a_python_telegram_bot_echo_bot_answers_a_person(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)

    async def hello(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Hi! Say something.")

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text, do_quote=True)

    app = ptb_app(dev.base_url, token)
    app.add_handler(CommandHandler("start", hello))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        assert app.bot.username == "echo_bot"  # getMe, at initialize
        async with polling(app):
            cid = await start(ann, "echo_bot")
            await wait_history(ann, cid, lambda ms: "Hi! Say something." in texts(ms))
            await ann.send_text(cid, "marco")
            page = await wait_history(ann, cid, lambda ms: texts(ms).count("marco") == 2)
    echoed = [m for m in page if m["text"] == "marco"][-1]
    assert echoed["sender_id"] != (await ann.me())["id"]
    assert echoed["reply_to"] == [m for m in page if m["text"] == "marco"][0]["seq"]


async def test_an_aiogram_echo_bot_answers_a_person(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev, "parrot_bot", "Parrot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(dev.base_url))
    bot = AiogramBot(token, session=session)
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def hello(message: AiogramMessage) -> None:
        await message.answer(f"Hello, {message.from_user.first_name if message.from_user else ''}!")

    @dp.message()
    async def echo(message: AiogramMessage) -> None:
        await message.send_copy(chat_id=message.chat.id)

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        cid = await start(ann, "parrot_bot")
        await wait_history(ann, cid, lambda ms: "Hello, ann!" in texts(ms))
        await ann.send_text(cid, "polly")
        await wait_history(ann, cid, lambda ms: texts(ms).count("polly") == 2)
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()


@pytest.mark.settings(**FAST_PUSH)
async def test_webhooks_carry_the_secret_and_are_retried_until_acknowledged(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    received: list[tuple[str, dict[str, Any]]] = []
    failures = [500]  # the first push fails; it must come again

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), body))
        if failures:
            return web.Response(status=failures.pop())
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        url = f"http://127.0.0.1:{port}/hook"
        status, body = await bot_call(
            dev.base_url, token, "setWebhook", url=url, secret_token="s3cret"
        )
        assert (status, body) == (200, {"ok": True, "result": True})
        conflict = await bot_call(dev.base_url, token, "getUpdates")
        assert conflict[0] == 409 and conflict[1]["description"].startswith("Conflict:")
        await start(ann, "echo_bot")
        async with asyncio.timeout(15):
            while len(received) < 2:
                await asyncio.sleep(0.05)
        assert received[0] == received[1]  # the failed push came again, unchanged
        secret, update = received[1]
        assert secret == "s3cret" and update["message"]["text"] == "/start"
        info = (await bot_call(dev.base_url, token, "getWebhookInfo"))[1]["result"]
        assert info["url"] == url and info["last_error_message"].endswith("500")
        async with asyncio.timeout(5):
            while (await bot_call(dev.base_url, token, "getWebhookInfo"))[1]["result"][
                "pending_update_count"
            ]:
                await asyncio.sleep(0.05)
        refused = await bot_call(dev.base_url, token, "setWebhook", url="ftp://example.com/x")
        assert refused[0] == 400 and refused[1]["description"].startswith(
            "Bad Request: bad webhook"
        )
        assert (await bot_call(dev.base_url, token, "deleteWebhook"))[1]["result"] is True
        assert (await bot_call(dev.base_url, token, "getUpdates"))[0] == 200
    finally:
        await runner.cleanup()
    assert json.dumps(received)  # plain JSON, as a bot's framework parses it


async def test_a_bot_hears_a_voice_note_downloads_it_and_answers_with_a_photo(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev, "camera_bot", "Camera")
    clip, photo = opus_clip(1.0), picture((64, 48))
    heard: list[bytes] = []

    async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.voice is not None
        file = await context.bot.get_file(message.voice.file_id)
        heard.append(bytes(await file.download_as_bytearray()))
        await message.reply_photo(photo, caption="Here is a picture for your voice")

    app = ptb_app(dev.base_url, token)
    app.add_handler(MessageHandler(filters.VOICE, on_voice))
    async with app:
        async with polling(app):
            cid = await start(ann, "camera_bot")
            media = await ann.upload(clip, "voice", "hello.webm")
            await ann.send_media(cid, media, kind="voice")
            page = await wait_history(ann, cid, lambda ms: any(m["kind"] == "image" for m in ms))
    assert heard == [clip]  # the bot fetched the very bytes through getFile
    answer = next(m for m in page if m["kind"] == "image")
    assert answer["text"] == "Here is a picture for your voice"
    assert answer["data"]["media"]["width"] == 64 and answer["data"]["media"]["height"] == 48
    # a file the bot cannot see is not its to fetch
    status, body = await bot_call(dev.base_url, token, "getFile", file_id="0" * 64)
    assert status == 400 and body["description"].startswith("Bad Request: wrong file identifier")


async def test_the_example_bot_publishes_its_commands_and_echoes(clients: MakeClient) -> None:
    module = load_example("telegram_bot.py", "telegram_bot_example")
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    app = module.build(dev.base_url, token)
    async with app:
        await app.post_init(app)  # run by run_polling; here the test drives the steps
        async with polling(app):
            cid = await start(ann, "echo_bot")
            await wait_history(
                ann, cid, lambda ms: "Hello, ann! I repeat what you say." in texts(ms)
            )
            await ann.send_text(cid, "ping")
            await wait_history(ann, cid, lambda ms: texts(ms).count("ping") == 2)
    commands = (await bot_call(dev.base_url, token, "getMyCommands"))[1]["result"]
    assert [c["command"] for c in commands] == ["start", "help", "menu"]
