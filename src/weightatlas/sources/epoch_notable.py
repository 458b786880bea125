"""Epoch AI "Notable AI Models": model metadata only, no scores.

Source: the copy of Epoch's ``notable-ai-models.csv`` (accessed 2026-01-26) kept
in ``mxschons/sobe-2025-data-repository``. One row per model, 46 columns; we read
name, developers, countries, publication date, accessibility, parameter count,
training compute (with Epoch's confidence in it) and domain.

Judgement calls:

* Only language and multimodal models are in scope: a row whose comma-separated
  ``Domain`` includes ``Language`` or ``Multimodal`` gives a ``ModelRow``; any
  other row is skipped with its domain as the reason.
* Model names (and some other cells) carry trailing newlines: stripped.
* ``Country (of organization)`` is usually aligned with ``Organization``, but
  Epoch gives Google DeepMind two countries (US and UK), so a single developer can
  come with two countries. Both lists are passed on exactly as written.
* ``Confidence`` rates the training-compute estimate; it is kept as
  ``training_compute_confidence`` next to a compute figure (none without one).
* ``Parameters`` is the total count; active parameters exist only in free-text
  notes and are not parsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    ModelRow,
    Row,
    SkippedRow,
    SourceInfo,
    epoch_accessibility,
    parse_date,
    parse_float,
    read_csv,
    ref,
    split_list,
)

CSV_PATH = "notable-ai-models.csv"

SOURCE = SourceInfo(
    id="epoch_notable",
    title="Epoch AI Notable AI Models",
    url="https://epoch.ai/data/notable-ai-models",
    licence="CC BY 4.0 (Epoch AI)",
    snapshot_date=dt.date(2026, 1, 26),
    folder="mxschons__sobe-2025-data-repository",
    files=(CSV_PATH,),
    description=(
        "Epoch AI's curated list of notable AI models with developer, country, "
        "publication date, accessibility, parameters and training compute."
    ),
    independent=True,
)

IN_SCOPE_DOMAINS = frozenset({"Language", "Multimodal"})

REQUIRED = (
    "Model",
    "Organization",
    "Publication date",
    "Domain",
    "Parameters",
    "Training compute (FLOP)",
    "Confidence",
    "Country (of organization)",
    "Model accessibility",
)


def read(root: Path) -> Iterator[Row]:
    path = root / SOURCE.folder / CSV_PATH
    for line, row in read_csv(path, REQUIRED):
        where = ref(SOURCE.folder, CSV_PATH, line)
        name = row["Model"].strip()
        if not name:
            raise InputError(path, "model name is empty", line=line, field="Model")
        # Validate every row, in scope or not, so a malformed row is never dropped silently.
        released = parse_date(row["Publication date"], path, line, "Publication date")
        params = parse_float(row["Parameters"], path, line, "Parameters")
        compute = parse_float(row["Training compute (FLOP)"], path, line, "Training compute (FLOP)")
        domain = ",".join(split_list(row["Domain"]))
        if not IN_SCOPE_DOMAINS.intersection(split_list(domain)):
            yield SkippedRow(SOURCE.id, where, f"domain out of scope: {domain or '(none)'}")
            continue
        yield ModelRow(
            source_id=SOURCE.id,
            ref=where,
            name=name,
            org_names=split_list(row["Organization"]),
            org_countries=split_list(row["Country (of organization)"]),
            release_date=released,
            accessibility=epoch_accessibility(row["Model accessibility"]),
            params_total=params,
            training_compute_flop=compute,
            # Epoch's confidence in the compute estimate, kept only next to a compute figure.
            training_compute_confidence=(row["Confidence"].strip() or None) if compute is not None else None,
            domain=domain,
        )
