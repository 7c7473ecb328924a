"""REST: friend requests, contacts, remarks and blocks."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from microletter.actions import accounts, contacts
from microletter.core.contacts import Via
from microletter.core.errors import (
    AlreadyContacts,
    Blocked,
    ContactRequestNotFound,
    InvalidInput,
    NotAddable,
    NotContact,
    RequestAlreadyAnswered,
    RequestLimitReached,
    UserNotFound,
    YouBlocked,
)
from microletter.core.ids import RequestId, UserId
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import (
    BlocksReply,
    ContactReply,
    ContactsReply,
    PrivacyBody,
    PrivacyReply,
    RemarkBody,
    RequestBody,
    RequestReply,
    RequestsReply,
)

router = Router("/api/v1", tags=["contacts"])


@router.get("/contacts", rate=None)
async def list_contacts(call: Call) -> ContactsReply:
    """Your contacts, with the remark names you gave them."""
    return ContactsReply(await contacts.contacts(call.ctx, call.me))


@router.get("/contact-requests", rate=None)
async def list_requests(call: Call) -> RequestsReply:
    """Friend requests you received and sent, newest first."""
    return RequestsReply(await contacts.requests(call.ctx, call.me))


@router.post(
    "/contact-requests",
    status=201,
    errors=[
        UserNotFound,
        AlreadyContacts,
        Blocked,
        YouBlocked,
        NotAddable,
        InvalidInput,
        RequestLimitReached,
    ],
)
async def send_request(call: Call, body: RequestBody) -> RequestReply:
    """Ask someone (by user_id or exact username) to be your contact, with a greeting.

    If they had already asked you, this accepts their request instead."""
    if (body.user_id is None) == (body.username is None):
        raise InvalidInput("Give exactly one of user_id and username.")
    them = UserId(body.user_id) if body.user_id is not None else None
    via = None if body.via is None else Via(body.via)
    if them is None:
        found = await accounts.find_user(call.ctx, body.username or "")
        if found is None:
            raise UserNotFound(username=body.username)
        them, via = found.id, Via.USERNAME
    return RequestReply(
        await contacts.request(call.ctx, call.me, them, body.greeting, via, body.remark)
    )


@router.get("/me/privacy", rate=None)
async def get_privacy(call: Call) -> PrivacyReply:
    """Your privacy settings: the ways others may add you, and read receipts."""
    return PrivacyReply(await contacts.privacy(call.ctx, call.me))


@router.patch("/me/privacy")
async def set_privacy(call: Call, body: PrivacyBody) -> PrivacyReply:
    """Change any of your privacy settings. `add_by_*` turn off a way of adding you
    (by username, your QR code, from a group, from a contact card): such requests are
    refused with `contact.not_addable`. `read_receipts: false` stops telling the other
    person of a direct chat how far you read."""
    now = await contacts.privacy(call.ctx, call.me)
    changes = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not None}
    return PrivacyReply(await contacts.set_privacy(call.ctx, call.me, replace(now, **changes)))


@router.post(
    "/contact-requests/{request_id}/accept",
    errors=[ContactRequestNotFound, RequestAlreadyAnswered],
)
async def accept_request(call: Call, request_id: int) -> RequestReply:
    """Accept a friend request: you become contacts and your direct conversation opens."""
    return RequestReply(await contacts.answer(call.ctx, call.me, RequestId(request_id), True))


@router.post(
    "/contact-requests/{request_id}/decline",
    errors=[ContactRequestNotFound, RequestAlreadyAnswered],
)
async def decline_request(call: Call, request_id: int) -> RequestReply:
    """Decline a friend request (the asker is not told)."""
    return RequestReply(await contacts.answer(call.ctx, call.me, RequestId(request_id), False))


@router.post(
    "/contact-requests/{request_id}/refuse",
    errors=[ContactRequestNotFound, RequestAlreadyAnswered],
)
async def refuse_requests(call: Call, request_id: int) -> RequestReply:
    """Decline a friend request and hear no more from its asker: their later requests are
    kept from you in silence (they are not told, and they are not blocked)."""
    return RequestReply(await contacts.refuse(call.ctx, call.me, RequestId(request_id)))


@router.delete("/contacts/{user_id}", errors=[UserNotFound])
async def remove_contact(call: Call, user_id: int) -> None:
    """End a friendship, for both sides. History stays; new messages need a new request."""
    await contacts.remove(call.ctx, call.me, UserId(user_id))


@router.patch("/contacts/{user_id}", errors=[NotContact])
async def set_remark(call: Call, user_id: int, body: RemarkBody) -> ContactReply:
    """Set the remark name and/or the description you keep of a contact (only you see
    them)."""
    contact = await contacts.set_remark(
        call.ctx, call.me, UserId(user_id), body.remark, body.description
    )
    return ContactReply(contact)


@router.get("/blocks", rate=None)
async def list_blocks(call: Call) -> BlocksReply:
    """The people you blocked."""
    return BlocksReply(await contacts.blocks(call.ctx, call.me))


@router.put("/blocks/{user_id}", errors=[UserNotFound])
async def block(call: Call, user_id: int) -> None:
    """Block someone: they can neither message you nor ask again. Ends the friendship."""
    await contacts.block(call.ctx, call.me, UserId(user_id))


@router.delete("/blocks/{user_id}")
async def unblock(call: Call, user_id: int) -> None:
    """Unblock someone (you are not contacts again until a request is accepted)."""
    await contacts.unblock(call.ctx, call.me, UserId(user_id))
