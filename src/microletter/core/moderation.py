"""Moderation, pure: who is an operator, whom they may suspend, what a reason looks like,
and whether a suspended account may log in. Operators are named by the settings
(MICROLETTER_OPERATORS), so the callers pass the set in; nothing here reads it."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from microletter.core.errors import (
    AccountSuspended,
    InvalidInput,
    NotOperator,
    OperatorProtected,
    TooLarge,
)
from microletter.core.models import Instant, User

MAX_REASON = 500  # characters: a note for the other operators, not an essay


@dataclass(frozen=True, slots=True)
class Suspension:
    """Since when an account is suspended, and the operator's note why."""

    at: Instant
    reason: str


@dataclass(frozen=True, slots=True)
class Standing:
    """A user as an operator sees them: the profile, whether they are an operator, and
    their suspension if any."""

    user: User
    operator: bool
    suspension: Suspension | None


def is_operator(username: str, operators: Collection[str]) -> bool:
    return username in operators


def check_operator(user: User, operators: Collection[str]) -> None:
    if not is_operator(user.username, operators):
        raise NotOperator()


def check_suspendable(operator: User, target: User, operators: Collection[str]) -> None:
    """Operators are out of reach of the API (an operator list is the server's
    configuration, so one operator cannot lock another, or themselves, out)."""
    if target.id == operator.id:
        raise OperatorProtected("You cannot suspend yourself.", user_id=target.id)
    if is_operator(target.username, operators):
        raise OperatorProtected(user_id=target.id, username=target.username)


def clean_reason(reason: str) -> str:
    """Trimmed; required (the audit log should say why), one line or several, no other
    control characters."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Give a reason for the suspension.", field="reason")
    if len(reason) > MAX_REASON:
        raise TooLarge("The reason is too long.", field="reason", max_length=MAX_REASON)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in reason):
        raise InvalidInput("The reason contains control characters.", field="reason")
    return reason


def check_may_log_in(suspension: Suspension | None) -> None:
    """A suspended account gets no new device. The reason stays among the operators."""
    if suspension is not None:
        raise AccountSuspended(suspended_at=suspension.at)
