"""Import the April 2025 Hub family-tree crawls into the ``hub_*`` tables (offline lineage).

Source: ``hamidahoderinwale/model_metadata_analyses`` (Laufer, Oderinwale and
Kleinberg, "Anatomy of a Machine Learning Ecosystem", 2025). Each CSV is one
family tree crawled from a root model (DeepSeek-R1, DeepSeek-V3, Llama-2-7b,
Mistral-Small-24B, Janus-Pro-7B, phi-2, EXAONE-Deep-32B, DeepHermes-3): one row per
crawled repo with its Hub ``ModelInfo`` as JSON (``huggingface_hub``'s snake_case
serialisation, hub-api.md §7.6), its depth in the tree, and the lists of its
children, adapters, quantizations and merges.

What is imported, and how:

* Each file is one snapshot in ``crawl_snapshots`` (mode ``import``, dated by the
  timestamp in the file name), so its downloads form one point in time.
* Each row's metadata goes through the same staging and checks as a live crawl
  (``ingest``): the snake_case keys are mapped to the wire names and the card YAML
  string is parsed. Rows whose metadata is not valid JSON are quarantined.
* Lineage comes from the rows' own ``base_model`` tags, and also from the parents'
  children/adapters/quantized/merges lists (evidence ``family_tree_list``) for
  children the crawl listed but did not fetch.

Coverage is partial by construction (about 300 rows per tree, one date, no
``downloadsAllTime``); :func:`coverage` states it per tree.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from weightatlas.errors import InputError
from weightatlas.hub.client import DEFAULT_ENDPOINT
from weightatlas.hub.ingest import QUANT_NAME, Ingestor, finalize
from weightatlas.hub.schema import next_snapshot_id
from weightatlas.sources.base import SourceInfo, read_csv

SOURCE = SourceInfo(
    id="hf_family_trees",
    title="Hugging Face Hub family-tree crawls, April 2025 (Laufer, Oderinwale, Kleinberg)",
    url="https://github.com/hamidahoderinwale/model_metadata_analyses",
    licence="none stated (facts only, with attribution)",
    snapshot_date=date(2025, 4, 22),
    folder="hamidahoderinwale__model_metadata_analyses",
    files=("*_finetunes_*.csv",),
    description="Real Hub metadata and lineage for eight model family trees (about 300 repos each), crawled in April 2025.",
    independent=True,
)
# Files with per-relation lists put only fine-tunes under "children"; the early files list
# every child there, so their list-only edges get the repack check from ingest on the name.
LISTS = {"children": "finetune", "adapters": "adapter", "quantized": "quantized", "merges": "merge"}
REQUIRED = ("model_id", "metadata", "depth", "children")  # early files (April 4-7) have no per-relation lists
_FILE_STAMP = re.compile(r"_(\d{8})_(\d{6})\.csv$")
# snake_case ModelInfo keys -> wire names (hub-api.md §7.6)
_WIRE = {
    "created_at": "createdAt",
    "last_modified": "lastModified",
    "downloads_all_time": "downloadsAllTime",
    "trending_score": "trendingScore",
    "card_data": "cardData",
}


@dataclass
class TreeCoverage:
    file: str
    root: str
    crawled_at: str
    rows: int
    stored: int
    quarantined: int
    max_depth: int
    listed_children: int
    listed_not_crawled: int
    edges: int


def _crawled_at(name: str, path: Path) -> datetime:
    match = _FILE_STAMP.search(name)
    if not match:
        raise InputError(path, "file name lacks the _YYYYMMDD_HHMMSS crawl timestamp")
    return datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")


def _wire_record(meta: dict[str, Any]) -> dict[str, Any]:
    record = {_WIRE.get(k, k): v for k, v in meta.items() if k not in _WIRE.values()}
    # Prefer the camelCase duplicates some dumps carry (``lastModified``, ``cardData``) only when
    # the snake_case value is missing.
    for wire in _WIRE.values():
        if record.get(wire) is None and meta.get(wire) is not None:
            record[wire] = meta[wire]
    card = record.get("cardData")
    if isinstance(card, str):
        try:
            parsed = yaml.safe_load(card)
        except yaml.YAMLError:
            parsed = None
        record["cardData"] = parsed if isinstance(parsed, dict) else None
    return record


def _repo_ids(cell: str) -> list[str]:
    out = []
    for part in (cell or "").split(","):
        part = part.strip()
        if not part:
            continue
        part = re.sub(r"^https?://huggingface\.co/", "", part).strip("/")
        if part.count("/") == 1:
            out.append(part)
    return out


TABLES: tuple[str, ...] = ()  # writes the shared hub_* tables
DDL = ""
ORDER: dict[str, str] = {}


def import_into(root: Path, con: duckdb.DuckDBPyConnection, *, scratch_dir: Path | None = None) -> dict[str, Any]:
    """Importer interface used by the snapshot build: import, and describe the coverage."""
    trees = import_family_trees(root, con, scratch_dir=scratch_dir)
    return {"trees": [vars(t) for t in trees]}


def import_family_trees(root: Path, con: duckdb.DuckDBPyConnection, *, scratch_dir: Path | None = None) -> list[TreeCoverage]:
    """Import every family-tree CSV under ``root/<folder>`` into ``con`` (hub schema must exist)."""
    folder = root / SOURCE.folder
    files = sorted(folder.glob(SOURCE.files[0]))
    if not files:
        raise InputError(folder, f"no family-tree files matching {SOURCE.files[0]}")
    previous = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # model cards and metadata exceed the 128 KB default
    try:
        return [_import_file(path, con, scratch_dir) for path in files]
    finally:
        csv.field_size_limit(previous)


def _import_file(path: Path, con: duckdb.DuckDBPyConnection, scratch_dir: Path | None) -> TreeCoverage:
    crawled_at = _crawled_at(path.name, path)
    ref_base = f"{SOURCE.folder}/{path.name}"
    rows = list(read_csv(path, REQUIRED))
    snapshot_id = next_snapshot_id(con)
    root_id = rows[0][1]["model_id"].strip() if rows else ""
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, finished_at, endpoint, query, mode, status, source) "
        "VALUES (?, ?, ?, ?, ?, 'import', 'complete', ?)",
        [snapshot_id, crawled_at, crawled_at, DEFAULT_ENDPOINT, json.dumps({"family_tree": root_id, "file": path.name}), f"family_tree:{ref_base}"],
    )
    records: list[Any] = []
    bad: list[tuple[int, str, str]] = []
    depths: list[int] = []
    listed: list[tuple[str, str, str]] = []  # (child, parent, relation)
    for line, row in rows:
        model_id = row["model_id"].strip()
        try:
            depths.append(int(row["depth"]))
        except ValueError:
            raise InputError(path, f"depth is not an integer: {row['depth']!r}", line=line, field="depth") from None
        for column, relation in LISTS.items():
            if column in row:
                listed.extend((child, model_id, relation) for child in _repo_ids(row[column]))
        try:
            meta = json.loads(row["metadata"])
        except ValueError:
            bad.append((line, model_id, "metadata is not valid JSON"))
            continue
        if not isinstance(meta, dict):
            bad.append((line, model_id, "metadata is not a JSON object"))
            continue
        record = _wire_record(meta)
        record.setdefault("id", model_id)
        records.append(record)
    ingestor = Ingestor(con, snapshot_id, scratch_dir=scratch_dir)
    try:
        ingestor.stage_records(records)
        con.execute("BEGIN TRANSACTION")
        ingestor.append(0)
        if bad:
            con.executemany(
                "INSERT INTO quarantine VALUES (?, 0, ?, ?, ?, ?)", [(snapshot_id, line, mid, reason, f"{ref_base}:{line}") for line, mid, reason in bad]
            )
        con.execute("COMMIT")
    finally:
        ingestor.close()
    result = finalize(con, snapshot_id, source=f"family_tree:{ref_base}", now=crawled_at)
    crawled = {r["id"] for r in records if isinstance(r.get("id"), str)}
    # Edges the tree lists but the child's own tags did not give (children not fetched, or untagged).
    con.execute("CREATE OR REPLACE TEMP TABLE wa_listed (child VARCHAR, parent VARCHAR, relation VARCHAR)")
    if listed:
        con.executemany("INSERT INTO wa_listed VALUES (?, ?, ?)", sorted(set(listed)))
    split_lists = "adapters" in rows[0][1] if rows else False
    con.execute(
        f"""INSERT INTO hub_edges
           SELECT l.child, l.parent,
                  CASE WHEN regexp_matches(l.child, '{QUANT_NAME}') THEN 'quantized' ELSE l.relation END,
                  CASE WHEN ? THEN l.relation END, 'family_tree_list', ?
           FROM (SELECT DISTINCT ON (child, parent) * FROM wa_listed ORDER BY child, parent, relation) l
           ANTI JOIN hub_edges e ON e.child = l.child AND e.parent = l.parent""",
        [split_lists, snapshot_id],
    )
    edges = con.execute("SELECT count(*) FROM hub_edges WHERE snapshot_id = ?", [snapshot_id]).fetchone()[0]  # type: ignore[index]
    listed_children = {child for child, _, _ in listed}
    return TreeCoverage(
        file=ref_base,
        root=root_id,
        crawled_at=crawled_at.date().isoformat(),
        rows=len(rows),
        stored=result.stored,
        quarantined=result.quarantined + len(bad) + ingestor.rejected,
        max_depth=max(depths, default=0),
        listed_children=len(listed_children),
        listed_not_crawled=len(listed_children - crawled),
        edges=edges,
    )
