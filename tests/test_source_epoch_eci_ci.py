from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import epoch_eci_ci
from weightatlas.sources.base import ModelRow, ScoreRow

FOLDER = "TheoBearman__ECI-Accessibility-Gap"
REL = "data/eci_scores.csv"
US = "United States of America"
UK = "United Kingdom of Great Britain and Northern Ireland"


def at(line: int) -> str:
    return f"{FOLDER}/{REL}:{line}"


def score(line: int, name: str, value: float, low: float | None, high: float | None, orgs: tuple[str, ...]) -> ScoreRow:
    return ScoreRow(
        source_id="epoch_eci_ci",
        ref=at(line),
        model_name=name,
        benchmark="eci",
        value=value,
        snapshot_date=date(2026, 2, 8),
        independent=True,
        metric_version="ECI, Epoch snapshot 2026-02-08",
        ci_low=low,
        ci_high=high,
        org_names=orgs,
    )


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(epoch_eci_ci.read(fixture_data))
    assert rows == [
        ModelRow(
            source_id="epoch_eci_ci",
            ref=at(2),
            name="Gemini 3 Pro",
            display_name="Gemini 3 Pro Preview",
            org_names=("Google DeepMind",),
            org_countries=(US, UK),
            release_date=date(2025, 11, 18),
            accessibility="api",
        ),
        score(2, "Gemini 3 Pro", 153.99, 151.5, 159.37, ("Google DeepMind",)),
        ModelRow(
            source_id="epoch_eci_ci",
            ref=at(3),
            name="GPT-5",
            display_name="GPT-5 (high)",
            org_names=("OpenAI",),
            org_countries=(US,),
            release_date=date(2025, 8, 7),
            accessibility="api",
        ),
        # An anchor model of the ECI scale: no interval.
        score(3, "GPT-5", 150.0, None, None, ("OpenAI",)),
        ModelRow(
            source_id="epoch_eci_ci",
            ref=at(4),
            name="DeepSeek Coder 1.3B",
            display_name="DeepSeek Coder 1.3B",
            org_names=("DeepSeek", "Peking University"),
            org_countries=("China",),
            release_date=date(2023, 11, 2),
            accessibility="open",
        ),
        score(4, "DeepSeek Coder 1.3B", 54.45, 28.85, 78.35, ("DeepSeek", "Peking University")),
        ModelRow(
            source_id="epoch_eci_ci",
            ref=at(5),
            name="Claude Instant",
            display_name="Claude Instant",
            org_names=("Anthropic",),
            org_countries=(US,),
            release_date=None,
            accessibility="api",
        ),
        score(5, "Claude Instant", 121.1, 111.4, 125.0, ("Anthropic",)),
        ModelRow(
            source_id="epoch_eci_ci",
            ref=at(6),
            name="Gemini 3 Flash",
            display_name="Gemini 3 Flash",
            org_names=("Google DeepMind",),
            org_countries=(US, UK),
            release_date=date(2025, 12, 17),
            accessibility="unknown",
        ),
        score(6, "Gemini 3 Flash", 152.87, 150.33, 156.36, ("Google DeepMind",)),
    ]
    groups = [row.extra for row in rows if isinstance(row, ScoreRow)]
    assert groups[0] == {"accessibility_group": "Closed weights"}
    assert groups[2] == {"accessibility_group": "Open weights"}
    assert groups[4] == {"accessibility_group": "Other"}


@pytest.fixture
def tree(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, FOLDER)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("2023-11-02", "2023-13-02", 4, "date"),
        ("54.45,28.85", "54.45,low", 4, "eci_ci_low"),
        ("Gemini 3 Pro Preview,153.99", "Gemini 3 Pro Preview,", 2, "eci"),
        # Only one bound given.
        ("121.1,111.4,125.0", "121.1,111.4,", 5, "eci_ci_high"),
        # The interval must contain the score.
        ("152.87,150.33,156.36", "152.87,153.0,156.36", 6, "eci"),
        ("Claude Instant,Claude Instant,", ",Claude Instant,", 5, "Model"),
    ],
)
def test_bad_values(tree: Path, old: str, new: str, line: int, field: str) -> None:
    path = replace_once(tree / FOLDER / REL, old, new)
    assert_input_error(lambda: epoch_eci_ci.read(tree), path, line, field)


def test_missing_column(tree: Path) -> None:
    path = replace_once(tree / FOLDER / REL, ",eci_ci_high,", ",eci_high,")
    assert_input_error(lambda: epoch_eci_ci.read(tree), path, 1, "eci_ci_high")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(epoch_eci_ci.read(shared_data))
    assert Counter(type(row).__name__ for row in rows) == {"ModelRow": 140, "ScoreRow": 140}
    scores = [row for row in rows if isinstance(row, ScoreRow)]
    # Only the two anchor models of the scale lack an interval.
    assert sorted(row.model_name for row in scores if row.ci_low is None) == ["Claude 3.5 Sonnet", "GPT-5"]
    assert all(50 < row.value < 170 for row in scores)
    assert len({row.model_name for row in scores}) == 140
