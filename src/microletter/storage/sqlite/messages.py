"""SQLite: posting (exactly once), recalling, read positions and history."""

from __future__ import annotations

import dataclasses
import sqlite3

from microletter.core.contacts import check_may_message
from microletter.core.errors import MessageNotFound, NotMember
from microletter.core.events import (
    Event,
    MessagePosted,
    MessageRecalled,
    Outcome,
    ReadMoved,
)
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.media import media_data, media_kind_of
from microletter.core.messages import (
    Draft,
    check_mentions,
    check_recall,
    check_reply,
    read_receipt_readers,
)
from microletter.core.models import (
    ConversationKind,
    Instant,
    JsonValue,
    Member,
    Message,
    MessageKind,
)
from microletter.storage.sqlite import media as blobs
from microletter.storage.sqlite import members as lookup
from microletter.storage.sqlite.engine import checks_first
from microletter.storage.sqlite.rows import MESSAGE_COLS, message_of, to_json
from microletter.storage.sqlite.writetx import WriteTx


def insert_message(tx: WriteTx, draft: Draft, now: Instant) -> Message:
    """Give the draft the conversation's next seq and store it. No checks, no log.
    Raises sqlite3.IntegrityError if (conversation, sender, client_msg_id) exists."""
    cid = draft.conversation_id
    message = Message(
        id=MessageId(tx.new_id(now)),
        conversation_id=cid,
        seq=tx.next_seq(cid),
        sender_id=draft.sender_id,
        client_msg_id=draft.client_msg_id,
        kind=draft.kind,
        text=draft.text,
        reply_to=draft.reply_to,
        mentions=draft.mentions,
        mention_all=draft.mention_all,
        created_at=now,
        data=draft.data,
    )
    tx.conn.execute(
        "INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind, text,"
        " reply_to, mentions, mention_all, data, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            cid,
            message.seq,
            message.id,
            message.sender_id,
            message.client_msg_id,
            message.kind,
            message.text,
            message.reply_to,
            to_json(message.mentions) if message.mentions else None,
            message.mention_all,
            None if message.data is None else to_json(message.data),
            now,
        ),
    )
    tx.took_seq(cid, message.seq)
    return message


def post_note(
    tx: WriteTx, cid: ConversationId, actor: UserId, data: dict[str, JsonValue], now: Instant
) -> Message:
    """A system note ("X invited Y") as a message of its own, so it has a place in history."""
    draft = Draft(cid, actor, f"note:{tx.new_id(now)}", MessageKind.SYSTEM, None, data=data)
    return insert_message(tx, draft, now)


def access(tx: WriteTx, cid: ConversationId, uid: UserId) -> Member:
    """The write side's access funnel: the conversation exists and `uid` is a member."""
    member = tx.state(cid).members.get(uid)
    if member is None:
        raise NotMember(conversation_id=cid)
    return member


@checks_first
def post_message(tx: WriteTx, draft: Draft, now: Instant) -> Outcome[Message]:
    """Post exactly once: a repeated (conversation, sender, client_msg_id) returns the
    original message and appends nothing."""
    cid, uid = draft.conversation_id, draft.sender_id
    sender = access(tx, cid, uid)
    state = tx.state(cid)
    if state.header.kind is ConversationKind.DIRECT:
        peer = next((u for u in state.members if u != uid), uid)
        check_may_message(tx.relation(uid, peer))
    if draft.mentions or draft.mention_all:
        mentions = check_mentions(
            draft.mentions, draft.mention_all, sender, state.members, tx.limits
        )
        draft = dataclasses.replace(draft, mentions=mentions)
    check_reply(draft.reply_to, sender, tx.last_seq(cid))
    media_kind = media_kind_of(draft.kind)
    media = None
    if media_kind is not None and draft.media_id is not None:
        media = blobs.find_media(tx.conn, uid, draft.media_id, media_kind)
        draft = dataclasses.replace(draft, data=media_data(media))
    try:
        message = insert_message(tx, draft, now)
    except sqlite3.IntegrityError as exc:
        if "client_msg_id" not in str(exc):
            raise
        original = tx.conn.execute(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=? AND g.sender_id=?"
            " AND g.client_msg_id=?",
            (cid, uid, draft.client_msg_id),
        ).fetchone()
        return Outcome(message_of(original))
    if media is not None:
        blobs.carry(tx, media, cid, message.seq)
    # Sending implies having read everything before: the sender's read position moves.
    tx.read_up_to(cid, uid, message.seq)
    event: Event = MessagePosted(message)
    return Outcome(message, tuple(tx.append([(m, event) for m in state.members], now)))


def recall_message(
    tx: WriteTx, me: UserId, cid: ConversationId, seq: int, now: Instant
) -> Outcome[Message]:
    """Erase the content for good and tell every member. Recalling twice is a no-op."""
    member = access(tx, cid, me)
    message = _visible(tx.conn, cid, seq, member.joined_seq)
    if message.recalled:
        return Outcome(message)
    check_recall(message, me, now, tx.limits)
    tx.conn.execute(
        "UPDATE messages SET text=NULL, mentions=NULL, data=NULL, reply_to=NULL, recalled_at=?"
        " WHERE conversation_id=? AND seq=?",
        (now, cid, seq),
    )
    blobs.uncarry(tx, cid, seq)
    event: Event = MessageRecalled(cid, seq, me)
    entries = tx.append([(uid, event) for uid in tx.state(cid).members], now)
    erased = _visible(tx.conn, cid, seq, member.joined_seq)
    return Outcome(erased, tuple(entries))


def mark_read(tx: WriteTx, me: UserId, cid: ConversationId, seq: int, now: Instant) -> Outcome[int]:
    """Move my read position forward (never back). My devices learn it; in a direct
    conversation the peer does too (that is the read receipt)."""
    access(tx, cid, me)
    seq = min(seq, tx.last_seq(cid))
    current = tx.read_position(cid, me)
    if seq <= current:
        return Outcome(current)
    tx.read_up_to(cid, me, seq)
    event: Event = ReadMoved(cid, me, seq)
    state = tx.state(cid)
    targets = read_receipt_readers(state.header.kind, state.members, me)
    return Outcome(seq, tuple(tx.append([(uid, event) for uid in targets], now)))


# --- reads ---


def _visible(conn: sqlite3.Connection, cid: ConversationId, seq: int, since: int) -> Message:
    row = conn.execute(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=? AND g.seq=?",
        (cid, seq),
    ).fetchone()
    if row is None or seq < since:
        raise MessageNotFound(conversation_id=cid, seq=seq)
    return message_of(row)


def message(conn: sqlite3.Connection, me: UserId, cid: ConversationId, seq: int) -> Message:
    _, member = lookup.access_conversation(conn, cid, me)
    return _visible(conn, cid, seq, member.joined_seq)


def history(
    conn: sqlite3.Connection,
    me: UserId,
    cid: ConversationId,
    before: int | None,
    after: int | None,
    limit: int,
) -> list[Message]:
    """A page of history in ascending seq: after `after` if given, else before `before`
    (default: the newest). Members see nothing from before they joined."""
    _, member = lookup.access_conversation(conn, cid, me)
    floor = member.joined_seq
    if after is not None:
        rows = conn.execute(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=? AND g.seq>?"
            " ORDER BY g.seq LIMIT ?",
            (cid, max(after, floor - 1), limit),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=? AND g.seq<?"
            " AND g.seq>=? ORDER BY g.seq DESC LIMIT ?",
            (cid, before if before is not None else 1 << 62, floor, limit),
        ).fetchall()
        rows.reverse()
    return [message_of(r) for r in rows]
