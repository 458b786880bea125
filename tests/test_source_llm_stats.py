from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import llm_stats
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

F = llm_stats.SOURCE.folder
ORGS = f"{F}/data/organizations"
SNAP = date(2025, 10, 16)


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(llm_stats.read(fixture_data))
    assert rows == [
        ModelRow("llm_stats", f"{ORGS}/ai21/models/jamba-1.5-mini/model.json:1", "jamba-1.5-mini", display_name="Jamba 1.5 Mini",
                 org_names=("AI21 Labs",), org_countries=(), release_date=None, accessibility="open",
                 params_total=52e9, licence="jamba_open_model_license", hf_repo=None),
        ModelRow("llm_stats", f"{ORGS}/mistral/models/magistral-medium/model.json:1", "magistral-medium", display_name="Magistral Medium",
                 org_names=("Mistral AI",), org_countries=("FR",), release_date=date(2025, 6, 10), accessibility=None,
                 params_total=24e9, licence="apache_2_0"),
        ModelRow("llm_stats", f"{ORGS}/openai/models/gpt-4o-2024-08-06/model.json:1", "gpt-4o-2024-08-06", display_name="GPT-4o",
                 org_names=("OpenAI",), org_countries=("US",), release_date=date(2024, 8, 6), accessibility="api",
                 params_total=None, licence="proprietary"),
        ScoreRow("llm_stats", f"{ORGS}/openai/models/gpt-4o-2024-08-06/benchmarks.json:1", "gpt-4o-2024-08-06", "mmlu_pro", 72.6,
                 SNAP, True, "llm-stats: 0-shot CoT"),
        ScoreRow("llm_stats", f"{ORGS}/openai/models/gpt-4o-2024-08-06/benchmarks.json:4", "gpt-4o-2024-08-06", "hle", 5.3,
                 SNAP, False, "llm-stats: unspecified"),
        ModelRow("llm_stats", f"{ORGS}/qwen/models/qwen3-32b/model.json:1", "qwen3-32b", display_name="Qwen3 32B",
                 org_names=("Alibaba Cloud / Qwen Team",), org_countries=("CN",), release_date=date(2025, 4, 29),
                 accessibility="open", params_total=32.8e9, licence="apache_2_0", hf_repo="Qwen/Qwen3-32B"),
        ScoreRow("llm_stats", f"{ORGS}/qwen/models/qwen3-32b/benchmarks.json:2", "qwen3-32b", "gpqa_diamond", 68.4,
                 SNAP, False, "llm-stats: Diamond, Pass@1"),
        SkippedRow("llm_stats", f"{ORGS}/qwen/models/qwen3-32b/benchmarks.json:13", "untracked benchmark: ifeval"),
        ScoreRow("llm_stats", f"{ORGS}/qwen/models/qwen3-32b/benchmarks.json:24", "qwen3-32b", "aider_polyglot", 40.0,
                 SNAP, False, "llm-stats: unspecified"),
    ]
    gpqa = rows[6]
    assert isinstance(gpqa, ScoreRow)
    assert gpqa.extra == {
        "analysis_method": "Diamond, Pass@1",
        "benchmark_name": "GPQA",
        "self_reported_source_link": "https://qwenlm.github.io/blog/qwen3/",
        "verified_by_llmstats": "false",
        "gpqa_subset": "diamond",
    }


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, F)


def test_bad_release_date(data_copy: Path) -> None:
    path = replace_once(data_copy / ORGS / "qwen/models/qwen3-32b/model.json", '"2025-04-29"', '"29/04/2025"', count=None)
    assert_input_error(lambda: llm_stats.read(data_copy), path, 5, "release_date")


def test_non_numeric_score(data_copy: Path) -> None:
    path = replace_once(data_copy / ORGS / "qwen/models/qwen3-32b/benchmarks.json", '"score": 0.4,', '"score": "40%",', count=None)
    assert_input_error(lambda: llm_stats.read(data_copy), path, 27, "score")


def test_score_above_max(data_copy: Path) -> None:
    path = replace_once(data_copy / ORGS / "qwen/models/qwen3-32b/benchmarks.json", '"score": 0.684,', '"score": 68.4,', count=None)
    assert_input_error(lambda: llm_stats.read(data_copy), path, 5, "score")


def test_missing_key(data_copy: Path) -> None:
    path = replace_once(data_copy / ORGS / "openai/models/gpt-4o-2024-08-06/benchmarks.json", '"is_self_reported": true,', "", count=None)
    assert_input_error(lambda: llm_stats.read(data_copy), path, 4, "is_self_reported")


def test_unknown_organization(data_copy: Path) -> None:
    path = replace_once(
        data_copy / ORGS / "mistral/models/magistral-medium/model.json",
        '"organization_id": "mistral"',
        '"organization_id": "mistralai"',
        count=None,
    )
    assert_input_error(lambda: llm_stats.read(data_copy), path, 4, "organization_id")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(llm_stats.read(shared_data))
    kinds = Counter(type(r).__name__ for r in rows)
    assert kinds == {"ModelRow": 169, "ScoreRow": 637, "SkippedRow": 1587}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    assert Counter(r.benchmark for r in scores) == {
        "gpqa_diamond": 130, "mmlu": 80, "mmlu_pro": 68, "math": 64, "humaneval": 63, "livecodebench": 50,
        "aime_2025": 49, "aime_2024": 45, "swe_bench_verified": 36, "hle": 31, "aider_polyglot": 21,
    }
    assert all(0 <= r.value <= 100 for r in scores)
    assert sum(r.independent for r in scores) == 6
    assert all(r.reason.startswith("untracked benchmark: ") for r in rows if isinstance(r, SkippedRow))
    models = {r.name: r for r in rows if isinstance(r, ModelRow)}
    assert models["deepseek-r1"].org_countries == ("CN",)
    assert models["gemma-3n-e4b"].accessibility == "open"  # HF weights override the "proprietary" licence
