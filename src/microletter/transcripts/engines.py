"""The recognizer port, and the engines that implement it: `Pocketsphinx` (the offline
default, whose English model ships inside the `pocketsphinx` package) and any engine an
operator names as `package.module:attribute` (docs/transcripts.md says how to write one,
for a whisper-class model whose files the operator provides).

An engine runs in a decoder process (media.decoders), never in the server: the room hands
`hear(engine, audio, language)` to its pool, so the engine object travels there pickled
(keep it a small frozen dataclass of settings) and loads its model there, once per
process (cache it at module level, as `_pocketsphinx` does)."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from microletter.media import speech

RATE = 16_000  # samples per second: what speech models are trained on


@runtime_checkable
class Recognizer(Protocol):
    """A speech-to-text engine. `languages`: the primary language subtags it covers
    ("en", "zh", ...); `transcribe` runs in a decoder process and returns the words it
    heard in the recording at `audio` (any format voice messages are kept in: read it
    with `microletter.media.speech`), "" for silence."""

    @property
    def name(self) -> str: ...

    @property
    def languages(self) -> frozenset[str]: ...

    def transcribe(self, audio: Path, language: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Pocketsphinx:
    """CMU PocketSphinx with the US English model of its package: small (40 MB), offline,
    a third of real time on one core; fine for clear speech, weak on noise and accents."""

    max_seconds: int = 60
    name: str = "pocketsphinx"
    languages: frozenset[str] = frozenset({"en"})

    def transcribe(self, audio: Path, language: str) -> str:
        pcm = speech(audio, RATE, self.max_seconds)
        decoder = _pocketsphinx()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return str(hypothesis.hypstr) if hypothesis is not None else ""


@functools.cache
def _pocketsphinx() -> Any:
    """The decoder with its model loaded (1-2 s), kept for the life of the process."""
    import pocketsphinx

    return pocketsphinx.Decoder(samprate=RATE, loglevel="FATAL")


def hear(engine: Recognizer, audio: Path, language: str) -> str:
    """The job a decoder process runs (module-level, so it is sent by name)."""
    return engine.transcribe(audio, language)


BUILT_IN = {"pocketsphinx": Pocketsphinx}


def load_engines(names: tuple[str, ...], max_seconds: int) -> list[Recognizer]:
    """The engines the operator listed (MICROLETTER_TRANSCRIBE_ENGINES), in their order
    of preference: a built-in name, or `package.module:attribute` naming a Recognizer or
    a callable that makes one. ValueError names what is wrong."""
    engines: list[Recognizer] = []
    for name in names:
        if name in BUILT_IN:
            engines.append(BUILT_IN[name](max_seconds=max_seconds))
            continue
        module, _, attribute = name.partition(":")
        if not module or not attribute:
            raise ValueError(
                f"transcribe engine {name!r}: use {', '.join(BUILT_IN)} or package.module:attribute"
            )
        try:
            found = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"transcribe engine {name!r} cannot be loaded: {exc}") from None
        engine = _made(found)
        if engine is None:
            raise ValueError(
                f"transcribe engine {name!r} is not a Recognizer (docs/transcripts.md)"
            )
        engines.append(engine)
    return engines


def _made(found: object) -> Recognizer | None:
    """An instance is taken as it is; a class or a factory is called."""
    if isinstance(found, Recognizer) and not isinstance(found, type):
        return found
    made = found() if callable(found) else None
    return made if isinstance(made, Recognizer) and not isinstance(made, type) else None
