"""The developer console and the user side of official accounts over /api/v1: owners
only, menus and their preview, search, profiles, follow and unfollow in the chat list,
QR codes, and broadcasts that devices learn of without a log row per follower."""

from __future__ import annotations

import asyncio

import pytest

from microletter.client import ApiError
from tests.conftest import MakeClient
from tests.support.platform import follow, new_account
from tests.support.rest import fails

# The open platform's store is SQLite-only so far (docs/ARCHITECTURE.md, Deferred).


MENU = {"button": [{"type": "click", "name": "Today", "key": "TODAY"}]}


async def test_only_the_developer_manages_an_account(clients: MakeClient) -> None:
    dev, mallory = await clients("dev"), await clients("mallory")
    made = await new_account(dev, "Weather", description="forecasts")
    account = made["account"]
    assert account["appid"].startswith("wx") and len(account["appid"]) == 18
    assert account["original_id"].startswith("gh_") and len(account["encoding_aes_key"]) == 43
    assert len(made["appsecret"]) == 32 and "appsecret" not in account
    path = f"/api/v1/developer/accounts/{account['id']}"
    for method, sub, body in [
        ("GET", "", None),
        ("PATCH", "", {"name": "Mine now"}),
        ("POST", "/secret", None),
        ("PUT", "/menu", MENU),
        ("POST", "/broadcasts", {"text": "spam"}),
        ("POST", "/qrcodes", {}),
        ("PUT", "/webhook", {"url": "https://example.com/"}),
    ]:
        await fails(mallory.call(method, path + sub, body), "platform.not_owner", 403)
    mine = await dev.call("GET", "/api/v1/developer/accounts")
    assert [a["id"] for a in mine["accounts"]] == [account["id"]]
    assert (await mallory.call("GET", "/api/v1/developer/accounts"))["accounts"] == []
    renamed = await dev.call("PATCH", path, {"name": "Weather+", "avatar": "https://e.com/a.png"})
    assert renamed["account"]["name"] == "Weather+"
    await fails(dev.call("PATCH", path, {"avatar": "javascript:alert(1)"}), "invalid_input", 400)
    fresh = await dev.call("POST", path + "/secret")
    assert fresh["appsecret"] != made["appsecret"]


@pytest.mark.settings(oa_accounts_per_owner=2)
async def test_a_developer_has_a_limited_number_of_accounts(clients: MakeClient) -> None:
    dev = await clients("dev")
    await new_account(dev, "One")
    await new_account(dev, "Two")
    await fails(new_account(dev, "Three"), "platform.account_limit", 409)
    await fails(new_account(dev, "   "), "invalid_input", 400)


async def test_a_menu_is_previewed_saved_and_shown_to_followers(clients: MakeClient) -> None:
    dev, alice = await clients("dev"), await clients("alice")
    made = await new_account(dev)
    aid = made["account"]["id"]
    preview = await dev.call("POST", "/api/v1/developer/menu-preview", MENU)
    assert preview["menu"] == [{"type": "click", "name": "Today", "key": "TODAY", "sub_button": []}]
    bad_menus: list[dict[str, object]] = [
        {"button": []},
        {"button": [{"type": "click", "name": "x"}]},
        {"button": [{"type": "view", "name": "x", "url": "javascript:alert(1)"}]},
        {"button": [{"type": "teleport", "name": "x", "key": "k"}]},
        {"button": [{"name": "x", "sub_button": [{"type": "click", "name": "y", "key": "k"}] * 6}]},
    ]
    for bad in bad_menus:
        await fails(
            dev.call("POST", "/api/v1/developer/menu-preview", bad), "platform.menu_invalid", 400
        )
    await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/menu", MENU)
    profile = await alice.call("GET", f"/api/v1/official-accounts/{aid}")
    assert profile["account"]["menu"] == MENU["button"]
    assert (profile["following"], profile["conversation_id"]) == (False, None)
    await fails(
        alice.call("POST", f"/api/v1/official-accounts/{aid}/menu/press", {"button": [0]}),
        "platform.not_following",
        403,
    )
    await follow(alice, aid)
    await fails(
        alice.call("POST", f"/api/v1/official-accounts/{aid}/menu/press", {"button": [2]}),
        "platform.menu_invalid",
        400,
    )
    # No webhook yet: nobody will answer the press, and the client is told so.
    pressed = await alice.call(
        "POST", f"/api/v1/official-accounts/{aid}/menu/press", {"button": [0]}
    )
    assert (pressed["event"], pressed["answers"]) == ("CLICK", False)


async def test_people_find_follow_and_unfollow_accounts(clients: MakeClient) -> None:
    dev, alice = await clients("dev"), await clients("alice")
    weather = (await new_account(dev, "Weather Station"))["account"]
    await new_account(dev, "News 100%")
    found = await alice.call("GET", "/api/v1/official-accounts", None, q="weather")
    assert [a["name"] for a in found["accounts"]] == ["Weather Station"]
    assert (await alice.call("GET", "/api/v1/official-accounts", None, q="%"))["accounts"][0][
        "name"
    ] == "News 100%"
    by_id = await alice.call("GET", "/api/v1/official-accounts", None, q=weather["appid"])
    assert [a["id"] for a in by_id["accounts"]] == [weather["id"]]
    cid = await follow(alice, weather["id"])
    assert await follow(alice, weather["id"]) == cid  # following twice changes nothing
    chats = await alice.call("GET", "/api/v1/conversations")
    (view,) = chats["conversations"]
    assert (
        view["conversation"]["kind"] == "official"
        and view["conversation"]["owner_id"] == weather["id"]
    )
    assert view["peer"]["username"] == weather["original_id"]
    changes = await alice.call("GET", "/api/v1/sync/changes", None, after=0)
    (joined,) = [e for e in changes["events"] if e["kind"] == "conversation"]
    assert joined["data"]["peer"]["display_name"] == "Weather Station"
    assert view["peer"]["display_name"] == "Weather Station"
    assert [
        a["id"]
        for a in (await alice.call("GET", "/api/v1/official-accounts/following"))["accounts"]
    ] == [weather["id"]]
    await alice.call("DELETE", f"/api/v1/official-accounts/{weather['id']}/follow")
    assert (await alice.call("GET", "/api/v1/conversations"))["conversations"] == []
    await fails(alice.send_text(cid, "hello?"), "conversation.not_member", 403)
    assert (await alice.call("GET", "/api/v1/official-accounts/following"))["accounts"] == []
    again = await follow(alice, weather["id"])
    assert again == cid  # the same conversation, re-joined
    await fails(
        alice.call("PUT", "/api/v1/official-accounts/12345/follow", {}),
        "platform.account_not_found",
        404,
    )
    # Nobody logs in as an account.
    with pytest.raises(ApiError) as caught:
        await (await clients()).login(weather["original_id"], "!")
    assert caught.value.code == "auth.bad_credentials"


async def test_the_account_s_own_code_follows_without_a_scene(clients: MakeClient) -> None:
    dev, alice = await clients("dev"), await clients("alice")
    aid = (await new_account(dev))["account"]["id"]
    code = await dev.call("POST", f"/api/v1/developer/accounts/{aid}/qrcodes", {})
    assert code["scene"] == "" and code["expires_at"] is None
    assert (await dev.call("POST", f"/api/v1/developer/accounts/{aid}/qrcodes", {}))[
        "ticket"
    ] == code["ticket"]
    async with alice.session.get(code["image_url"]) as image:
        assert image.status == 200 and (await image.read()).startswith(b"\x89PNG")
    async with alice.session.get(code["url"], allow_redirects=False) as link:
        assert link.status == 200 and link.content_type == "text/html"  # the web client
    scanned = await alice.call("POST", f"/api/v1/qrcodes/{code['ticket']}/scan")
    assert scanned["account"]["id"] == aid
    await fails(alice.call("GET", "/api/v1/qrcodes/nosuchticket"), "platform.qrcode_not_found", 404)


async def test_devices_learn_of_broadcasts_from_hints_and_fetch_them(clients: MakeClient) -> None:
    dev, alice = await clients("dev"), await clients("alice")
    aid = (await new_account(dev))["account"]["id"]
    cid = await follow(alice, aid)
    state = await alice.call("GET", "/api/v1/sync/state")
    live = alice.realtime(cursor=state["cursor"])
    await live.start()
    try:
        await asyncio.wait_for(live.synced.wait(), 5)
        post = await dev.call(
            "POST", f"/api/v1/developer/accounts/{aid}/broadcasts", {"text": "Storm at 5"}
        )
        assert post["post"]["seq"] == 1
        hint = await live.next_event()
        assert hint["kind"] == "channel" and hint["seq"] is None
        assert (
            hint["data"]["channel_id"],
            hint["data"]["conversation_id"],
            hint["data"]["head"],
        ) == (aid, cid, 1)
        assert live.cursor == state["cursor"]  # nothing entered the update log
        posts = await alice.call(
            "GET", f"/api/v1/official-accounts/{aid}/broadcasts", None, after=0
        )
        assert [(p["seq"], p["text"], p["kind"]) for p in posts["posts"]] == [
            (1, "Storm at 5", "text")
        ]
        read = await alice.call(
            "POST", f"/api/v1/official-accounts/{aid}/broadcasts/read", {"seq": 9}
        )
        assert read["read_seq"] == 1
        # A device that connects later is told the head right away.
        later = alice.realtime(cursor=state["cursor"])
        await later.start()
        try:
            again = await later.next_event()
            assert again["kind"] == "channel" and again["data"]["head"] == 1
        finally:
            await later.close()
        # Unfollowing stops the hints.
        await alice.call("DELETE", f"/api/v1/official-accounts/{aid}/follow")
        left = await live.next_event()
        assert left["kind"] == "left"
        await dev.call("POST", f"/api/v1/developer/accounts/{aid}/broadcasts", {"text": "second"})
        await asyncio.sleep(0.2)
        assert all(e["kind"] != "channel" for e in live.pending_events())
        await fails(
            alice.call("GET", f"/api/v1/official-accounts/{aid}/broadcasts"),
            "platform.not_following",
            403,
        )
    finally:
        await live.close()
