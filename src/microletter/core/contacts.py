"""Rules for contacts: friend requests, blocks, and who may message whom one-to-one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from microletter.core.errors import (
    AlreadyContacts,
    Blocked,
    InvalidInput,
    NotContact,
    TooLarge,
    YouBlocked,
)
from microletter.core.ids import UserId
from microletter.core.limits import Limits
from microletter.core.models import ContactRequest, RequestStatus


@dataclass(frozen=True, slots=True)
class Relation:
    """Everything that decides what `me` may do towards `them`."""

    me: UserId
    them: UserId
    are_contacts: bool
    i_blocked_them: bool
    they_blocked_me: bool
    pending_from_me: bool
    pending_from_them: bool


class RequestPlan(Enum):
    CREATE = "create"  # a new pending request
    RENEW = "renew"  # I asked before and still wait: refresh the greeting
    ACCEPT_THEIRS = "accept_theirs"  # they asked me first: asking back accepts


def check_greeting(greeting: str, limits: Limits) -> str:
    greeting = greeting.strip()
    if len(greeting) > limits.max_greeting:
        raise TooLarge("Greeting is too long.", field="greeting", max_length=limits.max_greeting)
    return greeting


def check_remark(remark: str, limits: Limits) -> str:
    remark = remark.strip()
    if len(remark) > limits.max_remark:
        raise TooLarge("Remark is too long.", field="remark", max_length=limits.max_remark)
    return remark


def plan_request(rel: Relation) -> RequestPlan:
    if rel.me == rel.them:
        raise InvalidInput("You cannot add yourself.")
    if rel.are_contacts:
        raise AlreadyContacts()
    if rel.they_blocked_me:
        raise Blocked()
    if rel.i_blocked_them:
        raise YouBlocked(user_id=rel.them)
    if rel.pending_from_them:
        return RequestPlan.ACCEPT_THEIRS
    if rel.pending_from_me:
        return RequestPlan.RENEW
    return RequestPlan.CREATE


def as_seen_by(request: ContactRequest, viewer: UserId) -> ContactRequest:
    """A request as `viewer` sees it: like WeChat, the asker is never told of a decline,
    so to them a declined request still looks pending."""
    if request.status is RequestStatus.DECLINED and request.from_user.id == viewer:
        return replace(request, status=RequestStatus.PENDING)
    return request


def check_may_message(rel: Relation) -> None:
    """One-to-one messages need an accepted contact and no block either way."""
    if rel.they_blocked_me:
        raise Blocked()
    if rel.i_blocked_them:
        raise YouBlocked("You blocked this user; unblock them to message them.", user_id=rel.them)
    if not rel.are_contacts:
        raise NotContact()
