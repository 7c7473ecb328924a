"""Transcripts' actions: convert a voice message I may read to text (made once per
message and language, then kept), and the same for an official account's push.

A transcript is made in a decoder process of the room's own pool (media.DecoderPool), in
the asker's turn (a fair queue: one user's conversions never hold up another's). Two
askers of the same message share one run; a run outlives its asker (a closed tab, a
push that stopped waiting), so what it heard is kept for the next one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.errors import (
    DecoderFailed,
    MediaNotFound,
    MediaTooComplex,
    MessageNotFound,
    MicroletterError,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import MediaId
from microletter.core.models import Message
from microletter.media import DecoderPool
from microletter.transcripts.engines import Recognizer, hear
from microletter.transcripts.errors import TranscriptFailed
from microletter.transcripts.rules import Transcript, language_of, pick_engine, tidy, voice_of
from microletter.transcripts.store import TranscriptsStore

log = logging.getLogger(__name__)
Key = tuple[ConversationId, int, str]
# An official account's push of a voice note: (account, message) -> its Recognition.
Recognize = Callable[[UserId, Message], Awaitable[str]]


@dataclass
class Transcripts:
    """The room as app.py builds it: the core's context, the room's store, its engines
    (in the operator's order of preference) and the decoder pool they run in."""

    ctx: Context
    store: TranscriptsStore
    engines: list[Recognizer]
    pool: DecoderPool
    _runs: dict[Key, asyncio.Task[Transcript]] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return sorted(set().union(*(e.languages for e in self.engines)))

    async def stop(self) -> None:
        """Cancel the runs in flight (app.py, at shutdown; their decoders are killed)."""
        runs = list(self._runs.values())
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)


async def transcribe(
    room: Transcripts, me: UserId, cid: ConversationId, seq: int, language: str | None = None
) -> Transcript:
    """The text of a voice message I may read, in `language` (a BCP 47 tag; by default
    the language of its sender's account). Made once and kept; a recall erases it."""
    message = await room.ctx.store.message(me, cid, seq)  # the access funnel
    recording = voice_of(message)
    if language is None:
        language = (await room.ctx.store.user(message.sender_id)).locale
    lang = language_of(language)
    kept = await room.store.find(cid, seq, lang)
    if kept is not None:
        return kept
    engine = room.engines[pick_engine([e.languages for e in room.engines], lang)]
    key = (cid, seq, lang)
    run = room._runs.get(key)
    if run is None:
        run = asyncio.get_running_loop().create_task(_run(room, me, key, recording, engine))
        room._runs[key] = run
        run.add_done_callback(lambda done: _forget(room, key, done))
    return await asyncio.shield(run)  # a cancelled asker leaves the run to finish


def _forget(room: Transcripts, key: Key, run: asyncio.Task[Transcript]) -> None:
    if room._runs.get(key) is run:
        del room._runs[key]
    if not run.cancelled():
        run.exception()  # retrieved: nobody may be left to await it


async def _run(
    room: Transcripts, me: UserId, key: Key, recording: MediaId, engine: Recognizer
) -> Transcript:
    cid, seq, lang = key
    audio = room.ctx.media.blobs.local_path(recording)
    if audio is None:
        raise MediaNotFound(media_id=recording)
    try:
        heard = await room.pool.run_long(me, hear, engine, audio, lang)
    except (DecoderFailed, MediaTooComplex) as exc:
        log.warning("transcript.failed", extra={"engine": engine.name, "error": exc.code})
        raise TranscriptFailed(engine=engine.name, reason=exc.code) from None
    kept = await room.store.keep(cid, seq, lang, tidy(heard), engine.name, room.ctx.clock())
    if kept is None:  # recalled while it was being heard: nothing is kept
        raise MessageNotFound(conversation_id=cid, seq=seq)
    log.info("transcript.made", extra={"conversation_id": cid, "engine": engine.name})
    return kept


def for_pushes(room: Transcripts, wait: float) -> Recognize:
    """The Recognition of an official account's push of a voice note: its transcript in
    the language of the follower's account, if an engine covers it and it is ready
    within `wait` seconds (then it is kept for later all the same); "" otherwise."""

    async def recognize(account: UserId, message: Message) -> str:
        try:
            async with asyncio.timeout(wait):
                found = await transcribe(room, account, message.conversation_id, message.seq)
        except TimeoutError:
            why = "not_ready"
        except MicroletterError as exc:  # no engine for the language, a busy pool, ...
            why = exc.code
        else:
            return found.text
        log.info("transcript.push_without", extra={"account_id": account, "why": why})
        return ""

    return recognize


def for_bots(
    room: Transcripts,
) -> Callable[[UserId, ConversationId, int, str | None], Awaitable[tuple[str, str]]]:
    """ "Convert to Text" as the Telegram room's getVoiceTranscript calls it: a bot, as the
    user it is, gets the kept text of a voice message it can see, and its language."""

    async def transcribe_for(
        bot: UserId, cid: ConversationId, seq: int, language: str | None
    ) -> tuple[str, str]:
        found = await transcribe(room, bot, cid, seq, language)
        return found.text, found.language

    return transcribe_for
