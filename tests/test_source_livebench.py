from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import livebench
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

F = livebench.SOURCE.folder
LINKS = f"{F}/modelLinks.derived.json"
T1 = f"{F}/public/table_2024_06_24.csv"
T2 = f"{F}/public/table_2025_05_30.csv"
M1 = "LiveBench 2024-06-24 release, global average"
M2 = "LiveBench 2025-05-30 release, global average"


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(livebench.read(fixture_data))
    assert rows == [
        ModelRow("livebench", f"{LINKS}:2", "claude-3-5-sonnet-20240620", display_name="Claude 3.5 Sonnet", org_names=("Anthropic",)),
        # displayName describes rawName, not the key.
        ModelRow("livebench", f"{LINKS}:8", "gpt-5-mini", display_name=None, org_names=("OpenAI",)),
        ModelRow("livebench", f"{LINKS}:8", "gpt-5-mini-high", display_name="GPT-5 Mini High", org_names=("OpenAI",)),
        ModelRow("livebench", f"{LINKS}:15", "arcee-trinity-large-preview", display_name="Trinity Large Preview",
                 org_names=("Arcee",), accessibility="open"),
        # (mean(80, 48) + 58 + mean(49.667, 66, 55.144)) / 3
        ScoreRow("livebench", f"{T1}:2", "claude-3-5-sonnet-20240620", "livebench", 59.6457, date(2024, 6, 24), True, M1),
        ScoreRow("livebench", f"{T1}:3", "qwen2-72b-instruct", "livebench", 35.5556, date(2024, 6, 24), True, M1),
        SkippedRow("livebench", f"{T1}:4", "incomplete: missing connections"),
        ScoreRow("livebench", f"{T2}:2", "gpt-5-mini-high", "livebench", 67.0, date(2025, 5, 30), True, M2),
        ScoreRow("livebench", f"{T2}:3", "arcee-trinity-large-preview", "livebench", 6.25, date(2025, 5, 30), True, M2),
        SkippedRow("livebench", f"{T2}:4", "malformed: 2 of 4 fields, cannot align tasks"),
    ]
    assert rows[4].extra == {"Reasoning": "64.0000", "Coding": "58.0000", "Language": "56.9370"}  # type: ignore[union-attr]
    assert rows[7].extra == {"Reasoning": "91.5000", "Agentic Coding": "42.5000"}  # type: ignore[union-attr]


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, F)


def test_non_numeric_score(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "public/table_2024_06_24.csv", "31.0,26.0", "n/a,26.0", count=None)
    assert_input_error(lambda: livebench.read(data_copy), path, 3, "LCB_generation")


def test_score_out_of_range(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "public/table_2025_05_30.csv", "91.5", "915", count=None)
    assert_input_error(lambda: livebench.read(data_copy), path, 2, "zebra_puzzle")


def test_missing_task_column(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "public/table_2024_06_24.csv", ",typos,", ",typo_fixing,", count=None)
    assert_input_error(lambda: livebench.read(data_copy), path, 1, "typos")


def test_missing_categories_file(data_copy: Path) -> None:
    (data_copy / F / "public" / "categories_2025_05_30.json").unlink()
    assert_input_error(lambda: livebench.read(data_copy), data_copy / F / "public" / "table_2025_05_30.csv", None, None)


def test_bad_openweight_flag(data_copy: Path) -> None:
    path = replace_once(data_copy / F / "modelLinks.derived.json", '"openweight": true', '"openweight": "yes"', count=None)
    assert_input_error(lambda: livebench.read(data_copy), path, 15, "openweight")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(livebench.read(shared_data))
    assert Counter(type(r).__name__ for r in rows) == {"ModelRow": 277, "ScoreRow": 715, "SkippedRow": 2}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    assert len({r.snapshot_date for r in scores}) == 10
    assert all(0 <= r.value <= 100 for r in scores)
    first = next(r for r in scores if r.model_name == "claude-3-5-sonnet-20240620" and r.snapshot_date == date(2024, 6, 24))
    assert first.value == 61.1562  # mean of the six category means
    assert sorted(r.reason for r in rows if isinstance(r, SkippedRow)) == [
        "incomplete: missing connections",
        "malformed: 21 of 24 fields, cannot align tasks",
    ]
