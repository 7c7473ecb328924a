"""Translation's request and reply bodies (msgspec), as the gateway's wire.py does it."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class TranslateBody(Struct, forbid_unknown_fields=True):
    """`target`: a BCP 47 language tag; none: your locale (Me → Settings → Language)."""

    target: Annotated[str, Meta(max_length=64)] | None = None


class TranslationWire(Struct):
    conversation_id: int
    seq: int
    text: str
    source: str | None  # the engine's guess of the message's language, if it tells
    target: str


class TranslationReply(Struct):
    translation: TranslationWire
