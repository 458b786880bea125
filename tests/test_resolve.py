"""Model resolution: name keys, effort variants, version ids, aliases, metadata priority, org errors."""

from __future__ import annotations

from datetime import date

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.errors import InputError
from weightatlas.resolve import accessibility_from_licence, base_key, name_key, resolve, split_ref
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow


@pytest.fixture(scope="module")
def attribution():
    return load_attribution()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Claude 3.5 Sonnet (October 2024)", "claude-3.5-sonnet-october-2024"),
        ("fireworks/kimi-k2p5", "kimi-k2p5"),
        ("Qwen/Qwen3-235B-A22B", "qwen3-235b-a22b"),
        ("gpt-5.2-2025-12-11_high", "gpt-5.2-2025-12-11-high"),
        ("  GPT-5.3 Codex\n", "gpt-5.3-codex"),
    ],
)
def test_name_key(raw: str, key: str) -> None:
    assert name_key(raw) == key


@pytest.mark.parametrize(
    ("key", "base"),
    [
        ("gpt-5.2-2025-12-11-high", "gpt-5.2-2025-12-11"),
        ("o3-mini-high", "o3-mini"),
        ("claude-opus-4-5-20251101-thinking-32k", "claude-opus-4-5-20251101"),
        ("qwq-32b-16k-thinking", "qwq-32b"),
        ("o3-2025-04-16-medium", "o3-2025-04-16"),
        # Not effort variants: distinct releases or model names that end like one.
        ("mistral-medium", "mistral-medium"),
        ("kimi-k2-thinking", "kimi-k2-thinking"),
        ("qwen3-max", "qwen3-max"),
    ],
)
def test_base_key_collapses_only_effort_variants(key: str, base: str) -> None:
    assert base_key(key) == base


def test_accessibility_from_licence() -> None:
    assert accessibility_from_licence("Proprietary") == "api"
    assert accessibility_from_licence("Apache 2.0") == "open"
    assert accessibility_from_licence("Llama 3.1 Community") == "open"
    assert accessibility_from_licence("") is None


def test_split_ref() -> None:
    assert split_ref("folder/a.csv:12") == ("folder/a.csv", 12)
    assert split_ref("folder/a.csv:12#col") == ("folder/a.csv", 12)
    assert split_ref("folder/a.json#key") == ("folder/a.json", None)


def model(source: str, ref: str, name: str, **kw) -> ModelRow:
    return ModelRow(source_id=source, ref=ref, name=name, **kw)


def score(source: str, ref: str, name: str, value: float, **kw) -> ScoreRow:
    kw.setdefault("benchmark", "eci")
    return ScoreRow(source_id=source, ref=ref, model_name=name, value=value, snapshot_date=date(2026, 1, 1), independent=True, metric_version="v", **kw)


def test_versions_join_names_and_cross_source_names_match(attribution) -> None:
    rows = {
        "epoch_eci": [
            model("epoch_eci", "e.csv:2", "GPT-4o", variant="gpt-4o-2024-05-13", org_names=("OpenAI",), release_date=date(2024, 5, 13), accessibility="api"),
            model("epoch_eci", "e.csv:3", "GPT-4o", variant="gpt-4o-2024-11-20", org_names=("OpenAI",), release_date=date(2024, 11, 20), accessibility="api"),
            score("epoch_eci", "e.csv:3", "GPT-4o", 130.0, variant="gpt-4o-2024-11-20"),
        ],
        "lmarena_catalog": [
            score("lmarena_catalog", "a.json#gpt-4o-2024-11-20", "gpt-4o-2024-11-20", 1300.0, benchmark="lmarena_text"),
            score("lmarena_catalog", "a.json#glm-4.6", "glm-4.6", 1400.0, benchmark="lmarena_text"),
            SkippedRow("lmarena_catalog", "a.json#x", "untracked"),
        ],
    }
    res = resolve(rows, attribution, aliases=[])
    models = {m.model_id: m for m in res.models}
    gpt4o = models["gpt-4o"]
    assert gpt4o.release_date == date(2024, 5, 13)  # earliest version of the first dated source
    assert gpt4o.org_ids == ["openai"] and gpt4o.countries == ["US"]
    # The arena score keeps its own version's release date, not the family's first release.
    arena = next(s for s in res.scores if s.source_id == "lmarena_catalog" and s.model_id == "gpt-4o")
    assert arena.release_date == date(2024, 11, 20)
    # glm-4.6 is known to one source only: developer from the family rule, no date.
    glm = models["glm-4.6"]
    assert glm.countries == ["CN"] and glm.release_date is None and glm.org_ref.startswith("model_families.csv")
    statuses = {(n.source_id, n.raw_name): n.status for n in res.names}
    assert statuses[("lmarena_catalog", "gpt-4o-2024-11-20")] == "matched_name"
    assert statuses[("lmarena_catalog", "glm-4.6")] == "unmatched"
    assert res.skipped[("lmarena_catalog", "untracked")] == 1


def test_alias_table_links_what_normalisation_cannot(attribution) -> None:
    rows = {
        "epoch_eci": [model("epoch_eci", "e.csv:2", "Llama 3.1-405B", org_names=("Meta AI",), release_date=date(2024, 7, 23), accessibility="open")],
        "livebench": [score("livebench", "t.csv:5", "meta-llama-3.1-405b-instruct-turbo", 50.0, benchmark="livebench")],
    }
    without = resolve(rows, attribution, aliases=[])
    assert next(s for s in without.scores).release_date is None
    aliases = [(base_key(name_key("meta-llama-3.1-405b-instruct-turbo")), base_key(name_key("Llama 3.1-405B")), 2)]
    with_alias = resolve(rows, attribution, aliases=aliases)
    s = next(s for s in with_alias.scores)
    assert s.release_date == date(2024, 7, 23) and s.model_id == "llama-3.1-405b"
    assert {n.status for n in with_alias.names if n.source_id == "livebench"} == {"matched_alias"}


def test_effort_variants_collapse_into_one_model(attribution) -> None:
    rows = {
        "livebench": [
            score("livebench", "t.csv:2", "o3-mini-high", 70.0, benchmark="livebench"),
            score("livebench", "t.csv:3", "o3-mini-low", 60.0, benchmark="livebench"),
        ]
    }
    res = resolve(rows, attribution, aliases=[])
    assert len(res.models) == 1 and res.models[0].model_id == "o3-mini"
    assert {n.status for n in res.names} == {"unmatched"}


def test_merged_status_for_versions_within_one_source(attribution) -> None:
    rows = {
        "epoch_eci": [
            model("epoch_eci", "e.csv:2", "Gemini 2.5 Pro", variant="gemini-2.5-pro-preview-06-05", org_names=("Google DeepMind",), release_date=date(2025, 6, 5)),
            model("epoch_eci", "e.csv:3", "Gemini 2.5 Pro", variant="gemini-2.5-pro", org_names=("Google DeepMind",), release_date=date(2025, 6, 17)),
        ]
    }
    res = resolve(rows, attribution, aliases=[])
    assert {n.status for n in res.names} == {"merged"}


def test_priority_source_wins_metadata(attribution) -> None:
    rows = {
        "epoch_eci": [model("epoch_eci", "e.csv:2", "DeepSeek-R1", org_names=("DeepSeek",), release_date=date(2025, 1, 20), accessibility="open")],
        "llm_stats": [model("llm_stats", "o/m.json", "deepseek-r1", org_names=("DeepSeek",), release_date=date(2025, 1, 21), licence="mit")],
    }
    m = resolve(rows, attribution, aliases=[]).models[0]
    assert (m.release_date, m.release_date_ref, m.licence) == (date(2025, 1, 20), "e.csv:2", "mit")


def test_redistributor_org_is_skipped_as_developer(attribution) -> None:
    rows = {"llm_stats": [model("llm_stats", "m.json", "some-quant", org_names=("unsloth", "Qwen"))]}
    m = resolve(rows, attribution, aliases=[]).models[0]
    assert m.org_ids == ["alibaba"]


def test_unknown_organisation_is_an_input_error(attribution) -> None:
    rows = {"epoch_eci": [model("epoch_eci", "peter/file.csv:17", "Mystery-1", org_names=("Totally Unknown Lab",))]}
    with pytest.raises(InputError) as exc:
        resolve(rows, attribution, aliases=[])
    assert (exc.value.path, exc.value.line, exc.value.field) == ("peter/file.csv", 17, "organization")
    assert "Totally Unknown Lab" in str(exc.value)


def test_unknown_declared_country_is_an_input_error(attribution) -> None:
    rows = {"epoch_eci": [model("epoch_eci", "f.csv:4", "X", org_names=("OpenAI",), org_countries=("Atlantis",))]}
    with pytest.raises(InputError) as exc:
        resolve(rows, attribution, aliases=[])
    assert (exc.value.line, exc.value.field) == (4, "country")


def test_declared_country_disagreement_is_recorded_not_fatal(attribution) -> None:
    rows = {"epoch_eci": [model("epoch_eci", "f.csv:4", "X", org_names=("OpenAI",), org_countries=("France",))]}
    res = resolve(rows, attribution, aliases=[])
    assert res.conflicts == [{"org_id": "openai", "curated_country": "US", "source_countries": "FR", "ref": "f.csv:4"}]


def test_lower_priority_grouping_cannot_merge_models_a_higher_source_keeps_apart(attribution) -> None:
    rows = {
        "epoch_eci": [
            model("epoch_eci", "e.csv:2", "DeepSeek-V3", variant="DeepSeek-V3", org_names=("DeepSeek",), release_date=date(2024, 12, 26)),
            model("epoch_eci", "e.csv:3", "DeepSeek-V3 (Mar 2025)", variant="DeepSeek-V3-0324", org_names=("DeepSeek",), release_date=date(2025, 3, 24)),
        ],
        "epoch_benchmarks": [
            # The Hub groups the March version under the family name.
            model("epoch_benchmarks", "v.csv:9", "DeepSeek-V3", variant="DeepSeek-V3-0324", release_date=date(2025, 3, 24)),
            score("epoch_benchmarks", "r.csv:4", "DeepSeek-V3", 60.0, variant="DeepSeek-V3-0324", benchmark="gpqa_diamond"),
        ],
    }
    res = resolve(rows, attribution, aliases=[])
    assert sorted(m.model_id for m in res.models) == ["deepseek-v3", "deepseek-v3-mar-2025"]
    hub = res.scores[0]
    assert (hub.model_id, hub.release_date) == ("deepseek-v3-mar-2025", date(2025, 3, 24))
    assert res.refused_merges and res.refused_merges[0]["source_id"] == "epoch_benchmarks"


def test_a_score_takes_the_release_date_its_own_row_states(attribution) -> None:
    rows = {
        "epoch_eci": [model("epoch_eci", "e.csv:2", "DeepSeek-V3", org_names=("DeepSeek",), release_date=date(2024, 12, 26))],
        "epoch_eci_ci": [
            model("epoch_eci_ci", "t.csv:5", "DeepSeek-V3", org_names=("DeepSeek",), release_date=date(2025, 3, 24)),
            score("epoch_eci_ci", "t.csv:5", "DeepSeek-V3", 136.5),
        ],
    }
    res = resolve(rows, attribution, aliases=[])
    assert res.scores[0].release_date == date(2025, 3, 24)
