"""The normalised tables: their schemas, Parquet files, and a DuckDB view over them.

The embedded snapshot is a folder of Parquet files plus ``manifest.json``
(never a ``.duckdb`` file: DuckDB's storage format changes between releases,
Parquet does not). :class:`Store` opens a folder in an in-memory DuckDB
connection with one view per table, so indicators are plain SQL.

Tables (one row each names its source row in ``ref`` or ``*_ref``):

* ``sources`` — upstream datasets, licences, snapshot dates, input hashes.
* ``organizations`` — curated developers with entity/parent countries.
* ``models`` — one row per resolved model: developers, attribution countries,
  release date (and the row it came from), accessibility, parameters, compute.
* ``scores`` — one row per score: model, benchmark, value, CI, source row,
  snapshot date, independent vs self-reported, metric version.
* ``model_names`` — how every source row's model name was matched.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from weightatlas.errors import WeightatlasError
from weightatlas.hub.schema import HUB_TABLES, connect, ensure_schema
from weightatlas.sources.atom_tracked import DDL as TRACKED_DDL

SNAPSHOT_DIR = Path(__file__).resolve().parent / "data" / "snapshot"
MANIFEST = "manifest.json"

SCHEMAS: dict[str, pa.Schema] = {
    "sources": pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("url", pa.string()),
            ("licence", pa.string()),
            ("snapshot_date", pa.date32()),
            ("folder", pa.string()),
            ("description", pa.string()),
            ("independent", pa.bool_()),
            ("input_sha256", pa.string()),
        ]
    ),
    "organizations": pa.schema(
        [
            ("id", pa.string()),
            ("name", pa.string()),
            ("country_entity", pa.string()),
            ("country_parent", pa.string()),
            ("country", pa.string()),  # attribution country under the stated rule
            ("bloc", pa.string()),  # under the default bloc map; indicators re-derive it from `country`
            ("aliases", pa.list_(pa.string())),
            ("org_type", pa.string()),
            ("is_redistributor", pa.bool_()),
            ("parent", pa.string()),
            ("source_url", pa.string()),
        ]
    ),
    "models": pa.schema(
        [
            ("model_id", pa.string()),
            ("display_name", pa.string()),
            ("family", pa.string()),
            ("org_ids", pa.list_(pa.string())),
            ("countries", pa.list_(pa.string())),
            ("release_date", pa.date32()),
            ("release_date_ref", pa.string()),
            ("accessibility", pa.string()),
            ("params_total", pa.float64()),
            ("params_active", pa.float64()),
            ("licence", pa.string()),
            ("hf_repo", pa.string()),
            ("training_compute_flop", pa.float64()),
            ("org_ref", pa.string()),
            ("sources", pa.list_(pa.string())),
        ]
    ),
    "scores": pa.schema(
        [
            ("model_id", pa.string()),
            ("benchmark", pa.string()),
            ("value", pa.float64()),
            ("ci_low", pa.float64()),
            ("ci_high", pa.float64()),
            ("source_id", pa.string()),
            ("ref", pa.string()),
            ("snapshot_date", pa.date32()),
            ("independent", pa.bool_()),
            ("metric_version", pa.string()),
            ("variant", pa.string()),
            ("raw_model_name", pa.string()),
            ("release_date", pa.date32()),
        ]
    ),
    "model_names": pa.schema(
        [
            ("source_id", pa.string()),
            ("ref", pa.string()),
            ("kind", pa.string()),
            ("raw_name", pa.string()),
            ("key", pa.string()),
            ("model_id", pa.string()),
            ("status", pa.string()),
        ]
    ),
}


def write_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Write rows as ``<folder>/<name>.parquet`` with the declared schema."""
    table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
    path = folder / f"{name}.parquet"
    # No statistics timestamps or writer-specific metadata beyond the defaults:
    # the same rows give the same bytes, so the content hash is stable.
    pq.write_table(table, path, compression="zstd")
    return path


@dataclass
class Store:
    """An in-memory DuckDB connection with one view per snapshot table."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    manifest: dict[str, Any]
    db: Path | None = None  # the crawled database the hub_* tables come from, if any

    @classmethod
    def open(cls, folder: Path | None = None, *, db: Path | None = None) -> Store:
        """Open a snapshot folder; with ``db``, the ``hub_*`` tables come from a crawled DuckDB file.

        The crawled database is attached read-only, so a crawl may be running on it
        meanwhile only if DuckDB allows the shared read (it does not while a writer
        holds the file; the error then says so).
        """
        folder = Path(folder or SNAPSHOT_DIR)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise WeightatlasError(
                f"no snapshot at {folder} (missing {MANIFEST}); build one with "
                "`weightatlas snapshot build --from ../shared/data`"
            )
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        # Bounded memory (spilling to a temp folder) so Hub-scale indicators stay well under 2 GB.
        con = connect(":memory:", temp_dir=Path(tempfile.gettempdir()) / "weightatlas-duckdb")
        for name in SCHEMAS:
            path = folder / f"{name}.parquet"
            if not path.is_file():
                raise WeightatlasError(f"snapshot at {folder} lacks {path.name}; rebuild it")
            # Tables, not views: the data is small and indicators read it many times.
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
        if db is not None:
            db_path = Path(db)
            if not db_path.is_file():
                raise WeightatlasError(f"no crawl database at {db_path}; run `weightatlas crawl --db {db_path}` first")
            try:
                con.execute("ATTACH ? AS crawl (READ_ONLY)", [str(db_path)])
            except duckdb.Error as exc:
                raise WeightatlasError(f"cannot open crawl database {db_path}: {exc}") from exc
            for name in HUB_TABLES:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM crawl.{name}")
        else:
            ensure_schema(con)  # empty hub tables for snapshots without them
            for name in HUB_TABLES:
                path = folder / f"{name}.parquet"
                if path.is_file():
                    con.execute(f"DROP TABLE {name}")
                    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
        # Curated lists shipped with the snapshot (e.g. the ATOM population), whatever the hub source.
        con.execute(TRACKED_DDL)
        tracked = folder / "tracked_models.parquet"
        if tracked.is_file():
            con.execute("INSERT INTO tracked_models SELECT * FROM read_parquet(?)", [str(tracked)])
        return cls(con=con, folder=folder, manifest=manifest, db=Path(db) if db is not None else None)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return every row as a dict (results fully fetched)."""
        cursor = self.con.execute(sql, params or [])
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
