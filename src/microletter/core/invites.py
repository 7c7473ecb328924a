"""Group invites, pure: a link (and its QR code) that lets whoever has it join a group,
for 7 days, until an owner or admin revokes it; with approval on, joining asks the
managers first. The token is shown once, when made; only its hash is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from microletter.core.errors import InviteInvalid
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant

INVITE_MS = 7 * 86_400_000
TOKEN_BYTES = 16


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    conversation_id: ConversationId
    created_by: UserId
    approval: bool  # joining needs an owner's or admin's approval
    created_at: Instant
    expires_at: Instant
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class JoinRequest:
    id: int
    conversation_id: ConversationId
    user_id: UserId
    status: JoinStatus
    created_at: Instant


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def check_live(invite: Invite | None, now: Instant) -> Invite:
    """The invite, if it may still be used (one error for unknown, revoked and expired:
    a guessed token learns nothing)."""
    if invite is None or invite.revoked or now >= invite.expires_at:
        raise InviteInvalid()
    return invite
