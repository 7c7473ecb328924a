"""A developer's bot behind a webhook, written with the unmodified wechatpy the way its
documentation writes one (aiohttp here instead of Flask): check_signature, then
parse_message (after WeChatCrypto.decrypt_message when encrypt_type is aes), then a
reply from create_reply, encrypted with encrypt_message in compatible and safe modes.

It runs on its own ephemeral loopback port. Tests steer it with `answer` (a function of
the parsed message returning a wechatpy reply, None for "success", or raw bytes to send
as they are), `delay` (seconds to hang before answering), `status` and `keep_alive`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from aiohttp import web
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

Answer = Callable[[Any], Any]


def echo(message: Any) -> Any:
    """The classic first bot: echo texts, welcome followers, stay quiet otherwise."""
    if message.type == "text":
        return create_reply(f"echo: {message.content}", message)
    if message.type == "event" and message.event in ("subscribe", "subscribe_scan"):
        return create_reply("welcome!", message)
    return None


class Bot:
    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid)
        self.answer: Answer = echo
        self.delay = 0.0
        self.status = 200
        self.keep_alive = True  # False: close every connection after its answer
        self.received: list[Any] = []  # parsed messages, in arrival order
        self.queries: list[dict[str, str]] = []  # the query string of every POST
        self.bodies: list[str] = []  # the body of every POST, as it came
        self.rejected = 0  # pushes whose signature did not check out
        self.arrived = asyncio.Condition()
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._released = asyncio.Event()  # ends every `delay` at once when the bot stops

    async def start(self) -> str:
        app = web.Application(middlewares=[self._connection])
        app.router.add_get("/wechat", self.verify)
        app.router.add_post("/wechat", self.receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/wechat"
        return self.url

    @web.middleware
    async def _connection(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        if not self.keep_alive:
            response.force_close()
        return response

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _signed(self, request: web.Request) -> bool:
        q = request.query
        try:
            check_signature(self.token, q.get("signature"), q.get("timestamp"), q.get("nonce"))
        except InvalidSignatureException:
            self.rejected += 1
            return False
        return True

    async def verify(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403)
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403)
        q = request.query
        body = await request.text()
        self.bodies.append(body)
        encrypted = q.get("encrypt_type", "raw") == "aes"
        if encrypted:
            try:
                body = self.crypto.decrypt_message(
                    body, q.get("msg_signature"), q.get("timestamp"), q.get("nonce")
                )
            except (InvalidSignatureException, InvalidAppIdException):
                self.rejected += 1
                return web.Response(status=403)
        message = parse_message(body)
        async with self.arrived:
            self.received.append(message)
            self.queries.append(dict(q))
            self.arrived.notify_all()
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self.delay)
        answer = self.answer(message)
        if isinstance(answer, bytes):
            return web.Response(body=answer, status=self.status)
        if answer is None:
            return web.Response(text="success", status=self.status)
        xml = answer.render()
        if encrypted:
            xml = self.crypto.encrypt_message(xml, q.get("nonce"), q.get("timestamp"))
        return web.Response(text=xml, content_type="application/xml", status=self.status)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        """Wait until `count` messages arrived in all; return them."""
        async with asyncio.timeout(timeout):
            async with self.arrived:
                await self.arrived.wait_for(lambda: len(self.received) >= count)
        return self.received
