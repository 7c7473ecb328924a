"""The WebSocket endpoint /ws: hello, catch-up from the cursor, live events, requests.

It moves bytes and calls actions; the decisions live in connection.py (delivery cursor,
abuse meter, codecs) and in the actions. docs/protocol.md is the contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from microletter import PROTOCOL_REVISION, PROTOCOL_VERSION
from microletter.actions import accounts, messages, sync
from microletter.actions.context import Context
from microletter.core.errors import (
    InvalidInput,
    MalformedBody,
    MicroletterError,
    TooLarge,
    Unauthenticated,
)
from microletter.core.events import (
    ChannelPosted,
    ConversationLeft,
    ConversationUpdated,
    LogEntry,
    MessagePosted,
    Typing,
)
from microletter.core.ids import ConversationId, DeviceId, UserId
from microletter.core.models import ConversationKind, MessageKind, Principal
from microletter.gateway import streams, wire
from microletter.gateway.connection import (
    CODECS,
    JSON,
    OP_PING,
    OP_PONG,
    SUBPROTOCOLS,
    AbuseMeter,
    Codec,
    Decision,
    Delivery,
    ws_frame,
)
from microletter.gateway.errors import Close, error_body
from microletter.gateway.hub import Hub
from microletter.gateway.outbox import Outbox
from microletter.gateway.ratelimit import RateLimits
from microletter.log import user_id as log_user
from microletter.settings import Settings

log = logging.getLogger(__name__)
_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)  # what ends `async for`
# A send frame's kind (a wire.SendKind string) as the core's enum, looked up, not parsed.
_KINDS = {k.value: k for k in MessageKind}
TOUCH_EVERY = 300.0  # seconds between two last-seen writes of one device
# A feature room's answer to one of its frames (wire.RoomFrame), as app.py registers it:
# (who asks, the frame) -> the reply's fields; a MicroletterError becomes an error frame.
RoomHandler = Callable[[Principal, Any], Awaitable[dict[str, Any]]]


class Session:
    """One authenticated connection of one device.

    Ten thousand of these live at once, so each is kept small (docs/PERFORMANCE.md,
    memory per connection): slots instead of an instance dict, and no container made
    before it is needed (`tasks` exists only while a task runs)."""

    __slots__ = (
        "ctx",
        "rooms",
        "hub",
        "settings",
        "ws",
        "transport",
        "outbox",
        "codec",
        "principal",
        "limits",
        "delivery",
        "abuse",
        "tasks",
        "closing",
        "synced",
        "_binary",
        "awaiting",
        "_rate_key",
        "echoed",
        "channels",
        "channel_heads",
        "streams",
        "reads_streams",
        "quiet",
        "pinged",
    )

    def __init__(
        self,
        ctx: Context,
        hub: Hub,
        settings: Settings,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        codec: Codec,
        principal: Principal,
        limits: RateLimits,
        rooms: Mapping[type, RoomHandler] | None = None,
    ) -> None:
        self.ctx = ctx
        self.rooms = rooms or {}
        self.hub = hub
        self.settings = settings
        self.ws = ws
        self.transport = transport
        self.outbox = Outbox(transport, codec.opcode, settings.ws_send_buffer, self.on_overflow)
        self.codec = codec
        self.principal = principal
        self.limits = limits
        self.delivery = Delivery(pulling=True)
        self.abuse = AbuseMeter(settings.ws_abuse_limit)
        # The tasks running for this connection; None while there are none (most of an
        # idle connection's life: an empty set would cost ~200 bytes).
        self.tasks: set[asyncio.Task[None]] | None = None
        self.closing = False
        self.synced = False
        self._binary = codec is not JSON
        # Sends in flight on this connection, by client_msg_id: the echo of the new
        # message to this connection carries the first ref and stands for its ack.
        # (These four maps are None until first used: most connections never need them.)
        self.awaiting: dict[str, list[object]] | None = None
        self._rate_key = str(principal.user_id)
        self.echoed: dict[str, object] | None = None
        # The official conversations' broadcast channels: conversation id -> account id.
        self.channels: dict[ConversationId, UserId] | None = None
        # The head of each channel this connection was told: the start-of-session read and
        # a live hint can cross, and a hint is sent once.
        self.channel_heads: dict[UserId, int] | None = None
        # Large groups read from their streams (revision 3, after a `streams` request):
        # conversation id -> the delivery cursor over its seqs (gateway/streams.py).
        self.streams: dict[ConversationId, Delivery] = {}
        self.reads_streams = False
        # The heartbeat (Gateway._beat): cleared by every frame the client sends; a sweep
        # that finds it still set pings, and the next one closes if it stays set.
        self.quiet = False
        self.pinged = False

    # --- from the hub (synchronous, on the event loop) ---

    def offer(self, entry: LogEntry) -> None:
        if self.delivery.next_in_line(entry.seq):  # the live common case, in one test
            self._send_entry(entry)
            return
        decision = self.delivery.offer(entry.seq)
        if decision is Decision.SEND:
            self._send_entry(entry)
        elif decision is Decision.PULL:
            self.spawn(self.pull())

    def resync(self) -> None:
        """Read the log (and the streams) now, in case a hint was lost on its way."""
        if self.closing:
            return
        if self.delivery.resync():
            self.spawn(self.pull())
        streams.resync(self)

    def typing(self, event: Typing) -> None:
        self.reply(
            {"t": "typing", "conversation_id": event.conversation_id, "user_id": event.user_id}
        )

    def stream_posted(self, event: MessagePosted) -> None:
        streams.posted(self, event)

    def channel_posted(self, post: ChannelPosted) -> None:
        channels = self.channels or {}
        cid = next((c for c, ch in channels.items() if ch == post.channel_id), None)
        if cid is not None:
            self.send_channel(post.channel_id, cid, post.seq)

    def send_channel(self, channel_id: UserId, cid: ConversationId, head: int) -> None:
        """A hint: the account's channel reached `head`; fetch the broadcasts after
        what you have (GET /api/v1/official-accounts/{channel_id}/broadcasts)."""
        heads = self.channel_heads
        if heads is None:
            heads = self.channel_heads = {}
        if head <= heads.get(channel_id, 0):
            return
        heads[channel_id] = head
        self.reply({"t": "channel", "channel_id": channel_id, "conversation_id": cid, "head": head})

    def follow_channels(self, event: object) -> None:
        """Follow and unfollow arrive as conversation events: (un)subscribe the channel."""
        if isinstance(event, ConversationUpdated):
            conv = event.conversation
            if conv.kind is ConversationKind.OFFICIAL and conv.owner_id is not None:
                if self.channels is None or conv.id not in self.channels:
                    self.follow_channel(conv.id, conv.owner_id)
        elif (
            isinstance(event, ConversationLeft)
            and self.channels is not None
            and event.conversation_id in self.channels
        ):
            channel_id = self.channels.pop(event.conversation_id)
            if self.channel_heads is not None:
                self.channel_heads.pop(channel_id, None)
            self.hub.leave_channel(self, channel_id)

    def follow_channel(self, cid: ConversationId, channel_id: UserId) -> None:
        """Deliver the hints of this account's channel (conversation `cid`) here."""
        if self.channels is None:
            self.channels = {}
        self.channels[cid] = channel_id
        self.hub.join_channel(self, channel_id)

    def kick_revoked(self) -> None:
        self.close_soon(Close.UNAUTHENTICATED, "device logged out")

    # --- output ---

    def reply(self, frame: dict[str, Any]) -> None:
        self.outbox.put(self.codec.encode(frame))

    def reply_error(self, ref: object, error: MicroletterError) -> None:
        self.ctx.metrics.errors.labels(error.code).inc()
        self.reply({"t": "error", "ref": ref, **error_body(error)})

    def _send_entry(self, entry: LogEntry, bounded: bool = True) -> None:
        event = entry.event
        ref = None
        if type(event) is MessagePosted:  # most events: one test instead of two
            if self.awaiting:
                ref = self.echo_ref(event)
        elif isinstance(event, ConversationUpdated | ConversationLeft):
            self.follow_channels(event)
            if self.reads_streams:
                if isinstance(event, ConversationLeft):
                    streams.leave(self, event.conversation_id)
                else:
                    streams.follow(self, event)
        kind, data = self.hub.encoded(event, self.codec)
        if self.outbox.put(self.codec.event(entry.seq, kind, data, ref), bounded):
            self.ctx.metrics.deliveries += 1

    def echo_ref(self, event: MessagePosted) -> object:
        if event.message.sender_id != self.principal.user_id:
            return None
        if self.awaiting is None:
            return None
        refs = self.awaiting.pop(event.message.client_msg_id, None)
        if not refs:
            return None
        if self.echoed is None:
            self.echoed = {}
        self.echoed[event.message.client_msg_id] = refs[0]
        return refs[0]

    def on_overflow(self) -> None:
        self.ctx.metrics.slow_consumers.inc()
        log.info("ws.slow_consumer", extra={"user_id": self.principal.user_id})
        self.close_soon(Close.SLOW_CONSUMER, "send buffer full; reconnect and resume")

    def close_soon(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self.outbox.flush()
        self.spawn(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(2):
                await self.ws.close(code=code, message=reason.encode())
        if not self.transport.is_closing():
            self.transport.abort()

    # --- catch-up ---

    async def pull(self) -> None:
        """Send the log from the cursor until caught up (see connection.py)."""
        page = self.ctx.limits.sync_page
        ahead: tuple[int, asyncio.Task[list[LogEntry]]] | None = None  # (after, read)
        try:
            while not self.closing:
                if ahead is not None and ahead[0] == self.delivery.sent:
                    entries = await ahead[1]
                else:
                    if ahead is not None:
                        ahead[1].cancel()
                    entries = await self._page(self.delivery.sent, page)
                ahead = None
                if len(entries) == page:  # read the next page while this one is sent
                    after = entries[-1].seq
                    ahead = (after, self.outbox.loop.create_task(self._page(after, page)))
                for entry in entries:
                    if self.delivery.take(entry.seq):
                        self._send_entry(entry, bounded=False)
                # Let the client take the page before reading more (or going live).
                await self.outbox.drained()
                if self.delivery.page_done(len(entries) == page):
                    break
        except MicroletterError as exc:
            self.reply_error(None, exc)
            self.close_soon(Close.GOING_AWAY, "sync failed; retry")
            return
        finally:
            if ahead is not None and not ahead[1].done():
                ahead[1].cancel()
        if not self.synced:
            self.synced = True
            self.reply({"t": "synced", "cursor": self.delivery.sent})

    async def _page(self, after: int, page: int) -> list[LogEntry]:
        return await sync.changes(self.ctx, self.principal, after, page)

    # --- requests ---

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = self.outbox.loop.create_task(coro)
        tasks = self.tasks
        if tasks is None:
            tasks = self.tasks = set()
        tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        tasks = self.tasks
        if tasks is not None:
            tasks.discard(task)
            if not tasks:
                self.tasks = None

    def pending(self) -> list[asyncio.Task[None]]:
        """The tasks of this connection still running."""
        return [t for t in self.tasks or () if not t.done()]

    def receive(self, data: bytes | str) -> None:
        """One frame from the client."""
        if self.closing:
            return
        if len(data) > self.settings.ws_max_frame:
            self._strike(None, TooLarge(max_bytes=self.settings.ws_max_frame, size=len(data)))
            return
        try:
            frame = self.codec.decode(data)
        except msgspec.ValidationError as exc:
            self._strike(_ref_of(data, self.codec), InvalidInput(f"Bad frame: {exc}"))
            return
        except msgspec.DecodeError as exc:
            self._strike(None, MalformedBody(f"The frame is not valid {self._codec_kind}: {exc}"))
            return
        if type(frame) is wire.Send:  # most frames: one coroutine, no request wrapper
            self.spawn(self._send_now(frame))
        elif isinstance(frame, wire.Ping):
            self.reply({"t": "pong", "ref": frame.ref})
        elif isinstance(frame, wire.Read):
            self.spawn(self._request(frame.ref, self._read, frame))
        elif isinstance(frame, wire.Recall):
            self.spawn(self._request(frame.ref, self._recall, frame))
        elif isinstance(frame, wire.TypingFrame):
            self.spawn(self._request(None, self._typing, frame, quiet=True))
        elif isinstance(frame, wire.Streams):
            self.spawn(self._request(frame.ref, self._streams, frame, counted=False))
        elif isinstance(frame, wire.RoomFrame):
            # Not counted, as its REST twin is not: opening is a race anyone may join.
            self.spawn(self._request(frame.ref, self._room, frame, counted=False))
        else:
            self._strike(None, InvalidInput("Already authenticated; hello is sent once."))

    @property
    def _codec_kind(self) -> str:
        return "MessagePack" if self._binary else "JSON"

    def _strike(self, ref: object, error: MicroletterError) -> None:
        self.reply_error(ref, error)
        if self.abuse.strike():
            self.close_soon(Close.POLICY, "too many bad frames")

    async def _request(
        self,
        ref: object,
        handler: Callable[[Any], Awaitable[dict[str, Any] | None]],
        frame: object,
        quiet: bool = False,
        counted: bool = True,
    ) -> None:
        """Run one request and answer it (ack or error) with the client's ref."""
        try:
            if counted:
                self.limits.hit_now("user", self._rate_key)
            result = await handler(frame)
        except MicroletterError as exc:
            if not quiet:
                self.reply_error(ref, exc)
            return
        except Exception:
            log.exception("ws.request_failed")
            self.reply_error(ref, MicroletterError())
            return
        if result is not None:
            self.reply({"ref": ref, **result})

    async def _send_now(self, f: wire.Send) -> None:
        """A send, the hot path, in one coroutine (no `_request` around it: one frame less
        to create and resume per send). Its ack is usually the echo of the new message
        to this connection (`echo_ref`); else an `ack` frame."""
        cmid = f.client_msg_id
        ref = f.ref
        if ref is not None:
            awaiting = self.awaiting
            if awaiting is None:
                awaiting = self.awaiting = {}
            refs = awaiting.get(cmid)
            if refs is None:
                awaiting[cmid] = [ref]
            else:
                refs.append(ref)
        try:
            self.limits.hit_now("user", self._rate_key)
            message = await messages.send_message(
                self.ctx,
                self.principal,
                ConversationId(f.conversation_id),
                cmid,
                f.text,
                kind=_KINDS[f.kind],
                media_id=f.media_id,
                reply_to=f.reply_to,
                mentions=[UserId(u) for u in f.mentions] if f.mentions else (),
                mention_all=f.mention_all,
                data=f.data,
            )
        except MicroletterError as exc:
            self.reply_error(ref, exc)
            return
        except Exception:
            log.exception("ws.request_failed")
            self.reply_error(ref, MicroletterError())
            return
        finally:
            if ref is not None:
                self._forget_ref(cmid, ref)
        echoed = self.echoed
        if ref is not None and echoed is not None and echoed.get(cmid) == ref:
            del echoed[cmid]
            if not echoed:
                self.echoed = None  # a dict keeps its grown table: let it go
            return  # the echoed event carried this ref: it was the ack
        self.reply({"ref": ref, "t": "ack", "message": message})

    def _forget_ref(self, cmid: str, ref: object) -> None:
        awaiting = self.awaiting
        refs = None if awaiting is None else awaiting.get(cmid)
        if awaiting is not None and refs is not None and ref in refs:
            refs.remove(ref)
            if not refs:
                del awaiting[cmid]
                if not awaiting:
                    self.awaiting = None

    async def _read(self, f: wire.Read) -> dict[str, Any]:
        seq = await messages.mark_read(
            self.ctx, self.principal, ConversationId(f.conversation_id), f.seq
        )
        return {"t": "ok", "last_read_seq": seq}

    async def _recall(self, f: wire.Recall) -> dict[str, Any]:
        message = await messages.recall(
            self.ctx, self.principal, ConversationId(f.conversation_id), f.seq
        )
        return {"t": "ack", "message": message}

    async def _streams(self, f: wire.Streams) -> dict[str, Any]:
        if self.reads_streams:
            raise InvalidInput("streams is sent once per connection.")
        count = await streams.open_streams(self, {ConversationId(c): s for c, s in f.after.items()})
        return {"t": "ok", "streams": count}

    async def _room(self, f: wire.RoomFrame) -> dict[str, Any]:
        handler = self.rooms.get(type(f))
        if handler is None:  # the room is not part of this server
            raise InvalidInput("This server does not answer that frame.", t=type(f).__name__)
        return await handler(self.principal, f)

    async def _typing(self, f: wire.TypingFrame) -> None:
        await messages.typing(self.ctx, self.principal, ConversationId(f.conversation_id))

    async def shutdown(self, code: int, reason: str) -> None:
        """Stop taking requests, let in-flight ones be acked, then close."""
        self.closing = True
        pending = self.pending()
        if pending:
            await asyncio.wait(pending, timeout=2)
        self.outbox.flush()
        await self._close(code, reason)


def beat(session: Session, ping: bytes) -> None:
    """One heartbeat sweep's decision for one connection (see Gateway._beat)."""
    if not session.quiet:
        session.quiet = True
        session.pinged = False
    elif not session.pinged:
        session.pinged = True
        session.outbox.put_framed(ping)
    else:
        session.close_soon(Close.GOING_AWAY, "no answer to ping")


def _drop_http_parser(request: web.Request) -> None:
    """Free the HTTP request parser of a connection upgraded to a WebSocket (~760 bytes
    of the ~17 KB a connection costs). aiohttp keeps it until the connection is lost, yet
    once the upgrade is accepted the frames go to the WebSocket reader, and every later
    use of the parser checks for None (the state `connection_lost` leaves it in)."""
    protocol = request.protocol
    if getattr(protocol, "_upgraded", False) and getattr(protocol, "_payload_parser", None):
        protocol._parser = None  # noqa: SLF001 - see above; aiohttp is pinned


def _ref_of(data: bytes | str, codec: Codec) -> object:
    """The request's ref, if one can be read from a frame that failed validation."""
    loose: object = None
    with contextlib.suppress(msgspec.DecodeError):
        raw = data.encode() if isinstance(data, str) else data
        loose = msgspec.json.decode(raw) if codec is JSON else msgspec.msgpack.decode(raw)
    ref = loose.get("ref") if isinstance(loose, dict) else None
    return ref if isinstance(ref, str | int) else None


class Gateway:
    """Accepts WebSocket connections and runs a Session for each."""

    def __init__(self, ctx: Context, hub: Hub, settings: Settings, limits: RateLimits) -> None:
        self.ctx = ctx
        self.hub = hub
        self.settings = settings
        self.limits = limits
        # The frames feature rooms answer, by frame type (app.py fills it: `answer`).
        self.rooms: dict[type, RoomHandler] = {}
        self.lingering: set[asyncio.Task[None]] = set()
        self._touched: dict[DeviceId, float] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._beater: asyncio.Task[None] | None = None

    def start(self, sweep: bool) -> None:
        """Start renewing presence, the heartbeat (`ws_heartbeat` > 0), and (with
        `sweep`, when hints can be lost between processes) the sweep that re-reads idle
        devices' logs."""
        loop = asyncio.get_running_loop()
        self._renewer = loop.create_task(self.hub.renew_presence())
        if self.settings.ws_heartbeat > 0:
            self._beater = loop.create_task(self._beat(self.settings.ws_heartbeat))
        interval = self.settings.bus_resync_seconds
        if sweep and interval > 0:
            self._sweeper = loop.create_task(self.hub.sweep(interval))

    async def _beat(self, interval: float) -> None:
        """The heartbeat of every connection, in one sweep every `interval` seconds (a
        frame received costs one attribute store, not a timer): a connection that sent
        nothing since the last sweep is pinged; one that answered nothing, not even
        the ping, by the next sweep is dead (a peer gone without a FIN) and is closed."""
        ping = ws_frame(b"", OP_PING)
        while True:
            await asyncio.sleep(interval)
            for session in self.hub.sessions():
                beat(session, ping)

    def answer(self, frame: type, handler: RoomHandler) -> None:
        """Have a feature room answer `frame` (one of wire.RoomFrame) on every session."""
        self.rooms[frame] = handler

    async def shutdown(self) -> None:
        """Close every session with "going away", after in-flight requests finish."""
        for task in (self._sweeper, self._renewer, self._beater):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.hub.shutdown(Close.GOING_AWAY, "server shutting down")
        pending = [t for t in self.lingering if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(
            protocols=SUBPROTOCOLS,
            # Our own heartbeat (`_beat`, one sweep for every session) instead of aiohttp's,
            # which re-arms a timer for every chunk received: pings and pongs come to us.
            heartbeat=None,
            autoping=False,
            max_msg_size=self.settings.ws_hard_max_frame,
            compress=False,
        )
        await ws.prepare(request)
        _drop_http_parser(request)
        codec = CODECS.get(ws.ws_protocol or "", JSON)
        transport = request.transport
        if transport is None:
            return ws
        principal, hello = await self._hello(ws, codec)
        if principal is None or hello is None:
            return ws
        token = log_user.set(principal.user_id)
        session: Session | None = None
        try:
            session = await self._start(ws, transport, codec, principal, hello)
            del hello  # this frame lives as long as the connection: keep only what it needs
            receive = ws.receive  # not `async for`: its __anext__ is one more frame per read
            while True:
                msg = await receive()
                session.quiet = False
                kind = msg.type
                if kind is WSMsgType.BINARY or kind is WSMsgType.TEXT:
                    session.receive(msg.data)
                elif kind is WSMsgType.PING:
                    session.outbox.put_framed(ws_frame(msg.data, OP_PONG))
                elif kind is WSMsgType.ERROR or kind in _CLOSED:
                    break
        finally:
            if session is not None:
                self.hub.detach(session)
                self.ctx.metrics.connections.dec()
                # Requests in flight still finish (and publish); only their replies are lost.
                for task in session.pending():
                    self.lingering.add(task)
                    task.add_done_callback(self.lingering.discard)
            log_user.reset(token)
        return ws

    async def _hello(
        self, ws: web.WebSocketResponse, codec: Codec
    ) -> tuple[Principal | None, wire.Hello | None]:
        async def refuse(error: MicroletterError, code: int) -> tuple[None, None]:
            payload = codec.encode({"t": "error", "ref": None, **error_body(error)})
            with contextlib.suppress(ConnectionError):
                if codec is JSON:
                    await ws.send_str(payload.decode())
                else:
                    await ws.send_bytes(payload)
                await ws.close(code=code, message=error.code.encode())
            return None, None

        try:
            async with asyncio.timeout(self.settings.ws_hello_timeout):
                msg = await ws.receive()
                while msg.type is WSMsgType.PING or msg.type is WSMsgType.PONG:
                    if msg.type is WSMsgType.PING:
                        await ws.pong(msg.data)
                    msg = await ws.receive()
        except TimeoutError:
            return await refuse(Unauthenticated("Send a hello frame first."), Close.UNAUTHENTICATED)
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return None, None
        try:
            hello = codec.decode(msg.data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            return await refuse(InvalidInput(f"Bad hello: {exc}"), Close.UNAUTHENTICATED)
        if not isinstance(hello, wire.Hello):
            return await refuse(
                Unauthenticated("The first frame must be hello."), Close.UNAUTHENTICATED
            )
        if hello.v != PROTOCOL_VERSION:
            error = InvalidInput("Unsupported protocol version.", supported=[PROTOCOL_VERSION])
            return await refuse(error, Close.POLICY)
        try:
            principal = await accounts.authenticate(self.ctx, hello.token)
        except MicroletterError as exc:
            return await refuse(exc, Close.UNAUTHENTICATED)
        return principal, hello

    async def _start(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        codec: Codec,
        principal: Principal,
        hello: wire.Hello,
    ) -> Session:
        session = Session(
            self.ctx,
            self.hub,
            self.settings,
            ws,
            transport,
            codec,
            principal,
            self.limits,
            self.rooms,
        )
        # Subscribe before reading the head: nothing committed from now on can be missed.
        self.hub.attach(session)
        self.ctx.metrics.connections.inc()
        await self.hub.live(principal.user_id)
        store = self.ctx.store
        head = await store.log_head(principal.user_id)
        start = head if hello.after is None else hello.after
        reset = hello.after is not None and (
            hello.after > head or (hello.epoch is not None and hello.epoch != store.epoch)
        )
        if reset:
            start = head
        session.delivery.sent = start
        session.reply(
            {
                "t": "ready",
                "v": PROTOCOL_VERSION,
                "revision": PROTOCOL_REVISION,
                "user_id": principal.user_id,
                "device_id": principal.device_id,
                "epoch": store.epoch,
                "cursor": start,
                "head": head,
            }
        )
        if reset:
            session.reply({"t": "reset", "cursor": head, "epoch": store.epoch})
        if start == head and session.delivery.page_done(full_page=False):
            session.synced = True  # nothing to catch up on, and no hint came meanwhile
            session.reply({"t": "synced", "cursor": start})
        else:
            session.spawn(session.pull())
        session.spawn(self._channels(session))
        self._touch(session, principal)
        return session

    async def _channels(self, session: Session) -> None:
        """Subscribe the session to the channels of the accounts its user follows, then
        tell it their heads (read after subscribing, so no broadcast falls between)."""
        store = self.ctx.store
        with contextlib.suppress(MicroletterError):
            followed = await store.channels(session.principal.user_id)
            if not followed:
                return  # most people follow no account: one read, nothing to join
            for view in followed:
                session.follow_channel(view.conversation_id, view.channel_id)
            for view in await store.channels(session.principal.user_id):
                if session.channels is None or view.conversation_id not in session.channels:
                    session.follow_channel(view.conversation_id, view.channel_id)
                if view.head > view.joined_seq:
                    session.send_channel(view.channel_id, view.conversation_id, view.head)

    def _touch(self, session: Session, principal: Principal) -> None:
        """Record when a device was last seen, at most every few minutes per device (a
        reconnect storm must not become a write storm)."""
        now = time.monotonic()
        if now - self._touched.get(principal.device_id, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        if len(self._touched) > 100_000:
            self._touched.clear()
        self._touched[principal.device_id] = now
        session.spawn(self._save_touch(principal))

    async def _save_touch(self, principal: Principal) -> None:
        with contextlib.suppress(MicroletterError):
            await self.ctx.store.touch_device(principal.device_id, self.ctx.clock())
