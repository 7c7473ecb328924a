"""The mini apps' paths outside /api/v1:

- `/sns/jscode2session` (GET): WeChat's mini-program login. The app's server sends its
  account's AppID and AppSecret and the code wx.login() gave the page; the answer is
  the person's openid, unionid and a session_key, or `{errcode, errmsg}` in WeChat's
  conventions (HTTP 200 either way), as wechatpy's `WeChatWxa.code_to_session` expects.
- `/wxa/set_user_storage` and `/wxa/remove_user_storage` (POST): a game's server writes
  or removes a player's records, as WeChat's: `access_token`, `openid`, `signature`
  (hex HMAC-SHA256 of the exact body, keyed with the player's session key) and
  `sig_method=hmac_sha256` in the query; `{"kv_list": [{key, value}]}` or
  `{"key": [...]}` as the body. Mounted before the platform's /wxa catch-all.
- `/open/js/jweixin-1.6.0.js` (and `/jweixin.js`): the JS-SDK a page includes, giving it
  WeChat's `wx` object over postMessage to the web client (jweixin.js, docs/miniapps.md).
  The path is WeChat's own on res.wx.qq.com, so a page changes only the host.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from microletter.core.errors import InvalidInput, MicroletterError, TooLarge
from microletter.miniapps import actions, games
from microletter.miniapps.actions import MiniApps
from microletter.miniapps.errors import (
    LoginCodeExpired,
    LoginCodeInvalid,
    LoginCodeUsed,
    PlayerNotFound,
    StorageInvalid,
    StorageSignatureInvalid,
)
from microletter.platform import account_of_token, protocol_error, protocol_reply

log = logging.getLogger(__name__)
Limit = Callable[[str, str], Awaitable[None]]
SCRIPT = Path(__file__).with_name("jweixin.js")
SCRIPT_PATHS = ("/open/js/jweixin-1.6.0.js", "/jweixin.js")
# WeChat's codes for what only this room raises; everything else is the platform's.
ERRCODES: dict[type[MicroletterError], tuple[int, str]] = {
    LoginCodeInvalid: (40029, "invalid code"),
    LoginCodeExpired: (40029, "invalid code"),
    LoginCodeUsed: (40163, "code been used"),
    StorageSignatureInvalid: (87009, "invalid signature"),
    PlayerNotFound: (40003, "invalid openid"),
    StorageInvalid: (47001, "data format error"),
}
MAX_STORAGE_BODY = 160 * 1024  # 128 records of 1 KiB, in JSON


def error_json(exc: MicroletterError) -> dict[str, Any]:
    for cls, (code, text) in ERRCODES.items():
        if isinstance(exc, cls):
            return {"errcode": code, "errmsg": f"{text}: {exc.message}"}
    return protocol_error(exc)


def mount(app: web.Application, room: MiniApps, limit: Limit) -> None:
    script = SCRIPT.read_bytes()

    async def jscode2session(request: web.Request) -> web.StreamResponse:
        query = request.query
        try:
            await limit("account", "jscode2session:" + query.get("appid", "")[:64])
            if query.get("grant_type", "authorization_code") != "authorization_code":
                raise InvalidInput("grant_type must be authorization_code.", field="grant_type")
            for name in ("appid", "secret", "js_code"):
                if not query.get(name):
                    raise InvalidInput(f"The query parameter {name!r} is needed.", field=name)
            session = await actions.code_to_session(
                room, query["appid"], query["secret"], query["js_code"]
            )
        except MicroletterError as exc:
            room.ctx.metrics.errors.labels(exc.code).inc()
            return protocol_reply(error_json(exc))
        return protocol_reply(session)

    async def jweixin(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=script,
            content_type="text/javascript",
            charset="utf-8",
            headers={
                "Cache-Control": "public, max-age=3600",
                "Access-Control-Allow-Origin": "*",  # pages of any origin include it
                "Cross-Origin-Resource-Policy": "cross-origin",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def storage(write: games.ServerWrite) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            query = request.query
            try:
                account = await account_of_token(room.platform, query.get("access_token"))
                await limit("account", str(account.id))
                for name in ("openid", "signature", "sig_method"):
                    if not query.get(name):
                        raise InvalidInput(f"The query parameter {name!r} is needed.", field=name)
                body = await request.content.read(MAX_STORAGE_BODY + 1)
                if len(body) > MAX_STORAGE_BODY:
                    raise TooLarge(max_bytes=MAX_STORAGE_BODY)
                await write(
                    room,
                    account,
                    query["openid"],
                    query["signature"],
                    query["sig_method"],
                    body,
                )
            except MicroletterError as exc:
                room.ctx.metrics.errors.labels(exc.code).inc()
                return protocol_reply(error_json(exc))
            return protocol_reply({"errcode": 0, "errmsg": "ok"})

        return handle

    app.router.add_post("/wxa/set_user_storage", storage(games.server_set))
    app.router.add_post("/wxa/remove_user_storage", storage(games.server_remove))
    app.router.add_get("/sns/jscode2session", jscode2session)
    for path in SCRIPT_PATHS:
        app.router.add_get(path, jweixin)
