"""Transcripts ("Convert to text"), a feature room: a voice message heard by a speech
recognizer on the server, once per message and language, kept and shown to whoever asks;
a recall erases it with the message. Official accounts get it as a voice push's
`Recognition` (`for_pushes`, which app.py hands to the platform's dispatcher).

rules.py and errors.py (pure), engines.py (the Recognizer port and the engines: the
offline default is PocketSphinx), store/ (the table and the recall hook), actions.py,
routes.py and wire.py. app.py builds it with a decoder pool of its own (media.DecoderPool:
recognition never takes the decoders uploads need), registers its recall hook
(`add_index`) and mounts its routes."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.media import DecoderPool
from microletter.transcripts.actions import (
    Recognize,
    Transcripts,
    for_bots,
    for_pushes,
    transcribe,
)
from microletter.transcripts.engines import Pocketsphinx, Recognizer, load_engines
from microletter.transcripts.routes import routers
from microletter.transcripts.rules import Transcript
from microletter.transcripts.store import TranscriptsStore

__all__ = [
    "Pocketsphinx",
    "Recognize",
    "Recognizer",
    "Transcript",
    "Transcripts",
    "TranscriptsStore",
    "for_bots",
    "for_pushes",
    "load_engines",
    "mount",
    "open_room",
    "transcribe",
]


def mount(app: web.Application, room: Transcripts) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, engines: list[Recognizer], pool: DecoderPool) -> Transcripts:
    """The room on the context's database, whose recalls now erase its transcripts."""
    store = TranscriptsStore(ctx.store.db)
    ctx.store.db.add_index(store.index)
    return Transcripts(ctx, store, engines, pool)
