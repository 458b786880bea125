"""Row-level differences between two versions of a table, set-based in DuckDB.

:func:`diff_table` compares an old and a new relation (a Parquet file, or a
registered Arrow table for curated CSVs) by the table's natural key: rows
added, removed, and revised (same key, different values, with the columns that
changed), plus a few examples of each. When the key is not unique on a side,
the n-th duplicate of a key is paired with the n-th on the other side (both
ordered by every column), so identical rows never count as changes.
"""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

#: The natural key of every snapshot table (a table not listed is compared by whole rows).
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("id",),
    "organizations": ("id",),
    "models": ("model_id",),
    "scores": ("model_id", "benchmark", "source_id", "variant", "metric_version", "raw_model_name", "snapshot_date"),
    "model_names": ("source_id", "ref", "kind", "raw_name"),
    "crawl_snapshots": ("snapshot_id",),
    "hub_models": ("id",),
    "hub_downloads": ("snapshot_id", "model_id"),
    "hub_edges": ("child", "parent"),
    "quarantine": ("snapshot_id", "page_no", "position", "model_id"),
    "hub_features": ("repo_id",),
    "tracked_models": ("model_id", "list"),
    "history_repos": ("repo_id",),
    "download_history": ("repo_id", "day"),
    "finetune_history": ("base_repo", "months_after"),
    "hub_listing_2022": ("repo_id",),
    "inference_usage": ("source", "week_start", "model_key"),
}

#: Long daily/monthly series: summarised (rows, repos, date range) and counted, never listed.
SUMMARY_SQL: dict[str, str] = {
    "download_history": "SELECT count(*) AS rows, count(DISTINCT repo_id) AS repos, min(day)::VARCHAR AS first, max(day)::VARCHAR AS last FROM {rel}",
    "finetune_history": (
        "SELECT count(*) AS rows, count(DISTINCT base_repo) AS repos, min(created_at)::VARCHAR AS first, "
        "max(created_at)::VARCHAR AS last, max(months_after) AS max_months_after FROM {rel}"
    ),
}

EXAMPLES = 5
_TEXT_MAX = 80


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def parquet_rel(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def plain(value: Any) -> Any:
    """A JSON-able, short rendering of one cell."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value[:10]] + (["…"] if len(value) > 10 else [])
    text = str(value)
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


def csv_table(path: Path) -> pa.Table:
    """A curated CSV as an all-text Arrow table (the files are small)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        rows = [r + [""] * (len(header) - len(r)) for r in reader if r]
    columns = {name: [r[i] if r[i] != "" else None for r in rows] for i, name in enumerate(header)}
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _columns(con: duckdb.DuckDBPyConnection, rel: str) -> dict[str, str]:
    return {name: str(kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}


def diff_table(
    con: duckdb.DuckDBPyConnection, name: str, old_rel: str | None, new_rel: str | None, key: tuple[str, ...] | None = None, *, examples: int = EXAMPLES
) -> dict[str, Any]:
    """Compare one table's old and new versions (either may be None: the table is absent on that side)."""
    key = key if key is not None else TABLE_KEYS.get(name, ())
    result: dict[str, Any] = {"table": name}
    if old_rel is None or new_rel is None:
        rel = new_rel or old_rel
        n = con.execute(f"SELECT count(*) FROM {rel}").fetchall()[0][0]
        result |= {"status": "added" if old_rel is None else "removed", "old_rows": 0 if old_rel is None else n, "new_rows": n if old_rel is None else 0}
        result |= {"added": n if old_rel is None else 0, "removed": n if new_rel is None else 0, "revised": 0}
        return result
    old_cols, new_cols = _columns(con, old_rel), _columns(con, new_rel)
    common = [c for c in new_cols if c in old_cols]
    cast = {c for c in common if old_cols[c] != new_cols[c]}  # a type changed: compare the text

    def select(rel: str) -> str:
        return ", ".join(f"CAST({q(c)} AS VARCHAR) AS {q(c)}" if c in cast else q(c) for c in common)

    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_old AS SELECT {select(old_rel)} FROM {old_rel}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_new AS SELECT {select(new_rel)} FROM {new_rel}")
    keys = [k for k in key if k in common] if key and all(k in common for k in key) else list(common)
    result["key"] = list(keys) if keys != common else ["(whole row)"]
    unique = all(
        con.execute(f"SELECT count(*) = (SELECT count(*) FROM (SELECT DISTINCT {', '.join(map(q, keys))} FROM {t})) FROM {t}").fetchall()[0][0]
        for t in ("wa_old", "wa_new")
    )
    if not unique:  # pair the n-th duplicate with the n-th, identical rows first
        order = ", ".join(q(c) for c in common)
        part = ", ".join(map(q, keys))
        for t in ("wa_old", "wa_new"):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {t} AS SELECT *, row_number() OVER (PARTITION BY {part} ORDER BY {order}) AS wa_occ FROM {t}")
        keys = [*keys, "wa_occ"]
        result["key_note"] = "key not unique on a side: the n-th duplicate is paired with the n-th"
    on = " AND ".join(f"o.{q(k)} IS NOT DISTINCT FROM n.{q(k)}" for k in keys)
    values = [c for c in common if c not in keys]
    old_rows, new_rows = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("wa_old", "wa_new"))
    added = con.execute(f"SELECT count(*) FROM wa_new n ANTI JOIN wa_old o ON {on}").fetchall()[0][0]
    removed = con.execute(f"SELECT count(*) FROM wa_old o ANTI JOIN wa_new n ON {on}").fetchall()[0][0]
    changed_expr = "[" + ", ".join(f"CASE WHEN o.{q(c)} IS DISTINCT FROM n.{q(c)} THEN '{c}' END" for c in values) + "]" if values else "[]::VARCHAR[]"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE wa_rev AS SELECT * FROM (SELECT {', '.join(f'n.{q(k)}' for k in keys)}, "
        f"list_filter({changed_expr}, lambda x: x IS NOT NULL) AS wa_changed"
        + "".join(f", o.{q(c)} AS {q('old.' + c)}, n.{q(c)} AS {q('new.' + c)}" for c in values)
        + f" FROM wa_old o JOIN wa_new n ON {on}) WHERE len(wa_changed) > 0"
    )
    revised = con.execute("SELECT count(*) FROM wa_rev").fetchall()[0][0]
    by_column = dict(con.execute("SELECT c, count(*) FROM (SELECT unnest(wa_changed) AS c FROM wa_rev) GROUP BY c ORDER BY count(*) DESC, c").fetchall())
    result |= {
        "status": "changed" if added or removed or revised or set(old_cols) != set(new_cols) else "unchanged",
        "old_rows": old_rows,
        "new_rows": new_rows,
        "added": added,
        "removed": removed,
        "revised": revised,
        "changed_columns": by_column,
        "columns_added": [c for c in new_cols if c not in old_cols],
        "columns_removed": [c for c in old_cols if c not in new_cols],
    }
    if name in SUMMARY_SQL:
        result["summary"] = {side: _summary(con, SUMMARY_SQL[name], t) for side, t in (("old", "wa_old"), ("new", "wa_new"))}
    elif examples and result["status"] == "changed":
        shown = [k for k in keys if k != "wa_occ"]
        cols = ", ".join(q(k) for k in shown)
        ex: dict[str, Any] = {}
        for kind, a, b in (("added", "wa_new", "wa_old"), ("removed", "wa_old", "wa_new")):
            rows = con.execute(f"SELECT {', '.join('n.' + q(k) for k in shown)} FROM {a} n ANTI JOIN {b} o ON {on} ORDER BY {cols} LIMIT {examples}").fetchall()
            ex[kind] = [_key(shown, r) for r in rows]
        cursor = con.execute(f"SELECT * FROM wa_rev ORDER BY {cols} LIMIT {examples}")
        names = [d[0] for d in cursor.description]
        ex["revised"] = []
        for row in cursor.fetchall():
            rec = dict(zip(names, row, strict=True))
            ex["revised"].append(
                {"key": _key(shown, [rec[k] for k in shown]), "changes": {c: [plain(rec["old." + c]), plain(rec["new." + c])] for c in rec["wa_changed"]}}
            )
        result["examples"] = ex
    return result


def _key(names: list[str], values: Any) -> str:
    return " | ".join(str(plain(v)) for v in values) if len(names) > 1 else str(plain(values[0]))


def _summary(con: duckdb.DuckDBPyConnection, sql: str, table: str) -> dict[str, Any]:
    cursor = con.execute(sql.format(rel=table))
    names = [d[0] for d in cursor.description]
    return {k: plain(v) for k, v in zip(names, (cursor.fetchall() or [[]])[0], strict=False)}
