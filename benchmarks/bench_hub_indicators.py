"""Benchmark: adoption, collaboration and regional indicators on a 1,000,000-model crawl.

Builds the synthetic crawl database the crawler benchmark uses (a fake Hub of
1,000,000 models crawled into DuckDB; pages come from the server's disk cache after
the first run), then times, each in a fresh process so peak RSS is its own:

* **weightatlas**: ``indicators_document(db=..., only=[adoption, collaboration, regional])``
  — namespace attribution, root resolution over the lineage graph, shares, flows,
  concentration — all in DuckDB;
* **naive**: the same derivative-share-by-root-bloc figure computed the way a user
  would in plain Python: rows fetched into dicts, a memoised recursive walk to the
  roots per derivative, merges split 1/k, then a per-month tally.
* **lineage like for like** (issue 11): attribution + lineage + derivative share in
  weightatlas (``derivatives.compute``: both variants, counts, top roots; and
  ``share``: only the monthly figure the naive walk produces), each timed from opening
  the same database, against the naive walk including its fetch; ``counted``: the same figure
  through ``weightatlas derivative-share``, whose walk starts from the counted derivatives only,
  as the naive walk's does (the like-for-like pair: target >= 5x); and ``floor``, a
  stripped-down sketch of the same walk in SQL with nothing else, which is not
  weightatlas code but shows what set-based SQL costs at the least on this machine.
* **regulation** (issue 6): ``indicators.regulation`` (event studies with placebo dates on
  every adoption series), against the naive root walk feeding the same estimator.
* **diffusion** (issue 5): ``indicators.diffusion`` on the same crawl, whose Hub part is
  architecture-class reuse (repos shipping another organisation's ``architectures``
  class, by developer bloc x originator bloc), against a naive pass that fetches every
  repo's author and class into Python and attributes it there.

Target (issue 4): the three indicators together in under 20 s and 2 GB on 2 cores.

    python benchmarks/bench_hub_indicators.py [--n 1000000] [--db PATH] [--cache DIR] [--repeat 3]

Every pair is run ``--repeat`` times (fresh processes, alternating) and the median is quoted:
the machine is shared, so single timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def role_indicators(db: str) -> dict:
    from weightatlas.api import indicators_document

    started = time.perf_counter()
    doc = indicators_document(db=Path(db), only=["adoption", "collaboration", "regional"])
    seconds = time.perf_counter() - started
    variant = doc["indicators"]["adoption"]["hub_sample"]["derivative_share"]["variants"]["all_relations"]
    return {
        "seconds": seconds,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "derivatives": variant["derivatives"],
        "overall": {b: v["share"] for b, v in variant["overall"].items()},
        "repos": doc["indicators"]["collaboration"]["population"]["derivatives"],
        "lineage": doc["indicators"]["collaboration"]["lineage"],
    }


def role_derivatives(db: str) -> dict:
    """Like for like with the naive path: only the derivative share (with its lineage preparation)."""
    from weightatlas.api import open_store
    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import Context, derivatives

    started = time.perf_counter()
    with open_store(db=Path(db)) as store:
        result = derivatives.compute(Context(store=store, attribution=load_attribution()))
    variant = result["variants"]["all_relations"]
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "derivatives": variant["derivatives"],
        "overall": {b: v["share"] for b, v in variant["overall"].items()},
    }


def _share_result(started: float, by_bloc: dict[str, float]) -> dict:
    """What the share-computing roles report: time since ``started``, peak RSS, the total and each bloc's share."""
    total = sum(by_bloc.values())
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "derivatives": total,
        "overall": {b: round(w / total, 4) for b, w in sorted(by_bloc.items())},
    }


def role_share(db: str) -> dict:
    """Exactly the naive path's figure: monthly derivatives by root bloc, all relations (with the lineage preparation)."""
    from weightatlas.api import open_store
    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import Context, derivatives

    started = time.perf_counter()
    with open_store(db=Path(db)) as store:
        rows = derivatives.monthly_by_root_bloc(Context(store=store, attribution=load_attribution()))
    by_bloc: dict[str, float] = {}
    for r in rows:
        by_bloc[r["bloc"]] = by_bloc.get(r["bloc"], 0.0) + r["w"]
    return _share_result(started, by_bloc)


def role_counted(db: str) -> dict:
    """The naive walk's figure through ``weightatlas derivative-share`` (api.derivative_share): the walk
    starts from the counted derivatives only, as the naive walk's does; nothing else is prepared."""
    from weightatlas.api import derivative_share

    started = time.perf_counter()
    result = derivative_share(db=Path(db))
    return _share_result(started, {b: v["derivatives"] for b, v in result["overall"].items() if v["derivatives"]})


def role_floor(db: str) -> dict:
    """A lower-bound sketch of set-based SQL for the naive figure: the same walk on hashed keys with
    nothing else (no repack flags, child kinds or population counts, no key-collision checks, no
    shared tables for the other indicators). Not used by weightatlas: it shows how much of the
    distance to the naive walk is DuckDB's joins themselves rather than the extra work."""
    started = time.perf_counter()
    import duckdb

    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import lineage

    con = duckdb.connect(db, read_only=True)
    con.execute("SET memory_limit = '1GB'")
    lineage.register_namespaces(con, load_attribution())
    run = con.execute
    run(f"CREATE TEMP TABLE st AS SELECT DISTINCT lower(model_id) AS id FROM read_parquet('{ROOT}/src/weightatlas/data/snapshot/tracked_models.parquet')")
    run("CREATE TEMP TABLE p AS SELECT hash(child) AS c, hash(parent) AS pa, any_value(parent) AS name FROM hub_edges WHERE child <> parent GROUP BY 1, 2")
    run("CREATE TEMP TABLE kd AS SELECT c, count(*) AS k FROM p GROUP BY c")
    run("""CREATE TEMP TABLE par AS
           SELECT x.pa, x.name, CASE WHEN s.id IS NOT NULL THEN 'curated' WHEN kd.c IS NULL THEN 'top' END AS ending
           FROM (SELECT pa, any_value(name) AS name FROM p GROUP BY pa) x LEFT JOIN kd ON kd.c = x.pa LEFT JOIN st s ON s.id = lower(x.name)""")
    run("CREATE TEMP TABLE e AS SELECT p.c, p.pa, kd.k, par.ending FROM p JOIN kd USING (c) JOIN par USING (pa)")
    run("CREATE TEMP TABLE w AS SELECT c, pa AS node, 1.0 / k AS weight FROM e WHERE ending IS NULL")
    run("CREATE TEMP TABLE done AS SELECT c, node, weight, CAST(NULL AS VARCHAR) AS ending FROM w LIMIT 0")
    for _ in range(20):
        if not run("SELECT count(*) FROM w").fetchone()[0]:
            break
        run("""CREATE OR REPLACE TEMP TABLE s AS SELECT w.c, e.pa AS node, w.weight / e.k AS weight,
               CASE WHEN e.pa = w.c THEN 'cycle' ELSE e.ending END AS ending FROM w JOIN e ON e.c = w.node""")
        run("INSERT INTO done SELECT * FROM s WHERE ending IS NOT NULL")
        run("CREATE OR REPLACE TEMP TABLE w AS SELECT c, node, weight FROM s WHERE ending IS NULL")
    run("""CREATE TEMP TABLE roots AS
           SELECT c, pa AS root, 1.0 / k AS weight FROM e WHERE ending IS NOT NULL AND c NOT IN (SELECT c FROM done)
           UNION ALL
           SELECT c, node, sum(weight) / sum(sum(weight)) OVER (PARTITION BY c) FROM (
               SELECT c, pa AS node, 1.0 / k AS weight FROM e WHERE ending IS NOT NULL AND c IN (SELECT c FROM done)
               UNION ALL SELECT c, node, weight FROM done WHERE ending IN ('top', 'curated')) GROUP BY c, node""")
    by_bloc = dict(
        run(f"""SELECT coalesce(n.bloc, 'Unknown'), sum(r.weight)
                FROM roots r JOIN hub_models m ON hash(m.id) = r.c JOIN par ON par.pa = r.root
                LEFT JOIN wa_ns n ON n.ns = lower(split_part(par.name, '/', 1))
                WHERE coalesce(m.downloads, 0) > 5 AND m.created_at > {lineage.HUB_FLOOR_SQL} GROUP BY 1""").fetchall()
    )
    return _share_result(started, by_bloc)


def role_naive(db: str) -> dict:
    """Derivative share by root bloc, month by month, in plain Python over fetched rows."""
    # Imported before the clock starts, as the weightatlas roles' modules are: each role is timed from opening the database.
    import duckdb  # noqa: F401

    import weightatlas.attribution  # noqa: F401

    started = time.perf_counter()
    tally = _naive_monthly_tally(db)
    by_bloc: dict[str, float] = {}
    for (_, bloc), w in tally.items():
        by_bloc[bloc] = by_bloc.get(bloc, 0.0) + w
    return _share_result(started, by_bloc)


def _naive_monthly_tally(db: str) -> dict[tuple[str, str], float]:
    import duckdb

    from weightatlas.attribution import load_attribution

    attribution = load_attribution()
    con = duckdb.connect(db, read_only=True)
    parents: dict[str, list[str]] = {}
    for child, parent in con.execute("SELECT child, parent FROM hub_edges WHERE child <> parent").fetchall():
        parents.setdefault(child, []).append(parent)
    repos = {rid: (downloads, created) for rid, downloads, created in con.execute("SELECT id, downloads, created_at FROM hub_models").fetchall()}
    tracked = {m.lower() for (m,) in duckdb.connect().execute(f"SELECT model_id FROM read_parquet('{ROOT}/src/weightatlas/data/snapshot/tracked_models.parquet')").fetchall()}
    memo: dict[str, dict[str, float]] = {}

    def roots(node: str, seen: frozenset[str]) -> dict[str, float]:
        if node in memo:
            return memo[node]
        ps = parents.get(node)
        if not ps or node.lower() in tracked:
            return {node: 1.0}
        out: dict[str, float] = {}
        for p in ps:
            if p in seen:
                continue
            for r, w in roots(p, seen | {node}).items():
                out[r] = out.get(r, 0.0) + w / len(ps)
        memo[node] = out
        return out

    tally: dict[tuple[str, str], float] = {}
    sys.setrecursionlimit(10_000)
    for child, ps in parents.items():
        downloads, created = repos.get(child, (None, None))
        if not downloads or downloads <= 5 or created is None:
            continue
        month = created.strftime("%Y-%m")
        for parent in ps:
            for root, w in roots(parent, frozenset({child})).items():
                org = attribution.org(root.split("/")[0])
                bloc = attribution.blocs.bloc(org.country) if org and not org.is_redistributor else "Unknown"
                key = (month, bloc)
                tally[key] = tally.get(key, 0.0) + w / len(ps)
    return tally


def role_regulation(db: str) -> dict:
    from weightatlas.api import indicators_document

    started = time.perf_counter()
    reg = indicators_document(db=Path(db), only=["regulation"])["indicators"]["regulation"]
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "level_changes": {s["id"]: _level(s, "derivative_share_cn") for s in reg["event_study"]["studies"]},
    }


def _level(study: dict, series: str) -> float | None:
    return next((r.get("level_change") for r in study["results"] if r["series"] == series), None)


def role_naive_regulation(db: str) -> dict:
    """The derivative-share event studies from the naive Python root walk, through the same estimator."""
    from weightatlas.curated import POLICY_EVENTS, load_table
    from weightatlas.indicators import event_study as es
    from weightatlas.indicators import regulation

    started = time.perf_counter()
    tally = _naive_monthly_tally(db)
    months: dict[str, dict[str, float]] = {}
    for (month, bloc), w in tally.items():
        months.setdefault(month, {})[bloc] = w
    rows = [(m, by.get("China", 0.0) / sum(by.values()), sum(by.values())) for m, by in sorted(months.items()) if m > "2022-03"]
    series = es.Series("derivative_share_cn", "", "adoption", "", "", 20, es.month_points(rows))
    events = {r["id"]: r for r in load_table(POLICY_EVENTS)}
    studies = [(s, regulation.study_date(s, events)) for s in regulation.STUDY_EVENTS]
    out = regulation.event_studies([series], studies)
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "level_changes": {s["id"]: _level(s, "derivative_share_cn") for s in out},
    }


def _flows_digest(flows: list[dict]) -> list[tuple]:
    return sorted((f["developer_bloc"], f["originator_bloc"], f["declares_parent"], f["repos"]) for f in flows)


def role_diffusion(db: str) -> dict:
    from weightatlas.api import indicators_document

    started = time.perf_counter()
    doc = indicators_document(db=Path(db), only=["diffusion"])
    reuse = doc["indicators"]["diffusion"]["class_reuse"]
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "classified": reuse["repos_with_known_class"],
        "flows": _flows_digest(reuse["flows"]),
    }


def role_naive_diffusion(db: str) -> dict:
    """Architecture-class reuse in plain Python: every repo fetched, attributed, classified."""
    import duckdb

    from weightatlas.attribution import load_attribution
    from weightatlas.curated import ARCHITECTURE_CLASSES, load_table

    started = time.perf_counter()
    attribution = load_attribution()
    orgs = attribution.organizations
    classes = {r["architecture"]: r["org_id"] for r in load_table(ARCHITECTURE_CLASSES)}
    con = duckdb.connect(db, read_only=True)
    children = {c for (c,) in con.execute("SELECT DISTINCT child FROM hub_edges").fetchall()}
    flows: dict[tuple, int] = {}
    classified = 0
    for rid, author, architectures in con.execute("SELECT id, author, architectures FROM hub_models").fetchall():
        org = attribution.org(author or rid.split("/")[0])
        if org is None or org.is_redistributor or not architectures:
            continue
        origin = classes.get(architectures[0])
        if origin is None:
            continue
        classified += 1
        if origin == org.id or (orgs[origin].parent and orgs[origin].parent == org.parent):
            continue
        bloc = attribution.blocs.bloc(org.country) if org.country else "Unknown"
        key = (bloc, attribution.blocs.bloc(orgs[origin].country), rid in children)
        flows[key] = flows.get(key, 0) + 1
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "classified": classified,
        "flows": sorted((*k, n) for k, n in flows.items()),
    }


def run_role(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--role", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_median(roles: list[str], db: str, repeat: int) -> dict[str, dict]:
    """Each role ``repeat`` times, interleaved so load from other jobs hits all alike; the run with the median time."""
    runs: dict[str, list[dict]] = {r: [] for r in roles}
    for _ in range(repeat):
        for role in roles:
            runs[role].append(run_role(role, db))
    out = {}
    for role, results in runs.items():
        ordered = sorted(results, key=lambda r: r["seconds"])
        out[role] = {**ordered[len(ordered) // 2], "all_seconds": [round(r["seconds"], 2) for r in results]}
    return out


def build_db(db: Path, n: int, cache: Path) -> float:
    from weightatlas.hub.crawl import CrawlOptions, crawl
    from weightatlas.testing import FakeHubSpec, subprocess_hub

    started = time.perf_counter()
    with subprocess_hub(FakeHubSpec(n=n, seed=0, page_size=1000, gzip=True, prefetch=True, page_cache_dir=str(cache / str(n)))) as url:
        crawl(CrawlOptions(db=db, endpoint=url, configs="none"), show_progress=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="reuse this crawl database (built if missing)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "weightatlas-bench-pages")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed pair; the median is quoted")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role, db = args.role
        roles = {
            "indicators": role_indicators,
            "derivatives": role_derivatives,
            "share": role_share,
            "counted": role_counted,
            "naive": role_naive,
            "floor": role_floor,
            "diffusion": role_diffusion,
            "naive_diffusion": role_naive_diffusion,
            "regulation": role_regulation,
            "naive_regulation": role_naive_regulation,
        }
        print(json.dumps(roles[role](db)))
        return 0

    db = args.db or Path(tempfile.gettempdir()) / f"weightatlas-bench-hub-{args.n}.duckdb"
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not db.exists():
        seconds = build_db(db, args.n, args.cache)
        print(f"built the synthetic crawl database ({args.n:,} models) in {seconds:.1f} s: {db}")
    ours = run_role("indicators", str(db))
    pair = run_median(["derivatives", "share", "counted", "naive", "floor"], str(db), args.repeat)
    like, share, counted, naive, floor = pair["derivatives"], pair["share"], pair["counted"], pair["naive"], pair["floor"]
    print(
        f"weightatlas adoption + collaboration + regional: {ours['seconds']:.1f} s, peak RSS {ours['rss_mb']:,.0f} MB; "
        f"{ours['repos']:,} derivatives, lineage {ours['lineage']}"
    )
    print(f"  derivative share by root bloc: {ours['overall']}")
    print(f"lineage like for like, median of {args.repeat} (each from opening the same database):")
    print(f"  weightatlas derivative share (attribution + lineage + derivatives.compute): {like['seconds']:.2f} s {like['all_seconds']}, peak RSS {like['rss_mb']:,.0f} MB")
    print(f"  weightatlas the naive walk's figure only (attribution + lineage + monthly share): {share['seconds']:.2f} s {share['all_seconds']}, peak RSS {share['rss_mb']:,.0f} MB")
    print(f"  weightatlas the same figure, counted derivatives only (derivative-share: the walk starts from them): {counted['seconds']:.2f} s {counted['all_seconds']}, peak RSS {counted['rss_mb']:,.0f} MB")
    print(f"  naive Python memoised root walk (fetch + walk + monthly share): {naive['seconds']:.2f} s {naive['all_seconds']}, peak RSS {naive['rss_mb']:,.0f} MB")
    print(f"  lower-bound sketch, the same walk in SQL with nothing else (role_floor, not weightatlas): {floor['seconds']:.2f} s {floor['all_seconds']}, peak RSS {floor['rss_mb']:,.0f} MB")
    same_share = naive["overall"] == dict(sorted(like["overall"].items())) == share["overall"] == counted["overall"] == floor["overall"]
    print(f"  derivative share by root bloc: {naive['overall']} (same in all five: {same_share})")
    like_for_like = naive["seconds"] / counted["seconds"]
    print(
        f"  ratio naive / weightatlas: {like_for_like:.2f}x (like for like: the same figure over the same counted derivatives), "
        f"{naive['seconds'] / share['seconds']:.2f}x (the same figure after resolving every derivative, as the document does), "
        f"{naive['seconds'] / like['seconds']:.2f}x (derivatives.compute), {naive['seconds'] / floor['seconds']:.2f}x (the sketch); "
        f"target >= 5x: {'PASS' if like_for_like >= 5 and same_share else 'FAIL'}"
    )
    diff = run_role("diffusion", str(db))
    naive_diff = run_role("naive_diffusion", str(db))
    same = diff["flows"] == [list(f) for f in naive_diff["flows"]] and diff["classified"] == naive_diff["classified"]
    print(f"weightatlas diffusion (class reuse over {diff['classified']:,} classified repos): {diff['seconds']:.1f} s, peak RSS {diff['rss_mb']:,.0f} MB")
    print(f"naive Python class reuse: {naive_diff['seconds']:.1f} s, peak RSS {naive_diff['rss_mb']:,.0f} MB (same flows: {same})")
    print(f"ratio naive / weightatlas, class reuse: {naive_diff['seconds'] / diff['seconds']:.2f}x")
    reg_pair = run_median(["regulation", "naive_regulation"], str(db), args.repeat)
    reg, naive_reg = reg_pair["regulation"], reg_pair["naive_regulation"]
    same_reg = reg["level_changes"] == naive_reg["level_changes"]
    print(f"weightatlas regulation (event studies on every adoption series), median of {args.repeat}: {reg['seconds']:.2f} s {reg['all_seconds']}, peak RSS {reg['rss_mb']:,.0f} MB")
    print(f"  level change of China's derivative share per studied event: {reg['level_changes']}")
    print(f"naive Python root walk + the same estimator: {naive_reg['seconds']:.2f} s {naive_reg['all_seconds']}, peak RSS {naive_reg['rss_mb']:,.0f} MB (same level changes: {same_reg})")
    print(f"ratio naive / weightatlas, regulation: {naive_reg['seconds'] / reg['seconds']:.2f}x (weightatlas also builds three more series)")
    ok = ours["seconds"] < 20 and ours["rss_mb"] < 2048 and diff["seconds"] < 20 and same and reg["seconds"] < 20 and same_reg
    print(f"target < 20 s and < 2 GB; diffusion and regulation < 20 s with the naive figures: {'PASS' if ok else 'FAIL'}")
    ok = ok and like_for_like >= 5 and same_share
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
