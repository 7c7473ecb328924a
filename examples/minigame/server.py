"""A small H5 game for microletter, "Tap!": tap as often as you can in ten seconds. Its
page logs in with wx.login(), its server exchanges the code with the unmodified
wechatpy (`code_to_session`) and writes the player's best score to WeChat's
`/wxa/set_user_storage`, signed with the session key (HMAC-SHA256 of the body), and the
page shows the player's rank among their friends (`wx.getRank`) and opens the friend
ranking, which the microletter client draws itself (`wx.openRanking`): neither the page
nor this server ever sees a friend's name or score.

Written as for WeChat; the only microletter-specific line is `point_at`, which sends the
SDK's requests for api.weixin.qq.com to your server.

    pip install 'wechatpy[cryptography]==1.8.18' aiohttp
    export GAME_SERVER=http://127.0.0.1:8080 GAME_APPID=wx... GAME_SECRET=...
    python examples/minigame/server.py          # http://127.0.0.1:8091/

Register a mini app for the account in the developer console with the entry URL
http://127.0.0.1:8091/ and the JS-safe domain 127.0.0.1:8091, then open it from
Discover → Mini apps (docs/miniapps.md, "Examples").
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import requests
from aiohttp import web
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient

PAGE = Path(__file__).with_name("index.html")
KEY = "best"  # the record the ranking reads: {"wxgame": {"score": N, "update_time": T}}


class _Rewrite(HTTPAdapter):
    """Sends requests meant for WeChat's API host to the microletter server instead."""

    def __init__(self, server: str) -> None:
        super().__init__()
        self.server = server.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[no-untyped-def]
        if request.url and request.url.startswith("https://api.weixin.qq.com/"):
            request.url = self.server + request.url[len("https://api.weixin.qq.com/") :]
        return super().send(request, **kwargs)


def point_at(session: requests.Session, server: str) -> None:
    session.mount("https://api.weixin.qq.com/", _Rewrite(server))


def wechat_client(server: str, appid: str, secret: str) -> WeChatClient:
    client = WeChatClient(appid, secret, timeout=10)
    point_at(client._http, server)
    return client


def sign(session_key: str, body: str) -> str:
    """WeChat's login-state signature: HMAC-SHA256 of the POST body with the session key."""
    return hmac.new(session_key.encode(), body.encode(), hashlib.sha256).hexdigest()


class Game:
    """What the game's server keeps: its players' sessions and best scores, no one else's."""

    def __init__(self, server: str, wechat: WeChatClient) -> None:
        self.server = server.rstrip("/")
        self.wechat = wechat
        self.players: dict[str, dict[str, Any]] = {}  # our token -> openid, key, best
        self.received: list[Any] = []  # every answer microletter gave us (for the curious)

    async def login(self, code: str) -> str:
        session = await asyncio.to_thread(self.wechat.wxa.code_to_session, code)
        self.received.append(session)
        token = secrets.token_urlsafe(16)
        self.players[token] = {
            "openid": session["openid"],
            "session_key": session["session_key"],
            "best": None,
        }
        return token

    async def score(self, token: str, score: int) -> bool:
        """Keep a round's score; write it to microletter when it is the player's best."""
        player = self.players[token]
        if player["best"] is not None and score <= player["best"]:
            return False
        value = json.dumps({"wxgame": {"score": score, "update_time": int(time.time())}})
        body = json.dumps({"kv_list": [{"key": KEY, "value": value}]})
        params = {
            "openid": player["openid"],
            "signature": sign(player["session_key"], body),
            "sig_method": "hmac_sha256",
        }
        answer = await asyncio.to_thread(
            self.wechat.post,
            "https://api.weixin.qq.com/wxa/set_user_storage",
            params=params,
            data=body,
        )
        self.received.append(answer)
        player["best"] = score
        return True


def make_app(game: Game) -> web.Application:
    page = PAGE.read_text(encoding="utf-8").replace("{{SERVER}}", game.server)

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def session(request: web.Request) -> web.Response:
        token = await game.login(request.query["code"])
        return web.json_response({"token": token})

    async def score(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("token") not in game.players or not isinstance(body.get("score"), int):
            return web.json_response({"error": "bad request"}, status=400)
        best = await game.score(body["token"], body["score"])
        return web.json_response({"best": best})

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/index.html", index)
    app.router.add_get("/session", session)
    app.router.add_post("/score", score)
    return app


if __name__ == "__main__":
    server = os.environ["GAME_SERVER"]
    wechat = wechat_client(server, os.environ["GAME_APPID"], os.environ["GAME_SECRET"])
    web.run_app(make_app(Game(server, wechat)), host="127.0.0.1", port=8091)
