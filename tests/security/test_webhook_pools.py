"""Webhooks that accept a connection and never answer cannot delay another account's
pushes (issue 11). All webhooks shared one pool of 256 connections (16 per host): one
developer's accounts whose webhooks hang held all of it, and an honest account's push
waited for a connection until the hanging ones timed out. Now each account pushes on a
pool of its own, of `oa_push_concurrency` connections."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from microletter.client import Client
from tests.conftest import MakeClient
from tests.support.bot import Bot
from tests.support.platform import FAST_PUSH, follow, new_account

HOSTS = 17  # ports: 17 x 16 per host is more than the old pool's 256
ACCOUNTS = 33  # x 8 pushes in flight each = 264 hanging pushes
FOLLOWERS = 8  # one lane per follower: 8 followers fill an account's 8 slots
TIMEOUT = 10.0  # the webhooks' timeout: how long a hanging push holds its connection

pytestmark = pytest.mark.settings(
    **{**FAST_PUSH, "oa_webhook_timeout": TIMEOUT, "oa_webhook_attempts": 1},
    oa_accounts_per_owner=ACCOUNTS,
)


class Tarpit:
    """Webhooks on HOSTS ports that pass the handshake, then take every push and never
    answer it."""

    def __init__(self) -> None:
        self.hanging = 0
        self.release = asyncio.Event()
        self.ports: list[int] = []
        self._runner: web.AppRunner | None = None

    async def hook(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":  # the handshake: answer with the echostr
            return web.Response(text=request.query.get("echostr", ""))
        self.hanging += 1
        try:
            await self.release.wait()
        finally:
            self.hanging -= 1
        return web.Response(text="success")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/hook", self.hook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        for _ in range(HOSTS):
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
        self.ports = [address[1] for address in self._runner.addresses]

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def tarpit() -> AsyncIterator[Tarpit]:
    pit = Tarpit()
    await pit.start()
    yield pit
    await pit.stop()


async def test_an_honest_push_stays_fast_while_another_accounts_webhooks_hang(
    clients: MakeClient, tarpit: Tarpit
) -> None:
    honest_dev, mallory = await clients("olivia"), await clients("mallory")
    honest = await new_account(honest_dev, "Honest News")
    # Its server closes connections after answering (as many do), so no idle connection
    # of the handshake waits in a pool for its first push.
    account = honest["account"]
    bot = Bot(account["token"], account["encoding_aes_key"], account["appid"])
    bot.keep_alive = False
    await honest_dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{honest['account']['id']}/webhook",
        {"url": await bot.start()},
    )
    try:
        hostile = [await new_account(mallory, f"Tarpit {n}") for n in range(ACCOUNTS)]
        for n, made in enumerate(hostile):
            url = f"http://127.0.0.1:{tarpit.ports[n % HOSTS]}/hook"
            await mallory.call(
                "PUT", f"/api/v1/developer/accounts/{made['account']['id']}/webhook", {"url": url}
            )
        followers = [await clients(f"follower{n}") for n in range(FOLLOWERS)]
        await asyncio.gather(*(_follow_all(f, hostile) for f in followers))
        async with asyncio.timeout(TIMEOUT / 2):  # every follow's push is hanging now
            while tarpit.hanging < 256:
                await asyncio.sleep(0.02)

        alice = await clients("alice")
        started = time.monotonic()
        await follow(alice, honest["account"]["id"])
        (subscribed,) = await bot.wait_for(1, timeout=TIMEOUT)
        took = time.monotonic() - started
        assert subscribed.event == "subscribe"
        assert took < 2.0, f"the honest push took {took:.1f} s"
    finally:
        await bot.stop()


async def _follow_all(person: Client, accounts: list[dict[str, Any]]) -> None:
    for made in accounts:
        await follow(person, made["account"]["id"])
