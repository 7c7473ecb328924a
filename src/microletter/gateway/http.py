"""The aiohttp application: REST routes, /ws, health, metrics, OpenAPI and its docs, and the
web client at /.

One middleware gives every request an id, a per-address rate limit, and turns every
exception into the one error shape (a 500 with the request id for the unexpected).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib.util import find_spec
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from microletter import API_VERSION, PROTOCOL_VERSION, __version__
from microletter.actions import accounts
from microletter.actions.context import Context
from microletter.core.errors import (
    InvalidInput,
    MicroletterError,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
)
from microletter.core.models import Principal
from microletter.gateway import openapi
from microletter.gateway.api import CLIENT_IP, MAX_BODY, Route, Router, bind, json_encode
from microletter.gateway.errors import error_body, http_status
from microletter.gateway.ratelimit import RateLimits, address_key
from microletter.gateway.routes import ROUTERS
from microletter.gateway.webapp import FrameSources, WebClient
from microletter.gateway.wire import Health
from microletter.gateway.ws import Gateway
from microletter.log import request_id
from microletter.settings import Settings

log = logging.getLogger(__name__)

UNLIMITED = ("/healthz", "/metrics")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(
    error: MicroletterError, rid: str | None, status: int | None = None
) -> web.Response:
    """The error in the one shape; `status` overrides the class's (aiohttp's own errors)."""
    response = web.Response(
        body=json_encode(error_body(error, rid)),
        status=status or http_status(error),
        content_type="application/json",
    )
    retry = error.details.get("retry_after_seconds") if isinstance(error, RateLimited) else None
    if isinstance(retry, int | float):
        response.headers["Retry-After"] = str(max(1, math.ceil(retry)))
    return response


def _client_ip(request: web.Request, trust_proxy: bool) -> str:
    """Behind a proxy, the address it saw: the last one of X-Forwarded-For, which the proxy
    appended. Earlier ones came from the client and would let anyone pick the address its
    rate limits are counted under."""
    if trust_proxy and (forwarded := request.headers.get("X-Forwarded-For")):
        candidate = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.remote or "unknown"


def _from_http(exc: web.HTTPException) -> MicroletterError:
    if exc.status == 404:
        return NotFound("No such route.")
    if exc.status == 405:
        return InvalidInput("Method not allowed on this route.")
    if exc.status == 413:
        return TooLarge(max_bytes=MAX_BODY)
    return InvalidInput(exc.reason)


def make_middleware(ctx: Context, settings: Settings, limits: RateLimits) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        incoming = request.headers.get("X-Request-Id", "")
        rid = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(8)
        )
        token = request_id.set(rid)
        started = time.perf_counter()
        response: web.StreamResponse
        error: MicroletterError | None = None
        status: int | None = None  # aiohttp's own errors keep their HTTP status
        try:
            request[CLIENT_IP] = ip = address_key(_client_ip(request, settings.trust_proxy))
            if request.path not in UNLIMITED:
                limits.hit_now("ip", ip)  # every request: counted without awaiting
            response = await handler(request)
        except MicroletterError as exc:
            error = exc
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            error, status = _from_http(exc), exc.status
        except Exception:
            log.exception("http.unexpected", extra={"path": request.path})
            error = MicroletterError()
        finally:
            request_id.reset(token)
        if error is not None:
            ctx.metrics.errors.labels(error.code).inc()
            response = error_response(error, rid, status)
        if isinstance(response, web.WebSocketResponse):
            return response
        response.headers["X-Request-Id"] = rid
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        ctx.metrics.http_seconds.labels(name, str(response.status)).observe(
            time.perf_counter() - started
        )
        return response

    return middleware


def create_app(
    ctx: Context,
    settings: Settings,
    gateway: Gateway,
    limits: RateLimits,
    mounts: Sequence[Callable[[web.Application], Sequence[Router]]] = (),
    frame_sources: FrameSources | None = None,
) -> web.Application:
    """The app with the core's routes; each of `mounts` (a feature room) adds its own
    paths to the app and returns its /api/v1 routers, served like the core's."""
    app = web.Application(
        middlewares=[make_middleware(ctx, settings, limits)], client_max_size=MAX_BODY
    )
    extra = [router for mount in mounts for router in mount(app)]

    async def authenticate(request: web.Request) -> Principal:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated()
        return await accounts.authenticate(ctx, token.strip())

    routes = [route for router in [*ROUTERS, *extra] for route in router.routes]
    for route in routes:
        app.router.add_route(route.method, route.path, bind(route, ctx, authenticate, limits.hit))
    app.router.add_get("/ws", gateway.handle)

    spec = LazySpec(routes, settings.public_url)

    async def openapi_json(request: web.Request) -> web.Response:
        return web.Response(body=await spec.body(), content_type="application/json")

    async def healthz(request: web.Request) -> web.Response:
        await ctx.store.ping()
        health = Health("ok", __version__, API_VERSION, PROTOCOL_VERSION)
        return web.Response(body=json_encode(health), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=ctx.metrics.render(), content_type="text/plain")

    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    WebClient(frame_sources=frame_sources).mount(app)
    _mount_docs(app)
    return app


class LazySpec:
    """The OpenAPI document, built on its first request rather than at start: reading the
    schemas of every route's types took ~0.15 s of the start, for a page
    few processes ever serve. Built once, in a thread (pure CPU: the loop stays
    responsive), and kept; tests/integration/test_accounts.py fetches it, so a route
    whose types cannot be described still fails the tests."""

    def __init__(self, routes: Sequence[Route], base_url: str) -> None:
        self._routes = routes
        self._base_url = base_url
        self._body: bytes | None = None
        self._lock = asyncio.Lock()

    async def body(self) -> bytes:
        if self._body is None:
            async with self._lock:  # concurrent first requests build it once
                if self._body is None:
                    self._body = await asyncio.to_thread(self.build)
        return self._body

    def build(self) -> bytes:
        return json_encode(openapi.build(self._routes, self._base_url))


DOCS = "/docs"


def _mount_docs(app: web.Application) -> None:
    """Swagger UI at /docs, from the swagger-ui-py package (no CDN: works offline). Its
    page is rendered on the first request: swagger_ui loads jinja2 and probes a dozen web
    frameworks at import, which cost the start ~50 ms. The routes are the ones its aiohttp
    handler adds (the page with and without the slash, its static files)."""
    spec = find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("swagger-ui-py is not installed (see pyproject.toml)")
    page: list[str] = []

    async def docs(request: web.Request) -> web.Response:
        if not page:
            page.append(await asyncio.to_thread(_render_docs))
        return web.Response(text=page[0], content_type="text/html")

    app.router.add_get(DOCS + "/", docs)
    app.router.add_get(DOCS, docs)
    app.router.add_static(DOCS + "/static", path=Path(spec.origin).parent / "static")


def _render_docs() -> str:
    from swagger_ui.core import ApplicationDocument

    doc = ApplicationDocument(
        None,
        app_type="aiohttp",
        config_rel_url="/openapi.json",
        url_prefix=DOCS,
        title="microletter API",
    )
    return str(doc.doc_html)
