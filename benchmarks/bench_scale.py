"""Benchmark: every Hub indicator at 1M, 3M and 10M repos, and a year of daily downloads for 1M repos.

Data (built once under ``--dir``, default /tmp/scale; never in the repository) by
:mod:`synthetic_hub`, in DuckDB SQL: ``hub-N.duckdb`` (the crawl schema) and
``parquet-N/<table>/`` (the same tables as ``weightatlas export-parquet`` lays them out for Spark), and
``history/`` = ``history_repos.parquet`` + ``download_history/month=YYYY-MM/*.parquet``
(1M repos x 365 days, hive partitions).

Each measurement runs in a fresh process, which reports its own wall time and peak RSS
(``ru_maxrss``; DuckDB's memory is in-process, so it is counted):

* one row per Hub indicator (``indicators_document(db=..., only=[name])``; each pays for its
  own attribution and lineage), ``derivatives`` alone (like for like with the naive walk), and
  ``all hub indicators`` in one document (the cost a user pays);
* at the smallest size, the naive plain-Python alternatives of ``bench_hub_indicators.py``, as ratios;
* the daily adoption series (:mod:`weightatlas.indicators.daily_series`) over the partitioned
  history, under the store's 1 GB DuckDB memory limit: it streams a month at a time.

Growth exponents are log-log slopes (time ~ n^k) fitted over the sizes run. Output: a Markdown
table printed and written to ``benchmarks/results/scale.md``, and a log-log plot
``benchmarks/results/scale.svg`` / ``.png`` (Altair, rendered with vl_convert).

Targets on 2 cores: every Hub indicator over 3M repos under 30 s in total and under 4 GB; the
daily series over the year under 2 minutes.

    python benchmarks/bench_scale.py [--sizes 1000000,3000000,10000000] [--dir /tmp/scale] [--no-history] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
HUB_INDICATORS = ("adoption", "collaboration", "regional", "diffusion", "regulation")
NAIVE = {"derivatives": "naive", "diffusion": "naive_diffusion", "regulation": "naive_regulation"}  # bench_hub_indicators roles


def _measured(fn) -> dict:
    started = time.perf_counter()
    extra = fn() or {}
    return {"seconds": time.perf_counter() - started, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}


def role_indicator(name: str, db: str) -> dict:
    from weightatlas.api import indicators_document, open_store
    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import Context, derivatives

    if name == "derivatives":  # the adoption indicator's Hub part alone, like for like with the naive walk
        def run() -> dict:
            with open_store(db=Path(db)) as store:
                derivatives.compute(Context(store=store, attribution=load_attribution()))
    else:
        only = list(HUB_INDICATORS) if name == "all" else [name]

        def run() -> dict:
            indicators_document(db=Path(db), only=only)
    return _measured(run)


def role_daily(history: str) -> dict:
    from weightatlas.api import open_store
    from weightatlas.indicators import daily_series

    def run() -> dict:
        with open_store(history=Path(history)) as store:
            limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
            out = daily_series.compute_from(store.con)
            months = out["all_modalities"]["monthly"]
            return {"memory_limit": limit, "days": out["period"]["days"], "months": len(months),
                    "china_share_last_month": months[-1]["by_bloc"]["China"]["share"]}
    return _measured(run)


def run_child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


CACHE: Path | None = None  # measurements already taken (--dir/measurements.json), reused unless --fresh


def measure(args: tuple[str, ...], repeat: int) -> dict:
    """Median time and peak RSS over ``repeat`` fresh processes (the machine is shared: timings are noisy)."""
    key = " ".join(Path(a).name if a.endswith(".py") else a for a in args)
    cache = json.loads(CACHE.read_text()) if CACHE and CACHE.exists() else {}
    if key in cache:
        return cache[key]
    runs = [run_child(*args) for _ in range(repeat)]
    result = runs[0] | {"seconds": statistics.median(r["seconds"] for r in runs), "rss_mb": statistics.median(r["rss_mb"] for r in runs)}
    if CACHE:  # re-read: a run can take minutes, and the table is assembled from every size run so far
        cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
        CACHE.write_text(json.dumps(cache | {key: result}, indent=1))
    return result


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x): cost ~ n^slope."""
    if len(points) < 2:
        return None
    xs, ys = [math.log(x) for x, _ in points], [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def _build_in_child(call: str) -> dict:
    """``synthetic_hub.<call>`` in a child process, its stats dict back: Linux keeps a process's peak
    RSS across fork and exec, so a build in this process (GBs) would show as every later measurement's peak."""
    here = str(Path(__file__).parent)
    return run_child("-c", f"import sys, json; sys.path.insert(0, {here!r}); from pathlib import Path; import synthetic_hub; "
                     f"print(json.dumps(synthetic_hub.{call}))")


def ensure_data(folder: Path, sizes: list[int], history: bool) -> None:
    for n in sizes:
        db = folder / f"hub-{n}.duckdb"
        if not db.exists():
            stats = _build_in_child(f"build_hub(Path({str(db)!r}), {n}, parquet_dir=Path({str(folder / f'parquet-{n}')!r}))")
            print(f"built {db} ({stats['models']:,} repos, {stats['edges']:,} edges) in {stats['seconds']:.0f} s", flush=True)
    if history and not (folder / "history" / "history_repos.parquet").exists():
        stats = _build_in_child(f"build_history(Path({str(folder / f'hub-{min(sizes)}.duckdb')!r}), Path({str(folder / 'history')!r}), 1_000_000)")
        print(f"built the daily history ({stats['rows']:,} rows, {stats['files']} files, {stats['bytes'] / 1e9:.1f} GB) in {stats['seconds']:.0f} s", flush=True)


def render(rows: list[dict], daily: dict | None, naive: dict[str, dict], sizes: list[int]) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores (shared machine; medians of the runs), "
        "`python benchmarks/bench_scale.py`, synthetic Hub from `benchmarks/synthetic_hub.py`.",
        "",
        "| indicator | repos | time (s) | peak RSS (MB) | growth k (time ~ n^k) | naive / weightatlas |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = naive.get(r["indicator"]) if r["repos"] == min(sizes) else None
        lines.append(
            f"| {r['indicator']} | {r['repos']:,} | {r['seconds']:.1f} | {r['rss_mb']:,.0f} | "
            f"{'' if r.get('growth') is None else format(r['growth'], '.2f')} | "
            f"{'' if ratio is None else format(ratio['seconds'] / r['seconds'], '.2f') + 'x'} |"
        )
    for n in sizes:
        total = sum(r["seconds"] for r in rows if r["repos"] == n and r["indicator"] in HUB_INDICATORS)
        peak = max((r["rss_mb"] for r in rows if r["repos"] == n and r["indicator"] in HUB_INDICATORS), default=0)
        lines.append(f"| sum of the {len(HUB_INDICATORS)} Hub indicators, each alone | {n:,} | {total:.1f} | {peak:,.0f} (max) | | |")
    if daily:
        lines += [
            "",
            f"Daily adoption series (`indicators.daily_series`), {daily['rows']:,} rows ({daily['repos']:,} repos x {daily['days']} days, "
            f"{daily['bytes'] / 1e9:.2f} GB of Parquet in {daily['files']} files, hive `month=` partitions): "
            f"{daily['seconds']:.1f} s, peak RSS {daily['rss_mb']:,.0f} MB under DuckDB memory_limit {daily['memory_limit']} "
            f"(the history as an int64 matrix alone would be {daily['rows'] * 8 / 1e9:.1f} GB).",
        ]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], daily: dict | None) -> None:
    import altair as alt
    import vl_convert as vlc

    data = [{"indicator": r["indicator"], "repos": r["repos"], "seconds": r["seconds"], "peak MB": r["rss_mb"]} for r in rows]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("repos:Q", scale=alt.Scale(type="log"), title="repos (log)"), color="indicator:N"
    )
    time_chart = base.mark_line(point=True).encode(y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="wall time, s (log)"))
    mem_chart = base.mark_line(point=True).encode(y=alt.Y("peak MB:Q", scale=alt.Scale(type="log"), title="peak RSS, MB (log)"))
    chart = alt.hconcat(time_chart.properties(width=320, height=260), mem_chart.properties(width=320, height=260)).properties(
        title="weightatlas Hub indicators vs synthetic Hub size (2 cores)"
    )
    spec = chart.to_json()
    (RESULTS / "scale.svg").write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    (RESULTS / "scale.png").write_bytes(vlc.vegalite_to_png(spec, scale=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000,10000000", help="comma-separated repo counts")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/scale"), help="where the synthetic data lives (built if missing)")
    parser.add_argument("--no-history", action="store_true", help="skip the daily download history")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive comparisons at the smallest size")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the median is kept)")
    parser.add_argument("--indicators", default=None, help="comma-separated subset of roles to time (default: every Hub indicator, derivatives, all)")
    parser.add_argument("--fresh", action="store_true", help="measure again instead of reusing --dir/measurements.json")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role, *rest = args.role
        print(json.dumps(role_daily(*rest) if role == "daily" else role_indicator(role, *rest)))
        return 0

    global CACHE
    CACHE = args.dir / "measurements.json"
    if args.fresh and CACHE.exists():
        CACHE.unlink()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; data in {args.dir}", flush=True)
    ensure_data(args.dir, sizes, not args.no_history)
    rows: list[dict] = []
    failures: list[str] = []
    for n in sizes:
        db = str(args.dir / f"hub-{n}.duckdb")
        for name in args.indicators.split(",") if args.indicators else (*HUB_INDICATORS, "derivatives", "all"):
            try:
                r = measure((__file__, "--role", name, db), args.repeat)
            except RuntimeError as exc:  # e.g. DuckDB out of memory at 10M: record it and go on with the other rows
                reason = str(exc).strip().splitlines()[-1][:160]
                failures.append(f"{name} at {n:,} repos failed: {reason}")
                print(failures[-1], flush=True)
                continue
            rows.append({"indicator": name if name != "all" else "all hub indicators, one document", "repos": n, **r})
            print(f"{name:>12} {n:>12,} {r['seconds']:7.1f} s {r['rss_mb']:8,.0f} MB", flush=True)
    for name in {r["indicator"] for r in rows}:
        k = slope([(r["repos"], r["seconds"]) for r in rows if r["indicator"] == name])
        for r in rows:
            if r["indicator"] == name:
                r["growth"] = k
    naive: dict[str, dict] = {}
    if not args.no_naive:
        db = str(args.dir / f"hub-{sizes[0]}.duckdb")
        for ours, role in NAIVE.items():
            naive[ours] = measure((str(ROOT / "benchmarks" / "bench_hub_indicators.py"), "--role", role, db), args.repeat)
            print(f"naive {role}: {naive[ours]['seconds']:.1f} s", flush=True)
    daily = None
    if not args.no_history:
        history = args.dir / "history"
        files = list((history / "download_history").rglob("*.parquet"))
        daily = measure((__file__, "--role", "daily", str(history)), args.repeat)
        repos = run_child("-c", f"import duckdb; print(duckdb.connect().execute(\"SELECT count(*) FROM '{history}/history_repos.parquet'\").fetchone()[0])")
        daily |= {"repos": repos, "rows": repos * daily["days"], "files": len(files), "bytes": sum(f.stat().st_size for f in files)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = render(sorted(rows, key=lambda r: (r["indicator"], r["repos"])), daily, naive, sizes)
    table += "".join(f"\n- {f}" for f in failures) + ("\n" if failures else "")
    (RESULTS / "scale.md").write_text(table, encoding="utf-8")
    plot(rows, daily)
    print(table)
    # The target is what a user pays: every Hub indicator in one document (attribution and lineage built once).
    at3m = [r for r in rows if r["repos"] == 3_000_000 and r["indicator"].startswith("all hub")]
    ok = True
    if at3m:
        total, peak = at3m[0]["seconds"], at3m[0]["rss_mb"]
        print(f"target at 3M: all Hub indicators in one document < 30 s and < 4 GB: {total:.1f} s, {peak:,.0f} MB: {'PASS' if total < 30 and peak < 4096 else 'FAIL'}")
        ok = total < 30 and peak < 4096
    if daily:
        print(f"target: daily series over the year < 120 s: {daily['seconds']:.1f} s: {'PASS' if daily['seconds'] < 120 else 'FAIL'}")
        ok = ok and daily["seconds"] < 120
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
