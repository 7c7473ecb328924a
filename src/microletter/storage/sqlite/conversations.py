"""SQLite: direct conversations and groups (create, rename, invite, remove, leave, roles)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from microletter.core import conversations as rules
from microletter.core.contacts import check_may_message
from microletter.core.errors import AlreadyMember, InvalidInput, MemberNotFound, UserNotFound
from microletter.core.events import (
    ConversationUpdated,
    Event,
    LogEntry,
    MessagePosted,
    Outcome,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.messages import note
from microletter.core.models import (
    Conversation,
    ConversationKind,
    ConversationView,
    Instant,
    JsonValue,
    Member,
    Role,
    User,
)
from microletter.storage.sqlite import members as lookup
from microletter.storage.sqlite.messages import access, post_note
from microletter.storage.sqlite.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    MESSAGE_COLS,
    USER_COLS,
    conversation_of,
    fetch_users,
    member_of,
    message_of,
    placeholders,
    user_of,
)
from microletter.storage.sqlite.writetx import WriteTx


def _insert_members(
    tx: WriteTx, cid: ConversationId, users: Sequence[tuple[UserId, Role]], seq: int, now: Instant
) -> None:
    tx.conn.executemany(
        "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq, muted,"
        " joined_at) VALUES (?,?,?,?,?,0,?)",
        [(cid, uid, role, seq, seq - 1, now) for uid, role in users],
    )
    tx.conn.execute(
        "UPDATE conversations SET member_count=member_count+? WHERE id=?", (len(users), cid)
    )


def _tell(
    tx: WriteTx,
    cid: ConversationId,
    actor: UserId,
    data: dict[str, JsonValue],
    now: Instant,
    *,
    updated: Sequence[UserId] = (),
    left: Sequence[tuple[UserId, UserId | None]] = (),
    seen_by_all: bool = False,
) -> list[LogEntry]:
    """Post a system note to the current members (and to those who just left, who see it
    before their `left` event), preceded by a conversation update for `updated` users.

    Like a send, the note counts as read by its actor; `seen_by_all` makes it read by
    everyone (a note that is news to nobody)."""
    message = post_note(tx, cid, actor, data, now)
    current = tx.state(cid).members
    for uid in current if seen_by_all else (actor,):
        tx.read_up_to(cid, uid, message.seq)
    conversation = tx.conversation(cid)
    reads = {uid: tx.read_position(cid, uid) for uid in updated}
    peers = _peers(tx, conversation, list(current))
    posted = MessagePosted(message)
    return tx.append(
        rules.note_targets(conversation, current, posted, updated, left, reads, peers), now
    )


def _peers(tx: WriteTx, conversation: Conversation, members: list[UserId]) -> dict[UserId, User]:
    """For a direct (or official) conversation: each member's other side."""
    pairs = rules.direct_peers(conversation, members)
    users = fetch_users(tx.conn, list(pairs)) if pairs else {}
    return {uid: users[peer] for uid, peer in pairs.items()}


def _check_invitees(tx: WriteTx, inviter: UserId, invitees: Sequence[UserId]) -> None:
    """Like WeChat, you can only bring your own contacts into a group."""
    found = fetch_users(tx.conn, invitees)
    missing = [u for u in invitees if u not in found]
    if missing:
        raise UserNotFound(users=missing)
    for uid in invitees:
        check_may_message(tx.relation(inviter, uid))


def create_group(
    tx: WriteTx, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
) -> Outcome[Conversation]:
    others = [u for u in dict.fromkeys(invitees) if u != owner]
    rules.check_capacity(1, len(others), tx.limits)
    _check_invitees(tx, owner, others)
    cid = ConversationId(tx.new_id(now))
    tx.conn.execute(
        "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
        " member_count, created_at) VALUES (?,?,?,'',?,0,0,?)",
        (cid, ConversationKind.GROUP, name, owner, now),
    )
    roster = [(owner, Role.OWNER), *((u, Role.MEMBER) for u in others)]
    _insert_members(tx, cid, roster, 1, now)
    tx.refresh(cid)
    data = note("group.created", owner, users=list(others), name=name)
    entries = _tell(tx, cid, owner, data, now, updated=[u for u, _ in roster])
    return Outcome(tx.conversation(cid), tuple(entries))


def ensure_direct(tx: WriteTx, a: UserId, b: UserId, now: Instant) -> list[LogEntry]:
    """Create the one direct conversation of a pair if it does not exist yet."""
    key = rules.direct_key(a, b)
    if tx.conn.execute("SELECT 1 FROM conversations WHERE direct_key=?", (key,)).fetchone():
        return []
    cid = ConversationId(tx.new_id(now))
    tx.conn.execute(
        "INSERT INTO conversations (id, kind, name, announcement, owner_id, last_seq,"
        " member_count, created_at, direct_key) VALUES (?,?,'','',NULL,0,0,?,?)",
        (cid, ConversationKind.DIRECT, now, key),
    )
    _insert_members(tx, cid, [(a, Role.MEMBER), (b, Role.MEMBER)], 1, now)
    tx.refresh(cid)
    data = note("contact.accepted", a, users=[b])
    # "You are now friends" opens the chat; like WeChat, it is not an unread message.
    return _tell(tx, cid, a, data, now, updated=[a, b], seen_by_all=True)


def open_direct(tx: WriteTx, me: UserId, them: UserId, now: Instant) -> Outcome[Conversation]:
    """The direct conversation with a contact, created on first use."""
    if me == them:
        raise InvalidInput("A direct conversation needs another person.")
    check_may_message(tx.relation(me, them))
    entries = ensure_direct(tx, me, them, now)
    cid = tx.conn.execute(
        "SELECT id FROM conversations WHERE direct_key=?", (rules.direct_key(me, them),)
    ).fetchone()[0]
    return Outcome(tx.conversation(ConversationId(cid)), tuple(entries))


def _group(tx: WriteTx, cid: ConversationId, me: UserId) -> tuple[Conversation, Member]:
    member = access(tx, cid, me)
    conversation = tx.conversation(cid)
    if conversation.kind is not ConversationKind.GROUP:
        raise InvalidInput("This works on groups only.", conversation_id=cid)
    return conversation, member


def _target(tx: WriteTx, cid: ConversationId, uid: UserId) -> Member:
    member = tx.state(cid).members.get(uid)
    if member is None:
        raise MemberNotFound(user_id=uid)
    return member


def update_group(
    tx: WriteTx,
    me: UserId,
    cid: ConversationId,
    name: str | None,
    announcement: str | None,
    now: Instant,
) -> Outcome[Conversation]:
    _, member = _group(tx, cid, me)
    rules.require_manager(member)
    everyone = list(tx.state(cid).members)
    entries: list[LogEntry] = []
    if name is not None:
        tx.conn.execute("UPDATE conversations SET name=? WHERE id=?", (name, cid))
        tx.refresh(cid)
        data = note("group.renamed", me, name=name)
        entries += _tell(tx, cid, me, data, now, updated=everyone)
    if announcement is not None:
        tx.conn.execute("UPDATE conversations SET announcement=? WHERE id=?", (announcement, cid))
        tx.refresh(cid)
        data = note("announcement.set", me)
        entries += _tell(tx, cid, me, data, now, updated=everyone)
    return Outcome(tx.conversation(cid), tuple(entries))


def add_members(
    tx: WriteTx, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
) -> Outcome[Conversation]:
    conversation, _ = _group(tx, cid, me)
    present = tx.state(cid).members
    new = [u for u in dict.fromkeys(invitees) if u not in present]
    if not new:
        raise AlreadyMember(users=list(invitees))
    rules.check_capacity(conversation.member_count, len(new), tx.limits)
    _check_invitees(tx, me, new)
    seq = tx.next_seq(cid)  # the seq the note below will take
    _insert_members(tx, cid, [(u, Role.MEMBER) for u in new], seq, now)
    everyone = list(tx.refresh(cid).members)
    entries = _tell(tx, cid, me, note("members.added", me, users=list(new)), now, updated=everyone)
    return Outcome(tx.conversation(cid), tuple(entries))


def remove_member(
    tx: WriteTx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Outcome[Conversation]:
    _, actor = _group(tx, cid, me)
    victim = _target(tx, cid, target)
    rules.check_remove(actor, victim)
    _delete_member(tx, cid, target)
    everyone = list(tx.refresh(cid).members)
    data = note("member.removed", me, users=[target])
    entries = _tell(tx, cid, me, data, now, updated=everyone, left=[(target, me)])
    return Outcome(tx.conversation(cid), tuple(entries))


def leave(tx: WriteTx, me: UserId, cid: ConversationId, now: Instant) -> Outcome[None]:
    _, member = _group(tx, cid, me)
    fields: dict[str, JsonValue] = {}
    if member.role is Role.OWNER:
        heir = rules.successor(member, tx.state(cid).members.values())
        tx.conn.execute(
            "UPDATE conversations SET owner_id=? WHERE id=?",
            (None if heir is None else heir.user_id, cid),
        )
        if heir is not None:
            _set_role(tx, cid, heir.user_id, Role.OWNER)
            fields["owner"] = heir.user_id
    _delete_member(tx, cid, me)
    everyone = list(tx.refresh(cid).members)
    data = note("member.left", me, **fields)
    entries = _tell(tx, cid, me, data, now, updated=everyone, left=[(me, None)])
    return Outcome(None, tuple(entries))


def set_role(
    tx: WriteTx, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
) -> Outcome[Conversation]:
    _, actor = _group(tx, cid, me)
    member = _target(tx, cid, target)
    rules.check_set_role(actor, member, role)
    if member.role is role:
        return Outcome(tx.conversation(cid))
    _set_role(tx, cid, target, role)
    tx.refresh(cid)
    action = "admin.added" if role is Role.ADMIN else "admin.removed"
    entries = _tell(tx, cid, me, note(action, me, users=[target]), now, updated=[target])
    return Outcome(tx.conversation(cid), tuple(entries))


def transfer_owner(
    tx: WriteTx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Outcome[Conversation]:
    _, actor = _group(tx, cid, me)
    heir = rules.check_transfer(actor, tx.state(cid).members.get(target))
    _set_role(tx, cid, me, Role.MEMBER)
    _set_role(tx, cid, heir.user_id, Role.OWNER)
    tx.conn.execute("UPDATE conversations SET owner_id=? WHERE id=?", (heir.user_id, cid))
    everyone = list(tx.refresh(cid).members)
    data = note("owner.changed", me, users=[heir.user_id])
    entries = _tell(tx, cid, me, data, now, updated=everyone)
    return Outcome(tx.conversation(cid), tuple(entries))


def set_muted(
    tx: WriteTx, me: UserId, cid: ConversationId, muted: bool, now: Instant
) -> Outcome[Conversation]:
    member = access(tx, cid, me)
    if member.muted == muted:
        return Outcome(tx.conversation(cid))
    tx.conn.execute(
        "UPDATE members SET muted=? WHERE conversation_id=? AND user_id=?", (muted, cid, me)
    )
    tx.refresh(cid)
    conversation = tx.conversation(cid)
    peer = _peers(tx, conversation, list(tx.state(cid).members)).get(me)
    read = tx.read_position(cid, me)
    event: Event = ConversationUpdated(conversation, member.role, muted, read, peer)
    return Outcome(tx.conversation(cid), tuple(tx.append([(me, event)], now)))


def _set_role(tx: WriteTx, cid: ConversationId, uid: UserId, role: Role) -> None:
    tx.conn.execute(
        "UPDATE members SET role=? WHERE conversation_id=? AND user_id=?", (role, cid, uid)
    )


def _delete_member(tx: WriteTx, cid: ConversationId, uid: UserId) -> None:
    tx.conn.execute("DELETE FROM members WHERE conversation_id=? AND user_id=?", (cid, uid))
    tx.conn.execute("UPDATE conversations SET member_count=member_count-1 WHERE id=?", (cid,))


# --- reads ---


def conversations_of(
    conn: sqlite3.Connection, me: UserId, only: ConversationId | None = None
) -> list[ConversationView]:
    """My chat list: every conversation I am in (or just `only`), newest activity first."""
    rows = conn.execute(
        f"SELECT {CONVERSATION_COLS}, {MEMBER_COLS}, {MESSAGE_COLS} FROM members m"
        " JOIN conversations c ON c.id=m.conversation_id"
        " LEFT JOIN messages g ON g.conversation_id=c.id AND g.seq=c.last_seq"
        " AND g.seq>=m.joined_seq"
        " WHERE m.user_id=? AND (? IS NULL OR m.conversation_id=?)"
        " ORDER BY coalesce(g.created_at, c.created_at) DESC",
        (me, only, only),
    ).fetchall()
    # The other side: the person of a direct conversation, the account of an official one.
    direct = [r[0] for r in rows if r[1] in (ConversationKind.DIRECT, ConversationKind.OFFICIAL)]
    peers: dict[int, tuple[User, int]] = {}
    if direct:
        for r in conn.execute(
            f"SELECT m.conversation_id, m.last_read_seq, {USER_COLS} FROM members m"
            " JOIN users u ON u.id=m.user_id"
            f" WHERE m.conversation_id IN ({placeholders(len(direct))}) AND m.user_id!=?",
            (*direct, me),
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
            )
        )
    return views


def conversation_view(
    conn: sqlite3.Connection, me: UserId, cid: ConversationId
) -> ConversationView:
    lookup.access_conversation(conn, cid, me)
    return conversations_of(conn, me, cid)[0]


def members_of(
    conn: sqlite3.Connection, me: UserId, cid: ConversationId
) -> list[tuple[Member, User]]:
    lookup.access_conversation(conn, cid, me)
    rows = conn.execute(
        f"SELECT {MEMBER_COLS}, {USER_COLS} FROM members m JOIN users u ON u.id=m.user_id"
        " WHERE m.conversation_id=? ORDER BY m.joined_seq, m.user_id",
        (cid,),
    ).fetchall()
    return [(member_of(r), user_of(r, 7)) for r in rows]


def member_ids_of(conn: sqlite3.Connection, me: UserId, cid: ConversationId) -> list[UserId]:
    lookup.access_conversation(conn, cid, me)
    return lookup.member_ids(conn, cid)
