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
* ``inference_usage`` (optional) — one row per (source, week, listed model) of the
  OpenRouter rankings, attributed, with the open-weight flag and where it was read.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from weightatlas.errors import InputError, WeightatlasError
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
            ("training_compute_confidence", pa.string()),
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


#: Tables an older snapshot may lack: :meth:`Store.open` creates each one empty when its file is absent.
OPTIONAL_SCHEMAS: dict[str, pa.Schema] = {
    # Hub histories (weightatlas.sources.hf_download_history / hf_finetune_history / hf_listing_2022).
    # One row per repo of the KBhandari11 download cohort, attributed and given a modality.
    "history_repos": pa.schema(
        [
            ("repo_id", pa.string()),
            ("ref", pa.string()),
            ("cohort_file", pa.string()),  # file stem: 'Qwen', 'Meta', ..., 'Other'
            ("org_id", pa.string()),
            ("country", pa.string()),
            ("bloc", pa.string()),
            ("role", pa.string()),  # first_party | first_party_outside_17 | repack | individual | excluded
            ("root_org_id", pa.string()),  # repacks: developer of the model repacked (NULL when not readable)
            ("root_bloc", pa.string()),
            ("exclusion_reason", pa.string()),
            ("modality", pa.string()),
            ("modality_rule", pa.string()),
            ("created_at", pa.date32()),
            ("counter_start", pa.date32()),  # first day with a non-zero cumulative count
        ]
    ),
    # The all-time cumulative count exactly as in the file, every day column (zeros included).
    "download_history": pa.schema([("repo_id", pa.string()), ("day", pa.date32()), ("cumulative", pa.int64())]),
    # One row per (base, months_after) with a value; right-censored windows are absent.
    "finetune_history": pa.schema(
        [
            ("base_repo", pa.string()),
            ("ref", pa.string()),
            ("cohort_file", pa.string()),
            ("org_id", pa.string()),
            ("bloc", pa.string()),
            ("family", pa.string()),
            ("modality", pa.string()),
            ("modality_rule", pa.string()),
            ("created_at", pa.date32()),
            ("months_after", pa.int32()),
            ("cumulative", pa.int64()),
        ]
    ),
    # The mid-2022 listing: 30-day downloads per repo, attributed (legacy repos through a curated table).
    "hub_listing_2022": pa.schema(
        [
            ("repo_id", pa.string()),
            ("ref", pa.string()),
            ("namespace", pa.string()),  # NULL for legacy namespace-less repos
            ("org_id", pa.string()),
            ("bloc", pa.string()),
            ("role", pa.string()),  # first_party | repack | individual
            ("downloads_30d", pa.int64()),
            ("pipeline_tag", pa.string()),
            ("modality", pa.string()),
            ("modality_rule", pa.string()),
        ]
    ),
    # One row per (source, week, listed model) of the OpenRouter rankings (weightatlas.sources.openrouter_*).
    "inference_usage": pa.schema(
        [
            ("source", pa.string()),
            ("week_start", pa.date32()),  # Monday of the ISO week the figures cover
            ("week_label", pa.string()),
            ("rank", pa.int32()),
            ("model_key", pa.string()),
            ("name", pa.string()),
            ("author", pa.string()),
            ("org_id", pa.string()),
            ("bloc", pa.string()),  # under the default bloc map; indicators re-derive it from org_id
            ("open_weights", pa.bool_()),
            ("open_weights_source", pa.string()),
            ("is_free", pa.bool_()),
            ("stealth", pa.bool_()),
            ("total_tokens", pa.int64()),
            ("ref", pa.string()),
        ]
    ),
}


def write_optional_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Write rows as ``<folder>/<name>.parquet`` with the declared optional-table schema."""
    path = folder / f"{name}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=OPTIONAL_SCHEMAS[name]), path, compression="zstd")
    return path


def write_table(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    """Write rows as ``<folder>/<name>.parquet`` with the declared schema."""
    table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
    path = folder / f"{name}.parquet"
    # No statistics timestamps or writer-specific metadata beyond the defaults:
    # the same rows give the same bytes, so the content hash is stable.
    pq.write_table(table, path, compression="zstd")
    return path


SNAPSHOT_HINT = "rebuild it with `weightatlas snapshot build --from ../shared/data`"


def verify_snapshot(folder: Path) -> dict[str, Any]:
    """Read ``folder``'s manifest and check every table file against it; return the manifest.

    Checked: the manifest is a JSON object with a ``tables`` entry; every table it
    lists (and every core table) is there with the sha256 it records; the per-table
    checksums add up to ``content_hash``. Hashing the embedded snapshot (under 1 MB
    of Parquet) takes about a millisecond. Any failure raises one
    :class:`InputError` naming the file and saying to rebuild.
    """
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise WeightatlasError(
            f"no snapshot at {folder} (missing {MANIFEST}); build one with "
            "`weightatlas snapshot build --from ../shared/data`"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(manifest_path, f"not UTF-8 text ({exc.reason}); the snapshot is damaged, {SNAPSHOT_HINT}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(manifest_path, f"not valid JSON ({exc.msg}, column {exc.colno}); the snapshot is damaged, {SNAPSHOT_HINT}", line=exc.lineno) from exc
    except OSError as exc:
        raise InputError(manifest_path, f"cannot read it ({exc.strerror or exc}); {SNAPSHOT_HINT}") from exc
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not all(isinstance(m, dict) for m in tables.values()):
        raise InputError(manifest_path, f"not a snapshot manifest (no object of tables); {SNAPSHOT_HINT}", field="tables")
    for name in SCHEMAS:
        if name not in tables:
            raise InputError(manifest_path, f"lists no table {name!r}; {SNAPSHOT_HINT}", field="tables")
    content = hashlib.sha256()
    for name, meta in tables.items():
        path = folder / f"{name}.parquet"
        recorded = meta.get("sha256")
        if not isinstance(recorded, str) or len(recorded) != 64:
            raise InputError(manifest_path, f"records no sha256 for table {name!r}; {SNAPSHOT_HINT}", field=f"tables.{name}.sha256")
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            raise WeightatlasError(f"snapshot at {folder} lacks {path.name}; {SNAPSHOT_HINT}") from None
        except OSError as exc:
            raise InputError(path, f"cannot read it ({exc.strerror or exc}); {SNAPSHOT_HINT}") from exc
        if actual != recorded:
            raise InputError(path, f"sha256 {actual[:16]}… differs from the {recorded[:16]}… in {MANIFEST}: the file is damaged or was changed; {SNAPSHOT_HINT}")
        content.update(f"{name}:{recorded}\n".encode())
    if manifest.get("content_hash") != content.hexdigest():
        raise InputError(manifest_path, f"content_hash does not match the table checksums it lists; {SNAPSHOT_HINT}", field="content_hash")
    return manifest


def _load_parquet(con: duckdb.DuckDBPyConnection, name: str, path: Path, *, insert: bool = False) -> None:
    """Load one verified Parquet file as table ``name``; an unreadable file is one clear error."""
    sql = f"INSERT INTO {name} SELECT * FROM read_parquet(?)" if insert else f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)"
    try:
        con.execute(sql, [str(path)])
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0]
        raise InputError(path, f"not a readable Parquet table ({detail}); {SNAPSHOT_HINT}") from exc


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file, whatever its storage version


def attach_crawl_db(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Attach a crawled database read-only as ``crawl``, after checking it is one.

    A missing file, a file that is not DuckDB, a DuckDB file without the ``hub_*``
    tables (or with a column missing), and a file another process holds locked
    each raise one :class:`WeightatlasError` naming the file, before any indicator
    reads from it.
    """
    hint = f"`weightatlas crawl --db {db_path}` makes one"
    if not db_path.is_file():
        raise WeightatlasError(f"no crawl database at {db_path}; run `weightatlas crawl --db {db_path}` first")
    try:
        with db_path.open("rb") as f:
            header = f.read(12)
    except OSError as exc:
        raise WeightatlasError(f"cannot read crawl database {db_path}: {exc.strerror or exc}") from exc
    if header[8:12] != DUCKDB_MAGIC:
        raise WeightatlasError(f"{db_path} is not a DuckDB database, so not a crawl database ({hint})")
    try:
        con.execute("ATTACH ? AS crawl (READ_ONLY)", [str(db_path)])
    except duckdb.Error as exc:
        raise WeightatlasError(f"cannot open crawl database {db_path}: {exc}") from exc
    found: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'crawl' AND schema_name = 'main'"
    ).fetchall():
        found.setdefault(table, set()).add(column)
    for table, columns in _hub_columns().items():
        if table not in found:
            raise WeightatlasError(f"{db_path} is not a crawl database (no table {table}; {hint})")
        missing = [c for c in columns if c not in found[table]]
        if missing:
            raise WeightatlasError(
                f"{db_path} is not a crawl database (table {table} lacks column {missing[0]}; "
                "it may come from another weightatlas version: crawl into a new file)"
            )


def _hub_columns() -> dict[str, list[str]]:
    """The columns every ``hub_*`` table of a crawl database must have, from the schema itself."""
    scratch = duckdb.connect(":memory:")
    try:
        ensure_schema(scratch)
        rows = scratch.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'memory' ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        scratch.close()
    columns: dict[str, list[str]] = {name: [] for name in HUB_TABLES}
    for table, column in rows:
        if table in columns:
            columns[table].append(column)
    return columns


HISTORY_HINT = "a history folder holds history_repos.parquet and download_history/ (Parquet files, hive partitions such as month=2024-01/ allowed)"


def attach_history(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Replace ``history_repos`` and ``download_history`` with the Parquet files of ``folder``.

    ``download_history`` becomes a VIEW over ``download_history/**/*.parquet`` (hive partitioning
    on), not a table: a year of daily counts for the whole Hub is hundreds of millions of rows, and
    a view lets each query stream the files (pruned by the ``day`` statistics of every row group)
    instead of loading them. ``history_repos`` (one row per repo) is loaded as a table.
    A missing file or column is one :class:`InputError` naming it.
    """
    repos, days = folder / "history_repos.parquet", folder / "download_history"
    if not repos.is_file():
        raise InputError(repos, f"missing: {HISTORY_HINT}")
    if not days.is_dir() or not any(days.rglob("*.parquet")):
        raise InputError(days, f"no Parquet files: {HISTORY_HINT}")
    pattern = str(days / "**" / "*.parquet")
    for name, source, schema in (
        ("history_repos", f"read_parquet('{_sql_path(repos)}')", OPTIONAL_SCHEMAS["history_repos"]),
        ("download_history", f"read_parquet('{_sql_path(pattern)}', hive_partitioning = true)", OPTIONAL_SCHEMAS["download_history"]),
    ):
        try:
            found = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
        except duckdb.Error as exc:
            raise InputError(repos if name == "history_repos" else days, f"not readable Parquet ({str(exc).splitlines()[0]})") from exc
        missing = [f for f in schema.names if f not in found]
        if missing:
            raise InputError(repos if name == "history_repos" else days, f"lacks column {missing[0]!r}; {HISTORY_HINT}", field=missing[0])
        columns = ", ".join(f'"{f}"' for f in schema.names)
        con.execute(f"DROP TABLE {name}")
        kind = "TABLE" if name == "history_repos" else "VIEW"
        con.execute(f"CREATE {kind} {name} AS SELECT {columns} FROM {source}")


def _sql_path(path: Path | str) -> str:
    return str(path).replace("'", "''")


@dataclass
class Store:
    """An in-memory DuckDB connection with one view per snapshot table."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    manifest: dict[str, Any]
    db: Path | None = None  # the crawled database the hub_* tables come from, if any

    @classmethod
    def open(cls, folder: Path | None = None, *, db: Path | None = None, history: Path | None = None, hub_only: bool = False) -> Store:
        """Open a snapshot folder; with ``db``, the ``hub_*`` tables come from a crawled DuckDB file.

        With ``history``, ``history_repos`` and ``download_history`` come from a history folder
        (see :func:`attach_history`) instead of the snapshot's own files. ``hub_only`` loads
        the Hub tables and the curated ``tracked_models`` alone (the snapshot is still
        verified): enough for a Hub figure, without reading every other table.

        The crawled database is attached read-only, so a crawl may be running on it
        meanwhile only if DuckDB allows the shared read (it does not while a writer
        holds the file; the error then says so).
        """
        folder = Path(folder or SNAPSHOT_DIR)
        manifest = verify_snapshot(folder)  # before any table is read: a damaged snapshot fails here, in one line
        # Bounded memory (spilling to a temp folder) so Hub-scale indicators stay well under 2 GB.
        con = connect(":memory:", temp_dir=Path(tempfile.gettempdir()) / "weightatlas-duckdb")
        for name in () if hub_only else SCHEMAS:
            path = folder / f"{name}.parquet"
            if not path.is_file():
                raise WeightatlasError(f"snapshot at {folder} lacks {path.name}; rebuild it")
            # Tables, not views: the data is small and indicators read it many times.
            _load_parquet(con, name, path)
        if db is not None:
            attach_crawl_db(con, Path(db))
            for name in HUB_TABLES:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM crawl.{name}")
        else:
            ensure_schema(con)  # empty hub tables for snapshots without them
            for name in HUB_TABLES:
                path = folder / f"{name}.parquet"
                if path.is_file():
                    con.execute(f"DROP TABLE {name}")
                    _load_parquet(con, name, path)
        # Curated lists shipped with the snapshot (e.g. the ATOM population), whatever the hub source.
        con.execute(TRACKED_DDL)
        tracked = folder / "tracked_models.parquet"
        if tracked.is_file():
            _load_parquet(con, "tracked_models", tracked, insert=True)
        for name, schema in () if hub_only else OPTIONAL_SCHEMAS.items():
            path = folder / f"{name}.parquet"
            if path.is_file():
                _load_parquet(con, name, path)
            else:  # an older or fixture snapshot: the same columns, no rows
                con.register("wa_empty_table", pa.Table.from_pylist([], schema=schema))
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM wa_empty_table")
                con.unregister("wa_empty_table")
        if history is not None:
            attach_history(con, Path(history))
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
