"""Issue 10's figures end to end on the embedded snapshot (real data, built from ../shared/data).

`test_embedded_snapshot.py::test_committed_snapshot_matches_a_fresh_build` ties the snapshot to the raw
files; these tests tie the published figures to the snapshot: what the rules must and must not flag in
the real histories, and the shape every figure must keep.
"""

from __future__ import annotations

import math

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.indicators import build_document
from weightatlas.store import Store


@pytest.fixture(scope="module")
def doc() -> dict:
    with Store.open() as store:
        return build_document(store, load_attribution(), only=["adoption", "inference_usage", "regulation"])


def test_download_history_period_and_exclusions(doc: dict) -> None:
    dh = doc["indicators"]["adoption"]["download_history"]
    assert dh["period"] == {"first_day": "2024-07-02", "last_day": "2025-02-18", "days": 232}
    assert dh["quality"]["excluded"] and all(e["reason"] for e in dh["quality"]["excluded"])


def test_the_big_plateau_is_flagged_and_release_ramps_are_not(doc: dict) -> None:
    runs = doc["indicators"]["adoption"]["download_history"]["quality"]["flagged_runs"]
    top = runs[0]
    # Qwen2.5-1.5B-Instruct: ~50M a day from 2024-10-02, a second plateau in November, back near 400,000 a day by 2024-12-21.
    assert (top["repo_id"], top["start"], top["end"]) == ("Qwen/Qwen2.5-1.5B-Instruct", "2024-10-02", "2024-12-20")
    flagged = {r["repo_id"] for r in runs}
    # Smooth ramps from release to 0.2-1.9M a day (read off the histories): growth, not bursts.
    for organic in ("Qwen/Qwen2.5-3B-Instruct", "jinaai/jina-embeddings-v3", "Qwen/Qwen2.5-Math-7B-Instruct", "facebook/sam2.1-hiera-large"):
        assert organic not in flagged, organic
    # The floor: every day of a run is above 10 x max(baseline, 50,000), so a run holds more than 500,000 a day.
    assert all(r["downloads"] > 500_000 * r["days"] for r in runs)


@pytest.mark.parametrize("variant", ["all_modalities", "llm_only"])
@pytest.mark.parametrize("population", ["cohort", "balanced_panel"])
def test_monthly_shares_are_complete_and_side_by_side(doc: dict, variant: str, population: str) -> None:
    block = doc["indicators"]["adoption"]["download_history"]["variants"][variant][population]
    assert [m["period"] for m in block["monthly"]] == ["2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    for m in block["monthly"]:
        shares = [b["share"] for b in m["by_bloc"].values()]
        assert math.isclose(sum(shares), 1.0, abs_tol=5e-4), (m["period"], shares)
        for b in ("China", "United States", "Europe"):
            x = m["by_bloc"][b]
            assert {"share", "share_robust", "share_loo", "loo_dropped", "ci95"} <= set(x)
            lo, hi = x["ci95"]
            assert lo <= hi


def test_robust_share_differs_from_raw_where_a_burst_decides_the_month(doc: dict) -> None:
    months = {m["period"]: m for m in doc["indicators"]["adoption"]["download_history"]["variants"]["llm_only"]["cohort"]["monthly"]}
    oct_cn = months["2024-10"]["by_bloc"]["China"]
    # One Qwen repo is most of China's October; with its plateau removed China's share falls by tens of points.
    assert oct_cn["share"] - oct_cn["share_robust"] > 0.3
    assert months["2024-10"]["concentration"]["China"]["largest_repo_share"] > 0.8


def test_finetune_partial_windows_are_the_r1_release(doc: dict) -> None:
    ft = doc["indicators"]["adoption"]["finetune_history"]
    partial = ft["quality"]["partial_windows"]
    assert len(partial) == 8 and {p["window_end"] for p in partial} == {"2025-02-19"} and {p["days_observed"] for p in partial} == {29}
    assert all(p["base_repo"].startswith("deepseek-ai/DeepSeek-R1") for p in partial)
    for variant in ("all_modalities", "llm_only"):
        runs = ft["variants"][variant]["china_share_runs"]
        assert set(runs) == {"above_25", "above_50"}
        for r in runs.values():
            assert ("among the" in r["statement"]) and ("bases in the data" in r["statement"])


def test_inference_usage_two_series_with_n_and_a_splice(doc: dict) -> None:
    iu = doc["indicators"]["inference_usage"]
    series = iu["series"]
    assert len(series["openrouter_johnbean393"]["weeks"]) == 26 and len(series["openrouter_kimstore"]["weeks"]) == 11
    for s in series.values():
        for w in s["weeks"]:
            assert 8 <= w["n_models"] <= 20
    assert iu["splice"]["last_week_before"] < iu["splice"]["first_week_after"]


def test_compound_window_on_the_real_panel(doc: dict) -> None:
    cw = doc["indicators"]["regulation"]["event_study"]["compound_window"]
    assert cw["design"] == "daily_compound_window" and cw["status"] == "estimated"
    assert cw["periods"]["post"] == ["2025-01-21", "2025-02-18"] and cw["periods"]["pre"] == ["2024-12-23", "2025-01-19"]
    for kind in ("raw", "robust"):
        for g in ("deepseek", "china_other"):
            p = cw["placebo"][kind][g]
            assert p["status"] == "ok" and p["dates"] >= 100
            lo, hi = cw["bootstrap_ci95"][kind][g]
            assert lo <= hi
    assert cw["bans"]["after_data_end"], "the later bans are listed as outside the window"


def test_compound_window_llm_only_carries_its_bootstrap_interval(doc: dict) -> None:
    llm = doc["indicators"]["regulation"]["event_study"]["compound_window"]["llm_only"]
    for kind in ("raw", "robust"):
        lo, hi = llm["bootstrap_ci95"][kind]["deepseek"]
        assert lo <= hi
