"""Group invites and join requests (core/invites.py), the same on both databases."""

from __future__ import annotations

from dataclasses import replace

from microletter.core import conversations as rules
from microletter.core.errors import AlreadyMember, JoinRequestNotFound
from microletter.core.ids import ConversationId, UserId
from microletter.core.invites import INVITE_MS, Invite, JoinRequest, JoinStatus, check_live
from microletter.core.models import Conversation, Instant, JsonValue, Role
from microletter.ports import Reader, Row, Tx
from microletter.storage import members as lookup
from microletter.storage.conversations import admit, group_member
from microletter.storage.notes import post_audience_note
from microletter.storage.rows import CONVERSATION_COLS, conversation_of

COLS = "i.id, i.conversation_id, i.created_by, i.approval, i.created_at, i.expires_at, i.revoked_at"
REQUEST_COLS = "r.id, r.conversation_id, r.user_id, r.status, r.created_at"


def invite_of(r: Row) -> Invite:
    return Invite(
        r[0],
        ConversationId(r[1]),
        UserId(r[2]),
        bool(r[3]),
        Instant(r[4]),
        Instant(r[5]),
        r[6] is not None,
    )


def request_of(r: Row) -> JoinRequest:
    return JoinRequest(r[0], ConversationId(r[1]), UserId(r[2]), JoinStatus(r[3]), Instant(r[4]))


async def create_invite(
    tx: Tx, me: UserId, cid: ConversationId, token_hash: bytes, approval: bool, now: Instant
) -> Invite:
    """A new invite link of a group, by its owner or an admin."""
    _, member = await group_member(tx, cid, me)
    rules.require_manager(member)
    invite = Invite(tx.new_id(now), cid, me, approval, now, Instant(now + INVITE_MS))
    await tx.execute(
        "INSERT INTO group_invites (id, conversation_id, token_hash, created_by, approval,"
        " created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        invite.id,
        cid,
        token_hash,
        me,
        approval,
        now,
        invite.expires_at,
    )
    return invite


async def revoke_invite(
    tx: Tx, me: UserId, cid: ConversationId, invite_id: int, now: Instant
) -> None:
    _, member = await group_member(tx, cid, me)
    rules.require_manager(member)
    await tx.execute(
        "UPDATE group_invites SET revoked_at=coalesce(revoked_at, $1)"
        " WHERE id=$2 AND conversation_id=$3",
        now,
        invite_id,
        cid,
    )


async def set_invite_approval(
    tx: Tx, me: UserId, cid: ConversationId, invite_id: int, approval: bool, now: Instant
) -> Invite:
    """Turn approval on or off for a live invite of the group (owners and admins): the
    link already shared, or printed as a QR code, keeps working under the new rule."""
    _, member = await group_member(tx, cid, me)
    rules.require_manager(member)
    row = await tx.fetchrow(
        f"SELECT {COLS} FROM group_invites i WHERE i.id=$1 AND i.conversation_id=$2",
        invite_id,
        cid,
    )
    invite = check_live(None if row is None else invite_of(row), now)
    await tx.execute("UPDATE group_invites SET approval=$1 WHERE id=$2", approval, invite_id)
    return replace(invite, approval=approval)


async def _live(db: Reader, token_hash: bytes, now: Instant) -> Invite:
    row = await db.fetchrow(f"SELECT {COLS} FROM group_invites i WHERE i.token_hash=$1", token_hash)
    return check_live(None if row is None else invite_of(row), now)


async def preview(db: Reader, token_hash: bytes, now: Instant) -> tuple[Invite, Conversation]:
    """What an invite shows before joining: the group's header."""
    invite = await _live(db, token_hash, now)
    found = await db.fetchrow(
        f"SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id=$1", invite.conversation_id
    )
    assert found is not None
    return invite, conversation_of(found)


async def join(
    tx: Tx, me: UserId, token_hash: bytes, now: Instant
) -> tuple[ConversationId, JoinRequest | None]:
    """Join through an invite: at once, or, with approval on, by a request the group's
    managers answer (asking again while it waits changes nothing)."""
    invite = await _live(tx, token_hash, now)
    cid = invite.conversation_id
    if me in await tx.members(cid):
        raise AlreadyMember(users=[me])
    if not invite.approval:
        await admit(tx, cid, me, invite.created_by, now)
        return cid, None
    waiting = await tx.fetchval(
        "SELECT 1 FROM join_requests WHERE conversation_id=$1 AND user_id=$2 AND status='pending'",
        cid,
        me,
    )
    await tx.execute(
        "INSERT INTO join_requests (id, conversation_id, user_id, invite_id, status, created_at)"
        " VALUES ($1,$2,$3,$4,'pending',$5) ON CONFLICT (conversation_id, user_id)"
        " DO UPDATE SET status='pending', invite_id=excluded.invite_id,"
        " created_at=excluded.created_at",
        tx.new_id(now),
        cid,
        me,
        invite.id,
        now,
    )
    row = await tx.fetchrow(
        f"SELECT {REQUEST_COLS} FROM join_requests r WHERE r.conversation_id=$1 AND r.user_id=$2",
        cid,
        me,
    )
    assert row is not None
    request = request_of(row)
    if waiting is None:  # a new request: the managers hear of it now, in the group
        managers = await tx.fetch(
            "SELECT user_id FROM members WHERE conversation_id=$1 AND role IN ($2,$3)",
            cid,
            Role.OWNER.value,
            Role.ADMIN.value,
        )
        data: dict[str, JsonValue] = {
            "action": "group.join_requested",
            "actor": me,
            "request_id": request.id,
        }
        await post_audience_note(tx, cid, [UserId(r[0]) for r in managers], data, now)
    return cid, request


async def answer_join(
    tx: Tx, me: UserId, cid: ConversationId, request_id: int, approve: bool, now: Instant
) -> JoinRequest:
    _, member = await group_member(tx, cid, me)
    rules.require_manager(member)
    row = await tx.fetchrow(
        f"SELECT {REQUEST_COLS} FROM join_requests r WHERE r.id=$1 AND r.conversation_id=$2"
        " AND r.status='pending'",
        request_id,
        cid,
    )
    if row is None:
        raise JoinRequestNotFound(request_id=request_id)
    request = request_of(row)
    status = JoinStatus.APPROVED if approve else JoinStatus.DECLINED
    await tx.execute("UPDATE join_requests SET status=$1 WHERE id=$2", status.value, request_id)
    if approve and request.user_id not in await tx.members(cid):
        await admit(tx, cid, request.user_id, me, now)
    return JoinRequest(request.id, cid, request.user_id, status, request.created_at)


async def join_requests(db: Reader, me: UserId, cid: ConversationId) -> list[JoinRequest]:
    """The requests waiting for the group's managers (members see none)."""
    _, member = await lookup.access_conversation(db, cid, me)
    rules.require_manager(member)
    rows = await db.fetch(
        f"SELECT {REQUEST_COLS} FROM join_requests r WHERE r.conversation_id=$1"
        " AND r.status='pending' ORDER BY r.created_at",
        cid,
    )
    return [request_of(r) for r in rows]
