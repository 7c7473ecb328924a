"""Mini apps on the server: registration in the developer console (and what it refuses),
Discover's list, the shell's CSP built from the registered domains, wx.config checked
with the account's jsapi tickets (signed by the unmodified wechatpy), wx.login() codes
exchanged by wechatpy's own `WeChatWxa.code_to_session` at /sns/jscode2session, app cards
shared into chats, and share tickets that give an app the group's openGId, never its
members."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import WeChatClientException

from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.miniapps.rules import OPEN_APIS, SUPPORTED_APIS
from tests.conftest import MakeClient, befriend
from tests.support.clock import Clock
from tests.support.media import opus_clip, wav_clip
from tests.support.media import picture as make_picture
from tests.support.platform import new_account
from tests.support.wechat import sdk, wechat_client

H5 = "127.0.0.1:8765"
ENTRY = f"http://{H5}/index.html"
APP = {"name": "Quiz", "icon": f"http://{H5}/icon.png", "entry_url": ENTRY, "domains": [H5]}


async def register_app(dev: Client, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the official account as made, the registered app)."""
    made = await new_account(dev, "Quiz Co")
    path = f"/api/v1/developer/accounts/{made['account']['id']}/miniapps"
    reply = await dev.call("POST", path, {**APP, **fields})
    return made, reply["app"]


async def shell_csp(server: Server) -> str:
    async with aiohttp.ClientSession() as http, http.get(server.url + "/") as response:
        return response.headers["Content-Security-Policy"]


async def test_a_registered_app_is_listed_and_its_domain_alone_may_be_framed(
    server: Server, clients: MakeClient
) -> None:
    assert "frame-src 'none'" in await shell_csp(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    assert app["domains"] == [H5] and app["entry_url"] == ENTRY and app["name"] == "Quiz"
    aid = made["account"]["id"]
    listed = await dev.call("GET", f"/api/v1/developer/accounts/{aid}/miniapps")
    assert [a["id"] for a in listed["apps"]] == [app["id"]]
    policy = await shell_csp(server)
    assert f"frame-src {H5}" in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy  # unchanged
    alice = await clients("alice")
    assert [a["id"] for a in (await alice.call("GET", "/api/v1/miniapps"))["apps"]] == [app["id"]]
    one = await alice.call("GET", f"/api/v1/miniapps/{app['id']}")
    assert one["publisher"]["name"] == "Quiz Co" and one["app"]["entry_url"] == ENTRY
    # The client's bridge takes the JS-SDK calls it carries out from here (one list).
    assert one["js_apis"] == {"supported": list(SUPPORTED_APIS), "open": list(OPEN_APIS)}
    assert "chooseImage" in one["js_apis"]["supported"] and "login" in one["js_apis"]["open"]
    voice = ["startRecord", "stopRecord", "onVoiceRecordEnd", "playVoice", "pauseVoice"]
    voice += ["stopVoice", "onVoicePlayEnd", "uploadVoice", "downloadVoice"]
    assert set(voice) <= set(one["js_apis"]["supported"])  # as checkJsApi reports them
    assert not set(voice) & set(one["js_apis"]["open"])  # they need wx.config, as on WeChat
    # Only the account's developer changes it.
    with pytest.raises(ApiError) as caught:
        await alice.call("POST", f"/api/v1/developer/accounts/{aid}/miniapps", APP)
    assert caught.value.code == "platform.not_owner"
    changed = await dev.call(
        "PUT",
        f"/api/v1/developer/accounts/{aid}/miniapps/{app['id']}",
        {**APP, "name": "Quiz 2", "domains": [H5, "h5.example.com"]},
    )
    assert changed["app"]["name"] == "Quiz 2"
    server.miniapps._frames = (0.0, "")  # type: ignore[union-attr]  # no 2 s cache wait
    assert f"frame-src {H5} h5.example.com" in await shell_csp(server)
    await dev.call("DELETE", f"/api/v1/developer/accounts/{aid}/miniapps/{app['id']}")
    assert "frame-src 'none'" in await shell_csp(server)
    with pytest.raises(ApiError) as caught:
        await alice.call("GET", f"/api/v1/miniapps/{app['id']}")
    assert caught.value.code == "miniapp.not_found"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "miniapp.name_invalid"),
        ({"name": "x" * 31}, "miniapp.name_invalid"),
        ({"domains": []}, "miniapp.domain_invalid"),
        ({"domains": ["https://h5.example.com/"]}, "miniapp.domain_invalid"),
        ({"domains": ["*.example.com"]}, "miniapp.domain_invalid"),
        ({"entry_url": "javascript:alert(1)"}, "miniapp.url_invalid"),
        ({"entry_url": "http://elsewhere.example/"}, "miniapp.url_invalid"),
        ({"icon": "data:image/png;base64,AAAA"}, "miniapp.url_invalid"),
    ],
)
async def test_a_registration_is_refused_with_a_clear_error(
    clients: MakeClient, fields: dict[str, Any], code: str
) -> None:
    dev = await clients("dev")
    with pytest.raises(ApiError) as caught:
        await register_app(dev, **fields)
    assert caught.value.code == code and caught.value.status == 400


async def test_the_servers_own_host_is_never_a_js_safe_domain(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    own = server.url.split("://")[1]  # 127.0.0.1:<port>: the client's own origin
    with pytest.raises(ApiError) as caught:
        await register_app(dev, domains=[own], entry_url=f"http://{own}/")
    assert caught.value.code == "miniapp.domain_invalid"
    assert "frame-src 'none'" in await shell_csp(server)  # nothing was stored


async def test_wx_config_is_checked_with_the_accounts_jsapi_tickets(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    appid = made["account"]["appid"]
    wechat = wechat_client(dev.base_url, appid, made["appsecret"])
    ticket = (await sdk(wechat.jsapi.get_ticket))["ticket"]
    url = f"http://{H5}/index.html?from=card"
    signed = wechat.jsapi.get_jsapi_signature("n0nce", ticket, "1700000000", url)
    alice = await clients("alice")
    path = f"/api/v1/miniapps/{app['id']}/js-config"

    def config(**over: Any) -> dict[str, Any]:
        return {
            "url": url,
            "appId": appid,
            "timestamp": "1700000000",
            "nonceStr": "n0nce",
            "signature": signed,
            "jsApiList": ["chooseImage", "getLocation", "openLocation"],
            **over,
        }

    done = await alice.call("POST", path, config())
    assert "chooseImage" in done["granted"] and "getLocation" in done["granted"]
    assert "openLocation" not in done["granted"] and done["unsupported"] == ["openLocation"]
    assert "login" in done["granted"]  # open to every page
    wrong = [
        ({"signature": "0" * 40}, "platform.js_signature_invalid"),
        ({"nonceStr": "other"}, "platform.js_signature_invalid"),
        ({"url": f"http://{H5}/other.html"}, "platform.js_signature_invalid"),
        ({"url": "http://evil.example/index.html"}, "miniapp.page_not_js_safe"),
        ({"appId": "wx0000000000000000"}, "miniapp.appid_mismatch"),
        ({"jsApiList": "chooseImage"}, "miniapp.js_api_list_invalid"),
    ]
    for over, code in wrong:
        with pytest.raises(ApiError) as caught:
            await alice.call("POST", path, config(**over))
        assert caught.value.code == code, over
    clock.advance(7300 * 1000)  # the ticket is stale now
    with pytest.raises(ApiError) as caught:
        await alice.call("POST", path, config())
    assert caught.value.code == "platform.js_signature_invalid"


async def test_wx_login_codes_are_exchanged_by_wechatpys_code_to_session(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    appid = made["account"]["appid"]
    wechat = wechat_client(dev.base_url, appid, made["appsecret"])
    alice = await clients("alice")
    code = (await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    session = await sdk(wechat.wxa.code_to_session, code)
    assert set(session) == {"openid", "session_key", "unionid"}
    assert len(session["session_key"]) == 24  # base64 of 16 bytes, as WeChat's
    # The same OpenID as the account's other APIs give (here: its OAuth).
    other = await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login")
    again = await sdk(wechat.wxa.code_to_session, other["code"])
    assert again["openid"] == session["openid"] and again["unionid"] == session["unionid"]
    assert again["session_key"] != session["session_key"]
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wechat.wxa.code_to_session, code)  # spent
    assert caught.value.errcode == 40163
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wechat.wxa.code_to_session, "not-a-code")
    assert caught.value.errcode == 40029
    late = (await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    clock.advance(301_000)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wechat.wxa.code_to_session, late)
    assert caught.value.errcode == 40029
    forged = wechat_client(dev.base_url, appid, "0" * 32)
    fresh = (await alice.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    with pytest.raises(WeChatClientException) as caught:
        await sdk(forged.wxa.code_to_session, fresh)
    assert caught.value.errcode == 40125
    # Another account's secret cannot spend this account's code.
    made2 = await new_account(dev, "Other Co")
    other_client = wechat_client(dev.base_url, made2["account"]["appid"], made2["appsecret"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(other_client.wxa.code_to_session, fresh)
    assert caught.value.errcode == 40029
    assert (await sdk(wechat.wxa.code_to_session, fresh))["openid"] == session["openid"]


async def test_a_shared_card_reaches_the_group_and_names_it_only_by_an_opaque_id(
    server: Server, clients: MakeClient
) -> None:
    dev = await clients("dev")
    made, app = await register_app(dev)
    wechat = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    assert bob.user is not None
    gid = (await alice.create_group("Quizzers", [bob.user["id"]]))["conversation"]["id"]
    shared = await alice.call(
        "POST",
        f"/api/v1/miniapps/{app['id']}/share",
        {
            "conversation_id": gid,
            "client_msg_id": "share-1",
            "title": "Beat me!",
            "path": "/q?id=7",
        },
    )
    message = shared["message"]
    assert message["kind"] == "app" and message["text"] is None
    assert message["data"]["title"] == "Beat me!" and message["data"]["path"] == "/q?id=7"
    assert message["data"]["app_id"] == app["id"] and message["data"]["name"] == "Quiz"
    history = await bob.history(gid)
    assert any(m["kind"] == "app" and m["id"] == message["id"] for m in history)
    for bad in ("//evil.example/x", "http://evil.example/", "java\nscript:"):
        with pytest.raises(ApiError) as caught:
            await alice.call(
                "POST",
                f"/api/v1/miniapps/{app['id']}/share",
                {"conversation_id": gid, "client_msg_id": "bad", "path": bad},
            )
        assert caught.value.code == "miniapp.share_path_invalid"
    stranger = await clients("carol")
    with pytest.raises(ApiError):
        await stranger.call(
            "POST",
            f"/api/v1/miniapps/{app['id']}/share",
            {"conversation_id": gid, "client_msg_id": "x"},
        )
    # Bob opens the card: a share ticket; the page's getShareInfo; the app's server opens it.
    ticket = (
        await bob.call(
            "POST", f"/api/v1/miniapps/{app['id']}/share-tickets", {"conversation_id": gid}
        )
    )["share_ticket"]
    with pytest.raises(ApiError) as caught:  # no session key yet
        await bob.call("POST", f"/api/v1/miniapps/{app['id']}/share-info", {"share_ticket": ticket})
    assert caught.value.code == "miniapp.share_ticket_invalid"
    code = (await bob.call("POST", f"/api/v1/miniapps/{app['id']}/login"))["code"]
    session = await sdk(wechat.wxa.code_to_session, code)
    sealed = await bob.call(
        "POST", f"/api/v1/miniapps/{app['id']}/share-info", {"share_ticket": ticket}
    )
    crypto = WeChatWxaCrypto(session["session_key"], sealed["iv"], made["account"]["appid"])
    opened = crypto.decrypt_message(sealed["encryptedData"])
    assert set(opened) == {"openGId", "watermark"}
    assert opened["openGId"].startswith("G") and str(gid) not in json.dumps(opened)
    # Alice's ticket for the same group names the same openGId; her ticket is hers alone.
    with pytest.raises(ApiError) as caught:
        await alice.call(
            "POST", f"/api/v1/miniapps/{app['id']}/share-info", {"share_ticket": ticket}
        )
    assert caught.value.code == "miniapp.share_ticket_invalid"


async def test_an_uploaded_picture_is_fetched_by_the_apps_server_with_wechatpy(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    wechat = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    alice, carol = await clients("alice"), await clients("carol")
    picture = make_picture()
    media = (await alice.call("POST", "/api/v1/media", raw=picture, kind="image"))["media"]
    with pytest.raises(WeChatClientException) as caught:  # not given to the account yet
        await sdk(wechat.media.download, media["id"])
    assert caught.value.errcode == 40007
    with pytest.raises(ApiError) as refused:  # not carol's picture
        await carol.call("POST", f"/api/v1/miniapps/{app['id']}/uploads", {"media_id": media["id"]})
    assert refused.value.code == "media.not_found"
    reply = await alice.call(
        "POST", f"/api/v1/miniapps/{app['id']}/uploads", {"media_id": media["id"]}
    )
    assert reply["server_id"] == media["id"]
    got = await sdk(wechat.media.download, reply["server_id"])
    assert got.content == picture
    clock.advance(3 * 86_400_000 + 1000)  # a serverId lives 3 days
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wechat.media.download, reply["server_id"])
    assert caught.value.errcode == 40007


async def test_an_uploaded_voice_note_is_fetched_by_the_apps_server_with_wechatpy(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    wechat = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    alice, carol = await clients("alice"), await clients("carol")
    uploads = f"/api/v1/miniapps/{app['id']}/uploads"
    clip = opus_clip(1.5)  # what Chromium's MediaRecorder makes: Opus in WebM
    media = (await alice.call("POST", "/api/v1/media", raw=clip, kind="voice"))["media"]
    with pytest.raises(WeChatClientException) as caught:  # not given to the account yet
        await sdk(wechat.media.download, media["id"])
    assert caught.value.errcode == 40007
    with pytest.raises(ApiError) as refused:  # not carol's recording
        await carol.call("POST", uploads, {"media_id": media["id"], "kind": "voice"})
    assert refused.value.code == "media.not_found"
    with pytest.raises(ApiError) as refused:  # a recording is not a picture (uploadImage)
        await alice.call("POST", uploads, {"media_id": media["id"]})
    assert refused.value.code == "media.not_found"
    picture = await alice.call("POST", "/api/v1/media", raw=make_picture(), kind="image")
    with pytest.raises(ApiError) as refused:  # nor a picture a recording (uploadVoice)
        await alice.call("POST", uploads, {"media_id": picture["media"]["id"], "kind": "voice"})
    assert refused.value.code == "media.not_found"
    with pytest.raises(ApiError) as refused:
        await alice.call("POST", uploads, {"media_id": media["id"], "kind": "video"})
    assert refused.value.code == "invalid_input"

    reply = await alice.call("POST", uploads, {"media_id": media["id"], "kind": "voice"})
    assert reply["server_id"] == media["id"]  # the serverId is the account's media_id
    got = await sdk(wechat.media.download, reply["server_id"])
    assert got.content == clip  # a recording browsers play is kept as it came
    assert got.headers["Content-Type"] == "audio/webm"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    other = await new_account(dev, "Other Co")  # another account's token gets nothing
    stranger = wechat_client(dev.base_url, other["account"]["appid"], other["appsecret"])
    with pytest.raises(WeChatClientException) as caught:
        await sdk(stranger.media.download, reply["server_id"])
    assert caught.value.errcode == 40007
    clock.advance(3 * 86_400_000 + 1000)  # a serverId lives 3 days, as WeChat's media
    with pytest.raises(WeChatClientException) as caught:
        await sdk(wechat.media.download, reply["server_id"])
    assert caught.value.errcode == 40007


async def test_a_voice_note_over_a_minute_is_refused_before_a_page_can_hand_it_over(
    server: Server, clients: MakeClient
) -> None:
    alice = await clients("alice")
    with pytest.raises(ApiError) as refused:  # WeChat's recordings stop at 60 s too
        await alice.call("POST", "/api/v1/media", raw=wav_clip(63.0), kind="voice")
    assert refused.value.code == "media.too_long"
    assert refused.value.details["max_seconds"] == 60
    with pytest.raises(ApiError) as refused:
        await alice.call("POST", "/api/v1/media", raw=b"not audio at all", kind="voice")
    assert refused.value.code.startswith("media.")


async def test_download_voice_gives_a_page_only_its_accounts_fresh_recordings(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server)
    dev = await clients("dev")
    made, app = await register_app(dev)
    wechat = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    clip = opus_clip(1.0, "ogg")
    voice = await sdk(wechat.media.upload, "voice", ("hello.ogg", io.BytesIO(clip)))
    image = await sdk(wechat.media.upload, "image", ("p.png", io.BytesIO(make_picture())))
    alice = await clients("alice")
    base = f"{alice.base_url}/api/v1/miniapps/{app['id']}/downloads"
    auth = {"Authorization": f"Bearer {alice.token}"}

    async def fetch(server_id: str, kind: str) -> tuple[int, str, bytes]:
        async with aiohttp.ClientSession(headers=auth) as http:
            async with http.get(f"{base}/{server_id}", params={"kind": kind}) as response:
                return response.status, response.headers["Content-Type"], await response.read()

    status, mime, body = await fetch(voice["media_id"], "voice")
    assert (status, mime, body) == (200, "audio/ogg", clip)
    status, _, body = await fetch(voice["media_id"], "image")  # downloadImage: not a picture
    assert status == 404 and json.loads(body)["error"]["code"] == "platform.media_not_found"
    status, _, body = await fetch(image["media_id"], "voice")  # downloadVoice: not a recording
    assert status == 404 and json.loads(body)["error"]["code"] == "platform.media_not_found"
    status, _, body = await fetch(voice["media_id"], "video")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_input"
    clock.advance(3 * 86_400_000 + 1000)
    status, _, body = await fetch(voice["media_id"], "voice")
    assert status == 404 and json.loads(body)["error"]["code"] == "platform.media_not_found"


@pytest.mark.settings(operators=("root",))
async def test_a_suspended_developers_apps_are_gone_for_everyone(
    server: Server, clients: MakeClient
) -> None:
    root, dev = await clients("root"), await clients("dev")
    _, app = await register_app(dev)
    alice = await clients("alice")
    assert (await alice.call("GET", f"/api/v1/miniapps/{app['id']}"))["app"]["id"] == app["id"]
    assert dev.user is not None
    await root.suspend(dev.user["id"], "spam")
    assert (await alice.call("GET", "/api/v1/miniapps"))["apps"] == []
    for method, path in (("GET", ""), ("POST", "/login")):
        with pytest.raises(ApiError) as caught:
            await alice.call(method, f"/api/v1/miniapps/{app['id']}{path}")
        assert caught.value.code == "miniapp.not_found"
