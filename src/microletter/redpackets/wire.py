"""Red packets' request and reply bodies (msgspec). `amount` and `shares` are decoded as
whatever JSON they are and judged by the rules, so a float gets its own error code."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Key = Annotated[str, Meta(max_length=200)]


class SendBody(Struct, forbid_unknown_fields=True):
    kind: Any  # normal, lucky, exclusive
    amount: Any  # the packet's total, in minor units (an int)
    shares: Any = 1
    greeting: Annotated[str, Meta(max_length=1000)] = ""
    recipient_id: Annotated[int, Meta(ge=1, lt=2**53)] | None = None  # exclusive packets
    idempotency_key: Key = ""
    payment_token: Annotated[str, Meta(max_length=200)] | None = None


class ShareWire(Struct):
    user_id: int
    amount: int
    opened_at: int
    best: bool  # "best luck": the largest share, once every share was taken


class PacketWire(Struct):
    id: int
    conversation_id: int
    seq: int
    sender_id: int
    kind: str
    amount: int
    shares: int
    opened: int
    greeting: str
    recipient_id: int | None
    status: str  # open, finished, refunded
    created_at: int
    expires_at: int
    finished_at: int | None
    refunded: int
    my_amount: int | None  # what I got (None: I did not open it)
    openings: list[ShareWire]  # who got how much: for its sender and those who opened it


class CurrencyWire(Struct):
    code: str
    exponent: int


class PacketReply(Struct):
    packet: PacketWire
    currency: CurrencyWire
    replayed: bool = False


class OpenReply(Struct):
    packet_id: int
    conversation_id: int
    amount: int
    finished: bool
    currency: CurrencyWire
