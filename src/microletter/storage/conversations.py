"""Direct conversations and groups (create, rename, invite, remove, leave, roles).

Every write that changes a conversation's members locks it first (`_group`, `access`),
so members, seqs and notes change in one order."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from microletter.core import conversations as rules
from microletter.core.contacts import check_may_message
from microletter.core.errors import (
    AlreadyMember,
    InvalidInput,
    MemberNotFound,
    NotMember,
    UserNotFound,
)
from microletter.core.events import ChatStateChanged, ConversationUpdated, MessagePosted
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import note
from microletter.core.models import (
    ChatState,
    Conversation,
    ConversationKind,
    ConversationView,
    Instant,
    JsonValue,
    Member,
    Role,
    User,
)
from microletter.ports import Reader, Tx
from microletter.storage import members as lookup
from microletter.storage.messages import NOT_HIDDEN, access, post_note
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    MESSAGE_COLS,
    USER_COLS,
    conversation_of,
    fetch_users,
    member_of,
    message_of,
    user_of,
)


async def add_member_rows(
    tx: Tx, cid: ConversationId, users: Sequence[tuple[UserId, Role]], seq: int, now: Instant
) -> None:
    """Make `users` members from `seq` on (no note, no log: the caller tells them)."""
    await tx.executemany(
        "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq, muted,"
        " joined_at) VALUES ($1,$2,$3,$4,$5,false,$6)",
        [(cid, uid, role.value, seq, seq - 1, now) for uid, role in users],
    )
    await tx.execute(
        "UPDATE conversations SET member_count=member_count+$1 WHERE id=$2", len(users), cid
    )
    tx.conversation_changed(cid)


async def _tell(
    tx: Tx,
    cid: ConversationId,
    actor: UserId,
    data: dict[str, JsonValue],
    now: Instant,
    *,
    updated: Sequence[UserId] = (),
    left: Sequence[tuple[UserId, UserId | None]] = (),
    seen_by_all: bool = False,
) -> None:
    """Post a system note to the current members (and to those who just left, who see it
    before their `left` event), preceded by a conversation update for `updated` users.

    Like a send, the note counts as read by its actor; `seen_by_all` makes it read by
    everyone (a note that is news to nobody)."""
    message = await post_note(tx, cid, actor, data, now, seen=True)
    current = await tx.members(cid)
    if seen_by_all:
        for uid in current:
            await tx.read_up_to(cid, uid, message.seq)
    reads = {uid: await tx.read_position(cid, uid) for uid in updated}
    conversation = await tx.conversation(cid)
    peers = await _peers(tx, conversation, list(current))
    posted = MessagePosted(message)
    tx.append(rules.note_targets(conversation, current, posted, updated, left, reads, peers), now)


async def _peers(tx: Tx, conversation: Conversation, members: list[UserId]) -> dict[UserId, User]:
    """For a direct (or official) conversation: each member's other side."""
    pairs = rules.direct_peers(conversation, members)
    users = await fetch_users(tx, list(pairs)) if pairs else {}
    return {uid: users[peer] for uid, peer in pairs.items()}


async def _check_invitees(tx: Tx, inviter: UserId, invitees: Sequence[UserId]) -> None:
    """Like WeChat, you can only bring your own contacts into a group."""
    found = await fetch_users(tx, list(invitees))
    missing = [u for u in invitees if u not in found]
    if missing:
        raise UserNotFound(users=missing)
    for uid in invitees:
        check_may_message(await tx.relation(inviter, uid))


async def create_group(
    tx: Tx, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
) -> Conversation:
    others = [u for u in dict.fromkeys(invitees) if u != owner]
    rules.check_capacity(1, len(others), tx.limits)
    await _check_invitees(tx, owner, others)
    cid = ConversationId(tx.new_id(now))
    await tx.execute(
        "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
        " member_count, created_at) VALUES ($1,$2,$3,'',$4,0,0,$5)",
        cid,
        ConversationKind.GROUP.value,
        name,
        owner,
        now,
    )
    await tx.lock_conversation(cid)
    roster = [(owner, Role.OWNER), *((u, Role.MEMBER) for u in others)]
    await add_member_rows(tx, cid, roster, 1, now)
    data = note("group.created", owner, users=list(others), name=name)
    await _tell(tx, cid, owner, data, now, updated=[u for u, _ in roster])
    return await tx.conversation(cid)


async def ensure_direct(tx: Tx, a: UserId, b: UserId, now: Instant) -> None:
    """Create the one direct conversation of a pair if it does not exist yet."""
    cid = ConversationId(tx.new_id(now))
    row = await tx.fetchrow(
        "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
        " member_count, created_at, direct_key) VALUES ($1,$2,'','',NULL,0,0,$3,$4)"
        " ON CONFLICT (direct_key) DO NOTHING RETURNING id",
        cid,
        ConversationKind.DIRECT.value,
        now,
        rules.direct_key(a, b),
    )
    if row is None:
        return
    await tx.lock_conversation(cid)
    await add_member_rows(tx, cid, [(a, Role.MEMBER), (b, Role.MEMBER)], 1, now)
    data = note("contact.accepted", a, users=[b])
    # "You are now friends" opens the chat; like WeChat, it is not an unread message.
    await _tell(tx, cid, a, data, now, updated=[a, b], seen_by_all=True)


async def open_direct(tx: Tx, me: UserId, them: UserId, now: Instant) -> Conversation:
    """The direct conversation with a contact, created on first use."""
    if me == them:
        raise InvalidInput("A direct conversation needs another person.")
    check_may_message(await tx.relation(me, them))
    await ensure_direct(tx, me, them, now)
    cid = await tx.fetchval(
        "SELECT id FROM conversations WHERE direct_key=$1", rules.direct_key(me, them)
    )
    assert cid is not None  # made just above, or before
    return await tx.conversation(ConversationId(cid))


async def group_member(tx: Tx, cid: ConversationId, me: UserId) -> tuple[Conversation, Member]:
    conversation, member = await access(tx, cid, me)
    if conversation.kind is not ConversationKind.GROUP:
        raise InvalidInput("This works on groups only.", conversation_id=cid)
    return conversation, member


async def _target(tx: Tx, cid: ConversationId, uid: UserId) -> Member:
    member = (await tx.members(cid)).get(uid)
    if member is None:
        raise MemberNotFound(user_id=uid)
    return member


async def update_group(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    name: str | None,
    announcement: str | None,
    now: Instant,
) -> Conversation:
    _, member = await group_member(tx, cid, me)
    rules.require_manager(member)
    everyone = list(await tx.members(cid))
    if name is not None:
        await tx.execute("UPDATE conversations SET name=$1 WHERE id=$2", name, cid)
        tx.conversation_changed(cid)
        data = note("group.renamed", me, name=name)
        await _tell(tx, cid, me, data, now, updated=everyone)
    if announcement is not None:
        await tx.execute("UPDATE conversations SET announcement=$1 WHERE id=$2", announcement, cid)
        tx.conversation_changed(cid)
        data = note("announcement.set", me)
        await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def add_members(
    tx: Tx, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
) -> Conversation:
    conversation, _ = await group_member(tx, cid, me)
    present = await tx.members(cid)
    new = [u for u in dict.fromkeys(invitees) if u not in present]
    if not new:
        raise AlreadyMember(users=list(invitees))
    rules.check_capacity(conversation.member_count, len(new), tx.limits)
    await _check_invitees(tx, me, new)
    seq = tx.last_seq(cid) + 1  # the seq the note below will take
    await add_member_rows(tx, cid, [(u, Role.MEMBER) for u in new], seq, now)
    everyone = list(await tx.members(cid))
    data = note("members.added", me, users=list(new))
    await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def admit(tx: Tx, cid: ConversationId, uid: UserId, by: UserId, now: Instant) -> None:
    """Make `uid` a member of a group they were let into (an invite link, an approval):
    the group is locked, has room, and everyone hears it from a note of `by`."""
    conversation = await tx.lock_conversation(cid)
    if uid in await tx.members(cid):
        raise AlreadyMember(users=[uid])
    rules.check_capacity(conversation.member_count, 1, tx.limits)
    await add_member_rows(tx, cid, [(uid, Role.MEMBER)], tx.last_seq(cid) + 1, now)
    data = note("member.joined", by, users=[uid])
    await _tell(tx, cid, by, data, now, updated=list(await tx.members(cid)))


async def remove_member(
    tx: Tx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Conversation:
    _, actor = await group_member(tx, cid, me)
    victim = await _target(tx, cid, target)
    rules.check_remove(actor, victim)
    await _delete_member(tx, cid, target)
    everyone = list(await tx.members(cid))
    data = note("member.removed", me, users=[target])
    await _tell(tx, cid, me, data, now, updated=everyone, left=[(target, me)])
    return await tx.conversation(cid)


async def leave(tx: Tx, me: UserId, cid: ConversationId, now: Instant) -> None:
    _, member = await group_member(tx, cid, me)
    fields: dict[str, JsonValue] = {}
    if member.role is Role.OWNER:
        heir = rules.successor(member, (await tx.members(cid)).values())
        await tx.execute(
            "UPDATE conversations SET owner_id=$1 WHERE id=$2",
            None if heir is None else heir.user_id,
            cid,
        )
        tx.conversation_changed(cid)
        if heir is not None:
            await _set_role(tx, cid, heir.user_id, Role.OWNER)
            fields["owner"] = heir.user_id
    await _delete_member(tx, cid, me)
    everyone = list(await tx.members(cid))
    data = note("member.left", me, **fields)
    await _tell(tx, cid, me, data, now, updated=everyone, left=[(me, None)])


async def set_role(
    tx: Tx, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
) -> Conversation:
    _, actor = await group_member(tx, cid, me)
    member = await _target(tx, cid, target)
    rules.check_set_role(actor, member, role)
    if member.role is role:
        return await tx.conversation(cid)
    await _set_role(tx, cid, target, role)
    action = "admin.added" if role is Role.ADMIN else "admin.removed"
    await _tell(tx, cid, me, note(action, me, users=[target]), now, updated=[target])
    return await tx.conversation(cid)


async def transfer_owner(
    tx: Tx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Conversation:
    _, actor = await group_member(tx, cid, me)
    heir = rules.check_transfer(actor, (await tx.members(cid)).get(target))
    await _set_role(tx, cid, me, Role.MEMBER)
    await _set_role(tx, cid, heir.user_id, Role.OWNER)
    await tx.execute("UPDATE conversations SET owner_id=$1 WHERE id=$2", heir.user_id, cid)
    tx.conversation_changed(cid)
    everyone = list(await tx.members(cid))
    data = note("owner.changed", me, users=[heir.user_id])
    await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def set_muted(
    tx: Tx, me: UserId, cid: ConversationId, muted: bool, now: Instant
) -> Conversation:
    # No lock: muting changes no seq and no membership (like marking read).
    conversation = await tx.conversation(cid)
    member = (await tx.members(cid)).get(me)
    if member is None:
        raise NotMember(conversation_id=cid)
    if member.muted != muted:
        await tx.execute(
            "UPDATE members SET muted=$1 WHERE conversation_id=$2 AND user_id=$3", muted, cid, me
        )
        tx.conversation_changed(cid)
        peer = (await _peers(tx, conversation, list(await tx.members(cid)))).get(me)
        read = await tx.read_position(cid, me)
        tx.append([(me, ConversationUpdated(conversation, member.role, muted, read, peer))], now)
    return conversation


async def _set_role(tx: Tx, cid: ConversationId, uid: UserId, role: Role) -> None:
    await tx.execute(
        "UPDATE members SET role=$1 WHERE conversation_id=$2 AND user_id=$3", role.value, cid, uid
    )
    tx.conversation_changed(cid)


async def _delete_member(tx: Tx, cid: ConversationId, uid: UserId) -> None:
    await tx.execute("DELETE FROM members WHERE conversation_id=$1 AND user_id=$2", cid, uid)
    await tx.execute("UPDATE conversations SET member_count=member_count-1 WHERE id=$1", cid)
    tx.conversation_changed(cid)


# --- my own view of a chat ---

_STATE_COLS = "pinned_at, marked_unread, hidden_seq, cleared_seq, saved"


async def _chat_state(tx: Tx, me: UserId, cid: ConversationId) -> ChatState:
    row = await tx.fetchrow(
        f"SELECT {_STATE_COLS} FROM members WHERE conversation_id=$1 AND user_id=$2", cid, me
    )
    if row is None:
        await tx.conversation(cid)  # ConversationNotFound first, if that is what it is
        raise NotMember(conversation_id=cid)
    return ChatState(cid, row[0], bool(row[1]), row[2], row[3], bool(row[4]))


async def _save_state(tx: Tx, me: UserId, state: ChatState, now: Instant) -> ChatState:
    await tx.execute(
        "UPDATE members SET pinned_at=$1, marked_unread=$2, hidden_seq=$3, cleared_seq=$4,"
        " saved=$5 WHERE conversation_id=$6 AND user_id=$7",
        state.pinned_at,
        state.marked_unread,
        state.hidden_seq,
        state.cleared_seq,
        state.saved,
        state.conversation_id,
        me,
    )
    tx.append([(me, ChatStateChanged(state))], now)  # my devices only
    return state


async def set_chat_state(
    tx: Tx,
    me: UserId,
    cid: ConversationId,
    pinned: bool | None,
    unread: bool | None,
    now: Instant,
    saved: bool | None = None,
) -> ChatState:
    """Pin or unpin a chat, mark it unread or not, save a group to my contacts or not: in
    my own list only."""
    state = await _chat_state(tx, me, cid)
    if saved and (await tx.conversation(cid)).kind != ConversationKind.GROUP:
        raise InvalidInput("Only a group can be saved to contacts.", field="saved")
    if pinned is not None:
        state = dataclasses.replace(state, pinned_at=(state.pinned_at or now) if pinned else None)
    if unread is not None:
        state = dataclasses.replace(state, marked_unread=unread)
    if saved is not None:
        state = dataclasses.replace(state, saved=saved)
    return await _save_state(tx, me, state, now)


async def delete_chat(
    tx: Tx, me: UserId, cid: ConversationId, clear: bool, now: Instant
) -> ChatState:
    """Take a chat off my list until its next message; with `clear`, its history so far
    is gone for me too. I stay a member."""
    state = await _chat_state(tx, me, cid)
    last = (await tx.conversation(cid)).last_seq
    state = dataclasses.replace(
        state,
        hidden_seq=last,
        cleared_seq=last if clear else state.cleared_seq,
        pinned_at=None,
        marked_unread=False,
    )
    return await _save_state(tx, me, state, now)


async def clear_history(tx: Tx, me: UserId, cid: ConversationId, now: Instant) -> ChatState:
    """Clear a chat's history for me (the chat stays in my list)."""
    state = await _chat_state(tx, me, cid)
    last = (await tx.conversation(cid)).last_seq
    return await _save_state(tx, me, dataclasses.replace(state, cleared_seq=last), now)


# --- reads ---


async def conversations_of(
    db: Reader, me: UserId, only: ConversationId | None = None, saved: bool = False
) -> list[ConversationView]:
    """My chat list: every conversation I am in (or just `only`), newest activity first.
    With `saved`, the groups I saved to my contacts instead, deleted from the list or not."""
    rows = await db.fetch(
        f"SELECT {CONVERSATION_COLS}, {MEMBER_COLS}, {MESSAGE_COLS}, m.mentioned_seq,"
        " m.pinned_at, m.marked_unread, m.saved FROM members m"
        " JOIN conversations c ON c.id=m.conversation_id"
        " LEFT JOIN messages g ON g.conversation_id=c.id AND g.seq=c.last_seq"
        " AND g.seq>=m.joined_seq AND g.seq>m.cleared_seq"
        f" AND {NOT_HIDDEN.format(me='m.user_id')}"
        " WHERE m.user_id=$1 AND ($2::bigint IS NULL OR m.conversation_id=$2)"
        " AND ($2::bigint IS NOT NULL OR $3::boolean"
        " OR c.last_seq > m.hidden_seq OR m.hidden_seq = 0)"
        " AND (NOT $3::boolean OR m.saved)"
        " ORDER BY m.pinned_at IS NULL, m.pinned_at DESC,"
        " coalesce(g.created_at, c.created_at) DESC",
        me,
        only,
        saved,
    )
    # The other side: the person of a direct conversation, the account of an official one.
    direct = [r[0] for r in rows if r[1] in (ConversationKind.DIRECT, ConversationKind.OFFICIAL)]
    peers: dict[int, tuple[User, int | None]] = {}
    if direct:
        for r in await db.fetch(
            "SELECT m.conversation_id,"
            f" CASE WHEN u.read_receipts THEN m.last_read_seq ELSE NULL END, {USER_COLS}"
            " FROM members m"
            " JOIN users u ON u.id=m.user_id"
            " WHERE m.conversation_id = ANY($1::bigint[]) AND m.user_id<>$2",
            direct,
            me,
        ):
            peers[r[0]] = (user_of(r, 2), r[1])
    views = []
    for r in rows:
        conversation = conversation_of(r)
        member = member_of(r, 8)
        views.append(
            ConversationView(
                conversation=conversation,
                role=member.role,
                last_read_seq=member.last_read_seq,
                muted=member.muted,
                unread=max(0, conversation.last_seq - member.last_read_seq),
                peer=peers[conversation.id][0] if conversation.id in peers else None,
                last_message=None if r[15] is None else message_of(r, 15),
                peer_read_seq=peers[conversation.id][1] if conversation.id in peers else None,
                mentioned=r[28] > member.last_read_seq,
                pinned=r[29] is not None,
                marked_unread=bool(r[30]),
                saved=bool(r[31]),
            )
        )
    return views


async def saved_groups(db: Reader, me: UserId) -> list[ConversationView]:
    """The groups I saved to my contacts, including those deleted from my chat list."""
    return await conversations_of(db, me, None, saved=True)


async def conversation_view(db: Reader, me: UserId, cid: ConversationId) -> ConversationView:
    await lookup.access_conversation(db, cid, me)
    return (await conversations_of(db, me, cid))[0]


async def members_of(db: Reader, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]:
    await lookup.access_conversation(db, cid, me)
    rows = await db.fetch(
        f"SELECT {MEMBER_COLS}, {USER_COLS} FROM members m JOIN users u ON u.id=m.user_id"
        " WHERE m.conversation_id=$1 ORDER BY m.joined_seq, m.user_id",
        cid,
    )
    return [(member_of(r), user_of(r, 7)) for r in rows]


async def member_ids_of(db: Reader, me: UserId, cid: ConversationId) -> list[UserId]:
    await lookup.access_conversation(db, cid, me)
    return await lookup.member_ids(db, cid)
