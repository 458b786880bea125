"""The ATOM project's curated list of first-party open models, as a population table.

Source: ``Interconnects-AI/tracked-models`` (F. Brand and N. Lambert; Apache-2.0):
``models.csv`` is the curated mainline list of about 1,800 first-party open
language models (organisation namespace, repo id); ``extra_models.csv`` adds
further first-party releases. weightatlas uses the mainline list as the
``p_curated`` adoption population (methods.md §4.2) and both lists as the
curated base list where lineage walks stop (methods.md §4.4 step 4).

Rows become the ``tracked_models`` table: ``model_id``, ``namespace``, ``list``
(``main`` or ``extra``) and the source ``ref``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from weightatlas.errors import InputError
from weightatlas.sources.base import SourceInfo, read_csv, ref

SOURCE = SourceInfo(
    id="atom_tracked_models",
    title="ATOM Project tracked first-party open models (Interconnects-AI/tracked-models)",
    url="https://github.com/Interconnects-AI/tracked-models",
    licence="Apache-2.0",
    snapshot_date=date(2026, 8, 17),
    folder="Interconnects-AI__tracked-models",
    files=("models.csv", "extra_models.csv"),
    description="Hand-curated list of first-party open language-model releases, keyed by exact Hub repo id.",
    independent=True,
)
TABLES = ("tracked_models",)
DDL = """
CREATE TABLE IF NOT EXISTS tracked_models (
    model_id VARCHAR NOT NULL,
    namespace VARCHAR NOT NULL,
    list VARCHAR NOT NULL,
    ref VARCHAR NOT NULL
);
"""
ORDER = {"tracked_models": "list, model_id"}


def read_lists(root: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name, kind in (("models.csv", "main"), ("extra_models.csv", "extra")):
        path = root / SOURCE.folder / name
        for line, row in read_csv(path, ("org", "model", "modelId")):
            model_id = row["modelId"].strip()
            if model_id.count("/") != 1 or not all(model_id.split("/")):
                raise InputError(path, f"not a Hub repo id: {model_id!r}", line=line, field="modelId")
            namespace = model_id.split("/")[0]
            if row["org"].strip() and row["org"].strip() != namespace:
                raise InputError(path, f"org {row['org']!r} does not match the repo's namespace {namespace!r}", line=line, field="org")
            if model_id.lower() in seen:
                continue  # listed in both files: the mainline entry wins
            seen.add(model_id.lower())
            rows.append({"model_id": model_id, "namespace": namespace, "list": kind, "ref": ref(SOURCE.folder, name, line)})
    return rows


def import_into(root: Path, con: duckdb.DuckDBPyConnection, *, scratch_dir: Path | None = None) -> dict[str, Any]:
    rows = read_lists(root)  # the table exists: the snapshot build runs DDL first
    con.executemany("INSERT INTO tracked_models VALUES (?, ?, ?, ?)", [(r["model_id"], r["namespace"], r["list"], r["ref"]) for r in rows])
    counts = {kind: sum(1 for r in rows if r["list"] == kind) for kind in ("main", "extra")}
    return {"models": len(rows), **counts, "namespaces": len({r["namespace"] for r in rows})}
