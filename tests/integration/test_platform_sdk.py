"""The open platform's REST API, driven by the unmodified wechatpy WeChatClient: token,
menus, every custom message kind, templates, followers, media, QR codes, broadcasts, and
the error codes the SDK reacts to."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from wechatpy import WeChatClient
from wechatpy.exceptions import APILimitedException, WeChatClientException

from microletter.app import Server
from microletter.client import Client
from tests.conftest import MakeClient
from tests.support.clock import Clock
from tests.support.media import amr_clip, picture
from tests.support.platform import follow, from_account, new_account, wait_history
from tests.support.video import clip
from tests.support.wechat import sdk, wechat_client

# The open platform's store is SQLite-only so far (docs/ARCHITECTURE.md, Deferred).


PNG = picture((64, 48))
AMR = amr_clip(1.0)
MENU = {
    "button": [
        {"type": "click", "name": "Today", "key": "TODAY"},
        {
            "name": "More",
            "sub_button": [
                {"type": "view", "name": "Site", "url": "https://example.com/"},
                {"type": "click", "name": "Help", "key": "HELP"},
            ],
        },
    ]
}


async def setup(clients: MakeClient) -> tuple[Client, dict[str, Any], WeChatClient]:
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    return dev, made, client


async def test_a_token_is_issued_for_the_right_secret_only(clients: MakeClient) -> None:
    dev, made, client = await setup(clients)
    token = await sdk(client.fetch_access_token)
    assert token["expires_in"] == 7200 and token["access_token"]
    wrong = wechat_client(dev.base_url, made["account"]["appid"], "0" * 32)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wrong.fetch_access_token)
    assert caught.value.errcode == 40125
    nobody = wechat_client(dev.base_url, "wx0000000000000000", made["appsecret"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(nobody.fetch_access_token)
    assert caught.value.errcode == 40013


async def test_menus_are_created_read_and_deleted(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    assert await sdk(client.menu.get) is None  # 46003 reads as "no menu"
    assert (await sdk(client.menu.create, MENU))["errcode"] == 0
    got = await sdk(client.menu.get)
    buttons = got["menu"]["button"]
    assert [b["name"] for b in buttons] == ["Today", "More"]
    assert buttons[0]["sub_button"] == [] and buttons[1]["sub_button"][1]["key"] == "HELP"
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.menu.create, {"button": [{"type": "click", "name": "x" * 20, "key": "k"}]})
    assert caught.value.errcode == 40016
    await sdk(client.menu.delete)
    assert await sdk(client.menu.get) is None


async def test_every_custom_message_kind_reaches_the_follower(
    clients: MakeClient, tmp_path: Path
) -> None:
    dev, made, client = await setup(clients)
    alice = await clients("alice")
    account_id = made["account"]["id"]
    cid = await follow(alice, account_id)
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    image = await sdk(client.media.upload, "image", ("cat.png", PNG, "image/png"))
    voice = await sdk(client.media.upload, "voice", ("hi.amr", AMR, "audio/amr"))
    mp4 = clip(tmp_path / "v.mp4", seconds=0.5, size=(64, 48)).read_bytes()
    video = await sdk(client.media.upload, "video", ("v.mp4", mp4, "video/mp4"))
    assert image["type"] == "image" and image["media_id"] and voice["media_id"]
    await sdk(client.message.send_text, openid, "你好 alice")
    await sdk(client.message.send_image, openid, image["media_id"])
    await sdk(client.message.send_voice, openid, voice["media_id"])
    await sdk(client.message.send_video, openid, video["media_id"], "Tour", "A short tour")
    articles = [
        {
            "title": "Rain",
            "description": "All day",
            "url": "https://e.com/r",
            "image": "https://e.com/r.png",
        },
        {"title": "Sun", "description": "Tomorrow", "url": "https://e.com/s", "image": ""},
    ]
    await sdk(client.message.send_articles, openid, articles)
    page = await wait_history(alice, cid, lambda p: len(from_account(p, account_id)) == 5)
    text, pic, sound, film, news = from_account(page, account_id)
    assert (text["kind"], text["text"]) == ("text", "你好 alice")
    assert pic["kind"] == "image" and pic["data"]["media"]["id"] == image["media_id"]
    # AMR, which browsers cannot play, reaches them re-encoded as AAC in MP4
    assert sound["kind"] == "voice" and sound["data"]["media"]["mime"] == "audio/mp4"
    # A video is transcoded like anyone's (H.264/AAC in MP4, with a poster); its title is
    # its caption.
    assert (film["kind"], film["text"]) == ("video", "Tour")
    assert film["data"]["media"]["mime"] == "video/mp4" and film["data"]["media"]["duration_ms"]
    assert news["kind"] == "news"
    assert [a["title"] for a in news["data"]["articles"]] == ["Rain", "Sun"]
    assert news["data"]["articles"][0]["picurl"] == "https://e.com/r.png"
    # The follower's client fetches the picture like any other, through a signed link.
    links = await alice.media_urls([pic["data"]["media"]["id"], sound["data"]["media"]["id"]])
    assert links["denied"] == []
    shown = await alice.download(links["urls"][image["media_id"]]["url"])
    assert Image.open(io.BytesIO(shown)).size == (64, 48)


async def test_custom_messages_need_a_follower_and_a_known_media_id(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    alice = await clients("alice")
    await follow(alice, made["account"]["id"])
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_image, openid, "no-such-media")
    assert caught.value.errcode == 40007
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_text, "o" + "x" * 27, "hi")
    assert caught.value.errcode == 40003
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_video, openid, "m")
    assert caught.value.errcode == 40007
    with pytest.raises(WeChatClientException) as caught:
        await sdk(
            client.message.send_music, openid, "https://e.com/a.mp3", "https://e.com/a.mp3", "t"
        )
    assert caught.value.errcode == 40008
    await alice.call("DELETE", f"/api/v1/official-accounts/{made['account']['id']}/follow")
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_text, openid, "still there?")
    assert caught.value.errcode == 43004


async def test_a_template_message_is_rendered_into_the_conversation(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    alice = await clients("alice")
    account_id = made["account"]["id"]
    cid = await follow(alice, account_id)
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    template_id = await sdk(client.template.get, "TM00015")
    listed = await sdk(client.template.get_all_private_template)
    assert [t["template_id"] for t in listed["template_list"]] == [template_id]
    sent = await sdk(
        client.message.send_template,
        openid,
        template_id,
        {"order": {"value": "A-17", "color": "#173177"}, "total": {"value": "¥30"}},
        url="https://shop.example/o/17",
    )
    assert sent["errcode"] == 0 and sent["msgid"] > 0
    page = await wait_history(alice, cid, lambda p: bool(from_account(p, account_id)))
    card = from_account(page, account_id)[0]
    assert card["kind"] == "template" and card["id"] == sent["msgid"]
    assert card["data"]["text"] == "order: A-17\ntotal: ¥30"
    assert card["data"]["url"] == "https://shop.example/o/17"
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_template, openid, "tpl_nope", {})
    assert caught.value.errcode == 40037


@pytest.mark.settings(oa_followers_page=2)
async def test_followers_are_listed_page_by_page_with_pairwise_openids(
    clients: MakeClient,
) -> None:
    dev, made, client = await setup(clients)
    people = [await clients(f"fan{i}") for i in range(3)]
    for person in people:
        await follow(person, made["account"]["id"])
    first = await sdk(client.user.get_followers)
    assert (first["total"], first["count"], len(first["data"]["openid"])) == (3, 2, 2)
    assert first["next_openid"] == first["data"]["openid"][-1]
    everyone = list(await sdk(lambda: list(client.user.iter_followers())))
    assert len(everyone) == 3 and len(set(everyone)) == 3
    infos = await sdk(client.user.get_batch, everyone)
    assert sorted(i["nickname"] for i in infos) == ["fan0", "fan1", "fan2"]
    assert all(i["subscribe"] == 1 and i["subscribe_scene"] == "ADD_SCENE_SEARCH" for i in infos)
    # OpenIDs are per account; the UnionID is shared by the developer's accounts.
    other = await new_account(dev, "Second")
    client2 = wechat_client(dev.base_url, other["account"]["appid"], other["appsecret"])
    await follow(people[0], other["account"]["id"])
    openid2 = (await sdk(client2.user.get_followers))["data"]["openid"][0]
    info2 = await sdk(client2.user.get, openid2)
    info1 = next(i for i in infos if i["nickname"] == "fan0")
    assert openid2 != info1["openid"] and info2["unionid"] == info1["unionid"]
    assert people[0].user is not None
    assert str(people[0].user["id"]) not in openid2  # never the internal id


async def test_an_empty_account_lists_no_followers(clients: MakeClient) -> None:
    _, _, client = await setup(clients)
    assert await sdk(client.user.get_followers) == {"total": 0, "count": 0, "next_openid": ""}
    assert list(await sdk(lambda: list(client.user.iter_followers()))) == []


async def test_media_round_trips_and_bad_uploads_get_their_errcode(clients: MakeClient) -> None:
    dev, _, client = await setup(clients)
    image = await sdk(client.media.upload, "image", ("a.png", PNG, "image/png"))
    got = await sdk(client.media.download, image["media_id"])
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/png"
    assert hashlib.sha256(got.content).hexdigest() == image["media_id"]  # the media room's blob
    assert Image.open(io.BytesIO(got.content)).size == (64, 48)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.upload, "image", ("page.html", b"<html><script>", "image/png"))
    assert caught.value.errcode == 40004
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.upload, "voice", ("a.amr", b"#!AMR\n" + b"\x00" * 64, "audio/amr"))
    assert caught.value.errcode == 40004
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.upload, "video", ("v.mp4", PNG, "video/mp4"))
    assert caught.value.errcode == 40004
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.upload, "thumb", ("big.png", PNG + b"\x00" * 70000, "image/png"))
    assert caught.value.errcode == 45002
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.media.download, "missing")
    assert caught.value.errcode == 40007
    url = await sdk(client.media.upload_image, ("b.png", picture((30, 20)), "image/png"))
    assert url.startswith("http://127.0.0.1:") and "/m/" in url
    async with dev.session.get(url) as response:  # an article's picture: anyone may fetch it
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"


@pytest.mark.settings(oa_media_seconds=1)
async def test_temporary_media_expire_but_messages_keep_their_pictures(
    clients: MakeClient,
) -> None:
    _, made, client = await setup(clients)
    alice = await clients("alice")
    cid = await follow(alice, made["account"]["id"])
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    image = await sdk(client.media.upload, "image", ("a.png", PNG, "image/png"))
    await sdk(client.message.send_image, openid, image["media_id"])
    async with asyncio.timeout(10):  # the server's clock passes the upload's 1 s life
        while True:
            try:
                await sdk(client.media.download, image["media_id"])
            except WeChatClientException as exc:
                assert exc.errcode == 40007
                break
            await asyncio.sleep(0.1)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_image, openid, image["media_id"])
    assert caught.value.errcode == 40007
    # The message sent meanwhile still shows its picture to the follower.
    links = await alice.media_urls([image["media_id"]])
    assert list(links["urls"]) == [image["media_id"]]
    # Uploading the same bytes again is a fresh temporary media (the same id).
    again = await sdk(client.media.upload, "image", ("a.png", PNG, "image/png"))
    assert again["media_id"] == image["media_id"]
    await sdk(client.message.send_image, openid, again["media_id"])
    page = await alice.history(cid)
    assert [m["kind"] for m in page].count("image") == 2


async def test_a_picture_broadcast_is_seen_by_followers_only(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    alice, stranger = await clients("alice"), await clients("stranger")
    account_id = made["account"]["id"]
    await follow(alice, account_id)
    image = await sdk(client.media.upload, "image", ("storm.png", PNG, "image/png"))
    await sdk(client.message.send_mass_image, None, image["media_id"], is_to_all=True)
    (post,) = (await alice.call("GET", f"/api/v1/official-accounts/{account_id}/broadcasts"))[
        "posts"
    ]
    assert post["kind"] == "image" and post["data"]["media"]["id"] == image["media_id"]
    assert post["data"]["media"]["width"] == 64
    seen = await alice.media_urls([image["media_id"]])
    downloaded = Image.open(
        io.BytesIO(await alice.download(seen["urls"][image["media_id"]]["url"]))
    )
    assert downloaded.size == (64, 48)
    assert (await stranger.media_urls([image["media_id"]]))["denied"] == [image["media_id"]]


async def test_qr_codes_are_made_shown_and_resolved(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    temporary = await sdk(
        client.qrcode.create,
        {
            "expire_seconds": 600,
            "action_name": "QR_SCENE",
            "action_info": {"scene": {"scene_id": 42}},
        },
    )
    assert temporary["expire_seconds"] == 600 and temporary["url"].endswith(temporary["ticket"])
    permanent = {
        "action_name": "QR_LIMIT_STR_SCENE",
        "action_info": {"scene": {"scene_str": "shop-7"}},
    }
    first = await sdk(client.qrcode.create, permanent)
    assert "expire_seconds" not in first
    assert (await sdk(client.qrcode.create, permanent))["ticket"] == first["ticket"]
    png = await sdk(client._http.get, client.qrcode.get_url(first["ticket"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    alice = await clients("alice")
    seen = await alice.call("GET", f"/api/v1/qrcodes/{temporary['ticket']}")
    assert (seen["account"]["id"], seen["scene"], seen["following"]) == (
        made["account"]["id"],
        "42",
        False,
    )
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.qrcode.create, {"action_name": "QR_SCENE", "action_info": {"scene": {}}})
    assert caught.value.errcode == 40035


@pytest.mark.settings(oa_broadcasts_per_day=2)
async def test_a_broadcast_is_stored_once_and_every_follower_reads_it(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    account_id = made["account"]["id"]
    alice, bob = await clients("alice"), await clients("bob")
    for person in (alice, bob):
        await follow(person, account_id)
    heads = [(await p.call("GET", "/api/v1/sync/state"))["cursor"] for p in (alice, bob)]
    sent = await sdk(client.message.send_mass_text, None, "Storm warning", is_to_all=True)
    assert sent["errcode"] == 0 and sent["msg_id"] > 0
    for person, head in zip((alice, bob), heads, strict=True):
        state = await person.call("GET", "/api/v1/sync/state")
        assert state["cursor"] == head  # read diffusion: nobody's log grew
        channel = state["channels"][0]
        assert (channel["channel_id"], channel["head"], channel["read_seq"]) == (account_id, 1, 0)
        posts = await person.call("GET", f"/api/v1/official-accounts/{account_id}/broadcasts")
        assert [(p["seq"], p["text"]) for p in posts["posts"]] == [(1, "Storm warning")]
    late = await clients("late")
    await follow(late, account_id)
    posts = await late.call("GET", f"/api/v1/official-accounts/{account_id}/broadcasts")
    assert posts["posts"] == []  # only what was sent since following
    await sdk(client.message.send_mass_text, None, "second", is_to_all=True)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.message.send_mass_text, None, "third", is_to_all=True)
    assert caught.value.errcode == 45028


async def test_an_expired_token_is_refreshed_by_the_sdk_itself(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev, made, client = await setup(clients)
    token = await sdk(client.fetch_access_token)
    old = token["access_token"]
    clock.advance(token["expires_in"] * 1000)  # the server's clock only: the SDK's trusts it
    holder = wechat_client(
        dev.base_url, made["account"]["appid"], made["appsecret"], access_token=old
    )
    raw = await sdk(
        holder._http.get, holder.API_BASE_URL + "menu/get", params={"access_token": old}
    )
    assert raw.json()["errcode"] == 42001
    assert await sdk(holder.menu.get) is None  # 42001 → new token → retried → 46003 → None
    assert holder.session.get(holder.access_token_key) != old  # (the property would fetch)


async def test_bad_tokens_and_bodies_get_the_protocols_errcodes(clients: MakeClient) -> None:
    dev, made, client = await setup(clients)
    base = dev.base_url + "/cgi-bin/"
    token = (await sdk(client.fetch_access_token))["access_token"]
    # One character of the signature changed, one whose 6 bits all count: the last two
    # carry padding bits, so replacing them with "AA" left the token valid 1 run in ~256.
    body, mac = token.split(".")
    tampered = f"{body}.{'B' if mac[0] != 'B' else 'C'}{mac[1:]}"
    checks = [
        ("GET", "menu/get", {}, None, 41001),
        ("GET", "menu/get", {"access_token": "garbage"}, None, 40001),
        ("GET", "menu/get", {"access_token": tampered}, None, 40001),
        ("POST", "menu/create", {"access_token": token}, b"{not json", 47001),
        ("POST", "menu/create", {"access_token": token}, b"x" * 300_000, 45002),
        ("POST", "message/custom/send", {"access_token": token}, b"[1]", 47001),
        ("GET", "no/such/api", {"access_token": token}, None, 48001),
    ]
    for method, path, params, body, code in checks:
        async with dev.session.request(method, base + path, params=params, data=body) as response:
            assert response.status == 200, path
            answer = await response.json(content_type=None)
            assert answer["errcode"] == code and answer["errmsg"], (path, answer)
    # A JSON body without a Content-Type, raw UTF-8, is read as JSON.
    async with dev.session.post(
        base + "menu/create",
        params={"access_token": token},
        data=b'{"button":[{"type":"click","name":"\xe5\xa4\xa9","key":"K"}]}',
        headers={"Content-Type": ""},
    ) as response:
        assert (await response.json(content_type=None))["errcode"] == 0
    # Resetting the AppSecret retires tokens made with the old one.
    await dev.call("POST", f"/api/v1/developer/accounts/{made['account']['id']}/secret")
    async with dev.session.get(base + "menu/get", params={"access_token": token}) as response:
        assert (await response.json(content_type=None))["errcode"] == 40001


@pytest.mark.settings(rate_account="3/minute")
async def test_an_account_over_its_rate_limit_gets_45009(clients: MakeClient) -> None:
    _, _, client = await setup(clients)
    for _ in range(3):
        await sdk(client.menu.get)
    with pytest.raises(APILimitedException) as caught:
        await sdk(client.menu.get)
    assert caught.value.errcode == 45009
