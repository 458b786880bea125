"""The scale benchmark's synthetic Hub and history generators (tiny sizes) and the partitioned-history reader."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.errors import InputError
from weightatlas.indicators import daily_series, download_history
from weightatlas.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic_hub  # noqa: E402  (a benchmark helper, not a package module)

N = 4000


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hub") / f"hub-{N}.duckdb"
    synthetic_hub.build_hub(db, N, parquet_dir=db.parent / "parquet")
    return db


@pytest.fixture(scope="module")
def history(hub: Path) -> Path:
    folder = hub.parent / "history"
    # 45 days from 2024-01-01 span two months; chunks of 70 repos exercise the appends into each partition.
    synthetic_hub.build_history(hub, folder, 300, days=45, chunk=70)
    return folder


def test_generated_hub_has_the_lineage_shapes_the_indicators_must_handle(hub: Path) -> None:
    con = duckdb.connect(str(hub), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM hub_models").fetchone() == (N, N)
    edges, pairs = con.execute("SELECT count(*), count(DISTINCT (child, parent)) FROM hub_edges").fetchone()
    assert edges == pairs > N * 0.9  # one row per (child, parent), as ingest.finalize keeps it
    max_parents = con.execute("SELECT max(k) FROM (SELECT count(*) AS k FROM hub_edges WHERE relation = 'merge' GROUP BY child)").fetchone()[0]
    assert 2 <= max_parents <= 4
    assert con.execute("SELECT count(*) FROM hub_edges WHERE child = parent").fetchone()[0] >= 1
    assert con.execute("SELECT count(*) FROM hub_edges e WHERE parent NOT IN (SELECT id FROM hub_models)").fetchone()[0] >= 1
    two_cycles = "SELECT count(*) FROM hub_edges a JOIN hub_edges b ON a.child = b.parent AND a.parent = b.child AND a.child <> a.parent"
    assert con.execute(two_cycles).fetchone()[0] >= 2
    authors = {a for (a,) in con.execute("SELECT DISTINCT author FROM hub_models").fetchall()}
    assert {"bartowski", "qwen"} & authors or any(not a.startswith("user") for a in authors)
    assert any(a.startswith("user") for a in authors)
    first, last = con.execute("SELECT min(created_at), max(created_at) FROM hub_models").fetchone()
    assert first.year == 2022 and last.year == 2025
    # The Parquet copy has the same rows (the layout the Spark engine reads).
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{hub.parent / 'parquet' / 'hub_edges' / '*.parquet'}'").fetchone()[0] == edges


def test_generated_hub_is_deterministic(hub: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.duckdb"
    synthetic_hub.build_hub(again, N)
    q = "SELECT md5(string_agg(child || '>' || parent || relation, ',' ORDER BY child, parent)) FROM hub_edges"
    assert duckdb.connect(str(again), read_only=True).execute(q).fetchone() == duckdb.connect(str(hub), read_only=True).execute(q).fetchone()


def test_indicators_attribute_the_generated_hub(hub: Path) -> None:
    from weightatlas.api import indicators_document

    doc = indicators_document(db=hub, only=["collaboration"])
    lineage = doc["indicators"]["collaboration"]["lineage"]
    assert lineage["cycles"] >= 1 and lineage["self_references"] >= 1 and lineage["dangling_parents"] >= 1
    assert lineage["merges"] > 0 and lineage["max_parents"] >= 2


def test_history_is_hive_partitioned_by_month_and_read_as_a_view(history: Path) -> None:
    months = sorted(p.name for p in (history / "download_history").iterdir())
    assert months == ["month=2024-01", "month=2024-02"]
    with Store.open(history=history) as store:
        kind = store.con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'download_history'").fetchone()[0]
        assert kind == 1  # streamed from the files, never loaded as a table
        assert store.con.execute("SELECT count(*), count(DISTINCT repo_id) FROM download_history").fetchone() == (300 * 45, 300)
        assert store.con.execute("SELECT count(*) FROM history_repos").fetchone()[0] == 300


def test_streamed_daily_series_equals_the_matrix_indicator(history: Path) -> None:
    with Store.open(history=history) as store:
        matrix = download_history.compute_from(store.con, resamples=0)
        streamed = daily_series.compute_from(store.con)
    assert streamed["period"] == matrix["period"]
    for key in ("all_modalities", "llm_only"):
        want = {m["period"]: {b: v["downloads"] for b, v in m["by_bloc"].items()} for m in matrix["variants"][key]["cohort"]["monthly"]}
        got = {m["period"]: {b: v["downloads"] for b, v in m["by_bloc"].items()} for m in streamed[key]["monthly"]}
        assert got == want
        assert sum(sum(by.values()) for by in got.values()) > 0
    want = {m["period"]: {b: v["downloads"] for b, v in m["by_root_bloc"].items()} for m in matrix["repack_channel"]["monthly"]}
    assert {m["period"]: {b: v["downloads"] for b, v in m["by_bloc"].items()} for m in streamed["repack_channel"]["monthly"]} == want
    assert len(streamed["all_modalities"]["daily"]) == 45


def test_streamed_series_applies_counter_start_decrease_and_gap_rules() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE history_repos (repo_id VARCHAR, role VARCHAR, modality VARCHAR, bloc VARCHAR, root_bloc VARCHAR)")
    con.execute("INSERT INTO history_repos VALUES ('a/x', 'first_party', 'llm', 'China', NULL), ('b/y', 'excluded', 'llm', 'China', NULL)")
    con.execute("CREATE TABLE download_history (repo_id VARCHAR, day DATE, cumulative BIGINT)")
    # Day 1 starts the counter (100 is history), day 3 is missing (carried), day 5 falls (zero), day 6 rises from 90.
    con.execute(
        """INSERT INTO download_history VALUES ('a/x', '2024-01-01', 0), ('a/x', '2024-01-02', 100), ('a/x', '2024-01-03', 110),
           ('a/x', '2024-01-05', 130), ('a/x', '2024-01-06', 90), ('a/x', '2024-01-07', 95), ('b/y', '2024-01-03', 10**6)"""
    )
    out = daily_series.compute_from(con)
    daily = {d["day"]: d["by_bloc"]["China"] for d in out["all_modalities"]["daily"]}
    assert daily == {"2024-01-01": 0, "2024-01-02": 0, "2024-01-03": 10, "2024-01-04": 0, "2024-01-05": 20, "2024-01-06": 0, "2024-01-07": 5}
    assert out["llm_only"]["monthly"][0]["by_bloc"]["China"] == {"downloads": 35, "share": 1.0}


def test_history_folder_errors_name_the_file(tmp_path: Path, history: Path) -> None:
    with pytest.raises(InputError, match="history_repos.parquet"):
        Store.open(history=tmp_path)
    bad = tmp_path / "bad"
    (bad / "download_history").mkdir(parents=True)
    duckdb.sql(f"COPY (SELECT 'a' AS repo_id) TO '{bad / 'history_repos.parquet'}' (FORMAT PARQUET)")
    duckdb.sql(f"COPY (SELECT 'a' AS repo_id, DATE '2024-01-01' AS day) TO '{bad / 'download_history' / 'p.parquet'}' (FORMAT PARQUET)")
    with pytest.raises(InputError) as exc:
        Store.open(history=bad)
    assert "history_repos.parquet" in str(exc.value) and exc.value.field == "ref"
    result = CliRunner().invoke(main, ["indicators", "--only", "adoption", "--history", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "history_repos.parquet" in result.output


def test_cli_reads_the_partitioned_history(history: Path) -> None:
    import json

    result = CliRunner().invoke(main, ["indicators", "--only", "adoption", "--history", str(history), "--json"])
    assert result.exit_code == 0, result.output
    dh = json.loads(result.output)["indicators"]["adoption"]["download_history"]
    assert dh["available"] and dh["period"] == {"first_day": "2024-01-01", "last_day": "2024-02-14", "days": 45}
