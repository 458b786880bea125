"""Hub repos attributed to developers, and derivatives resolved to their root base models.

Shared by the adoption, collaboration and regional indicators. Everything is SQL
over the ``hub_*`` tables, so it runs the same on the embedded snapshot and on a
crawled database of millions of repos.

* :func:`register_namespaces` puts the attribution tables into SQL: each Hub
  namespace (and organisation name) to its developer organisation, attribution
  country and bloc. Redistributors are flagged; individuals are simply absent
  (unknown, never guessed).
* :func:`build_repos` makes ``wa_repos``: one row per repo with its developer
  country and bloc, a repack flag (GGUF, MLX, ONNX, quantised formats, or a
  redistributor's upload), downloads and creation month.
* :func:`resolve_roots` makes ``wa_roots``: for every derivative (a repo with a
  documented parent), the root base models it descends from and the share of it
  each root gets. The walk goes up parent links until it reaches a model on the
  curated base list (the ATOM list) or a model with no parent. A merge with k
  parents passes 1/k to each (methods.md §4.4 default). Self-references are
  ignored; a walk that comes back to its start is a cycle; walks longer than
  ``MAX_DEPTH`` are cut (and counted) rather than followed forever.

When one figure is wanted alone, :mod:`counted_lineage` walks from the derivatives it counts
only, with the same rules (``weightatlas derivative-share``).

Repos are joined on 64-bit keys (:func:`key_sql`, a hash of the repo name), not on the
names: at Hub scale every join of millions of strings costs a few tenths of a second, and
the walk makes a dozen of them. Names come back only for the few rows a figure shows
(``wa_parents.parent`` for roots, ``wa_repos.id`` for derivatives). A key that two names
share would merge two repos, so :func:`resolve_roots` checks every place where a key meets
a name (all repo ids, all parents) and raises :class:`KeyCollision`; the caller then
builds the tables again with another salt. The one case left unchecked is a child absent
from ``hub_models`` (a crawled card names its own repo, so only a repo deleted between
snapshots) sharing a key with another name: at most (such children x names) / 2**64.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from weightatlas.attribution import UNKNOWN, Attribution
from weightatlas.hub.ingest import QUANT_NAME
from weightatlas.hub.schema import HUB_FLOOR

MAX_DEPTH = 20
# createdAt on the Hub's floor date (or before) is not a real date: compare with the next midnight.
HUB_FLOOR_SQL = f"TIMESTAMP '{(HUB_FLOOR + timedelta(days=1)).date()}'"
KEY_SALTS = 3  # attempts with a fresh salt after a key collision (each ~2**-64 per pair of names)


class KeyCollision(Exception):
    """Two different repo names got the same key under this salt."""


def exact_sum(expr: str, *, where: str | None = None, products: bool = False) -> str:
    """SQL for a sum of fractional weights (or weight x downloads) that does not depend on row order.

    Floating-point sums change in the last bits with the order rows are added in, which differs
    between engines, threads and runs; a figure that is an exact tie at its last stated digit
    (a sum of 1/8 merge weights, 7.8125) then rounds either way. Each value is fixed to a
    decimal first and the decimals are added exactly (DuckDB and Spark both do). Weights (at most
    1) keep 18 decimals and the sum is rounded to 9, which absorbs what fixing a third to 18
    decimals loses (5.5e-17 per merge) and brings true ties back to ties; products with downloads
    (``products=True``) keep 6 decimals.
    """
    filtered = f" FILTER (WHERE {where})" if where else ""
    if products:
        return f"CAST(sum(CAST({expr} AS DECIMAL(38, 6))){filtered} AS DOUBLE)"
    return f"CAST(round(sum(CAST({expr} AS DECIMAL(38, 18))){filtered}, 9) AS DOUBLE)"


def key_sql(column: str, salt: int = 0) -> str:
    """SQL for a repo name's 64-bit join key (the Spark engine runs ``hash`` as ``xxhash64``)."""
    return f"hash({column})" if salt == 0 else f"hash({column} || '#{int(salt)}')"


def register_namespaces(con: duckdb.DuckDBPyConnection, attribution: Attribution) -> None:
    """Temp table ``wa_ns(ns, org_id, org_name, country, bloc, is_redistributor, org_type)``, ``ns`` lower-cased.

    A redistributor's namespace is nobody's development: its org, name and country are
    NULL and its bloc is Unknown, so every join on ``wa_ns`` attributes the same way.
    """
    rows: dict[str, str] = {}
    for alias, org_id in attribution.aliases.items():
        rows[alias.casefold()] = org_id
    for org in attribution.organizations.values():
        rows.setdefault(org.id.casefold(), org.id)
    orgs = [attribution.organizations[o] for o in rows.values()]
    devs = [None if org.is_redistributor else org for org in orgs]
    text = pa.string()
    table = pa.table(
        {
            "ns": pa.array(list(rows), text),
            "org_id": pa.array([d.id if d else None for d in devs], text),
            "org_name": pa.array([d.name if d else None for d in devs], text),
            "country": pa.array([d.country if d else None for d in devs], text),
            "bloc": pa.array([attribution.blocs.bloc(d.country) if d and d.country else UNKNOWN for d in devs], text),
            "is_redistributor": pa.array([org.is_redistributor for org in orgs], pa.bool_()),
            "org_type": pa.array([org.org_type for org in orgs], text),
        }
    )
    con.register("wa_ns_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE wa_ns AS SELECT * FROM wa_ns_arrow")
    con.unregister("wa_ns_arrow")


def repack_sql(quantised_with_parent: str = "q.id IS NOT NULL") -> str:
    """SQL for a repack over ``hub_models m`` and ``wa_ns n``: a GGUF/MLX/ONNX file set, a quantised derivative, or a redistributor's upload.

    A base model released in a low precision by its developer (DeepSeek-V3's native FP8
    weights carry a quantization_config) is not a repack, hence "quantised and it has a
    parent" (``quantised_with_parent``, a condition the caller's joins make true).
    """
    return f"""(
    coalesce(m.is_gguf, false)
    OR list_contains(m.tags, 'mlx') OR list_contains(m.tags, 'onnx')
    OR coalesce(m.library_name, '') IN ('mlx', 'gguf', 'onnx')
    OR {quantised_with_parent}
    OR regexp_matches(m.id, '{QUANT_NAME}')
    OR coalesce(n.is_redistributor, false)
)"""


def build_repos(con: duckdb.DuckDBPyConnection, *, salt: int = 0) -> None:
    """Temp table ``wa_repos``: one row per repo with its join ``key``, developer attribution and a repack flag."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_repos AS
        SELECT {key_sql('m.id', salt)} AS key, m.id, m.author,
               n.org_id, n.org_name, n.country, coalesce(n.bloc, '{UNKNOWN}') AS bloc,
               coalesce(n.is_redistributor, false) AS by_redistributor,
               {repack_sql()} AS is_repack,
               m.downloads, m.downloads_all_time, m.created_at,
               CASE WHEN m.created_at > {HUB_FLOOR_SQL} THEN strftime(m.created_at, '%Y-%m') END AS month,
               m.languages
        FROM hub_models m LEFT JOIN wa_ns n ON n.ns = lower(m.author)
        -- quantised repos that have a parent: picking the few quantised repos first and probing
        -- the edges with them is cheaper than testing every repo against every child
        LEFT JOIN (SELECT DISTINCT qm.id FROM hub_models qm SEMI JOIN hub_edges e ON e.child = qm.id
                   WHERE qm.quant_method IS NOT NULL) q ON q.id = m.id
        """
    )


def stop_list(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``wa_stop(id)``: the curated base list (``tracked_models``), lower-cased; a walk stops there."""
    con.execute("CREATE OR REPLACE TEMP TABLE wa_stop AS SELECT DISTINCT lower(model_id) AS id FROM tracked_models")


@dataclass
class LineageStats:
    derivatives: int
    edges: int
    self_references: int
    dangling_parents: int  # parents named by an edge but absent from the data (deleted, renamed, private, not crawled)
    merges: int
    max_parents: int
    cycles: int
    depth_capped: int
    max_depth: int
    stopped_at_curated: int

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def resolve_roots(con: duckdb.DuckDBPyConnection, *, max_depth: int = MAX_DEPTH, salt: int = 0) -> LineageStats:
    """Temp table ``wa_roots(child_key, root_key, weight)``: weights of each derivative's roots sum to 1.

    Reads ``hub_edges``, ``tracked_models`` and ``wa_repos`` (:func:`build_repos` with the same ``salt``).

    Children whose every walk ends in a cycle get no row (counted in ``cycles``). Alongside:
    ``wa_kids`` (one row per derivative: parent count ``k`` and relation flags),
    ``wa_parents`` (one row per distinct parent with its name, how a walk ends there and
    whether it is missing from the data) and ``wa_unresolved`` (children with no root).

    Set-based, in iterative joins (no recursive CTE, so every SQL engine runs it), on
    integer keys (see the module docstring). The work is arranged to make as few passes
    as possible: one aggregation gives each child its parent count and relation flags, one
    join gives every edge its parent's ending (curated base, top of its chain, or NULL for
    an intermediate model), decided once rather than probed again at every step. Only the
    walks through an intermediate parent are then followed, level by level.

    Raises :class:`KeyCollision` if two names share a key under ``salt``.
    """
    child_key, parent_key = key_sql("child", salt), key_sql("parent", salt)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_pairs AS
        SELECT {child_key} AS child_key, {parent_key} AS parent_key, min(relation) AS relation
        FROM hub_edges WHERE child <> parent GROUP BY 1, 2
        """
    )
    # The relation flags are here so that child_relations needs no second pass over the edges.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_kids AS
        SELECT child_key, count(*) AS k,
               bool_or(relation = 'quantized') AS any_quantized, bool_or(relation = 'merge') AS any_merge,
               bool_or(relation = 'adapter') AS any_adapter
        FROM wa_pairs GROUP BY child_key
        """
    )
    # Repo ids are unique, so a key held by two repos is a collision.
    shared = con.execute("SELECT any_value(key) FROM wa_repos GROUP BY key HAVING count(*) > 1 LIMIT 1").fetchall()
    if shared:
        names = [r[0] for r in con.execute("SELECT id FROM wa_repos WHERE key = ? ORDER BY id", [shared[0][0]]).fetchall()]
        raise KeyCollision(f"repo names share a join key under salt {salt}: {names}")
    stop_list(con)
    # Per distinct parent (a third of the edges on the Hub): its name, its ending in the old
    # walk's order (curated before top; a cycle depends on where the walk started, so it is
    # checked during the walk), whether it is missing from the data, and whether its key
    # is shared with another parent's or a repo's name.
    # The names are aggregated on their own first: with an exact row count for them, the join
    # below hashes the parents, not the repos' ids (at 10M repos the other way round ran out of
    # DuckDB's 1 GB).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_parent_names AS
        SELECT {parent_key} AS parent_key, min(parent) AS parent, min(parent) <> max(parent) AS clash
        FROM hub_edges WHERE child <> parent GROUP BY 1
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_parents AS
        SELECT p.parent_key, p.parent,
               CASE WHEN s.id IS NOT NULL THEN 'curated' WHEN c.child_key IS NULL THEN 'top' END AS ending,
               m.key IS NULL AS dangling,
               p.clash OR coalesce(m.id <> p.parent, false) AS clash
        FROM wa_parent_names p
        LEFT JOIN wa_kids c ON c.child_key = p.parent_key
        LEFT JOIN wa_stop s ON s.id = lower(p.parent)
        LEFT JOIN wa_repos m ON m.key = p.parent_key
        """
    )
    con.execute("DROP TABLE wa_parent_names")
    clash = con.execute("SELECT parent FROM wa_parents WHERE clash ORDER BY parent LIMIT 1").fetchall()
    if clash:
        raise KeyCollision(f"a parent's name shares its join key with another name under salt {salt}: {clash[0][0]!r}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_edges AS
        SELECT p.child_key, p.parent_key, p.relation, c.k, a.ending
        FROM wa_pairs p JOIN wa_kids c ON c.child_key = p.child_key JOIN wa_parents a ON a.parent_key = p.parent_key
        """
    )
    con.execute("DROP TABLE wa_pairs")
    # Walk state past the first hop: (child, node reached, weight carried, depth).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE wa_walk AS SELECT child_key, parent_key AS node, 1.0 / k AS weight, 1 AS depth FROM wa_edges WHERE ending IS NULL"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE wa_deep AS SELECT DISTINCT child_key FROM wa_walk")
    con.execute("CREATE OR REPLACE TEMP TABLE wa_done AS SELECT child_key, node, weight, depth, CAST(NULL AS VARCHAR) AS ending FROM wa_walk LIMIT 0")
    depth = 1
    while con.execute("SELECT count(*) FROM wa_walk").fetchone()[0]:  # type: ignore[index]
        if depth >= max_depth:
            con.execute("INSERT INTO wa_done SELECT child_key, node, weight, depth, 'capped' FROM wa_walk")
            break
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE wa_step AS
            SELECT w.child_key, e.parent_key AS node, w.weight / e.k AS weight, {depth + 1} AS depth,
                   CASE WHEN e.parent_key = w.child_key THEN 'cycle' ELSE e.ending END AS ending
            FROM wa_walk w JOIN wa_edges e ON e.child_key = w.node
            """
        )
        con.execute("INSERT INTO wa_done SELECT child_key, node, weight, depth, ending FROM wa_step WHERE ending IS NOT NULL")
        con.execute("CREATE OR REPLACE TEMP TABLE wa_walk AS SELECT child_key, node, weight, depth FROM wa_step WHERE ending IS NULL")
        depth += 1
    lost = con.execute("SELECT count(*) FROM wa_done WHERE ending IN ('cycle', 'capped')").fetchone()[0]  # type: ignore[index]
    # Derivatives whose parents are all final: each (child, parent) is unique and the 1/k sum
    # to 1, so their rows need no aggregation. Walked ones: a root reached by several paths
    # is summed; the weight lost to cycles and cut walks (if any) is renormalised away.
    weight = "sum(weight) / sum(sum(weight)) OVER (PARTITION BY child_key)" if lost else "sum(weight)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_roots_walked AS
        SELECT child_key, node AS root_key, {weight} AS weight
        FROM (
            SELECT e.child_key, e.parent_key AS node, 1.0 / e.k AS weight
            FROM wa_edges e JOIN wa_deep d ON d.child_key = e.child_key WHERE e.ending IS NOT NULL
            UNION ALL
            SELECT child_key, node, weight FROM wa_done WHERE ending IN ('top', 'curated')
        )
        GROUP BY child_key, node
        """
    )
    # The walked rows are aggregated on their own, so the first-hop rows (most of them) are only copied.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_roots AS
        SELECT e.child_key, e.parent_key AS root_key, 1.0 / e.k AS weight
        FROM wa_edges e LEFT JOIN wa_deep d ON d.child_key = e.child_key
        WHERE d.child_key IS NULL
        UNION ALL
        SELECT child_key, root_key, weight FROM wa_roots_walked
        """
    )
    # Children with no root at all (every walk ended in a cycle or was cut): few, and all walked.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_unresolved AS
        SELECT DISTINCT l.child_key FROM wa_done l LEFT JOIN wa_roots_walked r ON r.child_key = l.child_key
        WHERE l.ending IN ('cycle', 'capped') AND r.child_key IS NULL
        """
    )
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM wa_kids),
               (SELECT count(*) FROM wa_edges),
               (SELECT count(*) FROM hub_edges WHERE child = parent),
               (SELECT count(*) FROM wa_parents WHERE dangling),
               (SELECT count(*) FROM wa_kids WHERE k > 1),
               (SELECT coalesce(max(k), 0) FROM wa_kids),
               (SELECT count(DISTINCT child_key) FROM wa_done WHERE ending = 'cycle'),
               (SELECT count(DISTINCT child_key) FROM wa_done WHERE ending = 'capped'),
               -- every first hop that ends is a depth-1 ending; later ones are in wa_done
               greatest((SELECT coalesce(max(depth), 0) FROM wa_done),
                        (SELECT count(*) FROM (SELECT 1 FROM wa_edges WHERE ending IS NOT NULL LIMIT 1))),
               (SELECT count(DISTINCT child_key) FROM (
                    SELECT child_key FROM wa_edges WHERE ending = 'curated' UNION ALL SELECT child_key FROM wa_done WHERE ending = 'curated'))
        """
    ).fetchone()
    assert row is not None
    return LineageStats(*row)


def child_relations(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``wa_child_kind``: every derivative with what kind it is and its repo's columns.

    Substantive: fine-tunes, adapters, merges (continued pre-training is labelled a
    fine-tune on the Hub). Superficial: quantisations and format repacks, and anything a
    redistributor uploads (a re-upload is distribution, not development).

    The repo's attribution and counts are copied in (``listed`` is false for a child missing
    from ``hub_models``) and ``resolved`` says whether its walk reached a root: at Hub scale
    every join of millions of rows costs tenths of a second, so the per-derivative figures
    read this one table instead of joining ``wa_repos`` and ``wa_roots`` again. The
    derivative's name is ``wa_repos.id`` for its ``child_key`` (looked up for shown rows only).
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE wa_child_kind AS
        SELECT *, relation <> 'quantized' AS substantive FROM (
            SELECT c.child_key,
                   CASE WHEN c.any_quantized OR coalesce(r.is_repack, false) THEN 'quantized'
                        WHEN c.any_merge THEN 'merge'
                        WHEN c.any_adapter THEN 'adapter'
                        ELSE 'finetune' END AS relation,
                   r.key IS NOT NULL AS listed, u.child_key IS NULL AS resolved,
                   r.org_id, r.country, r.bloc, r.by_redistributor, r.is_repack,
                   r.downloads, r.downloads_all_time, r.created_at, r.month, r.languages
            FROM wa_kids c LEFT JOIN wa_repos r ON r.key = c.child_key LEFT JOIN wa_unresolved u ON u.child_key = c.child_key
        )
        """
    )


def flows_table(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``wa_flows``: one row per listed derivative and root, with the root's developer.

    ``wa_child_kind``'s columns plus ``root_key``, ``weight`` (the root's share of the child;
    they sum to 1 per resolved child), ``root_country`` and ``root_bloc``. Derivative shares,
    collaboration flows, root-attributed downloads and the language proxy all read it.
    Names are left out on purpose (long strings copied into millions of rows cost seconds
    at Hub scale): a figure that shows one looks it up for its few output rows, after
    aggregating (``wa_parents.parent`` and ``wa_ns`` for a root, ``wa_repos`` for a maker).

    The roots' developers are attributed once per distinct root (``wa_root_attr``), not per row.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_root_attr AS
        SELECT p.parent_key AS root_key, n.country AS root_country, coalesce(n.bloc, '{UNKNOWN}') AS root_bloc
        FROM wa_parents p LEFT JOIN wa_ns n ON n.ns = lower(split_part(p.parent, '/', 1))
        WHERE p.ending IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE wa_flows AS
        SELECT k.* EXCLUDE (listed), r.root_key, r.weight, a.root_country, coalesce(a.root_bloc, '{UNKNOWN}') AS root_bloc
        FROM wa_child_kind k JOIN wa_roots r ON r.child_key = k.child_key
        LEFT JOIN wa_root_attr a ON a.root_key = r.root_key
        WHERE k.listed
        """
    )
