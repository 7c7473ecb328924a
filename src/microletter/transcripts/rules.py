"""Transcripts' rules, pure: which language a voice message is heard in, which engine
covers it, which messages may be converted, and the text as it is kept. No I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from microletter.core.errors import InvalidInput, MessageNotFound
from microletter.core.ids import ConversationId
from microletter.core.media import MediaId
from microletter.core.models import Instant, Message, MessageKind
from microletter.transcripts.errors import LanguageUnsupported, NotVoice

MAX_TEXT = 5000  # characters kept of one transcript (a 60 s note says ~200 words)
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class Transcript:
    """The text of a voice message in one language, made once and kept."""

    conversation_id: ConversationId
    seq: int
    language: str  # the primary language subtag: en, zh, ...
    text: str
    engine: str  # the recognizer that made it
    created_at: Instant


def language_of(tag: str) -> str:
    """The primary language of a BCP 47 tag ("en-US" -> "en", "zh-Hans-CN" -> "zh"): what
    an engine is chosen by."""
    if not _TAG.fullmatch(tag):
        raise InvalidInput(
            "language is a BCP 47 tag such as 'en' or 'zh-CN'.", field="language", value=tag[:40]
        )
    return tag.split("-")[0].split("_")[0].lower()


def pick_engine(covered: Sequence[frozenset[str]], language: str) -> int:
    """The index of the first engine (in the operator's order) that covers `language`."""
    for i, languages in enumerate(covered):
        if language in languages:
            return i
    known = sorted(set().union(*covered)) if covered else []
    raise LanguageUnsupported(
        f"No speech recognizer here covers the language {language!r}.",
        language=language,
        languages=known,
    )


def voice_of(message: Message) -> MediaId:
    """The recording of a voice message; a recalled one has none any more."""
    if message.recalled:
        raise MessageNotFound(conversation_id=message.conversation_id, seq=message.seq)
    if message.kind is not MessageKind.VOICE:
        raise NotVoice(kind=str(message.kind))
    media = (message.data or {}).get("media")
    media_id = media.get("id") if isinstance(media, dict) else None
    if not isinstance(media_id, str):
        raise NotVoice(kind=str(message.kind))
    return MediaId(media_id)


def tidy(text: str) -> str:
    """What an engine heard as it is kept: words separated by single spaces, at most
    MAX_TEXT characters; silence is the empty string."""
    return " ".join(text.split())[:MAX_TEXT]
