from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

import weightatlas
from weightatlas.sources import epoch_benchmarks
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

FOLDER = "VinodGeorge24__AI_Benchmark"
RUNS = "data/benchmarks_runs.csv"
VERSIONS = "data/model_versions.csv"
MASTER = "data/master.csv"
US = "United States of America"


def at(rel: str, line: int) -> str:
    return f"{FOLDER}/{rel}:{line}"


def score(line: int, name: str, variant: str, benchmark: str, task: str, value: float) -> ScoreRow:
    return ScoreRow(
        source_id="epoch_benchmarks",
        ref=at(RUNS, line),
        model_name=name,
        benchmark=benchmark,
        value=value,
        snapshot_date=date(2025, 5, 12),
        independent=True,
        metric_version=f"Epoch Benchmarking Hub, {task}",
        variant=variant,
    )


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(epoch_benchmarks.read(fixture_data))
    assert rows == [
        # One model row per version that has a run, in model_versions.csv order
        # (QwQ-32B and sonar have none).
        ModelRow(
            source_id="epoch_benchmarks",
            ref=at(VERSIONS, 3),
            name="Claude 2",
            variant="claude-2.0",
            org_names=("Anthropic",),
            org_countries=(US,),
            release_date=date(2023, 7, 11),
        ),
        ModelRow(
            source_id="epoch_benchmarks",
            ref=at(VERSIONS, 4),
            name="o3-mini",
            display_name="o3-mini (high)",
            variant="o3-mini-2025-01-31_high",
            org_names=("OpenAI",),
            org_countries=(US,),
            release_date=date(2025, 1, 31),
        ),
        ModelRow(
            source_id="epoch_benchmarks",
            ref=at(VERSIONS, 6),
            name="Claude 3.7 Sonnet",
            variant="claude-3-7-sonnet-20250219",
            org_names=("Anthropic",),
            org_countries=(US,),
            release_date=date(2025, 2, 24),
        ),
        # Not in master.csv: no developer; the id's trailing space is stripped.
        ModelRow(
            source_id="epoch_benchmarks",
            ref=at(VERSIONS, 7),
            name="phi-3-medium 14B",
            variant="Phi-3-medium-128k-instruct",
            release_date=date(2024, 4, 23),
            hf_repo="microsoft/Phi-3-medium-128k-instruct",
        ),
        score(2, "Claude 2", "claude-2.0", "gpqa_diamond", "GPQA diamond", 34.65909090909091),
        score(3, "Claude 2", "claude-2.0", "math_level_5", "MATH level 5", 11.72583081570997),
        score(4, "o3-mini", "o3-mini-2025-01-31_high", "otis_mock_aime", "OTIS Mock AIME 2024-2025", 86.66666666666667),
        score(5, "o3-mini", "o3-mini-2025-01-31_high", "frontiermath", "FrontierMath-2025-02-28-Public", 40.0),
        SkippedRow("epoch_benchmarks", at(RUNS, 6), "untracked benchmark: FrontierMath-2025-02-28-Private"),
        score(7, "Claude 3.7 Sonnet", "claude-3-7-sonnet-20250219", "swe_bench_verified", "SWE-Bench verified", 52.2),
        score(8, "phi-3-medium 14B", "Phi-3-medium-128k-instruct", "gpqa_diamond", "GPQA diamond", 27.58838383838384),
    ]
    extras = [row.extra for row in rows if isinstance(row, ScoreRow)]
    assert extras[0] == {"run_id": "mTa4f52zsEuxdrPy7WfQvX", "scores": "choice:0.35±0.03"}
    assert extras[1] == {
        "run_id": "Gs4vxvDD5wmrSvyTkqx2YV",
        "scores": "normalized_string_match:0.1±0.01,sympy_equiv:0.1±0.01,model_graded_equiv:0.12±0.01",
    }


@pytest.fixture
def tree(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, FOLDER)


@pytest.mark.parametrize(
    ("rel", "old", "new", "line", "field"),
    [
        (RUNS, ",0.522,", ",52.2%,", 7, "Best score (across scorers)"),
        # Already a percentage: outside 0-1.
        (RUNS, ",0.522,", ",52.2,", 7, "Best score (across scorers)"),
        # Even a skipped (untracked) run is validated.
        (RUNS, ",0.1103448275862069,", ",,", 6, "Best score (across scorers)"),
        (RUNS, "FrontierMath-2025-02-28-Public,o3-mini-2025-01-31_high", "FrontierMath-2025-02-28-Public,o3-mini-high", 5, "model"),
        (VERSIONS, "o3-mini,2025-01-31", "o3-mini,31/01/2025", 4, "Version release date"),
        (VERSIONS, "\nsonar,", "\nclaude-2.0,", 8, "id"),
        # A second developer for the same model name.
        (MASTER, "0.1172583081570997,Anthropic", "0.1172583081570997,Google", 3, "Organization"),
    ],
)
def test_bad_values(tree: Path, rel: str, old: str, new: str, line: int, field: str) -> None:
    path = replace_once(tree / FOLDER / rel, old, new)
    assert_input_error(lambda: epoch_benchmarks.read(tree), path, line, field)


@pytest.mark.parametrize(
    ("rel", "old", "new", "field"),
    [
        (RUNS, ",task,", ",benchmark,", "task"),
        (VERSIONS, ",Version release date,", ",Released,", "Version release date"),
        (MASTER, ",Organization,", ",Org,", "Organization"),
    ],
)
def test_missing_column(tree: Path, rel: str, old: str, new: str, field: str) -> None:
    path = replace_once(tree / FOLDER / rel, old, new)
    assert_input_error(lambda: epoch_benchmarks.read(tree), path, 1, field)


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(epoch_benchmarks.read(shared_data))
    assert Counter(type(row).__name__ for row in rows) == {"ModelRow": 104, "ScoreRow": 302, "SkippedRow": 34}
    assert {row.reason for row in rows if isinstance(row, SkippedRow)} == {"untracked benchmark: FrontierMath-2025-02-28-Private"}
    scores = [row for row in rows if isinstance(row, ScoreRow)]
    assert Counter(row.benchmark for row in scores) == {
        "gpqa_diamond": 100,
        "math_level_5": 92,
        "otis_mock_aime": 71,
        "frontiermath": 35,
        "swe_bench_verified": 4,
    }
    assert all(0 <= row.value <= 100 for row in scores)
    models = [row for row in rows if isinstance(row, ModelRow)]
    # master.csv names a developer for every model that has a run.
    assert all(row.org_names and row.org_countries for row in models)
    assert len({row.name for row in models}) == 81


def test_task_map_uses_curated_benchmark_ids() -> None:
    curated = Path(weightatlas.__file__).parent / "data" / "curated" / "benchmarks.csv"
    with curated.open(encoding="utf-8") as handle:
        ids = {row["id"] for row in csv.DictReader(handle)}
    assert set(epoch_benchmarks.TASKS.values()) <= ids
