"""PostgreSQL: posting (exactly once), recalling, read positions and history."""

from __future__ import annotations

import dataclasses

from microletter.core.contacts import check_may_message
from microletter.core.errors import MessageNotFound, NotMember
from microletter.core.events import Event, MessagePosted, MessageRecalled, ReadMoved
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
    Conversation,
    ConversationKind,
    Instant,
    JsonValue,
    Member,
    Message,
    MessageKind,
)
from microletter.storage.postgres import media as blobs
from microletter.storage.postgres import members as lookup
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import MESSAGE_COLS, message_of, to_json

# Insert the message unless (conversation, sender, client_msg_id) exists; if it was
# inserted, move the conversation's last seq to it. One round trip.
_INSERT = """
WITH ins AS (
  INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, kind, text,
                        reply_to, mentions, mention_all, data, created_at)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
  ON CONFLICT ON CONSTRAINT messages_once DO NOTHING RETURNING seq
), bump AS (
  UPDATE conversations SET last_seq = ins.seq FROM ins WHERE id = $1
), seen AS (  -- sending implies having read everything before (not for notes: $13)
  UPDATE members SET last_read_seq = ins.seq FROM ins
  WHERE conversation_id = $1 AND user_id = $4 AND $13 AND last_read_seq < ins.seq
)
SELECT seq FROM ins
"""


async def insert_message(
    tx: PgTx, draft: Draft, now: Instant, *, seen: bool = False
) -> Message | None:
    """Give the draft the conversation's next seq and store it (the conversation must be
    locked); with `seen`, the sender has read up to it. No checks, no log. None if
    (conversation, sender, client_msg_id) exists."""
    cid = draft.conversation_id
    message = Message(
        id=MessageId(tx.new_id(now)),
        conversation_id=cid,
        seq=tx.last_seq(cid) + 1,
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
    row = await tx.fetchrow(
        _INSERT,
        cid,
        message.seq,
        message.id,
        message.sender_id,
        message.client_msg_id,
        message.kind.value,
        message.text,
        message.reply_to,
        to_json(message.mentions) if message.mentions else None,
        message.mention_all,
        None if message.data is None else to_json(message.data),
        now,
        seen,
    )
    if row is None:
        return None
    tx.took_seq(cid, message.seq)
    return message


async def post_note(
    tx: PgTx,
    cid: ConversationId,
    actor: UserId,
    data: dict[str, JsonValue],
    now: Instant,
    *,
    seen: bool = False,
) -> Message:
    """A system note ("X invited Y") as a message of its own, so it has a place in history;
    with `seen`, it counts as read by its actor."""
    draft = Draft(cid, actor, f"note:{tx.new_id(now)}", MessageKind.SYSTEM, None, data=data)
    message = await insert_message(tx, draft, now, seen=seen)
    assert message is not None  # a note's client_msg_id is a fresh id
    return message


async def access(
    tx: PgTx, cid: ConversationId, uid: UserId, *, relate: bool = False
) -> tuple[Conversation, Member]:
    """The write side's access funnel: lock the conversation; `uid` must be a member.
    With `relate`, `tx.relation` of `uid` to a direct conversation's peer is then answered
    from the same round trip."""
    conversation = await tx.lock_conversation(cid, uid if relate else None)
    member = (await tx.members(cid)).get(uid)
    if member is None:
        raise NotMember(conversation_id=cid)
    return conversation, member


async def post_message(tx: PgTx, draft: Draft, now: Instant) -> Message:
    """Post exactly once: a repeated (conversation, sender, client_msg_id) returns the
    original message and appends nothing."""
    cid, uid = draft.conversation_id, draft.sender_id
    conversation, sender = await access(tx, cid, uid, relate=True)
    members = await tx.members(cid)
    if conversation.kind is ConversationKind.DIRECT:
        peer = next((u for u in members if u != uid), uid)
        check_may_message(await tx.relation(uid, peer))
    if draft.mentions or draft.mention_all:
        mentions = check_mentions(draft.mentions, draft.mention_all, sender, members, tx.limits)
        draft = dataclasses.replace(draft, mentions=mentions)
    check_reply(draft.reply_to, sender, tx.last_seq(cid))
    media_kind = media_kind_of(draft.kind)
    media = None
    if media_kind is not None and draft.media_id is not None:
        media = await blobs.find_media(tx.conn, uid, draft.media_id, media_kind)
        draft = dataclasses.replace(draft, data=media_data(media))
    message = await insert_message(tx, draft, now, seen=True)
    if message is None:
        row = await tx.fetchrow(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1"
            " AND g.sender_id=$2 AND g.client_msg_id=$3",
            cid,
            uid,
            draft.client_msg_id,
        )
        assert row is not None  # the conflict that stopped the insert is this row
        return message_of(row)
    if media is not None:
        await blobs.carry(tx, media, cid, message.seq)
    event: Event = MessagePosted(message)
    tx.append([(m, event) for m in members], now)
    return message


async def recall_message(
    tx: PgTx, me: UserId, cid: ConversationId, seq: int, now: Instant
) -> Message:
    """Erase the content for good and tell every member. Recalling twice is a no-op."""
    _, member = await access(tx, cid, me)
    message = await _visible(tx.conn, cid, seq, member.joined_seq)
    if message.recalled:
        return message
    check_recall(message, me, now, tx.limits)
    await tx.conn.execute(
        "UPDATE messages SET text=NULL, mentions=NULL, data=NULL, reply_to=NULL, recalled_at=$1"
        " WHERE conversation_id=$2 AND seq=$3",
        now,
        cid,
        seq,
    )
    await blobs.uncarry(tx, cid, seq)
    event: Event = MessageRecalled(cid, seq, me)
    tx.append([(uid, event) for uid in await tx.members(cid)], now)
    return await _visible(tx.conn, cid, seq, member.joined_seq)


async def mark_read(tx: PgTx, me: UserId, cid: ConversationId, seq: int, now: Instant) -> int:
    """Move my read position forward (never back). My devices learn it; in a direct
    conversation the peer does too (that is the read receipt)."""
    conversation, member = await lookup.access_conversation(tx.conn, cid, me)
    seq = min(seq, conversation.last_seq)
    row = await tx.fetchrow(
        "UPDATE members SET last_read_seq=$3 WHERE conversation_id=$1 AND user_id=$2"
        " AND last_read_seq < $3 RETURNING user_id",
        cid,
        me,
        seq,
    )
    if row is None:  # not forward: nothing changes
        current = await lookup.access_conversation(tx.conn, cid, me)
        return current[1].last_read_seq
    event: Event = ReadMoved(cid, me, seq)
    members = await lookup.member_ids(tx.conn, cid)
    readers = read_receipt_readers(conversation.kind, members, me)
    tx.append([(uid, event) for uid in readers], now)
    return seq


# --- reads ---


async def _visible(conn: Conn, cid: ConversationId, seq: int, since: int) -> Message:
    row = await conn.fetchrow(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq=$2",
        cid,
        seq,
    )
    if row is None or seq < since:
        raise MessageNotFound(conversation_id=cid, seq=seq)
    return message_of(row)


async def message(conn: Conn, me: UserId, cid: ConversationId, seq: int) -> Message:
    _, member = await lookup.access_conversation(conn, cid, me)
    return await _visible(conn, cid, seq, member.joined_seq)


async def history(
    conn: Conn,
    me: UserId,
    cid: ConversationId,
    before: int | None,
    after: int | None,
    limit: int,
) -> list[Message]:
    """A page of history in ascending seq: after `after` if given, else before `before`
    (default: the newest). Members see nothing from before they joined."""
    _, member = await lookup.access_conversation(conn, cid, me)
    floor = member.joined_seq
    if after is not None:
        rows = await conn.fetch(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq>$2"
            " ORDER BY g.seq LIMIT $3",
            cid,
            max(after, floor - 1),
            limit,
        )
        return [message_of(r) for r in rows]
    rows = await conn.fetch(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq<$2"
        " AND g.seq>=$3 ORDER BY g.seq DESC LIMIT $4",
        cid,
        before if before is not None else 1 << 62,
        floor,
        limit,
    )
    return [message_of(r) for r in reversed(rows)]
