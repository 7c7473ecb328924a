"""Transcripts' request and reply bodies (msgspec), as the gateway's wire.py does it."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class TranscribeBody(Struct, forbid_unknown_fields=True):
    """`language`: a BCP 47 tag (`en`, `zh-CN`); by default the sender's language."""

    language: Annotated[str, Meta(min_length=2, max_length=35)] | None = None


class TranscriptWire(Struct):
    conversation_id: int
    seq: int
    language: str  # the primary language subtag it was heard in
    text: str  # "" if nothing was heard
    engine: str  # the recognizer that made it
    created_at: int


class TranscriptReply(Struct):
    transcript: TranscriptWire


class LanguagesReply(Struct):
    languages: list[str]  # primary language subtags some engine here covers
