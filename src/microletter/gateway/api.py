"""Typed REST routes: declare a handler once and get validation, auth, rate limits, error
mapping and its OpenAPI entry from its signature.

    @router.post("/conversations/{cid}/messages", status=201)
    async def send(call: Call, cid: int, body: SendBody) -> MessageReply: ...

Parameters named like a `{path}` segment are path parameters (ints); `body` is the JSON
body and `query` the query string, each decoded into its annotated msgspec type.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.typedefs import Handler as AioHandler

from microletter.actions.context import Context
from microletter.core.errors import (
    InvalidInput,
    MalformedBody,
    MicroletterError,
    TooLarge,
    Unauthenticated,
)
from microletter.core.ids import parse_id
from microletter.core.models import Principal

Handler = Callable[..., Awaitable[Any]]
json_encode = msgspec.json.Encoder().encode
MAX_BODY = 256 * 1024  # bytes of a JSON request body
# The client's address as limits count it (an IPv6 address by its /64); set by the middleware.
CLIENT_IP = web.RequestKey("client_ip", str)


@dataclass
class Call:
    """One request as a handler sees it."""

    ctx: Context
    request: web.Request
    principal: Principal | None = None

    @property
    def me(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    def link(self, path: str) -> str:
        """An absolute link to `path` on this server, as this client reached it (the links
        that codes encode, which a phone's camera app opens: gateway/webapp.py, LINKS)."""
        return str(self.request.url.origin()).rstrip("/") + path


@dataclass(frozen=True, slots=True)
class Signature:
    """What a handler's annotations say: its path parameters, body, query and reply."""

    path_params: dict[str, type]
    body: type | None
    query: type | None
    reply: type | None
    streams: bool  # the handler answers with its own (file) response


def read_signature(fn: Handler) -> Signature:
    hints = typing.get_type_hints(fn)
    names = list(inspect.signature(fn).parameters)[1:]
    returns = hints.get("return")
    # Not issubclass: StreamResponse is an ABC, whose check walks all its subclasses for
    # every new reply type.
    streams = isinstance(returns, type) and web.StreamResponse in returns.__mro__
    return Signature(
        path_params={n: hints[n] for n in names if n not in ("body", "query")},
        body=hints.get("body"),
        query=hints.get("query"),
        reply=None if streams or returns in (None, type(None)) else returns,
        streams=streams,
    )


@dataclass
class Route:
    """One REST route. Its handler's annotations are read when first needed (its first
    request, or the OpenAPI document): reading those of ~400 routes (evaluating their
    string annotations) took ~50 ms of the start (issue 21)."""

    method: str
    path: str
    handler: Handler
    status: int
    auth: bool
    rate: str | None
    tags: Sequence[str]
    errors: Sequence[type[MicroletterError]]
    raw_body: str | None = None  # the media type of a body the handler streams itself
    _signature: Signature | None = field(default=None, repr=False, compare=False)

    @property
    def signature(self) -> Signature:
        if self._signature is None:
            self._signature = read_signature(self.handler)
        return self._signature

    @property
    def path_params(self) -> dict[str, type]:
        return self.signature.path_params

    @property
    def body(self) -> type | None:
        return self.signature.body

    @property
    def query(self) -> type | None:
        return self.signature.query

    @property
    def reply(self) -> type | None:
        return self.signature.reply

    @property
    def streams(self) -> bool:
        return self.signature.streams

    @property
    def summary(self) -> str:
        doc = inspect.getdoc(self.handler) or self.handler.__name__.replace("_", " ")
        return " ".join(doc.split("\n\n", 1)[0].split())

    @property
    def description(self) -> str:
        doc = inspect.getdoc(self.handler) or ""
        return doc.split("\n\n", 1)[1].strip() if "\n\n" in doc else ""


class Router:
    def __init__(self, prefix: str = "", tags: Sequence[str] = ()) -> None:
        self.prefix = prefix
        self.tags = tags
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        auth: bool = True,
        rate: str | None = "user",
        errors: Sequence[type[MicroletterError]] = (),
        raw_body: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            route = Route(
                method, self.prefix + path, fn, status, auth, rate, self.tags, errors, raw_body
            )
            self.routes.append(route)
            return fn

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)


Authenticate = Callable[[web.Request], Awaitable[Principal]]
Limit = Callable[[str, str], Awaitable[None]]


def bind(route: Route, ctx: Context, authenticate: Authenticate, limit: Limit) -> AioHandler:
    """The aiohttp handler for one route. Its body's decoder is made on the route's first
    request: making one for each of ~400 routes took ~70 ms of the start."""
    decoders: list[msgspec.json.Decoder[Any]] = []

    def body_decoder(body: type) -> msgspec.json.Decoder[Any]:
        if not decoders:
            decoders.append(msgspec.json.Decoder(body))
        return decoders[0]

    async def handle(request: web.Request) -> web.StreamResponse:
        call = Call(ctx, request)
        if route.auth:
            call.principal = await authenticate(request)
            if route.rate is not None:
                await limit(route.rate, str(call.principal.user_id))
        elif route.rate is not None:
            await limit(route.rate, request[CLIENT_IP])
        sig = route.signature
        kwargs: dict[str, Any] = {
            name: _path_value(request, name, typ) for name, typ in sig.path_params.items()
        }
        if sig.query is not None:
            kwargs["query"] = _convert(dict(request.query), sig.query, "query string")
        if sig.body is not None:
            kwargs["body"] = _decode(body_decoder(sig.body), await _read(request))
        result = await route.handler(call, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        return web.Response(
            body=json_encode(result), status=route.status, content_type="application/json"
        )

    return handle


def _path_value(request: web.Request, name: str, typ: type) -> int | str:
    raw = request.match_info[name]
    if typ is str:
        if len(raw) > 256:
            raise InvalidInput(f"'{name}' in the path is too long.", field=name)
        return raw
    value = parse_id(raw)
    if value is None:
        raise InvalidInput(f"'{name}' in the path must be an id (ASCII digits).", field=name)
    return value


async def _read(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(max_bytes=MAX_BODY) from None


def _decode(decoder: msgspec.json.Decoder[Any], raw: bytes) -> Any:
    if not raw.strip():
        raise MalformedBody("The request needs a JSON body.")
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise InvalidInput(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc}") from None


def _convert(data: dict[str, str], typ: type, where: str) -> Any:
    try:
        return msgspec.convert(data, typ, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"Bad {where}: {exc}") from None
