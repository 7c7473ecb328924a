"""Games on the server, on both backend pairs: players' records written by the page's
client and by the game's server at /wxa/set_user_storage (signed with the player's
session key, as WeChat's, and sent through wechatpy's own client), their limits, the
friend and group rankings (the game learns only its player's rank and how many play),
weekly periods, and "beaten" notices with their limits and mutes."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from wechatpy.exceptions import WeChatClientException

from microletter.app import Server
from microletter.client import ApiError, Client
from tests.conftest import MakeClient, befriend
from tests.integration.test_miniapps import register_app
from tests.support.clock import Clock
from tests.support.wechat import sdk, wechat_client

WXA = "https://api.weixin.qq.com/wxa/"  # WeChat's own address; the SDK's session goes to us


def score(n: int) -> str:
    return json.dumps({"wxgame": {"score": n, "update_time": 1700000000}})


async def put(client: Client, app: dict[str, Any], **records: str) -> dict[str, Any]:
    kv = [{"key": k, "value": v} for k, v in records.items()]
    reply: dict[str, Any] = await client.call(
        "POST", f"/api/v1/miniapps/{app['id']}/storage", {"kv_list": kv}
    )
    return reply


async def rank(client: Client, app: dict[str, Any], key: str = "best", **q: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"key": key, **q}.items())
    return await client.call("GET", f"/api/v1/miniapps/{app['id']}/rank?{query}")


async def ranking(client: Client, app: dict[str, Any], key: str = "best", **q: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"key": key, **q}.items())
    return await client.call("GET", f"/api/v1/miniapps/{app['id']}/ranking?{query}")


def signed_post(
    wechat: Any, path: str, openid: str, key: str, body: str, over: dict[str, str] | None = None
) -> Any:
    """What a game's server sends: wechatpy's own client, the body signed as WeChat says."""
    signature = hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()
    params = {"openid": openid, "signature": signature, "sig_method": "hmac_sha256"}
    params.update(over or {})
    return wechat.post(path, params=params, data=body)


async def test_a_players_records_are_kept_read_and_removed_within_wechats_limits(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    _, app = await register_app(dev)
    alice = await clients("alice")
    await put(alice, app, best=score(10), name="Alice the Quick")
    got = await alice.call(
        "POST", f"/api/v1/miniapps/{app['id']}/storage/query", {"keys": ["best", "name", "x"]}
    )
    assert got["kv_list"] == [
        {"key": "best", "value": score(10)},
        {"key": "name", "value": "Alice the Quick"},
    ]
    bad: list[Any] = [
        [{"key": "", "value": "1"}],
        [{"key": "k" * 129, "value": "1"}],
        [{"key": "k", "value": "v" * 1024}],
        [{"key": "k", "value": 7}],
        [{"key": "k", "value": "1", "extra": 1}],
        [],
        "best=1",
    ]
    for kv in bad:
        with pytest.raises(ApiError) as caught:
            await alice.call("POST", f"/api/v1/miniapps/{app['id']}/storage", {"kv_list": kv})
        assert caught.value.code == "miniapp.storage_invalid", kv
    await put(alice, app, **{f"k{i}": "v" for i in range(126)})  # 128 records now
    with pytest.raises(ApiError) as caught:
        await put(alice, app, one_more="v")
    assert caught.value.code == "miniapp.storage_invalid"
    await put(alice, app, k0="changed")  # rewriting a kept key is fine
    await alice.call(
        "POST", f"/api/v1/miniapps/{app['id']}/storage/remove", {"keys": ["best", "k0"]}
    )
    got = await alice.call(
        "POST", f"/api/v1/miniapps/{app['id']}/storage/query", {"keys": ["best", "k0", "k1"]}
    )
    assert got["kv_list"] == [{"key": "k1", "value": "v"}]
    assert await rank(alice, app) == {"rank": None, "count": 0}  # its score is gone too


async def test_the_games_server_writes_records_signed_with_the_session_key(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    made, app = await register_app(dev)
    wechat = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    code = (await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    session = await sdk(wechat.wxa.code_to_session, code)
    openid, key = session["openid"], session["session_key"]
    body = json.dumps({"kv_list": [{"key": "best", "value": score(42)}]})
    done = await sdk(signed_post, wechat, WXA + "set_user_storage", openid, key, body)
    assert done["errcode"] == 0
    assert await rank(alice, app) == {"rank": 1, "count": 0}
    assert (await ranking(bob, app))["entries"][0]["score"] == 42  # Bob's client sees her
    refused = [
        ({"signature": "0" * 64}, 87009),  # not the body's
        ({"sig_method": "hmac_sha1"}, 87009),
        ({"openid": "o-nobody"}, 40003),
    ]
    other = json.dumps({"kv_list": [{"key": "best", "value": score(99)}]})
    for over, errcode in refused:
        with pytest.raises(WeChatClientException) as caught:
            await sdk(signed_post, wechat, WXA + "set_user_storage", openid, key, other, over)
        assert caught.value.errcode == errcode, over
    with pytest.raises(WeChatClientException) as caught:  # another body than the one signed
        signature = hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()
        params = {"openid": openid, "signature": signature, "sig_method": "hmac_sha256"}
        await sdk(wechat.post, WXA + "set_user_storage", params=params, data=other)
    assert caught.value.errcode == 87009
    big = json.dumps({"kv_list": [{"key": "best", "value": "x" * 1100}]})
    with pytest.raises(WeChatClientException) as caught:
        await sdk(signed_post, wechat, WXA + "set_user_storage", openid, key, big)
    assert caught.value.errcode == 47001
    assert (await ranking(bob, app))["entries"][0]["score"] == 42  # nothing was stored
    # A new login replaces the session key: the old one signs nothing any more.
    again = (await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    fresh = (await sdk(wechat.wxa.code_to_session, again))["session_key"]
    with pytest.raises(WeChatClientException) as caught:
        await sdk(signed_post, wechat, WXA + "set_user_storage", openid, key, other)
    assert caught.value.errcode == 87009
    gone = json.dumps({"key": ["best"]})
    assert (await sdk(signed_post, wechat, WXA + "remove_user_storage", openid, fresh, gone))[
        "errcode"
    ] == 0
    assert await rank(alice, app) == {"rank": None, "count": 0}
    # Another account's token cannot name this account's players.
    made2 = await register_app(dev)
    other_wechat = wechat_client(dev.base_url, made2[0]["account"]["appid"], made2[0]["appsecret"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(signed_post, other_wechat, WXA + "set_user_storage", openid, fresh, body)
    assert caught.value.errcode == 40003


async def test_a_ranking_shows_friends_who_play_and_the_game_learns_only_a_rank(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    _, app = await register_app(dev)
    alice, bob, carol, dave = [await clients(n) for n in ("alice", "bob", "carol", "dave")]
    await befriend(alice, bob)
    await befriend(alice, carol)
    await put(bob, app, best=score(30))
    await put(carol, app, best="50")  # a plain integer is a score too
    await put(dave, app, best=score(1000))  # not alice's friend: never in her ranking
    await put(alice, app, best=score(40))
    assert await rank(alice, app) == {"rank": 2, "count": 2}
    assert await rank(bob, app) == {"rank": 2, "count": 1}  # bob's friend: alice only
    assert await rank(dave, app) == {"rank": 1, "count": 0}
    drawn = (await ranking(alice, app))["entries"]
    assert [(e["display_name"], e["score"], e["rank"], e["me"]) for e in drawn] == [
        ("carol", 50, 1, False),
        ("alice", 40, 2, True),
        ("bob", 30, 3, False),
    ]
    # A group's ranking: its members who play, from a share ticket of a member.
    assert alice.user and bob.user and carol.user
    gid = (await alice.create_group("Players", [bob.user["id"], carol.user["id"]]))["conversation"][
        "id"
    ]
    ticket = (
        await bob.call(
            "POST", f"/api/v1/miniapps/{app['id']}/share-tickets", {"conversation_id": gid}
        )
    )["share_ticket"]
    assert await rank(bob, app, share_ticket=ticket) == {"rank": 3, "count": 2}
    with pytest.raises(ApiError) as caught:  # the ticket is bob's alone
        await rank(alice, app, share_ticket=ticket)
    assert caught.value.code == "miniapp.share_ticket_invalid"
    with pytest.raises(ApiError) as caught:
        await rank(alice, app, period="month")
    assert caught.value.code == "miniapp.period_invalid"


async def test_a_weekly_ranking_starts_empty_every_monday(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    _, app = await register_app(dev)
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    await put(alice, app, best=score(70))
    await put(alice, app, best=score(20))  # "all" is the record; the week keeps its best
    await put(bob, app, best=score(50))
    week = await ranking(alice, app, period="week")
    assert week["period"].count("-W") == 1
    assert [e["score"] for e in week["entries"]] == [70, 50]
    assert [e["score"] for e in (await ranking(alice, app))["entries"]] == [50, 20]
    clock.advance(7 * 86_400_000)
    assert (await ranking(alice, app, period="week"))["entries"] == []
    assert await rank(bob, app, period="week") == {"rank": None, "count": 0}
    assert len((await ranking(alice, app))["entries"]) == 2  # "all" never resets


async def notices(client: Client, kind: str = "service") -> list[dict[str, Any]]:
    """The template cards in `client`'s service notifications (or, `kind="official"`, in
    their conversations with accounts)."""
    found: list[dict[str, Any]] = []
    state = await client.call("GET", "/api/v1/sync/state")
    for view in state["conversations"]:
        if view["conversation"]["kind"] == kind:
            history = await client.history(view["conversation"]["id"])
            found += [m for m in history if m["kind"] == "template"]
    return found


async def test_passing_a_friend_sends_one_beaten_notice_unless_they_muted_the_game(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    _, app = await register_app(dev)
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    await put(bob, app, best=score(30))
    await put(carol, app, best=score(35))
    assert (await put(alice, app, best=score(10)))["notices"] == 0  # passes nobody
    assert (await put(alice, app, best=score(32)))["notices"] == 1  # passes bob
    [card] = await notices(bob)  # bob does not follow the game's account
    assert card["data"]["title"] == "Quiz" and "alice" in card["data"]["text"]
    assert card["data"]["url"].endswith(f"/a/{app['id']}")
    assert card["data"]["source"]["key"] == f"app:{app['id']}"
    assert card["data"]["source"]["name"] == "Quiz"
    assert await notices(bob, "official") == []
    assert await notices(carol) == []
    # Bob mutes the game; carol is passed and told; bob is not told again.
    muted = await bob.call("PUT", f"/api/v1/miniapps/{app['id']}/notices", {"muted": True})
    assert muted == {"muted": True}
    assert (await put(alice, app, best=score(40)))["notices"] == 1
    assert len(await notices(carol)) == 1 and len(await notices(bob)) == 1
    # Passing carol again this week (after she got ahead) tells her nothing new.
    await put(carol, app, best=score(45))
    assert (await put(alice, app, best=score(50)))["notices"] == 0
    assert len(await notices(carol)) == 1
