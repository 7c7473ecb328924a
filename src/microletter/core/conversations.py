"""Rules for conversations: who may rename, invite, remove, promote and hand over a group."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from microletter.core.errors import (
    GroupFull,
    InvalidInput,
    MemberNotFound,
    PermissionDenied,
    TooLarge,
)
from microletter.core.events import ConversationLeft, ConversationUpdated, Event
from microletter.core.ids import UserId
from microletter.core.limits import Limits
from microletter.core.models import Conversation, ConversationKind, Member, Role, User
from microletter.core.text import check_visible


def direct_key(a: UserId, b: UserId) -> str:
    """The unique key of the one direct conversation between two users."""
    low, high = sorted((a, b))
    return f"{low}:{high}"


def check_group_name(name: str, limits: Limits) -> str:
    name = name.strip()
    if len(name) > limits.max_group_name:
        raise TooLarge("Group name is too long.", field="name", max_length=limits.max_group_name)
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput("Group name contains control characters.", field="name")
    return check_visible(name, "name", "The group name")


def check_announcement(text: str, limits: Limits) -> str:
    if len(text) > limits.max_announcement:
        raise TooLarge(
            "Announcement is too long.", field="announcement", max_length=limits.max_announcement
        )
    return text


def check_capacity(current: int, adding: int, limits: Limits) -> None:
    if current + adding > limits.max_group_members:
        raise GroupFull(max_members=limits.max_group_members)


def require_manager(actor: Member) -> None:
    if not actor.is_manager:
        raise PermissionDenied()


def check_remove(actor: Member, target: Member) -> None:
    """The owner removes anyone else; an admin removes plain members only."""
    if actor.user_id == target.user_id:
        raise InvalidInput("To leave a group, leave it; you cannot remove yourself.")
    if actor.role is Role.OWNER:
        return
    if actor.role is Role.ADMIN and target.role is Role.MEMBER:
        return
    raise PermissionDenied()


def check_set_role(actor: Member, target: Member, role: Role) -> None:
    """Only the owner appoints and dismisses admins; ownership moves by transfer only."""
    if actor.role is not Role.OWNER:
        raise PermissionDenied("Only the owner may appoint or dismiss admins.")
    if role is Role.OWNER or target.role is Role.OWNER:
        raise InvalidInput("Use a transfer to change the owner.", field="role")


def check_transfer(actor: Member, target: Member | None) -> Member:
    if actor.role is not Role.OWNER:
        raise PermissionDenied("Only the owner may transfer ownership.")
    if target is None:
        raise MemberNotFound("The new owner must be a member.")
    if target.user_id == actor.user_id:
        raise InvalidInput("You already own this group.")
    return target


def successor(leaving: Member, members: Iterable[Member]) -> Member | None:
    """Who owns a group after its owner leaves: the longest-standing admin, else member."""
    others = [m for m in members if m.user_id != leaving.user_id]
    if not others:
        return None
    return min(others, key=lambda m: (m.role is not Role.ADMIN, m.joined_seq, m.user_id))


def note_targets(
    conversation: Conversation,
    members: Mapping[UserId, Member],
    posted: Event,
    updated: Iterable[UserId] = (),
    left: Iterable[tuple[UserId, UserId | None]] = (),
    reads: Mapping[UserId, int] | None = None,
    peers: Mapping[UserId, User] | None = None,
) -> list[tuple[UserId, Event]]:
    """Who learns of a group change, in log order: a conversation update for each of
    `updated` (with their read position and, in a direct conversation, their peer), the
    system note (`posted`) for every current member, and for those who just left the note
    followed by their `left` event."""
    targets: list[tuple[UserId, Event]] = []
    for uid in updated:
        m = members[uid]
        read = m.last_read_seq if reads is None else reads.get(uid, m.last_read_seq)
        peer = None if peers is None else peers.get(uid)
        targets.append((uid, ConversationUpdated(conversation, m.role, m.muted, read, peer)))
    targets += [(uid, posted) for uid in members]
    for uid, by in left:
        targets += [(uid, posted), (uid, ConversationLeft(conversation.id, by))]
    return targets


def direct_peers(conversation: Conversation, members: Iterable[UserId]) -> dict[UserId, UserId]:
    """For a direct (or official) conversation: each member's other side (none for a group)."""
    ids = list(members)
    if conversation.kind is ConversationKind.GROUP or len(ids) != 2:
        return {}
    a, b = ids
    return {a: b, b: a}
