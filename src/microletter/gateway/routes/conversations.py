"""REST: direct conversations and groups."""

from __future__ import annotations

from microletter.actions import conversations
from microletter.core.errors import (
    AlreadyMember,
    ConversationNotFound,
    GroupFull,
    MemberNotFound,
    NotContact,
    NotMember,
    PermissionDenied,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Role
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import (
    ConversationReply,
    ConversationsReply,
    DirectBody,
    GroupBody,
    GroupPatch,
    MemberOut,
    MembersBody,
    MembersReply,
    MuteBody,
    OwnerBody,
    RoleBody,
)

router = Router("/api/v1", tags=["conversations"])
ACCESS = [ConversationNotFound, NotMember]


async def _view(call: Call, cid: ConversationId) -> ConversationReply:
    return ConversationReply(await conversations.conversation(call.ctx, call.me, cid))


@router.get("/conversations", rate=None)
async def list_conversations(call: Call) -> ConversationsReply:
    """Your chat list: every conversation you are in, newest activity first, with unread
    counts, the last message and (for direct ones) the other person."""
    return ConversationsReply(await conversations.conversations(call.ctx, call.me))


@router.post("/conversations", status=201, errors=[NotContact, GroupFull])
async def create_group(call: Call, body: GroupBody) -> ConversationReply:
    """Create a group with some of your contacts; you are its owner."""
    conv = await conversations.create_group(
        call.ctx, call.me, body.name, [UserId(u) for u in body.member_ids]
    )
    return await _view(call, conv.id)


@router.post("/conversations/direct", errors=[NotContact])
async def open_direct(call: Call, body: DirectBody) -> ConversationReply:
    """The one direct conversation with a contact (created on first use)."""
    conv = await conversations.open_direct(call.ctx, call.me, UserId(body.user_id))
    return await _view(call, conv.id)


@router.get("/conversations/{cid}", rate=None, errors=ACCESS)
async def get_conversation(call: Call, cid: int) -> ConversationReply:
    """One conversation as you see it."""
    return await _view(call, ConversationId(cid))


@router.patch("/conversations/{cid}", errors=[*ACCESS, PermissionDenied])
async def update_group(call: Call, cid: int, body: GroupPatch) -> ConversationReply:
    """Rename a group or set its announcement (owner and admins)."""
    await conversations.update_group(
        call.ctx, call.me, ConversationId(cid), body.name, body.announcement
    )
    return await _view(call, ConversationId(cid))


@router.get("/conversations/{cid}/members", rate=None, errors=ACCESS)
async def list_members(call: Call, cid: int) -> MembersReply:
    """The members of a conversation with their roles and read positions."""
    rows = await conversations.members(call.ctx, call.me, ConversationId(cid))
    return MembersReply([MemberOut(u, m.role, m.joined_seq, m.last_read_seq) for m, u in rows])


@router.post("/conversations/{cid}/members", errors=[*ACCESS, NotContact, GroupFull, AlreadyMember])
async def add_members(call: Call, cid: int, body: MembersBody) -> ConversationReply:
    """Invite some of your contacts to a group."""
    await conversations.add_members(
        call.ctx, call.me, ConversationId(cid), [UserId(u) for u in body.user_ids]
    )
    return await _view(call, ConversationId(cid))


@router.delete(
    "/conversations/{cid}/members/{user_id}", errors=[*ACCESS, MemberNotFound, PermissionDenied]
)
async def remove_member(call: Call, cid: int, user_id: int) -> None:
    """Remove a member (owner: anyone; admin: plain members), or leave with your own id.

    When the owner leaves, the longest-standing admin (else member) becomes owner."""
    await conversations.remove_member(call.ctx, call.me, ConversationId(cid), UserId(user_id))


@router.put(
    "/conversations/{cid}/members/{user_id}/role",
    errors=[*ACCESS, MemberNotFound, PermissionDenied],
)
async def set_role(call: Call, cid: int, user_id: int, body: RoleBody) -> ConversationReply:
    """Appoint or dismiss an admin (owner only)."""
    await conversations.set_role(
        call.ctx, call.me, ConversationId(cid), UserId(user_id), Role(body.role)
    )
    return await _view(call, ConversationId(cid))


@router.post("/conversations/{cid}/owner", errors=[*ACCESS, MemberNotFound, PermissionDenied])
async def transfer_owner(call: Call, cid: int, body: OwnerBody) -> ConversationReply:
    """Hand the group to another member (owner only); you stay as a member."""
    await conversations.transfer_owner(call.ctx, call.me, ConversationId(cid), UserId(body.user_id))
    return await _view(call, ConversationId(cid))


@router.put("/conversations/{cid}/mute", errors=ACCESS)
async def set_muted(call: Call, cid: int, body: MuteBody) -> ConversationReply:
    """Mute or unmute a conversation for yourself (all your devices)."""
    await conversations.set_muted(call.ctx, call.me, ConversationId(cid), body.muted)
    return await _view(call, ConversationId(cid))
