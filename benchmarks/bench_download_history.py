"""Benchmark: the download-history indicator on a synthetic cohort (issue 10, Performance).

:func:`generate` writes a synthetic history (``history_repos`` and ``download_history`` as
Parquet, the shared-design schemas) of N repos x D days; it is reusable at larger sizes
(``--repos``, ``--days``; rows are written in chunks of repos, so memory stays bounded).
Every repo gets a counter start (uniform over the first half), a lognormal daily level
with noise, 2% stall for 10 days, 0.5% carry a 28-day 10M/day plateau, 0.1% one decrease.

Then, each in a fresh process so peak RSS is its own:

* **weightatlas**: ``download_history.compute_from`` on a DuckDB connection reading the
  Parquet files — the rules (counter start, decreases, stalls, frozen-baseline burst runs),
  monthly and weekly totals by bloc and organisation for the cohort and the balanced panel,
  all modalities and LLMs, raw / robust / leave-one-out shares, HHI, concentration; the
  bootstrap with ``--resamples`` (default 200 here, 1,000 in the indicator);
* **pandas**: a plain pandas pass doing the same aggregation (increments with the counter
  start rule, monthly downloads and shares by bloc for the cohort), without burst rules.

Target: under 10 s and 2 GB on 2 cores for 100,000 repos x 365 days (36.5M rows).

    python benchmarks/bench_download_history.py [--repos 100000] [--days 365] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCS = ["China", "United States", "Europe", "Rest of world", "Unknown"]
FIRST_DAY = date(2024, 7, 2)


def generate(folder: Path, repos: int, days: int, *, seed: int = 0, chunk: int = 10_000) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"org{i % 500}/repo-{i}" for i in range(repos)])
    bloc = rng.choice(BLOCS, size=repos, p=[0.3, 0.4, 0.15, 0.05, 0.1])
    role = rng.choice(["first_party", "repack", "individual", "excluded"], size=repos, p=[0.6, 0.25, 0.14, 0.01])
    modality = rng.choice(["llm", "vlm", "speech", "embedding"], size=repos, p=[0.6, 0.1, 0.15, 0.15])
    meta = pa.table({
        "repo_id": ids, "ref": [f"synthetic/{i}.csv:2" for i in range(repos)], "cohort_file": ["Synthetic"] * repos,
        "org_id": [f"org{i % 500}" for i in range(repos)], "country": [None] * repos, "bloc": bloc, "role": role,
        "root_org_id": [None] * repos, "root_bloc": np.where(role == "repack", bloc, None), "exclusion_reason": np.where(role == "excluded", "synthetic dummy", None),
        "modality": modality, "modality_rule": ["synthetic"] * repos, "created_at": [FIRST_DAY] * repos, "counter_start": [None] * repos,
    })
    pq.write_table(meta, folder / "history_repos.parquet")
    day_values = np.array([FIRST_DAY + timedelta(days=d) for d in range(days)], dtype="datetime64[D]")
    writer = None
    for lo in range(0, repos, chunk):
        n = min(chunk, repos - lo)
        start = rng.integers(0, days // 2, size=n)
        level = rng.lognormal(5, 2, size=n)
        inc = rng.poisson(level[:, None], size=(n, days)).astype(np.int64)
        stall = rng.random(n) < 0.02
        s_at = rng.integers(days // 2, days - 10, size=n)
        for r in np.flatnonzero(stall):
            inc[r, s_at[r] : s_at[r] + 10] = 0
        plateau = rng.random(n) < 0.005
        for r in np.flatnonzero(plateau):
            inc[r, s_at[r] - 28 : s_at[r]] = 10_000_000
        inc[np.arange(days)[None, :] < start[:, None]] = 0
        cum = inc.cumsum(axis=1)
        drop = np.flatnonzero(rng.random(n) < 0.001)
        cum[drop, -1] = np.maximum(cum[drop, -2] - 5, 0)
        table = pa.table({
            "repo_id": np.repeat(ids[lo : lo + n], days),
            "day": np.tile(day_values, n),
            "cumulative": cum.ravel(),
        })
        if writer is None:
            writer = pq.ParquetWriter(folder / "download_history.parquet", table.schema)
        writer.write_table(table)
    writer.close()


def run_weightatlas(folder: str, resamples: int) -> dict:
    import duckdb

    from weightatlas.indicators import download_history

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 2")
    con.execute(f"CREATE VIEW history_repos AS SELECT * FROM read_parquet('{folder}/history_repos.parquet')")
    con.execute(f"CREATE VIEW download_history AS SELECT * FROM read_parquet('{folder}/download_history.parquet')")
    out = download_history.compute_from(con, panel_start=date(2024, 9, 1), resamples=resamples)
    elapsed = time.perf_counter() - t0
    month = out["variants"]["all_modalities"]["cohort"]["monthly"][3]
    return {"seconds": round(elapsed, 2), "flagged_runs": len(out["quality"]["flagged_runs"]),
            "check_month": month["period"], "check_china_downloads": month["by_bloc"]["China"]["downloads"]}


def run_pandas(folder: str) -> dict:
    import pandas as pd

    t0 = time.perf_counter()
    repos = pd.read_parquet(f"{folder}/history_repos.parquet", columns=["repo_id", "bloc", "role", "root_bloc"])
    repos = repos[(repos.role != "excluded") & (repos.role != "repack")]
    hist = pd.read_parquet(f"{folder}/download_history.parquet")
    hist = hist.merge(repos[["repo_id", "bloc"]], on="repo_id")
    hist = hist.sort_values(["repo_id", "day"])
    hist["inc"] = hist.groupby("repo_id")["cumulative"].diff().fillna(0)
    started = hist["cumulative"] > 0
    first = started & ~started.groupby(hist["repo_id"]).shift(1, fill_value=False)
    hist.loc[first | ~started, "inc"] = 0  # the counter's start is not a day's downloads
    hist.loc[hist["inc"] < 0, "inc"] = 0
    hist["month"] = pd.to_datetime(hist["day"]).dt.strftime("%Y-%m")
    monthly = hist.groupby(["month", "bloc"])["inc"].sum().unstack(fill_value=0)
    shares = monthly.div(monthly.sum(axis=1), axis=0)
    elapsed = time.perf_counter() - t0
    return {"seconds": round(elapsed, 2), "check_month": monthly.index[3], "check_china_downloads": int(monthly["China"].iloc[3]),
            "china_share_month_4": round(float(shares["China"].iloc[3]), 4)}


def _child(kind: str, folder: str, resamples: int) -> None:
    result = run_weightatlas(folder, resamples) if kind == "weightatlas" else run_pandas(folder)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--child", choices=["weightatlas", "pandas"])
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.dir, args.resamples)
        return
    folder = Path(args.dir or tempfile.mkdtemp(prefix="wa-history-bench-"))
    if not (folder / "download_history.parquet").is_file():
        t0 = time.perf_counter()
        generate(folder, args.repos, args.days)
        print(f"generated {args.repos:,} repos x {args.days} days = {args.repos * args.days:,} rows in {time.perf_counter() - t0:.1f} s ({folder})")
    for kind in ("weightatlas", "pandas"):
        res = subprocess.run([sys.executable, __file__, "--child", kind, "--dir", str(folder), "--resamples", str(args.resamples)],
                             capture_output=True, text=True, check=False)
        print(kind, res.stdout.strip() or res.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
