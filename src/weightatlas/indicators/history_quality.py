"""Data-quality rules for cumulative Hub histories (issue 10, item 3): small pure functions.

Every rule is stated in :data:`RULES` and reported with the figures; nothing is dropped
silently (flagged runs are listed with repo, start, end, days and downloads).

* **Counter start** — the first day with a non-zero cumulative count is the day the Hub's
  counter started for the repo, not a day's downloads: the jump from 0 to the first value
  is never counted as that day's downloads (the first increment counted is the next day's).
* **Stalls** — runs of at least ``STALL_MIN_DAYS`` zero increments after the counter start.
* **Decreases** — a cumulative count lower than the day before by more than
  ``DECREASE_TOLERANCE``; flagged, the increment of that day counted as 0, never fatal.
* **Bursts** — flagged as whole runs against the repo's own baseline *before* the run: a run
  starts on a day whose increment exceeds ``k`` x max(baseline, ``min_baseline``), the
  baseline being the median daily increment over the last ``baseline_days`` counted days that
  are not in a flagged run (at least ``min_history`` of them; earlier days are not judged).
  The threshold is then frozen: the run continues while the increment stays above it, and its
  days never enter a later baseline. A rolling window would adapt to a multi-week plateau
  within days and stop flagging it; a frozen one does not, and a second plateau after a dip
  is judged against the level before the first. Growth is not a burst: a ramp slower than
  ``k``-fold over about two weeks keeps its baseline moving with it (release ramps, organic
  growth). ``min_baseline`` is a materiality floor (runs below ``k`` x ``min_baseline`` a day
  cannot move a bloc's monthly share by half a point; leave-one-out covers them).
* **Concentration guard** — the share of a bloc's period total that comes from its largest repo.
* **Shares** — raw, robust (flagged runs removed) and leave-one-repo-out (the single repo whose
  removal moves the share most is dropped), side by side, plus a percentile bootstrap interval
  over repos (seeded, ``BOOTSTRAP_RESAMPLES`` resamples).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STALL_MIN_DAYS = 7
DECREASE_TOLERANCE = 0
BURST_K = 10.0
BURST_BASELINE_DAYS = 28
# Materiality floor, downloads a day: a run needs more than k x 50,000 = 500,000 a day. A month of
# 500,000 a day is 15M, about 0.4% of a cohort month (2.7-4.0B in 2024-10 to 2025-02), so runs that
# cannot move a bloc's monthly share by half a point are left to the leave-one-out column.
BURST_MIN_BASELINE = 50_000.0
BURST_MIN_HISTORY = 7
BOOTSTRAP_RESAMPLES = 1_000
BOOTSTRAP_SEED = 0

RULES = {
    "counter_start": "the first day with a non-zero cumulative count is the counter's start; the jump to that first value is not counted as any day's downloads",
    "stall": f"a run of at least {STALL_MIN_DAYS} consecutive zero increments after the counter start",
    "decrease": f"a cumulative count below the previous day's by more than {DECREASE_TOLERANCE}; flagged, that day's increment counted as 0",
    "burst": (
        f"a whole run of days whose increment exceeds {BURST_K:g} x max(baseline, {BURST_MIN_BASELINE:,.0f}); the baseline is the median "
        f"daily increment over the last {BURST_BASELINE_DAYS} counted days outside flagged runs (at least {BURST_MIN_HISTORY}), frozen for the "
        "whole run (a rolling window would adapt to a plateau and stop flagging it); flagged days never enter a later baseline; "
        f"a ramp slower than {BURST_K:g}-fold in about two weeks is growth, not a burst; the floor means runs under "
        f"{BURST_K * BURST_MIN_BASELINE:,.0f} a day are not flagged"
    ),
    "concentration": "share of a bloc's period total that comes from its largest repo",
    "shares": "raw, robust (flagged runs removed) and leave-one-repo-out (the single repo that moves the share most dropped), side by side",
    "bootstrap": f"percentile 95% interval over repos, {BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED}",
}


@dataclass(frozen=True)
class Run:
    """A run of days (indexes into the series, ``end`` inclusive) and what it holds."""

    start: int
    end: int
    total: int
    baseline: float | None = None

    @property
    def days(self) -> int:
        return self.end - self.start + 1


def counter_start(cumulative: Sequence[int]) -> int | None:
    """Index of the first non-zero cumulative count, or None when the counter never started."""
    for i, value in enumerate(cumulative):
        if value:
            return i
    return None


def increments(cumulative: Sequence[int]) -> tuple[np.ndarray, int | None, list[Run]]:
    """Daily increments with the counter-start and decrease rules applied.

    Returns (increments, counter start index, decreases). Days up to and including the
    counter start are 0 (the first value is the counter's start, not a day's downloads);
    a decrease beyond the tolerance is listed (``total`` = the drop) and counted as 0.
    """
    cum = np.asarray(cumulative, dtype=np.int64)
    inc = np.zeros(len(cum), dtype=np.int64)
    start = counter_start(cum)
    if start is None:
        return inc, None, []
    diff = np.diff(cum)
    inc[1:] = diff
    inc[: start + 1] = 0
    decreases = [Run(int(i), int(i), int(-inc[i])) for i in np.flatnonzero(inc < -DECREASE_TOLERANCE)]
    inc[inc < 0] = 0
    return inc, start, decreases


def stalls(inc: Sequence[int], start: int | None, *, min_days: int = STALL_MIN_DAYS) -> list[Run]:
    """Runs of at least ``min_days`` zero increments after the counter start."""
    if start is None:
        return []
    runs: list[Run] = []
    run_start = None
    values = list(inc)
    for i in range(start + 1, len(values) + 1):
        zero = i < len(values) and values[i] == 0
        if zero and run_start is None:
            run_start = i
        elif not zero and run_start is not None:
            if i - run_start >= min_days:
                runs.append(Run(run_start, i - 1, 0))
            run_start = None
    return runs


def burst_runs(
    inc: Sequence[float],
    start: int | None,
    *,
    k: float = BURST_K,
    baseline_days: int = BURST_BASELINE_DAYS,
    min_baseline: float = BURST_MIN_BASELINE,
    min_history: int = BURST_MIN_HISTORY,
) -> list[Run]:
    """Whole runs above ``k`` x the repo's own frozen pre-run baseline (see the module docstring).

    ``start`` is the index of the counter start: counted days are ``start + 1`` onwards
    (for a series without a counter start, such as fine-tunes per window, pass -1).
    The baseline is the median of the last ``baseline_days`` counted days that are not in a
    flagged run, so a second plateau is judged against the level before the first one.
    """
    if start is None:
        return []
    values = np.asarray(inc, dtype=np.float64)
    n = len(values)
    unflagged: list[float] = []  # counted days outside every run so far, in order
    runs: list[Run] = []
    i = start + 1
    floor = k * min_baseline  # no run starts at or below it, whatever the baseline: skip the median there
    while i < n:
        if len(unflagged) < min_history or values[i] <= floor:
            unflagged.append(float(values[i]))
            i += 1
            continue
        baseline = float(statistics.median(unflagged[-baseline_days:]))
        threshold = k * max(baseline, min_baseline)
        if values[i] > threshold:
            j = i
            while j + 1 < n and values[j + 1] > threshold:
                j += 1
            runs.append(Run(i, j, int(values[i : j + 1].sum()), baseline))
            i = j + 1
        else:
            unflagged.append(values[i])
            i += 1
    return runs


def screen_burst_candidates(
    inc: np.ndarray,
    starts: np.ndarray,
    *,
    k: float = BURST_K,
    min_baseline: float = BURST_MIN_BASELINE,
) -> np.ndarray:
    """Rows of a (repos x days) increment matrix that can hold a burst (a necessary condition, exact).

    A run can only start on a day above ``k x min_baseline``, so rows without such a day
    need no per-day baseline; the others go through :func:`burst_runs`.
    """
    days = np.arange(inc.shape[1])
    counted = days[None, :] > starts[:, None]
    return np.flatnonzero(((inc > k * min_baseline) & counted).any(axis=1))


def concentration(repo_totals: Sequence[float]) -> dict[str, float | int | None]:
    """Share of the total that comes from the largest repo (the concentration guard)."""
    values = np.asarray(repo_totals, dtype=np.float64)
    total = float(values.sum())
    if not len(values) or total <= 0:
        return {"repos": len(values), "largest_repo_share": None}
    return {"repos": len(values), "largest_repo_share": round(float(values.max()) / total, 4)}


def share(part: float, total: float) -> float | None:
    return round(part / total, 4) if total > 0 else None


def leave_one_out(in_bloc: np.ndarray, totals: np.ndarray) -> tuple[float | None, int | None]:
    """The share after dropping the single repo whose removal moves it most, and that repo's index.

    ``in_bloc`` marks the bloc's repos; ``totals`` are each repo's downloads in the period.
    """
    totals = np.asarray(totals, dtype=np.float64)
    mask = np.asarray(in_bloc, dtype=bool)
    whole = totals.sum()
    if whole <= 0 or len(totals) < 2:
        return None, None
    part = totals[mask].sum()
    base = part / whole
    remaining = whole - totals
    part_without = part - np.where(mask, totals, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(remaining > 0, part_without / remaining, np.nan)
    moves = np.abs(shares - base)
    if np.all(np.isnan(moves)):
        return None, None
    idx = int(np.nanargmax(moves))
    return round(float(shares[idx]), 4), idx


def bootstrap_share(
    in_bloc: np.ndarray,
    totals: np.ndarray,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> list[float] | None:
    """Percentile interval of a bloc's share, resampling repos with replacement (seeded)."""
    totals = np.asarray(totals, dtype=np.float64)
    return bootstrap_shares({"b": np.asarray(in_bloc, dtype=bool)}, totals[:, None], resamples=resamples, seed=seed, level=level)["b"][0]


def bootstrap_shares(
    masks: dict[str, np.ndarray],
    totals: np.ndarray,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict[str, list[list[float] | None]]:
    """Intervals of several blocs' shares in several periods from ONE resampling of repos.

    ``totals`` is (repos x periods); each resample draws n repos with replacement and the
    same draw serves every bloc and period (as counts per repo, so a resample is a product
    of a count vector with the totals: bounded memory at Hub scale).
    """
    totals = np.asarray(totals, dtype=np.float64)
    n, periods = totals.shape
    if n < 2:
        return {b: [None] * periods for b in masks}
    rng = np.random.default_rng(seed)
    whole = np.empty((resamples, periods))
    parts = {b: np.empty((resamples, periods)) for b in masks}
    chunk = max(1, min(resamples, 20_000_000 // n))
    done = 0
    while done < resamples:
        m = min(chunk, resamples - done)
        draws = rng.integers(0, n, size=(m, n))
        counts = np.zeros((m, n), dtype=np.float64)
        for row in range(m):
            counts[row] = np.bincount(draws[row], minlength=n)
        whole[done : done + m] = counts @ totals
        for b, mask in masks.items():
            parts[b][done : done + m] = counts[:, mask] @ totals[mask]
        done += m
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    out: dict[str, list[list[float] | None]] = {}
    for b in masks:
        cols: list[list[float] | None] = []
        for j in range(periods):
            if totals[:, j].sum() <= 0:
                cols.append(None)
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                vals = np.where(whole[:, j] > 0, parts[b][:, j] / whole[:, j], np.nan)
            lo, hi = np.nanquantile(vals, q)
            cols.append([round(float(lo), 4), round(float(hi), 4)])
        out[b] = cols
    return out


def hhi(values: Sequence[float]) -> float | None:
    """Σ(100·s_i)² over units (0–10,000)."""
    total = float(sum(values))
    if total <= 0:
        return None
    return round(sum((100.0 * v / total) ** 2 for v in values), 1)


def increments_matrix(cum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`increments` for a (repos x days) matrix at once.

    Returns (increments, counter-start index per row (-1 when never started), decrease mask).
    """
    cum = np.asarray(cum, dtype=np.int64)
    started = cum > 0
    has = started.any(axis=1)
    starts = np.where(has, started.argmax(axis=1), -1)
    inc = np.zeros_like(cum)
    inc[:, 1:] = np.diff(cum, axis=1)
    days = np.arange(cum.shape[1])
    before = (days[None, :] <= starts[:, None]) | ~has[:, None]
    inc[before] = 0
    decreases = inc < -DECREASE_TOLERANCE
    inc[inc < 0] = 0
    return inc, starts, decreases


def stall_runs_matrix(inc: np.ndarray, starts: np.ndarray, *, min_days: int = STALL_MIN_DAYS) -> list[tuple[int, Run]]:
    """:func:`stalls` for every row of an increment matrix: (row, run) pairs."""
    days = np.arange(inc.shape[1])
    zero = (inc == 0) & (days[None, :] > starts[:, None]) & (starts[:, None] >= 0)
    padded = np.zeros((zero.shape[0], zero.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = zero
    edges = np.diff(padded, axis=1)
    rows_s, cols_s = np.nonzero(edges == 1)
    rows_e, cols_e = np.nonzero(edges == -1)
    out = []
    for r, s, e in zip(rows_s, cols_s, cols_e, strict=True):  # starts and ends pair up row by row, in order
        if e - s >= min_days:
            out.append((int(r), Run(int(s), int(e - 1), 0)))
    del rows_e
    return out
