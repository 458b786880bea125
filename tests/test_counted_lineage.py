"""The walk from the counted derivatives (``counted_lineage``) against the full walk (``lineage``).

``counted_flows`` must give exactly the rows of ``wa_flows`` that the derivative share counts
(more than ``min_downloads`` downloads, a usable month; without repacks for the
``without_quantized`` variant), with the same weights and root blocs. Random graphs
(hypothesis) have cycles, merges, duplicate and self edges, dangling parents, mixed-case
curated names, repacks of every kind and the Hub's floor date; the depth cap varies.
Then the same figure through ``weightatlas derivative-share`` against the indicators
document, a forced key collision, and the hub-only store.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightatlas.api import derivative_share, indicators_document
from weightatlas.attribution import load_attribution
from weightatlas.cli import main
from weightatlas.hub.schema import HUB_FLOOR, ensure_schema
from weightatlas.indicators import Context, counted_lineage, derivatives, lineage
from weightatlas.sources.atom_tracked import DDL as TRACKED_DDL
from weightatlas.store import SNAPSHOT_DIR, Store

ATTRIBUTION = load_attribution()
# Namespaces with a known bloc (qwen: CN, meta-llama: US, mistralai: Europe), a redistributor (bartowski) and an individual.
NAMES = [f"{ns}/{m}" for ns in ("qwen", "Meta-Llama", "mistralai", "bartowski", "alice") for m in ("a", "b", "c")] + ["qwen/m-GGUF", "alice/x-AWQ"]
RELATIONS = ["finetune", "adapter", "quantized", "merge"]
DATES = [HUB_FLOOR, datetime(2024, 5, 1), datetime(2025, 1, 31), datetime(2025, 2, 1)]
FLOW_COLUMNS = "child_key, root_key, month, downloads, root_bloc"


def _hub(repos: list[tuple], edges: list[tuple[str, str, str]], tracked: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    con.execute(TRACKED_DDL)
    for repo_id, downloads, created, quantised, tag in repos:
        con.execute(
            "INSERT INTO hub_models BY NAME SELECT ? AS id, split_part(?, '/', 1) AS author, ?::TIMESTAMP AS created_at, ? AS downloads, "
            "? AS quant_method, ?::VARCHAR[] AS tags, 'gguf' = ANY(?::VARCHAR[]) AS is_gguf, 1 AS first_seen_snapshot, 1 AS last_seen_snapshot",
            # tag "none": a repo without a tags list (NULL), as some crawled cards have
            [repo_id, repo_id, created, downloads, "awq" if quantised else None, None if tag == "none" else [tag] if tag else [], [tag] if tag else []],
        )
    for child, parent, relation in edges:
        con.execute("INSERT INTO hub_edges VALUES (?, ?, ?, ?, 'tag', 1)", [child, parent, relation, relation])
    for model in tracked:
        con.execute("INSERT INTO tracked_models VALUES (?, split_part(?, '/', 1), 'test', 'test')", [model, model])
    lineage.register_namespaces(con, ATTRIBUTION)
    return con


def _full_flows(con: duckdb.DuckDBPyConnection, min_downloads: int, substantive_only: bool, max_depth: int) -> dict[tuple, tuple]:
    lineage.build_repos(con)
    lineage.resolve_roots(con, max_depth=max_depth)
    lineage.child_relations(con)
    lineage.flows_table(con)
    kind = "substantive" if substantive_only else "TRUE"
    rows = con.execute(
        f"SELECT {FLOW_COLUMNS}, weight FROM wa_flows WHERE {kind} AND coalesce(downloads, 0) > {min_downloads} AND month IS NOT NULL"
    ).fetchall()
    return {r[:2]: r[2:] for r in rows}


def _counted(con: duckdb.DuckDBPyConnection, min_downloads: int, substantive_only: bool, max_depth: int) -> dict[tuple, tuple]:
    counted_lineage.counted_flows(con, min_downloads=min_downloads, substantive_only=substantive_only, max_depth=max_depth)
    rows = con.execute(f"SELECT {FLOW_COLUMNS}, weight FROM wa_counted_flows").fetchall()
    assert len(rows) == len({r[:2] for r in rows}), "one row per (derivative, root)"
    return {r[:2]: r[2:] for r in rows}


def assert_same_flows(got: dict[tuple, tuple], want: dict[tuple, tuple]) -> None:
    assert got.keys() == want.keys()
    for key, (*cells, weight) in want.items():
        assert list(got[key][:-1]) == cells, key
        assert got[key][-1] == pytest.approx(weight, rel=1e-12, abs=1e-15), key


def check(repos: list[tuple], edges: list[tuple[str, str, str]], tracked: list[str], min_downloads: int, max_depth: int) -> None:
    for substantive_only in (False, True):
        want = _full_flows(_hub(repos, edges, tracked), min_downloads, substantive_only, max_depth)
        assert_same_flows(_counted(_hub(repos, edges, tracked), min_downloads, substantive_only, max_depth), want)


repo_rows = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.one_of(st.none(), st.integers(min_value=0, max_value=9)),
        st.sampled_from(DATES),
        st.booleans(),  # quant_method set
        st.sampled_from([None, None, "none", "gguf", "mlx", "onnx"]),
    ),
    max_size=len(NAMES),
    unique_by=lambda r: r[0],
)
graphs = st.tuples(
    repo_rows,
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES + ["gone/parent"]), st.sampled_from(RELATIONS)), max_size=16),
    st.lists(st.sampled_from(NAMES), max_size=4),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=1, max_value=5),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs)
def test_same_rows_as_the_full_walk_on_random_graphs(graph: tuple) -> None:
    repos, edges, tracked, min_downloads, max_depth = graph
    check(repos, edges, [t.upper() if i % 2 else t for i, t in enumerate(tracked)], min_downloads, max_depth)


def test_chain_merge_cycle_and_curated_stop() -> None:
    day = datetime(2025, 1, 10)
    repos = [
        ("qwen/a", 100, day, False, None),  # the curated base, with a parent of its own
        ("qwen/b", 100, day, False, None),
        ("alice/a", 50, day, False, "none"),  # a chain through alice/b; no tags list (NULL) is not a repack
        ("alice/b", 3, day, False, None),  # below the threshold: walked through, not counted
        ("mistralai/a", 40, day, False, None),  # a merge of a chain and a loop back to itself
        ("mistralai/b", 40, day, False, None),
        ("bartowski/a", 40, day, False, "gguf"),  # a repack: left out without quantisations
    ]
    edges = [
        ("qwen/a", "qwen/b", "finetune"),
        ("alice/b", "qwen/a", "finetune"),
        ("alice/a", "alice/b", "finetune"),
        ("mistralai/a", "alice/b", "merge"),
        ("mistralai/a", "mistralai/b", "merge"),
        ("mistralai/b", "mistralai/a", "finetune"),
        ("bartowski/a", "qwen/a", "quantized"),
    ]
    check(repos, edges, ["QWEN/a"], 5, lineage.MAX_DEPTH)
    con = _hub(repos, edges, ["QWEN/a"])
    counted_lineage.counted_flows(con, min_downloads=5)
    roots = dict(con.execute("SELECT r.root, sum(f.weight) FROM wa_counted_flows f JOIN wa_counted_roots r USING (root_key) GROUP BY 1").fetchall())
    # alice/a, mistralai/a and mistralai/b (each loses the half of its walk that comes back to it, renormalised
    # away) and bartowski/a stop at the curated qwen/a; qwen/a itself walks up to qwen/b. alice/b is under the threshold.
    assert roots == pytest.approx({"qwen/a": 4.0, "qwen/b": 1.0})


def _named_flows(con: duckdb.DuckDBPyConnection, salt: int) -> dict[tuple[str, str], float]:
    """wa_counted_flows with the keys (under ``salt``) turned back into names."""
    key = lineage.key_sql
    names = f"SELECT {key('id', salt)} AS key, id AS name FROM hub_models UNION SELECT {key('parent', salt)}, parent FROM hub_edges"
    sql = f"SELECT c.name, p.name, f.weight FROM wa_counted_flows f JOIN ({names}) c ON c.key = f.child_key JOIN ({names}) p ON p.key = f.root_key"
    return {(c, p): w for c, p, w in con.execute(sql).fetchall()}


def test_a_key_collision_is_detected_and_another_salt_gives_the_same_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    day = datetime(2025, 1, 10)
    repos = [(f"qwen/m{i}", 10, day, False, None) for i in range(12)]
    edges = [(f"qwen/m{i}", f"qwen/m{i // 3}", "finetune") for i in range(3, 12)] + [("qwen/m11", "gone/base", "merge")]
    con = _hub(repos, edges, [])
    counted_lineage.counted_flows(con, min_downloads=5)
    want = _named_flows(con, 0)
    assert len(want) == 10
    real_key = lineage.key_sql
    # Salt 0 keeps 2 bits of the hash, so distinct names collide; salt 1 is the real key.
    monkeypatch.setattr(counted_lineage, "key_sql", lambda column, salt=0: f"({real_key(column)} % 4)" if salt == 0 else real_key(column, salt))
    with pytest.raises(lineage.KeyCollision, match="shares its join key"):
        counted_lineage.counted_flows(_hub(repos, edges, []), min_downloads=5)
    con = _hub(repos, edges, [])
    Context.with_salts(lambda salt: counted_lineage.counted_flows(con, min_downloads=5, salt=salt))
    got = _named_flows(con, 1)
    assert got.keys() == want.keys() and all(got[k] == pytest.approx(w) for k, w in want.items())
    # Only the parents' keys collide (the repos' are real): caught where a level's names are gathered.
    monkeypatch.setattr(counted_lineage, "key_sql", lambda column, salt=0: "0::UBIGINT" if column in ("name", "parent") else real_key(column))
    with pytest.raises(lineage.KeyCollision, match="shares its join key"):
        counted_lineage.counted_flows(_hub(repos, edges, []), min_downloads=5)


@pytest.fixture(scope="module")
def crawl_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small crawl database: chains, a merge, a repack, a cycle, and repos under the threshold."""
    db = tmp_path_factory.mktemp("counted") / "crawl.duckdb"
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, endpoint, query, mode, status, source) "
        "VALUES (1, TIMESTAMP '2025-04-01', 'http://fake', '{}', 'full', 'complete', 'hub-crawl')"
    )
    rows = [
        ("Qwen/Qwen2.5-7B", 1000, "2024-09-19", None),
        ("meta-llama/Llama-3.1-8B", 800, "2024-07-23", None),
        ("NousResearch/Hermes-Qwen", 100, "2025-01-10", "Qwen/Qwen2.5-7B"),
        ("mistralai/Mistral-on-Hermes", 30, "2025-02-15", "NousResearch/Hermes-Qwen"),
        ("alice/qwen-ko", 3, "2025-01-20", "Qwen/Qwen2.5-7B"),
        ("bartowski/Qwen2.5-7B-GGUF", 1000, "2025-01-05", "Qwen/Qwen2.5-7B"),
        ("allenai/merge-x", 10, "2025-02-01", "Qwen/Qwen2.5-7B"),
        ("deepseek-ai/Distill-Llama", 500, "2025-03-01", "meta-llama/Llama-3.1-8B"),
        ("carol/a", 9, "2025-02-03", "carol/b"),
        ("carol/b", 9, "2025-02-04", "carol/a"),
    ]
    for repo, downloads, created, parent in rows:
        con.execute(
            "INSERT INTO hub_models BY NAME SELECT ? AS id, split_part(?, '/', 1) AS author, ?::TIMESTAMP AS created_at, ? AS downloads, "
            "1 AS first_seen_snapshot, 1 AS last_seen_snapshot",
            [repo, repo, created, downloads],
        )
        if parent:
            relation = "quantized" if "GGUF" in repo else "finetune"
            con.execute("INSERT INTO hub_edges VALUES (?, ?, ?, ?, 'tag', 1)", [repo, parent, relation, relation])
    con.execute("INSERT INTO hub_edges VALUES ('allenai/merge-x', 'meta-llama/Llama-3.1-8B', 'merge', 'merge', 'tag', 1)")
    con.close()
    return db


@pytest.mark.parametrize("pushdown_max_share", [0.0, 1.0])
@pytest.mark.parametrize("min_downloads", [5, 50])
def test_derivative_share_equals_the_documents_variants(crawl_db: Path, monkeypatch: pytest.MonkeyPatch, pushdown_max_share: float, min_downloads: int) -> None:
    # Both walks (every derivative; the counted ones only) give the figures derivatives.compute gives the document.
    monkeypatch.setattr(derivatives, "PUSHDOWN_MAX_SHARE", pushdown_max_share)
    with Store.open(SNAPSHOT_DIR, db=crawl_db) as store:
        variants = derivatives.compute(Context(store=store, attribution=ATTRIBUTION), min_downloads=min_downloads)["variants"]
    for name, substantive_only in (("all_relations", False), ("without_quantized", True)):
        result = derivative_share(db=crawl_db, min_downloads=min_downloads, substantive_only=substantive_only)
        assert result["walk"] == ("all derivatives" if pushdown_max_share == 0.0 else "counted derivatives only")
        assert {k: result[k] for k in variants[name]} == variants[name]
        assert result["variant"] == name and result["min_downloads"] == min_downloads
    assert result["hub_snapshots"][0]["date"] == "2025-04-01" and result["source"] == "crawl database crawl.duckdb"
    assert variants["all_relations"]["derivatives"] == (5.0 if min_downloads == 5 else 3.0)


def test_derivative_share_on_the_embedded_snapshot() -> None:
    doc = indicators_document(only=["adoption"])
    want = doc["indicators"]["adoption"]["hub_sample"]["derivative_share"]["variants"]["all_relations"]
    got = derivative_share()
    assert {k: got[k] for k in want} == want and got["derivatives"] > 0


def test_cli_derivative_share(crawl_db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["derivative-share", "--db", str(crawl_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # Counted (> 5): Hermes, Mistral-on-Hermes, the GGUF, Distill-Llama, the merge (1/2 + 1/2), carol/a and carol/b
    # (a cycle: no root, no row). qwen-ko has 3 downloads.
    assert data["derivatives"] == 5.0
    assert data["overall"]["China"]["derivatives"] == 3.5 and data["overall"]["United States"]["derivatives"] == 1.5
    text = runner.invoke(main, ["derivative-share", "--db", str(crawl_db), "--without-quantized"])
    assert text.exit_code == 0 and "without_quantized" in text.output and "China" in text.output and "crawled 2025-04-01" in text.output
    bad = runner.invoke(main, ["derivative-share", "--min-downloads", "-1"])
    assert bad.exit_code == 2 and "--min-downloads" in bad.output
    missing = runner.invoke(main, ["derivative-share", "--db", str(crawl_db.parent / "none.duckdb")])
    assert missing.exit_code == 2 and "no crawl database" in missing.output


def test_hub_only_store_loads_the_hub_tables_and_the_curated_list() -> None:
    with Store.open(SNAPSHOT_DIR, hub_only=True) as store:
        tables = {r[0] for r in store.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"hub_models", "hub_edges", "crawl_snapshots", "tracked_models"} <= tables
        assert "benchmark_scores" not in tables and store.rows("SELECT count(*) AS n FROM tracked_models")[0]["n"] > 0
