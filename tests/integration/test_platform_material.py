"""Permanent material (files and news, with WeChat's limits) and customer-service
accounts (messages sent as a kf account carry its name; mpnews custom messages go
through uploaded news), driven by the unmodified wechatpy WeChatClient."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from microletter.app import Server
from microletter.client import Client
from tests.conftest import MakeClient
from tests.support.clock import Clock
from tests.support.media import amr_clip, picture
from tests.support.platform import follow, from_account, new_account, wait_history
from tests.support.video import clip
from tests.support.wechat import sdk, wechat_client

PNG = picture((64, 48))


async def setup(clients: MakeClient) -> tuple[Client, dict[str, Any], WeChatClient]:
    dev = await clients("dev")
    made = await new_account(dev)
    return dev, made, wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])


async def add_news(client: WeChatClient, cover: str, *titles: str) -> str:
    articles = [
        {
            "thumb_media_id": cover,
            "title": title,
            "content": f"<p>{title} in full</p>",
            "digest": f"{title}, briefly",
            "content_source_url": f"https://news.example/{title.lower()}",
        }
        for title in titles
    ]
    made = await sdk(client.material.add_articles, articles)
    return str(made["media_id"])


async def test_permanent_material_is_added_read_listed_and_deleted(
    server: Server, clients: MakeClient, tmp_path: Path
) -> None:
    dev, _, client = await setup(clients)
    image = await sdk(client.material.add, "image", ("cat.png", PNG, "image/png"))
    assert len(image["media_id"]) == 40 and image["url"].startswith(dev.base_url)
    again = await sdk(client.material.add, "image", ("cat.png", PNG, "image/png"))
    assert again["media_id"] != image["media_id"]  # two materials, as on WeChat
    thumb = await sdk(client.material.add, "thumb", ("t.png", picture((32, 32)), "image/png"))
    voice = await sdk(client.material.add, "voice", ("hi.amr", amr_clip(1.0), "audio/amr"))
    mp4 = clip(tmp_path / "v.mp4", seconds=0.5, size=(64, 48), sound=False).read_bytes()
    video = await sdk(
        client.material.add, "video", ("v.mp4", mp4, "video/mp4"), "Tour", "A short tour"
    )
    news = await add_news(client, thumb["media_id"], "Rain", "Sun")
    counts = await sdk(client.material.get_count)
    assert counts == {"image_count": 3, "voice_count": 1, "video_count": 1, "news_count": 1}
    # Files come back as they were stored; a video as its title and a download link.
    got = await sdk(client.material.get, image["media_id"])
    assert Image.open(io.BytesIO(got.content)).size == (64, 48)
    assert got.headers["Content-Type"] == "image/png"
    sound = await sdk(client.material.get, voice["media_id"])
    assert sound.headers["Content-Type"] == "audio/mp4"  # AMR, kept re-encoded
    info = await sdk(client.material.get, video["media_id"])
    assert (info["title"], info["description"]) == ("Tour", "A short tour")
    async with dev.session.get(info["down_url"]) as response:
        assert hashlib.sha256(await response.read()).hexdigest()  # the stored MP4
        assert response.status == 200
    items = await sdk(client.material.get, news)
    assert [a["title"] for a in items] == ["Rain", "Sun"]
    assert items[0]["thumb_url"].startswith(dev.base_url)
    await sdk(
        client.material.update_article,
        news,
        1,
        {"thumb_media_id": image["media_id"], "title": "Snow", "content": "<p>Cold</p>"},
    )
    assert [a["title"] for a in await sdk(client.material.get, news)] == ["Rain", "Snow"]
    page = await sdk(client.material.batchget, "image", 0, 2)
    assert (page["total_count"], page["item_count"]) == (3, 2)
    assert all(i["url"] and i["update_time"] for i in page["item"])
    listed = await sdk(client.material.batchget, "news")
    assert listed["item"][0]["content"]["news_item"][1]["title"] == "Snow"
    await sdk(client.material.delete, again["media_id"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.material.get, again["media_id"])
    assert caught.value.errcode == 40007
    assert (await sdk(client.material.get_count))["image_count"] == 2
    # Permanent material does not expire like temporary media.
    Clock(server).advance(30 * 86_400_000)
    assert (await sdk(client.material.get, image["media_id"])).status_code == 200


async def test_material_is_checked_like_wechat_checks_it(clients: MakeClient) -> None:
    _, _, client = await setup(clients)
    image = await sdk(client.material.add, "image", ("cat.png", PNG, "image/png"))
    cases = [
        (lambda: client.material.add("image", ("x.png", b"<html>", "image/png")), 40004),
        (lambda: client.material.add("thumb", ("t.png", PNG + b"\0" * 70_000, "image/png")), 45002),
        (lambda: client.material.add("video", ("v.mp4", PNG, "video/mp4"), "T", "I"), 40004),
        (lambda: client.material.get("0" * 40), 40007),
        (lambda: client.material.delete("0" * 40), 40007),
        (lambda: client.material.batchget("thumb"), 40035),
        (lambda: client.material.batchget("image", 0, 21), 40035),
    ]
    bad_cover = {"thumb_media_id": "0" * 40, "title": "T", "content": "C"}
    cases.append((lambda: client.material.add_articles([bad_cover]), 40007))
    too_many = [{"thumb_media_id": image["media_id"], "title": "T", "content": "C"}] * 9
    cases.append((lambda: client.material.add_articles(too_many), 40035))
    for call, code in cases:
        with pytest.raises(WeChatClientException) as caught:
            await sdk(call)
        assert caught.value.errcode == code


async def test_permanent_material_is_sent_in_messages_and_mass_sends(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    alice = await clients("alice")
    account_id = made["account"]["id"]
    cid = await follow(alice, account_id)
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    image = await sdk(client.material.add, "image", ("cat.png", PNG, "image/png"))
    news = await add_news(client, image["media_id"], "Rain")
    await sdk(client.message.send_image, openid, image["media_id"])
    await sdk(client.message.send_articles, openid, news)  # mpnews: a permanent news
    page = await wait_history(alice, cid, lambda p: len(from_account(p, account_id)) == 2)
    pic, card = from_account(page, account_id)
    assert pic["kind"] == "image" and pic["data"]["media"]["width"] == 64
    assert card["kind"] == "news" and card["data"]["articles"][0]["title"] == "Rain"
    assert card["data"]["articles"][0]["url"] == "https://news.example/rain"
    await sdk(client.message.send_mass_article, None, news, is_to_all=True)
    (post,) = (await alice.call("GET", f"/api/v1/official-accounts/{account_id}/broadcasts"))[
        "posts"
    ]
    assert post["kind"] == "news" and post["data"]["articles"][0]["title"] == "Rain"


async def test_customer_service_accounts_and_messages_in_their_name(clients: MakeClient) -> None:
    _, made, client = await setup(clients)
    alice = await clients("alice")
    account_id = made["account"]["id"]
    cid = await follow(alice, account_id)
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    assert (await sdk(client.customservice.add_account, "amy@shop", "Amy", "pw"))["errcode"] == 0
    await sdk(client.customservice.add_account, "bob@shop", "Bob", "pw")
    await sdk(client.customservice.update_account, "amy@shop", "Amy W.", "pw2")
    listed = await sdk(client.customservice.get_accounts)
    assert [(k["kf_account"], k["kf_nick"]) for k in listed] == [
        ("amy@shop", "Amy W."),
        ("bob@shop", "Bob"),
    ]
    assert listed[0]["kf_id"] != listed[1]["kf_id"]
    assert await sdk(client.customservice.get_online_accounts) == []
    await sdk(client.customservice.delete_account, "bob@shop")
    assert len(await sdk(client.customservice.get_accounts)) == 1
    await sdk(client.message.send_text, openid, "How can I help?", account="amy@shop")
    uploaded = await sdk(
        client.media.upload_articles,
        [{"thumb_media_id": "", "title": "Manual", "content": "Read me", "digest": "How to"}],
    )
    await sdk(client.message.send_articles, openid, uploaded["media_id"], account="amy@shop")
    page = await wait_history(alice, cid, lambda p: len(from_account(p, account_id)) == 2)
    text, news = from_account(page, account_id)
    assert text["text"] == "How can I help?"
    assert text["data"]["kf"] == {"account": "amy@shop", "nickname": "Amy W."}
    assert news["kind"] == "news" and news["data"]["articles"][0]["title"] == "Manual"
    assert news["data"]["kf"]["nickname"] == "Amy W."
    cases = [
        (lambda: client.customservice.add_account("amy@shop", "Again", "pw"), 65406),
        (lambda: client.customservice.add_account("no-at-sign", "X", "pw"), 65404),
        (lambda: client.customservice.add_account("x@shop", "n" * 17, "pw"), 65403),
        (lambda: client.customservice.update_account("zed@shop", "Zed", "pw"), 65401),
        (lambda: client.customservice.delete_account("zed@shop"), 65401),
        (lambda: client.message.send_text(openid, "hi", account="zed@shop"), 65401),
    ]
    for call, code in cases:
        with pytest.raises(WeChatClientException) as caught:
            await sdk(call)
        assert caught.value.errcode == code
