from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import aider
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

F = aider.SOURCE.folder
D = f"{F}/aider/website/_data"
SNAP = date(2026, 5, 22)
POLY = "Aider polyglot (225 exercises), pass rate after 2 tries"
EDIT = "Aider code editing (133 exercises), pass rate after 2 tries"


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(aider.read(fixture_data))
    assert rows == [
        ModelRow("aider", f"{D}/edit_leaderboard.yml:1", "claude-3-opus-20240229", release_date=date(2024, 2, 29)),
        ScoreRow("aider", f"{D}/edit_leaderboard.yml:1", "claude-3-opus-20240229", "aider_edit", 68.4, SNAP, True, EDIT, variant="diff"),
        SkippedRow("aider", f"{D}/edit_leaderboard.yml:10", "not a full run: 33 test cases, benchmark has 133"),
        ModelRow("aider", f"{D}/edit_leaderboard.yml:18", "llama3-70b-8192", release_date=date(2024, 4, 18)),
        ScoreRow("aider", f"{D}/edit_leaderboard.yml:18", "llama3-70b-8192", "aider_edit", 49.2, SNAP, True, EDIT, variant="diff"),
        SkippedRow("aider", f"{D}/o1_polyglot_leaderboard.yml:1",
                   "duplicate of polyglot_leaderboard.yml run 2024-12-21-18-41-18--polyglot-gpt-4o-mini"),
        ScoreRow("aider", f"{D}/o1_polyglot_leaderboard.yml:8", "claude-3-5-sonnet-20241022", "aider_polyglot", 45.3, SNAP, True, POLY,
                 variant="diff"),
        ScoreRow("aider", f"{D}/polyglot_leaderboard.yml:1", "gpt-4o-mini-2024-07-18", "aider_polyglot", 3.6, SNAP, True, POLY,
                 variant="whole"),
        ScoreRow("aider", f"{D}/polyglot_leaderboard.yml:11", "gpt-5 (high)", "aider_polyglot", 88.0, SNAP, True, POLY,
                 variant="high, diff"),
        ScoreRow("aider", f"{D}/polyglot_leaderboard.yml:22", "Qwen3 32B", "aider_polyglot", 40.0, SNAP, True, POLY, variant="diff"),
        ScoreRow("aider", f"{D}/qwen3_leaderboard.yml:1",
                 "Qwen3-235B-A22B whole with llama.cpp, Q5_K_M (unsloth), recommended /no_think settings",
                 "aider_polyglot", 59.1, SNAP, True, POLY, variant="whole"),
        SkippedRow("aider", f"{D}/refactor_leaderboard.yml:1", "untracked benchmark: aider refactor"),
    ]
    assert rows[1].extra == {  # type: ignore[union-attr]
        "test_date": "2024-05-01",
        "edit_format": "diff",
        "dirname": "2024-05-01-20-05-59--direct-opus-filenames-outside-fence",
        "test_cases": "133",
    }
    assert rows[6].extra["leaderboard"] == "o1_polyglot_leaderboard"  # type: ignore[union-attr]
    assert rows[8].extra["reasoning_effort"] == "high"  # type: ignore[union-attr]


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, F)


def test_bad_test_date(data_copy: Path) -> None:
    path = replace_once(data_copy / D / "polyglot_leaderboard.yml", "date: 2025-08-23", "date: 23 Aug 2025", count=None)
    assert_input_error(lambda: aider.read(data_copy), path, 11, "date")


def test_bad_release_date(data_copy: Path) -> None:
    path = replace_once(data_copy / D / "edit_leaderboard.yml", "released: 2024-04-18", "released: spring 2024", count=None)
    assert_input_error(lambda: aider.read(data_copy), path, 18, "released")


def test_non_numeric_pass_rate(data_copy: Path) -> None:
    path = replace_once(data_copy / D / "edit_leaderboard.yml", "pass_rate_2: 68.4", "pass_rate_2: n/a", count=None)
    assert_input_error(lambda: aider.read(data_copy), path, 1, "pass_rate_2")


def test_missing_model(data_copy: Path) -> None:
    path = replace_once(
        data_copy / D / "qwen3_leaderboard.yml", "  model: Qwen3-235B-A22B whole", "  modle: Qwen3-235B-A22B whole", count=None
    )
    assert_input_error(lambda: aider.read(data_copy), path, 1, "model")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(aider.read(shared_data))
    assert Counter(type(r).__name__ for r in rows) == {"ModelRow": 40, "ScoreRow": 174, "SkippedRow": 27}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    assert Counter((r.benchmark, r.extra.get("leaderboard")) for r in scores) == {
        ("aider_edit", None): 95,
        ("aider_polyglot", None): 69,
        ("aider_polyglot", "qwen3_leaderboard"): 8,
        ("aider_polyglot", "o1_polyglot_leaderboard"): 2,
    }
    skipped = Counter(r.reason.split(" run ")[0] for r in rows if isinstance(r, SkippedRow))
    assert skipped["untracked benchmark: aider refactor"] == 14
    assert skipped["duplicate of polyglot_leaderboard.yml"] == 10
    assert all(0 <= r.value <= 100 for r in scores)
