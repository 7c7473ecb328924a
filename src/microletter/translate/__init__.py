"""Translation, a feature room: "Translate" on a text message, through a translator port.
No package ships an offline translation model, so the default engine answers
translate.not_configured; operators plug one in with MICROLETTER_TRANSLATOR
(docs/translation.md).

rules.py and errors.py (pure: language tags, what may be translated, the cache),
port.py (the Translator Protocol, the default engine, loading the configured one),
actions.py, routes.py and wire.py. Nothing is stored: no store, no migration."""

from __future__ import annotations

from aiohttp import web

from microletter.actions.context import Context
from microletter.gateway.api import Router
from microletter.translate.actions import Translate
from microletter.translate.errors import (
    LanguageUnsupported,
    NotTranslatable,
    TranslatorNotConfigured,
    TranslatorUnavailable,
)
from microletter.translate.port import (
    EngineLoadError,
    EngineOptions,
    Translator,
    Unconfigured,
    load_engine,
)
from microletter.translate.routes import routers
from microletter.translate.rules import Translation

__all__ = [
    "EngineLoadError",
    "EngineOptions",
    "LanguageUnsupported",
    "NotTranslatable",
    "Translate",
    "Translation",
    "Translator",
    "TranslatorNotConfigured",
    "TranslatorUnavailable",
    "Unconfigured",
    "load_engine",
    "mount",
    "open_room",
]


def mount(app: web.Application, room: Translate) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, engine: Translator, timeout: float, concurrency: int) -> Translate:
    return Translate(ctx, engine, timeout=timeout, concurrency=concurrency)
