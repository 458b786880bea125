"""LiveBench results (LiveBench/livebench.github.io): one table per question release.

``public/table_YYYY_MM_DD.csv`` has one row per model and one column per task
(scores 0-100); ``public/categories_YYYY_MM_DD.json`` maps each category to its
tasks for that release; ``modelLinks.derived.json`` gives each model key's
organisation, display name and (sometimes) an open-weight flag.

The ``livebench`` score is the site's global average: the mean over categories
of the mean of each category's tasks (``src/Table/Averaging.js`` upstream).
A model lacking any task of its release is skipped rather than averaged over
what it has (the site silently averages partial rows). The snapshot date is
the release date in the file name; a table also holds models evaluated on that
question set after the release day.

Judgement calls:

* Model names are the table keys as written (effort suffixes such as
  ``-high`` stay in the name); the resolver decides identity.
* Some modelLinks entries carry ``rawName``, another table key. There the
  ``displayName`` describes ``rawName`` (``"gpt-5-mini"`` -> ``"GPT-5 Mini
  High"``, rawName ``gpt-5-mini-high``), so the rawName gets that display name
  and the key gets none; both share the organisation and the key's line.
* ``openweight: true`` gives accessibility ``open``; ``false`` or absent gives
  ``None`` (not open-weight does not tell API from unreleased).
* A row with fewer fields than the header cannot be aligned to its tasks; it
  is skipped with a reason rather than guessed.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import ModelRow, Row, ScoreRow, SkippedRow, SourceInfo, open_text, parse_float, read_csv, read_text, ref

SOURCE = SourceInfo(
    id="livebench",
    title="LiveBench results",
    url="https://livebench.ai",
    licence="none stated (facts only, with attribution)",
    snapshot_date=date(2026, 7, 1),
    folder="LiveBench__livebench.github.io",
    files=("public/table_*.csv", "public/categories_*.json", "modelLinks.derived.json"),
    description="Contamination-limited benchmark re-run on fresh questions at each release; per-task scores for every evaluated model.",
    independent=True,
)

LINKS_FILE = "modelLinks.derived.json"
_TABLE_NAME = re.compile(r"^table_(\d{4})_(\d{2})_(\d{2})\.csv$")


def read(root: Path) -> Iterator[Row]:
    folder = root / SOURCE.folder
    yield from _read_links(folder / LINKS_FILE)
    for path in sorted((folder / "public").glob("table_*.csv")):
        yield from _read_table(folder, path)


def _load_json(path: Path) -> tuple[Any, str]:
    text = read_text(path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON: {exc.msg}", line=exc.lineno) from exc


def _object_key_lines(text: str) -> dict[str, int]:
    """Line of each key of a top-level JSON object (text already valid JSON)."""
    decoder = json.JSONDecoder()
    ws = " \t\r\n"
    i = len(text) - len(text.lstrip(ws)) + 1  # just past "{"
    found: dict[str, int] = {}
    while True:
        while text[i] in ws or text[i] == ",":
            i += 1
        if text[i] == "}":
            return found
        key_start = i
        key, i = decoder.raw_decode(text, i)
        found[key] = text.count("\n", 0, key_start) + 1
        while text[i] in ws or text[i] == ":":
            i += 1
        _, i = decoder.raw_decode(text, i)


def _read_links(path: Path) -> Iterator[Row]:
    data, text = _load_json(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected a JSON object of model keys", line=1)
    lines = _object_key_lines(text)
    for key, entry in data.items():
        line = lines[key]
        if not isinstance(entry, dict):
            raise InputError(path, f"entry {key!r} must be an object", line=line, field=key)
        org = _text(entry, "organization", path, line, required=True)
        display = _text(entry, "displayName", path, line, required=True)
        raw_name = _text(entry, "rawName", path, line, required=False)
        openweight = entry.get("openweight")
        if openweight is not None and not isinstance(openweight, bool):
            raise InputError(path, f"openweight must be true/false, got {openweight!r}", line=line, field="openweight")
        row_ref = ref(SOURCE.folder, LINKS_FILE, line)
        access = "open" if openweight else None
        names = [(key.strip(), None if raw_name else display)]
        if raw_name and raw_name not in data:
            names.append((raw_name, display))
        for name, shown in names:
            yield ModelRow(SOURCE.id, row_ref, name, display_name=shown, org_names=(org,), accessibility=access)


def _text(entry: dict[str, Any], key: str, path: Path, line: int, *, required: bool) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"{key} must be a non-empty string, got {value!r}", line=line, field=key)
    return value.strip()


def _categories(path: Path) -> dict[str, list[str]]:
    data, _ = _load_json(path)
    if not isinstance(data, dict) or not data:
        raise InputError(path, "expected a non-empty object of category -> task list", line=1)
    for category, tasks in data.items():
        if not isinstance(tasks, list) or not tasks or not all(isinstance(t, str) and t for t in tasks):
            raise InputError(path, f"category {category!r} must list task names", field=category)
    return data


def _record_widths(path: Path) -> dict[int, int]:
    """Number of fields of each CSV record, keyed by its first line (as ``read_csv`` numbers them)."""
    widths: dict[int, int] = {}
    with open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            while True:
                start = reader.line_num + 1
                widths[start] = len(next(reader))
        except (StopIteration, csv.Error):
            pass  # read_csv reports malformed CSV with its line
    return widths


def _read_table(folder: Path, path: Path) -> Iterator[Row]:
    match = _TABLE_NAME.match(path.name)
    if not match:
        raise InputError(path, "table file name must be table_YYYY_MM_DD.csv")
    try:
        release = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InputError(path, f"file name has an impossible date: {path.name}") from None
    stamp = "_".join(match.groups())
    categories_path = path.with_name(f"categories_{stamp}.json")
    if not categories_path.exists():
        raise InputError(path, f"no categories file for this release ({categories_path.name})")
    categories = _categories(categories_path)
    tasks = [task for names in categories.values() for task in names]
    rel = path.relative_to(folder).as_posix()
    widths = _record_widths(path)
    header_width = widths[min(widths)]
    metric = f"LiveBench {release.isoformat()} release, global average"

    for line, row in read_csv(path, ("model", *tasks)):
        row_ref = ref(SOURCE.folder, rel, line)
        model = row["model"].strip()
        if not model:
            raise InputError(path, "model name is empty", line=line, field="model")
        # read_csv pads short rows; a short row's values cannot be matched to tasks.
        width = widths[line]
        if width < header_width:
            yield SkippedRow(SOURCE.id, row_ref, f"malformed: {width} of {header_width} fields, cannot align tasks")
            continue
        scores: dict[str, float] = {}
        for task in tasks:
            value = parse_float(row[task], path, line, task)
            if value is not None and not 0 <= value <= 100:
                raise InputError(path, f"score {value} outside 0..100", line=line, field=task)
            if value is not None:
                scores[task] = value
        missing = [task for task in tasks if task not in scores]
        if missing:
            yield SkippedRow(SOURCE.id, row_ref, f"incomplete: missing {', '.join(missing)}")
            continue
        averages = {cat: sum(scores[t] for t in names) / len(names) for cat, names in categories.items()}
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=row_ref,
            model_name=model,
            benchmark="livebench",
            value=round(sum(averages.values()) / len(averages), 4),
            snapshot_date=release,
            independent=True,
            metric_version=metric,
            extra={cat: f"{avg:.4f}" for cat, avg in averages.items()},
        )
