from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import epoch_eci
from weightatlas.sources.base import ModelRow, ScoreRow, SkippedRow

FOLDER = "peterhurford__metr_graph"
REL = "history/5c4780a_2026-03-09/epoch_capabilities_index.csv"
US = "United States of America"


def at(line: int) -> str:
    return f"{FOLDER}/{REL}:{line}"


def score(line: int, name: str, variant: str, value: float, orgs: tuple[str, ...]) -> ScoreRow:
    return ScoreRow(
        source_id="epoch_eci",
        ref=at(line),
        model_name=name,
        benchmark="eci",
        value=value,
        snapshot_date=date(2026, 3, 9),
        independent=True,
        metric_version="ECI, Epoch snapshot 2026-03-09",
        variant=variant,
        org_names=orgs,
    )


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(epoch_eci.read(fixture_data))
    assert rows == [
        # Line 2: Confidence "Unverified" rates the (here absent) compute estimate, not the ECI score: kept.
        ModelRow(
            source_id="epoch_eci",
            ref=at(2),
            name="GPT-5.2",
            display_name="GPT-5.2 (high)",
            variant="gpt-5.2-2025-12-11_high",
            org_names=("OpenAI",),
            org_countries=(US,),
            release_date=date(2025, 12, 11),
            accessibility="api",
        ),
        score(2, "GPT-5.2", "gpt-5.2-2025-12-11_high", 153.75460227869357, ("OpenAI",)),
        # Line 3: the quoted model name carries a trailing newline (as in the real file).
        ModelRow(
            source_id="epoch_eci",
            ref=at(3),
            name="Claude 3.7 Sonnet",
            display_name="Claude 3.7 Sonnet (32k thinking)",
            variant="claude-3-7-sonnet-20250219_32K",
            org_names=("Anthropic",),
            org_countries=(US,),
            release_date=date(2025, 2, 24),
            accessibility="api",
            training_compute_flop=3.35e25,
            training_compute_confidence="Speculative",
        ),
        score(3, "Claude 3.7 Sonnet", "claude-3-7-sonnet-20250219_32K", 141.5, ("Anthropic",)),
        ModelRow(
            source_id="epoch_eci",
            ref=at(5),
            name="DeepSeek-R1",
            display_name="DeepSeek-R1",
            variant="deepseek-r1",
            org_names=("DeepSeek",),
            org_countries=("China",),
            release_date=date(2025, 1, 20),
            accessibility="open",
            training_compute_flop=4.0e24,
            training_compute_confidence="Confident",
        ),
        score(5, "DeepSeek-R1", "deepseek-r1", 142.25, ("DeepSeek",)),
        ModelRow(
            source_id="epoch_eci",
            ref=at(7),
            name="Gemini 2.5 Pro",
            display_name="Gemini 2.5 Pro Preview (Jun 2025)",
            variant="gemini-2.5-pro-preview-06-05",
            org_names=("Google DeepMind", "Google"),
            org_countries=(US,),
            release_date=date(2025, 6, 5),
            accessibility="api",
        ),
        score(7, "Gemini 2.5 Pro", "gemini-2.5-pro-preview-06-05", 146.8, ("Google DeepMind", "Google")),
        # No ECI score: a model row only.
        ModelRow(
            source_id="epoch_eci",
            ref=at(8),
            name="GLM-4.5",
            variant="glm-4.5",
            org_names=("Z.ai (Zhipu AI)", "Tsinghua University"),
            org_countries=("China",),
            release_date=date(2025, 7, 28),
            accessibility="open",
        ),
        # Empty "Model name": the version id stands in as the name.
        ModelRow(
            source_id="epoch_eci",
            ref=at(9),
            name="PaLM 2-L",
            variant="PaLM 2-L",
            release_date=date(2023, 5, 17),
        ),
    ]


def test_unverified_rows_keep_their_eci_score(fixture_data: Path) -> None:
    """Epoch's ``Confidence`` rates the training-compute estimate: an Unverified row keeps its model and score."""
    rows = list(epoch_eci.read(fixture_data))
    assert not [r for r in rows if isinstance(r, SkippedRow)]
    scores = {r.model_name: r.value for r in rows if isinstance(r, ScoreRow)}
    assert scores["GPT-5.2"] == pytest.approx(153.7546)


def test_source_info_points_at_pinned_history_file() -> None:
    assert epoch_eci.SOURCE.files == (REL,)
    assert epoch_eci.SOURCE.snapshot_date == date(2026, 3, 9)


@pytest.fixture
def tree(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, FOLDER)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("deepseek-r1,142.25,2025-01-20", "deepseek-r1,142.25,20 Jan 2025", 5, "Release date"),
        ("146.8,2025-06-05", "n/a,2025-06-05", 7, "ECI Score"),
        ("China,Open weights (unrestricted),4.0e+24", "China,Open weights (unrestricted),about 4e24", 5, "Training compute (FLOP)"),
        # An Unverified row is validated like any other.
        ("153.75460227869357", "153.7.5", 2, "ECI Score"),
        ("glm-4.5,,", ",,", 8, "Model version"),
    ],
)
def test_bad_values(tree: Path, old: str, new: str, line: int, field: str) -> None:
    path = replace_once(tree / FOLDER / REL, old, new)
    assert_input_error(lambda: epoch_eci.read(tree), path, line, field)


def test_missing_column(tree: Path) -> None:
    path = replace_once(tree / FOLDER / REL, ",Confidence,", ",Certainty,")
    assert_input_error(lambda: epoch_eci.read(tree), path, 1, "Confidence")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(epoch_eci.read(shared_data))
    kinds = Counter(type(row).__name__ for row in rows)
    assert kinds == {"ModelRow": 583, "ScoreRow": 298}
    names = {row.model_name for row in rows if isinstance(row, ScoreRow)}
    assert {"GPT-5.2", "Claude Opus 4.6", "GLM-5", "Kimi K2.5", "DeepSeek-V3.2"} <= names
    models = [row for row in rows if isinstance(row, ModelRow)]
    assert {row.training_compute_confidence for row in models if row.training_compute_flop} == {"Confident", "Likely", "Speculative"}
    assert all(row.training_compute_confidence is None for row in models if not row.training_compute_flop)
    scores = [row for row in rows if isinstance(row, ScoreRow)]
    assert all(50 < row.value < 170 for row in scores)
    models = [row for row in rows if isinstance(row, ModelRow)]
    assert all(row.name == row.name.strip() and row.name for row in models)
    assert len({row.variant for row in models}) == len(models)
