"""A crawl database's Hub tables as Parquet, laid out for Spark (or any engine) to read in parallel.

``weightatlas export-parquet --db hub.duckdb --out DIR`` writes one folder per table:

* ``hub_downloads/snapshot_id=N/*.parquet`` — Hive-partitioned by crawl snapshot: it is
  the table that grows with every crawl (one row per repo per crawl), a new crawl only
  adds a folder, and the per-snapshot series reads each partition apart.
* ``hub_models/``, ``hub_edges/``, ``hub_features/``, ``crawl_snapshots/``, ``quarantine/`` —
  files of at most ``FILE_MB`` each, rows sorted by their join key (``id``, ``child``,
  ``repo_id``) so the row groups' min/max statistics let a reader skip most of a file on
  a lookup. They are not Hive-partitioned: every query joins them whole, and a
  partition column would add a column to ``SELECT *``.

DuckDB reads the same layout (``read_parquet('DIR/hub_models/*.parquet')``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from weightatlas.errors import WeightatlasError
from weightatlas.hub.schema import HUB_TABLES
from weightatlas.progress import track
from weightatlas.store import attach_crawl_db

FILE_MB = 256
SORT_KEYS = {"hub_models": "id", "hub_edges": "child, parent", "hub_features": "repo_id", "hub_downloads": "model_id"}
PARTITIONS = {"hub_downloads": "snapshot_id"}


def export_parquet(db: Path, out: Path) -> dict[str, int]:
    """Write every ``hub_*`` table of crawl database ``db`` under ``out``; return the rows written per table."""
    out = Path(out)
    busy = [name for name in HUB_TABLES if (out / name).exists() and any((out / name).iterdir())]
    if busy:
        raise WeightatlasError(f"{out / busy[0]} already holds files; export into an empty folder (nothing was written)")
    con = duckdb.connect(":memory:")
    try:
        attach_crawl_db(con, Path(db))  # a file that is not a crawl database fails here, naming it
        out.mkdir(parents=True, exist_ok=True)  # only then: a bad --db leaves no empty folder behind
        counts: dict[str, int] = {}
        for name in track(HUB_TABLES, "exporting Hub tables to Parquet", unit="tables"):
            order = f" ORDER BY {SORT_KEYS[name]}" if name in SORT_KEYS else ""
            target = out / name
            counts[name] = con.execute(f"SELECT count(*) FROM crawl.{name}").fetchone()[0]  # type: ignore[index]
            # An empty table partitioned would be an empty folder, whose schema no reader can infer.
            if name in PARTITIONS and counts[name]:
                options = f"FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({PARTITIONS[name]})"
            else:
                target.mkdir(exist_ok=True)
                options = f"FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES '{FILE_MB}MB'"
            # The path is a parameter-free literal DuckDB needs in COPY; quote it the SQL way.
            path = str(target).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM crawl.{name}{order}) TO '{path}' ({options})")
        return counts
    finally:
        con.close()
