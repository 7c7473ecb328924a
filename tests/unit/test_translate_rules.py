"""The translate room's rules, pure: language tags, which of an engine's languages a
wanted one means, what may be translated, and the bounded cache."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.errors import InvalidInput
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import Instant, Message, MessageKind
from microletter.translate.errors import LanguageUnsupported, NotTranslatable
from microletter.translate.rules import (
    Translation,
    TranslationCache,
    check_tag,
    check_translatable,
    pick_language,
)


def message(
    kind: MessageKind = MessageKind.TEXT, text: str | None = "hi", recalled: bool = False
) -> Message:
    return Message(
        MessageId(1),
        ConversationId(2),
        3,
        UserId(4),
        "c1",
        kind,
        text,
        None,
        (),
        False,
        Instant(0),
        recalled,
    )


def test_language_tags_are_bcp47_with_the_language_in_lower_case() -> None:
    assert check_tag("en", "target") == "en"
    assert check_tag("ZH-CN", "target") == "zh-CN"
    assert check_tag(" es-419 ", "target") == "es-419"
    for bad in ("", "e", "english", "zh_CN", "en-", "x" * 40, "de-ÄÖ", "١٢"):
        with pytest.raises(InvalidInput) as caught:
            check_tag(bad, "target")
        assert caught.value.details["field"] == "target"


def test_the_engines_language_is_the_same_tag_its_language_or_its_one_region() -> None:
    offered = ["en", "es", "zh-CN", "zh-TW", "pt-BR"]
    assert pick_language("ES", offered) == "es"
    assert pick_language("es-419", offered) == "es"
    assert pick_language("zh-tw", offered) == "zh-TW"
    assert pick_language("pt", offered) == "pt-BR"  # the only Portuguese it has
    with pytest.raises(LanguageUnsupported):
        pick_language("zh", offered)  # two Chineses: which one is not ours to guess
    with pytest.raises(LanguageUnsupported) as caught:
        pick_language("fr", offered)
    assert caught.value.details["languages"] == sorted(offered)
    assert pick_language("fr", []) == "fr"  # an engine listing none takes any tag


def test_only_a_text_that_is_still_there_is_translatable() -> None:
    assert check_translatable(message()) == "hi"
    for refused in (
        message(MessageKind.IMAGE, None),
        message(MessageKind.SYSTEM, "Alice joined"),
        message(text=None, recalled=True),
        message(text=""),
    ):
        with pytest.raises(NotTranslatable):
            check_translatable(refused)


def es(text: str) -> Translation:
    return Translation(text, "en", "es")


def test_the_cache_keeps_the_recently_used_within_its_characters() -> None:
    cache = TranslationCache(max_chars=20)
    cache.put(MessageId(1), "es", "hello", es("hola"))  # 9 characters
    cache.put(MessageId(2), "es", "world", es("mundo"))  # 19
    assert cache.get(MessageId(1), "es", "hello") == es("hola")  # 1 is the newest now
    cache.put(MessageId(3), "es", "cat", es("gato"))  # 26: the least recently used goes
    assert cache.get(MessageId(2), "es", "world") is None
    assert cache.get(MessageId(1), "es", "hello") == es("hola")
    assert cache.get(MessageId(1), "fr", "hello") is None  # per language
    assert cache.get(MessageId(1), "es", "changed") is None  # per text
    cache.put(MessageId(4), "es", "x" * 15, es("y" * 15))  # larger than it all: not kept
    assert len(cache) == 2


@given(st.lists(st.tuples(st.integers(1, 20), st.text(max_size=30), st.text(max_size=30))))
def test_the_cache_never_holds_more_than_its_bound(puts: list[tuple[int, str, str]]) -> None:
    cache = TranslationCache(max_chars=100)
    for mid, text, translated in puts:
        cache.put(MessageId(mid), "es", text, es(translated))
        assert cache.get(MessageId(mid), "es", text) in (es(translated), None)
        assert cache._chars <= 100
    held = sum(len(t) + len(tr.text) for t, tr in cache._entries.values())
    assert held == cache._chars
