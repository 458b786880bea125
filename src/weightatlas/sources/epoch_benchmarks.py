"""Epoch AI Benchmarking Hub: Epoch's own evaluation runs (export of 2025-05-12).

Source: ``VinodGeorge24/AI_Benchmark``, ``data/``. ``benchmarks_runs.csv`` has one
row per evaluation run (run id, task, model *version* id, best score 0-1 across
scorers, and the per-scorer ``Scores`` text); ``model_versions.csv`` maps version
ids to Epoch's model name, release date and Hugging Face link.

Judgement calls:

* One ``ScoreRow`` per run, scaled to percent, with the run's model version as
  ``variant``; the run id and raw ``Scores`` go into ``extra``. Tasks without a
  tracked benchmark (``FrontierMath-2025-02-28-Private``) are skipped.
* One ``ModelRow`` per version that has a run, located at its row in
  ``model_versions.csv`` (release date, display name, ``hf_repo`` when the link is
  a Hugging Face repository).
* Developer and country come from ``master.csv``, the only file that links a model
  to an organisation. It is keyed by model name (``Model Name`` = the version's
  ``Model``) and gives one organisation and country per name; a name given two
  different developers is an error. ``organizations.csv`` (Epoch's organisation ->
  country table) agrees with ``master.csv`` on every developer used, so it is not
  read. ``master.csv`` names a single developer, so co-developers are missing
  (Tulu 3 is credited to the University of Washington alone).
* ``master.csv`` is never used for scores: its SWE-bench rows are not Epoch's
  runs (different values, extra models). ``frontier_math_filtered.csv`` is a
  subset of the runs and is ignored.
* Version ids and model names are stripped (one id has a trailing space in both
  files). A version not linked to a model (empty ``Model``) is named by its id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    ModelRow,
    Row,
    ScoreRow,
    SkippedRow,
    SourceInfo,
    parse_date,
    parse_float,
    read_csv,
    ref,
    split_list,
)

RUNS = "data/benchmarks_runs.csv"
VERSIONS = "data/model_versions.csv"
MASTER = "data/master.csv"

SOURCE = SourceInfo(
    id="epoch_benchmarks",
    title="Epoch AI Benchmarking Hub",
    url="https://epoch.ai/benchmarks",
    licence="CC BY 4.0 (Epoch AI)",
    snapshot_date=dt.date(2025, 5, 12),
    folder="VinodGeorge24__AI_Benchmark",
    files=(RUNS, VERSIONS, MASTER),
    description="Epoch AI's own runs of GPQA Diamond, MATH Level 5, OTIS Mock AIME, FrontierMath and SWE-bench Verified, per model version.",
    independent=True,
)

# Epoch task name -> benchmark id in data/curated/benchmarks.csv.
TASKS = {
    "GPQA diamond": "gpqa_diamond",
    "MATH level 5": "math_level_5",
    "OTIS Mock AIME 2024-2025": "otis_mock_aime",
    "FrontierMath-2025-02-28-Public": "frontiermath",
    "SWE-Bench verified": "swe_bench_verified",
}

SCORE_COLUMN = "Best score (across scorers)"

_HF_LINK = re.compile(r"https://huggingface\.co/([\w.-]+/[\w.-]+)/?")


@dataclass(frozen=True)
class _Version:
    line: int
    model: str
    release_date: dt.date | None
    display_name: str | None
    hf_repo: str | None


def read(root: Path) -> Iterator[Row]:
    base = root / SOURCE.folder
    versions = _read_versions(base / VERSIONS)
    orgs = _read_orgs(base / MASTER)
    runs_path = base / RUNS
    runs = list(read_csv(runs_path, ("id", "task", "model", SCORE_COLUMN, "Scores")))

    used: dict[str, _Version] = {}
    for line, row in runs:
        version_id = row["model"].strip()
        if version_id not in versions:
            raise InputError(runs_path, f"model version {version_id!r} is not in {VERSIONS}", line=line, field="model")
        used[version_id] = versions[version_id]

    for version_id, version in sorted(used.items(), key=lambda item: item[1].line):
        org, country = orgs.get(version.model, ((), ()))
        yield ModelRow(
            source_id=SOURCE.id,
            ref=ref(SOURCE.folder, VERSIONS, version.line),
            name=version.model,
            display_name=version.display_name,
            variant=version_id,
            org_names=org,
            org_countries=country,
            release_date=version.release_date,
            hf_repo=version.hf_repo,
        )

    for line, row in runs:
        where = ref(SOURCE.folder, RUNS, line)
        run_id = row["id"].strip()
        if not run_id:
            raise InputError(runs_path, "run id is empty", line=line, field="id")
        score = parse_float(row[SCORE_COLUMN], runs_path, line, SCORE_COLUMN, required=True)
        if not 0.0 <= score <= 1.0:
            raise InputError(runs_path, f"score {score} is outside 0-1", line=line, field=SCORE_COLUMN)
        task = row["task"].strip()
        benchmark = TASKS.get(task)
        if benchmark is None:
            yield SkippedRow(SOURCE.id, where, f"untracked benchmark: {task}")
            continue
        version_id = row["model"].strip()
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=where,
            model_name=versions[version_id].model,
            benchmark=benchmark,
            value=_percent(score),
            snapshot_date=SOURCE.snapshot_date,
            independent=SOURCE.independent,
            metric_version=f"Epoch Benchmarking Hub, {task}",
            variant=version_id,
            extra={"run_id": run_id, "scores": row["Scores"].strip()},
        )


def _percent(fraction: float) -> float:
    # Shift the decimal point exactly, so 0.346 gives 34.6 rather than 34.599999999999994.
    return float(Decimal(repr(fraction)) * 100)


def _read_versions(path: Path) -> dict[str, _Version]:
    versions: dict[str, _Version] = {}
    for line, row in read_csv(path, ("id", "Model", "Version release date", "Link", "Display name")):
        version_id = row["id"].strip()
        if not version_id:
            raise InputError(path, "version id is empty", line=line, field="id")
        # About 20 versions (none with a run) are not linked to a model yet.
        model = row["Model"].strip() or version_id
        if version_id in versions:
            raise InputError(path, f"duplicate version id {version_id!r} (first on line {versions[version_id].line})", line=line, field="id")
        link = _HF_LINK.fullmatch(row["Link"].strip())
        versions[version_id] = _Version(
            line=line,
            model=model,
            release_date=parse_date(row["Version release date"], path, line, "Version release date"),
            display_name=row["Display name"].strip() or None,
            hf_repo=link.group(1) if link else None,
        )
    return versions


def _read_orgs(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Model name -> (organisations, countries) from master.csv, one developer per name."""
    orgs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for line, row in read_csv(path, ("Model Name", "Organization", "Country")):
        name = row["Model Name"].strip()
        if not name:
            raise InputError(path, "model name is empty", line=line, field="Model Name")
        entry = (split_list(row["Organization"]), split_list(row["Country"]))
        if not entry[0]:
            continue  # no developer named on this row: nothing to attribute
        if orgs.setdefault(name, entry) != entry:
            raise InputError(path, f"{name!r} is given two developers: {orgs[name]} and {entry}", line=line, field="Organization")
    return orgs
