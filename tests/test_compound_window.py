"""The R1/bans compound-window daily event study, on hand-made histories with known answers."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, timedelta

import duckdb
import pytest

from weightatlas.indicators import compound_window as cw
from weightatlas.indicators import event_study as es
from weightatlas.indicators import regulation

FIRST = date(2024, 7, 2)
LAST = date(2025, 2, 18)
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
R1 = cw.WINDOW_START


def _con(repos: list[tuple[str, str, str | None, str, Callable[[date], float], date]]) -> duckdb.DuckDBPyConnection:
    """repos: (repo_id, bloc, org_id, role, daily downloads by day, counter start) -> the two shared-design tables."""
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE history_repos (repo_id VARCHAR, ref VARCHAR, cohort_file VARCHAR, org_id VARCHAR, country VARCHAR, bloc VARCHAR, "
        "role VARCHAR, root_org_id VARCHAR, root_bloc VARCHAR, exclusion_reason VARCHAR, modality VARCHAR, modality_rule VARCHAR, "
        "created_at DATE, counter_start DATE)"
    )
    con.execute("CREATE TABLE download_history (repo_id VARCHAR, day DATE, cumulative BIGINT)")
    hist = []
    for repo_id, bloc, org, role, daily, start in repos:
        con.execute(
            "INSERT INTO history_repos VALUES (?, 'x/download/T.csv:2', 'T', ?, NULL, ?, ?, NULL, NULL, NULL, 'llm', 'r', ?, ?)",
            [repo_id, org, bloc, role, start, start],
        )
        total = 0
        for d in DAYS:
            if d == start:
                total += 5_000_000  # the counter's start: a big first value, not a day's downloads
            elif d > start:
                total += int(daily(d))
            hist.append((repo_id, d, total))
    con.executemany("INSERT INTO download_history VALUES (?, ?, ?)", hist)
    return con


OLD = date(2024, 7, 10)


def _flat(n: float) -> Callable[[date], float]:
    return lambda d: n


def _jump(before: float, after: float, at: date = R1) -> Callable[[date], float]:
    return lambda d: after if d >= at else before


def _base(deepseek: Callable[[date], float]) -> list:
    return [
        ("deepseek-ai/A", "China", "deepseek", "first_party", deepseek, OLD),
        ("Qwen/B", "China", "qwen", "first_party", _flat(100), OLD),
        ("meta-llama/C", "United States", "meta", "first_party", _flat(500), OLD),
        ("google/D", "United States", "google", "first_party", _flat(300), OLD),
    ]


def _study(repos: list) -> dict:
    history, _ = cw.load_history(_con(repos))
    assert history is not None
    return cw.study(history)


def test_an_injected_jump_of_known_size_is_recovered_with_the_smallest_p_value() -> None:
    # Pre: 100 of 1000 a day = 0.10; post: 300 of 1200 = 0.25 -> +0.15. Qwen: 0.10 -> 100/1200.
    r = _study(_base(_jump(100, 300)))
    assert r["status"] == "estimated"
    assert r["raw"]["deepseek"] == pytest.approx(0.15, abs=1e-5)
    assert r["raw"]["china_other"] == pytest.approx(100 / 1200 - 0.1, abs=1e-5)
    assert r["robust"]["deepseek"] == pytest.approx(0.15, abs=1e-5)  # a 3x rise is no burst
    p = r["placebo"]["raw"]["deepseek"]
    assert p["status"] == "ok" and p["dates"] >= 100
    assert p["rank_by_size"] == 1 and p["p_value"] == pytest.approx(1 / (1 + p["dates"]), abs=1e-4)
    assert r["periods"] == {
        "panel_lead_in": ["2024-11-25", "2024-12-22"],
        "pre": ["2024-12-23", "2025-01-19"],
        "transition": ["2025-01-20", "2025-01-20"],
        "post": ["2025-01-21", "2025-02-18"],
    }
    assert r["panel_date"] == "2024-11-24" and r["panel_repos"] == {"deepseek": 1, "china_other": 1, "rest": 2}
    json.dumps(r, allow_nan=False)  # plain JSON: no numpy scalars, no NaN


def test_a_placebo_only_series_gives_a_high_p_value() -> None:
    # DeepSeek's downloads swing in the months before the window and stay flat through the real one.
    def swinging(d: date) -> float:
        if d >= R1 - timedelta(days=60):
            return 100
        return 100 + 80 * math.sin((d - FIRST).days / 9)

    r = _study(_base(swinging))
    assert r["raw"]["deepseek"] == pytest.approx(0.0, abs=1e-9)
    p = r["placebo"]["raw"]["deepseek"]
    assert p["status"] == "ok" and p["p_value"] > 0.5


def test_the_counter_start_and_late_entrants_are_not_read_as_adoption() -> None:
    # R1 itself enters on the window's first day with a 5M first value and 10,000 a day: outside the panel.
    repos = [*_base(_flat(100)), ("deepseek-ai/R1", "China", "deepseek", "first_party", _flat(10_000), R1)]
    history, _ = cw.load_history(_con(repos))
    r = cw.study(history)
    assert r["raw"]["deepseek"] == pytest.approx(0.0, abs=1e-9)
    assert r["panel_repos"]["deepseek"] == 1
    new = cw.entrants(history, r)["deepseek"]
    assert new["entrant_repos"] == 1 and new["entrant_downloads"] == 10_000 * 29  # the 5M start is not counted
    assert new["entrant_share_of_group"] == pytest.approx(10_000 / 10_100, abs=1e-4)


def test_repacks_individuals_and_excluded_repos_stay_out_of_the_panel() -> None:
    repos = [
        *_base(_jump(100, 300)),
        ("unsloth/DeepSeek-R1-GGUF", "Rest of world", None, "repack", _flat(1_000_000), OLD),
        ("ci/dummy", "Unknown", None, "excluded", _flat(9_000_000), OLD),
        ("someone/model", "Unknown", None, "individual", _flat(7_000), OLD),
        ("internlm/internlm3", "China", "internlm", "first_party_outside_17", _flat(0), OLD),
    ]
    r = _study(repos)
    assert r["raw"]["deepseek"] == pytest.approx(0.15, abs=1e-5)
    assert r["panel_repos"] == {"deepseek": 1, "china_other": 2, "rest": 2}


def test_a_plateau_burst_is_flagged_for_its_whole_run_and_the_robust_figure_ignores_it() -> None:
    # A US repo jumps to 20M a day for the whole post period: raw DeepSeek share falls; robust counts its
    # flagged days at its 200-a-day baseline.
    plateau = ("nvidia/E", "United States", "nvidia", "first_party", _jump(200, 20_000_000, R1 + timedelta(days=1)), OLD)
    repos = [*_base(_jump(100, 300)), plateau]
    r = _study(repos)
    assert r["raw"]["deepseek"] < 0
    # Pre: 100 of 1200; post with the burst at baseline: 300 of 1400.
    assert r["robust"]["deepseek"] == pytest.approx(300 / 1400 - 100 / 1200, abs=1e-5)
    (run,) = r["flagged_runs"]
    assert run == {
        "repo_id": "nvidia/E",
        "group": "rest",
        "first": "2025-01-21",
        "last": "2025-02-18",
        "baseline_per_day": 200.0,
        "days_in_periods": 29,
        "downloads_in_periods": 29 * 20_000_000,
    }
    loo = r["leave_one_out"]["deepseek"]
    assert loo["most_influential_repo"] == "nvidia/E"
    assert loo["without_it"] == pytest.approx(0.15, abs=1e-5)  # the panel of the first test


def test_placebo_windows_fit_in_the_data_and_end_before_the_real_window() -> None:
    starts = cw.placebo_starts(DAYS, R1)
    assert starts[0] == FIRST + timedelta(days=1 + 28 + 28)  # the first increment is dated 2024-07-03
    for s in starts:
        assert s + timedelta(days=cw.TRANSITION_DAYS + cw.POST_DAYS - 1) < R1
    assert starts[-1] + timedelta(days=cw.POST_DAYS) == R1 - timedelta(days=1)


def test_a_window_that_does_not_fit_and_missing_tables_say_why() -> None:
    history, _ = cw.load_history(_con(_base(_flat(100))))
    r = cw.study(history, start=date(2025, 2, 1))
    assert r["status"] == "no_estimate" and "does not fit" in r["reason"]
    none, why = cw.load_history(duckdb.connect(":memory:"))
    assert none is None and "no download_history" in why["reason"]


def test_bans_inside_the_window_and_after_the_data_end_are_listed_apart() -> None:
    def ban(id_: str, day: str) -> dict:
        return {"id": id_, "date": date.fromisoformat(day), "jurisdiction": "US", "instrument_type": "device_ban"}

    window = {"status": "estimated", "periods": {"post": ["2025-01-21", "2025-02-18"]}}
    out = cw.ban_events([ban("P1", "2025-01-24"), ban("P2", "2025-03-21"), ban("P0", "2024-12-01")], window)
    assert [e["id"] for e in out["inside_window"]] == ["P1"]
    assert [e["id"] for e in out["after_data_end"]] == ["P2"]


def test_every_event_study_result_names_its_design() -> None:
    points = es.month_points([(f"{y}-{m:02d}", 0.1 + 0.01 * (y == 2025), 50) for y in (2024, 2025) for m in range(1, 13)])
    series = es.Series("s", "s", "adoption", "p", "src", 1, points)
    study = regulation.StudyEvent("x", "x", ("P1",))
    (out,) = regulation.event_studies([series], [(study, date(2025, 1, 15))])
    assert out["design"] == "monthly_its"
    assert all(r["design"] == "monthly_its" for r in out["results"])
    cwr = regulation.compound_window_study(duckdb.connect(":memory:"), [])
    assert cwr["design"] == "daily_compound_window" and cwr["status"] == "no_estimate"


def test_the_report_renders_the_compound_window_with_untrusted_repo_ids_escaped() -> None:
    from weightatlas.indicators import build_document
    from weightatlas.report import render_html
    from weightatlas.store import Store

    plateau = ("<script>alert(1)</script>/x", "United States", "evil", "first_party", _jump(200, 20_000_000, R1 + timedelta(days=1)), OLD)
    con = _con([*_base(_jump(100, 300)), plateau])
    with Store.open() as store:
        document = build_document(store, only=["capability_gap", "regulation"])
    document["indicators"]["regulation"]["event_study"]["compound_window"] = regulation.compound_window_study(con, [])
    page, charts = render_html(document)
    assert "design: daily compound window" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;/x" in page
    assert "chart-compound-window-daily" in page and "chart-compound-window-placebo" in page
    assert "R1 was distilled into Qwen and Llama bases" in page
    assert "LLMs only (modality llm" in page and "one-sided" in page
    assert "bootstrap 95% (raw)" in page and "(bootstrap 95%: " in page


def test_a_plateau_that_began_inside_the_baseline_is_still_flagged_by_the_shared_burst_rule() -> None:
    # 20M a day from 2024-12-01 to the end: 22 of the 28 baseline days sit in the plateau, so a baseline taken over
    # the window's own baseline period would adapt to it; the shared rule freezes the baseline before the run.
    plateau = ("nvidia/E", "United States", "nvidia", "first_party", _jump(200, 20_000_000, date(2024, 12, 1)), OLD)
    r = _study([*_base(_jump(100, 300)), plateau])
    assert r["raw"]["deepseek"] == pytest.approx(0.0, abs=1e-4)
    assert r["robust"]["deepseek"] == pytest.approx(300 / 1400 - 100 / 1200, abs=1e-5)
    (run,) = r["flagged_runs"]
    assert (run["repo_id"], run["first"], run["last"], run["days_in_periods"]) == ("nvidia/E", "2024-12-01", "2025-02-18", 28 + 1 + 29)


def test_the_llm_only_figure_leaves_other_modalities_out() -> None:
    # A US speech model's downloads triple in the window: the all-modality DeepSeek share change shrinks,
    # the LLM-only one is the injected +0.15.
    con = _con([*_base(_jump(100, 300)), ("openai/whisper", "United States", "openai", "first_party", _jump(1000, 3000), OLD)])
    con.execute("UPDATE history_repos SET modality = 'speech' WHERE repo_id = 'openai/whisper'")
    r = regulation.compound_window_study(con, [])
    assert r["raw"]["deepseek"] == pytest.approx(300 / 4200 - 100 / 2000, abs=1e-5)
    llm = r["llm_only"]
    assert llm["raw"]["deepseek"] == pytest.approx(0.15, abs=1e-5)
    assert llm["panel_repos"] == {"deepseek": 1, "china_other": 1, "rest": 2}
    assert llm["placebo"]["raw"]["deepseek"]["rank_by_size"] == 1


def test_the_one_sided_p_value_sees_a_rise_larger_than_every_placebo_rise() -> None:
    # Placebo changes: large falls and small rises; the real change is a moderate rise.
    placebos = [-0.5, -0.4, -0.3, -0.2] + [0.01] * 16
    out = cw.placebo_summary(0.1, placebos)
    assert out["p_value"] == pytest.approx(5 / 21, abs=1e-4)  # |change| at least 0.1: the four falls
    assert out["p_value_one_sided"] == pytest.approx(1 / 21, abs=1e-4)  # no placebo rise reaches 0.1
    assert cw.placebo_summary(-0.45, placebos)["p_value_one_sided"] == pytest.approx(2 / 21, abs=1e-4)


def test_bootstrap_over_repos_brackets_the_estimate_and_excludes_zero_when_every_deepseek_repo_moves() -> None:
    repos = _base(_jump(100, 300)) + [
        ("deepseek-ai/E", "China", "deepseek", "first_party", _jump(80, 240), OLD),
        ("mistralai/F", "Europe", "mistral", "first_party", _flat(400), OLD),
    ]
    r = _study(repos)
    lo, hi = r["bootstrap_ci95"]["raw"]["deepseek"]
    assert 0 < lo <= r["raw"]["deepseek"] <= hi
    assert r["bootstrap"]["resamples"] == 1000 and "within each group" in r["bootstrap"]["rule"]
    assert r["bootstrap_ci95"]["robust"]["deepseek"] is not None


def test_bootstrap_interval_reaches_zero_when_one_repo_alone_moves() -> None:
    # Three DeepSeek repos, one of which triples: a resample without it (about 30% of draws) shows no change.
    repos = _base(_jump(100, 300)) + [
        ("deepseek-ai/E", "China", "deepseek", "first_party", _flat(100), OLD),
        ("deepseek-ai/F", "China", "deepseek", "first_party", _flat(100), OLD),
    ]
    r = _study(repos)
    lo, hi = r["bootstrap_ci95"]["raw"]["deepseek"]
    assert lo == pytest.approx(0.0, abs=1e-9) and hi >= r["raw"]["deepseek"] > 0.05
