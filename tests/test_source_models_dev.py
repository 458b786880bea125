from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import models_dev
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

F = models_dev.SOURCE.folder
QWEN = f"{F}/models/alibaba/qwen3-235b-a22b.toml"
OPUS = f"{F}/models/anthropic/claude-opus-4-7.toml"
FUGU = f"{F}/models/sakana/fugu.toml"
SNAP = date(2026, 7, 2)


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(models_dev.read(fixture_data))
    assert rows == [
        ModelRow("models_dev", f"{QWEN}:1", "qwen3-235b-a22b", display_name="Qwen3 235B A22B", org_names=("alibaba",),
                 release_date=None, accessibility="open", hf_repo="Qwen/Qwen3-235B-A22B"),
        ScoreRow("models_dev", f"{QWEN}:15", "qwen3-235b-a22b", "aider_polyglot", 59.6, date(2025, 5, 9), True,
                 "models.dev via aider.chat"),
        ScoreRow("models_dev", f"{QWEN}:22", "qwen3-235b-a22b", "swe_bench_pro", 21.41, SNAP, True,
                 "models.dev via labs.scale.com"),
        SkippedRow("models_dev", f"{QWEN}:29", "untracked benchmark: SciCode"),
        ModelRow("models_dev", f"{OPUS}:2", "claude-opus-4-7", display_name="Claude Opus 4.7", org_names=("anthropic",),
                 release_date=date(2026, 4, 16), accessibility="api"),
        ScoreRow("models_dev", f"{OPUS}:9", "claude-opus-4-7", "swe_bench_pro", 64.3, date(2026, 5, 28), False,
                 "models.dev via anthropic.com"),
        SkippedRow("models_dev", f"{OPUS}:16", "untracked dataset: SWE-Bench Pro (hard-aa)"),
        ScoreRow("models_dev", f"{OPUS}:25", "claude-opus-4-7", "swe_bench_verified", 80.0, SNAP, True,
                 "models.dev via swebench.com", variant="high"),
        # Closed model: its Hugging Face link is not taken as its repository.
        ModelRow("models_dev", f"{FUGU}:1", "fugu", display_name="Fugu", org_names=("sakana",),
                 release_date=date(2026, 6, 15), accessibility="api", licence="Proprietary", hf_repo=None),
        ScoreRow("models_dev", f"{FUGU}:10", "fugu", "gpqa_diamond", 95.5, SNAP, False, "models.dev via console.sakana.ai"),
        ScoreRow("models_dev", f"{FUGU}:15", "fugu", "hle", 47.2, SNAP, False, "models.dev via console.sakana.ai"),
    ]
    assert rows[2].extra == {  # type: ignore[union-attr]
        "metric": "resolve rate",
        "source": "https://labs.scale.com/leaderboard/swe_bench_pro_public",
        "dataset": "public",
    }


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, F)


def test_bad_release_date(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "models/anthropic/claude-opus-4-7.toml", '"2026-04-16"', '"April 2026"', count=None)
    assert_input_error(lambda: models_dev.read(data_copy), path, 3, "release_date")


def test_bad_benchmark_date(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "models/anthropic/claude-opus-4-7.toml", '"2026-05-28"', '"2026-13-01"', count=None)
    assert_input_error(lambda: models_dev.read(data_copy), path, 14, "date")


def test_non_numeric_score(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "models/alibaba/qwen3-235b-a22b.toml", "score = 21.41", 'score = "21.41%"', count=None)
    assert_input_error(lambda: models_dev.read(data_copy), path, 24, "score")


def test_score_not_percent(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "models/sakana/fugu.toml", "score = 95.5", "score = 955", count=None)
    assert_input_error(lambda: models_dev.read(data_copy), path, 12, "score")


def test_missing_open_weights(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "models/sakana/fugu.toml", "open_weights = false\n", "", count=None)
    assert_input_error(lambda: models_dev.read(data_copy), path, None, "open_weights")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(models_dev.read(shared_data))
    assert Counter(type(r).__name__ for r in rows) == {"ModelRow": 231, "ScoreRow": 89, "SkippedRow": 199}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    assert Counter((r.benchmark, r.independent) for r in scores) == {
        ("aider_polyglot", True): 31,
        ("swe_bench_verified", False): 23,
        ("swe_bench_verified", True): 3,
        ("swe_bench_pro", True): 17,
        ("swe_bench_pro", False): 9,
        ("livecodebench", False): 2,
        ("hle", False): 2,
        ("gpqa_diamond", False): 2,
    }
    skipped = Counter(r.reason for r in rows if isinstance(r, SkippedRow))
    assert skipped["untracked dataset: SWE-Bench Pro (hard-aa)"] == 14
    models = [r for r in rows if isinstance(r, ModelRow)]
    assert sum(r.release_date is None for r in models) == 8  # month-only dates
    assert Counter(r.accessibility for r in models) == {"api": 123, "open": 108}
