"""The ``hub_*`` tables: one schema for crawled databases and the embedded snapshot.

A crawl writes them into a DuckDB file (``--db``); the family-tree importer writes
the same tables into the embedded snapshot as Parquet. Indicators query them the
same way in both cases.

* ``crawl_snapshots`` — one row per crawl run or import (time, endpoint, query,
  status, counts). ``status`` is ``running`` until the listing ends.
* ``crawl_checkpoints`` — the next-page URL of a running snapshot, written in the
  same transaction as the page it follows, so a killed crawl resumes exactly.
* ``hub_models`` — current state per repo id (first and last snapshot seen).

The large tables carry no PRIMARY KEY on purpose: DuckDB's index-backed upserts
are orders of magnitude slower than a bulk delete-and-insert, so ``ingest.finalize``
keeps them unique (one row per id, per (child, parent), per (snapshot, model)) and
the tests check it.
* ``hub_downloads`` — downloads and likes per model per snapshot (time series).
* ``hub_edges`` — lineage, one row per (child, parent) however many tags repeat it;
  ``relation_hub`` as tagged, ``relation`` after the repack/adapter/merge checks.
* ``hub_raw`` — pages staged by a running crawl, merged in bulk by ``finalize``.
* ``quarantine`` — records that could not be stored, with the reason.
* ``hub_configs`` / ``hub_features`` — fetched ``config.json`` bodies (cached by
  repo and commit sha) and the architecture features read from them.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from weightatlas.errors import InputError

DDL = """
CREATE TABLE IF NOT EXISTS crawl_snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    endpoint VARCHAR NOT NULL,
    query VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    models INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    high_water TIMESTAMP
);
CREATE TABLE IF NOT EXISTS crawl_checkpoints (
    snapshot_id INTEGER NOT NULL,
    query_key VARCHAR NOT NULL,
    next_url VARCHAR,
    done BOOLEAN NOT NULL,
    pages_done INTEGER NOT NULL,
    items_done BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (snapshot_id, query_key)
);
CREATE TABLE IF NOT EXISTS hub_models (
    id VARCHAR NOT NULL,
    hub_oid VARCHAR,
    author VARCHAR,
    created_at TIMESTAMP,
    last_modified TIMESTAMP,
    downloads BIGINT,
    downloads_all_time BIGINT,
    likes BIGINT,
    trending_score DOUBLE,
    tags VARCHAR[],
    pipeline_tag VARCHAR,
    library_name VARCHAR,
    licence VARCHAR,
    languages VARCHAR[],
    gated VARCHAR,
    params_total BIGINT,
    is_gguf BOOLEAN,
    sha VARCHAR,
    model_type VARCHAR,
    architectures VARCHAR[],
    quant_method VARCHAR,
    first_seen_snapshot INTEGER,
    last_seen_snapshot INTEGER,
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS hub_downloads (
    snapshot_id INTEGER NOT NULL,
    model_id VARCHAR NOT NULL,
    downloads BIGINT,
    downloads_all_time BIGINT,
    likes BIGINT
);
CREATE TABLE IF NOT EXISTS hub_edges (
    child VARCHAR NOT NULL,
    parent VARCHAR NOT NULL,
    relation VARCHAR NOT NULL,
    relation_hub VARCHAR,
    evidence VARCHAR NOT NULL,
    snapshot_id INTEGER
);
CREATE TABLE IF NOT EXISTS hub_raw (
    snapshot_id INTEGER NOT NULL,
    page_no INTEGER NOT NULL,
    position INTEGER NOT NULL,
    "_id" VARCHAR,
    id VARCHAR,
    author VARCHAR,
    "createdAt" TIMESTAMP,
    "lastModified" TIMESTAMP,
    downloads BIGINT,
    "downloadsAllTime" BIGINT,
    likes BIGINT,
    "trendingScore" DOUBLE,
    tags VARCHAR[],
    pipeline_tag VARCHAR,
    library_name VARCHAR,
    gated JSON,
    sha VARCHAR,
    config JSON,
    "cardData" JSON,
    safetensors JSON,
    gguf JSON
);
CREATE TABLE IF NOT EXISTS quarantine (
    snapshot_id INTEGER,
    page_no INTEGER,
    position INTEGER,
    model_id VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS hub_configs (
    repo_id VARCHAR NOT NULL,
    sha VARCHAR NOT NULL,
    status INTEGER NOT NULL,
    body VARCHAR,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (repo_id, sha)
);
CREATE TABLE IF NOT EXISTS hub_features (
    repo_id VARCHAR PRIMARY KEY,
    sha VARCHAR,
    origin VARCHAR,
    model_type VARCHAR,
    architecture VARCHAR,
    moe BOOLEAN,
    moe_routed_experts INTEGER,
    moe_active_experts INTEGER,
    moe_shared_experts INTEGER,
    fine_grained_moe BOOLEAN,
    attention VARCHAR,
    gqa_ratio DOUBLE,
    mla BOOLEAN,
    mtp BOOLEAN,
    sliding_window BOOLEAN,
    hybrid_attention BOOLEAN,
    qk_norm BOOLEAN,
    rope_scaling_type VARCHAR,
    context_length BIGINT,
    quant_method VARCHAR,
    provenance VARCHAR
);
"""

HUB_TABLES = (
    "crawl_snapshots",
    "hub_models",
    "hub_downloads",
    "hub_edges",
    "quarantine",
    "hub_features",
)
RELATIONS = ("finetune", "adapter", "quantized", "merge")
HUB_FLOOR = datetime(2022, 3, 2)  # the Hub's createdAt floor (hub-api.md §8)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


MEMORY_LIMIT_ENV = "WEIGHTATLAS_MEMORY_LIMIT"
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def memory_limit() -> str:
    """DuckDB's memory limit: 1 GB (the 1M-repo indicators stay under 2 GB), or ``$WEIGHTATLAS_MEMORY_LIMIT``.

    Past about 3M repos the lineage joins spill to disk at 1 GB; a machine with the room can
    raise it (``WEIGHTATLAS_MEMORY_LIMIT=3GB``). A malformed value is an error, not a silent default.
    """
    value = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if not value:
        return "1GB"
    if not _MEMORY_LIMIT.match(value):
        raise InputError(MEMORY_LIMIT_ENV, f"{value!r} is not a memory size such as 3GB or 512MB")
    return value


def connect(database: str, *, temp_dir: Path, **config: Any) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the project's bounds: two threads, :func:`memory_limit`, spilling to ``temp_dir``, no progress bar."""
    con = duckdb.connect(database, config={"threads": 2, "memory_limit": memory_limit(), "temp_directory": str(temp_dir), **config})
    con.execute("SET enable_progress_bar = false")
    return con


def next_snapshot_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(snapshot_id), 0) + 1 FROM crawl_snapshots").fetchone()
    assert row is not None
    return int(row[0])
