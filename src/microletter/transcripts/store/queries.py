"""Transcripts' units of work (ports.Tx, ports.Reader), the same on both databases (the
row locks are PostgreSQL's; SQLite, with one writer at a time, needs none)."""

from __future__ import annotations

from microletter.core.ids import ConversationId
from microletter.core.models import Instant, Message
from microletter.ports import Reader, Row, Tx
from microletter.transcripts.rules import Transcript

COLS = "t.conversation_id, t.seq, t.language, t.text, t.engine, t.created_at"


def transcript_of(r: Row) -> Transcript:
    return Transcript(ConversationId(r[0]), r[1], r[2], r[3], r[4], Instant(r[5]))


async def find(db: Reader, cid: ConversationId, seq: int, language: str) -> Transcript | None:
    row = await db.fetchrow(
        f"SELECT {COLS} FROM message_transcripts t"
        " WHERE t.conversation_id=$1 AND t.seq=$2 AND t.language=$3",
        cid,
        seq,
        language,
    )
    return None if row is None else transcript_of(row)


async def keep(
    tx: Tx, cid: ConversationId, seq: int, language: str, text: str, engine: str, now: Instant
) -> Transcript | None:
    """Keep what the engine heard, unless the message was recalled meanwhile (None). Two
    askers who raced keep the first one's text. The message's row is locked first, as a
    recall locks it before it deletes the transcripts: one of the two waits for the other."""
    recalled = await tx.fetchrow(
        "SELECT recalled_at FROM messages WHERE conversation_id=$1 AND seq=$2 FOR UPDATE",
        cid,
        seq,
    )
    if recalled is None or recalled[0] is not None:
        return None
    await tx.execute(
        "INSERT INTO message_transcripts (conversation_id, seq, language, text, engine, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        cid,
        seq,
        language,
        text,
        engine,
        now,
    )
    return await find(tx, cid, seq, language)


async def count(db: Reader, cid: ConversationId, seq: int) -> int:
    """Transcripts kept of a message, in any language (tests, and the recall's proof)."""
    return int(
        await db.fetchval(
            "SELECT count(*) FROM message_transcripts WHERE conversation_id=$1 AND seq=$2",
            cid,
            seq,
        )
    )


class TranscriptIndex:
    """ports.MessageIndex: a recall deletes the message's transcripts in its transaction."""

    async def posted(self, tx: Tx, message: Message) -> None:
        return None  # a transcript is made when someone asks for it

    async def recalled(self, tx: Tx, message: Message) -> None:
        cid, seq = message.conversation_id, message.seq
        await tx.fetchrow(
            "SELECT 1 FROM messages WHERE conversation_id=$1 AND seq=$2 FOR UPDATE", cid, seq
        )
        await tx.execute(
            "DELETE FROM message_transcripts WHERE conversation_id=$1 AND seq=$2", cid, seq
        )
