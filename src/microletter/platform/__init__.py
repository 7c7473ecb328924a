"""The open platform: official accounts and bots that speak the WeChat Official Account
protocol, so existing SDKs (wechatpy) work unchanged against a microletter server.

Its door: `Platform` (what its actions are given), `Dispatcher` (pushes to webhooks),
`WebhookClient` (SSRF-guarded outgoing HTTP) and `PublicFetcher` (the same guard, for
other rooms' GETs: a Moments link card's picture), what the merchant API needs of accounts
(payees.py), the pictures and recordings an account uploaded for its pages
(`account_image`, `account_voice`: wx.downloadImage and wx.downloadVoice), the shop's
conversation with a buyer (`open_conversation`, a step of its unit of work), service
notifications (`send_notice` with a `Notice` from a `Source`, a step of the sending
room's unit of work: a follower hears it from the account, anyone else in their
`service` conversation) and the protocol's XML, and `mount`, which adds
the protocol's paths (/cgi-bin, /sns, /connect) and returns the /api/v1 routers for the
gateway to serve.
Account media live in the media room (platform/media.py); `register_referrers` tells its
collector which blobs the platform still needs. app.py and the merchant API's room
(wxpay) and the mini apps' room import it, through this door only.
"""

from __future__ import annotations

from aiohttp import web

from microletter.gateway.api import Router
from microletter.media import Referrers
from microletter.platform import endpoints, endpoints_audience, endpoints_material, sns
from microletter.platform.cgi import Limit
from microletter.platform.cgi import mount as mount_cgi
from microletter.platform.cgi import reply as protocol_reply
from microletter.platform.context import Platform, platform_limits
from microletter.platform.dispatcher import Dispatcher
from microletter.platform.errcodes import error_json as protocol_error
from microletter.platform.errors import (
    AccountMediaNotFound,
    AccountNotFound,
    JsSignatureInvalid,
    NotAccountOwner,
)
from microletter.platform.fetcher import PublicFetcher
from microletter.platform.media import account_image, account_voice
from microletter.platform.payees import (
    account_by_appid,
    account_by_id,
    account_with_secret,
    is_follower,
    openid_of,
    owned_account,
    unionid_of,
)
from microletter.platform.routes import routers
from microletter.platform.rules.notifications import Notice, Route, Source
from microletter.platform.rules.officials import OfficialAccount, PlatformLimits, openid_for
from microletter.platform.service import check_js_config
from microletter.platform.store import PlatformStore
from microletter.platform.store.followers import open_conversation
from microletter.platform.store.notifications import account_source, send_notice
from microletter.platform.store.referrers import media_referrers
from microletter.platform.tokens import authenticate as account_of_token
from microletter.platform.webhook import Answer, WebhookClient
from microletter.platform.xmlcodec import XmlError
from microletter.platform.xmlcodec import parse as parse_xml
from microletter.platform.xmlcodec import render as render_xml

__all__ = [
    "AccountMediaNotFound",
    "AccountNotFound",
    "Answer",
    "Dispatcher",
    "JsSignatureInvalid",
    "NotAccountOwner",
    "Notice",
    "OfficialAccount",
    "Platform",
    "PlatformStore",
    "PublicFetcher",
    "Route",
    "Source",
    "WebhookClient",
    "XmlError",
    "account_by_appid",
    "account_by_id",
    "account_image",
    "account_voice",
    "account_source",
    "account_of_token",
    "account_with_secret",
    "check_js_config",
    "is_follower",
    "mount",
    "open_conversation",
    "openid_for",
    "openid_of",
    "owned_account",
    "parse_xml",
    "platform_limits",
    "protocol_error",
    "protocol_reply",
    "register_referrers",
    "render_xml",
    "send_notice",
    "unionid_of",
]

# imported for their @endpoint registrations
REGISTERED = (endpoints, endpoints_audience, endpoints_material, sns)


def mount(app: web.Application, p: Platform, limit: Limit) -> list[Router]:
    """Add the protocol's paths to `app`; return the /api/v1 routers (the gateway binds
    them with its auth, rate limits and OpenAPI). An account's code links to /q/<ticket>,
    which the gateway serves as a page of the web client (gateway/webapp.py, LINKS)."""
    mount_cgi(app, p, limit)
    return routers(p)


def register_referrers(registry: Referrers, limits: PlatformLimits) -> None:
    """Declare the blobs the platform still needs: accounts' fresh uploads and the media
    of broadcasts (platform/store/referrers.py)."""
    registry.register(*media_referrers(limits.media_seconds))
