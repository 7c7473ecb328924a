"""A social game end to end in Chromium: the example "Tap!" game (examples/minigame/),
served from its own origin by its own server, which logs players in and writes their
best scores to /wxa/set_user_storage with the unmodified wechatpy. Three friends play;
each page learns only its player's rank, the client draws the friend ranking in its own
panel (without the stranger who scored higher), a passed friend gets a "beaten" card in
their service notifications, which they can mute there, and the game's server has seen
nothing of anyone's friends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import FrameLocator, Page, expect

from tests.browser.conftest import OpenApp, login, no_page_errors, shot
from tests.conftest import MakeClient, befriend
from tests.support.examples import load_example
from tests.support.platform import new_account


@pytest.fixture
async def game_site(clients: MakeClient) -> AsyncIterator[tuple[Any, str, dict[str, Any]]]:
    """(the example's Game, its origin, the registered app)."""
    example = load_example("minigame/server.py", "minigame")
    dev = await clients("dev")
    made = await new_account(dev, "Tap Co")
    wechat = example.wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    game = example.Game(dev.base_url, wechat)
    runner = web.AppRunner(example.make_app(game))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    origin = f"http://127.0.0.1:{port}"
    app = (
        await dev.call(
            "POST",
            f"/api/v1/developer/accounts/{made['account']['id']}/miniapps",
            {"name": "Tap!", "entry_url": f"{origin}/", "domains": [f"127.0.0.1:{port}"]},
        )
    )["app"]
    yield game, origin, app
    await runner.cleanup()


async def play(page: Page, app: dict[str, Any], taps: int) -> FrameLocator:
    await page.goto(f"/#/app/{app['id']}")
    frame = page.frame_locator(".miniapp-frame")
    await expect(frame.locator("#status")).to_have_text("Ready")
    await frame.locator("#start").click()
    for _ in range(taps):
        await frame.locator("#tap").click()
    await frame.locator("#done").click()
    await expect(frame.locator("#status")).to_have_text(f"{taps} taps")
    return frame


async def test_friends_play_and_each_sees_the_right_ranking_the_game_never_sees(
    clients: MakeClient, open_app: OpenApp, game_site: tuple[Any, str, dict[str, Any]]
) -> None:
    game, _, app = game_site
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    dave = await clients("dave")
    await befriend(alice, bob)
    await befriend(alice, carol)
    best = json.dumps({"wxgame": {"score": 99}})  # a stranger's score: never in alice's list
    await dave.call(
        "POST",
        f"/api/v1/miniapps/{app['id']}/storage",
        {"kv_list": [{"key": "best", "value": best}]},
    )
    pages: dict[str, Page] = {}
    frames: dict[str, FrameLocator] = {}
    for name, taps in (("bob", 3), ("alice", 5), ("carol", 7)):
        pages[name] = page = await open_app()
        await login(page, name)
        frames[name] = await play(page, app, taps)
    await expect(frames["carol"].locator("#rank")).to_have_text("#1 of 2")
    # Each page learns its own place only.
    await pages["alice"].reload()
    alice_frame = pages["alice"].frame_locator(".miniapp-frame")
    await expect(alice_frame.locator("#rank")).to_have_text("#2 of 3")
    await pages["bob"].reload()
    await expect(pages["bob"].frame_locator(".miniapp-frame").locator("#rank")).to_have_text(
        "#2 of 2"
    )
    # The client draws alice's friend ranking in its own panel.
    await alice_frame.locator("#ranking").click()
    rows = pages["alice"].locator("#ranking-list .ranking-row")
    await expect(rows).to_have_count(3)
    await expect(rows.locator(".ranking-name")).to_have_text(["carol", "alice (you)", "bob"])
    await expect(rows.locator(".ranking-score")).to_have_text(["7", "5", "3"])
    await expect(pages["alice"].locator(".ranking-me .ranking-rank")).to_have_text("2")
    await pages["alice"].locator("#ranking-week").click()
    await expect(rows.locator(".ranking-score")).to_have_text(["7", "5", "3"])
    await shot(pages["alice"], "game-friend-ranking")
    await pages["alice"].locator("#ranking-close").click()
    await expect(pages["alice"].locator(".ranking-panel")).to_have_count(0)
    # Nothing of the ranking reached the page, and the game's server saw its players only.
    for frame in (alice_frame, frames["carol"]):
        body = await frame.locator("body").inner_text()
        assert "bob" not in body and "carol" not in body and "99" not in body
    seen = json.dumps(game.received)
    assert {r.get("errcode") for r in game.received if "errcode" in r} == {0}
    assert "bob" not in seen.lower() and "carol" not in seen.lower()
    assert sorted(r["openid"] for r in game.received if "openid" in r) == sorted(
        p["openid"] for p in game.players.values()
    )
    # Carol passed alice, who does not follow the game's account: one "beaten" card in her
    # service notifications, naming the game; nobody writes there; she mutes the game.
    page = pages["alice"]
    await page.goto("/#/chats")
    row = page.locator(".chat-row", has_text="Service Notifications")
    await expect(row.locator(".service-avatar")).to_be_visible()
    await expect(page.locator(".chat-row", has_text="Tap Co")).to_have_count(0)
    await row.click()
    await expect(page.locator(".conversation .topbar h1")).to_have_text("Service Notifications")
    card = page.locator(".service-row")
    await expect(card).to_have_count(1)
    await expect(card.locator(".service-name")).to_have_text("Tap!")
    await expect(card.locator(".service-kind")).to_have_text("Mini app")
    await expect(card.locator(".game-notice")).to_contain_text(
        "carol passed your best score in Tap!: 7."
    )
    await expect(card.locator(".game-notice-mute")).to_have_count(0)  # the card's own mute
    await expect(page.locator(".service-note")).to_be_visible()
    await expect(page.locator(".composer-input")).to_have_count(0)
    await shot(page, "service-notifications")
    await card.locator(".service-mute").click()
    await expect(page.locator(".toast")).to_contain_text("notices from Tap! here")
    mutes = await alice.call("GET", "/api/v1/service-notifications/mutes")
    assert [(m["source"], m["name"]) for m in mutes["mutes"]] == [(f"app:{app['id']}", "Tap!")]
    await card.locator(".service-open").click()
    await expect(page.locator(".miniapp-frame")).to_be_visible()
    no_page_errors(*pages.values())
