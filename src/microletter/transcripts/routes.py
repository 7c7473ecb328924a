"""Transcripts' /api/v1 routes: convert a voice message to text, and the languages this
server can do it in. A conversion costs a decoder's time like an upload, so it counts
against the upload rate."""

from __future__ import annotations

from microletter.core.errors import (
    ConversationNotFound,
    InvalidInput,
    MediaBusy,
    MessageNotFound,
    NotMember,
)
from microletter.core.ids import ConversationId
from microletter.gateway.api import Call, Router
from microletter.transcripts import actions
from microletter.transcripts.actions import Transcripts
from microletter.transcripts.errors import LanguageUnsupported, NotVoice, TranscriptFailed
from microletter.transcripts.rules import Transcript
from microletter.transcripts.wire import (
    LanguagesReply,
    TranscribeBody,
    TranscriptReply,
    TranscriptWire,
)


def wire(t: Transcript) -> TranscriptWire:
    return TranscriptWire(t.conversation_id, t.seq, t.language, t.text, t.engine, t.created_at)


def routers(room: Transcripts) -> list[Router]:
    router = Router("/api/v1", tags=["transcripts"])

    @router.post(
        "/conversations/{cid}/messages/{seq}/transcript",
        rate="upload",
        errors=[
            ConversationNotFound,
            NotMember,
            MessageNotFound,
            NotVoice,
            LanguageUnsupported,
            InvalidInput,
            MediaBusy,
            TranscriptFailed,
        ],
    )
    async def transcribe(call: Call, cid: int, seq: int, body: TranscribeBody) -> TranscriptReply:
        """Convert a voice message you may read to text ("Convert to text").

        Heard in `language` (default: the language of the sender's account) by the first
        engine that covers it, once per message and language; later requests, by anyone
        who may read the message, get the kept text at once. A recall erases it."""
        found = await actions.transcribe(
            room, call.me.user_id, ConversationId(cid), seq, body.language
        )
        return TranscriptReply(wire(found))

    @router.get("/transcripts/languages", rate=None)
    async def languages(call: Call) -> LanguagesReply:
        """The languages voice messages can be converted to text in, here."""
        return LanguagesReply(room.languages)

    return [router]
