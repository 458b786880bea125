"""indicators.adoption.finetune_history on hand-made bases with known answers."""

from __future__ import annotations

from datetime import date

import duckdb
from history_fixtures import FINETUNE_HISTORY_DDL

from weightatlas.indicators import finetune_history as fh


def _con(bases):
    """bases: (repo, bloc, modality, created_at, [new fine-tunes per window])."""
    con = duckdb.connect(":memory:")
    con.execute(FINETUNE_HISTORY_DDL)
    for repo, bloc, modality, created, news in bases:
        total = 0
        for m, n in enumerate(news):
            total += n
            con.execute(
                "INSERT INTO finetune_history VALUES (?, ?, 'X', ?, ?, ?, ?, 'test', ?, ?, ?)",
                [repo, f"fixture/X.csv:{m + 2}", repo.split("/")[0], bloc, repo.split("/")[0], modality, created, m, total],
            )
    return con


def test_window_is_assigned_to_the_month_in_which_it_ends():
    # Created 2024-01-10: the 0-month value is the creation day (January); window 1 ends 2024-02-09 (February),
    # window 2 ends 2024-03-10 (March).
    out = fh.compute_from(_con([("qwen/a", "China", "llm", date(2024, 1, 10), [0, 5, 7])]))
    months = {m["period"]: m for m in out["variants"]["all_modalities"]["monthly"]}
    assert months["2024-01"]["total"] == 0
    assert months["2024-02"]["total"] == 5 and months["2024-03"]["total"] == 7
    assert "ends" in out["assignment"]


def test_swarm_window_is_flagged_and_removed_from_robust():
    news_us = [100] * 12
    news_cn = [100] * 6 + [15_000] + [100] * 5
    out = fh.compute_from(
        _con([("meta/b", "United States", "llm", date(2023, 1, 1), news_us), ("qwen/a", "China", "llm", date(2023, 1, 1), news_cn)])
    )
    assert [(r["base_repo"], r["windows"], r["fine_tunes"]) for r in out["quality"]["flagged_runs"]] == [("qwen/a", 1, 15_000)]
    swarm = next(m for m in out["variants"]["all_modalities"]["monthly"] if m["by_bloc"]["China"]["new"] == 15_000)
    assert swarm["by_bloc"]["China"]["share"] > 0.99
    assert swarm["by_bloc"]["China"]["share_robust"] is None or swarm["by_bloc"]["China"]["share_robust"] == 0.0


def test_first_month_of_a_three_month_run_above_thresholds():
    # China's share: 10%, 30%, 30%, 60%, 60%, 60% at months_after 0..5, ending 2023-01-15, 02-14, 03-16, 04-15, 05-15, 06-14.
    cn = [10, 30, 30, 60, 60, 60]
    us = [90, 70, 70, 40, 40, 40]
    out = fh.compute_from(
        _con([("qwen/a", "China", "llm", date(2023, 1, 15), cn), ("meta/b", "United States", "llm", date(2023, 1, 15), us)])
    )
    first = out["variants"]["all_modalities"]["china_share_runs"]
    assert first["above_25"]["first_month"] == "2023-02"
    assert first["above_50"]["first_month"] == "2023-04"


def test_no_run_says_not_within_the_data():
    out = fh.compute_from(_con([("meta/b", "United States", "llm", date(2023, 1, 1), [5, 5, 5, 5])]))
    run = out["variants"]["all_modalities"]["china_share_runs"]["above_25"]
    assert run["first_month"] is None
    assert "not within the data" in run["statement"]


def test_llm_only_and_by_family():
    out = fh.compute_from(
        _con([("qwen/a", "China", "llm", date(2023, 1, 1), [5]), ("facebook/mms", "United States", "speech", date(2023, 1, 1), [50])])
    )
    month = out["variants"]["llm_only"]["monthly"][0]
    assert month["by_bloc"]["China"]["share"] == 1.0
    assert {f["family"] for f in out["variants"]["all_modalities"]["by_family"]} == {"qwen", "facebook"}
    assert any(r["modality"] == "speech" for r in out["by_modality"])


def test_a_window_that_ends_after_the_data_date_is_kept_and_listed_as_partial():
    # Created 2025-01-20 (DeepSeek-R1's day): window 1 would end 2025-02-19, one day after the data date
    # (2025-02-18), so it holds 29 of its 30 days. It is counted in February and listed as partial.
    out = fh.compute_from(_con([("deepseek-ai/r", "China", "llm", date(2025, 1, 20), [0, 1_280])]))
    months = {m["period"]: m["total"] for m in out["variants"]["all_modalities"]["monthly"]}
    assert months == {"2025-01": 0, "2025-02": 1_280}
    assert out["quality"]["partial_windows"] == [
        {"base_repo": "deepseek-ai/r", "months_after": 1, "window_end": "2025-02-19", "days_observed": 29, "new": 1_280}
    ]
    assert any("2025-02-18" in c and "partial" in c for c in out["caveats"])
