"""weightatlas validate: every curated table passes; a bad one names file, line and field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import edit_line

from weightatlas.cli import main
from weightatlas.validate import validate_all


def test_shipped_tables_are_valid() -> None:
    results = validate_all()
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]
    assert len(results) >= 12


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "field"),
    [
        ("architecture_facts.csv", 2, "2023-04-03", "2023-04-32", "release_date"),
        ("architecture_facts.csv", 3, "https://huggingface.co/tiiuae", "huggingface.co/tiiuae", "source_url"),
        ("training_budgets.csv", 2, ",deepseek,", ",no-such-lab,", "org_id"),
        ("architecture_classes.csv", 3, "Llama4ForConditionalGeneration", "LlamaForCausalLM", "architecture"),
    ],
)
def test_a_bad_table_fails_with_file_line_field(curated: Path, file: str, line: int, old: str, new: str, field: str) -> None:
    edit_line(curated / file, line, old, new)
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2
    assert f"{file}, line {line}, field '{field}'" in result.output
    assert "1 table failed validation" in result.output


def test_a_duplicate_row_names_the_first_occurrence(curated: Path) -> None:
    path = curated / "architecture_facts.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]))
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2
    assert f"architecture_facts.csv, line {len(lines) + 1}" in result.output
    assert "duplicate of line 2" in result.output


def test_all_failures_are_reported_not_just_the_first(curated: Path) -> None:
    edit_line(curated / "architecture_facts.csv", 2, "2023-04-03", "not a date")
    edit_line(curated / "sovereign_projects.csv", 2, "https://", "htp://")
    results = validate_all(curated)
    assert sum(not r.ok for r in results) == 2
