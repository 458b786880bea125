"""Importing the April 2025 family-tree crawls into the hub tables (fixtures in both file formats)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from weightatlas.errors import InputError
from weightatlas.hub.family_trees import import_family_trees
from weightatlas.hub.schema import ensure_schema
from weightatlas.snapshot import build_snapshot
from weightatlas.store import Store

from source_helpers import copy_source, replace_once

FOLDER = "hamidahoderinwale__model_metadata_analyses"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    ensure_schema(c)
    return c


def test_rows_become_models_edges_and_snapshots(fixture_data: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    coverage = import_family_trees(fixture_data, con, scratch_dir=tmp_path)
    by_root = {c.root: c for c in coverage}
    r1 = by_root["deepseek-ai/DeepSeek-R1"]
    assert (r1.rows, r1.stored, r1.quarantined, r1.max_depth) == (4, 3, 1, 1)
    # Listed children: r1-1776, R1-ko, r1-lora, the unsloth GGUF (root's lists) and the US GGUF of r1-1776.
    assert r1.listed_children == 5 and r1.listed_not_crawled == 3
    models = dict(con.execute("SELECT id, downloads FROM hub_models").fetchall())
    assert models["perplexity-ai/r1-1776"] == 8649 and "fixture-kr-lab/R1-ko" not in models
    edges = {(c, p): (r, e) for c, p, r, e in con.execute("SELECT child, parent, relation, evidence FROM hub_edges").fetchall()}
    assert edges[("perplexity-ai/r1-1776", "deepseek-ai/DeepSeek-R1")] == ("finetune", "tag")
    assert edges[("unsloth/DeepSeek-R1-GGUF", "deepseek-ai/DeepSeek-R1")] == ("quantized", "tag")
    assert edges[("fixture-fr-lab/r1-lora", "deepseek-ai/DeepSeek-R1")] == ("adapter", "family_tree_list")
    assert edges[("fixture-us-quant/r1-1776-GGUF", "perplexity-ai/r1-1776")] == ("quantized", "family_tree_list")
    # The early format lists every child under "children": the GGUF is recognised by its name.
    assert edges[("bartowski/Mistral-Small-24B-Base-2501-GGUF", "mistralai/Mistral-Small-24B-Base-2501")] == ("quantized", "family_tree_list")
    assert edges[("fixture-de-lab/small-de", "mistralai/Mistral-Small-24B-Base-2501")] == ("finetune", "tag")
    # One (child, parent) pair once, however many tags and lists repeat it.
    assert con.execute("SELECT count(*) = count(DISTINCT (child, parent)) FROM hub_edges").fetchone()[0]
    snaps = con.execute("SELECT mode, status, started_at::DATE::VARCHAR FROM crawl_snapshots ORDER BY snapshot_id").fetchall()
    assert snaps == [("import", "complete", "2025-04-22"), ("import", "complete", "2025-04-05")]
    reasons = con.execute("SELECT model_id, reason FROM quarantine").fetchall()
    assert reasons == [("fixture-kr-lab/R1-ko", "metadata is not valid JSON")]
    langs = con.execute("SELECT languages FROM hub_models WHERE id = 'fixture-de-lab/small-de'").fetchone()[0]
    assert langs == ["de"]  # from the card YAML string


def test_bad_depth_names_file_line_field(fixture_data: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    root = copy_source(fixture_data, tmp_path, FOLDER)
    csv_path = replace_once(root / FOLDER / "Mistral-Small-24B-Base-2501_finetunes_20250405_001816.csv", ",1,,0", ",deep,,0")
    with pytest.raises(InputError) as exc:
        import_family_trees(root, con, scratch_dir=tmp_path)
    assert (Path(exc.value.path).name, exc.value.line, exc.value.field) == (csv_path.name, 3, "depth")


def test_snapshot_ships_the_hub_tables(fixture_data: Path, tmp_path: Path) -> None:
    manifest = build_snapshot(fixture_data, tmp_path / "snap")
    assert manifest["hub"]["models"] == 5 and len(manifest["hub"]["trees"]) == 2
    with Store.open(tmp_path / "snap") as store:
        assert store.rows("SELECT count(*) AS n FROM hub_models")[0]["n"] == 5
        assert store.rows("SELECT count(*) AS n FROM hub_edges")[0]["n"] == manifest["tables"]["hub_edges"]["rows"]


@pytest.mark.shared_data
def test_real_family_trees(shared_data: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    coverage = import_family_trees(shared_data, con, scratch_dir=tmp_path)
    assert len(coverage) == 8
    assert sum(c.rows for c in coverage) == 919
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM hub_models").fetchone() == (886, 886)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 28
