"""Red packets' pure rules: a split always sums to the packet, every share is at least
one minor unit and at most twice the mean of what remained when it was drawn (and at
most the per-share limit); the checks of a request and of where it may go."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.errors import TooLarge
from microletter.core.ids import UserId
from microletter.core.models import ConversationKind, Instant
from microletter.redpackets.errors import (
    AmountTooSmall,
    AmountUneven,
    RecipientInvalid,
    RedPacketKindInvalid,
    RedPacketNotAllowed,
    SharesInvalid,
    ShareTooLarge,
)
from microletter.redpackets.rules import (
    Limits,
    Opening,
    best_luck,
    check_place,
    check_request,
    split,
    split_lucky,
)

LIMITS = Limits(max_amount=2_000_000, max_share=20_000, max_shares=500)


@st.composite
def packets(draw: st.DrawFn) -> tuple[int, int, int]:
    shares = draw(st.integers(1, 500))
    cap = draw(st.integers(1, 50_000))
    amount = draw(st.integers(shares, shares * cap))
    return amount, shares, cap


@given(packets(), st.integers(0, 2**32))
def test_a_lucky_split_sums_to_the_amount_within_twice_the_remaining_mean(
    packet: tuple[int, int, int], seed: int
) -> None:
    amount, shares, cap = packet
    out = split_lucky(amount, shares, cap, random.Random(seed).randint)
    assert len(out) == shares and sum(out) == amount
    left = amount
    for k, share in zip(range(shares, 0, -1), out, strict=True):
        assert 1 <= share <= cap
        assert share * k <= 2 * left  # at most twice the mean of what remains
        left -= share


@given(packets())
def test_a_lucky_split_holds_at_the_edges_of_every_draw(packet: tuple[int, int, int]) -> None:
    amount, shares, cap = packet
    for edge in (min, max):
        out = split_lucky(amount, shares, cap, lambda lo, hi, e=edge: e(lo, hi))  # type: ignore[misc]
        assert sum(out) == amount and all(1 <= s <= cap for s in out)


def test_a_normal_split_is_equal_shares() -> None:
    request = check_request("normal", 900, 3, "hi", None, LIMITS)
    assert split(request, LIMITS.max_share, random.Random(1).randint) == [300, 300, 300]


@pytest.mark.parametrize(
    ("kind", "amount", "shares", "recipient", "error"),
    [
        ("gold", 100, 1, None, RedPacketKindInvalid),
        ("lucky", 100, 0, None, SharesInvalid),
        ("lucky", 100, 1.0, None, SharesInvalid),
        ("lucky", 100, True, None, SharesInvalid),
        ("lucky", 10_000, 501, None, SharesInvalid),
        ("lucky", 2, 3, None, AmountTooSmall),
        ("normal", 10, 3, None, AmountUneven),
        ("lucky", 40_001, 2, None, ShareTooLarge),
        ("exclusive", 100, 2, 7, SharesInvalid),
        ("exclusive", 100, 1, None, RecipientInvalid),
        ("lucky", 100, 2, 7, RecipientInvalid),
    ],
)
def test_bad_requests_get_their_error(
    kind: object, amount: int, shares: object, recipient: int | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        check_request(kind, amount, shares, "", recipient, LIMITS)


def test_a_long_greeting_is_refused_and_spaces_are_folded() -> None:
    with pytest.raises(TooLarge):
        check_request("lucky", 100, 2, "x" * 51, None, LIMITS)
    assert check_request("lucky", 100, 2, "  happy \n new  year ", None, LIMITS).greeting == (
        "happy new year"
    )


def test_where_a_packet_may_go() -> None:
    a, b, c = UserId(1), UserId(2), UserId(3)
    lucky = check_request("lucky", 100, 3, "", None, LIMITS)
    check_place(lucky, a, ConversationKind.GROUP, [a, b, c])
    with pytest.raises(SharesInvalid):
        check_place(lucky, a, ConversationKind.GROUP, [a, b])  # more shares than members
    with pytest.raises(SharesInvalid):
        check_place(lucky, a, ConversationKind.DIRECT, [a, b])
    for to in (a, UserId(9)):  # not oneself, not a stranger
        exclusive = check_request("exclusive", 100, 1, "", to, LIMITS)
        with pytest.raises(RecipientInvalid):
            check_place(exclusive, a, ConversationKind.GROUP, [a, b, c])
    with pytest.raises(RedPacketNotAllowed):
        check_place(
            check_request("exclusive", 100, 1, "", b, LIMITS), a, ConversationKind.DIRECT, [a, b]
        )
    with pytest.raises(RedPacketNotAllowed):
        check_place(
            check_request("normal", 100, 1, "", None, LIMITS), a, ConversationKind.OFFICIAL, [a, b]
        )


def test_best_luck_is_the_largest_share_once_all_are_taken() -> None:
    def o(idx: int, amount: int, who: int | None) -> Opening:
        return Opening(idx, amount, None if who is None else UserId(who), Instant(idx))

    assert best_luck([o(0, 5, 1), o(1, 9, None)]) is None
    assert best_luck([o(0, 5, 1), o(1, 9, 2), o(2, 9, 3)]) == 1  # the first of equals
