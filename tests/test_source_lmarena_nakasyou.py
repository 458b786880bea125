"""lmarena_nakasyou: the date-by-model matrix of overall text ratings."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import lmarena_nakasyou
from weightatlas.sources.base import ScoreRow

FOLDER = lmarena_nakasyou.SOURCE.folder
PUBLISHED = "LMArena text, overall, default view (nakasyou history)"
ONLINE = "LMArena text, overall, online-Elo-style series before 2024-06-29 (nakasyou history; not the published rating)"


def _rows(root: Path) -> list:
    return list(lmarena_nakasyou.read(root))


def _score(cell: str, name: str, value: float, day: date, mv: str) -> ScoreRow:
    return ScoreRow(
        source_id="lmarena_nakasyou", ref=f"{FOLDER}/output/result.csv:{cell}", model_name=name,
        benchmark="lmarena_text", value=value, snapshot_date=day, independent=True, metric_version=mv,
    )


def test_fixture_rows(fixture_data: Path) -> None:
    may23, jun26, jun29 = date(2023, 5, 8), date(2024, 6, 26), date(2024, 6, 29)
    assert _rows(fixture_data) == [
        _score("2#gpt-4", "gpt-4", 1274.1856580388371, may23, ONLINE),
        _score("2#claude-v1", "claude-v1", 1224.715101889762, may23, ONLINE),
        _score("3#gpt-4", "gpt-4", 1060.5, jun26, ONLINE),
        _score("3#mixtral-8x7b-instruct-v0.1", "mixtral-8x7b-instruct-v0.1", 966.8590747337173, jun26, ONLINE),
        _score("4#gpt-4", "gpt-4", 1186.25, jun29, PUBLISHED),
        _score("4#mixtral-8x7b-instruct-v0.1", "mixtral-8x7b-instruct-v0.1", 1114.0, jun29, PUBLISHED),
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("966.8590747337173", "966.86!", 3, "mixtral-8x7b-instruct-v0.1"),
        ("1186.25", "n/a", 4, "gpt-4"),
        ("1224.715101889762", "", 2, "claude-v1"),  # blank cell: absence is written as 0
        ("20240626", "2024-13-26", 3, "date"),
        ("20240629", "20240626", 4, "date"),  # duplicate snapshot
        (",claude-v1,", ",gpt-4,", 1, "gpt-4"),  # duplicate column
    ],
)
def test_bad_input(fixture_data: Path, tmp_path: Path, old: str, new: str, line: int, field: str) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = replace_once(root / FOLDER / "output" / "result.csv", old, new, count=None)
    assert_input_error(lambda: _rows(root), path, line, field)


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = _rows(shared_data)
    assert all(isinstance(r, ScoreRow) for r in rows)
    assert len(rows) == 11827
    dates = Counter(r.snapshot_date for r in rows)
    assert len(dates) == 98
    assert (min(dates), max(dates)) == (date(2023, 5, 8), date(2025, 2, 27))
    assert len({r.model_name for r in rows}) == 227
    versions = Counter(r.metric_version for r in rows)
    assert versions[PUBLISHED] + versions[ONLINE] == 11827
    # The published scale is anchored: mixtral-8x7b-instruct-v0.1 is exactly 1114 on every such snapshot.
    anchor = {r.snapshot_date: r.value for r in rows if r.model_name == "mixtral-8x7b-instruct-v0.1"}
    assert all((v == 1114.0) == (d >= date(2024, 6, 29)) for d, v in anchor.items())
    assert all(700 < r.value < 1500 for r in rows)
