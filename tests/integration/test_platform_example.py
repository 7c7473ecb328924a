"""The example bot of docs/platform.md works against a real server, as documented."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.conftest import MakeClient
from tests.support.examples import load_example
from tests.support.platform import FAST_PUSH, follow, from_account, new_account, wait_history
from tests.support.wechat import sdk

# The open platform's store is SQLite-only so far (docs/ARCHITECTURE.md, Deferred).
pytestmark = pytest.mark.settings(**FAST_PUSH)


async def test_the_example_weather_bot_answers_in_safe_mode(clients: MakeClient) -> None:
    bot = load_example("weather_bot.py", "weather_bot")
    dev = await clients("dev")
    made = await new_account(dev, "Weather")
    account = made["account"]
    runner = web.AppRunner(
        bot.make_app(account["token"], account["encoding_aes_key"], account["appid"])
    )
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/wechat"
    try:
        await dev.call(
            "PUT",
            f"/api/v1/developer/accounts/{account['id']}/webhook",
            {"url": url, "mode": "safe"},
        )
        client = bot.wechat_client(dev.base_url, account["appid"], made["appsecret"])
        assert (await sdk(client.menu.create, bot.MENU))["errcode"] == 0
        alice = await clients("alice")
        cid = await follow(alice, account["id"])
        await alice.send_text(cid, "weather Paris")
        pressed = await alice.call(
            "POST", f"/api/v1/official-accounts/{account['id']}/menu/press", {"button": [1, 0]}
        )
        assert pressed["answers"] is True  # it has a webhook
        page = await wait_history(alice, cid, lambda p: len(from_account(p, account["id"])) == 3)
        welcome, card, cities = from_account(page, account["id"])
        assert welcome["text"].startswith("Welcome!")
        assert card["kind"] == "news"
        assert card["data"]["articles"][0]["title"] == "Paris: light rain, 14°C"
        assert cities["text"] == "I know: beijing, lima, paris"
    finally:
        await runner.cleanup()
