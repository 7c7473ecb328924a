"""No input reaches an unexpected exception (issue 11): every route of the running app
(walked from its router, with the OpenAPI document's shapes where it has them) and every
WebSocket frame type, fed hostile values. A 5xx, an `internal` error frame, a 1011 close
or a logged traceback fails the test.

First a sweep sends every route the same list of hostile path values (deterministic, so
each route is covered in every run), then Hypothesis mixes paths, queries, bodies and
credentials. Both run on both backends: PostgreSQL refuses what SQLite stores (a NUL in
text, an integer past 64 bits), so a value can be harmless on one and fatal on the other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from microletter.app import Server
from microletter.client import Client
from microletter.gateway import wire
from microletter.gateway.connection import CODECS, JSON, SUBPROTOCOLS
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.security import fuzz
from tests.support.media import picture
from tests.support.platform import follow, new_account

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
HOSTILE_PATH_VALUES = ["²", "١٢", "0", "-1", str(2**53), str(2**64), "%00", "x" * 300, "..", "😀"]
# Not fuzzed: the interactive docs' static files (a third-party package's file server).
SKIP = re.compile(r"^/docs")
# A translator (the tests' dictionary), so the translation route is fuzzed through to an
# engine: without one it answers 501 translate.not_configured by design (test_translate.py).
pytestmark = pytest.mark.settings(translator="tests.support.translator:dictionary")
FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same examples in every run: a failure is never luck
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Tracebacks(logging.Handler):
    """Every record of ERROR and above from the server: an unexpected exception is logged
    with its traceback before it becomes a 500 (or an errcode -1, or an error frame)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        found = [f"{r.getMessage()}: {r.exc_info[1]!r}" for r in self.records if r.exc_info]
        found += [r.getMessage() for r in self.records if not r.exc_info]
        self.records.clear()
        return found


@contextlib.contextmanager
def tracebacks() -> Iterator[Tracebacks]:
    handler = Tracebacks()
    logger = logging.getLogger("microletter")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@dataclass
class World:
    """What the hostile requests are made in: real users, conversations, an account."""

    server: Server
    alice: Client
    spec: dict[str, Any]
    access_token: str
    ints: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    async def relogin(self) -> None:
        """Fuzzing may log alice out (DELETE /sessions/current): come back."""
        await self.alice.login("alice", PASSWORD)


async def build_world(server: Server, clients: MakeClient) -> World:
    alice, bob, carol, dave = [await clients(n) for n in ("alice", "bob", "carol", "dave")]
    assert alice.user and bob.user and carol.user and dave.user
    direct = await befriend(alice, bob)
    await befriend(alice, carol)
    group = (await alice.create_group("g", [bob.user["id"], carol.user["id"]]))["conversation"]
    sent = await alice.send_text(direct, "hello")
    media = await alice.upload(picture((40, 30)), "image", "p.png")
    await alice.send_media(direct, media)
    request = await carol.request_contact(user_id=dave.user["id"], greeting="hi")
    mine = await new_account(alice, "Alice's News")
    # The account whose protocol API is called: dave's, whose id the fuzz never names (so
    # nothing the fuzz does as alice can reset its secret or restrict it).
    theirs = await new_account(dave, "Dave's Shop")
    await follow(bob, mine["account"]["id"])
    await follow(alice, theirs["account"]["id"])
    async with alice.session.get(
        f"{server.url}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": theirs["account"]["appid"],
            "secret": theirs["appsecret"],
        },
    ) as response:
        token = (await response.json())["access_token"]
    async with alice.session.get(f"{server.url}/openapi.json") as response:
        spec = await response.json()
    ids = [
        alice.user["id"],
        bob.user["id"],
        carol.user["id"],
        direct,
        group["id"],
        sent["seq"],
        request["id"],
        mine["account"]["id"],
        theirs["account"]["id"],
    ]
    texts = [
        "alice",
        media["id"],
        mine["account"]["appid"],
        theirs["account"]["appid"],
        token,
        "client_credential",
        "snsapi_base",
        "snsapi_userinfo",
        "image",
        "voice",
    ]
    return World(server, alice, spec, token, ids, texts)


# --- HTTP ---


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # aiohttp's canonical path: /api/v1/conversations/{cid}
    operation: dict[str, Any] | None  # its OpenAPI entry, if it has one

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.template)


def routes_of(world: World) -> list[Route]:
    found = []
    for route in world.server.app.router.routes():
        resource = route.resource
        if resource is None or SKIP.match(resource.canonical):
            continue
        template = resource.canonical
        methods = METHODS if route.method == "*" else [route.method]
        for method in methods:
            operation = world.spec["paths"].get(template, {}).get(method.lower())
            found.append(Route(method, template, operation))
    documented = {(m.upper(), t) for t, ops in world.spec["paths"].items() for m in ops}
    assert documented <= {(r.method, r.template) for r in found}, "the walk missed routes"
    assert any(r.template.startswith("/cgi-bin") for r in found)
    return found


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes | None
    headers: dict[str, str]


def request_for(
    world: World, route: Route, path: Mapping[str, object], data: st.DataObject
) -> Request:
    schemas = fuzz.Schemas(world.spec["components"]["schemas"], world.ints, world.texts)
    url_path = route.template
    for name in route.params:
        url_path = url_path.replace("{" + name + "}", fuzz.path_segment(path[name]))
    query: dict[str, str] = {}
    known = [p["name"] for p in (route.operation or {}).get("parameters", []) if p["in"] == "query"]
    for name in data.draw(st.lists(st.sampled_from(known + fuzz.QUERY_KEYS), max_size=4)):
        # At most 1,000 characters each: past 8 KiB the request line is refused by aiohttp's
        # parser (a 400 before any of our code), and the client then misreads the answer.
        query[name] = str(data.draw(st.one_of(schemas.ints, schemas.texts)))[:1000]
    if route.template.startswith(("/cgi-bin", "/sns")) and data.draw(st.booleans()):
        query["access_token"] = world.access_token
    body: bytes | None = None
    shape = None
    if route.operation is not None and "requestBody" in route.operation:
        content = route.operation["requestBody"]["content"]
        shape = content.get("application/json", {}).get("schema")
    if route.method in ("POST", "PUT", "PATCH") or data.draw(st.booleans()):
        choice = data.draw(st.sampled_from(["shaped", "json", "bytes", "none"]))
        if choice == "shaped" and shape is not None:
            body = msgspec.json.encode(data.draw(schemas.of(shape)))
        elif choice in ("shaped", "json"):
            body = msgspec.json.encode(fuzz.safe(data.draw(schemas.anything)))
        elif choice == "bytes":
            body = data.draw(st.binary(max_size=300))
    headers = {"Authorization": f"Bearer {world.alice.token}"}
    auth = data.draw(st.sampled_from(["alice", "alice", "alice", "none", "junk"]))
    if auth == "none":
        headers = {}
    elif auth == "junk":
        headers["Authorization"] = data.draw(
            st.sampled_from(["Bearer mlt_" + "A" * 43, "Bearer ²", "Basic x", "Bearer", "mlt_"])
        )
    return Request(route.method, url_path, query, body, headers)


async def send(world: World, request: Request) -> tuple[int, bytes]:
    url = URL(world.server.url + request.path, encoded=True).update_query(request.query)
    async with world.alice.session.request(
        request.method, url, data=request.body, headers=request.headers, allow_redirects=False
    ) as response:
        return response.status, await response.read()


async def check(world: World, request: Request, seen: Tracebacks) -> None:
    status, body = await send(world, request)
    where = f"{request.method} {request.path} {request.query} {request.body!r:.200}"
    assert status < 500, f"{status} for {where}: {body[:300]!r}"
    logged = seen.take()
    assert not logged, f"{where} logged {logged}"
    if status == 401 and request.headers.get("Authorization") == f"Bearer {world.alice.token}":
        await world.relogin()


async def test_every_route_answers_hostile_path_values_without_a_server_error(
    server: Server, clients: MakeClient
) -> None:
    world = await build_world(server, clients)
    with tracebacks() as seen:
        for route in routes_of(world):
            for value in HOSTILE_PATH_VALUES if route.params else [None]:
                path = {name: value for name in route.params}
                await check(world, _plain(world, route, path), seen)


def _plain(world: World, route: Route, path: Mapping[str, object]) -> Request:
    url_path = route.template
    for name in route.params:
        url_path = url_path.replace("{" + name + "}", fuzz.path_segment(path[name]))
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
    headers = {"Authorization": f"Bearer {world.alice.token}"}
    return Request(route.method, url_path, {}, body, headers)


@settings(FUZZ, max_examples=600)
@given(data=st.data())
async def test_no_request_to_any_route_ends_in_a_server_error(
    server: Server, clients: MakeClient, data: st.DataObject
) -> None:
    world = await _world(server, clients)
    route = data.draw(st.sampled_from(routes_of(world)), label="route")
    values = st.one_of(
        st.sampled_from(HOSTILE_PATH_VALUES), fuzz.ints(world.ints), fuzz.texts(world.texts)
    )
    path = {name: data.draw(values, label=name) for name in route.params}
    request = request_for(world, route, path, data)
    with tracebacks() as seen:
        await check(world, request, seen)


_WORLDS: dict[int, World] = {}


async def _world(server: Server, clients: MakeClient) -> World:
    """One world per server (Hypothesis runs every example with the same fixtures)."""
    key = id(server)
    if key not in _WORLDS:
        _WORLDS.clear()
        _WORLDS[key] = await build_world(server, clients)
    return _WORLDS[key]


# --- WebSocket ---

FRAME_TYPES = typing.get_args(wire.ClientFrame)


def frame_schema(frame_type: type[msgspec.Struct]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A frame type's tag and JSON Schema (msgspec writes it, as for the REST bodies)."""
    (schema,), components = msgspec.json.schema_components([frame_type])
    name = schema["$ref"].rsplit("/", 1)[-1]
    tag = frame_type.__struct_config__.tag
    assert isinstance(tag, str)
    return tag, components[name], components


def frames(world: World) -> st.SearchStrategy[Any]:
    """One client frame: a typed one of any type (sometimes with its tag swapped), random
    JSON, or bytes that are no frame at all."""
    shaped = []
    for frame_type in FRAME_TYPES:
        tag, schema, components = frame_schema(frame_type)
        schemas = fuzz.Schemas(components, world.ints, world.texts)
        tags = st.sampled_from([tag, tag, tag, *(t.__struct_config__.tag for t in FRAME_TYPES)])
        shaped.append(
            st.tuples(tags, schemas.of(schema)).map(
                lambda pair: {"t": pair[0], **pair[1]} if isinstance(pair[1], dict) else pair[1]
            )
        )
    anything = fuzz.json_values(world.ints, world.texts)
    return st.one_of(*shaped, anything, st.binary(max_size=100))


async def test_every_websocket_frame_type_is_covered() -> None:
    """The fuzz below draws from wire.ClientFrame: each type appears there."""
    tags = {frame_schema(t)[0] for t in FRAME_TYPES}
    assert tags == {
        "hello",
        "send",
        "read",
        "recall",
        "typing",
        "ping",
        "open_red_packet",
        "streams",
    }


@FUZZ
@given(data=st.data())
async def test_no_websocket_frame_ends_in_a_server_error(
    server: Server, clients: MakeClient, data: st.DataObject
) -> None:
    world = await _world(server, clients)
    protocol = data.draw(st.sampled_from(SUBPROTOCOLS), label="subprotocol")
    binary = CODECS[protocol] is not JSON
    hello: Any = {"t": "hello", "token": world.alice.token}
    if data.draw(st.integers(0, 4), label="hostile hello") == 0:
        hello = data.draw(frames(world), label="hello")
    sent = [hello, *data.draw(st.lists(frames(world), min_size=1, max_size=8), label="frames")]
    with tracebacks() as seen:
        answers, close_code = await converse(world, protocol, binary, sent)
        internal = [a for a in answers if isinstance(a, dict) and _code(a) == "internal"]
        assert not internal, f"{sent!r:.500} got {internal}"
        assert close_code != 1011, f"{sent!r:.500} closed with 1011"
        logged = seen.take()
        assert not logged, f"{sent!r:.500} logged {logged}"


async def converse(
    world: World, protocol: str, binary: bool, sent: list[Any]
) -> tuple[list[Any], int | None]:
    """Send the frames, then a ping; read until its pong (everything before it was
    handled) or until the server closes."""
    url = world.server.url.replace("http", "ws") + "/ws"
    encode = _msgpack if binary else _json
    decode = msgspec.msgpack.decode if binary else msgspec.json.decode
    answers: list[Any] = []
    async with world.alice.session.ws_connect(url, protocols=[protocol]) as ws:
        for frame in [*sent, {"t": "ping", "ref": "end"}]:
            raw = frame if isinstance(frame, bytes) else encode(frame)
            with contextlib.suppress(ConnectionError):
                if binary:
                    await ws.send_bytes(raw)
                else:
                    await ws.send_str(raw.decode("utf-8", "replace"))
        async for msg in ws:
            if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                break
            answer = decode(msg.data if isinstance(msg.data, bytes) else msg.data.encode())
            answers.append(answer)
            if (
                isinstance(answer, dict)
                and answer.get("t") == "pong"
                and answer.get("ref") == "end"
            ):
                break
        await ws.close()
        return answers, ws.close_code


def _json(frame: Any) -> bytes:
    return json.dumps(frame).encode()  # the stdlib writes integers of any size


def _msgpack(frame: Any) -> bytes:
    try:
        return msgspec.msgpack.encode(frame)
    except OverflowError:  # MessagePack has no integers past 64 bits: send the largest
        return msgspec.msgpack.encode(_clamp(frame))


def _clamp(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clamp(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clamp(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return max(-(2**63), min(2**64 - 1, value))
    return value


def _code(answer: dict[str, Any]) -> str | None:
    error = answer.get("error")
    return error.get("code") if isinstance(error, dict) else None
