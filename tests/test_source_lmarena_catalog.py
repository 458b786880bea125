"""lmarena_catalog: arena-catalog history snapshots, the undated category file and model metadata."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import NOT_CHECKED, assert_input_error, copy_source

from weightatlas.sources import lmarena_catalog
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

FOLDER = lmarena_catalog.SOURCE.folder
MV = "LMArena text, full, default view (arena-catalog)"


def _rows(root: Path) -> list:
    return list(lmarena_catalog.read(root))


def _score(ref: str, name: str, value: float, day: date, low: float, high: float, org: tuple[str, ...] = (), licence: str | None = None) -> ScoreRow:
    return ScoreRow(
        source_id="lmarena_catalog", ref=f"{FOLDER}/{ref}", model_name=name, benchmark="lmarena_text",
        value=value, snapshot_date=day, independent=True, metric_version=MV,
        ci_low=low, ci_high=high, org_names=org, licence=licence,
    )


def test_fixture_rows(fixture_data: Path) -> None:
    rows = _rows(fixture_data)
    march, december = date(2025, 3, 7), date(2025, 12, 11)
    h1 = "history/leaderboard-text-full_2025-03-07.json"
    h2 = "history/leaderboard-text-full_2025-12-11.json"
    assert [r for r in rows if isinstance(r, ScoreRow)] == [
        _score(f"{h1}#gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 1285.5, march, 1281.75, 1289.25),
        _score(f"{h1}#qwen2.5-72b-instruct", "qwen2.5-72b-instruct", 1257.0, march, 1253.0, 1261.5, ("Alibaba",), "Qwen"),
        _score(f"{h1}#alpaca-13b", "alpaca-13b", 901.0, march, 892.0, 910.0),
        _score(f"{h2}#gemini-3-pro", "gemini-3-pro", 1486.5, december, 1480.0, 1493.0, ("Google",), "Proprietary"),
        _score(f"{h2}#qwen2.5-72b-instruct", "qwen2.5-72b-instruct", 1302.25, december, 1298.5, 1306.0, ("Alibaba",), "Qwen"),
    ]
    scatter = f"{FOLDER}/data/scatterplot-data.json"
    assert [r for r in rows if isinstance(r, ModelRow)] == [
        ModelRow(source_id="lmarena_catalog", ref=f"{scatter}#gemini-3-pro", name="gemini-3-pro", display_name="Gemini-3-Pro",
                 org_names=("Google",), licence="Proprietary", accessibility="api"),
        ModelRow(source_id="lmarena_catalog", ref=f"{scatter}#qwen2.5-72b-instruct", name="qwen2.5-72b-instruct",
                 display_name="Qwen2.5-72B-Instruct", org_names=("Alibaba",), licence="Qwen", accessibility="open"),
    ]
    categories = f"{FOLDER}/data/leaderboard-text.json"
    assert [r for r in rows if isinstance(r, SkippedRow)] == [
        SkippedRow("lmarena_catalog", f"{categories}#coding", "untracked benchmark: LMArena text category 'coding'"),
        SkippedRow("lmarena_catalog", f"{categories}#full", "duplicate of history/leaderboard-text-full_2025-12-11.json"),
        SkippedRow("lmarena_catalog", f"{scatter}#dall-e-3",
                   "not on any text leaderboard snapshot (vision/image model or newer than the last snapshot)"),
    ]


@pytest.mark.parametrize(
    ("licence", "expected"),
    [("Proprietary", "api"), ("Propretary", "api"), ("Apache 2.0", "open"), ("Apache-2.0", "open"), ("MIT", "open"),
     ("Llama 3.1 Community", "open"), ("Qianwen LICENSE", "open"), ("Gemma license", "open"), ("CC-BY-NC-4.0", "open"),
     ("Non-commercial", "open"), ("MRL", "open"), (" open ", "open"), ("Other", None), ("", None), (None, None)],
)
def test_arena_accessibility(licence: str | None, expected: str | None) -> None:
    assert lmarena_catalog.arena_accessibility(licence) == expected


def _edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_string_rating_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = root / FOLDER / "history" / "leaderboard-text-full_2025-03-07.json"
    _edit_json(path, lambda d: d["alpaca-13b"].update(rating="n/a"))
    assert_input_error(lambda: _rows(root), path, None, "alpaca-13b.rating")


def test_missing_interval_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = root / FOLDER / "history" / "leaderboard-text-full_2025-12-11.json"
    _edit_json(path, lambda d: d["gemini-3-pro"].pop("rating_q025"))
    assert_input_error(lambda: _rows(root), path, NOT_CHECKED, "gemini-3-pro.rating_q025")


def test_bad_date_in_file_name_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    history = root / FOLDER / "history"
    bad = history / "leaderboard-text-full_2025-13-07.json"
    (history / "leaderboard-text-full_2025-03-07.json").rename(bad)
    assert_input_error(lambda: _rows(root), bad, NOT_CHECKED, "file name")


def test_undated_full_category_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = root / FOLDER / "data" / "leaderboard-text.json"
    _edit_json(path, lambda d: d["full"]["gemini-3-pro"].update(rating=1490.0))
    assert_input_error(lambda: _rows(root), path, NOT_CHECKED, "full")


def test_scatter_missing_licence_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = root / FOLDER / "data" / "scatterplot-data.json"
    _edit_json(path, lambda d: d[1].pop("license"))
    assert_input_error(lambda: _rows(root), path, NOT_CHECKED, "[1].license")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = _rows(shared_data)
    kinds = Counter(type(r).__name__ for r in rows)
    assert kinds == {"ScoreRow": 3435, "ModelRow": 117, "SkippedRow": 53}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    dates = Counter(r.snapshot_date for r in scores)
    assert len(dates) == 15
    assert (min(dates), max(dates)) == (date(2025, 3, 7), date(2025, 12, 11))
    assert dates[date(2025, 12, 11)] == 282
    assert all(r.ci_low <= r.value <= r.ci_high and 700 < r.value < 1600 for r in scores)
    assert sum(1 for r in scores if r.org_names) == 866
    reasons = Counter(r.reason for r in rows if isinstance(r, SkippedRow))
    assert reasons["duplicate of history/leaderboard-text-full_2025-12-11.json"] == 1
    assert reasons["not on any text leaderboard snapshot (vision/image model or newer than the last snapshot)"] == 24
    assert Counter(r.accessibility for r in rows if isinstance(r, ModelRow)) == {"api": 69, "open": 48}
