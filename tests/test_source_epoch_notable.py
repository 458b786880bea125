from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from source_helpers import assert_input_error, copy_source, replace_once

from weightatlas.sources import epoch_notable
from weightatlas.sources.base import ModelRow, SkippedRow

FOLDER = "mxschons__sobe-2025-data-repository"
REL = "notable-ai-models.csv"
US = "United States of America"
UK = "United Kingdom of Great Britain and Northern Ireland"


def at(line: int) -> str:
    return f"{FOLDER}/{REL}:{line}"


def test_fixture_rows(fixture_data: Path) -> None:
    rows = list(epoch_notable.read(fixture_data))
    assert rows == [
        # Lines 2-4: the name and a notes cell end in a newline.
        ModelRow(
            source_id="epoch_notable",
            ref=at(2),
            name="Solar Open 100B",
            org_names=("Upstage",),
            org_countries=("Korea (Republic of)",),
            release_date=date(2025, 12, 31),
            accessibility="api",
            params_total=102e9,
            domain="Language",
        ),
        ModelRow(
            source_id="epoch_notable",
            ref=at(5),
            name="Gemini 1.0 Ultra",
            org_names=("Google DeepMind",),
            org_countries=(US, UK),
            release_date=date(2023, 12, 6),
            accessibility="hosted",
            training_compute_flop=5.0e25,
            training_compute_confidence="Speculative",
            domain="Multimodal,Language,Vision",
        ),
        SkippedRow("epoch_notable", at(6), "domain out of scope: Games"),
        ModelRow(
            source_id="epoch_notable",
            ref=at(7),
            name="Llama 2-70B",
            org_names=("Meta AI",),
            org_countries=(US,),
            release_date=date(2023, 7, 18),
            accessibility="open",
            params_total=70e9,
            training_compute_flop=8.1e23,
            training_compute_confidence="Confident",
            domain="Language",
        ),
        SkippedRow("epoch_notable", at(8), "domain out of scope: Image generation"),
        ModelRow(
            source_id="epoch_notable",
            ref=at(9),
            name="ChatGLM-6B",
            org_names=("Tsinghua University", "Zhipu AI"),
            org_countries=("China", "China"),
            release_date=date(2023, 3, 14),
            accessibility=None,
            params_total=6.2e9,
            domain="Language",
        ),
    ]


@pytest.fixture
def tree(fixture_data: Path, tmp_path: Path) -> Path:
    return copy_source(fixture_data, tmp_path, FOLDER)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("Meta AI,2023-07-18", "Meta AI,July 2023", 7, "Publication date"),
        ("70000000000.0", "70B", 7, "Parameters"),
        ("8.1e+23", "~8e23", 7, "Training compute (FLOP)"),
        # Out-of-scope rows are validated too.
        ("2017-10-18", "18/10/2017", 6, "Publication date"),
        ("\nLlama 2-70B,", '\n" ",', 7, "Model"),
    ],
)
def test_bad_values(tree: Path, old: str, new: str, line: int, field: str) -> None:
    path = replace_once(tree / FOLDER / REL, old, new)
    assert_input_error(lambda: epoch_notable.read(tree), path, line, field)


def test_missing_column(tree: Path) -> None:
    path = replace_once(tree / FOLDER / REL, ",Domain,", ",Field,")
    assert_input_error(lambda: epoch_notable.read(tree), path, 1, "Domain")


@pytest.mark.shared_data
def test_real_data(shared_data: Path) -> None:
    rows = list(epoch_notable.read(shared_data))
    assert Counter(type(row).__name__ for row in rows) == {"ModelRow": 484, "SkippedRow": 492}
    models = [row for row in rows if isinstance(row, ModelRow)]
    assert all(row.name == row.name.strip() for row in models)
    assert all("Language" in row.domain or "Multimodal" in row.domain for row in models if row.domain)
    reasons = Counter(row.reason for row in rows if isinstance(row, SkippedRow))
    assert reasons["domain out of scope: Vision"] == 201
    assert sum(1 for row in models if "China" in row.org_countries) > 50
