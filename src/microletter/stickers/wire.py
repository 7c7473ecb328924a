"""Stickers' request and reply bodies (msgspec)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from microletter.core.media import Media

MediaIdText = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]


class StickerBody(Struct, forbid_unknown_fields=True):
    media_id: MediaIdText


class OrderBody(Struct, forbid_unknown_fields=True):
    media_ids: Annotated[list[MediaIdText], Meta(max_length=300)]


class StickersReply(Struct):
    stickers: list[Media]
