"""Helpers for Telegram Bot API tests: make a bot, start it, call its methods raw."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import aiohttp

from microletter.client import Client

if TYPE_CHECKING:
    from telegram.ext import Application

Json = dict[str, Any]


async def new_bot(dev: Client, username: str = "echo_bot", name: str = "Echo") -> tuple[Json, str]:
    """(the bot as the console shows it, its token)."""
    made: Json = await dev.call(
        "POST", "/api/v1/telegram/bots", {"username": username, "name": name}
    )
    return made["bot"], str(made["token"])


async def start(person: Client, username: str) -> int:
    """The person starts the bot; returns their private conversation with it."""
    reply = await person.call("POST", "/api/v1/telegram/start", {"username": username})
    return int(reply["conversation"]["id"])


async def bot_call(
    base_url: str, token: str, method: str, http: str = "POST", **params: Any
) -> tuple[int, Json]:
    """Call a method with a JSON body (or GET with a query string): (status, body)."""
    async with aiohttp.ClientSession() as session:
        url = f"{base_url}/bot{token}/{method}"
        if http == "GET":
            query = {k: str(v) for k, v in params.items()}
            async with session.get(url, params=query) as response:
                return response.status, await response.json()
        async with session.post(url, json=params) as response:
            return response.status, await response.json()


async def user_id(person: Client) -> int:
    return int((await person.me())["id"])


def ptb_app(base_url: str, token: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application that talks to this server instead of Telegram's."""
    from telegram.ext import Application

    return (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .build()
    )


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Inside `async with app`: start the app and its long polling as `run_polling` does,
    and stop both on the way out."""
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
