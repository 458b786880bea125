"""A synthetic Hub crawl database and daily download history, generated in DuckDB SQL.

Going through the HTTP fake Hub (``bench_hub_indicators.build_db``) costs minutes per
million repos; at 10M that is most of an hour, so the scale benchmark writes the crawl
schema (:mod:`weightatlas.hub.schema`) directly with ``range()`` and hash-based
pseudo-randomness (``hash(seed, i, salt)``): the same seed gives the same rows, and no row
crosses into Python.

Lineage is shaped like the Hub's: repo ``i``'s parent is ``floor(i * u**3)`` (u uniform),
which favours early repos (a power law of children per base, chains ~ln(n)/3 deep, longest
5-8), merges take 2-4 parents, quantisations and repacks are a third of edges and mostly by
redistributor namespaces, and a few cycles, self-references and dangling parents give the
lineage code its edge cases. Bases are mostly curated namespaces (so attribution has work),
derivatives mostly individuals. ``created_at`` grows with ``i`` over 2022-03..2025-12 and
downloads are Pareto-tailed.

The history is ``history_repos.parquet`` plus ``download_history/month=YYYY-MM/*.parquet``
(hive partitions, columns repo_id, day, cumulative), written in repo chunks so memory stays
bounded whatever the size.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb

U = "((hash({seed}, {i}, '{salt}') % 1000003) / 1000003.0)"  # uniform [0, 1) from (seed, row, salt)
RELATIONS = "['finetune', 'finetune', 'finetune', 'quantized', 'quantized', 'quantized', 'adapter', 'adapter', 'merge', 'finetune']"


def u(i: str, salt: str, seed: int) -> str:
    return U.format(seed=seed, i=i, salt=salt)


def _namespaces(con: duckdb.DuckDBPyConnection) -> None:
    """Curated Hub namespaces (developers and redistributors) as table ``syn_ns`` (k, ns, redistributor, org_id, bloc)."""
    from weightatlas.attribution import load_attribution

    a = load_attribution()
    rows = []
    # Developers first, then redistributors: build_hub picks each group by a range of k.
    for alias, org_id in sorted(a.aliases.items(), key=lambda kv: (a.organizations[kv[1]].is_redistributor, kv[0])):
        if not alias.replace("-", "").replace("_", "").replace(".", "").isalnum():
            continue  # display names with spaces are not namespaces
        org = a.organizations[org_id]
        rows.append((alias, org.is_redistributor, org_id, a.blocs.bloc(org.country) if org.country else "Unknown"))
    con.execute("CREATE OR REPLACE TEMP TABLE syn_ns (k INTEGER, ns VARCHAR, redistributor BOOLEAN, org_id VARCHAR, bloc VARCHAR)")
    con.executemany("INSERT INTO syn_ns SELECT ?, ?, ?, ?, ?", [(k, *r) for k, r in enumerate(rows)])


def build_hub(db: Path, n: int, *, seed: int = 0, parquet_dir: Path | None = None, memory_limit: str = "6GB") -> dict:
    """Write an ``n``-repo crawl database at ``db`` (and the hub tables as Parquet under ``parquet_dir``)."""
    from weightatlas.hub.schema import ensure_schema

    started = time.perf_counter()
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), config={"memory_limit": memory_limit, "temp_directory": str(db.parent / "duckdb-tmp")})
    con.execute("SET enable_progress_bar = false")
    ensure_schema(con)
    _namespaces(con)
    dev = con.execute("SELECT count(*) FROM syn_ns WHERE NOT redistributor").fetchone()[0]
    red = con.execute("SELECT count(*) FROM syn_ns WHERE redistributor").fetchone()[0]
    people = max(n // 25, 10)  # ~25 repos per individual on average
    classes = "['LlamaForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM', 'MistralForCausalLM', 'DeepseekV3ForCausalLM', 'Gemma2ForCausalLM', 'Phi3ForCausalLM', 'Qwen3MoeForCausalLM', 'GptOssForCausalLM', 'Glm4MoeForCausalLM']"
    # One row per repo: its kind, first parent index and author pick; everything derived from hashes of i.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE syn AS
        SELECT i,
               CASE WHEN i < greatest({n} // 200, 5) OR {u('i', 'base', seed)} < 0.01 THEN 'base'
                    ELSE {RELATIONS}[1 + (hash({seed}, i, 'rel') % 10)::INTEGER] END AS kind,
               floor(i * pow({u('i', 'p1', seed)}, 3))::BIGINT AS p1,
               {u('i', 'who', seed)} AS who
        FROM range({n}) t(i)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE syn_models AS
        SELECT s.i, s.kind, s.p1, coalesce(ns.ns, 'user' || (hash({seed}, s.i, 'person') % {people})) AS author,
               coalesce(ns.ns, 'user' || (hash({seed}, s.i, 'person') % {people})) || '/model-' || s.i
                 || CASE s.kind WHEN 'quantized' THEN '-GGUF' WHEN 'adapter' THEN '-lora' WHEN 'merge' THEN '-merge' ELSE '' END AS id
        FROM syn s LEFT JOIN syn_ns ns ON ns.k = CASE
            WHEN s.kind = 'base' AND s.who < 0.85 THEN (hash({seed}, s.i, 'org') % {dev})::INTEGER
            WHEN s.kind = 'quantized' AND s.who < 0.5 THEN {dev} + (hash({seed}, s.i, 'red') % {red})::INTEGER
            WHEN s.kind <> 'base' AND s.who < 0.06 THEN (hash({seed}, s.i, 'org') % {dev})::INTEGER END"""
    )
    con.execute("DROP TABLE syn")
    day0, span = "TIMESTAMP '2022-03-02'", (date(2025, 12, 31) - date(2022, 3, 2)).days
    con.execute(
        f"""INSERT INTO hub_models (id, hub_oid, author, created_at, last_modified, downloads, downloads_all_time, likes,
                                    trending_score, tags, pipeline_tag, library_name, licence, languages, gated, params_total,
                                    is_gguf, sha, model_type, architectures, quant_method, first_seen_snapshot, last_seen_snapshot, source)
        SELECT id, md5(id)[1:24], author,
               {day0} + to_seconds((pow(i / {n}::DOUBLE, 0.6) * {span} * 86400)::BIGINT),
               {day0} + to_seconds((pow(i / {n}::DOUBLE, 0.6) * {span} * 86400)::BIGINT + 86400),
               (floor(10 * pow(1 - {u('i', 'dl', seed)}, -1.2)) - 10)::BIGINT AS downloads,
               (floor(40 * pow(1 - {u('i', 'dl', seed)}, -1.2)) - 40)::BIGINT,
               (floor(pow(1 - {u('i', 'like', seed)}, -0.8)) - 1)::BIGINT,
               0.0,
               CASE kind WHEN 'quantized' THEN ['gguf', 'text-generation'] WHEN 'adapter' THEN ['peft', 'lora'] ELSE ['transformers', 'safetensors'] END,
               'text-generation',
               CASE kind WHEN 'quantized' THEN 'gguf' WHEN 'adapter' THEN 'peft' ELSE 'transformers' END,
               'apache-2.0',
               CASE WHEN {u('i', 'lang', seed)} < 0.5 THEN [] WHEN {u('i', 'lang', seed)} < 0.8 THEN ['en']
                    WHEN {u('i', 'lang', seed)} < 0.9 THEN ['zh', 'en'] ELSE ['ja'] END,
               'false', NULL, kind = 'quantized', md5(id || 'sha'), NULL,
               CASE WHEN kind IN ('quantized', 'adapter') THEN NULL ELSE [{classes}[1 + (hash({seed}, p1, 'arch') % 10)::INTEGER]] END,
               NULL, 1, 1, 'synthetic'
        FROM syn_models"""
    )
    con.execute(
        "INSERT INTO hub_downloads SELECT 1, id, downloads, downloads_all_time, likes FROM hub_models"
    )
    con.execute(
        """INSERT INTO crawl_snapshots (snapshot_id, started_at, finished_at, endpoint, query, mode, status, source, pages, requests, models)
           VALUES (1, TIMESTAMP '2025-12-31 00:00', TIMESTAMP '2025-12-31 01:00', 'synthetic', '{}', 'full', 'complete', 'hub-crawl', 0, 0, ?)""",
        [n],
    )
    # Edges: the first parent; merges add 1-3 more; a few dangling parents, self-references and two-cycles.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE syn_edges AS
        SELECT s.i AS ci, s.kind, CASE WHEN k = 0 THEN s.p1 ELSE floor(s.i * pow({u('s.i * 8 + k', 'pk', seed)}, 2))::BIGINT END AS pi
        FROM syn_models s, range(4) r(k)
        WHERE s.kind <> 'base' AND (k = 0 OR (s.kind = 'merge' AND k <= 1 + hash({seed}, s.i, 'nmerge') % 3))"""
    )
    con.execute(
        f"""INSERT INTO hub_edges
        SELECT DISTINCT c.id,
               CASE WHEN {u('e.ci * 8 + e.pi', 'dangle', seed)} < 0.005 THEN 'ghost-org/deleted-' || e.pi ELSE p.id END,
               e.kind, e.kind, 'tag', 1
        FROM syn_edges e JOIN syn_models c ON c.i = e.ci JOIN syn_models p ON p.i = e.pi
        WHERE e.ci <> e.pi"""
    )
    con.execute(
        f"""INSERT INTO hub_edges SELECT * FROM (
        SELECT id AS child, id AS parent, 'finetune', 'finetune', 'tag', 1 FROM syn_models WHERE i % 50000 = 3
        UNION ALL  -- two-cycles: a repo and the next one name each other (late repos, with few descendants)
        SELECT a.id, b.id, 'finetune', 'finetune', 'tag', 1 FROM syn_models a JOIN syn_models b ON b.i = a.i + 1 WHERE a.i % 100000 = 50007 OR a.i = {n // 2 + 1}
        UNION ALL
        SELECT b.id, a.id, 'merge', 'merge', 'tag', 1 FROM syn_models a JOIN syn_models b ON b.i = a.i + 1 WHERE a.i % 100000 = 50007 OR a.i = {n // 2 + 1}
        ) x WHERE NOT EXISTS (SELECT 1 FROM hub_edges e WHERE e.child = x.child AND e.parent = x.parent)  -- one row per (child, parent)"""
    )
    stats = dict(zip(("models", "edges"), con.execute("SELECT (SELECT count(*) FROM hub_models), (SELECT count(*) FROM hub_edges)").fetchone(), strict=True))
    con.close()
    if parquet_dir is not None:
        # The layout `weightatlas export-parquet` writes and the Spark engine reads (one folder per table).
        from weightatlas.engine.export import export_parquet

        export_parquet(db, parquet_dir)
    stats["seconds"] = time.perf_counter() - started
    return stats


def build_history(db: Path, folder: Path, repos: int, *, days: int = 365, first_day: date = date(2024, 1, 1), seed: int = 0, chunk: int = 100_000) -> dict:
    """``history_repos.parquet`` and ``download_history/month=*/`` for the first ``repos`` repos of the Hub at ``db``.

    Each repo gets a counter start (uniform over the year, a quarter from day 0), a Pareto daily
    level and +-30% day noise that never makes the count fall (so decreases come only from the
    0.1% given one deliberate drop).
    """
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": "2GB", "temp_directory": str(folder / "duckdb-tmp")})
    con.execute("SET enable_progress_bar = false")
    con.execute("ATTACH ? AS hub (READ_ONLY)", [str(db)])
    _namespaces(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE syn_repos AS
        SELECT (row_number() OVER (ORDER BY m.id) - 1)::BIGINT AS r, m.id AS repo_id, m.author,
               ns.org_id, ns.bloc, ns.redistributor,
               CASE WHEN m.is_gguf THEN 'repack' WHEN ns.org_id IS NULL THEN 'individual' ELSE 'first_party' END AS role
        FROM (SELECT id, author, is_gguf FROM hub.hub_models ORDER BY hash({seed}, id) LIMIT {repos}) m
        LEFT JOIN syn_ns ns ON ns.ns = lower(m.author)"""
    )
    con.execute(
        f"""COPY (SELECT repo_id, 'synthetic:' || r AS ref, 'Synthetic' AS cohort_file,
                         CASE WHEN role = 'first_party' THEN org_id ELSE NULL END AS org_id, NULL::VARCHAR AS country,
                         CASE WHEN role = 'first_party' THEN bloc ELSE 'Unknown' END AS bloc,
                         CASE WHEN r % 1000 = 0 THEN 'excluded' ELSE role END AS role,
                         NULL::VARCHAR AS root_org_id,
                         CASE WHEN role = 'repack' THEN ['China', 'United States', 'Europe', 'Unknown'][1 + (hash({seed}, r, 'rb') % 4)::INTEGER] END AS root_bloc,
                         CASE WHEN r % 1000 = 0 THEN 'synthetic dummy' END AS exclusion_reason,
                         ['llm', 'llm', 'llm', 'vlm', 'speech', 'embedding'][1 + (hash({seed}, r, 'mod') % 6)::INTEGER] AS modality,
                         'synthetic' AS modality_rule, DATE '{first_day}' AS created_at, NULL::DATE AS counter_start
                  FROM syn_repos ORDER BY repo_id)
           TO '{folder}/history_repos.parquet' (FORMAT PARQUET)"""
    )
    out = folder / "download_history"
    for lo in range(0, repos, chunk):
        con.execute(
            f"""COPY (
              SELECT repo_id, day, cumulative, strftime(day, '%Y-%m') AS month FROM (
                SELECT r.repo_id, DATE '{first_day}' + d::INTEGER AS day,
                       CASE WHEN d < r.s THEN 0
                            WHEN r.r % 1000 = 1 AND d = {days - 1} THEN greatest(floor(r.lvl * (d - r.s)) - 5, 0)
                            ELSE floor(r.lvl * (d - r.s + 1) + 0.3 * r.lvl * ((hash({seed}, r.r, d) % 1000) / 1000.0)) END::BIGINT AS cumulative
                FROM (SELECT r, repo_id,
                             CASE WHEN {u('r', 'start', seed)} < 0.25 THEN 0 ELSE floor({u('r', 'start', seed)} * {days})::INTEGER END AS s,
                             floor(pow(1 - {u('r', 'lvl', seed)}, -1.3)) AS lvl
                      FROM syn_repos WHERE r >= {lo} AND r < {lo + chunk}) r, range({days}) t(d)))
            TO '{out}' (FORMAT PARQUET, PARTITION_BY (month), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'part-{lo // chunk:05d}-{{i}}')"""
        )
    con.close()
    files = list(out.rglob("*.parquet"))
    return {"repos": repos, "rows": repos * days, "files": len(files), "bytes": sum(f.stat().st_size for f in files), "seconds": time.perf_counter() - started}
