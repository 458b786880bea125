"""Roots for the derivatives one figure counts: the lineage walk with the figure's filter pushed in.

:func:`lineage.resolve_roots` walks every derivative on the Hub, because the collaboration,
regional and adoption figures read every one of them (a quarter of the repos on a 1M crawl
have more than 5 downloads; the other three quarters still count as collaboration). The
ATOM-style derivative share counts only derivatives with more than ``min_downloads``
30-day downloads and a usable creation month. When that is the only figure wanted,
:func:`counted_flows` starts the walk from those derivatives alone and fetches a node's
parents only when a walk reaches it, so the work follows the counted population rather
than the whole graph (on the 1M crawl, 230k of the 956k edges).

The rules are the full walk's, and a test holds the two to the same rows on random graphs:
self-references ignored, parent pairs counted once (a pair's relation is its smallest), a
merge of k parents passes 1/k to each, a walk stops at a curated base (case-insensitive) or
at a model with no parent, a walk back to its start is a cycle, walks deeper than
``max_depth`` are cut, and a derivative's weight lost to cycles and cuts is renormalised
away (none left: no row). Joins run on the same 64-bit keys (:func:`lineage.key_sql`);
wherever a key meets a name the two names are compared, and a mismatch raises
:class:`lineage.KeyCollision` so the caller can try another salt.
"""

from __future__ import annotations

from typing import Any

from weightatlas.attribution import UNKNOWN
from weightatlas.indicators.lineage import HUB_FLOOR_SQL, MAX_DEPTH, KeyCollision, key_sql, repack_sql, stop_list


def counted_flows(con: Any, *, min_downloads: int, substantive_only: bool = False, max_depth: int = MAX_DEPTH, salt: int = 0) -> None:
    """Temp tables ``wa_counted_flows`` and ``wa_counted_roots`` for derivatives with more than ``min_downloads``.

    ``wa_counted_flows(child_key, month, downloads, root_key, weight, root_bloc)``
    holds the rows of ``wa_flows`` (see :func:`lineage.flows_table`) with
    ``downloads > min_downloads`` and a month, with the same weights; ``wa_counted_roots``
    names each root (``root_key, root, root_bloc``). Needs ``wa_ns``
    (:func:`lineage.register_namespaces`) and reads ``hub_models``, ``hub_edges`` and
    ``tracked_models``.
    """
    # The counted repos: listed, above the threshold, with a usable month. A repack flag needs
    # "quantised and has a parent"; every seed that reaches the flows has one.
    # Without quantisations: a repack (see lineage.repack_sql) is left out before the walk.
    # (as there, a repack test that comes out NULL, e.g. on a repo without tags, is not a repack)
    repack = f"AND NOT coalesce({repack_sql('m.quant_method IS NOT NULL')}, false)" if substantive_only else ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_seed AS
        SELECT {key_sql('m.id', salt)} AS child_key, m.id, m.downloads, strftime(m.created_at, '%Y-%m') AS month
        FROM hub_models m {"LEFT JOIN wa_ns n ON n.ns = lower(m.author)" if substantive_only else ""}
        WHERE coalesce(m.downloads, 0) > {int(min_downloads)} AND m.created_at > {HUB_FLOOR_SQL} {repack}
        """
    )
    _no_shared_key(con, "SELECT id FROM wa_seed WHERE child_key IN (SELECT child_key FROM wa_seed GROUP BY 1 HAVING count(*) > 1)")
    # First hop: each counted derivative's distinct parents (joined on the names: exact). A pair's relation is its smallest.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_hop AS
        SELECT s.child_key, e.parent AS name, min(e.relation) AS relation
        FROM hub_edges e JOIN wa_seed s ON s.id = e.child WHERE e.child <> e.parent GROUP BY 1, 2
        """
    )
    if substantive_only:  # a derivative with a quantisation among its (deduplicated) parent links is a repack too
        con.execute(
            """CREATE OR REPLACE TEMP TABLE wa_hop AS SELECT h.* FROM wa_hop h
               ANTI JOIN (SELECT child_key FROM wa_hop WHERE relation = 'quantized') q ON q.child_key = h.child_key"""
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_front AS
        SELECT child_key, {key_sql('name', salt)} AS node, 1.0 / count(*) OVER (PARTITION BY child_key) AS weight, false AS cycle FROM wa_hop
        """
    )
    _level_names(con, f"SELECT DISTINCT {key_sql('name', salt)} AS node, name FROM wa_hop")
    stop_list(con)
    # Empty tables typed from their sources (the keys are UBIGINT in DuckDB, BIGINT on Spark).
    con.execute("CREATE OR REPLACE TEMP TABLE wa_reached AS SELECT child_key, node, weight, CAST(NULL AS VARCHAR) AS ending FROM wa_front LIMIT 0")
    con.execute("CREATE OR REPLACE TEMP TABLE wa_deep AS SELECT child_key FROM wa_front LIMIT 0")
    con.execute("CREATE OR REPLACE TEMP TABLE wa_root_names AS SELECT node, name FROM wa_level_names LIMIT 0")
    depth = 1
    while con.execute("SELECT count(*) FROM wa_front").fetchone()[0]:  # type: ignore[index]
        _step(con, salt, depth=depth, capped=depth >= max_depth)
        depth += 1
    _roots(con)


def _level_names(con: Any, pairs_sql: str) -> None:
    """``wa_level_names(node, name)``: the name behind each key of the next level; two names on one key raise."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_level_names AS SELECT node, min(name) AS name, min(name) <> max(name) AS clash FROM ({pairs_sql}) GROUP BY node")
    _no_shared_key(con, "SELECT name FROM wa_level_names WHERE clash")


def _step(con: Any, salt: int, *, depth: int, capped: bool) -> None:
    """Classify the frontier's nodes (curated, top or in between), keep the endings, walk the rest one level up."""
    # The nodes' own distinct parents (joined on the names: exact) and their count k.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_up AS
        SELECT node, parent, {key_sql('parent', salt)} AS parent_key, count(*) OVER (PARTITION BY node) AS k FROM (
            SELECT n.node, e.parent FROM hub_edges e JOIN wa_level_names n ON n.name = e.child
            WHERE e.child <> e.parent GROUP BY 1, 2)
        """
    )
    # The full walk's order: a walk back to its start first, then curated before top; a node with parents is walked on.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_node_end AS
        SELECT n.node, n.name, u.k, CASE WHEN s.id IS NOT NULL THEN 'curated' WHEN u.k IS NULL THEN 'top' END AS ending
        FROM wa_level_names n LEFT JOIN (SELECT DISTINCT node, k FROM wa_up) u ON u.node = n.node
        LEFT JOIN wa_stop s ON s.id = lower(n.name)
        """
    )
    con.execute("INSERT INTO wa_root_names SELECT node, name FROM wa_node_end WHERE ending IS NOT NULL")
    if depth == 1:  # the derivatives with a parent in between: only their roots need adding up (see _roots)
        con.execute("INSERT INTO wa_deep SELECT DISTINCT f.child_key FROM wa_front f JOIN wa_node_end x ON x.node = f.node WHERE x.ending IS NULL")
    walked_on = "'capped'" if capped else "NULL"
    con.execute(
        f"""
        INSERT INTO wa_reached
        SELECT * FROM (SELECT f.child_key, f.node, f.weight,
                              CASE WHEN f.cycle THEN 'cycle' ELSE coalesce(x.ending, {walked_on}) END AS ending
                       FROM wa_front f JOIN wa_node_end x ON x.node = f.node)
        WHERE ending IS NOT NULL
        """
    )
    next_front = "SELECT * FROM wa_front LIMIT 0" if capped else """
        SELECT f.child_key, u.parent_key AS node, f.weight / u.k AS weight, u.parent_key = f.child_key AS cycle
        FROM wa_front f JOIN wa_node_end x ON x.node = f.node JOIN wa_up u ON u.node = f.node
        WHERE x.ending IS NULL AND NOT f.cycle"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_front AS {next_front}")
    _level_names(con, "SELECT u.parent_key AS node, u.parent AS name FROM wa_up u JOIN wa_node_end x ON x.node = u.node WHERE x.ending IS NULL")
    # A walk back to its start: the key matched, so the names must too.
    _no_shared_key(
        con,
        """SELECT n.name FROM wa_front f JOIN wa_level_names n ON n.node = f.node JOIN wa_seed s ON s.child_key = f.child_key
           WHERE f.cycle AND n.name <> s.id""",
    )


def _roots(con: Any) -> None:
    # A derivative whose parents all end at once gets 1/k per parent: nothing to add up or renormalise.
    # The others (wa_deep) add up the paths to each root; weight lost to cycles and cuts is renormalised away.
    lost = con.execute("SELECT count(*) FROM wa_reached WHERE ending IN ('cycle', 'capped')").fetchone()[0]  # type: ignore[index]
    weight = "sum(weight) / sum(sum(weight)) OVER (PARTITION BY child_key)" if lost else "sum(weight)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_counted_roots AS
        SELECT r.node AS root_key, r.root, r.clash, coalesce(n.bloc, '{UNKNOWN}') AS root_bloc
        FROM (SELECT node, min(name) AS root, min(name) <> max(name) AS clash FROM wa_root_names GROUP BY node) r
        LEFT JOIN wa_ns n ON n.ns = lower(split_part(r.root, '/', 1))
        """
    )
    _no_shared_key(con, "SELECT root FROM wa_counted_roots WHERE clash")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_counted_flows AS
        SELECT k.child_key, k.month, k.downloads, r.root_key, r.weight, a.root_bloc
        FROM (SELECT r.child_key, r.node AS root_key, r.weight FROM wa_reached r ANTI JOIN wa_deep d ON d.child_key = r.child_key
              UNION ALL
              SELECT child_key, node, {weight} FROM wa_reached r SEMI JOIN wa_deep d ON d.child_key = r.child_key
              WHERE ending IN ('top', 'curated') GROUP BY child_key, node) r
        JOIN wa_seed k ON k.child_key = r.child_key JOIN wa_counted_roots a ON a.root_key = r.root_key
        """
    )
    for table in ("wa_seed", "wa_hop", "wa_front", "wa_reached", "wa_deep", "wa_level_names", "wa_up", "wa_node_end", "wa_root_names"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _no_shared_key(con: Any, names_sql: str) -> None:
    found = con.execute(f"SELECT * FROM ({names_sql}) LIMIT 1").fetchall()
    if found:
        raise KeyCollision(f"a repo name shares its join key with another name: {found[0][0]!r}")
