"""What crosses a process boundary on the bus: log entries, the messages of large groups'
streams, typing and device revocations
(and plain JSON values, which tests use), as compact MessagePack.

A group message is published once per member with the same event; decoding remembers
the last event it decoded, so those deliveries share one event object and the gateway
encodes each event once (hub.encoded), as it does in one process.
"""

from __future__ import annotations

from typing import Any

import msgspec

from microletter.core.events import KINDS, DeviceRevoked, Event, LogEntry, MessagePosted, Typing
from microletter.core.ids import ConversationId, DeviceId, UserId

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder()
_events = {kind: msgspec.msgpack.Decoder(cls) for cls, kind in KINDS.items()}


class Codec:
    def __init__(self) -> None:
        self._last: tuple[bytes, Event] | None = None  # decoded
        self._last_out: tuple[Event, bytes] | None = None  # encoded

    def encode(self, message: object) -> bytes:
        if isinstance(message, LogEntry):
            event = message.event
            item: Any = ("e", message.user_id, message.seq, KINDS[type(event)], self._raw(event))
        elif isinstance(message, MessagePosted):  # a large group's stream
            item = ("s", self._raw(message))
        elif isinstance(message, Typing):
            item = ("t", message.conversation_id, message.user_id)
        elif isinstance(message, DeviceRevoked):
            item = ("r", message.device_id)
        else:
            item = ("j", message)
        out: bytes = _encoder.encode(item)
        return out

    def decode(self, data: bytes) -> object:
        item = _decoder.decode(data)
        tag = item[0]
        if tag == "e":
            return LogEntry(UserId(item[1]), item[2], self._event(item[3], item[4]))
        if tag == "s":
            return self._event("message", item[1])
        if tag == "t":
            return Typing(ConversationId(item[1]), UserId(item[2]))
        if tag == "r":
            return DeviceRevoked(DeviceId(item[1]))
        return item[1]

    def _event(self, kind: str, raw: bytes) -> Event:
        last = self._last
        if last is not None and last[0] == raw:
            return last[1]
        event: Event = _events[kind].decode(raw)
        self._last = (raw, event)
        return event

    def _raw(self, event: Event) -> bytes:
        last = self._last_out
        if last is not None and last[0] is event:
            return last[1]
        raw: bytes = _encoder.encode(event)
        self._last_out = (event, raw)
        return raw
