"""The translator port: what an engine offers the room, and the default engine, which
answers that translation is not configured (no package ships an offline model).

An engine is made by a factory named by MICROLETTER_TRANSLATOR (`package.module:factory`),
called once at start with the EngineOptions; docs/translation.md shows adapters."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from microletter.translate.errors import TranslatorNotConfigured
from microletter.translate.rules import Translation


@runtime_checkable
class Translator(Protocol):
    """A translation engine.

    `languages` are the BCP 47 tags it translates into (and from); empty means it takes
    any tag and answers `translate.language_unsupported` itself for one it lacks.
    `translate` turns `text` into `target`, from `source` (None: the engine guesses). It
    raises LanguageUnsupported or TranslatorUnavailable (from `microletter.translate`);
    the room bounds its time and turns any other exception into translate.unavailable.
    An engine that holds connections may have an `async def aclose()`, called at shutdown.
    """

    @property
    def languages(self) -> frozenset[str]: ...

    async def translate(self, text: str, source: str | None, target: str) -> Translation: ...


@dataclass(frozen=True)
class EngineOptions:
    """What a factory is given, from MICROLETTER_TRANSLATOR_URL, _KEY and _TIMEOUT."""

    url: str = ""
    key: str = field(default="", repr=False)  # an API key: never in a repr or a log
    timeout: float = 10.0  # seconds the room waits for one translation


class Unconfigured:
    """The default engine: no languages, and every translation answers
    translate.not_configured (HTTP 501)."""

    @property
    def languages(self) -> frozenset[str]:
        return frozenset()

    async def translate(self, text: str, source: str | None, target: str) -> Translation:
        raise TranslatorNotConfigured()


class EngineLoadError(ValueError):
    """MICROLETTER_TRANSLATOR names no factory that makes a Translator."""


def load_engine(spec: str, options: EngineOptions) -> Translator:
    """The engine MICROLETTER_TRANSLATOR names (`package.module:factory`), made by calling
    the factory with `options`; the default engine when `spec` is empty."""
    if not spec:
        return Unconfigured()
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineLoadError(f"cannot import {module_name!r}: {exc}") from None
    factory: Callable[[EngineOptions], object] | None = getattr(module, attribute, None)
    if not callable(factory):
        raise EngineLoadError(f"{module_name!r} has no callable {attribute!r}")
    try:
        engine = factory(options)
    except Exception as exc:  # the factory's own complaint (a missing URL, a bad key)
        raise EngineLoadError(f"{spec} failed: {exc}") from exc
    if not isinstance(engine, Translator):
        raise EngineLoadError(f"{spec} made {type(engine).__name__}, not a Translator")
    return engine
