"""The merchant paths of WeChat Pay API v2, on the wire: POST a signed <xml>, get a
signed <xml> back, always with HTTP 200 (as WeChat answers), errors included:

    /pay/unifiedorder   /pay/orderquery   /pay/closeorder
    /secapi/pay/refund  /pay/refundquery

Any other path under /pay or /secapi answers the protocol's FAIL too, never the Official
Account API's JSON (platform/cgi.py leaves these prefixes alone on purpose). Handlers
only read, call actions.py and write; the rules are in rules.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from microletter.core.errors import MicroletterError
from microletter.wxpay import actions
from microletter.wxpay.actions import Caller, WxPay
from microletter.wxpay.errors import WxPayApiUnknown, WxPayMethodInvalid, WxPayXmlInvalid
from microletter.wxpay.rules import Params

log = logging.getLogger(__name__)

MAX_XML = 64 * 1024
Operation = Callable[[WxPay, Caller, Params], Awaitable[Mapping[str, str | int]]]
Limit = Callable[[str, str], Awaitable[None]]

PATHS: dict[str, Operation] = {
    "/pay/unifiedorder": actions.unified_order,
    "/pay/orderquery": actions.order_query,
    "/pay/closeorder": actions.close_order,
    "/secapi/pay/refund": actions.refund,
    "/pay/refundquery": actions.refund_query,
}
PREFIXES = ("/pay", "/secapi")


def xml_response(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/xml", charset="utf-8")


def bind(
    room: WxPay, op: Operation, limit: Limit
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        caller: Caller | None = None
        try:
            if request.method != "POST":
                raise WxPayMethodInvalid()
            raw = await request.content.read(MAX_XML + 1)
            if len(raw) > MAX_XML:
                raise WxPayXmlInvalid(f"The body is above {MAX_XML} bytes.")
            params = actions.read_params(raw)
            caller = await actions.authenticate(room, params)
            await limit("account", str(caller.merchant.account_id))
            fields = await op(room, caller, params)
            return xml_response(actions.reply_xml(room, caller, fields))
        except MicroletterError as exc:
            room.ctx.metrics.errors.labels(exc.code).inc()
            return xml_response(actions.error_xml(room, caller, exc))
        except Exception:
            log.exception("wxpay.unexpected", extra={"path": request.path})
            return xml_response(actions.error_xml(room, caller, MicroletterError()))

    return handle


def unknown(room: WxPay) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        exc = WxPayApiUnknown(f"{request.path} is not provided by this server.")
        room.ctx.metrics.errors.labels(exc.code).inc()
        return xml_response(actions.error_xml(room, None, exc))

    return handle


def mount(app: web.Application, room: WxPay, limit: Limit) -> None:
    for path, op in PATHS.items():
        app.router.add_route("*", path, bind(room, op, limit))
    for prefix in PREFIXES:
        app.router.add_route("*", prefix + "/{tail:.*}", unknown(room))
