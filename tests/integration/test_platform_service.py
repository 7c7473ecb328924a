"""Auto-replies (set in the console, read with get_current_autoreply_info, the on-follow
answer given by the server), statistics from follows and unfollows (/datacube), and
JS-SDK tickets that are stored with their expiry so wx.config signatures can be checked;
driven by the unmodified wechatpy WeChatClient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wechatpy.exceptions import WeChatClientException

from microletter.app import Server
from microletter.platform.errors import JsSignatureInvalid
from microletter.platform.service import check_js_config
from tests.conftest import MakeClient
from tests.support.clock import Clock
from tests.support.platform import follow, from_account, new_account, wait_history
from tests.support.wechat import sdk, wechat_client

DAY_MS = 86_400_000
SETTINGS = {
    "on_follow": "Welcome!",
    "default": "We will answer soon.",
    "keywords": [
        {
            "name": "hours",
            "keywords": [
                {"text": "hours", "match": "contain"},
                {"text": "open?", "match": "equal"},
            ],
            "replies": ["9 to 5", "Closed on Sundays"],
        }
    ],
}


async def test_auto_replies_are_set_in_the_console_and_read_by_the_api(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    aid = made["account"]["id"]
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    empty = await sdk(client.message.get_autoreply_info)
    assert (empty["is_add_friend_reply_open"], empty["is_autoreply_open"]) == (0, 0)
    saved = await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/autoreplies", SETTINGS)
    assert saved["keywords"][0]["created_at"] > 0
    assert await dev.call("GET", f"/api/v1/developer/accounts/{aid}/autoreplies") == saved
    info = await sdk(client.message.get_autoreply_info)
    assert info["is_add_friend_reply_open"] == 1 and info["is_autoreply_open"] == 1
    assert info["add_friend_autoreply_info"] == {"type": "text", "content": "Welcome!"}
    assert info["message_default_autoreply_info"]["content"] == "We will answer soon."
    (rule,) = info["keyword_autoreply_info"]["list"]
    assert rule["rule_name"] == "hours" and rule["reply_mode"] == "reply_all"
    assert [k["match_mode"] for k in rule["keyword_list_info"]] == ["contain", "equal"]
    assert [r["content"] for r in rule["reply_list_info"]] == ["9 to 5", "Closed on Sundays"]
    # An account without a webhook greets new followers itself.
    alice = await clients("alice")
    cid = await follow(alice, aid)
    page = await wait_history(alice, cid, lambda p: bool(from_account(p, aid)))
    assert [m["text"] for m in from_account(page, aid)] == ["Welcome!"]
    # Someone else's account is not yours to configure.
    other = await clients("mallory")
    with pytest.raises(Exception, match="platform.not_owner"):
        await other.call("PUT", f"/api/v1/developer/accounts/{aid}/autoreplies", SETTINGS)
    bad = {"keywords": [{"keywords": [], "replies": ["x"]}]}
    with pytest.raises(Exception, match="invalid_input"):
        await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/autoreplies", bad)


async def test_without_a_webhook_keyword_and_default_replies_answer_followers(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    aid = (await new_account(dev))["account"]["id"]
    alice = await clients("alice")
    cid = await follow(alice, aid)
    await alice.send_text(cid, "what are your hours?")  # before any auto-reply: never answered
    await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/autoreplies", SETTINGS)
    await alice.send_text(cid, "What are your HOURS")  # no keyword: the default
    page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) >= 1)
    await alice.send_text(cid, "open?")  # an equal match: every reply of the rule
    page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) >= 3)
    await alice.send_text(cid, "are you open?")  # `equal` needs the whole text
    page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) >= 4)
    said = [m["text"] for m in sorted(from_account(page, aid), key=lambda m: m["seq"])]
    assert said == ["We will answer soon.", "9 to 5", "Closed on Sundays", "We will answer soon."]
    # Without a default, a text no rule matches goes unanswered; the answer to the next
    # one (the same follower's messages are served in order) shows it was passed over.
    ping = {"keywords": [{"name": "ping", "keywords": [{"text": "ping"}], "replies": ["pong"]}]}
    await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/autoreplies", ping)
    await alice.send_text(cid, "hours?")
    await alice.send_text(cid, "ping")
    page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) >= 5)
    said = [m["text"] for m in sorted(from_account(page, aid), key=lambda m: m["seq"])]
    assert said[4:] == ["pong"]


async def test_datacube_counts_follows_and_unfollows_per_day(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made = await new_account(dev)
    aid = made["account"]["id"]
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    ann, ben, cat = [await clients(n) for n in ("ann", "ben", "cat")]
    day1 = datetime.fromtimestamp(clock.now / 1000, UTC).date()
    await follow(ann, aid, "search")
    await follow(ben, aid, "profile")
    clock.advance(DAY_MS)
    await follow(cat, aid, "search")
    await ann.call("DELETE", f"/api/v1/official-accounts/{aid}/follow")
    clock.advance(DAY_MS)
    day2 = day1 + timedelta(days=1)
    summary = await sdk(client.datacube.get_user_summary, day1, day2)
    rows = {(r["ref_date"], r["user_source"]): (r["new_user"], r["cancel_user"]) for r in summary}
    assert rows == {
        (day1.isoformat(), 0): (0, 0),
        (day1.isoformat(), 1): (1, 0),  # search
        (day1.isoformat(), 17): (1, 0),  # profile card
        (day2.isoformat(), 0): (0, 1),
        (day2.isoformat(), 1): (1, 0),
    }
    cumulate = await sdk(client.datacube.get_user_cumulate, day1 - timedelta(days=1), day2)
    assert [r["cumulate_user"] for r in cumulate] == [0, 2, 2]
    only_day2 = await sdk(client.datacube.get_user_cumulate, day2, day2)
    assert only_day2 == [{"ref_date": day2.isoformat(), "cumulate_user": 2}]
    today = day2 + timedelta(days=1)
    for begin, end in ((day2, today), (day2, day1), (day1 - timedelta(days=7), day1)):
        with pytest.raises(WeChatClientException) as caught:
            await sdk(client.datacube.get_user_summary, begin, end)
        assert caught.value.errcode == 61501
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.datacube.get_user_summary, "yesterday", "today")
    assert caught.value.errcode == 61500


async def test_js_sdk_tickets_are_stored_and_check_signatures(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made = await new_account(dev)
    appid = made["account"]["appid"]
    client = wechat_client(dev.base_url, appid, made["appsecret"])
    first = await sdk(client.jsapi.get_ticket)
    assert first["expires_in"] == 7200 and len(first["ticket"]) >= 80
    assert (await sdk(client.jsapi.get_ticket))["ticket"] == first["ticket"]  # the same one
    card = await sdk(client.jsapi.get_ticket, "wx_card")
    assert card["ticket"] != first["ticket"]
    url = "https://h5.example/page?x=1"
    signature = client.jsapi.get_jsapi_signature("n0nce", first["ticket"], "1700000000", url)
    p = server.platform
    assert p is not None
    account = await check_js_config(p, appid, "n0nce", "1700000000", url + "#frag", signature)
    assert account.appid == appid
    for wrong in (("other", url), ("n0nce", url + "/other")):
        with pytest.raises(JsSignatureInvalid):
            await check_js_config(p, appid, wrong[0], "1700000000", wrong[1], signature)
    card_signed = client.jsapi.get_jsapi_signature("n0nce", card["ticket"], "1700000000", url)
    with pytest.raises(JsSignatureInvalid):  # a card ticket is not a jsapi ticket
        await check_js_config(p, appid, "n0nce", "1700000000", url, card_signed)
    # Near its end a new ticket is handed out; the old one checks until it expires.
    clock.advance(6000 * 1000)
    second = await sdk(client.jsapi.get_ticket)
    assert second["ticket"] != first["ticket"] and second["expires_in"] == 7200
    await check_js_config(p, appid, "n0nce", "1700000000", url, signature)
    clock.advance(1300 * 1000)
    with pytest.raises(JsSignatureInvalid):
        await check_js_config(p, appid, "n0nce", "1700000000", url, signature)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.jsapi.get_ticket, "nope")
    assert caught.value.errcode == 40035
