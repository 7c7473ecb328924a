"""The hot path's histogram renders exactly what prometheus_client's Histogram does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from microletter.metrics import HotHistogram

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _samples(registry: CollectorRegistry) -> list[str]:
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if line.startswith("m_seconds_")]


@given(st.lists(st.sampled_from([0.0, 0.0005, 1.0, 2.5, 99.0]) | st.floats(0, 10), max_size=50))
def test_the_same_buckets_count_and_sum_as_prometheus(values: list[float]) -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    hot = HotHistogram("m_seconds", "help", buckets=BUCKETS, registry=ours)
    reference = Histogram("m_seconds", "help", buckets=BUCKETS, registry=theirs)
    for value in values:  # values on a bound count in that bound's bucket (le)
        hot.observe(value)
        reference.observe(value)
    assert _samples(ours) == [s for s in _samples(theirs) if not s.startswith("m_seconds_created")]
