"""A merchant's notify_url, written as wechatpy's documentation writes one (aiohttp
instead of Flask): `WeChatPay.parse_payment_result` checks the signature, then the
handler answers <return_code>SUCCESS</return_code>. Tests make it refuse the first
`refuse` notifications (HTTP 500) to prove they are tried again. Refund notifications
come to `refund_url`, where `WeChatPay.parse_refund_notify_result` decrypts their
`req_info` with the API key."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.pay import WeChatPay

OK = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg>OK</return_msg></xml>"


class NotifySite:
    def __init__(self, pay: WeChatPay) -> None:
        self.pay = pay
        self.refuse = 0  # answer this many of the next notifications with HTTP 500
        self.received: list[dict[str, Any]] = []  # verified notifications, in order
        self.attempts = 0  # every POST, refused or not
        self.forged = 0  # notifications whose signature did not check out
        self.refunds: list[dict[str, Any]] = []  # decrypted refund notifications
        self.refund_bodies: list[bytes] = []  # as they came
        self.arrived = asyncio.Condition()
        self.url = ""
        self.refund_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/wxpay/notify", self.notify)
        app.router.add_post("/wxpay/refund", self.refund)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/wxpay/notify"
        self.refund_url = f"http://127.0.0.1:{port}/wxpay/refund"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def notify(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.attempts += 1
        if self.refuse > 0:
            self.refuse -= 1
            return web.Response(status=500, text="busy")
        try:
            data = self.pay.parse_payment_result(body)
        except InvalidSignatureException:
            self.forged += 1
            return web.Response(text="<xml><return_code>FAIL</return_code></xml>")
        async with self.arrived:
            self.received.append(data)
            self.arrived.notify_all()
        return web.Response(text=OK, content_type="text/xml")

    async def refund(self, request: web.Request) -> web.Response:
        body = await request.read()
        data = self.pay.parse_refund_notify_result(body)  # decrypts req_info, checks ids
        async with self.arrived:
            self.refund_bodies.append(body)
            self.refunds.append(data)
            self.arrived.notify_all()
        return web.Response(text=OK, content_type="text/xml")

    async def wait_refunds(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout), self.arrived:
            await self.arrived.wait_for(lambda: len(self.refunds) >= count)
        return self.refunds

    async def wait(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout), self.arrived:
            await self.arrived.wait_for(lambda: len(self.received) >= count)
        return self.received
