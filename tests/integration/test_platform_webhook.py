"""A bot behind a webhook, written with the unmodified wechatpy (signature check, message
parsing, reply builder, crypto), in all three message modes; and every way a webhook can
fail, answered as the protocol prescribes, with nothing lost on the user's side."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from wechatpy import create_reply
from wechatpy.exceptions import WeChatClientException
from wechatpy.replies import ArticlesReply, ImageReply, TextReply, VideoReply, VoiceReply

from microletter.client import ApiError, Client
from tests.conftest import MakeClient, befriend
from tests.support.bot import Bot
from tests.support.media import amr_clip, opus_clip, picture
from tests.support.platform import (
    FAST_PUSH,
    connect,
    follow,
    from_account,
    new_account,
    notes,
    wait_history,
)
from tests.support.video import clip
from tests.support.wechat import sdk, wechat_client

# The open platform's store is SQLite-only so far (docs/ARCHITECTURE.md, Deferred).
pytestmark = pytest.mark.settings(**FAST_PUSH)
MENU = {
    "button": [
        {"type": "click", "name": "Today", "key": "TODAY"},
        {"type": "view", "name": "Site", "url": "https://example.com/page"},
    ]
}
MODES = ["plaintext", "compatible", "safe"]


async def account_with_bot(
    clients: MakeClient, mode: str = "plaintext"
) -> tuple[Client, dict[str, Any], Bot]:
    dev = await clients("dev")
    made = await new_account(dev)
    bot = await connect(dev, made, mode)
    return dev, made, bot


@pytest.mark.parametrize("mode", MODES)
async def test_a_bot_hears_everything_and_its_replies_reach_the_follower(
    clients: MakeClient, mode: str
) -> None:
    dev, made, bot = await account_with_bot(clients, mode)
    account = made["account"]
    aid = account["id"]
    await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/menu", MENU)
    alice = await clients("alice")
    try:
        cid = await follow(alice, aid)
        (subscribed,) = await bot.wait_for(1)
        assert subscribed.type == "event" and subscribed.event == "subscribe"
        assert subscribed.target == account["original_id"]
        openid = subscribed.source
        sent = await alice.send_text(cid, "hello bot")
        text = (await bot.wait_for(2))[1]
        assert (text.type, text.content, text.id, text.source) == (
            "text",
            "hello bot",
            sent["id"],
            openid,
        )
        page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) == 2)
        assert [m["text"] for m in from_account(page, aid)] == ["welcome!", "echo: hello bot"]
        pressed = await alice.call(
            "POST", f"/api/v1/official-accounts/{aid}/menu/press", {"button": [0]}
        )
        assert (pressed["event"], pressed["key"], pressed["url"]) == ("CLICK", "TODAY", None)
        viewed = await alice.call(
            "POST", f"/api/v1/official-accounts/{aid}/menu/press", {"button": [1]}
        )
        assert viewed["url"] == "https://example.com/page"
        await alice.call("DELETE", f"/api/v1/official-accounts/{aid}/follow")
        click, view, gone = (await bot.wait_for(5))[2:5]
        assert (click.event, click.key) == ("click", "TODAY")
        assert (view.event, view.url) == ("view", "https://example.com/page")
        assert gone.event == "unsubscribe" and gone.source == openid
        # The wire format of the mode: signed always, encrypted unless plaintext.
        for query, body in zip(bot.queries, bot.bodies, strict=True):
            assert {"signature", "timestamp", "nonce", "openid"} <= set(query)
            assert query["openid"] == openid
            if mode == "plaintext":
                assert "encrypt_type" not in query and "<Encrypt>" not in body
            else:
                assert query["encrypt_type"] == "aes" and "msg_signature" in query
                assert ("<Content>" in body or "<Event>" in body) == (mode == "compatible")
        assert bot.rejected == 0
    finally:
        await bot.stop()


async def test_a_followers_picture_voice_and_video_reach_the_webhook_with_working_links(
    clients: MakeClient, tmp_path: Path
) -> None:
    dev, made, bot = await account_with_bot(clients, "safe")
    aid = made["account"]["id"]
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    alice = await clients("alice")
    try:
        cid = await follow(alice, aid)
        photo = await alice.upload(picture((80, 60)), "image", "me.png")
        note = await alice.upload(opus_clip(1.0), "voice", "note.webm")
        film = await alice.upload(clip(tmp_path / "v.mp4", seconds=0.5), "video", "v.mp4")
        await alice.send_media(cid, photo)
        await alice.send_media(cid, note)
        await alice.send_media(cid, film)
        _, pic, sound, movie = await bot.wait_for(4)
        assert pic.type == "image" and pic.media_id == photo["id"]
        async with dev.session.get(pic.image) as response:  # PicUrl: no token needed
            assert response.status == 200
            assert await response.read() == (await client_bytes(client, pic.media_id))
        assert sound.type == "voice" and sound.media_id == note["id"]
        assert sound.format == "webm"
        heard = await sdk(client.media.download, sound.media_id)
        assert heard.status_code == 200 and heard.headers["Content-Type"] == "audio/webm"
        assert movie.type == "video" and movie.media_id == film["id"]
        seen = await sdk(client.media.download, movie.media_id)
        assert seen.headers["Content-Type"] == "video/mp4"
        # Somebody else's blob, seen in no conversation of the account, is not served.
        stranger = await clients("stranger")
        hidden = await stranger.upload(picture((10, 10), color=(0, 0, 0)), "image", "x.png")
        with pytest.raises(WeChatClientException) as caught:
            await sdk(client.media.download, hidden["id"])
        assert caught.value.errcode == 40007
    finally:
        await bot.stop()


async def client_bytes(client: Any, media_id: str) -> bytes:
    got = await sdk(client.media.download, media_id)
    assert got.status_code == 200
    content: bytes = got.content
    return content


async def test_passive_replies_of_every_kind_are_shown(clients: MakeClient, tmp_path: Path) -> None:
    dev, made, bot = await account_with_bot(clients, "safe")
    aid = made["account"]["id"]
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    image = await sdk(client.media.upload, "image", ("a.png", picture(), "image/png"))
    voice = await sdk(client.media.upload, "voice", ("a.amr", amr_clip(), "audio/amr"))
    mp4 = clip(tmp_path / "v.mp4", seconds=0.5, size=(64, 48)).read_bytes()
    video = await sdk(client.media.upload, "video", ("v.mp4", mp4, "video/mp4"))
    one = [
        {
            "title": "Only",
            "description": "one card",
            "url": "https://e.com/1",
            "image": "https://e.com/1.jpg",
        }
    ]
    two = [*one, {"title": "Second", "description": "", "url": "https://e.com/2", "image": ""}]
    replies = {
        "image": lambda m: ImageReply(message=m, media_id=image["media_id"]),
        "voice": lambda m: VoiceReply(message=m, media_id=voice["media_id"]),
        "video": lambda m: VideoReply(message=m, media_id=video["media_id"], title="Tour"),
        "news1": lambda m: ArticlesReply(message=m, articles=one),
        "news2": lambda m: create_reply(two, m),
    }
    bot.answer = lambda m: replies[m.content](m) if m.type == "text" else None
    alice = await clients("alice")
    try:
        cid = await follow(alice, aid)
        for word in replies:
            await alice.send_text(cid, word)
        page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) == 5)
        pic, sound, film, single, double = from_account(page, aid)
        # Exactly the shape of a person's picture and voice note (the media room's Media).
        assert pic["kind"] == "image" and pic["data"]["media"]["id"] == image["media_id"]
        assert pic["data"]["media"]["width"] == 64
        assert sound["kind"] == "voice" and sound["data"]["media"]["id"] == voice["media_id"]
        assert sound["data"]["media"]["mime"] == "audio/mp4"  # AMR re-encoded for browsers
        assert 900 <= sound["data"]["media"]["duration_ms"] <= 1200
        assert film["kind"] == "video" and film["data"]["media"]["id"] == video["media_id"]
        assert [a["title"] for a in single["data"]["articles"]] == ["Only"]
        assert single["data"]["articles"][0]["picurl"] == "https://e.com/1.jpg"
        assert [a["title"] for a in double["data"]["articles"]] == ["Only", "Second"]
        assert notes(page, "account.unavailable") == []
    finally:
        await bot.stop()


async def test_a_parametric_code_subscribes_with_its_scene_then_scans(clients: MakeClient) -> None:
    dev, made, bot = await account_with_bot(clients)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    code = await sdk(
        client.qrcode.create,
        {
            "expire_seconds": 600,
            "action_name": "QR_SCENE",
            "action_info": {"scene": {"scene_id": 7}},
        },
    )
    alice = await clients("alice")
    try:
        scanned = await alice.call("POST", f"/api/v1/qrcodes/{code['ticket']}/scan")
        assert scanned["conversation"]["conversation"]["kind"] == "official"
        await alice.call("POST", f"/api/v1/qrcodes/{code['ticket']}/scan")
        first, second = await bot.wait_for(2)
        assert (first.event, first.scene_id, first.ticket) == (
            "subscribe_scan",
            "7",
            code["ticket"],
        )
        assert (second.event, second.scene_id, second.ticket) == ("scan", "7", code["ticket"])
        info = await sdk(client.user.get, first.source)
        assert (info["subscribe_scene"], info["qr_scene"]) == ("ADD_SCENE_QR_CODE", 7)
    finally:
        await bot.stop()


async def test_saving_a_webhook_runs_the_handshake_and_refuses_a_wrong_answer(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    account = made["account"]
    impostor = Bot("wrongtoken", account["encoding_aes_key"], account["appid"])
    url = await impostor.start()
    path = f"/api/v1/developer/accounts/{account['id']}/webhook"
    try:
        with pytest.raises(ApiError) as caught:
            await dev.call("PUT", path, {"url": url})
        assert (caught.value.status, caught.value.code) == (400, "platform.webhook_unverified")
        assert caught.value.details["status"] == 403 and impostor.rejected == 1
        # With the Token it checks, the same bot passes; the console shows it verified.
        saved = await dev.call("PUT", path, {"url": url, "token": "wrongtoken", "mode": "safe"})
        assert saved["account"]["webhook_url"] == url and saved["account"]["mode"] == "safe"
        assert saved["account"]["webhook_verified_at"] and saved["account"]["token"] == "wrongtoken"
        with pytest.raises(ApiError) as caught:
            await dev.call("PUT", path, {"url": "http://127.0.0.1:9/nothing"})
        assert caught.value.code == "platform.webhook_unverified"
    finally:
        await impostor.stop()


BAD_BODIES = {
    "not xml": b"<html>oops</html",
    "json": b'{"msgtype": "text"}',
    "wrong root": b"<reply><Content>x</Content></reply>",
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><Content>&e;</Content></xml>"
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<xml><Content>&c;</Content></xml>"
    ),
    "oversize": b"<xml><Content>" + b"x" * 70_000 + b"</Content></xml>",
}


@pytest.mark.parametrize("name", BAD_BODIES)
async def test_a_garbage_reply_shows_the_unavailable_note_and_chat_goes_on(
    clients: MakeClient, name: str
) -> None:
    _, made, bot = await account_with_bot(clients)
    aid = made["account"]["id"]
    bot.answer = lambda m: BAD_BODIES[name] if m.type == "text" else None
    alice, bob = await clients("alice"), await clients("bob")
    try:
        cid = await follow(alice, aid)
        sent = await alice.send_text(cid, "anyone there?")
        page = await wait_history(alice, cid, lambda p: bool(notes(p, "account.unavailable")))
        assert from_account(page, aid) == []
        assert [m["text"] for m in page if m["kind"] == "text"] == ["anyone there?"]
        assert page[-1]["data"]["actor"] == aid and sent in page
        assert len(bot.received) == 2  # one push: invalid answers are not retried
        direct = await befriend(alice, bob)
        assert (await alice.send_text(direct, "chat still works"))["seq"] >= 1
    finally:
        await bot.stop()


async def test_replies_that_fail_their_checks_are_dropped(clients: MakeClient) -> None:
    """A reply to someone else, an envelope with a wrong signature, and an envelope
    replayed from an earlier push: each leaves the follower with the note only."""
    _, made, bot = await account_with_bot(clients, "safe")
    aid = made["account"]["id"]
    kept: dict[str, Any] = {}

    def answer(m: Any) -> Any:
        if m.type != "text":
            return None
        if m.content == "misaddressed":
            return TextReply(source=m.target, target="o-someone-else", content="hi")
        if m.content == "first":
            reply = bot.crypto.encrypt_message(create_reply("one", m).render(), "n1", m.time)
            kept["envelope"] = reply.encode()
            return kept["envelope"]
        if m.content == "replayed":
            return kept["envelope"]
        envelope = bot.crypto.encrypt_message(create_reply("two", m).render(), "n2", m.time)
        return envelope.replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0").encode()

    bot.answer = answer
    alice = await clients("alice")
    try:
        cid = await follow(alice, aid)
        for word in ("misaddressed", "first", "replayed", "tampered"):
            await alice.send_text(cid, word)

            def answered(page: list[dict[str, Any]], sent: str = word) -> bool:
                return bool(page[-1]["kind"] != "text" or page[-1]["text"] != sent)

            await wait_history(alice, cid, answered)
        page = await wait_history(alice, cid, lambda p: len(notes(p, "account.unavailable")) == 3)
        assert [m["text"] for m in from_account(page, aid)] == ["one"]
    finally:
        await bot.stop()


@pytest.mark.settings(oa_allow_private_webhooks=True, oa_webhook_timeout=0.3)
async def test_a_hanging_webhook_gets_three_tries_and_never_slows_chat(clients: MakeClient) -> None:
    _, made, bot = await account_with_bot(clients)
    aid = made["account"]["id"]
    alice, bob = await clients("alice"), await clients("bob")
    direct = await befriend(alice, bob)
    try:
        cid = await follow(alice, aid)
        await bot.wait_for(1)
        # The welcome is shown after the bot answered: wait for it, or it may come later.
        await wait_history(alice, cid, lambda p: bool(from_account(p, aid)))
        bot.delay = 5.0  # far past the server's timeout
        started = time.perf_counter()
        sent = await alice.send_text(cid, "are you awake?")
        for i in range(5):
            await bob.send_text(direct, f"meanwhile {i}")
        assert time.perf_counter() - started < 1.0  # nobody waited for the webhook
        tries = (await bot.wait_for(4))[1:]
        assert [m.id for m in tries] == [sent["id"]] * 3  # the same MsgId: dedupe-able
        assert len({q["nonce"] for q in bot.queries[1:]}) == 3
        page = await wait_history(alice, cid, lambda p: bool(notes(p, "account.unavailable")))
        assert [m["text"] for m in from_account(page, aid)] == ["welcome!"]
        assert page[-2]["text"] == "are you awake?" and page[-1]["kind"] == "system"
        await asyncio.sleep(0.5)
        assert len(bot.received) == 4  # no fourth try
    finally:
        await bot.stop()


async def test_a_failing_webhook_is_retried_then_the_follower_is_told(clients: MakeClient) -> None:
    _, made, bot = await account_with_bot(clients)
    aid = made["account"]["id"]
    alice = await clients("alice")
    try:
        cid = await follow(alice, aid)
        await bot.wait_for(1)
        bot.status = 500
        await alice.send_text(cid, "hello?")
        page = await wait_history(alice, cid, lambda p: bool(notes(p, "account.unavailable")))
        assert len(bot.received) == 4 and len(notes(page, "account.unavailable")) == 1
        bot.status = 200
        await alice.send_text(cid, "and now?")
        page = await wait_history(alice, cid, lambda p: len(from_account(p, aid)) == 2)
        assert from_account(page, aid)[-1]["text"] == "echo: and now?"
    finally:
        await bot.stop()


@pytest.mark.settings(oa_allow_private_webhooks=False)
async def test_webhooks_to_private_addresses_are_refused(clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    path = f"/api/v1/developer/accounts/{made['account']['id']}/webhook"
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/hook",
        "ftp://example.com/hook",
        "http://user:pw@example.com/hook",
    ):
        with pytest.raises(ApiError) as caught:
            await dev.call("PUT", path, {"url": url})
        assert (caught.value.status, caught.value.code) == (400, "platform.webhook_refused"), url
    console = await dev.call("GET", f"/api/v1/developer/accounts/{made['account']['id']}")
    assert console["account"]["webhook_url"] is None
