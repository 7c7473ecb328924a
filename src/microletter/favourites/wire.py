"""Favourites' request and reply bodies (msgspec), as the gateway's wire.py does it."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Id = Annotated[int, Meta(ge=1, lt=2**53)]


class KeepBody(Struct, forbid_unknown_fields=True):
    """Keep a message (`conversation_id` and `seq`) or a link (`url`, `title`)."""

    conversation_id: Id | None = None
    seq: Annotated[int, Meta(ge=0, lt=2**53)] | None = None
    url: Annotated[str, Meta(max_length=4096)] | None = None
    title: Annotated[str, Meta(max_length=1024)] = ""


class FavouriteWire(Struct):
    id: int
    kind: str
    text: str | None
    data: dict[str, Any] | None
    source_conversation_id: int | None
    source_seq: int | None
    source_sender_id: int | None
    created_at: int


class FavouriteReply(Struct):
    favourite: FavouriteWire


class FavouritesReply(Struct):
    favourites: list[FavouriteWire]


class FavouritesQuery(Struct, forbid_unknown_fields=True):
    q: Annotated[str, Meta(max_length=400)] = ""
    before: Annotated[int, Meta(ge=1, lt=2**53)] | None = None
