"""indicators.adoption.download_history on hand-made histories with known answers."""

from __future__ import annotations

from datetime import date

from history_fixtures import history_con, repo

from weightatlas.indicators import download_history as dh

DAYS = 92  # 2024-07-02 .. 2024-10-01


def _month(block, period):
    return next(m for m in block["monthly"] if m["period"] == period)


def _fixture():
    repos = [
        repo("qwen/a", "China", org_id="qwen"),
        repo("meta/b", "United States", org_id="meta"),
        repo("mistral/c", "Europe", org_id="mistral"),
        repo("late/d", "United States", org_id="late"),  # counter starts after the panel date
        repo("ci/dummy", "Unknown", role="excluded", reason="CI test dummy"),
        repo("bartowski/q", "Unknown", org_id=None, role="repack", root_bloc="China"),
        repo("qwen/tts", "China", org_id="qwen", modality="speech"),
    ]
    # First day of each is the counter's start (a big first value that must not count).
    daily = {
        "qwen/a": [1_000_000] + [1_000] * 59 + [10_000_000] * 28 + [1_000] * 4,  # plateau 2024-08-31 .. 2024-09-27
        "meta/b": [5_000_000] + [3_000] * 91,
        "mistral/c": [7] + [1_000] * 91,
        "late/d": [0] * 70 + [9] + [2_000] * 21,
        "ci/dummy": [1] + [50_000_000] * 91,
        "bartowski/q": [3] + [500] * 91,
        "qwen/tts": [4] + [1_000] * 91,
    }
    return history_con(repos, daily)


def test_counter_start_excluded_repo_and_repack_channel():
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1))
    cohort = out["variants"]["all_modalities"]["cohort"]
    july = _month(cohort, "2024-07")
    # July 2..31: 30 days, the first is each counter's start -> 29 counted days.
    assert july["by_bloc"]["China"]["downloads"] == 29 * 1_000 * 2
    assert july["by_bloc"]["United States"]["downloads"] == 29 * 3_000
    assert july["total"] == 29 * (2_000 + 3_000 + 1_000)
    assert out["quality"]["excluded"] == [{"repo_id": "ci/dummy", "reason": "CI test dummy"}]
    assert _month(out["repack_channel"], "2024-07")["by_root_bloc"]["China"]["downloads"] == 29 * 500


def test_plateau_is_one_flagged_run_and_robust_share_removes_it():
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1))
    runs = out["quality"]["flagged_runs"]
    assert runs == [
        {"repo_id": "qwen/a", "start": "2024-08-31", "end": "2024-09-27", "days": 28, "downloads": 280_000_000, "baseline": 1000.0}
    ]
    sep = _month(out["variants"]["all_modalities"]["cohort"], "2024-09")
    china = sep["by_bloc"]["China"]
    assert china["share"] > 0.9
    # Robust: the run removed; China is then qwen/a 3 days + qwen/tts 30 days of 1,000 against US 3,000 a day,
    # Europe 1,000 a day and late/d 2,000 a day from 11 September (its counter started on the 10th).
    assert china["share_robust"] == round(33_000 / (33_000 + 90_000 + 30_000 + 40_000), 4)
    assert china["loo_dropped"] == "qwen/a"
    assert china["share_loo"] == round(30_000 / (30_000 + 30 * 3_000 + 30 * 1_000 + 20 * 2_000), 4)
    assert china["ci95"][0] <= china["share"] <= china["ci95"][1]
    assert sep["concentration"]["China"]["largest_repo_share"] > 0.99


def test_balanced_panel_leaves_out_repos_started_later():
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1))
    panel = out["variants"]["all_modalities"]["balanced_panel"]
    assert panel["start"] == "2024-08-01" and panel["repos"] == 4
    assert "United States" in _month(panel, "2024-09")["by_bloc"]
    assert _month(panel, "2024-09")["by_bloc"]["United States"]["downloads"] == 30 * 3_000
    assert out["variants"]["all_modalities"]["cohort"]["repos"] == 5


def test_llm_only_variant_drops_speech():
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1))
    july = _month(out["variants"]["llm_only"]["cohort"], "2024-07")
    assert july["by_bloc"]["China"]["downloads"] == 29 * 1_000


def test_weekly_iso_periods_and_hhi_by_org():
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1))
    cohort = out["variants"]["all_modalities"]["cohort"]
    assert cohort["weekly"][0]["period"] == "2024-W27"
    assert cohort["weekly"][0]["days"] == 6  # Tue 2 .. Sun 7 July
    assert 0 < _month(cohort, "2024-07")["hhi_org"] <= 10_000
    assert any(o["org_id"] == "qwen" for o in cohort["by_org"])
    assert "Hugging Face Hub only" in " ".join(out["caveats"])


def test_no_history_tables_rows_gives_an_empty_block():
    from history_fixtures import history_con as hc

    out = dh.compute_from(hc([], {}), panel_start=date(2024, 8, 1))
    assert out["available"] is False
