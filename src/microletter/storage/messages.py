"""Posting (exactly once), recalling, read positions and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from microletter.core.contacts import Relation, check_may_message
from microletter.core.errors import ConversationReadOnly, MediaNotFound, MessageNotFound, NotMember
from microletter.core.events import (
    Event,
    MessageEdited,
    MessagePosted,
    MessageRecalled,
    MessagesHidden,
    ReadMoved,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.kinds import carried_media, check_carried
from microletter.core.limits import Limits
from microletter.core.media import Media, MediaId, media_data, media_kind_of
from microletter.core.messages import (
    Draft,
    check_edit,
    check_hidden,
    check_mentions,
    check_recall,
    check_reply,
    mentioned_members,
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
from microletter.ports import Reader, Tx
from microletter.storage import media as blobs
from microletter.storage import members as lookup
from microletter.storage.rows import MESSAGE_COLS, message_of, to_json
from microletter.storage.work import checks_first


async def post_note(
    tx: Tx,
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
    message = await tx.insert_message(draft, now, seen=seen)
    assert message is not None  # a note's client_msg_id is a fresh id
    return message


async def access(
    tx: Tx, cid: ConversationId, uid: UserId, *, relate: bool = False
) -> tuple[Conversation, Member]:
    """The write side's access funnel: lock the conversation; `uid` must be a member.
    With `relate`, `tx.relation` of `uid` to a direct conversation's peer is then answered
    from the same round trip."""
    conversation = await tx.lock_conversation(cid, uid if relate else None)
    member = (await tx.members(cid)).get(uid)
    if member is None:
        raise NotMember(conversation_id=cid)
    return conversation, member


@checks_first
async def post_message(tx: Tx, draft: Draft, now: Instant) -> Message:
    """Post exactly once: a repeated (conversation, sender, client_msg_id) returns the
    original message and appends nothing."""
    cid, uid = draft.conversation_id, draft.sender_id
    conversation, sender = await access(tx, cid, uid, relate=True)
    members = await tx.members(cid)
    relation = None
    if conversation.kind is ConversationKind.DIRECT:
        relation = await tx.relation(uid, peer_of(members, uid))
    draft = check_post(conversation, sender, members, relation, draft, tx.last_seq(cid), tx.limits)
    media_kind = media_kind_of(draft.kind)
    media = None
    if media_kind is not None and draft.media_id is not None:
        await blobs.hold_media(tx, draft.media_id)  # the collector must not take it now
        media = await blobs.find_media(tx, uid, draft.media_id, media_kind)
        check_carried(draft.kind, media, tx.limits)
        # A bot's caption entities and keyboard stay beside the media (people's media
        # messages take no data: core.kinds refuses it).
        draft = dataclasses.replace(draft, data={**(draft.data or {}), **media_data(media)})
    quoted = [await _seen_media(tx, uid, m) for m in carried_media(draft.kind, draft.data)]
    message = await tx.insert_message(draft, now, seen=True)
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
    for carried in ([media] if media is not None else []) + quoted:
        await blobs.carry(tx, carried, cid, message.seq)
    if message.mentions or message.mention_all:
        await _mark_mentioned(tx, message, mentioned_members(message, members))
    for index in tx.indexes:  # in this transaction: searchable once acknowledged
        await index.posted(tx, message)
    await diffuse(tx, conversation, members, message, now)
    return message


def peer_of(members: Mapping[UserId, Member], uid: UserId) -> UserId:
    """The other member of a direct conversation (`uid` itself in a chat with oneself)."""
    return next((u for u in members if u != uid), uid)


def check_post(
    conversation: Conversation,
    sender: Member,
    members: Mapping[UserId, Member],
    relation: Relation | None,
    draft: Draft,
    last_seq: int,
    limits: Limits,
) -> Draft:
    """The rules of a send that need no statement (`relation`: the sender's to the peer,
    read for a direct conversation); the draft with its mentions checked. Shared with
    PostgreSQL's batched sends (storage/postgres/sends.py)."""
    if conversation.kind is ConversationKind.SERVICE:  # notices come by post_notice only
        raise ConversationReadOnly(conversation_id=conversation.id)
    if conversation.kind is ConversationKind.DIRECT:
        assert relation is not None  # read by the caller for every direct conversation
        check_may_message(relation)
    if draft.mentions or draft.mention_all:
        mentions = check_mentions(draft.mentions, draft.mention_all, sender, members, limits)
        draft = dataclasses.replace(draft, mentions=mentions)
    check_reply(draft.reply_to, sender, last_seq)
    return draft


async def diffuse(
    tx: Tx,
    conversation: Conversation,
    members: Mapping[UserId, Member],
    message: Message,
    now: Instant,
) -> None:
    """Append a posted message to its members' logs (write diffusion), or, in a large
    group, to the stream for those whose devices all read streams."""
    event = MessagePosted(message)
    if conversation.kind is ConversationKind.GROUP and len(members) >= tx.limits.stream_members:
        # A large group: read diffusion for those whose devices all read streams.
        readers = await tx.stream_readers(members.keys())
        if readers:
            tx.stream(event)
            tx.append([(m, event) for m in members if m not in readers], now)
            return
    tx.append([(m, event) for m in members], now)


async def _seen_media(tx: Tx, uid: UserId, media_id: MediaId) -> Media:
    """A blob a merged forward copies: its forwarder must be able to see it."""
    found = await blobs.candidates(tx, uid, media_id)
    if not found:
        raise MediaNotFound(media_id=media_id)
    return found[0]


async def _mark_mentioned(tx: Tx, message: Message, mentioned: list[UserId]) -> None:
    """Remember the last message that mentions each member, for their chat list's "you
    were mentioned" while it is unread (read positions move without touching this)."""
    await tx.execute(
        "UPDATE members SET mentioned_seq=$1 WHERE conversation_id=$2"
        " AND user_id = ANY($3::bigint[])",
        message.seq,
        message.conversation_id,
        mentioned,
    )


async def hide_messages(
    tx: Tx, me: UserId, cid: ConversationId, seqs: Sequence[int], now: Instant
) -> tuple[int, ...]:
    """Delete for me: the messages leave my history, on all my devices (the log tells
    them); nobody else's view changes, and the messages themselves stay."""
    conversation = await tx.conversation(cid)
    member = (await tx.members(cid)).get(me)
    if member is None:
        raise NotMember(conversation_id=cid)
    hidden = check_hidden(seqs, member.joined_seq, conversation.last_seq)
    await tx.executemany(
        "INSERT INTO hidden_messages (user_id, conversation_id, seq, hidden_at)"
        " VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
        [(me, cid, seq, now) for seq in hidden],
    )
    tx.append([(me, MessagesHidden(cid, hidden))], now)
    return hidden


async def recall_message(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    seq: int,
    now: Instant,
    window_ms: int | None = None,
    as_manager: bool = False,
) -> Message:
    """Erase the content for good and tell every member. Recalling twice is a no-op.
    A bot's deleteMessage passes its own window and `as_manager`: in a group where it is
    the owner or an admin it may erase anyone's message."""
    _, member = await access(tx, cid, me)
    message = await _visible(tx, cid, seq, member.joined_seq)
    if message.recalled:
        return message
    conversation = await tx.conversation(cid)
    group = conversation.kind is ConversationKind.GROUP
    moderator = as_manager and group and member.is_manager
    check_recall(message, me, now, tx.limits, window_ms=window_ms, moderator=moderator)
    for index in tx.indexes:  # the index forgets the text in the same transaction
        await index.recalled(tx, message)
    await tx.execute(
        "UPDATE messages SET text=NULL, mentions=NULL, data=NULL, reply_to=NULL, recalled_at=$1"
        " WHERE conversation_id=$2 AND seq=$3",
        now,
        cid,
        seq,
    )
    await blobs.uncarry(tx, cid, seq)
    event: Event = MessageRecalled(cid, seq, me)
    tx.append([(uid, event) for uid in await tx.members(cid)], now)
    return await _visible(tx, cid, seq, member.joined_seq)


async def edit_message(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    seq: int,
    text: str | None,
    data: dict[str, JsonValue],
    now: Instant,
) -> Message:
    """The sender changes a message: its text (None: unchanged) and the `data` keys given
    (a None value removes the key), stamped `edited_at`; every member is told (an `edit`
    entry pointing at the message). The indexes forget the old text and take the new."""
    _, member = await access(tx, cid, me)
    message = await _visible(tx, cid, seq, member.joined_seq)
    check_edit(message, me, text)
    merged = {**(message.data or {}), **data, "edited_at": now}
    edited = dataclasses.replace(
        message,
        text=message.text if text is None else text,
        data={k: v for k, v in merged.items() if v is not None},
    )
    if text is not None:
        for index in tx.indexes:  # the old tokens go, as after a recall; the new come
            await index.recalled(tx, message)
            await index.posted(tx, edited)
    await tx.execute(
        "UPDATE messages SET text=$1, data=$2 WHERE conversation_id=$3 AND seq=$4",
        edited.text,
        to_json(edited.data),
        cid,
        seq,
    )
    event: Event = MessageEdited(edited)
    tx.append([(uid, event) for uid in await tx.members(cid)], now)
    return edited


async def mark_read(tx: Tx, me: UserId, cid: ConversationId, seq: int, now: Instant) -> int:
    """Move my read position forward (never back). My devices learn it; in a direct
    conversation the peer does too (that is the read receipt)."""
    # No lock: a read position changes no seq and no membership, and only moves forward.
    conversation = await tx.conversation(cid)
    members = await tx.members(cid)
    if me not in members:
        raise NotMember(conversation_id=cid)
    seq = min(seq, conversation.last_seq)
    if not await tx.read_up_to(cid, me, seq):  # not forward: nothing changes
        return await tx.read_position(cid, me)
    event: Event = ReadMoved(cid, me, seq)
    receipts = conversation.kind is ConversationKind.DIRECT and bool(
        await tx.fetchval("SELECT read_receipts FROM users WHERE id=$1", me)
    )
    readers = read_receipt_readers(conversation.kind, members, me, receipts)
    tx.append([(uid, event) for uid in readers], now)
    return seq


# --- reads ---

# A message (`g`) the user `me` did not delete for themselves.
NOT_HIDDEN = (
    "NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id={me}"
    " AND h.conversation_id=g.conversation_id AND h.seq=g.seq)"
)
# ... nor clear with the rest of the chat's history.
NOT_CLEARED = (
    "g.seq > coalesce((SELECT c.cleared_seq FROM members c WHERE c.user_id={me}"
    " AND c.conversation_id=g.conversation_id), 0)"
)


async def _visible(
    db: Reader, cid: ConversationId, seq: int, since: int, me: UserId | None = None
) -> Message:
    """The message, if it exists, is not older than `since` and `me` did not hide it."""
    row = await db.fetchrow(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq=$2"
        f" AND {NOT_HIDDEN.format(me='$3')} AND {NOT_CLEARED.format(me='$3')}",
        cid,
        seq,
        me,
    )
    if row is None or seq < since:
        raise MessageNotFound(conversation_id=cid, seq=seq)
    return message_of(row)


async def message(db: Reader, me: UserId, cid: ConversationId, seq: int) -> Message:
    _, member = await lookup.access_conversation(db, cid, me)
    return await _visible(db, cid, seq, member.joined_seq, me)


async def history(
    db: Reader,
    me: UserId,
    cid: ConversationId,
    before: int | None,
    after: int | None,
    limit: int,
) -> list[Message]:
    """A page of history in ascending seq: after `after` if given, else before `before`
    (default: the newest). Members see nothing from before they joined."""
    _, member = await lookup.access_conversation(db, cid, me)
    floor = member.joined_seq
    if after is not None:
        rows = await db.fetch(
            f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq>$2"
            f" AND {NOT_HIDDEN.format(me='$4')} AND {NOT_CLEARED.format(me='$4')}"
            " ORDER BY g.seq LIMIT $3",
            cid,
            max(after, floor - 1),
            limit,
            me,
        )
        return [message_of(r) for r in rows]
    rows = await db.fetch(
        f"SELECT {MESSAGE_COLS} FROM messages g WHERE g.conversation_id=$1 AND g.seq<$2"
        f" AND g.seq>=$3 AND {NOT_HIDDEN.format(me='$5')} AND {NOT_CLEARED.format(me='$5')}"
        " ORDER BY g.seq DESC LIMIT $4",
        cid,
        before if before is not None else 1 << 62,
        floor,
        limit,
        me,
    )
    return [message_of(r) for r in reversed(rows)]
