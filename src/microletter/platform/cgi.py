"""The WeChat protocol's HTTP conventions, at every path under its API prefixes
(`PREFIXES`: /cgi-bin, /sns, /customservice, /datacube, ...):

- every answer is HTTP 200 and JSON; an error is `{"errcode", "errmsg"}` (errcodes.py);
- a path this server does not provide answers 48001 "api unauthorized", as WeChat does
  for an API an account may not call; a GET on a POST-only API answers 43002, a POST on
  a GET-only one 43001;
- JSON bodies are read whatever the Content-Type (wechatpy sends none), as raw UTF-8;
- the access token travels as the `access_token` query parameter;
- a body above the limit is refused with an errcode, not an HTTP 413.

The wallet's merchant API (/pay, /secapi) has conventions of its own (XML, signed): no
catch-all here may answer it, so those prefixes are deliberately not in PREFIXES.

Handlers are registered with `@endpoint(path)` and return a dict (the reply) or a ready
response (media downloads, images, redirects). They stay thin: parse, call actions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web

from microletter.core.errors import (
    InvalidInput,
    MalformedBody,
    MicroletterError,
    TooLarge,
)
from microletter.platform import tokens
from microletter.platform.context import Platform
from microletter.platform.errcodes import error_json
from microletter.platform.errors import ApiUnsupported, GetRequired, PostRequired
from microletter.platform.rules.officials import OfficialAccount

log = logging.getLogger(__name__)

MAX_JSON = 256 * 1024

# WeChat's API prefixes (every one wechatpy's WeChatClient calls): every path under
# them answers 200 with an errcode.
PREFIXES = (
    "/cgi-bin",
    "/sns",
    "/customservice",
    "/datacube",
    "/wxa",
    "/card",
    "/semantic",
    "/merchant",
    "/shakearound",
    "/poi",
    "/device",
    "/scan",
    "/bizwifi",
    "/marketing",
    "/tcb",
)

Result = dict[str, Any] | web.StreamResponse
Handler = Callable[["CgiCall"], Awaitable[Result]]
Limit = Callable[[str, str], Awaitable[None]]


@dataclass
class CgiCall:
    p: Platform
    request: web.Request
    account_: OfficialAccount | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> OfficialAccount:
        if self.account_ is None:
            raise MicroletterError("no account on an unauthenticated endpoint")
        return self.account_

    def arg(self, name: str, default: str | None = None) -> str:
        """A query parameter; InvalidInput if it is missing and has no default."""
        value = self.request.query.get(name, default)
        if value is None:
            raise InvalidInput(f"The query parameter {name!r} is needed.", field=name)
        return value

    async def body(self) -> Mapping[str, Any]:
        """The JSON object in the body, whatever the Content-Type says."""
        raw = await self.request.content.read(MAX_JSON + 1)
        if len(raw) > MAX_JSON:
            raise TooLarge(max_bytes=MAX_JSON)
        if not raw.strip():
            raise MalformedBody("The request needs a JSON body.")
        try:
            data = msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise MalformedBody(f"The body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise MalformedBody("The body must be a JSON object.")
        return data


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: tuple[str, ...]
    handler: Handler
    auth: bool


ENDPOINTS: list[Endpoint] = []


def endpoint(
    path: str, methods: tuple[str, ...] = ("GET", "POST"), *, auth: bool = True
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(path, methods, fn, auth))
        return fn

    return register


def reply(data: Mapping[str, Any]) -> web.Response:
    """JSON as WeChat writes it: UTF-8, non-ASCII characters raw."""
    return web.json_response(
        data, dumps=lambda d: json.dumps(d, ensure_ascii=False), content_type="application/json"
    )


def bind(
    p: Platform, ep: Endpoint, limit: Limit
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        call = CgiCall(p, request)
        try:
            if ep.auth:
                call.account_ = await tokens.authenticate(p, request.query.get("access_token"))
                await limit("account", str(call.account_.id))
            result = await ep.handler(call)
        except MicroletterError as exc:
            p.ctx.metrics.errors.labels(exc.code).inc()
            return reply(error_json(exc))
        except Exception:
            log.exception("platform.unexpected", extra={"path": request.path})
            return reply(error_json(MicroletterError()))
        if isinstance(result, web.StreamResponse):
            return result
        return reply(result)

    return handle


def failing(
    p: Platform, error: Callable[[web.Request], MicroletterError]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler that answers the protocol's error for the request (never raises)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        exc = error(request)
        p.ctx.metrics.errors.labels(exc.code).inc()
        return reply(error_json(exc))

    return handle


def unsupported(request: web.Request) -> MicroletterError:
    return ApiUnsupported(f"{request.path} is not provided by this server.")


def wrong_method(ep: Endpoint) -> Callable[[web.Request], MicroletterError]:
    """43002 for a POST-only API called otherwise, 43001 for a GET-only one."""

    def error(request: web.Request) -> MicroletterError:
        if "POST" in ep.methods:
            return PostRequired(f"{request.method} {ep.path}: use POST.")
        return GetRequired(f"{request.method} {ep.path}: use GET.")

    return error


def mount(app: web.Application, p: Platform, limit: Limit) -> None:
    for ep in ENDPOINTS:
        handler = bind(p, ep, limit)
        methods = list(ep.methods)
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        for method in methods:
            app.router.add_route(method, ep.path, handler)
        # Any other method of a known API: the protocol's method error, not 48001.
        app.router.add_route("*", ep.path, failing(p, wrong_method(ep)))
    for prefix in PREFIXES:
        app.router.add_route("*", prefix, failing(p, unsupported))
        app.router.add_route("*", prefix + "/{tail:.*}", failing(p, unsupported))
