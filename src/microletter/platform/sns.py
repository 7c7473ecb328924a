"""OAuth 2 web authorization at the protocol's paths: the authorize page
(/connect/oauth2/authorize, /connect/qrconnect) and the /sns calls of WeChatOAuth.

The authorize page is where a person's browser lands from an H5 page. The browser sends
no bearer token on a navigation, so it is sent on to the web client's consent screen
(`/#/oauth?<the same query>`, web/js/views/consent.js), which uses the client's session,
asks /api/v1/oauth/consent what is being asked, and then either goes on at once
(snsapi_base, silent) or asks the person (snsapi_userinfo); agreeing calls
/api/v1/oauth/authorize and follows its redirect. A client that can send
`Authorization: Bearer` (an app, a test) gets the 302 right away for snsapi_base.
Every way refuses a redirect_uri that is not on one of the account's registered domains
(errcode 10003 here, `platform.redirect_domain_mismatch` on /api/v1): see rules/oauth.py.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from microletter.actions import accounts
from microletter.platform import tokens
from microletter.platform.cgi import CgiCall, endpoint
from microletter.platform.errcodes import OK
from microletter.platform.errors import GrantTypeInvalid
from microletter.platform.rules.officials import Scope


@endpoint("/sns/oauth2/access_token", ("GET",), auth=False)
async def access_token(call: CgiCall) -> dict[str, Any]:
    if call.arg("grant_type", "authorization_code") != "authorization_code":
        raise GrantTypeInvalid("grant_type must be authorization_code.", field="grant_type")
    return await tokens.exchange(
        call.p,
        call.arg("appid"),
        call.arg("secret"),
        call.arg("code"),
        call.request.query.get("redirect_uri"),
    )


@endpoint("/sns/oauth2/refresh_token", ("GET",), auth=False)
async def refresh_token(call: CgiCall) -> dict[str, Any]:
    return await tokens.refresh(call.p, call.arg("appid"), call.arg("refresh_token"))


@endpoint("/sns/userinfo", ("GET",), auth=False)
async def userinfo(call: CgiCall) -> dict[str, Any]:
    account, uid, _ = await tokens.oauth_user(
        call.p, call.request.query.get("access_token"), call.request.query.get("openid"), True
    )
    user = await call.p.ctx.store.user(uid)
    return {
        "openid": await tokens.openid(call.p, account, uid),
        "nickname": user.display_name,
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": call.p.avatar_url(user),
        "privilege": [],
        "unionid": tokens.unionid(call.p, account, uid),
    }


@endpoint("/sns/auth", ("GET",), auth=False)
async def check(call: CgiCall) -> dict[str, Any]:
    await tokens.oauth_user(
        call.p, call.request.query.get("access_token"), call.request.query.get("openid"), False
    )
    return OK


# A code is in the Location: keep it out of caches and of the next page's Referer.
NO_TRACE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def authorize_page(call: CgiCall) -> web.StreamResponse:
    """The page a browser lands on; see the module's docstring. The request is checked
    first (the account, the scope, the redirect_uri's domain): a bad one is answered here
    with the protocol's error and sends the browser nowhere, not even on to the consent
    screen, so the server's origin never forwards anyone to a host the account did not
    register."""
    query = call.request.query
    scope = query.get("scope", Scope.BASE.value)
    asked = await tokens.consent(
        call.p, query.get("appid", ""), query.get("redirect_uri", ""), scope
    )
    header = call.request.headers.get("Authorization", "")
    kind, _, bearer = header.partition(" ")
    if kind.lower() == "bearer" and asked.silent:
        me = await accounts.authenticate(call.p.ctx, bearer.strip())
        target = await tokens.authorize(
            call.p, me, asked.account.appid, asked.redirect_uri, scope, query.get("state", "")
        )
        return web.Response(status=302, headers={"Location": target, **NO_TRACE})
    return web.Response(
        status=302,
        headers={"Location": "/#/oauth?" + call.request.rel_url.raw_query_string, **NO_TRACE},
    )


endpoint("/connect/oauth2/authorize", ("GET",), auth=False)(authorize_page)
endpoint("/connect/qrconnect", ("GET",), auth=False)(authorize_page)
