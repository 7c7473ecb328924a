"""The open platform: official accounts and bots that speak the WeChat Official Account
protocol, so existing SDKs (wechatpy) work unchanged against a microletter server.

Its door: `Platform` (what its actions are given), `Dispatcher` (pushes to webhooks),
`WebhookClient`, `MediaFiles`, and `mount`, which adds the protocol's paths (/cgi-bin,
/sns, /connect) and returns the /api/v1 routers for the gateway to serve. Only app.py
imports this room.
"""

from __future__ import annotations

from aiohttp import web

from microletter.core.errors import MicroletterError
from microletter.gateway.api import Router
from microletter.platform import endpoints, sns
from microletter.platform.cgi import Limit
from microletter.platform.cgi import mount as mount_cgi
from microletter.platform.context import Platform
from microletter.platform.dispatcher import Dispatcher
from microletter.platform.endpoints import MEDIA_FILES, media_response
from microletter.platform.media import MediaFiles, download
from microletter.platform.routes import routers
from microletter.platform.webhook import WebhookClient

__all__ = ["Dispatcher", "MediaFiles", "Platform", "WebhookClient", "mount"]

REGISTERED = (endpoints, sns)  # imported for their @endpoint registrations


def mount(app: web.Application, p: Platform, files: MediaFiles, limit: Limit) -> list[Router]:
    """Add the protocol's paths and the media and QR links to `app`; return the /api/v1
    routers (the gateway binds them with its auth, rate limits and OpenAPI)."""
    app[MEDIA_FILES] = files
    mount_cgi(app, p, limit)

    async def media(request: web.Request) -> web.StreamResponse:
        """An account's media for followers' clients: the unguessable id is the key."""
        try:
            found, data = await download(p, files, request.match_info["media_id"])
        except MicroletterError:
            raise web.HTTPNotFound() from None
        return media_response(found.mime, found.filename, data)

    async def qr_link(request: web.Request) -> web.StreamResponse:
        """What a scanned code opens: the web client, at the code."""
        raise web.HTTPFound("/#/qr/" + request.match_info["ticket"])

    app.router.add_get("/api/v1/platform/media/{media_id}", media)
    app.router.add_get("/q/{ticket:[0-9a-f]{1,64}}", qr_link)
    return routers(p)
