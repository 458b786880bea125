"""Epoch Capabilities Index (ECI), one row per model *version*.

Source: Epoch AI's ECI table as mirrored in ``peterhurford/metr_graph``. We pin
``history/5c4780a_2026-03-09/epoch_capabilities_index.csv``, the last commit
before the mirror's owner hand-added two unverified rows to the top-level copy.

Judgement calls:

* ``Model name`` groups reasoning-effort and provider variants; the row's
  ``Model version`` (e.g. ``gpt-5.2-2025-12-11_high``) becomes ``variant``.
  Epoch fits ECI per model, so every version of a model carries the same score:
  consumers must not count those scores as independent observations.
* Rows with an empty ``Model name`` (old models without a score) fall back to
  ``Model version`` as the name.
* ``Confidence`` rates the **training-compute estimate**, not the ECI score (Epoch's
  own column, shared with its Notable AI Models data). Every row keeps its model and
  score whatever it says; the value travels as ``training_compute_confidence`` next to
  the compute figure, and only where there is one, so only analyses that use compute
  (the efficiency indicator) can weigh it. In the pinned file ``Unverified`` marks the
  newest frontier models (GPT-5.2, Claude Opus 4.6, GLM-5, Kimi K2.5, DeepSeek-V3.2,
  ...), none of which has a compute estimate.
* ``Country`` is Epoch's *set* of countries for the row's organisations, not a
  list aligned one-to-one with ``Organization`` (``"Google DeepMind,Google"`` has
  one country). Both are passed on as written.
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

CSV_PATH = "history/5c4780a_2026-03-09/epoch_capabilities_index.csv"

SOURCE = SourceInfo(
    id="epoch_eci",
    title="Epoch Capabilities Index (ECI)",
    url="https://epoch.ai/benchmarks/eci",
    licence="CC BY 4.0 (Epoch AI)",
    snapshot_date=dt.date(2026, 3, 9),
    folder="peterhurford__metr_graph",
    files=(CSV_PATH,),
    description="Epoch AI's composite capability index per model version, with release date, developer, country, accessibility and training compute.",
    independent=True,
)

METRIC_VERSION = "ECI, Epoch snapshot 2026-03-09"

REQUIRED = (
    "Model version",
    "ECI Score",
    "Release date",
    "Organization",
    "Country",
    "Model accessibility",
    "Training compute (FLOP)",
    "Confidence",
    "Model name",
    "Display name",
)


def read(root: Path) -> Iterator[Row]:
    path = root / SOURCE.folder / CSV_PATH
    for line, row in read_csv(path, REQUIRED):
        where = ref(SOURCE.folder, CSV_PATH, line)
        version = row["Model version"].strip()
        if not version:
            raise InputError(path, "model version is empty", line=line, field="Model version")
        score = parse_float(row["ECI Score"], path, line, "ECI Score")
        released = parse_date(row["Release date"], path, line, "Release date")
        compute = parse_float(row["Training compute (FLOP)"], path, line, "Training compute (FLOP)")
        name = row["Model name"].strip() or version
        orgs = split_list(row["Organization"])
        yield ModelRow(
            source_id=SOURCE.id,
            ref=where,
            name=name,
            display_name=row["Display name"].strip() or None,
            variant=version,
            org_names=orgs,
            org_countries=split_list(row["Country"]),
            release_date=released,
            accessibility=epoch_accessibility(row["Model accessibility"]),
            training_compute_flop=compute,
            training_compute_confidence=(row["Confidence"].strip() or None) if compute is not None else None,
        )
        if score is None:
            continue
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=where,
            model_name=name,
            benchmark="eci",
            value=score,
            snapshot_date=SOURCE.snapshot_date,
            independent=SOURCE.independent,
            metric_version=METRIC_VERSION,
            variant=version,
            org_names=orgs,
        )
