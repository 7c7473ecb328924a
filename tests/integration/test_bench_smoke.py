"""A small run of every `microletter bench` scenario, so the instrument never rots.
Numbers are not asserted here (that is what the bench is for); that it measures is."""

from __future__ import annotations

import pytest

from microletter.bench import SCENARIOS, Options, run


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_bench_scenario_runs_and_reports(scenario: str) -> None:
    lines: list[str] = []
    options = Options(
        scenario,
        duration=1.0,
        rate={"direct": 200.0, "groups": 50.0, "biggroup": 10.0}.get(scenario),
        warmup=0.3,
        connections=40,
        scale=0.06,
        log=lines.append,
    )
    report = run(options)
    data = report.to_json()
    assert data["scenario"] == scenario and data["machine"]["cpus"]
    if scenario in ("direct", "groups", "biggroup"):
        (step,) = report.steps
        assert step.sends > 0 and step.deliveries > 0
        assert step.e2e_ms["p50"] is not None and step.bytes_per_delivery
        assert step.server_cpu is not None and step.server_rss_kib
    elif scenario == "catchup":
        assert data["facts"]["seconds_median"] > 0 and data["facts"]["backlog"] >= 50
    elif scenario == "connections":
        assert data["facts"]["connections"] == 40 and data["facts"]["kib_per_connection"]
    else:
        assert 0 < data["facts"]["seconds_median"] < 30
    assert scenario in report.table()
