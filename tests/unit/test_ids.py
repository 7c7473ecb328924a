"""The id generator: unique, increasing, 53-bit ids whatever the wall clock does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microletter.core.ids import EPOCH_MS, MAX_NODE, IdGenerator, id_time_ms

NOW = EPOCH_MS + 1_000_000_000  # some day in 2025
LAST_MS = EPOCH_MS + (1 << 41) - 1  # the last millisecond the 41 time bits can hold


def test_ids_from_one_stalled_millisecond_are_unique_and_increasing() -> None:
    ids = IdGenerator(3)
    made = [ids.next(NOW) for _ in range(2000)]  # far more than 256 in one ms
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_ids_stay_increasing_when_the_clock_steps_back() -> None:
    ids = IdGenerator()
    before = [ids.next(NOW) for _ in range(10)]
    after = [ids.next(NOW - 60_000) for _ in range(300)]
    made = before + after
    assert all(a < b for a, b in zip(made, made[1:], strict=False))


def test_borrowed_milliseconds_are_not_reused_when_the_clock_catches_up() -> None:
    ids = IdGenerator()
    burst = [ids.next(NOW) for _ in range(600)]  # borrows NOW+1 and NOW+2
    later = [ids.next(NOW + 1), ids.next(NOW + 2), ids.next(NOW + 3)]
    made = burst + later
    assert all(a < b for a, b in zip(made, made[1:], strict=False))


@settings(deadline=None)
@given(
    st.lists(st.integers(min_value=EPOCH_MS - 10_000, max_value=EPOCH_MS + 10_000), max_size=800)
)
def test_ids_are_strictly_increasing_for_any_sequence_of_clock_readings(times: list[int]) -> None:
    ids = IdGenerator(MAX_NODE)
    made = [ids.next(t) for t in times]
    assert all(a < b for a, b in zip(made, made[1:], strict=False))


@pytest.mark.parametrize("now", [EPOCH_MS, NOW, EPOCH_MS + 69 * 365 * 86_400_000])
def test_ids_fit_in_53_bits_for_the_next_69_years(now: int) -> None:
    ids = IdGenerator(MAX_NODE)
    for _ in range(300):
        made = ids.next(now)
        assert 0 <= made < 2**53


def test_the_41_time_bits_last_until_the_documented_end() -> None:
    assert IdGenerator(MAX_NODE).next(LAST_MS) < 2**53


def test_id_time_ms_gives_back_the_millisecond_an_id_was_made_in() -> None:
    ids = IdGenerator(5)
    assert id_time_ms(ids.next(NOW)) == NOW
    assert id_time_ms(ids.next(NOW + 42)) == NOW + 42


def test_id_time_ms_of_a_borrowed_id_is_at_most_a_few_ms_ahead() -> None:
    ids = IdGenerator()
    made = [ids.next(NOW) for _ in range(512)]
    assert id_time_ms(made[0]) == NOW
    assert id_time_ms(made[-1]) == NOW + 1


def test_nodes_never_collide_in_the_same_millisecond() -> None:
    made = {IdGenerator(node).next(NOW) for node in range(MAX_NODE + 1)}
    assert len(made) == MAX_NODE + 1


@pytest.mark.parametrize("node", [-1, MAX_NODE + 1])
def test_a_node_outside_the_node_bits_is_refused(node: int) -> None:
    with pytest.raises(ValueError):
        IdGenerator(node)
