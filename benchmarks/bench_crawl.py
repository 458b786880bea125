"""Benchmark: crawling a 1,000,000-model fake Hub, weightatlas vs the naive path.

Serves a synthetic Hub (power-law families, chains, merges, repacks; see
``weightatlas.testing.synthetic``) from a separate process on loopback, then runs,
each in its own fresh process so peak RSS is its own:

* **weightatlas**: ``crawl`` into a DuckDB file (pages, lineage, downloads, quarantine);
* **naive**: what a user would otherwise write: ``huggingface_hub.HfApi.list_models``
  into a list, then a pyarrow table, then Parquet (no lineage parsing at all).

Both request the same listing (``sort=createdAt``, the crawler's expand set, pages of
1000). The server renders pages once into a disk cache (an untimed warm-up), so both
clients are measured against a server that is not the bottleneck.

Then two rate checks on a smaller Hub: a configured budget (``--max-rps``) with an
unlimited server, and a server-imposed fixed window (RateLimit headers, 429 past quota)
with no budget. Both report the sustained request rate as a share of the budget.

Targets (issue 3): >= 3x the naive throughput, < 1.5 GB peak RSS, >= 90% of the budget.

    python benchmarks/bench_crawl.py [--n 1000000] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def role_crawl(url: str, db: str, extra: list[str]) -> dict:
    from weightatlas.hub.client import HubClient, RateLimiter
    from weightatlas.hub.crawl import CrawlOptions, crawl

    opts = dict(a.split("=", 1) for a in extra)
    options = CrawlOptions(
        db=Path(db),
        endpoint=url,
        configs="none",
        max_rps=float(opts["max_rps"]) if "max_rps" in opts else None,
        page_size=int(opts.get("page_size", 1000)),
        max_requests=int(opts["max_requests"]) if "max_requests" in opts else None,
    )
    client = HubClient(endpoint=url, limiter=RateLimiter(max_per_second=options.max_rps))
    started = time.perf_counter()
    summary = crawl(options, client=client, show_progress=False)
    seconds = time.perf_counter() - started
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        models, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM hub_models").fetchone()  # type: ignore[misc]
        edges = con.execute("SELECT count(*) FROM hub_edges").fetchone()[0]  # type: ignore[index]
    return {
        "seconds": seconds,
        "items": summary.items,
        "models": models,
        "distinct": distinct,
        "edges": edges,
        "quarantined": summary.quarantined,
        "requests": client.requests,
        "retries": client.retries,
        "waited": client.limiter.waited,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def role_naive(url: str, out: str) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from huggingface_hub import HfApi

    from weightatlas.hub.client import LIST_EXPAND

    started = time.perf_counter()
    models = list(HfApi(endpoint=url).list_models(sort="createdAt", expand=list(LIST_EXPAND)))
    rows = [
        {
            "id": m.id,
            "author": m.author,
            "created_at": m.created_at,
            "last_modified": m.last_modified,
            "downloads": m.downloads,
            "downloads_all_time": m.downloads_all_time,
            "likes": m.likes,
            "tags": m.tags,
            "pipeline_tag": m.pipeline_tag,
            "library_name": m.library_name,
            "sha": m.sha,
            "gated": str(m.gated),
        }
        for m in models
    ]
    pq.write_table(pa.Table.from_pylist(rows), out)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "items": len(rows), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_role(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--role", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def warm(url: str, page_size: int) -> tuple[float, int]:
    """Walk the listing once, bytes only, so the server's disk page cache is filled."""
    import httpx2

    from weightatlas.hub.crawl import CrawlOptions

    started, pages = time.perf_counter(), 0
    with httpx2.Client(timeout=120) as http:
        crawler_query = CrawlOptions(db=Path("unused.duckdb"), page_size=page_size).subqueries()[0]
        variants = [crawler_query, {k: v for k, v in crawler_query.items() if k != "limit"}]  # huggingface_hub sends no limit
        for params in variants:
            next_url: str | None = str(http.build_request("GET", f"{url}/api/models", params=params).url)
            while next_url:
                r = http.get(next_url)
                r.raise_for_status()
                pages += 1
                next_url = r.links.get("next", {}).get("url")
    return time.perf_counter() - started, pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "weightatlas-bench-pages")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role, *rest = args.role
        result = role_crawl(rest[0], rest[1], rest[2:]) if role == "crawl" else role_naive(rest[0], rest[1])
        print(json.dumps(result))
        return 0

    from weightatlas.testing import FakeHubSpec, RateLimit, subprocess_hub

    scratch = Path(tempfile.mkdtemp(prefix="wa-bench-crawl-"))
    ok = True
    try:
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; synthetic Hub of {args.n:,} models")
        spec = FakeHubSpec(n=args.n, seed=0, page_size=1000, gzip=True, prefetch=True, page_cache_dir=str(args.cache / str(args.n)))
        with subprocess_hub(spec) as url:
            seconds, pages = warm(url, 1000)
            print(f"warm-up (untimed): {pages:,} pages rendered or read from the page cache in {seconds:.1f} s")
            ours = run_role("crawl", url, str(scratch / "crawl.duckdb"))
            naive = run_role("naive", url, str(scratch / "naive.parquet"))
        ours_rate, naive_rate = ours["items"] / ours["seconds"], naive["items"] / naive["seconds"]
        ratio = ours_rate / naive_rate
        print(
            f"weightatlas crawl: {ours['items']:,} models in {ours['seconds']:.1f} s = {ours_rate:,.0f} models/s; "
            f"peak RSS {ours['rss_mb']:,.0f} MB; stored {ours['models']:,} (distinct {ours['distinct']:,}), "
            f"{ours['edges']:,} lineage edges, {ours['quarantined']:,} quarantined, {ours['requests']:,} requests"
        )
        print(f"naive HfApi.list_models -> list -> Parquet: {naive['items']:,} models in {naive['seconds']:.1f} s = {naive_rate:,.0f} models/s; peak RSS {naive['rss_mb']:,.0f} MB")
        print(f"throughput ratio weightatlas / naive: {ratio:.2f}x (target >= 3x): {'PASS' if ratio >= 3 else 'FAIL'}")
        print(f"peak RSS {ours['rss_mb']:,.0f} MB (target < 1536 MB): {'PASS' if ours['rss_mb'] < 1536 else 'FAIL'}")
        ok &= ratio >= 3 and ours["rss_mb"] < 1536

        # Rate checks: smaller pages so the database is never the bottleneck.
        budget = 20.0
        with subprocess_hub(FakeHubSpec(n=40_000, seed=1, page_size=100)) as url:
            r = run_role("crawl", url, str(scratch / "rate.duckdb"), f"max_rps={budget}", "page_size=100", "max_requests=200")
        achieved = r["requests"] / r["seconds"]
        print(f"configured budget {budget:.0f} req/s, unlimited server: {r['requests']} requests in {r['seconds']:.1f} s = {achieved:.1f} req/s = {achieved / budget:.0%} of budget: {'PASS' if achieved >= 0.9 * budget else 'FAIL'}")
        ok &= achieved >= 0.9 * budget

        quota, window = 300, 30.0  # the Hub's windows are 300 s; 30 s keeps the run short
        with subprocess_hub(FakeHubSpec(n=60_000, seed=2, page_size=100, rate_limit=RateLimit(quota, window))) as url:
            r = run_role("crawl", url, str(scratch / "quota.duckdb"), "page_size=100", "max_requests=599")
            import httpx2

            stats = httpx2.get(f"{url}/_fakehub/stats").json()
        allowed = quota / window
        achieved = r["requests"] / r["seconds"]
        print(
            f"server window {quota} req / {window:.0f} s ({allowed:.0f} req/s), no budget: {r['requests']} requests in {r['seconds']:.1f} s = {achieved:.1f} req/s "
            f"= {achieved / allowed:.0%} of the server's quota, {stats['rate_limited']} x 429: {'PASS' if achieved >= 0.9 * allowed else 'FAIL'}"
        )
        ok &= achieved >= 0.9 * allowed
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
