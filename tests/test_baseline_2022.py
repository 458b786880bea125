"""indicators.adoption.baseline_2022 on a hand-made mid-2022 listing with known answers."""

from __future__ import annotations

import duckdb
from history_fixtures import LISTING_2022_DDL

from weightatlas.indicators import baseline_2022 as b22


def _con(rows):
    con = duckdb.connect(":memory:")
    con.execute(LISTING_2022_DDL)
    for i, (repo, ns, org, bloc, role, dl, modality) in enumerate(rows):
        con.execute("INSERT INTO hub_listing_2022 VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, 'test')", [repo, f"f.csv:{i + 2}", ns, org, bloc, role, dl, modality])
    return con


ROWS = [
    ("bert-base-uncased", None, "google", "United States", "first_party", 600, "embedding"),
    ("gpt2", None, "openai", "United States", "first_party", 200, "llm"),
    ("mystery-legacy", None, None, "Unknown", "individual", 100, "other"),
    ("BAAI/x", "BAAI", "baai", "China", "first_party", 50, "llm"),
    ("someone/q", "someone", None, "Unknown", "repack", 50, "llm"),
]


def test_shares_by_bloc_all_and_llm_only():
    out = b22.compute_from(_con(ROWS))
    assert out["all_modalities"]["total"] == 950
    assert out["all_modalities"]["by_bloc"]["United States"]["share"] == round(800 / 950, 4)
    assert out["llm_only"]["by_bloc"]["China"]["share"] == round(50 / 250, 4)
    assert out["all_modalities"]["repos"] == 4 and out["repack_channel"]["downloads"] == 50
    assert "Hugging Face Hub only" in " ".join(out["caveats"])


def test_legacy_match_rate_by_repos_and_downloads():
    out = b22.compute_from(_con(ROWS))
    legacy = out["legacy_repos"]
    assert legacy["repos"] == 3 and legacy["matched_repos"] == 2
    assert legacy["match_rate_downloads"] == round(800 / 900, 4)
    assert legacy["share_of_all_downloads"] == round(900 / 1000, 4)
