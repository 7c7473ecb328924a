"""A load process: holds WebSocket connections, sends on an open-loop schedule, and records
ack and end-to-end latency of everything it receives.

Open loop, as in research/wsstack-results.md: message k of a step is due at
t0 + k/rate and carries that intended time, so a stall of the generator or the server
shows up as latency instead of silently lowering the rate (no coordinated omission).
All processes of the machine share CLOCK_MONOTONIC, so a receiver in one process
measures against a stamp made in another.

The connections are picows clients (frames handled in a callback, no task per socket):
the generator shares the machine with the server, so its cost per frame matters.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import msgspec
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

PROTOCOLS = {
    "json": "microletter.v1.json",
    "msgpack": "microletter.v1.msgpack",
    "compact": "microletter.v1.compact",
}
TEXT = "benchmark message 20"  # the 20-character text every message carries


@dataclass
class Conn:
    token: str
    user_id: int
    targets: list[int] = field(default_factory=list)  # conversations this connection sends to


@dataclass
class Plan:
    url: str
    codec: str
    conns: list[Conn]
    worker: int
    streams: bool = True  # read large groups from their streams (revision 3)


class _Msg(msgspec.Struct):
    client_msg_id: str = ""
    sender_id: int = 0


class _Data(msgspec.Struct):
    message: _Msg | None = None


class _Frame(msgspec.Struct):
    """Only the fields the generator needs; msgspec skips the rest without building it."""

    t: str
    ref: int | str | None = None
    data: _Data | None = None


@dataclass
class StepStats:
    start: float
    end: float
    ack: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    sent: int = 0
    sent_by_conversation: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    delivery_bytes: int = 0
    other_bytes: int = 0
    echoes: int = 0


class Parser:
    """(type, ref, client_msg_id, sender_id) of a server frame, in any of the codecs."""

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self._typed = (
            msgspec.json.Decoder(_Frame) if codec == "json" else msgspec.msgpack.Decoder(_Frame)
        )

    def parse(self, raw: bytes) -> tuple[str, object, str, int]:
        if self.codec == "compact" and (raw[0] & 0xF0) == 0x90 and raw[1] == 1:
            frame = msgspec.msgpack.decode(raw)  # a stream's message: [1, data(, ref)]
            message = frame[1][0]
            return "ev", frame[2] if len(frame) > 2 else None, message[4], message[3]
        if self.codec == "compact" and (raw[0] & 0xF0) == 0x90:  # a fixarray: an event
            frame = msgspec.msgpack.decode(raw)  # [0, seq, kind, data(, ref)]
            ref = frame[4] if len(frame) > 4 else None
            if frame[2] != 0:
                return "ev", ref, "", 0
            message = frame[3][0]
            return "ev", ref, message[4], message[3]
        typed = self._typed.decode(raw)
        message = typed.data.message if typed.data is not None else None
        kind = "ev" if typed.t == "msg" else typed.t  # a stream's message counts as one
        if message is None:
            return kind, typed.ref, "", 0
        return kind, typed.ref, message.client_msg_id, message.sender_id


class Client(WSListener):
    """One connection: hello, wait for `synced`, then record what arrives."""

    def __init__(self, worker: Worker, conn: Conn) -> None:
        self.worker = worker
        self.conn = conn
        self.transport: WSTransport | None = None
        self.synced: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.worker.send(self, {"t": "hello", "token": self.conn.token})

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return
        raw = frame.get_payload_as_bytes()
        if self.synced.done():
            self.worker.received(self.conn, raw)
            return
        kind = self.worker.parser.parse(raw)[0]
        if kind == "synced" and self.worker.plan.streams:
            self.worker.send(self, {"t": "streams", "after": {}})
        elif kind == "synced" or (kind == "ok" and self.worker.plan.streams):
            self.synced.set_result(None)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if not self.synced.done():
            self.synced.set_exception(ConnectionError("closed before synced"))


class Worker:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.parser = Parser(plan.codec)
        self.encode = msgspec.json.encode if plan.codec == "json" else msgspec.msgpack.encode
        self.opcode = WSMsgType.TEXT if plan.codec == "json" else WSMsgType.BINARY
        self.clients: list[Client] = []
        self.stats: StepStats | None = None
        self.pending: dict[int, float] = {}  # ref -> intended send time
        self.last_rx = time.monotonic()

    async def connect(self, parallel: int = 200) -> float:
        """Open and authenticate every connection; returns the seconds it took."""
        started = time.monotonic()
        gate = asyncio.Semaphore(parallel)
        self.clients = list(await asyncio.gather(*(self._open(c, gate) for c in self.plan.conns)))
        return time.monotonic() - started

    async def _open(self, conn: Conn, gate: asyncio.Semaphore) -> Client:
        url = self.plan.url.replace("http", "ws", 1) + "/ws"
        headers = {"Sec-WebSocket-Protocol": PROTOCOLS[self.plan.codec]}
        async with gate:
            _, listener = await ws_connect(
                lambda: Client(self, conn),
                url,
                extra_headers=headers,
                max_frame_size=1 << 26,
                websocket_handshake_timeout=60,  # thousands of handshakes queue up at once
            )
            assert isinstance(listener, Client)
            await listener.synced
        return listener

    def send(self, client: Client, frame: dict[str, Any]) -> int:
        """Send one frame; returns its size on the wire (client frames carry a 4-byte mask)."""
        data = self.encode(frame)
        if client.transport is not None and not client.transport.is_disconnected:
            client.transport.send(self.opcode, data)
        return len(data) + (6 if len(data) < 126 else 8)

    def received(self, conn: Conn, raw: bytes) -> None:
        now = time.monotonic()
        self.last_rx = now
        kind, ref, client_msg_id, sender_id = self.parser.parse(raw)
        stats = self.stats
        size = len(raw) + (2 if len(raw) < 126 else 4)
        if kind in ("ev", "ack") and isinstance(ref, int):  # an echo with ref is the ack
            sent = self.pending.pop(ref, None)
            if stats is not None and sent is not None and stats.start <= sent < stats.end:
                stats.ack.append(now - sent)
                if kind == "ack":
                    stats.other_bytes += size
        if kind == "ev" and client_msg_id:
            stamp = _stamp(client_msg_id)
            if stats is None or stamp is None or not stats.start <= stamp < stats.end:
                return
            if sender_id == conn.user_id:
                stats.echoes += 1
                stats.other_bytes += size
            else:
                stats.e2e.append(now - stamp)
                stats.delivery_bytes += size
        elif kind == "error":
            if stats is not None:
                stats.errors += 1
            if isinstance(ref, int):
                self.pending.pop(ref, None)

    async def step(
        self, rate: float, t0: float, warmup: float, seconds: float, base: int
    ) -> dict[str, Any]:
        """Send `rate` messages/s (this worker's share) from t0 for warmup+seconds, measure
        the window after warmup, then wait for the tail to drain."""
        self.stats = stats = StepStats(start=t0 + warmup, end=t0 + warmup + seconds)
        senders = [c for c in self.clients if c.conn.targets]
        total = int(rate * (warmup + seconds))
        k = 0
        while senders and k < total:
            due = min(total, int((time.monotonic() - t0) * rate) + 1)
            while k < due:
                client = senders[k % len(senders)]
                targets = client.conn.targets
                cid = targets[(k // len(senders)) % len(targets)]
                # The stamp travels in microseconds; the window test uses that same value
                # on both ends, so a message on the window's edge counts on both or neither.
                stamp_us = int((t0 + k / rate) * 1e6)
                intended = stamp_us / 1e6
                ref = base + k
                self.pending[ref] = intended
                size = self.send(
                    client,
                    {
                        "t": "send",
                        "ref": ref,
                        "conversation_id": cid,
                        "client_msg_id": f"{self.plan.worker}.{ref}.{stamp_us}",
                        "text": TEXT,
                    },
                )
                if stats.start <= intended < stats.end:
                    stats.sent += 1
                    stats.sent_by_conversation[cid] = stats.sent_by_conversation.get(cid, 0) + 1
                    stats.other_bytes += size
                k += 1
            await asyncio.sleep(0.001)
        await self.drain()
        self.stats = None
        return {
            "ack": stats.ack,
            "e2e": stats.e2e,
            "sent": stats.sent,
            "sent_by_conversation": stats.sent_by_conversation,
            "errors": stats.errors,
            "delivery_bytes": stats.delivery_bytes,
            "other_bytes": stats.other_bytes,
            "echoes": stats.echoes,
        }

    async def drain(self, quiet: float = 0.3, limit: float = 15.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and time.monotonic() - self.last_rx < quiet:  # noqa: ASYNC110 - waits for silence, not an event
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for client in self.clients:
            if client.transport is not None:
                client.transport.disconnect()


def _stamp(client_msg_id: str) -> float | None:
    try:
        return int(client_msg_id.rsplit(".", 1)[1]) / 1e6
    except (IndexError, ValueError):
        return None


def worker_main(plan: Plan, pipe: Connection) -> None:
    """Entry point of a load process: obey the parent's commands over `pipe`."""
    from microletter.app import tune_gc

    tune_gc()
    try:
        import uvloop

        uvloop.run(_serve(plan, pipe))
    except ImportError:  # pragma: no cover
        asyncio.run(_serve(plan, pipe))


async def _serve(plan: Plan, pipe: Connection) -> None:
    worker = Worker(plan)
    loop = asyncio.get_running_loop()
    try:
        took = await worker.connect()
        pipe.send(("connected", took))
        while True:
            command, args = await loop.run_in_executor(None, pipe.recv)
            if command == "step":
                pipe.send(("stepped", await worker.step(*args)))
            elif command == "stop":
                break
    except Exception as exc:  # report, so the parent does not wait forever
        pipe.send(("failed", repr(exc)))
    finally:
        await worker.close()
