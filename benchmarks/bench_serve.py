"""Benchmark: latency of the dashboard's table and row endpoints, and the indicator cache.

Runs the app in process (Starlette's TestClient: the full ASGI stack, routing, validation,
DuckDB query and JSON encoding, without a socket) on

* the embedded snapshot (target: p95 < 100 ms for table pages and single rows), and
* a 1,000,000-model crawl database built by the crawler benchmark's generator (fake Hub,
  ``benchmarks/bench_hub_indicators.py``'s ``build_db``; target: p95 < 500 ms).

Side by side with the naive alternative: the same pages with ``count(*)`` run on every
request (no count cache) and every page read with a plain wide ``LIMIT ... OFFSET``, and the indicator endpoints recomputing the document each time
(what the cache saves: the recompute time, quoted separately).

    python benchmarks/bench_serve.py [--n 1000000] [--db PATH] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
NAIVE_NEVER = 10**12  # an offset no page reaches: the naive side never takes the narrow ranking
sys.path.insert(0, str(Path(__file__).resolve().parent))


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def timed(client: Any, path: str, params: dict[str, Any] | None = None) -> float:
    started = time.perf_counter()
    response = client.get(path, params=params or {})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:200]}")
    return elapsed * 1000


def table_requests(client: Any, tables: list[str], n: int, rng: random.Random) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """A mixed workload: first pages, deep pages, searches, other sorts, filters; and row look-ups."""
    from weightatlas.web.tables import TABLES

    pages: list[tuple[str, dict[str, Any]]] = []
    rows: list[str] = []
    for name in tables:
        t = TABLES[name]
        first = client.get(f"/api/tables/{name}", params={"per_page": 100}).json()
        last_page = max(1, min(first["pages"], 200))
        ids = [r["row_id"] for r in first["rows"]]
        probe = first["rows"][0][t.search[0]] if first["rows"] else "a"
        for i in range(n):
            kind = i % 5
            params: dict[str, Any] = {"per_page": rng.choice([50, 100, 500])}
            if kind == 1:
                params["page"] = rng.randint(1, last_page)
            elif kind == 2:
                params["q"] = str(probe)[: rng.randint(3, 8)]
            elif kind == 3:
                params["sort"] = rng.choice(t.sort)
                params["order"] = rng.choice(["asc", "desc"])
            elif kind == 4 and t.filters:
                key = next(iter(t.filters))
                value = first["rows"][rng.randrange(len(first["rows"]))].get(t.filters[key]) if first["rows"] else None
                if value is not None:
                    params[key] = value
            pages.append((name, params))
        rows += [f"/api/tables/{name}/{quote(str(rid), safe='/')}" for rid in rng.sample(ids, min(len(ids), max(1, n // 5)))]
    return pages, rows


def run_tables(client: Any, pages: list[tuple[str, dict[str, Any]]], rows: list[str]) -> dict[str, list[float]]:
    return {
        "pages": [timed(client, f"/api/tables/{name}", params) for name, params in pages],
        "rows": [timed(client, path) for path in rows],
    }


def report(label: str, ours: dict[str, list[float]], naive: dict[str, list[float]] | None, target_ms: float) -> bool:
    ok = True
    for kind in ("pages", "rows"):
        q = p95(ours[kind])
        line = f"{label} {kind}: {len(ours[kind])} requests, p50 {statistics.median(ours[kind]):.1f} ms, p95 {q:.1f} ms (target < {target_ms:.0f} ms)"
        if naive is not None and kind == "pages":
            nq = p95(naive[kind])
            line += f"; naive (count(*) every request, plain wide OFFSET) p95 {nq:.1f} ms, ratio naive/ours {nq / q:.2f}x"
        print(line)
        ok &= q < target_ms
    return ok


def bench_embedded(n: int) -> bool:
    from fastapi.testclient import TestClient

    from weightatlas.web import create_app
    from weightatlas.web.tables import TABLES

    rng = random.Random(0)
    started = time.perf_counter()
    app = create_app()
    print(f"embedded snapshot: app ready (snapshot opened, derived tables built) in {time.perf_counter() - started:.2f} s")
    client = TestClient(app, base_url="http://127.0.0.1")
    pages, rows = table_requests(client, list(TABLES), n, rng)
    ours = run_tables(client, pages, rows)
    naive_client = TestClient(create_app(count_cache_size=0, late_rows_from=NAIVE_NEVER), base_url="http://127.0.0.1")
    naive = run_tables(naive_client, pages, rows)
    ok = report("embedded snapshot", ours, naive, 100)
    # Indicator endpoints: computed once per bloc map, then served from the cache.
    first = timed(client, "/api/indicators/regulation")
    cached = [timed(client, "/api/indicators/regulation") for _ in range(50)]
    charts = [timed(client, "/api/charts/eci-frontier", {"date_from": "2025-01-01"}) for _ in range(50)]
    recompute = app.state.documents.computed[-1]["seconds"]
    print(
        f"embedded snapshot indicators: first request {first:.0f} ms (document + chart specs computed in {recompute:.2f} s); "
        f"cached /api/indicators/regulation p95 {p95(cached):.1f} ms, /api/charts/eci-frontier?date_from p95 {p95(charts):.1f} ms; "
        f"ratio recompute/cached {recompute * 1000 / p95(cached):.0f}x"
    )
    other = timed(client, "/api/indicators/regulation", {"blocs": "china_incl_hong_kong_macau"})
    print(f"embedded snapshot, another bloc map (china_incl_hong_kong_macau): first request {other:.0f} ms (recomputed once)")
    return ok


def bench_crawl(db: Path, n: int, with_indicators: bool) -> bool:
    from fastapi.testclient import TestClient

    from weightatlas.web import create_app

    rng = random.Random(1)
    started = time.perf_counter()
    app = create_app(db=db)
    print(f"crawl database {db.name}: app ready in {time.perf_counter() - started:.2f} s")
    client = TestClient(app, base_url="http://127.0.0.1")
    models = client.get("/api/tables/hub_models", params={"per_page": 1}).json()["total"]
    edges = client.get("/api/tables/hub_edges", params={"per_page": 1}).json()["total"]
    print(f"  hub_models: {models:,} rows, hub_edges: {edges:,} rows")
    pages, rows = table_requests(client, ["hub_models", "hub_edges"], n, rng)
    ours = run_tables(client, pages, rows)
    naive = run_tables(TestClient(create_app(db=db, count_cache_size=0, late_rows_from=NAIVE_NEVER), base_url="http://127.0.0.1"), pages, rows)
    ok = report("1M crawl", ours, naive, 500)
    if with_indicators:
        first = timed(client, "/api/indicators/adoption")
        cached = [timed(client, "/api/indicators/adoption") for _ in range(20)]
        recompute = app.state.documents.computed[-1]["seconds"]
        print(f"1M crawl indicators: document + specs computed in {recompute:.1f} s (first request {first / 1000:.1f} s); cached p95 {p95(cached):.1f} ms")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="reuse this crawl database (built if missing)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "weightatlas-bench-pages")
    parser.add_argument("--requests", type=int, default=200, help="page requests per table (a fifth as many row look-ups)")
    parser.add_argument("--skip-crawl", action="store_true", help="only the embedded snapshot")
    parser.add_argument("--skip-crawl-indicators", action="store_true", help="do not compute the whole document on the crawl database")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    ok = bench_embedded(args.requests)
    if not args.skip_crawl:
        from bench_hub_indicators import build_db

        db = args.db or Path(tempfile.gettempdir()) / f"weightatlas-bench-hub-{args.n}.duckdb"
        if not db.exists():
            seconds = build_db(db, args.n, args.cache)
            print(f"built the synthetic crawl database ({args.n:,} models) in {seconds:.1f} s: {db}")
        ok &= bench_crawl(db, args.requests, not args.skip_crawl_indicators)
    print(f"targets (p95 < 100 ms embedded, < 500 ms on the crawl): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
