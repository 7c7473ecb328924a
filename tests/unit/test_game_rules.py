"""Games' rules: records within WeChat's limits, scores read from records, the login-state
signature (WeChat's own example), ISO-week periods, rankings that never show anyone
outside the viewer's circle (a property), and whom a new best passes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.miniapps.errors import (
    RankingPeriodInvalid,
    StorageInvalid,
    StorageSignatureInvalid,
)
from microletter.miniapps.rules.games import (
    MAX_RANKED,
    MAX_RECORDS,
    Entry,
    Record,
    check_count,
    check_keys,
    check_records,
    check_signature,
    drawn,
    own_rank,
    passed,
    period_key,
    ranking,
    score_of,
    sign,
    week_of,
)


def test_wechats_own_signature_example_is_reproduced() -> None:
    # developers.weixin.qq.com, "User Login State Signature"
    assert sign("o0q0otL8aEzpcZL/FT9WsQ==", b'{"foo":"bar"}') == (
        "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b"
    )
    check_signature("k", b"{}", sign("k", b"{}").upper(), "hmac_sha256")
    with pytest.raises(StorageSignatureInvalid):
        check_signature("k", b"{} ", sign("k", b"{}"), "hmac_sha256")
    with pytest.raises(StorageSignatureInvalid):
        check_signature("k", b"{}", sign("k", b"{}"), "hmac_sha1")


def test_records_are_checked_against_wechats_limits() -> None:
    ok = check_records([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
    assert ok == (Record("a", "2"),)  # the last value of a key wins
    assert check_records([{"key": "k" * 128, "value": "v" * 896}])  # exactly 1024 bytes
    for bad in (
        [{"key": "k" * 129, "value": ""}],
        [{"key": "k", "value": "v" * 1024}],
        [{"key": "键" * 43, "value": ""}],  # 129 bytes of UTF-8
        [{"key": "k", "value": 1}],
        [{"key": "", "value": "1"}],
        [{"key": "a\nb", "value": "1"}],
        [{"key": "k"}],
        [{"key": "k", "value": "1", "x": 1}],
        [],
        [{"key": f"k{i}", "value": ""} for i in range(MAX_RECORDS + 1)],
        {"key": "k", "value": "1"},
    ):
        with pytest.raises(StorageInvalid):
            check_records(bad)
    with pytest.raises(StorageInvalid):
        check_keys([])
    assert check_keys(["a", "b", "a"]) == ("a", "b")


def test_a_player_keeps_at_most_128_records_in_a_game() -> None:
    kept = [f"k{i}" for i in range(MAX_RECORDS)]
    check_count(kept, [Record("k0", "again")])
    with pytest.raises(StorageInvalid):
        check_count(kept, [Record("new", "1")])


@pytest.mark.parametrize(
    ("value", "score"),
    [
        (json.dumps({"wxgame": {"score": 16, "update_time": 1513080573}, "cost_ms": 1}), 16),
        ("42", 42),
        (" -7 ", -7),
        ('{"wxgame": {"score": 1.5}}', None),
        ('{"wxgame": {"score": true}}', None),
        ('{"wxgame": {"score": 9007199254740992}}', None),
        ('{"score": 3}', None),
        ("Alice", None),
        ("[1]", None),
    ],
)
def test_a_records_score_is_wechats_wxgame_score_or_a_plain_integer(
    value: str, score: int | None
) -> None:
    assert score_of(value) == score


def test_a_weekly_period_is_the_iso_week_in_utc() -> None:
    sunday_late = Instant(1_733_097_599_000)  # 2024-12-01 23:59:59 UTC, a Sunday
    assert week_of(sunday_late) == "2024-W48"
    assert week_of(Instant(sunday_late + 1000)) == "2024-W49"  # Monday 00:00
    assert period_key("week", sunday_late) == "2024-W48"
    assert period_key("all", sunday_late) == period_key(None, sunday_late) == "all"
    with pytest.raises(RankingPeriodInvalid):
        period_key("month", sunday_late)


def e(uid: int, score: int, at: int = 0) -> Entry:
    return Entry(UserId(uid), score, Instant(at))


def test_a_ranking_orders_by_score_then_by_who_got_there_first() -> None:
    ranked = ranking([e(2, 10, 5), e(3, 10, 1), e(1, 30)], UserId(1), {UserId(2), UserId(3)})
    assert [(r.rank, r.entry.user_id) for r in ranked] == [(1, 1), (2, 3), (3, 2)]
    assert own_rank(ranked, UserId(3)) == (2, 2)
    assert own_rank(ranked, UserId(9)) == (None, 3)


ids = st.integers(min_value=1, max_value=40)


@given(
    entries=st.lists(st.builds(e, ids, st.integers(-100, 100), st.integers(0, 10))),
    viewer=ids,
    circle=st.sets(ids),
)
def test_a_ranking_never_shows_anyone_outside_the_viewers_friends(
    entries: list[Entry], viewer: int, circle: set[int]
) -> None:
    friends = {UserId(c) for c in circle}
    ranked = ranking(entries, UserId(viewer), friends)
    shown = {r.entry.user_id for r in ranked}
    assert shown <= friends | {UserId(viewer)}
    # ...and what the game learns depends on nothing outside the circle either.
    inside = [x for x in entries if x.user_id in friends or x.user_id == viewer]
    assert own_rank(ranked, UserId(viewer)) == own_rank(
        ranking(inside, UserId(viewer), friends), UserId(viewer)
    )
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))


def test_a_new_best_passes_those_between_the_old_and_the_new() -> None:
    others = [e(2, 5), e(3, 10), e(4, 15), e(5, 20)]
    assert passed(10, 16, others) == [UserId(3), UserId(4)]  # a tie passed counts
    assert passed(None, 11, others) == [UserId(2), UserId(3)]
    assert passed(16, 12, others) == []  # a lower score passes nobody
    assert passed(16, 16, others) == []


def test_the_client_draws_the_first_thousand_and_the_viewer_wherever_they_are() -> None:
    everyone = [e(i, 10_000 - i) for i in range(1, MAX_RANKED + 11)]
    ranked = ranking(everyone, UserId(MAX_RANKED + 10), {x.user_id for x in everyone})
    shown = drawn(ranked, UserId(MAX_RANKED + 10))
    assert len(shown) == MAX_RANKED + 1 and shown[-1].rank == MAX_RANKED + 10
    assert own_rank(ranked, UserId(MAX_RANKED + 10)) == (MAX_RANKED + 10, MAX_RANKED + 9)
