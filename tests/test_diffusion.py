"""Diffusion lags, adoption curves, Kaplan-Meier and direction counts on hand-made releases."""

from __future__ import annotations

from datetime import date

import pytest

from weightatlas.indicators.diffusion import (
    FEATURES,
    Release,
    direction_count,
    disagreements,
    feature_diffusion,
)
from weightatlas.indicators.frontier import DAYS_PER_MONTH, months_between


def rel(model: str, org: str, bloc: str, day: str, **features: bool | None) -> Release:
    feats = {f: None for f in FEATURES}
    feats.update(features)
    return Release(model, None, org, bloc, date.fromisoformat(day), feats, f"https://example.org/{model}")


RELEASES = [
    rel("CN-1", "deepseek", "China", "2024-05-06", mla=True, gqa=False),
    rel("US-1", "meta", "United States", "2024-07-23", mla=False, gqa=True),
    rel("CN-2", "alibaba", "China", "2024-09-19", mla=False, gqa=True),
    rel("EU-1", "mistral", "Europe", "2025-12-02", mla=True, gqa=False),
    rel("US-2", "openai", "United States", "2025-08-05", mla=False, gqa=True),
    rel("RW-1", "tii", "Rest of world", "2023-05-25", gqa=True),
]


def test_originator_first_adopters_and_lags() -> None:
    mla = feature_diffusion(RELEASES, "mla", as_of=date(2026, 1, 1))
    assert mla["originator"]["model"] == "CN-1" and mla["originator"]["bloc"] == "China"
    assert mla["first_adopters"] == {
        "Europe": {"model": "EU-1", "org_id": "mistral", "released": "2025-12-02", "lag_months": round((date(2025, 12, 2) - date(2024, 5, 6)).days / DAYS_PER_MONTH, 2), "source": "https://example.org/EU-1"}
    }
    assert mla["not_yet_adopted_in"] == ["United States"]
    assert (mla["releases_with"], mla["releases_known"]) == (2, 5)


def test_adoption_curve_is_share_of_known_releases_per_quarter() -> None:
    gqa = feature_diffusion(RELEASES, "gqa", as_of=date(2026, 1, 1))
    assert gqa["originator"]["model"] == "RW-1"
    curve = {(c["quarter"], c["bloc"]): c["share"] for c in gqa["adoption_curve"]}
    assert curve[("2024-Q2", "China")] == 0.0 and curve[("2024-Q3", "China")] == 1.0
    assert curve[("2024-Q3", "United States")] == 1.0


def test_kaplan_meier_censors_developers_not_adopting() -> None:
    mla = feature_diffusion(RELEASES, "mla", as_of=date(2026, 1, 1))
    km = mla["time_to_adoption"]
    # US developers (meta, openai) never adopted: both censored, share adopted stays 0.
    assert km["United States"]["adopted"] == 0 and km["United States"]["curve"] == [] and km["United States"]["median_months"] is None
    # China: deepseek adopts at 0 months, alibaba is censored: half adopted at t = 0.
    assert km["China"]["curve"][0] == {"months": 0.0, "adopted_share": 0.5, "at_risk": 2}
    assert km["China"]["median_months"] == 0.0


def test_direction_count() -> None:
    results = [feature_diffusion(RELEASES, f, as_of=date(2026, 1, 1)) for f in ("mla", "gqa")]
    direction = direction_count(results)
    assert direction["china_to_west"] == ["mla"]
    assert direction["west_to_china"] == []  # GQA originated in the Rest of world here
    assert direction["counts"] == {"china_to_west": 1, "west_to_china": 0}


def test_feature_never_seen() -> None:
    result = feature_diffusion(RELEASES, "mtp", as_of=date(2026, 1, 1))
    assert result["originator"] is None and result["releases_known"] == 0


def test_months() -> None:
    assert months_between(date(2024, 3, 1), date(2024, 1, 1)) == round(60 / DAYS_PER_MONTH, 2)


def test_curated_and_crawled_facts_must_agree() -> None:
    curated = [{"model": "DeepSeek-V3", "hf_repo": "deepseek-ai/DeepSeek-V3", "source_url": "https://x", "moe": True, "routed_experts": 256, "active_experts": 8, "shared_experts": 1, "mla": True, "mtp": True, "attention": "MLA", "qk_norm": False, "context_length": 163840}]
    crawled = [{"repo_id": "deepseek-ai/DeepSeek-V3", "moe": True, "moe_routed_experts": 256, "moe_active_experts": 8, "moe_shared_experts": 1, "mla": True, "mtp": False, "attention": "MLA", "qk_norm": None, "context_length": 163840}]
    compared, found = disagreements(curated, crawled)
    assert compared == 1
    assert found == [{"model": "DeepSeek-V3", "repo": "deepseek-ai/DeepSeek-V3", "feature": "mtp", "curated": True, "crawled": False, "curated_source": "https://x"}]


@pytest.mark.parametrize("feature", list(FEATURES))
def test_every_feature_has_a_label_and_a_predicate(feature: str) -> None:
    label, predicate = FEATURES[feature]
    assert label and predicate({}) in (None, False)
