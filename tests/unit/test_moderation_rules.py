"""Rules of moderation: who is an operator, whom they may suspend, what a reason is, and
that a suspended account gets no new device."""

from __future__ import annotations

import pytest

from microletter.core import moderation
from microletter.core.errors import (
    AccountSuspended,
    InvalidInput,
    NotOperator,
    OperatorProtected,
    TooLarge,
)
from microletter.core.ids import UserId
from microletter.core.models import Instant, User
from microletter.core.moderation import Suspension

OPERATORS = frozenset({"root", "chief"})


def user(uid: int, name: str) -> User:
    return User(UserId(uid), name, name, "en", None, Instant(0))


ROOT, CHIEF, BOB = user(1, "root"), user(2, "chief"), user(3, "bob")


def test_operators_are_named_exactly() -> None:
    assert moderation.is_operator("root", OPERATORS)
    assert not moderation.is_operator("Root", OPERATORS)
    assert not moderation.is_operator("roo", OPERATORS)
    assert not moderation.is_operator("root", frozenset())


def test_only_an_operator_passes_the_operator_check() -> None:
    moderation.check_operator(ROOT, OPERATORS)
    with pytest.raises(NotOperator):
        moderation.check_operator(BOB, OPERATORS)


def test_an_operator_may_suspend_an_ordinary_user() -> None:
    moderation.check_suspendable(ROOT, BOB, OPERATORS)


def test_no_operator_can_be_suspended_by_another() -> None:
    with pytest.raises(OperatorProtected) as caught:
        moderation.check_suspendable(ROOT, CHIEF, OPERATORS)
    assert caught.value.details["username"] == "chief"


def test_nobody_can_suspend_themselves() -> None:
    with pytest.raises(OperatorProtected, match="yourself"):
        moderation.check_suspendable(ROOT, ROOT, OPERATORS)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("spam", "spam"),
        ("  spam \n", "spam"),
        ("line one\nline two\tend", "line one\nline two\tend"),
    ],
)
def test_a_reason_is_trimmed_and_may_span_lines(raw: str, clean: str) -> None:
    assert moderation.clean_reason(raw) == clean


def test_a_reason_may_be_as_long_as_the_limit_and_no_longer() -> None:
    assert moderation.clean_reason("x" * moderation.MAX_REASON) == "x" * moderation.MAX_REASON
    with pytest.raises(TooLarge) as caught:
        moderation.clean_reason("x" * (moderation.MAX_REASON + 1))
    assert caught.value.details == {"field": "reason", "max_length": moderation.MAX_REASON}


@pytest.mark.parametrize("raw", ["", "   ", "\n", "bell\x07", "nul\x00"])
def test_an_empty_reason_or_control_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        moderation.clean_reason(raw)
    assert caught.value.details["field"] == "reason"


def test_a_suspended_account_may_not_log_in_and_is_told_since_when() -> None:
    moderation.check_may_log_in(None)
    with pytest.raises(AccountSuspended) as caught:
        moderation.check_may_log_in(Suspension(Instant(1234), "secret note"))
    assert caught.value.details == {"suspended_at": 1234}
    assert "secret note" not in caught.value.message
