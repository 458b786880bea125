"""The literature check: published figures next to the same quantity recomputed the publisher's way.

``data/curated/literature.csv`` lists each published figure with its quote, where it was
read, the publisher's method, the recomputation that implements it here
(:mod:`weightatlas.literature.recompute`), a tolerance and the committed expected status.
:func:`build_literature` computes ours, the difference and the status of every row:

* ``within_tolerance`` / ``outside_tolerance``: |ours − theirs| against the tolerance;
* ``data_not_held``: weightatlas does not hold the data the figure needs (listed first);
* ``not_verified``: no readable copy of the figure; it carries no number.

A row whose recomputation gives no result gets ``not_computed``. ``status_changed`` marks
rows whose status differs from the committed one; ``weightatlas check literature`` exits
non-zero on any.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from weightatlas.literature import recompute

STATUSES = ("within_tolerance", "outside_tolerance", "data_not_held", "not_verified")
ORDER = {"data_not_held": 0, "not_verified": 1}


def load_rows(path: Path | None = None) -> list[dict[str, Any]]:
    """The curated table, validated by its spec in :mod:`weightatlas.curated`."""
    from weightatlas.curated import LITERATURE, load_table

    return load_table(LITERATURE, path)


def status_of(theirs: float | None, ours: float | None, tolerance: float | None, *, held: bool, verified: bool) -> str:
    """The status of one row from its numbers (the rule the panel and the command share)."""
    if not verified:
        return "not_verified"
    if not held:
        return "data_not_held"
    if ours is None or theirs is None or tolerance is None:
        return "not_computed"
    return "within_tolerance" if abs(ours - theirs) <= tolerance + 1e-9 else "outside_tolerance"


def check_row(row: dict[str, Any], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """One panel row: theirs, ours, difference, tolerance, status and why."""
    verified = row["expected_status"] != "not_verified" and row["published_value"] is not None
    held = bool(row["recompute"])
    theirs = row["published_value"] if verified else None
    ours = population = None
    if verified and held:
        result = recompute.run(row["recompute"], con)
        ours, population = result.value, result.population
    status = status_of(theirs, ours, row["tolerance"], held=held, verified=verified)
    difference = round(ours - theirs, 4) if ours is not None and theirs is not None else None
    return {
        "id": row["id"],
        "quantity": row["quantity"],
        "definition": row["definition"],
        "unit": row["unit"],
        "theirs": theirs,
        "ours": round(ours, 4) if ours is not None else None,
        "difference": difference,
        "tolerance": row["tolerance"],
        "tolerance_why": row["tolerance_why"],
        "status": status,
        "expected_status": row["expected_status"],
        "status_changed": status != row["expected_status"],
        "why": row["why_if_not"] if status != "within_tolerance" else None,
        "population": population,
        "quote": row["quote"],
        "read_at": row["read_at"],
        "source_url": row["source_url"],
        "source_date": row["source_date"],
        "publisher_method": row["publisher_method"],
        "inputs": row["inputs"],
        "recompute": row["recompute"] or None,
    }


def build_literature(ctx: Any, document: dict[str, Any] | None = None, *, path: Path | None = None) -> dict[str, Any]:
    """The ``literature`` block of the JSON contract (``ctx``: the indicators' Context, for its store)."""
    rows = [check_row(r, ctx.store.con) for r in load_rows(path)]
    rows.sort(key=lambda r: ORDER.get(r["status"], 2))  # stable: table order within each group
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in (*STATUSES, "not_computed")}
    snapshot = (document or {}).get("snapshot") or getattr(ctx.store, "manifest", {}) or {}
    return {
        "rows": rows,
        "counts": counts,
        "total": len(rows),
        "changed": [r["id"] for r in rows if r["status_changed"]],
        "summary": (
            f"{counts['within_tolerance']} of {len(rows)} published figures reproduced within tolerance; "
            f"{counts['outside_tolerance']} outside; {counts['data_not_held']} not held; {counts['not_verified']} not verified"
        ),
        "snapshot_note": (
            f"Recomputed on the weightatlas snapshot of {snapshot.get('snapshot_date', 'unknown date')} "
            f"(content hash {str(snapshot.get('content_hash', ''))[:12] or 'n/a'}); each row names the population it used. "
            "Published figures come from other snapshots and populations: a difference is reported, never adjusted away."
        ),
        "method": (
            "Each recomputation implements the publisher's stated method on the data weightatlas holds; tolerance is absolute, "
            "in the figure's unit. Figures whose data weightatlas does not hold are listed first and never recomputed; "
            "figures without a readable copy carry no number."
        ),
        "table": "data/curated/literature.csv",
    }
