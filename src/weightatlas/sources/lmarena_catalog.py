"""LMArena's own arena-catalog repository: text leaderboard snapshots and model metadata.

Files read (under ``lmarena__arena-catalog/``):

* ``history/leaderboard-text-full_<YYYY-MM-DD>.json``: one snapshot of the overall
  ("full") text leaderboard, ``{model key: {rating, rating_q025, rating_q975}}``.
  One ScoreRow per model per file; the snapshot date is the date in the file name.
  These ratings are the *default* (not style-controlled) view: the ``full`` category
  of ``data/leaderboard-text.json`` equals the newest history file, while
  ``data/leaderboard-text-style-control.json`` holds different numbers.
* ``data/leaderboard-text.json``: per-category ratings of the newest snapshot, with
  no date of its own. Its ``full`` category is a copy of a history file, so it is
  skipped as a duplicate (and if it ever matches no history file we stop with an
  error, because we could not date it). The other categories (coding, languages,
  ...) are not tracked benchmarks and are skipped, one SkippedRow per category.
* ``data/scatterplot-data.json``: display name, organisation and licence per model
  key. One ModelRow per entry whose key is on some text leaderboard snapshot; the
  rest (image-generation and vision-arena models, or models newer than the last
  snapshot) are skipped. Its organisation and licence are also put on the
  ScoreRows of the same key.

``data/leaderboard-text-style-control.json`` (the style-controlled view) is ignored.

LMArena pins one model's rating to fix the scale (mixtral-8x7b-instruct-v0.1 at
1114.0 up to 2025-05-13, gemini-2.5-pro-preview-05-06 at 1446.0 from 2025-05-20),
so the whole scale moves between snapshots: compare values only within one.

Judgement call, shared with :mod:`lmarena_fboulnois`: :func:`arena_accessibility`
maps LMArena's licence labels to accessibility. "Proprietary" means API-only; any
licence under which weights were published (permissive, community, research-only or
non-commercial) means "open"; unknown labels ("Other", blank) give None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    Accessibility,
    ModelRow,
    Row,
    ScoreRow,
    SkippedRow,
    SourceInfo,
    parse_date,
    parse_float,
    read_text,
)

SOURCE = SourceInfo(
    id="lmarena_catalog",
    title="LMArena arena-catalog leaderboards",
    url="https://github.com/lmarena/arena-catalog",
    licence="none stated (facts only, with attribution)",
    snapshot_date=date(2025, 12, 17),
    folder="lmarena__arena-catalog",
    files=(
        "history/leaderboard-text-full_*.json",
        "data/leaderboard-text.json",
        "data/scatterplot-data.json",
    ),
    description="Snapshots of LMArena's overall text leaderboard (crowd-vote ratings with 95% intervals) published by LMArena, with model organisation and licence.",
    independent=True,
)

BENCHMARK = "lmarena_text"
METRIC_VERSION = "LMArena text, full, default view (arena-catalog)"

_HISTORY_NAME = re.compile(r"leaderboard-text-full_(.+)\.json")

# Licence labels as written in the LMArena files (arena-catalog and fboulnois CSVs),
# lower-cased. "Propretary" is an upstream typo.
_API_LICENCES = {"proprietary", "propretary"}
_OPEN_LICENCES = {
    "open", "apache 2.0", "apache-2.0", "mit", "modified mit",
    "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "non-commercial",
    "llama", "llama 2 community", "llama 3 community", "llama 3.1 community",
    "llama 3.1", "llama 3.2", "llama 3.3 community", "llama-3.3", "llama 4",
    "qwen", "qianwen license", "gemma", "gemma license", "deepseek", "deepseek license",
    "mrl", "mistral research", "nexusflow", "yi license", "jamba open", "dbrx license",
    "nvidia", "nvidia open", "nvidia open model", "ai2 impact low-risk",
    "falcon-180b tii license",
}


def arena_accessibility(licence: str | None) -> Accessibility | None:
    """Accessibility implied by an LMArena licence label (None when it says nothing)."""
    text = (licence or "").strip().lower()
    if text in _API_LICENCES:
        return "api"
    if text in _OPEN_LICENCES:
        return "open"
    return None


def read(root: Path) -> Iterator[Row]:
    base = root / SOURCE.folder
    history = sorted((base / "history").glob("leaderboard-text-full_*.json"))
    snapshots = {path: _parse_ratings(_load_json(path), path, "") for path in history}
    scatter = _load_scatter(base, "data/scatterplot-data.json")
    known = {key for ratings in snapshots.values() for key in ratings}

    for path, ratings in snapshots.items():
        relpath = path.relative_to(base).as_posix()
        snapshot = _snapshot_date(path)
        for key, (value, low, high) in ratings.items():
            meta = scatter.get(key)
            yield ScoreRow(
                source_id=SOURCE.id,
                ref=f"{SOURCE.folder}/{relpath}#{key}",
                model_name=key,
                benchmark=BENCHMARK,
                value=value,
                snapshot_date=snapshot,
                independent=SOURCE.independent,
                metric_version=METRIC_VERSION,
                ci_low=low,
                ci_high=high,
                org_names=meta.org_names if meta else (),
                licence=meta.licence if meta else None,
            )

    yield from _categories(base, snapshots)

    for key, row in scatter.items():
        if key in known:
            yield row
        else:
            yield SkippedRow(SOURCE.id, row.ref, "not on any text leaderboard snapshot (vision/image model or newer than the last snapshot)")


def _snapshot_date(path: Path) -> date:
    match = _HISTORY_NAME.fullmatch(path.name)
    assert match is not None  # the glob guarantees the shape
    parsed = parse_date(match.group(1), path, None, "file name", required=True)
    assert parsed is not None
    return parsed


def _load_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc


def _parse_ratings(data: Any, path: Path, prefix: str) -> dict[str, tuple[float, float, float]]:
    """``{model key: (rating, q025, q975)}`` of one leaderboard object, validated."""
    if not isinstance(data, dict):
        raise InputError(path, "expected an object of model ratings", field=prefix or None)
    ratings: dict[str, tuple[float, float, float]] = {}
    for raw_key, entry in data.items():
        key = raw_key.strip()
        where = f"{prefix}{key}"
        if not key:
            raise InputError(path, "empty model key", field=where)
        if key in ratings:
            raise InputError(path, f"model key {key!r} appears twice", field=where)
        if not isinstance(entry, dict):
            raise InputError(path, "expected an object with rating, rating_q025, rating_q975", field=where)
        values = []
        for name in ("rating", "rating_q025", "rating_q975"):
            if name not in entry:
                raise InputError(path, f"missing key {name!r}", field=f"{where}.{name}")
            if isinstance(entry[name], str):  # JSON numbers only; a string is a wrong type
                raise InputError(path, f"not a number: {entry[name]!r}", field=f"{where}.{name}")
            values.append(parse_float(entry[name], path, None, f"{where}.{name}", required=True))
        ratings[key] = (values[0], values[1], values[2])
    return ratings


def _categories(base: Path, snapshots: dict[Path, dict[str, tuple[float, float, float]]]) -> Iterator[SkippedRow]:
    """Skip the undated per-category file, checking that its ``full`` is a known snapshot."""
    path = base / "data" / "leaderboard-text.json"
    relpath = path.relative_to(base).as_posix()
    data = _load_json(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected an object of categories")
    if "full" not in data:
        raise InputError(path, "missing category 'full'", field="full")
    for category in sorted(data):
        ratings = _parse_ratings(data[category], path, f"{category}.")
        ref = f"{SOURCE.folder}/{relpath}#{category}"
        if category != "full":
            yield SkippedRow(SOURCE.id, ref, f"untracked benchmark: LMArena text category {category!r}")
            continue
        same = [p for p, snap in snapshots.items() if snap == ratings]
        if not same:
            raise InputError(path, "category 'full' matches no history snapshot, so its snapshot date is unknown", field="full")
        yield SkippedRow(SOURCE.id, ref, f"duplicate of {same[-1].relative_to(base).as_posix()}")


def _load_scatter(base: Path, relpath: str) -> dict[str, ModelRow]:
    path = base / relpath
    data = _load_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected a list of models")
    rows: dict[str, ModelRow] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(path, "expected an object", field=f"[{index}]")
        fields = {}
        for name in ("model_api_name", "name", "organization", "license"):
            value = item.get(name)
            if not isinstance(value, str):
                problem = "missing key" if value is None else f"expected a string, got {type(value).__name__}"
                raise InputError(path, f"{problem} {name!r}", field=f"[{index}].{name}")
            fields[name] = value.strip()
        key = fields["model_api_name"]
        if not key:
            raise InputError(path, "empty model_api_name", field=f"[{index}].model_api_name")
        if key in rows:
            raise InputError(path, f"model_api_name {key!r} appears twice", field=f"[{index}].model_api_name")
        licence = fields["license"] or None
        rows[key] = ModelRow(
            source_id=SOURCE.id,
            ref=f"{SOURCE.folder}/{relpath}#{key}",
            name=key,
            display_name=fields["name"] or None,
            org_names=(fields["organization"],) if fields["organization"] else (),
            licence=licence,
            accessibility=arena_accessibility(licence),
        )
    return rows
