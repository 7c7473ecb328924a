"""Notes addressed to some members of a conversation (core/models.py `Note`): written
once here, for every room that needs one ("Bob opened your red packet", later "your
order shipped" in a group).

A note is not a message: it takes no seq, so the conversation's order, its other
members' history and unread counts stay as they were. Each recipient gets a row of
`notes` (what history reads show them) and a `note` event in their update log (what
their devices get live); nobody else gets anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.events import NotePosted
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant, JsonValue, Note
from microletter.ports import Reader, Tx

MAX_AUDIENCE = 50  # a note is for a few members; a message is for everyone
NOTE_COLS = "id, conversation_id, after_seq, audience, data, created_at"


async def post_audience_note(
    tx: Tx,
    cid: ConversationId,
    audience: Sequence[UserId],
    data: dict[str, JsonValue],
    now: Instant,
    *,
    after_seq: int | None = None,
) -> Note:
    """Post a note that only `audience` (some members of `cid`, each once) sees: placed
    after the message `after_seq` (default: the conversation's last one now). The caller
    checked they are members."""
    to = tuple(dict.fromkeys(audience))
    if not to or len(to) > MAX_AUDIENCE:
        raise ValueError(f"a note is for 1 to {MAX_AUDIENCE} members, not {len(to)}")
    after = (await tx.conversation(cid)).last_seq if after_seq is None else after_seq
    note = Note(tx.new_id(now), cid, after, to, data, now)
    who, body = msgspec.json.encode(list(to)).decode(), msgspec.json.encode(data).decode()
    await tx.insert_notes([(u, note.id, cid, after, who, body, now) for u in to])
    event = NotePosted(note)
    tx.append([(u, event) for u in to], now)
    return note


async def post_audience_notes(
    tx: Tx,
    cid: ConversationId,
    notes: Sequence[tuple[Sequence[UserId], dict[str, JsonValue]]],
    now: Instant,
    *,
    after_seq: int,
) -> list[Note]:
    """`post_audience_note` for several notes of one conversation at once (each its
    audience and data), after the message `after_seq`: their rows in one statement and
    their events in one append to the update log."""
    made, rows, events = [], [], []
    for audience, data in notes:
        to = tuple(dict.fromkeys(audience))
        if not to or len(to) > MAX_AUDIENCE:
            raise ValueError(f"a note is for 1 to {MAX_AUDIENCE} members, not {len(to)}")
        note = Note(tx.new_id(now), cid, after_seq, to, data, now)
        who, body = msgspec.json.encode(list(to)).decode(), msgspec.json.encode(data).decode()
        rows += [(u, note.id, cid, after_seq, who, body, now) for u in to]
        event = NotePosted(note)
        events += [(u, event) for u in to]
        made.append(note)
    if rows:
        await tx.insert_notes(rows)
        tx.append(events, now)
    return made


async def notes_between(
    db: Reader, me: UserId, cid: ConversationId, lo: int, hi: int | None
) -> list[Note]:
    """My notes in `cid` placed after a message of seq `lo` to `hi` (None: no end),
    oldest first; none from a part of the history I cleared."""
    rows = await db.fetch(
        f"SELECT {NOTE_COLS} FROM notes n WHERE n.user_id=$1 AND n.conversation_id=$2"
        " AND n.after_seq >= $3 AND n.after_seq <= $4"
        " AND n.after_seq >= coalesce((SELECT c.cleared_seq FROM members c"
        " WHERE c.user_id=$1 AND c.conversation_id=$2), 0)"
        " ORDER BY n.after_seq, n.id LIMIT 500",
        me,
        cid,
        lo,
        hi if hi is not None else 1 << 62,
    )
    return [
        Note(
            int(r[0]),
            ConversationId(r[1]),
            int(r[2]),
            tuple(UserId(u) for u in msgspec.json.decode(r[3])),
            msgspec.json.decode(r[4]),
            Instant(r[5]),
        )
        for r in rows
    ]
