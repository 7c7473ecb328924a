"""Rules for contacts: friend requests, blocks, and who may message whom one-to-one."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from enum import Enum, StrEnum

from microletter.core.errors import (
    AlreadyContacts,
    Blocked,
    InvalidInput,
    NotAddable,
    NotContact,
    RequestLimitReached,
    TooLarge,
    YouBlocked,
)
from microletter.core.ids import UserId
from microletter.core.limits import Limits
from microletter.core.models import ContactRequest, Instant, RequestStatus
from microletter.core.text import check_visible

DAY_MS = 86_400_000


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
    if any(unicodedata.category(c) == "Cc" for c in remark):
        raise InvalidInput("Remark contains control characters.", field="remark")
    return check_visible(remark, "remark", "The remark")


def check_description(description: str, limits: Limits) -> str:
    description = description.strip()
    if len(description) > limits.max_description:
        raise TooLarge(
            "Description is too long.", field="description", max_length=limits.max_description
        )
    return description


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


@dataclass(frozen=True, slots=True)
class PriorRequest:
    """What is known of my earlier requests to one person (their row, if any)."""

    status: RequestStatus
    declined_at: Instant | None
    refused: bool  # they declined and asked to hear no more requests from me
    sent_today: int  # sends in the window that started at `window_start`
    window_start: Instant


@dataclass(frozen=True, slots=True)
class RequestSend:
    """The verdict on one send of a request: whether they hear of it, and the count."""

    heard: bool
    sent_today: int
    window_start: Instant


def judge_send(prior: PriorRequest | None, now: Instant, limits: Limits) -> RequestSend:
    """Count a send of a request to one person, and decide whether it reaches them.

    At most `requests_per_day` sends a day to one person, whatever became of them (so a
    request cannot be used to notify someone over and over). Past a decline it reaches
    them again only after the cooldown, and never once they refused more of mine. A send
    that does not reach them is not an error: like WeChat, the asker is never told of a
    decline (to them the request still looks pending), so it succeeds in silence."""
    if prior is None or now - prior.window_start >= DAY_MS:
        sent, start = 0, now
    else:
        sent, start = prior.sent_today, prior.window_start
    if sent >= limits.requests_per_day:
        retry = (start + DAY_MS - now + 999) // 1000
        raise RequestLimitReached(
            limit=limits.requests_per_day, retry_after_seconds=max(1, int(retry))
        )
    heard = prior is None or not (
        prior.refused
        or (
            prior.status is RequestStatus.DECLINED
            and prior.declined_at is not None
            and now - prior.declined_at < limits.request_cooldown_ms
        )
    )
    return RequestSend(heard, sent + 1, Instant(start))


class Via(StrEnum):
    """How someone found the person they ask to be a contact."""

    USERNAME = "username"  # searched their username
    QR = "qr"  # scanned their QR code
    GROUP = "group"  # from a group they are both in
    CARD = "card"  # from a contact card someone shared


@dataclass(frozen=True, slots=True)
class Privacy:
    """A user's privacy settings: the ways others may add them, and read receipts."""

    add_by_username: bool = True
    add_by_qr: bool = True
    add_by_group: bool = True
    add_by_card: bool = True
    read_receipts: bool = True

    def allows(self, via: Via) -> bool:
        return bool(getattr(self, f"add_by_{via.value}"))


def check_addable(privacy: Privacy, via: Via) -> None:
    """The person turned this way of adding them off. The same answer whether or not
    they exist would be nicer, but a username search shows them anyway."""
    if not privacy.allows(via):
        raise NotAddable(via=via.value)


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
