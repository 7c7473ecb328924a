"""Transcripts' rules: the language a message is heard in, the engine that covers it,
which messages may be converted, the text as kept; and the engines an operator names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from microletter.core.errors import InvalidInput, MessageNotFound
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import Instant, JsonValue, Message, MessageKind
from microletter.transcripts import Pocketsphinx, load_engines
from microletter.transcripts.errors import LanguageUnsupported, NotVoice
from microletter.transcripts.rules import MAX_TEXT, language_of, pick_engine, tidy, voice_of


def message(
    kind: MessageKind, data: dict[str, JsonValue] | None, recalled: bool = False
) -> Message:
    return Message(
        MessageId(1), ConversationId(7), 3, UserId(2), "c1", kind, None, None, (), False,
        Instant(0), recalled, data,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tag", "language"),
    [("en", "en"), ("en-US", "en"), ("zh-Hans-CN", "zh"), ("ZH_cn", "zh"), ("yue", "yue")],
)
def test_a_language_is_its_primary_subtag(tag: str, language: str) -> None:
    assert language_of(tag) == language


@pytest.mark.parametrize("tag", ["", "e", "english", "en--US", "12", "en US", "zh-"])
def test_a_tag_that_is_not_bcp_47_is_invalid_input(tag: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        language_of(tag)
    assert caught.value.details["field"] == "language"


def test_the_first_engine_that_covers_the_language_is_picked() -> None:
    covered = [frozenset({"en"}), frozenset({"en", "zh"})]
    assert (pick_engine(covered, "en"), pick_engine(covered, "zh")) == (0, 1)


def test_a_language_no_engine_covers_names_those_covered() -> None:
    with pytest.raises(LanguageUnsupported) as caught:
        pick_engine([frozenset({"en"}), frozenset({"ja", "en"})], "ar")
    assert caught.value.code == "transcript.language_unsupported"
    assert dict(caught.value.details) == {"language": "ar", "languages": ["en", "ja"]}
    with pytest.raises(LanguageUnsupported):
        pick_engine([], "en")  # no engine configured at all


def test_only_a_voice_message_with_its_recording_can_be_converted() -> None:
    voice: dict[str, JsonValue] = {"media": {"id": "ab" * 32, "mime": "audio/webm"}}
    assert voice_of(message(MessageKind.VOICE, voice)) == "ab" * 32
    with pytest.raises(NotVoice):
        voice_of(message(MessageKind.TEXT, None))
    with pytest.raises(NotVoice):
        voice_of(message(MessageKind.VOICE, {"media": "broken"}))
    with pytest.raises(MessageNotFound):
        voice_of(message(MessageKind.VOICE, None, recalled=True))


def test_the_kept_text_has_single_spaces_and_a_length_limit() -> None:
    assert tidy("  hello \n  world  ") == "hello world"
    assert tidy("") == ""
    assert len(tidy("word " * 5000)) == MAX_TEXT


@dataclass(frozen=True, slots=True)
class Echo:
    name: str = "echo"
    languages: frozenset[str] = frozenset({"xx"})

    def transcribe(self, audio: Path, language: str) -> str:
        return audio.name


ECHO = Echo()


def test_engines_are_named_built_in_or_by_module_and_attribute() -> None:
    here = __name__
    found = load_engines(("pocketsphinx", f"{here}:Echo", f"{here}:ECHO"), 30)
    assert found == [Pocketsphinx(max_seconds=30), Echo(), ECHO]
    assert load_engines((), 60) == []


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("whisper", "use pocketsphinx or package.module:attribute"),
        ("no.such.module:Engine", "cannot be loaded"),
        (f"{__name__}:Missing", "cannot be loaded"),
        (f"{__name__}:MAX_TEXT", "is not a Recognizer"),
    ],
)
def test_an_engine_that_cannot_be_loaded_is_named(name: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        load_engines((name,), 60)
