"""REST: direct conversations and groups."""

from __future__ import annotations

from microletter.actions import conversations, invites
from microletter.core.errors import (
    AlreadyMember,
    ConversationNotFound,
    GroupFull,
    InvalidInput,
    InviteInvalid,
    JoinRequestNotFound,
    MemberNotFound,
    NotContact,
    NotMember,
    PermissionDenied,
)
from microletter.core.ids import ConversationId, UserId
from microletter.core.invites import Invite
from microletter.core.models import Role
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import (
    ChatBody,
    ChatStateReply,
    ConversationReply,
    ConversationsReply,
    DeleteChatBody,
    DirectBody,
    GroupBody,
    GroupPatch,
    InviteBody,
    InvitePreviewReply,
    InviteReply,
    InviteWire,
    JoinReply,
    JoinRequestReply,
    JoinRequestsReply,
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


@router.get("/saved-groups", rate=None)
async def list_saved_groups(call: Call) -> ConversationsReply:
    """The groups you saved to your contacts ("Contacts → Saved groups"), newest activity
    first, including those you deleted from your chat list."""
    return ConversationsReply(await conversations.saved_groups(call.ctx, call.me))


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


def _invite(invite: Invite, call: Call, token: str | None = None) -> InviteWire:
    url = None if token is None else call.link(f"/i/{token}")
    return InviteWire(
        invite.id, invite.conversation_id, invite.approval, invite.expires_at, token, url
    )


@router.post(
    "/conversations/{cid}/invites", status=201, errors=[*ACCESS, PermissionDenied, InvalidInput]
)
async def create_invite(call: Call, cid: int, body: InviteBody) -> InviteReply:
    """An invite link to this group (owners and admins), valid 7 days: `url` opens the
    group's invite page (a phone's camera can open it from a QR code). The token is shown
    now only. With `approval`, joining asks the group's managers first."""
    invite, token = await invites.create(call.ctx, call.me, ConversationId(cid), body.approval)
    return InviteReply(_invite(invite, call, token))


@router.delete(
    "/conversations/{cid}/invites/{invite_id}", errors=[*ACCESS, PermissionDenied, InvalidInput]
)
async def revoke_invite(call: Call, cid: int, invite_id: int) -> None:
    """Revoke an invite link (owners and admins): it stops working at once."""
    await invites.revoke(call.ctx, call.me, ConversationId(cid), invite_id)


@router.patch(
    "/conversations/{cid}/invites/{invite_id}",
    errors=[*ACCESS, PermissionDenied, InviteInvalid],
)
async def update_invite(call: Call, cid: int, invite_id: int, body: InviteBody) -> InviteReply:
    """Turn approval on or off for a live invite (owners and admins): the link and its QR
    code stay the same; who joins next follows the new rule (revoked or expired: 404)."""
    invite = await invites.set_approval(
        call.ctx, call.me, ConversationId(cid), invite_id, body.approval
    )
    return InviteReply(_invite(invite, call))


@router.get("/invites/{token}", errors=[InviteInvalid])
async def invite_preview(call: Call, token: str) -> InvitePreviewReply:
    """What an invite link shows before joining: the group."""
    invite, conversation = await invites.preview(call.ctx, token)
    return InvitePreviewReply(_invite(invite, call), conversation)


@router.post("/invites/{token}/join", errors=[InviteInvalid, AlreadyMember, GroupFull])
async def join_by_invite(call: Call, token: str) -> JoinReply:
    """Join the group of an invite link: at once, or, when it needs approval, by a
    request that waits for an owner or admin (`request`)."""
    cid, request = await invites.join(call.ctx, call.me, token)
    return JoinReply(cid, request)


@router.get("/conversations/{cid}/join-requests", errors=[*ACCESS, PermissionDenied])
async def join_requests(call: Call, cid: int) -> JoinRequestsReply:
    """Requests to join this group that wait for an answer (owners and admins)."""
    return JoinRequestsReply(await invites.requests(call.ctx, call.me, ConversationId(cid)))


@router.post(
    "/conversations/{cid}/join-requests/{request_id}/approve",
    errors=[*ACCESS, PermissionDenied, JoinRequestNotFound, GroupFull],
)
async def approve_join(call: Call, cid: int, request_id: int) -> JoinRequestReply:
    """Let them in (owners and admins): they become members, and everyone is told."""
    return JoinRequestReply(
        await invites.answer(call.ctx, call.me, ConversationId(cid), request_id, True)
    )


@router.post(
    "/conversations/{cid}/join-requests/{request_id}/decline",
    errors=[*ACCESS, PermissionDenied, JoinRequestNotFound],
)
async def decline_join(call: Call, cid: int, request_id: int) -> JoinRequestReply:
    return JoinRequestReply(
        await invites.answer(call.ctx, call.me, ConversationId(cid), request_id, False)
    )


@router.put("/conversations/{cid}/chat", errors=[*ACCESS, InvalidInput])
async def set_chat(call: Call, cid: int, body: ChatBody) -> ChatStateReply:
    """Pin or unpin a chat, mark it unread or not, save a group to your contacts or not,
    in your own list (your devices hear a `chat_state` event). Opening a chat marked
    unread should clear the mark."""
    state = await conversations.set_chat_state(
        call.ctx,
        call.me,
        ConversationId(cid),
        pinned=body.pinned,
        unread=body.unread,
        saved=body.saved,
    )
    return ChatStateReply(state)


@router.post("/conversations/{cid}/chat/delete", errors=ACCESS)
async def delete_chat(call: Call, cid: int, body: DeleteChatBody) -> ChatStateReply:
    """Delete a chat from your list until its next message (you stay a member); with
    `clear_history`, its history so far is gone for you too."""
    state = await conversations.delete_chat(
        call.ctx, call.me, ConversationId(cid), body.clear_history
    )
    return ChatStateReply(state)


@router.post("/conversations/{cid}/chat/clear", errors=ACCESS)
async def clear_history(call: Call, cid: int) -> ChatStateReply:
    """Clear a chat's history for yourself; the chat stays in your list."""
    return ChatStateReply(await conversations.clear_history(call.ctx, call.me, ConversationId(cid)))


@router.put("/conversations/{cid}/mute", errors=ACCESS)
async def set_muted(call: Call, cid: int, body: MuteBody) -> ConversationReply:
    """Mute or unmute a conversation for yourself (all your devices)."""
    await conversations.set_muted(call.ctx, call.me, ConversationId(cid), body.muted)
    return await _view(call, ConversationId(cid))
