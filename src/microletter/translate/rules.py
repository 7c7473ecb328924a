"""Translation's rules, pure: what may be translated, which of an engine's languages a
wanted one means, and the bounded cache of results. No I/O, no clock, no engine here."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from microletter.core.accounts import LOCALE_RE
from microletter.core.errors import InvalidInput
from microletter.core.ids import MessageId
from microletter.core.models import Message, MessageKind
from microletter.translate.errors import LanguageUnsupported, NotTranslatable

MAX_TAG = 35  # characters of a language tag (as the users' locales)
# Characters (source and translation together) the cache of one process holds: about
# 2-8 MB of Python strings, while each translation of a message is asked for by everyone
# of a group who reads that language, and engines are often paid by the character.
CACHE_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class Translation:
    """An engine's answer: `text` in `target`, from `source` (the engine's guess when the
    caller named none; None if it cannot tell)."""

    text: str
    source: str | None
    target: str


def check_tag(tag: str, field: str) -> str:
    """A BCP 47 language tag such as `en`, `zh-CN` or `es-419` (its language in lower
    case, as the users' locales are written), else invalid_input naming `field`."""
    primary, dash, rest = tag.strip().partition("-")
    tag = primary.lower() + dash + rest
    if len(tag) > MAX_TAG or not LOCALE_RE.fullmatch(tag):
        raise InvalidInput(
            f"'{field}' must be a language tag such as 'en' or 'zh-CN'.", field=field
        )
    return tag


def pick_language(wanted: str, offered: Iterable[str]) -> str:
    """The engine's tag for a wanted language: the same tag (any case), else its primary
    language (`pt-BR` -> `pt`), else a regional tag of the same language when the engine
    offers exactly one (`zh` -> `zh-CN`). An engine that lists no languages takes any."""
    tags = list(offered)
    if not tags:
        return wanted
    by_lower = {t.lower(): t for t in tags}
    exact = by_lower.get(wanted.lower())
    if exact is not None:
        return exact
    primary = wanted.split("-", 1)[0].lower()
    if primary in by_lower:
        return by_lower[primary]
    regional = [t for t in tags if t.lower().split("-", 1)[0] == primary]
    if len(regional) == 1:
        return regional[0]
    raise LanguageUnsupported(language=wanted, languages=sorted(tags))


def check_translatable(message: Message) -> str:
    """The text to translate: a text message's, never a recalled one or a system note."""
    if message.kind is not MessageKind.TEXT or message.recalled or not message.text:
        raise NotTranslatable(kind=message.kind.value, recalled=message.recalled)
    return message.text


class TranslationCache:
    """Recent translations by (message, target language), least recently used dropped
    first once the texts held pass `max_chars`. An entry keeps the text it translated: a
    message whose text is not that any more (none can be edited today) misses."""

    def __init__(self, max_chars: int = CACHE_CHARS) -> None:
        self._max = max_chars
        self._chars = 0
        self._entries: OrderedDict[tuple[MessageId, str], tuple[str, Translation]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, message: MessageId, target: str, text: str) -> Translation | None:
        hit = self._entries.get((message, target))
        if hit is None or hit[0] != text:
            return None
        self._entries.move_to_end((message, target))
        return hit[1]

    def put(self, message: MessageId, target: str, text: str, translation: Translation) -> None:
        size = len(text) + len(translation.text)
        if size > self._max:
            return
        old = self._entries.pop((message, target), None)
        if old is not None:
            self._chars -= len(old[0]) + len(old[1].text)
        self._entries[(message, target)] = (text, translation)
        self._chars += size
        while self._chars > self._max:
            _, (gone_text, gone) = self._entries.popitem(last=False)
            self._chars -= len(gone_text) + len(gone.text)
