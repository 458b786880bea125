"""Diffusion lags, adoption curves, Kaplan-Meier and direction counts on hand-made releases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from weightatlas.curated import ARCHITECTURE_FACTS, ARCHITECTURE_PRIOR_ART, load_table
from weightatlas.errors import InputError
from weightatlas.indicators.diffusion import (
    FEATURES,
    PriorArt,
    Release,
    direction_count,
    disagreements,
    feature_diffusion,
)
from weightatlas.validate import validate_all
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


# -- issue 9 §5: no claim from absence ------------------------------------------------

FACTS_HEADER = (
    "model,hf_repo,org_id,release_date,family_sizes,derived_from,moe,routed_experts,active_experts,shared_experts,"
    "hidden_size,expert_ffn_size,dense_ffn_size,fine_grained_moe,mla,mtp,attention,gqa_ratio,sliding_window,"
    "hybrid_attention,qk_norm,rope_scaling,context_length,aux_loss_free,source_url,source_kind,source_url_2,"
    "read_from,verified,note"
)
COLUMNS = FACTS_HEADER.split(",")


def facts_row(**cells: str) -> str:
    base = {
        "model": "X", "org_id": "deepseek", "release_date": "2024-12-26", "source_url": "https://arxiv.org/abs/2412.19437",
        "source_kind": "paper", "read_from": "test fixture", "verified": "false",
    }  # fmt: skip
    base.update(cells)
    return ",".join(f'"{base.get(c, "")}"' for c in COLUMNS)


def write_facts(folder: Path, *rows: str) -> Path:
    path = folder / "architecture_facts.csv"
    path.write_text("\n".join([FACTS_HEADER, *rows]) + "\n")
    return path


def test_note_naming_aux_loss_free_with_a_blank_cell_fails_validation(curated: Path) -> None:
    """The only Western aux-loss-free row says noaux_tc in its note but leaves the cell blank."""
    write_facts(
        curated,
        facts_row(model="DeepSeek-V3", moe="true", routed_experts="256", aux_loss_free="true", note="noaux_tc router"),
        facts_row(model="US MoE", org_id="nvidia", moe="true", routed_experts="128", note="Router uses noaux_tc (expert bias)."),
        facts_row(model="US MoE 2", org_id="nvidia", moe="true", routed_experts="128", note="QK-norm on every layer."),
    )
    results = {r.file: r for r in validate_all(curated)}
    errors = results["architecture_facts.csv"].errors
    assert [(e.line, e.field) for e in errors] == [(3, "aux_loss_free"), (4, "qk_norm")]


def test_a_note_may_list_blank_cells_as_unread(curated: Path) -> None:
    write_facts(curated, facts_row(model="US MoE", org_id="nvidia", moe="true", note="Balancing (noaux_tc?) not checked. Unread: aux_loss_free."))
    assert validate_all(curated) and all(r.ok for r in validate_all(curated) if r.file == "architecture_facts.csv")


def test_qk_norm_originator_sentence_is_scoped_and_names_prior_art() -> None:
    releases = [
        rel("Command R+", "cohere", "Rest of world", "2024-04-04", qk_norm=True),
        rel("Qwen3-8B", "alibaba", "China", "2025-04-29", qk_norm=True),
        rel("Llama 3 8B", "meta", "United States", "2024-04-18", qk_norm=False),
    ]
    persimmon = PriorArt("qk_norm", "Persimmon-8B", "Adept", date(2023, 9, 7), "https://www.adept.ai/blog/persimmon-8b")
    scoped = feature_diffusion(releases, "qk_norm", as_of=date(2026, 1, 1), prior_art=[persimmon])
    claim = scoped["originator"]["claim"]
    assert "originated" not in claim
    assert claim.startswith("Earliest release with QK-norm among the 3 releases in the table (pretrained by the developer): Command R+")
    assert "prior art: Persimmon-8B (Adept, 2023-09-07)" in claim
    assert scoped["prior_art"][0]["model"] == "Persimmon-8B"
    unbacked = feature_diffusion(releases, "qk_norm", as_of=date(2026, 1, 1), prior_art=[])
    assert unbacked["originator"]["claim"] == (
        "Earliest release with QK-norm among the 3 releases in the table (pretrained by the developer): "
        "Command R+ (cohere, Rest of world, 2024-04-04); the reviewed prior-art table lists no earlier use."
    )
    assert "No United States release with QK-norm among the 3 releases in the table (pretrained by the developer)." in scoped["statements"]


def test_mla_wording_distinguishes_pretrained_from_derived_releases() -> None:
    r1_1776 = Release(
        "R1-1776", "perplexity-ai/r1-1776", "perplexity", "United States", date(2025, 2, 18),
        {**{f: None for f in FEATURES}, "mla": True}, "https://example.org/r1-1776", "deepseek-ai/DeepSeek-R1", "China",
    )  # fmt: skip
    releases = [*RELEASES, r1_1776]
    mla = feature_diffusion(releases, "mla", as_of=date(2026, 1, 1))
    assert "United States" not in mla["first_adopters"] and "United States" in mla["not_yet_adopted_in"]
    assert mla["population"]["releases"] == 6 and mla["population"]["derived_releases_excluded"] == 1
    assert mla["derived_releases"][0]["model"] == "R1-1776" and mla["derived_releases"][0]["cross_bloc"] is True
    assert "No United States release with Multi-head latent attention (MLA) among the 6 releases in the table (pretrained by the developer)." in mla["statements"]
    assert (
        "United States organisations released Multi-head latent attention (MLA) models built on another bloc's weights: "
        "R1-1776 (on deepseek-ai/DeepSeek-R1)."
    ) in mla["statements"]
    # A derived release is never an adopter, in the KM either.
    assert mla["time_to_adoption"]["United States"]["adopted"] == 0
    direction = direction_count([feature_diffusion([r for r in releases if r.bloc != "Europe"], "mla", as_of=date(2026, 1, 1))])
    assert direction["china_originated_not_adopted_in_west"] == ["mla"]
    assert direction["china_originated_released_in_west_on_chinese_weights"] == ["mla"]


def test_a_sliding_and_sparse_row_parses_and_counts_for_both_features(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        facts_row(model="V4", moe="true", attention="MQA", hybrid_attention="sliding;sparse"),
        facts_row(model="Mistral 7B", org_id="mistral", moe="false", attention="GQA", sliding_window="4096", hybrid_attention="sliding"),
        facts_row(model="Llama 4 Scout", org_id="meta", moe="true", attention="GQA", sliding_window="0", hybrid_attention="chunked"),
    )
    rows = {r["model"]: r for r in load_table(ARCHITECTURE_FACTS, path)}
    sw, hybrid = FEATURES["sliding_window"][1], FEATURES["hybrid_attention"][1]
    assert rows["V4"]["hybrid_attention"] == ("sliding", "sparse")
    assert (sw(rows["V4"]), hybrid(rows["V4"])) == (True, True)
    assert (sw(rows["Mistral 7B"]), hybrid(rows["Mistral 7B"])) == (True, False)
    assert (sw(rows["Llama 4 Scout"]), hybrid(rows["Llama 4 Scout"])) == (False, True)


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"hybrid_attention": "sparse;sliding"}, "hybrid_attention"),  # not sorted
        ({"hybrid_attention": "none;linear"}, "hybrid_attention"),
        ({"hybrid_attention": "sliding+global"}, "hybrid_attention"),  # the old single-value spelling
        ({"sliding_window": "4096", "hybrid_attention": "none"}, "hybrid_attention"),
        ({"derived_from": "DeepSeek R1"}, "derived_from"),
        ({"verified": ""}, "verified"),
        ({"read_from": ""}, "read_from"),
        # 128 experts 8192 wide at d_model 5120 (Llama 4 Maverick's shape) are not fine-grained.
        ({"moe": "true", "routed_experts": "128", "expert_ffn_size": "8192", "hidden_size": "5120", "fine_grained_moe": "true"}, "fine_grained_moe"),
        ({"moe": "true", "routed_experts": "16", "fine_grained_moe": "true"}, "fine_grained_moe"),
    ],
)
def test_architecture_facts_row_rules(tmp_path: Path, cells: dict[str, str], field: str) -> None:
    path = write_facts(tmp_path, facts_row(**cells))
    with pytest.raises(InputError) as info:
        load_table(ARCHITECTURE_FACTS, path)
    assert (info.value.line, info.value.field) == (2, field)


def test_fine_grained_is_derived_from_widths_with_the_crawler_rule(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        facts_row(model="Qwen3-30B-A3B", moe="true", routed_experts="128", expert_ffn_size="768", hidden_size="2048"),
        facts_row(model="gpt-oss-20b", moe="true", routed_experts="32", expert_ffn_size="2880", hidden_size="2880"),
        facts_row(model="Mixtral", moe="true", routed_experts="8", expert_ffn_size="14336", hidden_size="4096"),
        facts_row(model="Maverick", moe="true", routed_experts="128", fine_grained_moe="false"),  # stated, widths unread
    )
    got = {r["model"]: r["fine_grained_moe"] for r in load_table(ARCHITECTURE_FACTS, path)}
    assert got == {"Qwen3-30B-A3B": True, "gpt-oss-20b": True, "Mixtral": False, "Maverick": False}


def test_derived_from_names_a_repo(tmp_path: Path) -> None:
    path = write_facts(tmp_path, facts_row(model="MAI-DS-R1", org_id="microsoft", derived_from="deepseek-ai/DeepSeek-R1"))
    assert load_table(ARCHITECTURE_FACTS, path)[0]["derived_from"] == "deepseek-ai/DeepSeek-R1"


def test_shipped_prior_art_rows_load() -> None:
    rows = load_table(ARCHITECTURE_PRIOR_ART)
    assert {r["feature"] for r in rows} >= {"qk_norm"} and all(r["read_from"] for r in rows)


def test_shipped_table_covers_every_atom_organisation() -> None:
    """Coverage of the merged table (issue 9 §5b). Fails until the researched rows are merged.

    ATOM's tracked_models (snapshot) lists first-party open LLM repos; the list carries no
    dates, so every main-list namespace that maps to a developer organisation is required.
    """
    import duckdb

    from weightatlas.attribution import load_attribution
    from weightatlas.store import SNAPSHOT_DIR

    rows = load_table(ARCHITECTURE_FACTS)  # also enforces min_rows
    assert len(rows) >= 250
    namespaces = [r[0] for r in duckdb.sql(f"SELECT DISTINCT namespace FROM '{SNAPSHOT_DIR / 'tracked_models.parquet'}' WHERE list = 'main'").fetchall()]
    attribution = load_attribution()
    atom_orgs = {org.id for ns in namespaces if (org := attribution.developer_for_namespace(ns))}
    # Covered by org_id, or by a row whose repo sits in the organisation's namespace (google/gemma-*).
    covered = {r["org_id"] for r in rows} | {org.id for r in rows if r["hf_repo"] and (org := attribution.developer_for_namespace(r["hf_repo"].split("/")[0]))}
    missing = atom_orgs - covered
    assert not missing, sorted(missing)


def test_cli_summary_scopes_every_earliest_claim(capsys: pytest.CaptureFixture[str]) -> None:
    from weightatlas import cli

    results = [feature_diffusion(RELEASES, f, as_of=date(2026, 1, 1)) for f in ("mla", "gqa")]
    ind = {"diffusion": {"population": {"releases": 6, "scope": results[0]["population"]["scope"]}, "features": results, "direction": direction_count(results)}}
    cli._print_claims_summary(ind)
    text = " ".join(capsys.readouterr().out.split())
    assert "among the 6 releases in the table (pretrained by the developer)" in text
    assert "originator" not in text
    assert "Not yet pretrained in China among the 6 releases in the table (pretrained by the developer): none." in text
