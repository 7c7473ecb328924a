"""SQLite: posting (exactly once), recalling, read positions and history."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence

from microletter.core.contacts import check_may_message
from microletter.core.errors import MessageNotFound
from microletter.core.events import (
    Event,
    LogEntry,
    MessagePosted,
    MessageRecalled,
    Outcome,
    ReadMoved,
)
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.messages import Draft, check_mentions, check_recall, check_reply
from microletter.core.models import (
    Conversation,
    ConversationKind,
    Instant,
    JsonValue,
    Message,
    MessageKind,
)
from microletter.storage.sqlite import members as lookup
from microletter.storage.sqlite.relations import relation
from microletter.storage.sqlite.rows import MESSAGE_COLS, WriteTx, message_of, to_json


def insert_message(tx: WriteTx, draft: Draft, now: Instant) -> Message:
    """Give the draft the conversation's next seq and store it. No checks, no log."""
    seq = tx.conn.execute(
        "UPDATE conversations SET last_seq=last_seq+1 WHERE id=? RETURNING last_seq",
        (draft.conversation_id,),
    ).fetchone()[0]
    message = Message(
        id=MessageId(tx.new_id(now)),
        conversation_id=draft.conversation_id,
        seq=seq,
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
            message.conversation_id,
            seq,
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
    return message


def post_note(
    tx: WriteTx, cid: ConversationId, actor: UserId, data: dict[str, JsonValue], now: Instant
) -> Message:
    """A system note ("X invited Y") as a message of its own, so it has a place in history."""
    draft = Draft(cid, actor, f"note:{tx.new_id(now)}", MessageKind.SYSTEM, None, data=data)
    return insert_message(tx, draft, now)


def announce(
    tx: WriteTx, message: Message, recipients: Sequence[UserId], now: Instant
) -> list[LogEntry]:
    event: Event = MessagePosted(message)
    return tx.append([(uid, event) for uid in recipients], now)


def post_message(tx: WriteTx, draft: Draft, now: Instant) -> Outcome[Message]:
    """Post exactly once: a repeated (conversation, sender, client_msg_id) returns the
    original message and appends nothing."""
    existing = tx.conn.execute(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=? AND g.sender_id=?"
        " AND g.client_msg_id=?",
        (draft.conversation_id, draft.sender_id, draft.client_msg_id),
    ).fetchone()
    if existing is not None:
        return Outcome(message_of(existing))
    conversation, sender = lookup.access_conversation(
        tx.conn, draft.conversation_id, draft.sender_id
    )
    recipients = lookup.member_ids(tx.conn, conversation.id)
    if conversation.kind is ConversationKind.DIRECT:
        _check_direct(tx, conversation, draft.sender_id, recipients)
    if draft.mentions or draft.mention_all:
        mentions = check_mentions(draft.mentions, draft.mention_all, sender, recipients, tx.limits)
        draft = dataclasses.replace(draft, mentions=mentions)
    check_reply(draft.reply_to, sender, conversation.last_seq)
    message = insert_message(tx, draft, now)
    # Sending implies having read everything before: the sender's read position moves.
    tx.conn.execute(
        "UPDATE members SET last_read_seq=? WHERE conversation_id=? AND user_id=?",
        (message.seq, conversation.id, draft.sender_id),
    )
    return Outcome(message, tuple(announce(tx, message, recipients, now)))


def _check_direct(
    tx: WriteTx, conversation: Conversation, sender: UserId, member_ids: list[UserId]
) -> None:
    peer = next((u for u in member_ids if u != sender), sender)
    check_may_message(relation(tx.conn, sender, peer))


def recall_message(
    tx: WriteTx, me: UserId, cid: ConversationId, seq: int, now: Instant
) -> Outcome[Message]:
    """Erase the content for good and tell every member. Recalling twice is a no-op."""
    _, member = lookup.access_conversation(tx.conn, cid, me)
    message = _visible(tx.conn, cid, seq, member.joined_seq)
    if message.recalled:
        return Outcome(message)
    check_recall(message, me, now, tx.limits)
    tx.conn.execute(
        "UPDATE messages SET text=NULL, mentions=NULL, data=NULL, reply_to=NULL, recalled_at=?"
        " WHERE conversation_id=? AND seq=?",
        (now, cid, seq),
    )
    event: Event = MessageRecalled(cid, seq, me)
    entries = tx.append([(uid, event) for uid in lookup.member_ids(tx.conn, cid)], now)
    erased = _visible(tx.conn, cid, seq, member.joined_seq)
    return Outcome(erased, tuple(entries))


def mark_read(tx: WriteTx, me: UserId, cid: ConversationId, seq: int, now: Instant) -> Outcome[int]:
    """Move my read position forward (never back). My devices learn it; in a direct
    conversation the peer does too (that is the read receipt)."""
    conversation, member = lookup.access_conversation(tx.conn, cid, me)
    seq = min(seq, conversation.last_seq)
    if seq <= member.last_read_seq:
        return Outcome(member.last_read_seq)
    tx.conn.execute(
        "UPDATE members SET last_read_seq=? WHERE conversation_id=? AND user_id=?",
        (seq, cid, me),
    )
    event: Event = ReadMoved(cid, me, seq)
    targets = [me]
    if conversation.kind is ConversationKind.DIRECT:
        targets = lookup.member_ids(tx.conn, cid)
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
