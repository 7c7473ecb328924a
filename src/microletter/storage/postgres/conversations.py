"""PostgreSQL: direct conversations and groups (create, rename, invite, remove, leave, roles).

Every write that changes a conversation's members locks its row first (`_group`,
`access`), so members, seqs and notes change in one order."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core import conversations as rules
from microletter.core.contacts import check_may_message
from microletter.core.errors import AlreadyMember, InvalidInput, MemberNotFound, UserNotFound
from microletter.core.events import ConversationUpdated, MessagePosted
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
from microletter.storage.postgres import members as lookup
from microletter.storage.postgres.accounts import fetch_users
from microletter.storage.postgres.conn import Conn
from microletter.storage.postgres.messages import access, post_note
from microletter.storage.postgres.tx import PgTx
from microletter.storage.rows import (
    CONVERSATION_COLS,
    MEMBER_COLS,
    MESSAGE_COLS,
    USER_COLS,
    conversation_of,
    member_of,
    message_of,
    user_of,
)


async def _insert_members(
    tx: PgTx, cid: ConversationId, users: Sequence[tuple[UserId, Role]], seq: int, now: Instant
) -> None:
    await tx.conn.execute(
        "INSERT INTO members (conversation_id, user_id, role, joined_seq, last_read_seq, muted,"
        " joined_at) SELECT $1, u, r, $3::bigint, $3::bigint - 1, false, $4"
        " FROM unnest($2::bigint[], $5::text[]) AS t(u, r)",
        cid,
        [uid for uid, _ in users],
        seq,
        now,
        [role.value for _, role in users],
    )
    await tx.conn.execute(
        "UPDATE conversations SET member_count=member_count+$1 WHERE id=$2", len(users), cid
    )
    tx.changed(cid)


async def _tell(
    tx: PgTx,
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
    if seen_by_all:
        await tx.conn.execute(
            "UPDATE members SET last_read_seq=$2 WHERE conversation_id=$1 AND last_read_seq<$2",
            cid,
            message.seq,
        )
    current = await tx.members(cid)
    reads = {
        uid: message.seq if seen_by_all or uid == actor else current[uid].last_read_seq
        for uid in updated
    }
    conversation = await tx.conversation(cid)
    peers = await _peers(tx, conversation, list(current))
    posted = MessagePosted(message)
    tx.append(rules.note_targets(conversation, current, posted, updated, left, reads, peers), now)


async def _peers(tx: PgTx, conversation: Conversation, members: list[UserId]) -> dict[UserId, User]:
    """For a direct (or official) conversation: each member's other side."""
    pairs = rules.direct_peers(conversation, members)
    users = await fetch_users(tx.conn, list(pairs)) if pairs else {}
    return {uid: users[peer] for uid, peer in pairs.items()}


async def _check_invitees(tx: PgTx, inviter: UserId, invitees: Sequence[UserId]) -> None:
    """Like WeChat, you can only bring your own contacts into a group."""
    found = await fetch_users(tx.conn, list(invitees))
    missing = [u for u in invitees if u not in found]
    if missing:
        raise UserNotFound(users=missing)
    for uid in invitees:
        check_may_message(await tx.relation(inviter, uid))


async def create_group(
    tx: PgTx, owner: UserId, invitees: Sequence[UserId], name: str, now: Instant
) -> Conversation:
    others = [u for u in dict.fromkeys(invitees) if u != owner]
    rules.check_capacity(1, len(others), tx.limits)
    await _check_invitees(tx, owner, others)
    cid = ConversationId(tx.new_id(now))
    await tx.conn.execute(
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
    await _insert_members(tx, cid, roster, 1, now)
    data = note("group.created", owner, users=list(others), name=name)
    await _tell(tx, cid, owner, data, now, updated=[u for u, _ in roster])
    return await tx.conversation(cid)


async def ensure_direct(tx: PgTx, a: UserId, b: UserId, now: Instant) -> None:
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
    await _insert_members(tx, cid, [(a, Role.MEMBER), (b, Role.MEMBER)], 1, now)
    data = note("contact.accepted", a, users=[b])
    # "You are now friends" opens the chat; like WeChat, it is not an unread message.
    await _tell(tx, cid, a, data, now, updated=[a, b], seen_by_all=True)


async def open_direct(tx: PgTx, me: UserId, them: UserId, now: Instant) -> Conversation:
    """The direct conversation with a contact, created on first use."""
    if me == them:
        raise InvalidInput("A direct conversation needs another person.")
    check_may_message(await tx.relation(me, them))
    await ensure_direct(tx, me, them, now)
    row = await tx.fetchrow(
        f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.direct_key=$1",
        rules.direct_key(me, them),
    )
    assert row is not None  # made just above, or before
    return conversation_of(row)


async def _group(tx: PgTx, cid: ConversationId, me: UserId) -> tuple[Conversation, Member]:
    conversation, member = await access(tx, cid, me)
    if conversation.kind is not ConversationKind.GROUP:
        raise InvalidInput("This works on groups only.", conversation_id=cid)
    return conversation, member


async def _target(tx: PgTx, cid: ConversationId, uid: UserId) -> Member:
    member = (await tx.members(cid)).get(uid)
    if member is None:
        raise MemberNotFound(user_id=uid)
    return member


async def update_group(
    tx: PgTx,
    me: UserId,
    cid: ConversationId,
    name: str | None,
    announcement: str | None,
    now: Instant,
) -> Conversation:
    _, member = await _group(tx, cid, me)
    rules.require_manager(member)
    everyone = list(await tx.members(cid))
    if name is not None:
        await tx.conn.execute("UPDATE conversations SET name=$1 WHERE id=$2", name, cid)
        data = note("group.renamed", me, name=name)
        await _tell(tx, cid, me, data, now, updated=everyone)
    if announcement is not None:
        await tx.conn.execute(
            "UPDATE conversations SET announcement=$1 WHERE id=$2", announcement, cid
        )
        data = note("announcement.set", me)
        await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def add_members(
    tx: PgTx, me: UserId, cid: ConversationId, invitees: Sequence[UserId], now: Instant
) -> Conversation:
    conversation, _ = await _group(tx, cid, me)
    present = await tx.members(cid)
    new = [u for u in dict.fromkeys(invitees) if u not in present]
    if not new:
        raise AlreadyMember(users=list(invitees))
    rules.check_capacity(conversation.member_count, len(new), tx.limits)
    await _check_invitees(tx, me, new)
    seq = tx.last_seq(cid) + 1  # the seq the note below will take
    await _insert_members(tx, cid, [(u, Role.MEMBER) for u in new], seq, now)
    everyone = list(await tx.members(cid))
    data = note("members.added", me, users=list(new))
    await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def remove_member(
    tx: PgTx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Conversation:
    _, actor = await _group(tx, cid, me)
    victim = await _target(tx, cid, target)
    rules.check_remove(actor, victim)
    await _delete_member(tx, cid, target)
    everyone = list(await tx.members(cid))
    data = note("member.removed", me, users=[target])
    await _tell(tx, cid, me, data, now, updated=everyone, left=[(target, me)])
    return await tx.conversation(cid)


async def leave(tx: PgTx, me: UserId, cid: ConversationId, now: Instant) -> None:
    _, member = await _group(tx, cid, me)
    fields: dict[str, JsonValue] = {}
    if member.role is Role.OWNER:
        heir = rules.successor(member, (await tx.members(cid)).values())
        await tx.conn.execute(
            "UPDATE conversations SET owner_id=$1 WHERE id=$2",
            None if heir is None else heir.user_id,
            cid,
        )
        if heir is not None:
            await _set_role(tx, cid, heir.user_id, Role.OWNER)
            fields["owner"] = heir.user_id
    await _delete_member(tx, cid, me)
    everyone = list(await tx.members(cid))
    data = note("member.left", me, **fields)
    await _tell(tx, cid, me, data, now, updated=everyone, left=[(me, None)])


async def set_role(
    tx: PgTx, me: UserId, cid: ConversationId, target: UserId, role: Role, now: Instant
) -> Conversation:
    _, actor = await _group(tx, cid, me)
    member = await _target(tx, cid, target)
    rules.check_set_role(actor, member, role)
    if member.role is role:
        return await tx.conversation(cid)
    await _set_role(tx, cid, target, role)
    action = "admin.added" if role is Role.ADMIN else "admin.removed"
    await _tell(tx, cid, me, note(action, me, users=[target]), now, updated=[target])
    return await tx.conversation(cid)


async def transfer_owner(
    tx: PgTx, me: UserId, cid: ConversationId, target: UserId, now: Instant
) -> Conversation:
    _, actor = await _group(tx, cid, me)
    heir = rules.check_transfer(actor, (await tx.members(cid)).get(target))
    await _set_role(tx, cid, me, Role.MEMBER)
    await _set_role(tx, cid, heir.user_id, Role.OWNER)
    await tx.conn.execute("UPDATE conversations SET owner_id=$1 WHERE id=$2", heir.user_id, cid)
    everyone = list(await tx.members(cid))
    data = note("owner.changed", me, users=[heir.user_id])
    await _tell(tx, cid, me, data, now, updated=everyone)
    return await tx.conversation(cid)


async def set_muted(
    tx: PgTx, me: UserId, cid: ConversationId, muted: bool, now: Instant
) -> Conversation:
    _, member = await lookup.access_conversation(tx.conn, cid, me)
    if member.muted != muted:
        await tx.conn.execute(
            "UPDATE members SET muted=$1 WHERE conversation_id=$2 AND user_id=$3", muted, cid, me
        )
    conversation = await tx.conversation(cid)
    if member.muted != muted:
        members = await lookup.member_ids(tx.conn, cid)
        peer = (await _peers(tx, conversation, members)).get(me)
        update = ConversationUpdated(conversation, member.role, muted, member.last_read_seq, peer)
        tx.append([(me, update)], now)
    return conversation


async def _set_role(tx: PgTx, cid: ConversationId, uid: UserId, role: Role) -> None:
    await tx.conn.execute(
        "UPDATE members SET role=$1 WHERE conversation_id=$2 AND user_id=$3", role.value, cid, uid
    )
    tx.changed(cid)


async def _delete_member(tx: PgTx, cid: ConversationId, uid: UserId) -> None:
    await tx.conn.execute("DELETE FROM members WHERE conversation_id=$1 AND user_id=$2", cid, uid)
    await tx.conn.execute("UPDATE conversations SET member_count=member_count-1 WHERE id=$1", cid)
    tx.changed(cid)


# --- reads ---


async def conversations_of(
    conn: Conn, me: UserId, only: ConversationId | None = None
) -> list[ConversationView]:
    """My chat list: every conversation I am in (or just `only`), newest activity first."""
    rows = await conn.fetch(
        f"SELECT {CONVERSATION_COLS}, {MEMBER_COLS}, {MESSAGE_COLS} FROM members m"
        " JOIN conversations c ON c.id=m.conversation_id"
        " LEFT JOIN messages g ON g.conversation_id=c.id AND g.seq=c.last_seq"
        " AND g.seq>=m.joined_seq"
        " WHERE m.user_id=$1 AND ($2::bigint IS NULL OR m.conversation_id=$2)"
        " ORDER BY coalesce(g.created_at, c.created_at) DESC",
        me,
        only,
    )
    # The other side: the person of a direct conversation, the account of an official one.
    direct = [r[0] for r in rows if r[1] in (ConversationKind.DIRECT, ConversationKind.OFFICIAL)]
    peers: dict[int, tuple[User, int]] = {}
    if direct:
        for r in await conn.fetch(
            f"SELECT m.conversation_id, m.last_read_seq, {USER_COLS} FROM members m"
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
            )
        )
    return views


async def conversation_view(conn: Conn, me: UserId, cid: ConversationId) -> ConversationView:
    await lookup.access_conversation(conn, cid, me)
    return (await conversations_of(conn, me, cid))[0]


async def members_of(conn: Conn, me: UserId, cid: ConversationId) -> list[tuple[Member, User]]:
    await lookup.access_conversation(conn, cid, me)
    rows = await conn.fetch(
        f"SELECT {MEMBER_COLS}, {USER_COLS} FROM members m JOIN users u ON u.id=m.user_id"
        " WHERE m.conversation_id=$1 ORDER BY m.joined_seq, m.user_id",
        cid,
    )
    return [(member_of(r), user_of(r, 7)) for r in rows]


async def member_ids_of(conn: Conn, me: UserId, cid: ConversationId) -> list[UserId]:
    await lookup.access_conversation(conn, cid, me)
    return await lookup.member_ids(conn, cid)
