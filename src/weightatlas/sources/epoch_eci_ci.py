"""Epoch Capabilities Index with confidence intervals, one row per model.

Source: ``TheoBearman/ECI-Accessibility-Gap``, ``data/eci_scores.csv``: Epoch AI's
ECI scores (snapshot 2026-02-08) with the bounds of their confidence interval,
developer, country and accessibility. ``data.json`` holds the same models with a
standard error instead of bounds and is not read.

Judgement calls:

* One row per ``Model`` (no version ids: ``model_versions`` is empty throughout),
  so ``variant`` stays unset; ``Display name`` shows which version was scored.
* The interval is optional, but both bounds or neither, and it must contain the
  score. The two rows without one are ECI's anchor models (Claude 3.5 Sonnet at
  130, GPT-5 at 150), fixed by construction.
* ``Country (of organization)`` is the set of countries of the developers, not a
  list aligned with ``Organization`` (Google DeepMind has two). Both are passed on
  as written. The repository's own ``Accessibility group`` is kept in ``extra``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    ModelRow,
    Row,
    ScoreRow,
    SourceInfo,
    epoch_accessibility,
    parse_date,
    parse_float,
    read_csv,
    ref,
    split_list,
)

CSV_PATH = "data/eci_scores.csv"

SOURCE = SourceInfo(
    id="epoch_eci_ci",
    title="Epoch Capabilities Index with confidence intervals (via ECI-Accessibility-Gap)",
    url="https://github.com/TheoBearman/ECI-Accessibility-Gap",
    licence="CC BY 4.0 (Epoch AI data)",
    snapshot_date=dt.date(2026, 2, 8),
    folder="TheoBearman__ECI-Accessibility-Gap",
    files=(CSV_PATH,),
    description="Epoch AI's capability index per model with confidence-interval bounds, developer, country and accessibility.",
    independent=True,
)

METRIC_VERSION = "ECI, Epoch snapshot 2026-02-08"

REQUIRED = (
    "Model",
    "Display name",
    "eci",
    "eci_ci_low",
    "eci_ci_high",
    "date",
    "Organization",
    "Country (of organization)",
    "Model accessibility",
    "Accessibility group",
)


def read(root: Path) -> Iterator[Row]:
    path = root / SOURCE.folder / CSV_PATH
    for line, row in read_csv(path, REQUIRED):
        where = ref(SOURCE.folder, CSV_PATH, line)
        name = row["Model"].strip()
        if not name:
            raise InputError(path, "model name is empty", line=line, field="Model")
        score = parse_float(row["eci"], path, line, "eci", required=True)
        low = parse_float(row["eci_ci_low"], path, line, "eci_ci_low")
        high = parse_float(row["eci_ci_high"], path, line, "eci_ci_high")
        if (low is None) != (high is None):
            missing = "eci_ci_low" if low is None else "eci_ci_high"
            raise InputError(path, "only one bound of the confidence interval is given", line=line, field=missing)
        if low is not None and high is not None and not low <= score <= high:
            raise InputError(path, f"interval [{low}, {high}] does not contain the score {score}", line=line, field="eci")
        orgs = split_list(row["Organization"])
        yield ModelRow(
            source_id=SOURCE.id,
            ref=where,
            name=name,
            display_name=row["Display name"].strip() or None,
            org_names=orgs,
            org_countries=split_list(row["Country (of organization)"]),
            release_date=parse_date(row["date"], path, line, "date"),
            accessibility=epoch_accessibility(row["Model accessibility"]),
        )
        group = row["Accessibility group"].strip()
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=where,
            model_name=name,
            benchmark="eci",
            value=score,
            snapshot_date=SOURCE.snapshot_date,
            independent=SOURCE.independent,
            metric_version=METRIC_VERSION,
            ci_low=low,
            ci_high=high,
            org_names=orgs,
            extra={"accessibility_group": group} if group else {},
        )
