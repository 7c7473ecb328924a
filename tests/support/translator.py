"""Small translation engines for the tests, loaded through MICROLETTER_TRANSLATOR as an
operator's would be (`tests.support.translator:dictionary`): a word-by-word dictionary
between English, Spanish and Chinese, one that never answers in time, and one that fails."""

from __future__ import annotations

import asyncio

from microletter.translate import EngineOptions, LanguageUnsupported, Translation

WORDS = {
    "es": {"hello": "hola", "world": "mundo", "good": "buenos", "morning": "días"},
    "zh-CN": {"hello": "你好", "world": "世界", "good": "早", "morning": "上"},
}
ENGLISH = {word: english for table in WORDS.values() for english, word in table.items()}
ENGINES: list[Dictionary] = []  # every engine made, newest last (the tests count calls)


class Dictionary:
    """Word by word; a word it does not know stays as it is. `calls` counts translations."""

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self.calls = 0
        self.closed = False

    @property
    def languages(self) -> frozenset[str]:
        return frozenset({"en", *WORDS})

    async def translate(self, text: str, source: str | None, target: str) -> Translation:
        self.calls += 1
        if target not in self.languages:
            raise LanguageUnsupported(language=target)
        words = text.lower().split()
        english = [ENGLISH.get(w, w) for w in words]
        table = WORDS.get(target, {})
        sep = "" if target == "zh-CN" else " "
        guessed = "en" if english == words else source
        return Translation(sep.join(table.get(w, w) for w in english), guessed, target)

    async def aclose(self) -> None:
        self.closed = True


def dictionary(options: EngineOptions) -> Dictionary:
    engine = Dictionary(options)
    ENGINES.append(engine)
    return engine


class Slow(Dictionary):
    async def translate(self, text: str, source: str | None, target: str) -> Translation:
        await asyncio.sleep(3600)
        raise AssertionError("never answers")


def slow(options: EngineOptions) -> Slow:
    return Slow(options)


class Broken(Dictionary):
    async def translate(self, text: str, source: str | None, target: str) -> Translation:
        raise RuntimeError("the engine's own bug")


def broken(options: EngineOptions) -> Broken:
    return Broken(options)


def needs_url(options: EngineOptions) -> Dictionary:
    if not options.url:
        raise ValueError("set MICROLETTER_TRANSLATOR_URL")
    return Dictionary(options)
