"""The open platform: official accounts and bots that speak the WeChat Official Account
protocol, so existing SDKs (wechatpy) work unchanged against a microletter server.

Its door: `Platform` (what its actions are given), `Dispatcher` (pushes to webhooks),
`WebhookClient`, and `mount`, which adds the protocol's paths (/cgi-bin, /sns, /connect)
and returns the /api/v1 routers for the gateway to serve. Account media live in the media
room (platform/media.py). Only app.py imports this room.
"""

from __future__ import annotations

from aiohttp import web

from microletter.gateway.api import Router
from microletter.platform import endpoints, sns
from microletter.platform.cgi import Limit
from microletter.platform.cgi import mount as mount_cgi
from microletter.platform.context import Platform
from microletter.platform.dispatcher import Dispatcher
from microletter.platform.routes import routers
from microletter.platform.webhook import WebhookClient

__all__ = ["Dispatcher", "Platform", "WebhookClient", "mount"]

REGISTERED = (endpoints, sns)  # imported for their @endpoint registrations


def mount(app: web.Application, p: Platform, limit: Limit) -> list[Router]:
    """Add the protocol's paths and the QR links to `app`; return the /api/v1 routers
    (the gateway binds them with its auth, rate limits and OpenAPI)."""
    mount_cgi(app, p, limit)

    async def qr_link(request: web.Request) -> web.StreamResponse:
        """What a scanned code opens: the web client, at the code."""
        raise web.HTTPFound("/#/qr/" + request.match_info["ticket"])

    app.router.add_get("/q/{ticket:[0-9a-f]{1,64}}", qr_link)
    return routers(p)
