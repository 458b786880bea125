"""Benchmark: `weightatlas report` from the embedded snapshot (target: < 15 s in a warm venv on 2 cores, issue 11).

Measures whole-command wall time in fresh processes (imports included, as a user
runs it), several times, and side by side the naive alternative a user would
otherwise run: re-ingesting every raw source (`snapshot build --from
../shared/data` into a scratch folder) before building the same report. Prints
medians, the ratio, and peak RSS of the child processes.

    python benchmarks/bench_report.py [--runs 5] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WA = [sys.executable, "-m", "weightatlas"]
TARGET_S = 15.0  # issue 11: `weightatlas report` in a warm venv


def run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="wa-bench-"))
    try:
        report_times, naive_times = [], []
        for i in range(args.runs):
            report_times.append(run([*WA, "report", "--out", str(scratch / f"r{i}")]))
        peak_report = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if args.data.is_dir():
            for i in range(args.runs):
                snap = scratch / f"s{i}"
                t = run([*WA, "snapshot", "build", "--from", str(args.data), "--out", str(snap)])
                t += run([*WA, "report", "--snapshot", str(snap), "--out", str(scratch / f"n{i}")])
                naive_times.append(t)
        peak_all = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size = (scratch / "r0" / "index.html").stat().st_size / 1e6

        med = statistics.median(report_times)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"weightatlas report (embedded snapshot): median {med:.2f} s over {args.runs} runs "
              f"(min {min(report_times):.2f}, max {max(report_times):.2f}); peak RSS {peak_report:.0f} MB; index.html {size:.2f} MB")
        print(f"target < {TARGET_S:.0f} s: {'PASS' if med < TARGET_S else 'FAIL'}")
        if naive_times:
            nmed = statistics.median(naive_times)
            print(f"naive: rebuild from raw sources + report: median {nmed:.2f} s "
                  f"(min {min(naive_times):.2f}, max {max(naive_times):.2f}); peak RSS {peak_all:.0f} MB")
            print(f"ratio naive / embedded: {nmed / med:.2f}x")
        else:
            print(f"naive path skipped: {args.data} not found")
        return 0 if med < TARGET_S else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
