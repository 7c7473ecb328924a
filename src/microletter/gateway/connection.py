"""The realtime connection's logic without I/O: the delivery cursor, abuse counting and
frame encoding. ws.py moves the bytes; everything decidable is decided here.

Theory of operation (delivery). A device's cursor is the last seq of its user's update
log it was sent. Live events come from the bus as hints (at most once, maybe out of
order); the log is the truth. `Delivery.offer(seq)` answers:

    seq <= sent          DROP  (already sent, e.g. by a pull)
    pulling              DROP  (the running pull will read it from the log)
    seq == sent + 1      SEND  (the common case: push the event as it came)
    seq >  sent + 1      PULL  (a gap: read the log from `sent` until caught up)

A pull reads pages of the log after `sent` until a short page arrives *and* `sent` has
reached the highest seq any hint announced. An event committed during the pull either
shows up in a page or raises `hint_max` and forces another page; one committed after
the pull ends arrives as a hint with seq == sent + 1. Hence: every entry once, in order,
no gap, without locking the log against writers.

Hints can be lost between processes (a Redis reconnect). `resync()` makes the session
read the log anyway: it starts a pull, or makes a running one read one more page.
"""

from __future__ import annotations

import struct
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

import msgspec

from microletter.core.events import KINDS, Event, MessagePosted
from microletter.gateway import wire

OP_TEXT = 0x1
OP_BINARY = 0x2
OP_PING = 0x9
OP_PONG = 0xA


class Decision(Enum):
    SEND = "send"
    DROP = "drop"
    PULL = "pull"


class Delivery:
    __slots__ = ("sent", "hint_max", "pulling", "recheck")

    def __init__(self, sent: int = 0, *, pulling: bool = True) -> None:
        self.sent = sent
        self.hint_max = sent
        self.pulling = pulling
        self.recheck = False

    def offer(self, seq: int) -> Decision:
        if seq <= self.sent:
            return Decision.DROP
        if seq > self.hint_max:
            self.hint_max = seq
        if self.pulling:
            return Decision.DROP
        if seq == self.sent + 1:
            self.sent = seq
            return Decision.SEND
        self.pulling = True
        return Decision.PULL

    def next_in_line(self, seq: int) -> bool:
        """The live common case of `offer`, decided in one test: `seq` is the next one and
        no pull runs, so it is sent (True). False: ask `offer`."""
        if seq != self.sent + 1 or self.pulling:
            return False
        self.sent = seq
        if seq > self.hint_max:
            self.hint_max = seq
        return True

    def take(self, seq: int) -> bool:
        """During a pull: should the entry `seq` read from the log be sent?"""
        if seq != self.sent + 1:
            return False
        self.sent = seq
        return True

    def page_done(self, full_page: bool) -> bool:
        """After a page of a pull: True when the pull is over (caught up)."""
        if full_page or self.sent < self.hint_max or self.recheck:
            self.recheck = False
            return False
        self.pulling = False
        return True

    def resync(self) -> bool:
        """Hints may have been lost: True if a pull must start now (else the running
        pull reads one more page before it ends)."""
        if self.pulling:
            self.recheck = True
            return False
        self.pulling = True
        return True


class AbuseMeter:
    """Counts bad frames in a sliding window; too many and the connection is closed."""

    __slots__ = ("_limit", "_window", "_times")

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self._limit = limit
        self._window = window
        # Made on the first bad frame: an empty deque is ~620 bytes, and most connections
        # never send one (docs/PERFORMANCE.md, memory per connection).
        self._times: deque[float] | None = None

    def strike(self, now: float | None = None) -> bool:
        """Record one bad frame; True when the limit is exceeded."""
        now = time.monotonic() if now is None else now
        times = self._times
        if times is None:
            times = self._times = deque()
        times.append(now)
        while times and times[0] < now - self._window:
            times.popleft()
        return len(times) > self._limit


def ws_frame(payload: bytes, opcode: int) -> bytes:
    """One unmasked, unfragmented server-to-client WebSocket frame (RFC 6455 5.2)."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


EVENT_CODES = {kind: code for code, kind in enumerate(KINDS.values())}
MESSAGE_KIND_CODES = {"text": 0, "system": 1, "image": 2, "voice": 3, "file": 4}


class Codec:
    """A frame encoding the client chose with its WebSocket subprotocol.

    Events are encoded in two parts: the event itself once per fan-out (`encode_event`,
    shared by every recipient), then a small envelope per recipient (`event`) around
    those bytes, which carries the recipient's own log seq."""

    def __init__(self, name: str, opcode: int, encoder: Any, decoder: Any) -> None:
        self.name = name
        self.opcode = opcode
        self.encode: Any = encoder.encode
        # The decoder's own method (no wrapper: it runs once per frame received).
        self.decode: Callable[[bytes | str], wire.ClientFrame] = decoder.decode

    def encode_event(self, event: Event) -> bytes:
        data: bytes = self.encode(event)
        return data

    def event(self, seq: int, kind: str, data: bytes, ref: object = None) -> bytes:
        """An event frame around `data`; `ref` marks the echo that acknowledges a send."""
        frame: dict[str, object] = {"t": "ev", "seq": seq, "kind": kind, "data": msgspec.Raw(data)}
        if ref is not None:
            frame["ref"] = ref
        out: bytes = self.encode(frame)
        return out

    def stream_event(self, data: bytes, ref: object = None) -> bytes:
        """A message of a large group's stream (revision 3): `data` as in `event`, without a
        log seq (the message carries its conversation and seq)."""
        frame: dict[str, object] = {"t": "msg", "data": msgspec.Raw(data)}
        if ref is not None:
            frame["ref"] = ref
        out: bytes = self.encode(frame)
        return out


class CompactCodec(Codec):
    """MessagePack with positional event frames, for small frames on mobile networks:

        [0, seq, kind_code, data]            (+ ref as a fifth item on a send's echo)
        [1, data]                            a message of a large group's stream (+ ref)

    and for a message event `data` is the array
        [id, conversation_id, seq, sender_id, client_msg_id, kind_code, text,
         reply_to, mentions, mention_all, recalled, data]
    with trailing defaults (null, [], false) left out; `created_at` is in the id
    (ms since 2025-01-01 in its top 41 bits). Other events keep their field maps."""

    def encode_event(self, event: Event) -> bytes:
        if not isinstance(event, MessagePosted):
            return super().encode_event(event)
        m = event.message
        row: list[object] = [
            m.id,
            m.conversation_id,
            m.seq,
            m.sender_id,
            m.client_msg_id,
            MESSAGE_KIND_CODES.get(m.kind, m.kind),
            m.text,
            m.reply_to,
            list(m.mentions),
            m.mention_all,
            m.recalled,
            m.data,
        ]
        while row and row[-1] in (None, False, []) and len(row) > 7:
            row.pop()
        data: bytes = self.encode([row])
        return data

    def stream_event(self, data: bytes, ref: object = None) -> bytes:
        frame: list[object] = [1, msgspec.Raw(data)]
        if ref is not None:
            frame.append(ref)
        out: bytes = self.encode(frame)
        return out

    def event(self, seq: int, kind: str, data: bytes, ref: object = None) -> bytes:
        frame: list[object] = [0, seq, EVENT_CODES[kind], msgspec.Raw(data)]
        if ref is not None:
            frame.append(ref)
        out: bytes = self.encode(frame)
        return out


JSON = Codec("microletter.v1.json", OP_TEXT, msgspec.json.Encoder(), wire.json_frames)
MSGPACK = Codec("microletter.v1.msgpack", OP_BINARY, msgspec.msgpack.Encoder(), wire.msgpack_frames)
COMPACT = CompactCodec(
    "microletter.v1.compact", OP_BINARY, msgspec.msgpack.Encoder(), wire.msgpack_frames
)
CODECS = {c.name: c for c in (JSON, MSGPACK, COMPACT)} | {"microletter.v1": JSON}
SUBPROTOCOLS = (JSON.name, MSGPACK.name, COMPACT.name, "microletter.v1")
