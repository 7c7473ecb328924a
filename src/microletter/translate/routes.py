"""Translation's /api/v1 route. Rate-limited per user on their own budget ("translate"):
each call may cost the operator an engine's time or money."""

from __future__ import annotations

from microletter.core.errors import ConversationNotFound, InvalidInput, MessageNotFound, NotMember
from microletter.core.ids import ConversationId
from microletter.gateway.api import Call, Router
from microletter.translate import actions
from microletter.translate.actions import Translate
from microletter.translate.errors import (
    LanguageUnsupported,
    NotTranslatable,
    TranslatorNotConfigured,
    TranslatorUnavailable,
)
from microletter.translate.wire import TranslateBody, TranslationReply, TranslationWire


def routers(room: Translate) -> list[Router]:
    router = Router("/api/v1", tags=["translation"])

    @router.post(
        "/conversations/{cid}/messages/{seq}/translation",
        rate="translate",
        errors=[
            ConversationNotFound,
            NotMember,
            MessageNotFound,
            NotTranslatable,
            InvalidInput,
            LanguageUnsupported,
            TranslatorUnavailable,
            TranslatorNotConfigured,
        ],
    )
    async def translate_message(
        call: Call, cid: int, seq: int, body: TranslateBody
    ) -> TranslationReply:
        """Translate a text message you can read into `target` (default: your locale).

        Only you see the result; nothing is stored with the message. Without an engine
        (MICROLETTER_TRANSLATOR) the answer is 501 `translate.not_configured`."""
        done = await actions.translate_message(room, call.me, ConversationId(cid), seq, body.target)
        return TranslationReply(TranslationWire(cid, seq, done.text, done.source, done.target))

    return [router]
