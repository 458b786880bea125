"""Aider LLM leaderboards (Aider-AI/aider, ``aider/website/_data/*.yml``).

Each YAML file is a list of benchmark runs; ``pass_rate_2`` (percent of
exercises passed after one retry with test feedback) is the headline number.

* ``polyglot_leaderboard.yml`` -> ``aider_polyglot`` (225 exercises).
* ``edit_leaderboard.yml`` -> ``aider_edit`` (133 exercises); its
  ``released`` / ``_released`` fields also give a ModelRow with a release date.
* ``o1_polyglot_leaderboard.yml`` and ``qwen3_leaderboard.yml`` are side studies
  of the same polyglot benchmark. A run whose ``dirname`` is also in the main
  polyglot file is a duplicate and is skipped; the others are genuine extra
  runs (earlier settings, other providers or quantisations) and are emitted as
  ``aider_polyglot`` with ``extra["leaderboard"]`` naming the study.
* ``refactor_leaderboard.yml`` is an untracked benchmark.

Judgement calls: ``date`` is the test date, kept in ``extra["test_date"]``; the
score's snapshot date is the source snapshot. The variant is the reasoning
effort (when given) and the edit format, e.g. ``"high, diff"`` or ``"whole"``.
Runs over far fewer exercises than the benchmark has (under 90%, e.g. 33 of
133) are partial and skipped, as are runs with more (a 225-exercise polyglot
run listed on the edit leaderboard).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from weightatlas.errors import InputError
from weightatlas.sources.base import ModelRow, Row, ScoreRow, SkippedRow, SourceInfo, parse_date, parse_float, read_text, ref

SOURCE = SourceInfo(
    id="aider",
    title="Aider LLM leaderboards",
    url="https://aider.chat/docs/leaderboards/",
    licence="Apache-2.0",
    snapshot_date=date(2026, 5, 22),
    folder="Aider-AI__aider",
    files=("aider/website/_data/*_leaderboard.yml",),
    description="Aider's own runs of models editing Exercism exercises through its coding assistant, with pass rates after two tries.",
    independent=True,
)

DATA_DIR = "aider/website/_data"
POLYGLOT = "polyglot_leaderboard.yml"
POLYGLOT_METRIC = "Aider polyglot (225 exercises), pass rate after 2 tries"
EDIT_METRIC = "Aider code editing (133 exercises), pass rate after 2 tries"

# file -> (benchmark id or None if untracked, exercises in a full run, metric_version)
FILES: dict[str, tuple[str | None, int, str]] = {
    "edit_leaderboard.yml": ("aider_edit", 133, EDIT_METRIC),
    "o1_polyglot_leaderboard.yml": ("aider_polyglot", 225, POLYGLOT_METRIC),
    POLYGLOT: ("aider_polyglot", 225, POLYGLOT_METRIC),
    "qwen3_leaderboard.yml": ("aider_polyglot", 225, POLYGLOT_METRIC),
    "refactor_leaderboard.yml": (None, 89, "Aider refactoring"),
}
SIDE_STUDIES = {"o1_polyglot_leaderboard.yml", "qwen3_leaderboard.yml"}
_MIN_COMPLETE = 0.9  # share of exercises a run must cover to count as a full run


def read(root: Path) -> Iterator[Row]:
    folder = root / SOURCE.folder / DATA_DIR
    main_runs = {str(item.get("dirname")) for item, _ in _load(folder / POLYGLOT)}
    for name in sorted(FILES):
        yield from _read_file(folder / name, main_runs)


def _load(path: Path) -> list[tuple[dict[str, Any], int]]:
    """Items of a YAML list with the line each starts on."""
    text = read_text(path)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"malformed YAML: {exc}", line=mark.line + 1 if mark else None) from exc
    finally:
        loader.dispose()
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise InputError(path, "expected a YAML list of runs", line=1)
    items = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise InputError(path, "each run must be a mapping", line=line)
        items.append((item, line))
    return items


def _field(item: dict[str, Any], key: str, kinds: tuple[type, ...], path: Path, line: int) -> Any:
    if key not in item or item[key] is None:
        raise InputError(path, f"missing key {key!r}", line=line, field=key)
    value = item[key]
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise InputError(path, f"{key} has the wrong type: {value!r}", line=line, field=key)
    return value.strip() if isinstance(value, str) else value


def _date(item: dict[str, Any], key: str, path: Path, line: int) -> date:
    value = _field(item, key, (date, str), path, line)
    # YAML turns unquoted ISO dates into date objects; anything else must parse.
    if isinstance(value, date):
        return value
    parsed = parse_date(value, path, line, key, required=True)
    assert parsed is not None  # required=True never returns None
    return parsed


def _read_file(path: Path, main_runs: set[str]) -> Iterator[Row]:
    benchmark, full_size, metric = FILES[path.name]
    rel = f"{DATA_DIR}/{path.name}"
    for item, line in _load(path):
        row_ref = ref(SOURCE.folder, rel, line)
        dirname = str(_field(item, "dirname", (str,), path, line))
        model = str(_field(item, "model", (str, int, float), path, line)).strip()
        if benchmark is None:
            yield SkippedRow(SOURCE.id, row_ref, "untracked benchmark: aider refactor")
            continue
        if path.name in SIDE_STUDIES and dirname in main_runs:
            yield SkippedRow(SOURCE.id, row_ref, f"duplicate of {POLYGLOT} run {dirname}")
            continue
        test_date = _date(item, "date", path, line)
        edit_format = _field(item, "edit_format", (str,), path, line)
        cases = int(_field(item, "test_cases", (int,), path, line))
        value = parse_float(_field(item, "pass_rate_2", (int, float), path, line), path, line, "pass_rate_2", required=True)
        if value is None or not 0 <= value <= 100:
            raise InputError(path, f"pass_rate_2 {value} outside 0..100", line=line, field="pass_rate_2")
        yield from _release(item, path, row_ref, line, model)
        if cases > full_size or cases < _MIN_COMPLETE * full_size:
            yield SkippedRow(SOURCE.id, row_ref, f"not a full run: {cases} test cases, benchmark has {full_size}")
            continue
        effort = item.get("reasoning_effort")
        extra = {"test_date": test_date.isoformat(), "edit_format": edit_format, "dirname": dirname, "test_cases": str(cases)}
        for key in ("reasoning_effort", "thinking_tokens", "editor_model", "editor_edit_format"):
            if item.get(key) is not None:
                extra[key] = str(item[key]).strip()
        if path.name in SIDE_STUDIES:
            extra["leaderboard"] = path.stem
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=row_ref,
            model_name=model,
            benchmark=benchmark,
            value=value,
            snapshot_date=SOURCE.snapshot_date,
            independent=True,
            metric_version=metric,
            variant=f"{str(effort).strip()}, {edit_format}" if effort else edit_format,
            extra=extra,
        )


def _release(item: dict[str, Any], path: Path, row_ref: str, line: int, model: str) -> Iterator[ModelRow]:
    # "_released" is the same fact under a key the site does not display.
    for key in ("released", "_released"):
        if key in item:
            yield ModelRow(SOURCE.id, row_ref, model, release_date=_date(item, key, path, line))
            return
