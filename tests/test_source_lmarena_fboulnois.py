"""lmarena_fboulnois: monthly LMArena CSVs plus the 2025-08-04 text leaderboard."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import NOT_CHECKED, assert_input_error, copy_source, replace_once

from weightatlas.sources import lmarena_fboulnois
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

FOLDER = lmarena_fboulnois.SOURCE.folder
MV = "LMArena text, overall, default view (fboulnois CSV)"
SRC = "lmarena_fboulnois"


def _rows(root: Path) -> list:
    return list(lmarena_fboulnois.read(root))


def _score(ref: str, name: str, value: float, day: date, low: float, high: float, org: str, licence: str | None, extra: dict) -> ScoreRow:
    return ScoreRow(
        source_id=SRC, ref=f"{FOLDER}/{ref}", model_name=name, benchmark="lmarena_text", value=value,
        snapshot_date=day, independent=True, metric_version=MV, ci_low=low, ci_high=high,
        org_names=(org,), licence=licence, extra=extra,
    )


def _model(ref: str, name: str, org: str, licence: str | None, access: str | None) -> ModelRow:
    return ModelRow(source_id=SRC, ref=f"{FOLDER}/{ref}", name=name, org_names=(org,), licence=licence, accessibility=access)


def test_fixture_rows(fixture_data: Path) -> None:
    rows = _rows(fixture_data)
    june, april, august = date(2024, 6, 19), date(2025, 4, 24), date(2025, 8, 4)
    h1, h2, cur = "history/2024.06.19_lmsys.csv", "history/2025.04.24_lmsys.csv", "csv/lmarena_text.csv"
    assert rows == [
        _model(f"{h1}:2", "GPT-4o-2024-05-13", "OpenAI", "Proprietary", "api"),
        _score(f"{h1}:2", "GPT-4o-2024-05-13", 1287.0, june, 1284.0, 1290.0, "OpenAI", "Proprietary", {"votes": "42046"}),
        _model(f"{h1}:3", "Mixtral-8x7b-Instruct-v0.1", "Mistral", "Apache 2.0", "open"),
        _score(f"{h1}:3", "Mixtral-8x7b-Instruct-v0.1", 1114.0, june, 1114.0, 1114.0, "Mistral", "Apache 2.0", {"votes": "68929"}),
        _model(f"{h2}:2", "Gemini-2.5-Pro-Exp-03-25", "Google", "Proprietary", "api"),
        _score(f"{h2}:2", "Gemini-2.5-Pro-Exp-03-25", 1439.0, april, 1434.0, 1445.0, "Google", "Proprietary",
               {"votes": "10389", "rank_stylectrl": "1"}),
        # Same model, organisation and licence as in June: no second ModelRow.
        _score(f"{h2}:3", "GPT-4o-2024-05-13", 1285.0, april, 1282.0, 1287.0, "OpenAI", "Proprietary",
               {"votes": "117747", "rank_stylectrl": "45"}),
        _model(f"{cur}:2", "Llama-4-Maverick-03-26-Experimental", "Meta", None, None),
        _score(f"{cur}:2", "Llama-4-Maverick-03-26-Experimental", 1416.0, august, 1412.0, 1420.0, "Meta", None,
               {"votes": "26604", "rank_stylectrl": "8"}),
        _model(f"{cur}:3", "InternLM2.5-20B-chat", "InternLM", "Other", None),
        _score(f"{cur}:3", "InternLM2.5-20B-chat", 1168.0, august, 1162.0, 1174.0, "InternLM", "Other",
               {"votes": "10599", "rank_stylectrl": "172"}),
        _model(f"{cur}:4", "Yi-34B-Chat", "01 AI", "Yi License", "open"),
        _score(f"{cur}:4", "Yi-34B-Chat", 1134.0, august, 1128.0, 1140.0, "01 AI", "Yi License",
               {"votes": "15917", "rank_stylectrl": "188"}),
        SkippedRow(SRC, f"{FOLDER}/{cur}:5", "duplicate of line 4"),
    ]
    # extra is excluded from equality, so check it separately.
    assert [r.extra for r in rows if isinstance(r, ScoreRow)] == [
        {"votes": "42046"}, {"votes": "68929"}, {"votes": "10389", "rank_stylectrl": "1"},
        {"votes": "117747", "rank_stylectrl": "45"}, {"votes": "26604", "rank_stylectrl": "8"},
        {"votes": "10599", "rank_stylectrl": "172"}, {"votes": "15917", "rank_stylectrl": "188"},
    ]


@pytest.mark.parametrize(
    ("relpath", "old", "new", "line", "field"),
    [
        ("history/2025.04.24_lmsys.csv", "+2/-3", "+2/three", 3, "95_pct_ci"),
        ("history/2025.04.24_lmsys.csv", "+2/-3", "3", 3, "95_pct_ci"),
        ("history/2024.06.19_lmsys.csv", ",1114,", ",1114?,", 3, "arena_elo"),
        ("csv/lmarena_text.csv", ",26604,", ",many,", 2, "votes"),
        ("csv/lmarena_text.csv", "arena_score,", "score,", 1, "arena_score"),
        ("history/2024.06.19_lmsys.csv", "votes,", "count,", 1, "votes"),
        ("csv/lmarena_text.csv", "201,188,Yi-34B-Chat,1134", "201,188,Yi-34B-Chat,1135", 5, "model"),
    ],
)
def test_bad_input(fixture_data: Path, tmp_path: Path, relpath: str, old: str, new: str, line: int, field: str) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    path = replace_once(root / FOLDER / relpath, old, new, count=None)
    assert_input_error(lambda: _rows(root), path, line, field)


def test_bad_date_in_file_name_is_an_error(fixture_data: Path, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    history = root / FOLDER / "history"
    bad = history / "2024.06.31_lmsys.csv"
    (history / "2024.06.19_lmsys.csv").rename(bad)
    assert_input_error(lambda: _rows(root), bad, NOT_CHECKED, "file name")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = _rows(shared_data)
    assert Counter(type(r).__name__ for r in rows) == {"ScoreRow": 2643, "ModelRow": 309, "SkippedRow": 1}
    scores = [r for r in rows if isinstance(r, ScoreRow)]
    dates = Counter(r.snapshot_date for r in scores)
    assert len(dates) == 15
    assert (min(dates), max(dates)) == (date(2024, 6, 19), date(2025, 8, 4))
    assert dates[date(2025, 8, 4)] == 265
    assert all(r.ci_low <= r.value <= r.ci_high and 700 < r.value < 1600 for r in scores)
    assert [r.reason for r in rows if isinstance(r, SkippedRow)] == ["duplicate of line 201"]
    assert Counter(r.accessibility for r in rows if isinstance(r, ModelRow)) == {"open": 172, "api": 134, None: 3}


@pytest.mark.shared_data
def test_scores_are_the_default_view(shared_data: Path) -> None:
    """The 2025-04-24 CSV equals arena-catalog's default-view snapshot of that day, rounded."""
    catalog = json.loads((shared_data / "lmarena__arena-catalog/history/leaderboard-text-full_2025-04-24.json").read_text())
    catalog = {k.lower(): v["rating"] for k, v in catalog.items()}
    ours = {r.model_name.lower(): r.value for r in _rows(shared_data)
            if isinstance(r, ScoreRow) and r.snapshot_date == date(2025, 4, 24)}
    shared = set(ours) & set(catalog)
    assert len(shared) == 142
    assert all(abs(ours[k] - catalog[k]) <= 0.5 for k in shared)
