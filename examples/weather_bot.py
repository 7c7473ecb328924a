"""A weather bot for a microletter official account, written with the unmodified wechatpy.

It is what you would write for WeChat itself: a webhook that checks signatures, parses
messages, replies (encrypted in safe mode), plus a few API calls. The only thing that is
microletter-specific is `point_at`, which sends the SDK's requests for api.weixin.qq.com to
your server (the SDK has no base-URL argument for its token URL).

    pip install 'wechatpy[cryptography]==1.8.18' aiohttp
    export BOT_SERVER=http://127.0.0.1:8080 BOT_APPID=wx... BOT_SECRET=... \
           BOT_TOKEN=... BOT_AES_KEY=...            # from the developer console
    python examples/weather_bot.py menu             # create the custom menu
    python examples/weather_bot.py serve            # listen on http://127.0.0.1:8090/wechat

Then save http://127.0.0.1:8090/wechat as the account's webhook (see docs/platform.md).
"""

from __future__ import annotations

import os
import sys

import requests
from aiohttp import web
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient, create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

FORECASTS = {"paris": "light rain, 14°C", "beijing": "sunny, 22°C", "lima": "cloudy, 19°C"}
MENU = {
    "button": [
        {"type": "click", "name": "Today", "key": "TODAY"},
        {
            "name": "More",
            "sub_button": [
                {"type": "click", "name": "Cities", "key": "CITIES"},
                {"type": "view", "name": "Website", "url": "https://example.com/weather"},
            ],
        },
    ]
}


class _Rewrite(HTTPAdapter):
    """Sends requests meant for WeChat's API hosts to the microletter server instead."""

    def __init__(self, server: str) -> None:
        super().__init__()
        self.server = server.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[no-untyped-def]
        for host in ("https://api.weixin.qq.com/", "https://mp.weixin.qq.com/"):
            if request.url and request.url.startswith(host):
                request.url = self.server + request.url[len(host) :]
        return super().send(request, **kwargs)


def point_at(session: requests.Session, server: str) -> None:
    for host in ("https://api.weixin.qq.com/", "https://mp.weixin.qq.com/"):
        session.mount(host, _Rewrite(server))


def wechat_client(server: str, appid: str, secret: str) -> WeChatClient:
    client = WeChatClient(appid, secret, timeout=10)
    point_at(client._http, server)
    return client


def answer(message):  # type: ignore[no-untyped-def]
    """The bot's brain: a wechatpy reply, or None for no reply."""
    if message.type == "event":
        if message.event in ("subscribe", "subscribe_scan"):
            return create_reply("Welcome! Send 'weather <city>' or press Today.", message)
        if message.event == "click" and message.key == "TODAY":
            return create_reply(f"Paris today: {FORECASTS['paris']}", message)
        if message.event == "click" and message.key == "CITIES":
            return create_reply("I know: " + ", ".join(sorted(FORECASTS)), message)
        return None
    if message.type != "text":
        return create_reply("I only read text, sorry.", message)
    words = message.content.strip().lower().split()
    if len(words) == 2 and words[0] == "weather" and words[1] in FORECASTS:
        city = words[1]
        card = {
            "title": f"{city.title()}: {FORECASTS[city]}",
            "description": "Forecast for today",
            "url": f"https://example.com/weather/{city}",
            "image": f"https://example.com/weather/{city}.png",
        }
        return create_reply([card], message)
    return create_reply("Try 'weather paris'.", message)


def make_app(token: str, aes_key: str, appid: str) -> web.Application:
    """The webhook: GET is the handshake, POST a message or event."""
    crypto = WeChatCrypto(token, aes_key, appid)

    async def verify(request: web.Request) -> web.Response:
        q = request.query
        try:
            check_signature(token, q.get("signature"), q.get("timestamp"), q.get("nonce"))
        except InvalidSignatureException:
            return web.Response(status=403)
        return web.Response(text=q.get("echostr", ""))

    async def receive(request: web.Request) -> web.Response:
        q = request.query
        try:
            check_signature(token, q.get("signature"), q.get("timestamp"), q.get("nonce"))
            body = await request.text()
            safe = q.get("encrypt_type", "raw") == "aes"
            if safe:
                body = crypto.decrypt_message(
                    body, q.get("msg_signature"), q.get("timestamp"), q.get("nonce")
                )
        except (InvalidSignatureException, InvalidAppIdException):
            return web.Response(status=403)
        reply = answer(parse_message(body))
        if reply is None:
            return web.Response(text="success")
        xml = reply.render()
        if safe:
            xml = crypto.encrypt_message(xml, q.get("nonce"), q.get("timestamp"))
        return web.Response(text=xml, content_type="application/xml")

    app = web.Application()
    app.router.add_get("/wechat", verify)
    app.router.add_post("/wechat", receive)
    return app


def main(argv: list[str]) -> None:
    env = os.environ
    command = argv[1] if len(argv) > 1 else "serve"
    if command == "menu":
        client = wechat_client(env["BOT_SERVER"], env["BOT_APPID"], env["BOT_SECRET"])
        print(client.menu.create(MENU))
    elif command == "serve":
        app = make_app(env["BOT_TOKEN"], env["BOT_AES_KEY"], env["BOT_APPID"])
        web.run_app(app, host="127.0.0.1", port=int(env.get("BOT_PORT", "8090")))
    else:
        sys.exit(f"usage: {argv[0]} [serve|menu]")


if __name__ == "__main__":
    main(sys.argv)
