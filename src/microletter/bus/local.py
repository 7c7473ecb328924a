"""The bus between the processes of one node, with no Redis: a relay process (the
supervisor of `serve --workers N` on SQLite) and a Unix socket, `local:///path/bus.sock`.

Theory of operation. Every gateway keeps one connection to the relay. Frames are a
4-byte length and a MessagePack list of operations, sent once per turn of the event
loop, so a burst of publishes is one write:

    gateway → relay   ["s", id, topics]   subscribe; answered ["a", id, null] once live
                      ["u", topics]        unsubscribe
                      ["p", [[topic, message], ...]]   publish (messages as bus/codec.py)
                      ["o", id, [[user, device], ...], ttl] · ["f", id, user, device]
                                           presence, each answered ["a", id, null]
                      ["q", id, users]     who of them is online; answered ["a", id, users]
    relay → gateway   ["m", [[topic, message], ...]] · ["a", id, value]

A publish reaches this process's handlers at once by a direct call (as bus.memory does),
and the relay forwards it to every other connection subscribed to its topic, so a
process never gets its own messages back. Presence lives in the relay, in memory
(bus.memory's), so it survives any gateway's death and expires by itself. If the relay
connection breaks, the bus reconnects, subscribes everything again and calls `on_gap`:
hints may have been lost, so sessions read their logs (as with Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar, cast

import msgspec

from microletter.bus.codec import Codec
from microletter.bus.memory import MemoryPresence
from microletter.bus.subscription import TopicSubscription
from microletter.core.ids import DeviceId, UserId
from microletter.ports import Handler

log = logging.getLogger(__name__)
T = TypeVar("T")

HEADER = struct.Struct("!I")
BACKOFF = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
TIMEOUT = 2.0
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode


def socket_path(url: str) -> str:
    """`local:///run/bus.sock` → `/run/bus.sock`."""
    if not url.startswith("local:///"):
        raise ValueError(f"not a local bus URL: {url!r}")
    return url.removeprefix("local://")


class _Frames(asyncio.Protocol):
    """Length-prefixed MessagePack frames; each decoded frame is a list of operations."""

    def __init__(self, on_ops: Callable[[_Frames, list[Any]], None]) -> None:
        self._buffer = bytearray()
        self._on_ops = on_ops
        self.transport: asyncio.Transport | None = None
        self._out: list[Any] = []
        self._loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start, end = 0, len(buffer)
        while end - start >= 4:
            (size,) = HEADER.unpack_from(buffer, start)
            if end - start - 4 < size:
                break
            ops = _decode(bytes(buffer[start + 4 : start + 4 + size]))
            start += 4 + size
            self._on_ops(self, ops)
        if start:
            del buffer[:start]

    def send(self, op: Any) -> None:
        if not self._out:
            self._loop.call_soon(self._flush)
        self._out.append(op)

    def _flush(self) -> None:
        out, self._out = self._out, []
        if self.transport is not None and out:
            data = _encode(out)
            self.transport.write(HEADER.pack(len(data)) + data)


class Relay:
    """The relay's side: topics → connections, and presence. Runs in the supervisor."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._topics: dict[str, set[_Frames]] = {}
        self._subscribed: dict[_Frames, set[str]] = {}
        self._presence = MemoryPresence()
        self._server: asyncio.AbstractServer | None = None
        self._outgoing: dict[_Frames, list[Any]] = {}

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(self._connection, self.path)
        os.chmod(self.path, 0o600)

    def _connection(self) -> _Frames:
        peer = _Frames(self._ops)
        self._subscribed[peer] = set()
        peer.closed.add_done_callback(lambda _: self._gone(peer))
        return peer

    def _gone(self, peer: _Frames) -> None:
        for topic in self._subscribed.pop(peer, ()):
            peers = self._topics.get(topic)
            if peers is not None:
                peers.discard(peer)
                if not peers:
                    del self._topics[topic]

    def _ops(self, peer: _Frames, ops: list[Any]) -> None:
        for op in ops:
            kind = op[0]
            if kind == "p":
                self._publish(peer, op[1])
            elif kind == "s":
                mine = self._subscribed[peer]
                for topic in op[2]:
                    self._topics.setdefault(topic, set()).add(peer)
                    mine.add(topic)
                peer.send(["a", op[1], None])
            elif kind == "u":
                mine = self._subscribed[peer]
                for topic in op[1]:
                    mine.discard(topic)
                    peers = self._topics.get(topic)
                    if peers is not None:
                        peers.discard(peer)
                        if not peers:
                            del self._topics[topic]
            else:
                self._presence_op(peer, op)

    def _publish(self, origin: _Frames, items: list[list[Any]]) -> None:
        topics = self._topics
        for item in items:
            for peer in topics.get(item[0], ()):
                if peer is not origin:
                    out = self._outgoing.get(peer)
                    if out is None:
                        out = self._outgoing[peer] = []
                        peer.send(["m", out])  # filled until the peer flushes
                    out.append(item)
        self._outgoing.clear()

    def _presence_op(self, peer: _Frames, op: list[Any]) -> None:
        kind, rid = op[0], op[1]
        presence = self._presence
        answer: Any = None
        if kind == "o":
            _now(presence.mark_online([(UserId(u), DeviceId(d)) for u, d in op[2]], op[3]))
        elif kind == "f":
            _now(presence.mark_offline(UserId(op[2]), DeviceId(op[3])))
        elif kind == "q":
            answer = sorted(_now(presence.online([UserId(u) for u in op[2]])))
        peer.send(["a", rid, answer])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for peer in list(self._subscribed):
                if peer.transport is not None:
                    peer.transport.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class _Client:
    """A gateway's connection to the relay, reconnecting with backoff."""

    def __init__(self, path: str, on_message: Callable[[list[Any]], None]) -> None:
        self._path = path
        self._on_message = on_message
        self._conn: _Frames | None = None
        self._answers: dict[int, asyncio.Future[Any]] = {}
        self._next = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.on_connect: Callable[[], None] = lambda: None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_unix_connection(lambda: _Frames(self._ops), self._path)
        self._conn = conn
        conn.closed.add_done_callback(lambda _: self._lost(conn))

    def _ops(self, peer: _Frames, ops: list[Any]) -> None:
        for op in ops:
            if op[0] == "m":
                self._on_message(op[1])
            else:
                future = self._answers.pop(op[1], None)
                if future is not None and not future.done():
                    future.set_result(op[2])

    def send(self, op: Any) -> bool:
        if self._conn is None:
            return False
        self._conn.send(op)
        return True

    def ask(self, kind: str, *args: Any) -> asyncio.Future[Any]:
        self._next += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)
        if self.send([kind, self._next, *args]):
            self._answers[self._next] = future
        else:
            future.set_exception(ConnectionError("the bus relay is away"))
        return future

    def _lost(self, conn: _Frames) -> None:
        if conn is not self._conn:
            return
        self._conn = None
        for future in self._answers.values():
            if not future.done():
                future.set_exception(ConnectionError("the bus relay went away"))
        self._answers.clear()
        if not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed:
            await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            attempt += 1
            try:
                await self.connect()
            except OSError:
                continue
            self.on_connect()
            return

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None and self._conn.transport is not None:
            self._conn._flush()
            self._conn.transport.close()


def _now(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (bus.memory's presence) to its end."""
    try:
        work.send(None)
    except StopIteration as done:
        value: T = done.value
        return value
    work.close()
    raise RuntimeError("presence suspended")


def _consume(future: asyncio.Future[Any]) -> None:
    """Mark a failure as seen: an answer nobody waited for is not an error."""
    if not future.cancelled():
        future.exception()


class LocalBus:
    """ports.Bus through the relay."""

    def __init__(self, path: str) -> None:
        self._client = _Client(path, self._received)
        self._client.on_connect = self._reconnected
        self._topics: dict[str, list[Handler]] = {}
        self._live: dict[str, asyncio.Future[None]] = {}  # topic → its subscribe's answer
        self._gap: list[Callable[[], None]] = []
        self._out = Codec()
        self._in = Codec()

    @classmethod
    async def open(cls, url: str) -> LocalBus:
        bus = cls(socket_path(url))
        await bus._client.connect()
        return bus

    async def publish(self, items: Sequence[tuple[str, object]]) -> None:
        topics = self._topics
        remote: list[list[Any]] = []
        for topic, message in items:
            remote.append([topic, self._out.encode(message)])
            handlers = topics.get(topic)
            if not handlers:
                continue
            for handler in tuple(handlers):
                try:
                    handler(message)
                except Exception:
                    log.exception("bus.handler_failed", extra={"topic": topic})
        if not self._client.send(["p", remote]):
            log.warning("bus.publish_dropped", extra={"count": len(remote)})

    def _received(self, items: list[list[Any]]) -> None:
        topics = self._topics
        decode = self._in.decode
        for topic, data in items:
            handlers = topics.get(topic)
            if not handlers:
                continue
            message = decode(data)
            for handler in tuple(handlers):
                try:
                    handler(message)
                except Exception:
                    log.exception("bus.handler_failed", extra={"topic": topic})

    def subscribe(self, topic: str, handler: Handler) -> TopicSubscription:
        handlers = self._topics.setdefault(topic, [])
        handlers.append(handler)
        if len(handlers) == 1:
            self._live[topic] = self._client.ask("s", [topic])
        return TopicSubscription(self, topic, handler)

    async def _ready(self, topic: str) -> None:
        live = self._live.get(topic)
        if live is None:
            return
        try:
            async with asyncio.timeout(TIMEOUT):
                await asyncio.shield(live)
        except (ConnectionError, TimeoutError):
            return  # the relay is away: the gap after it comes back makes sessions read

    def _remove(self, topic: str, handler: Handler) -> None:
        handlers = self._topics.get(topic)
        if handlers is None:
            return
        with contextlib.suppress(ValueError):
            handlers.remove(handler)
        if not handlers:
            del self._topics[topic]
            live = self._live.pop(topic, None)
            if live is not None and not live.done():
                live.cancel()
            self._client.send(["u", [topic]])

    def on_gap(self, callback: Callable[[], None]) -> None:
        self._gap.append(callback)

    def _reconnected(self) -> None:
        topics = list(self._topics)
        if topics:
            answer = self._client.ask("s", topics)
            for topic in topics:
                self._live[topic] = answer
        for callback in self._gap:
            try:
                callback()
            except Exception:
                log.exception("bus.gap_callback_failed")

    async def close(self) -> None:
        await self._client.close()
        self._topics.clear()


class LocalPresence:
    """ports.Presence kept by the relay."""

    def __init__(self, path: str) -> None:
        self._client = _Client(path, lambda items: None)

    @classmethod
    async def open(cls, url: str) -> LocalPresence:
        presence = cls(socket_path(url))
        await presence._client.connect()
        return presence

    async def mark_online(self, devices: Sequence[tuple[UserId, DeviceId]], ttl: float) -> None:
        await self._ask("o", [[u, d] for u, d in devices], ttl)

    async def mark_offline(self, user_id: UserId, device_id: DeviceId) -> None:
        await self._ask("f", user_id, device_id)

    async def _ask(self, kind: str, *args: Any) -> Any:
        """The relay's answer; None if it is away (presence is best effort)."""
        try:
            async with asyncio.timeout(TIMEOUT):
                return await self._client.ask(kind, *args)
        except (ConnectionError, TimeoutError):
            return None

    async def online(self, user_ids: Sequence[UserId]) -> set[UserId]:
        found = await self._ask("q", list(user_ids))
        return {UserId(u) for u in found or ()}

    async def close(self) -> None:
        await self._client.close()
