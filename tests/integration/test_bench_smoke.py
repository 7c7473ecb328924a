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
        messages=3000,  # `search`: a small history, the same path as a million
        queries=40,
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
        assert data["steps"][0]["server_us_per_send"] > 0  # the issue-21 figure
    elif scenario == "catchup":
        assert data["facts"]["seconds_median"] > 0 and data["facts"]["backlog"] >= 50
    elif scenario == "connections":
        assert data["facts"]["connections"] == 40 and data["facts"]["kib_per_connection"]
    elif scenario == "upload":
        facts = data["facts"]
        assert facts["image_per_s"] > 0 and facts["voice_per_s"] > 0
        assert facts["image_ms_p99"] and facts["voice_ms_p99"] and facts["server_peak_rss_mib"]
        assert facts["image_errors"] == facts["voice_errors"] == 0
        assert facts["video_uploads"] == 3 and facts["video_kept_bytes"] > 0
        assert facts["video_s_p50"] > 0 and facts["video_cpu_s_p50"] > 0
    elif scenario == "transfer":
        facts = data["facts"]
        assert facts["transfers_per_s"] > 0 and facts["transfer_ms_p99"] is not None
        assert facts["errors"] == 0 and facts["reconcile_ok"]
    elif scenario == "bots":
        facts = data["facts"]
        assert facts["presses_per_s"] > 0 and facts["press_ms_p99"] is not None
        assert facts["edits_per_s"] > 0 and facts["edit_ms_p50"] is not None
    elif scenario == "checkout":
        facts = data["facts"]
        assert facts["checkouts_per_s"] > 0 and facts["checkout_ms_p99"] is not None
        assert facts["errors"] == 0 and facts["reconcile_ok"] and facts["stock_ok"]
    elif scenario == "settlement":
        facts = data["facts"]
        assert facts["orders_per_s"] > 0 and facts["settlements_shown"] > 0
        assert facts["draw_ms_p99"] is not None and facts["repay_ms_p99"] is not None
        assert facts["errors"] == 0 and facts["reconcile_ok"]
    elif scenario == "chapters":
        facts = data["facts"]
        assert facts["purchases_per_s"] > 0 and facts["purchase_ms_p99"] is not None
        assert facts["errors"] == 0 and facts["reconcile_ok"]
    elif scenario == "search":
        facts = data["facts"]
        assert facts["all_ms_p99"] is not None and facts["all_ms_p50"] > 0
        assert facts["index_seconds"] >= 0 and facts["database_mib"] > 0
    else:
        assert 0 < data["facts"]["seconds_median"] < 30
    assert scenario in report.table()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["stream", "many"])
def test_the_redpacket_bench_runs_and_every_share_is_opened(mode: str) -> None:
    from microletter.bench import redpacket

    lines: list[str] = []
    options = redpacket.Options(
        mode=mode, packets=2, members=12, shares=5, groups=2, procs=1, log=lines.append
    )
    result = redpacket.run(options)
    senders = 2 if mode == "many" else 1
    assert result.packets == 2 * senders and result.opens == 2 * senders * 5
    assert set(result.failed) <= {"redpacket.exhausted", "redpacket.already_opened"}
    assert "opens/s" in result.summary() and result.latencies


@pytest.mark.slow
def test_direct_runs_while_voice_notes_are_converted_to_text() -> None:
    options = Options(
        "direct", duration=3.0, rate=100.0, warmup=0.3, scale=0.06, transcribing=1, log=print
    )
    report = run(options)
    (step,) = report.steps
    facts = report.to_json()["facts"]
    assert step.sends > 0 and step.deliveries > 0
    assert facts["transcribing_streams"] == 1 and facts["transcript_errors"] == 0
    assert facts["transcribing_audio"] in ("speech", "tone")


@pytest.mark.slow
def test_the_ranking_bench_measures_a_thousand_friends_ranking() -> None:
    report = run(Options("ranking", duration=1.0, warmup=0.3, scale=0.02, log=print))
    facts = report.to_json()["facts"]
    assert facts["players"] >= 1009 and facts["friends_per_reader"] == 1000
    assert facts["ranking_ms"]["p99"] > 0 and facts["rank_ms"]["p99"] > 0
    assert facts["rankings_alone"] > 0


@pytest.mark.slow
def test_the_moments_bench_generates_a_feed_and_measures_its_pages() -> None:
    # `moments` is not in SCENARIOS (it generates its own data set): run it here, small.
    report = run(Options("moments", duration=1.0, warmup=0.3, scale=0.01, log=print))
    facts = report.to_json()["facts"]
    assert facts["database"] == "sqlite" and facts["star_friends"] > 0
    assert facts["timeline_page_ms"]["p99"] > 0 and facts["timeline_pages_alone"] > 0
    assert facts["timeline_page_ms_concurrent"]["p99"] > 0 and facts["posts_per_page"] > 0
    assert facts["reach_ms"]["p99"] > 0
