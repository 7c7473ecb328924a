"""The abuse meter: too many bad frames within a sliding window close the connection."""

from __future__ import annotations

from microletter.gateway.connection import AbuseMeter


def test_strikes_up_to_the_limit_are_tolerated() -> None:
    meter = AbuseMeter(limit=3, window=60)
    assert [meter.strike(now=t) for t in (0.0, 1.0, 2.0)] == [False, False, False]


def test_one_strike_over_the_limit_within_the_window_trips_the_meter() -> None:
    meter = AbuseMeter(limit=3, window=60)
    for t in (0.0, 1.0, 2.0):
        meter.strike(now=t)
    assert meter.strike(now=3.0)
    assert meter.strike(now=4.0)  # and it stays tripped while the strikes are recent


def test_strikes_older_than_the_window_are_forgotten() -> None:
    meter = AbuseMeter(limit=3, window=60)
    for t in (0.0, 1.0, 2.0):
        meter.strike(now=t)
    assert not meter.strike(now=61.5)  # 0.0 and 1.0 have left the window


def test_a_strike_exactly_one_window_old_still_counts() -> None:
    meter = AbuseMeter(limit=1, window=10)
    meter.strike(now=0.0)
    assert meter.strike(now=10.0)


def test_a_steady_trickle_below_the_rate_never_trips() -> None:
    meter = AbuseMeter(limit=2, window=10)
    assert not any(meter.strike(now=t * 5.5) for t in range(1000))


def test_a_zero_limit_trips_on_the_first_strike() -> None:
    assert AbuseMeter(limit=0).strike(now=0.0)


def test_without_a_time_the_meter_uses_the_monotonic_clock() -> None:
    meter = AbuseMeter(limit=1)
    assert not meter.strike()
    assert meter.strike()
