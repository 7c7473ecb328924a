"""Helpers for open-platform tests: make an official account, connect a bot, follow,
and wait for what a follower sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from microletter.client import Client
from tests.support.bot import Bot

Json = dict[str, Any]
FAST_PUSH: Json = {"oa_allow_private_webhooks": True, "oa_webhook_timeout": 2.0}


async def new_account(dev: Client, name: str = "Weather Bot", **fields: Any) -> Json:
    """{"account": {...}, "appsecret": "..."} of a new official account of `dev`."""
    made: Json = await dev.call("POST", "/api/v1/developer/accounts", {"name": name, **fields})
    return made


async def register_domains(dev: Client, made: Json, *domains: str) -> Json:
    """Register the account's web-authorization domains (OAuth redirects go only there);
    returns the account as the console shows it."""
    account = made["account"]
    reply: Json = await dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{account['id']}/oauth-domains",
        {"domains": list(domains)},
    )
    return dict(reply["account"])


async def connect(dev: Client, made: Json, mode: str = "plaintext") -> Bot:
    """Start a bot with the account's credentials and save it as the webhook."""
    account = made["account"]
    bot = Bot(account["token"], account["encoding_aes_key"], account["appid"])
    url = await bot.start()
    await dev.call(
        "PUT", f"/api/v1/developer/accounts/{account['id']}/webhook", {"url": url, "mode": mode}
    )
    return bot


async def follow(person: Client, account_id: int, scene: str = "search") -> int:
    """Follow; return the person's conversation with the account."""
    reply = await person.call(
        "PUT", f"/api/v1/official-accounts/{account_id}/follow", {"scene": scene}
    )
    return int(reply["conversation"]["conversation"]["id"])


async def wait_history(
    person: Client, cid: int, ready: Callable[[list[Json]], bool], timeout: float = 10.0
) -> list[Json]:
    """Poll the conversation's history until `ready` says yes."""
    async with asyncio.timeout(timeout):
        while True:
            page: list[Json] = await person.history(cid)
            if ready(page):
                return page
            await asyncio.sleep(0.02)


def from_account(page: list[Json], account_id: int) -> list[Json]:
    return [m for m in page if m["sender_id"] == account_id and m["kind"] != "system"]


def notes(page: list[Json], action: str) -> list[Json]:
    return [m for m in page if m["kind"] == "system" and m["data"]["action"] == action]
