"""The example H5 page (examples/h5page/) end to end in Chromium, on its own origin with
its own server on the unmodified wechatpy: opened as a web page, it logs the person in
with OAuth (the consent screen, then their nickname); run as a mini app inside the
client, it configures the JS-SDK, logs in with wx.login(), shares a card into a chat,
sends a chosen picture to its server (uploadImage, then media.download), records a voice
note with Chromium's fake microphone and sends it the same way (startRecord, stopRecord,
uploadVoice), and sells tea through chooseWXPay, whose paySign the pay sheet checks."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import expect

from tests.browser.conftest import OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.media import picture
from tests.support.platform import new_account, register_domains
from tests.support.rest import uid

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "h5page" / "server.py"
pytestmark = pytest.mark.settings(operators=("root",), oa_allow_private_webhooks=True)


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("h5page", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def tea_site(clients: MakeClient) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    """(the example's Shop, listening on 127.0.0.1, and its registered mini app)."""
    example = load_example()
    dev = await clients("dev")
    made = await new_account(dev, "Tea Corner")
    account = made["account"]
    issued = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/merchant/key")
    merchant = (issued["merchant"]["mch_id"], issued["api_key"])
    shop = example.Shop(dev.base_url, "", account["appid"], made["appsecret"], merchant)
    runner = web.AppRunner(example.make_app(shop), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    shop.listen_at(f"http://127.0.0.1:{port}")
    await register_domains(dev, made, "127.0.0.1")
    app = (
        await dev.call(
            "POST",
            f"/api/v1/developer/accounts/{account['id']}/miniapps",
            {
                "name": "Tea Corner",
                "entry_url": f"{shop.origin}/",
                "domains": [f"127.0.0.1:{port}"],
            },
        )
    )["app"]
    yield shop, app
    await runner.cleanup()


async def test_the_example_h5_page_logs_in_shares_uploads_and_sells(
    clients: MakeClient, open_app: OpenApp, tea_site: tuple[Any, dict[str, Any]]
) -> None:
    shop, app = tea_site
    root, alice, bob = await clients("root"), await clients("alice"), await clients("bob")
    await root.admin_adjust(uid(alice), 10_000, "welcome", "fund-alice")
    await alice.set_pay_password(PASSWORD, "123456")
    await befriend(alice, bob)
    page = await open_app()
    await login(page, "alice")

    # As a web page: OAuth (snsapi_userinfo) through the consent screen, then the nickname.
    await page.goto(f"{shop.origin}/login")
    await expect(page.locator(".consent-name")).to_have_text("Tea Corner")
    await page.locator("#consent-allow").click()
    await expect(page.locator("#who")).to_have_text("Hello, alice")
    assert "session=" in page.url and len(shop.sessions) == 1

    # As a mini app inside the client: the JS-SDK, wx.login(), share, a picture, pay.
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#status")).to_have_text("Ready")
    await expect(frame.locator("#who")).to_have_text("Logged in")
    await frame.locator("#share").click()
    await expect(frame.locator("#shared")).to_contain_text("Share")
    await page.locator(".miniapp-more").click()
    await page.get_by_role("button", name="Share to a chat").click()
    await page.locator(".miniapp-share .pick-row", has_text="bob").click()
    await expect(page.locator(".toast", has_text="Shared")).to_be_visible()

    await frame.locator("#choose").click()
    async with page.expect_file_chooser() as chooser:
        await page.locator("#miniapp-pick").click()
    await (await chooser.value).set_files(
        {"name": "cup.png", "mimeType": "image/png", "buffer": picture()}
    )
    await frame.locator("#upload").click()
    await expect(frame.locator("#uploaded")).to_contain_text("The shop got")
    assert len(shop.pictures) == 1 and shop.pictures[0][:4] == b"\x89PNG"

    await frame.locator("#record").click()
    await page.get_by_role("button", name="Allow").click()  # the client asks, not the frame
    await expect(frame.locator("#voice")).to_have_text("Recording…")
    await page.wait_for_function(
        "() => Number(document.querySelector('#miniapp-recording')?.dataset.ms) >= 1300"
    )
    await frame.locator("#stop").click()
    await expect(frame.locator("#voice")).to_have_text("Recorded")
    await frame.locator("#send-voice").click()
    await expect(frame.locator("#voice")).to_contain_text("The shop got a voice note of")
    ((kind, voice),) = shop.voices
    assert kind == "audio/webm" and voice[:4] == b"\x1a\x45\xdf\xa3"

    await frame.locator("#pay").click()
    await expect(page.locator(".paysheet-item")).to_have_text("Longjing, 50 g")
    await page.locator("#pay-password").fill("123456")
    await page.locator("#pay-submit").click()
    await expect(page.locator("#pay-status")).to_be_visible()
    await page.locator(".paysheet .btn-primary").click()
    await expect(frame.locator("#paid")).to_have_text("Paid, thank you!")
    await shot(page, "h5page-example")
    assert (await alice.wallet())["balance"] == 10_000 - 4800

    # Bob got the card; it opens the page where it was shared from.
    history = await bob.history((await bob.conversations())[0]["conversation"]["id"])
    [card] = [m for m in history if m["kind"] == "app"]
    assert card["data"]["title"] == "A cup of Longjing?"
    assert card["data"]["path"] == f"{shop.origin}/?from=share"
    no_page_errors(page)
