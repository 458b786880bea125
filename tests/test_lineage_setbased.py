"""Set-based root resolution (``lineage.resolve_roots``) against two references.

* a plain Python walk written from the rules in the module docstring: walk up parent
  links from each derivative, stop at a curated base (case-insensitive) or a model with
  no parent, split a merge 1/k, count a walk that comes back to its start as a cycle,
  cut (and count) walks longer than ``max_depth``, renormalise what is left;
* the previous SQL (one walk per derivative with ``IN (SELECT ...)`` probes at every
  step), kept here verbatim so the rewrite is checked against what it replaced.

Random small graphs (hypothesis) have cycles, merges, duplicate and self edges, dangling
parents and mixed-case names; a few hand-made ones pin the edge cases by name.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weightatlas.indicators import lineage

RELATIONS = ["finetune", "adapter", "quantized", "merge"]


def _connect(models: list[str], edges: list[tuple[str, str, str]], tracked: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE hub_models (id VARCHAR NOT NULL)")
    con.execute("CREATE TABLE hub_edges (child VARCHAR NOT NULL, parent VARCHAR NOT NULL, relation VARCHAR NOT NULL)")
    con.execute("CREATE TABLE tracked_models (model_id VARCHAR)")
    if models:
        con.executemany("INSERT INTO hub_models VALUES (?)", [[m] for m in models])
    if edges:
        con.executemany("INSERT INTO hub_edges VALUES (?, ?, ?)", [list(e) for e in edges])
    if tracked:
        con.executemany("INSERT INTO tracked_models VALUES (?)", [[t] for t in tracked])
    # resolve_roots reads the repos' join keys from wa_repos (lineage.build_repos makes it from the full schema).
    con.execute(f"CREATE TEMP TABLE wa_repos AS SELECT {lineage.key_sql('id')} AS key, id FROM hub_models")
    return con


def _roots(con: duckdb.DuckDBPyConnection, salt: int = 0) -> dict[str, dict[str, float]]:
    """wa_roots with the keys turned back into names (the names of every child and parent in the edges)."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    names = f"SELECT DISTINCT {lineage.key_sql('child', salt)} AS key, child AS name FROM hub_edges UNION SELECT DISTINCT {lineage.key_sql('parent', salt)}, parent FROM hub_edges"
    assert con.execute(f"SELECT count(*) FROM ({names}) GROUP BY key HAVING count(*) > 1").fetchall() == []
    sql = f"SELECT c.name, p.name, r.weight FROM wa_roots r JOIN ({names}) c ON c.key = r.child_key JOIN ({names}) p ON p.key = r.root_key"
    for child, root, weight in con.execute(sql).fetchall():
        assert root not in out[child], f"duplicate root {root} for {child}"
        out[child][root] = weight
    return dict(out)


def _old_roots(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """The old SQL's wa_roots, keyed by names."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for child, root, weight in con.execute("SELECT child, root, weight FROM wa_roots").fetchall():
        out[child][root] = weight
    return dict(out)


def reference(models: list[str], edges: list[tuple[str, str, str]], tracked: list[str], max_depth: int) -> tuple[dict, dict]:
    """Roots and stats by walking every path from every derivative in Python."""
    pairs = {(c, p) for c, p, _ in edges if c != p}
    parents: dict[str, list[str]] = defaultdict(list)
    for c, p in sorted(pairs):
        parents[c].append(p)
    stop = {t.lower() for t in tracked}
    roots: dict[str, dict[str, float]] = {}
    endings: dict[str, set[str]] = defaultdict(set)
    deepest = 0
    for child, ps in parents.items():
        reached: dict[str, float] = defaultdict(float)
        stack = [(p, 1.0 / len(ps), 1) for p in ps]
        while stack:
            node, weight, depth = stack.pop()
            if node == child:
                ending = "cycle"
            elif node.lower() in stop:
                ending = "curated"
            elif node not in parents:
                ending = "top"
            elif depth >= max_depth:
                ending = "capped"
            else:
                stack.extend((p, weight / len(parents[node]), depth + 1) for p in parents[node])
                continue
            endings[child].add(ending)
            deepest = max(deepest, depth)
            if ending in ("top", "curated"):
                reached[node] += weight
        total = sum(reached.values())
        if total:
            roots[child] = {r: w / total for r, w in reached.items()}
    distinct_parents = {p for _, p in pairs}
    stats = {
        "derivatives": len(parents),
        "edges": len(pairs),
        "self_references": sum(1 for c, p, _ in edges if c == p),
        "dangling_parents": len(distinct_parents - set(models)),
        "merges": sum(1 for ps in parents.values() if len(ps) > 1),
        "max_parents": max((len(ps) for ps in parents.values()), default=0),
        "cycles": sum(1 for e in endings.values() if "cycle" in e),
        "depth_capped": sum(1 for e in endings.values() if "capped" in e),
        "max_depth": deepest,
        "stopped_at_curated": sum(1 for e in endings.values() if "curated" in e),
    }
    return roots, stats


def old_resolve_roots(con: duckdb.DuckDBPyConnection, *, max_depth: int = lineage.MAX_DEPTH) -> lineage.LineageStats:
    """The SQL this module used before the set-based rewrite, verbatim (one walk per derivative)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_edges AS
        SELECT child, parent, relation, count(*) OVER (PARTITION BY child) AS k
        FROM (SELECT child, parent, min(relation) AS relation FROM hub_edges WHERE child <> parent GROUP BY child, parent)
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE wa_stop AS SELECT DISTINCT lower(model_id) AS id FROM tracked_models")
    con.execute("CREATE OR REPLACE TEMP TABLE wa_walk AS SELECT child, parent AS node, 1.0 / k AS weight, 1 AS depth FROM wa_edges")
    con.execute("CREATE OR REPLACE TEMP TABLE wa_done (child VARCHAR, node VARCHAR, weight DOUBLE, depth INTEGER, ending VARCHAR)")
    depth = 1
    while True:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE wa_step AS
            SELECT w.*,
                   CASE WHEN w.node = w.child THEN 'cycle'
                        WHEN lower(w.node) IN (SELECT id FROM wa_stop) THEN 'curated'
                        WHEN w.node NOT IN (SELECT child FROM wa_edges) THEN 'top'
                        END AS ending
            FROM wa_walk w
            """
        )
        con.execute("INSERT INTO wa_done SELECT child, node, weight, depth, ending FROM wa_step WHERE ending IS NOT NULL")
        remaining = con.execute("SELECT count(*) FROM wa_step WHERE ending IS NULL").fetchone()[0]  # type: ignore[index]
        if not remaining:
            break
        if depth >= max_depth:
            con.execute("INSERT INTO wa_done SELECT child, node, weight, depth, 'capped' FROM wa_step WHERE ending IS NULL")
            break
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE wa_walk AS
            SELECT s.child, e.parent AS node, s.weight / e.k AS weight, s.depth + 1 AS depth
            FROM wa_step s JOIN wa_edges e ON e.child = s.node
            WHERE s.ending IS NULL
            """
        )
        depth += 1
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_roots AS
        SELECT child, node AS root, sum(weight) / sum(sum(weight)) OVER (PARTITION BY child) AS weight
        FROM wa_done WHERE ending IN ('top', 'curated')
        GROUP BY child, node
        """
    )
    row = con.execute(
        """
        SELECT (SELECT count(DISTINCT child) FROM wa_edges),
               (SELECT count(*) FROM wa_edges),
               (SELECT count(*) FROM hub_edges WHERE child = parent),
               (SELECT count(DISTINCT parent) FROM wa_edges WHERE parent NOT IN (SELECT id FROM hub_models)),
               (SELECT count(DISTINCT child) FROM wa_edges WHERE k > 1),
               (SELECT coalesce(max(k), 0) FROM wa_edges),
               (SELECT count(DISTINCT child) FROM wa_done WHERE ending = 'cycle'),
               (SELECT count(DISTINCT child) FROM wa_done WHERE ending = 'capped'),
               (SELECT coalesce(max(depth), 0) FROM wa_done),
               (SELECT count(DISTINCT child) FROM wa_done WHERE ending = 'curated')
        """
    ).fetchone()
    assert row is not None
    return lineage.LineageStats(*row)


def assert_same_roots(got: dict[str, dict[str, float]], want: dict[str, dict[str, float]]) -> None:
    assert got.keys() == want.keys()
    for child, roots in want.items():
        assert got[child].keys() == roots.keys(), child
        for root, weight in roots.items():
            assert got[child][root] == pytest.approx(weight, rel=1e-12, abs=1e-15), (child, root)


def check(models: list[str], edges: list[tuple[str, str, str]], tracked: list[str], max_depth: int = lineage.MAX_DEPTH) -> lineage.LineageStats:
    """The new SQL against the Python reference and the old SQL: same roots, weights and stats."""
    con = _connect(models, edges, tracked)
    stats = lineage.resolve_roots(con, max_depth=max_depth)
    got = _roots(con)
    want, want_stats = reference(models, edges, tracked, max_depth)
    assert stats.as_dict() == want_stats
    assert_same_roots(got, want)
    old_con = _connect(models, edges, tracked)
    assert old_resolve_roots(old_con, max_depth=max_depth) == stats
    assert_same_roots(got, _old_roots(old_con))
    # Every wa_edges column the indicators read is still there, once per distinct edge.
    assert con.execute("SELECT count(*) FROM (SELECT DISTINCT child_key, parent_key, relation, k FROM wa_edges)").fetchone()[0] == stats.edges
    return stats


def test_chain_merge_and_curated_stop() -> None:
    models = ["base/A", "base/B", "mid/m", "x/c", "x/merge", "Curated/Q", "up/q-parent", "x/q-child"]
    edges = [
        ("mid/m", "base/A", "finetune"),
        ("x/c", "mid/m", "finetune"),
        ("x/merge", "mid/m", "merge"),
        ("x/merge", "base/B", "merge"),
        ("x/merge", "base/B", "finetune"),  # duplicate edge: counted once
        ("Curated/Q", "up/q-parent", "finetune"),  # a curated base with a parent of its own
        ("x/q-child", "Curated/Q", "finetune"),
    ]
    stats = check(models, edges, tracked=["curated/q"])
    assert stats.stopped_at_curated == 1 and stats.max_depth == 2 and stats.merges == 1
    con = _connect(models, edges, ["curated/q"])
    lineage.resolve_roots(con)
    roots = _roots(con)
    assert roots["x/merge"] == pytest.approx({"base/A": 0.5, "base/B": 0.5})
    assert roots["x/q-child"] == {"Curated/Q": 1.0}  # the walk stops at the curated base
    assert roots["Curated/Q"] == {"up/q-parent": 1.0}  # a curated base's own row still walks up


def test_cycles_self_edges_dangling_and_diamonds() -> None:
    models = ["c/a", "c/b", "c/t", "d/x", "s/self", "m/top", "m/l", "m/r", "m/bottom", "o/orphan"]
    edges = [
        ("c/a", "c/b", "finetune"),
        ("c/b", "c/a", "finetune"),  # two-node cycle: both derivatives lose every walk
        ("c/t", "c/a", "finetune"),  # a tail into the cycle walks until the depth cap
        ("s/self", "s/self", "finetune"),
        ("m/l", "m/top", "finetune"),
        ("m/r", "m/top", "finetune"),
        ("m/bottom", "m/l", "merge"),
        ("m/bottom", "m/r", "merge"),  # diamond: one root reached twice, weights summed
        ("o/orphan", "gone/parent", "finetune"),
    ]
    stats = check(models, edges, tracked=[])
    assert stats.cycles == 2 and stats.self_references == 1 and stats.dangling_parents == 1
    assert stats.depth_capped == 1 and stats.max_depth == lineage.MAX_DEPTH
    stats = check(models, edges, tracked=[], max_depth=3)
    assert stats.depth_capped == 1 and stats.max_depth == 3


def test_partial_cycle_is_renormalised() -> None:
    # p/x merges a real base and a loop back to itself: the base gets all of the weight left.
    models = ["p/x", "p/y", "p/base"]
    edges = [("p/x", "p/base", "merge"), ("p/x", "p/y", "merge"), ("p/y", "p/x", "finetune")]
    check(models, edges, tracked=[])
    con = _connect(models, edges, [])
    stats = lineage.resolve_roots(con)
    assert _roots(con)["p/x"] == {"p/base": 1.0}
    assert stats.cycles == 2


def test_empty_graph() -> None:
    stats = check(["a/b"], [], tracked=[])
    assert stats == lineage.LineageStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


NAMES = [f"{org}/{m}" for org in ("o", "O", "p") for m in ("a", "b", "c", "d")]
graphs = st.tuples(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(RELATIONS)), max_size=14),
    st.lists(st.sampled_from(NAMES), max_size=4),  # curated; matched case-insensitively
    st.lists(st.sampled_from(NAMES), max_size=10),  # models present (others are dangling)
    st.integers(min_value=1, max_value=5),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs)
def test_matches_reference_walk_on_random_graphs(graph: tuple) -> None:
    edges, tracked, models, max_depth = graph
    check(sorted(set(models)), edges, [t.lower() if i % 2 else t for i, t in enumerate(tracked)], max_depth)


def test_a_key_collision_is_detected_and_another_salt_gives_the_same_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Joins run on hashed names: a key shared by two names must never merge two repos."""
    models = [f"org/m{i}" for i in range(12)]
    edges = [(f"org/m{i}", f"org/m{i // 3}", "finetune") for i in range(3, 12)] + [("org/m11", "gone/base", "merge")]
    want = _roots(_run(models, edges))
    real_key = lineage.key_sql
    # Salt 0 keeps only 2 bits of the hash, so distinct names collide; salt 1 is the real key.
    monkeypatch.setattr(lineage, "key_sql", lambda column, salt=0: f"({real_key(column)} % 4)" if salt == 0 else real_key(column, salt))
    con = _connect(models, edges, [])
    with pytest.raises(lineage.KeyCollision, match="share a join key"):
        lineage.resolve_roots(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_repos AS SELECT {lineage.key_sql('id', 1)} AS key, id FROM hub_models")
    lineage.resolve_roots(con, salt=1)
    assert_same_roots(_roots(con, salt=1), want)


def test_a_parent_missing_from_the_repos_is_checked_against_the_other_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two dangling parents (in no repo row) whose keys collide: caught among the parents themselves.
    real_key = lineage.key_sql
    monkeypatch.setattr(lineage, "key_sql", lambda column, salt=0: f"({real_key(column)} * 0)" if column == "parent" else real_key(column))
    con = _connect(["x/a", "x/b"], [("x/a", "gone/one", "finetune"), ("x/b", "gone/two", "finetune")], [])
    with pytest.raises(lineage.KeyCollision, match="gone/one"):
        lineage.resolve_roots(con)


def _run(models: list[str], edges: list[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    con = _connect(models, edges, [])
    lineage.resolve_roots(con)
    return con
