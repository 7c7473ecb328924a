"""Translation's action: translate a text message the caller may read into a language,
through the configured engine, with a bound on its time and on engines busy at once.
Nothing is stored and nothing is published: the translation is shown to whoever asked."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.ids import ConversationId
from microletter.core.models import Principal
from microletter.translate.errors import (
    LanguageUnsupported,
    TranslatorNotConfigured,
    TranslatorUnavailable,
)
from microletter.translate.port import Translator
from microletter.translate.rules import (
    Translation,
    TranslationCache,
    check_tag,
    check_translatable,
    pick_language,
)

log = logging.getLogger(__name__)
# What an engine may raise for the caller to see; anything else is the engine's bug or
# its service's failure, logged here and answered as translate.unavailable.
ENGINE_ANSWERS = (LanguageUnsupported, TranslatorUnavailable, TranslatorNotConfigured)


@dataclass
class Translate:
    """The room as app.py builds it: the context, the engine, its limits and the cache."""

    ctx: Context
    engine: Translator
    timeout: float = 10.0  # seconds for one translation, waiting for a turn included
    concurrency: int = 4  # translations in flight at once in this process
    cache: TranslationCache = field(default_factory=TranslationCache)
    _turns: asyncio.Semaphore | None = None

    @property
    def turns(self) -> asyncio.Semaphore:
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.concurrency)
        return self._turns


async def translate_message(
    room: Translate, me: Principal, cid: ConversationId, seq: int, target: str | None
) -> Translation:
    """The message `seq` of `cid`, which I may read, in `target` (default: my locale)."""
    message = await room.ctx.store.message(me.user_id, cid, seq)  # the access check
    text = check_translatable(message)
    if target is None:
        target = (await room.ctx.store.user(me.user_id)).locale
    wanted = check_tag(target, "target")
    cached = room.cache.get(message.id, wanted, text)
    if cached is not None:
        return cached
    language = pick_language(wanted, room.engine.languages)
    translation = await _ask(room, text, language)
    room.cache.put(message.id, wanted, text, translation)
    return translation


async def _ask(room: Translate, text: str, target: str) -> Translation:
    try:
        async with asyncio.timeout(room.timeout):
            async with room.turns:
                translation = await room.engine.translate(text, None, target)
    except ENGINE_ANSWERS:
        raise
    except TimeoutError:
        log.warning("translate.timeout", extra={"seconds": room.timeout})
        raise TranslatorUnavailable(reason="timeout") from None
    except Exception:
        log.exception("translate.engine_failed")
        raise TranslatorUnavailable(reason="engine_failed") from None
    if not isinstance(translation, Translation) or not isinstance(translation.text, str):
        log.error("translate.engine_answer_invalid", extra={"type": type(translation).__name__})
        raise TranslatorUnavailable(reason="engine_failed")
    return translation
