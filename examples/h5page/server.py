"""A small H5 page for microletter, "Tea Corner", and its server, written as for WeChat
with the unmodified wechatpy:

- who the person is: OAuth (`WeChatOAuth`, scope snsapi_userinfo: their nickname) when
  the page is opened as a web page (a menu button, a link), or `wx.login()` with
  `code_to_session` when it runs as a mini app inside the client (the consent screen is
  a page of the client, which no frame may show);
- the JS-SDK: `wx.config` signed with the account's jsapi ticket (`get_jsapi_ticket`,
  `get_jsapi_signature` over the page's URL);
- share: `updateAppMessageShareData` (a card into a chat) and `updateTimelineShareData`
  (a Moments link with a picture);
- a picture: `chooseImage`, `uploadImage`, and the server fetching it by its serverId
  (`media.download`);
- a voice note for the shop: `startRecord` (the client asks for the microphone),
  `stopRecord`, `playVoice`, `uploadVoice`, and the server fetching it the same way;
- pay: a JSAPI order made with `WeChatPay.order.create` and handed to `chooseWXPay` with
  `jsapi.get_jsapi_params` (the pay sheet checks paySign with the merchant's key).

The only microletter-specific lines are `point_at`, which sends the SDK's requests for
WeChat's hosts to your server, and the OAuth page's host.

    pip install 'wechatpy[cryptography]==1.8.18' aiohttp
    export H5_SERVER=http://127.0.0.1:8080 H5_APPID=wx... H5_SECRET=...
    export H5_MCH_ID=... H5_API_KEY=...     # optional: the account's merchant API
    python examples/h5page/server.py         # http://127.0.0.1:8092/

Register a mini app for the account with the entry URL http://127.0.0.1:8092/ and the
JS-safe domain 127.0.0.1:8092, add 127.0.0.1 to the account's web-authorization domains,
and open it from Discover → Mini apps (docs/miniapps.md, "Examples").
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from aiohttp import web
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.oauth import WeChatOAuth
from wechatpy.pay import WeChatPay

PAGE = Path(__file__).with_name("index.html")
HOSTS = ("https://api.weixin.qq.com/", "https://api.mch.weixin.qq.com/")
APIS = [
    "updateAppMessageShareData",
    "updateTimelineShareData",
    "chooseImage",
    "uploadImage",
    "getLocalImgData",
    "chooseWXPay",
    "startRecord",
    "stopRecord",
    "playVoice",
    "uploadVoice",
]


class _Rewrite(HTTPAdapter):
    """Sends requests meant for WeChat's API hosts to the microletter server instead."""

    def __init__(self, server: str) -> None:
        super().__init__()
        self.server = server.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[no-untyped-def]
        for host in HOSTS:
            if request.url and request.url.startswith(host):
                request.url = self.server + request.url[len(host) :]
        return super().send(request, **kwargs)


def point_at(session: requests.Session, server: str) -> None:
    for host in HOSTS:
        session.mount(host, _Rewrite(server))


class Shop:
    """What the page's server keeps: sessions (our token → the person's OpenID, and their
    nickname when OAuth gave it) and the pictures and voice notes its pages uploaded."""

    def __init__(
        self,
        server: str,
        origin: str,
        appid: str,
        secret: str,
        pay: tuple[str, str] | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.origin = origin.rstrip("/")
        self.wechat = WeChatClient(appid, secret, timeout=10)
        point_at(self.wechat._http, server)
        self.oauth = WeChatOAuth(
            appid, secret, f"{self.origin}/oauth", scope="snsapi_userinfo", state="tea"
        )
        point_at(self.oauth._http, server)
        self.pay: WeChatPay | None = None
        if pay is not None:
            mch_id, api_key = pay
            self.pay = WeChatPay(appid, api_key, mch_id, timeout=10)
            point_at(self.pay._http, server)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.pictures: list[bytes] = []
        self.voices: list[tuple[str, bytes]] = []  # (Content-Type, bytes)

    def listen_at(self, origin: str) -> None:
        """Where this server is reached (OAuth sends the browser back there)."""
        self.origin = origin.rstrip("/")
        self.oauth.redirect_uri = f"{self.origin}/oauth"

    def authorize_url(self) -> str:
        """WeChat's OAuth page, on the microletter server."""
        query = urlencode(
            {
                "appid": self.oauth.app_id,
                "redirect_uri": self.oauth.redirect_uri,
                "response_type": "code",
                "scope": self.oauth.scope,
                "state": self.oauth.state,
            }
        )
        return f"{self.server}/connect/oauth2/authorize?{query}#wechat_redirect"

    async def config(self, url: str) -> dict[str, Any]:
        """wx.config for the page at `url`, signed with the account's jsapi ticket."""
        ticket = await asyncio.to_thread(self.wechat.jsapi.get_jsapi_ticket)
        nonce, timestamp = secrets.token_hex(8), str(int(time.time()))
        signature = self.wechat.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url)
        return {
            "debug": False,
            "appId": self.wechat.appid,
            "timestamp": timestamp,
            "nonceStr": nonce,
            "signature": signature,
            "jsApiList": APIS,
        }

    def start(self, openid: str, nickname: str) -> str:
        token = secrets.token_urlsafe(16)
        self.sessions[token] = {"openid": openid, "nickname": nickname}
        return token

    async def from_oauth(self, code: str) -> str:
        got = await asyncio.to_thread(self.oauth.fetch_access_token, code)
        user = await asyncio.to_thread(self.oauth.get_user_info)
        return self.start(got["openid"], user.get("nickname", ""))

    async def from_login(self, code: str) -> str:
        got = await asyncio.to_thread(self.wechat.wxa.code_to_session, code)
        return self.start(got["openid"], "")  # the session_key stays on this server

    async def order(self, token: str) -> dict[str, Any]:
        """A JSAPI order for the person, and chooseWXPay's signed parameters."""
        assert self.pay is not None
        made = await asyncio.to_thread(
            self.pay.order.create,
            "JSAPI",
            "Longjing, 50 g",
            4800,
            f"{self.origin}/paid",
            client_ip="127.0.0.1",
            user_id=self.sessions[token]["openid"],
            out_trade_no=secrets.token_hex(8),
        )
        params: dict[str, Any] = self.pay.jsapi.get_jsapi_params(made["prepay_id"], jssdk=True)
        return params

    async def fetch(self, server_id: str) -> int:
        got = await asyncio.to_thread(self.wechat.media.download, server_id)
        self.pictures.append(got.content)
        return len(got.content)

    async def fetch_voice(self, server_id: str) -> dict[str, Any]:
        """uploadVoice's serverId is a media_id too: media/get gives the recording."""
        got = await asyncio.to_thread(self.wechat.media.download, server_id)
        kind = got.headers.get("Content-Type", "")
        self.voices.append((kind, got.content))
        return {"size": len(got.content), "type": kind}


def make_app(shop: Shop) -> web.Application:
    template = PAGE.read_text(encoding="utf-8").replace("{{SERVER}}", html.escape(shop.server))

    async def index(request: web.Request) -> web.Response:
        # The browser's location.href without the #fragment, as WeChat signs it.
        url = str(request.url)
        page = template.replace("{{CONFIG}}", json.dumps(await shop.config(url)))
        return web.Response(text=page, content_type="text/html")

    async def login(_: web.Request) -> web.Response:
        raise web.HTTPFound(shop.authorize_url())

    async def oauth(request: web.Request) -> web.Response:
        if "code" not in request.query:  # the person said no
            raise web.HTTPFound("/?declined=1")
        token = await shop.from_oauth(request.query["code"])
        raise web.HTTPFound(f"/?session={token}")

    async def session(request: web.Request) -> web.Response:
        token = await shop.from_login(request.query["code"])
        return web.json_response({"session": token})

    async def me(request: web.Request) -> web.Response:
        found = shop.sessions.get(request.query.get("session", ""))
        if found is None:
            return web.json_response({"error": "not logged in"}, status=401)
        return web.json_response({"nickname": found["nickname"], "openid": found["openid"]})

    async def order(request: web.Request) -> web.Response:
        token = request.query.get("session", "")
        if token not in shop.sessions or shop.pay is None:
            return web.json_response({"error": "not logged in or no merchant"}, status=400)
        return web.json_response(await shop.order(token))

    async def fetch(request: web.Request) -> web.Response:
        return web.json_response({"size": await shop.fetch(request.query["server_id"])})

    async def fetch_voice(request: web.Request) -> web.Response:
        return web.json_response(await shop.fetch_voice(request.query["server_id"]))

    async def paid(_: web.Request) -> web.Response:
        # The merchant API's payment notification (check its sign with wechatpy's
        # `pay.parse_payment_result` in a real shop); acknowledged as WeChat expects.
        body = "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"
        return web.Response(text=body, content_type="text/xml")

    async def picture(_: web.Request) -> web.FileResponse:
        return web.FileResponse(Path(__file__).with_name("tea.png"))

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/login", login)
    app.router.add_get("/oauth", oauth)
    app.router.add_get("/session", session)
    app.router.add_get("/me", me)
    app.router.add_get("/order", order)
    app.router.add_get("/fetch", fetch)
    app.router.add_get("/fetch-voice", fetch_voice)
    app.router.add_post("/paid", paid)
    app.router.add_get("/tea.png", picture)
    return app


if __name__ == "__main__":
    merchant = None
    if os.environ.get("H5_MCH_ID") and os.environ.get("H5_API_KEY"):
        merchant = (os.environ["H5_MCH_ID"], os.environ["H5_API_KEY"])
    shop = Shop(
        os.environ["H5_SERVER"],
        os.environ.get("H5_ORIGIN", "http://127.0.0.1:8092"),
        os.environ["H5_APPID"],
        os.environ["H5_SECRET"],
        merchant,
    )
    web.run_app(make_app(shop), host="127.0.0.1", port=8092)
