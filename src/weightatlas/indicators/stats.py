"""Small statistics written out (no heavy dependency): OLS, bootstrap intervals, Kaplan–Meier.

* :func:`ols` — least squares ``y = a + b·x`` with the slope's standard error.
* :func:`bootstrap_slope` — percentile interval for the slope from resampled pairs
  (seeded, so the same data give the same interval).
* :func:`kaplan_meier` — the product-limit estimate of the share of subjects that
  have had the event by time t, with right-censoring (methods.md §7: developers
  not yet adopting a feature are censored at the snapshot date).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    intercept: float
    slope: float
    slope_se: float | None
    n: int
    r2: float | None


def ols(xs: Sequence[float], ys: Sequence[float]) -> Fit:
    n = len(xs)
    if n < 2:
        raise ValueError("a line needs at least two points")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("all x values are equal")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    residuals = [y - (intercept + slope * x) for x, y in zip(xs, ys, strict=True)]
    sse = sum(r * r for r in residuals)
    syy = sum((y - my) ** 2 for y in ys)
    se = math.sqrt(sse / (n - 2) / sxx) if n > 2 else None
    return Fit(intercept, slope, se, n, 1 - sse / syy if syy else None)


def bootstrap_slope(xs: Sequence[float], ys: Sequence[float], *, resamples: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the OLS slope (pairs resampled with replacement)."""
    rng = random.Random(seed)
    pairs = list(zip(xs, ys, strict=True))
    n = len(pairs)
    slopes = []
    for _ in range(resamples):
        sample = [pairs[rng.randrange(n)] for _ in range(n)]
        try:
            slopes.append(ols([p[0] for p in sample], [p[1] for p in sample]).slope)
        except ValueError:
            continue  # a degenerate resample (all x equal) carries no slope
    slopes.sort()
    lo = slopes[int((1 - level) / 2 * len(slopes))]
    hi = slopes[min(len(slopes) - 1, int((1 + level) / 2 * len(slopes)))]
    return lo, hi


@dataclass(frozen=True)
class KMPoint:
    time: float
    at_risk: int
    events: int
    adopted_share: float  # 1 - S(t)


def kaplan_meier(times: Sequence[float], observed: Sequence[bool]) -> list[KMPoint]:
    """Product-limit estimate; ``observed[i]`` False means subject i was censored at ``times[i]``.

    Returns one point per distinct event time, with the cumulative share that has had
    the event (1 - S(t)). Censored subjects leave the risk set after their time; ties
    between an event and a censoring at the same time count the event first, as usual.
    """
    data = sorted(zip(times, observed, strict=True), key=lambda p: (p[0], not p[1]))
    at_risk = len(data)
    survival = 1.0
    out: list[KMPoint] = []
    i = 0
    while i < len(data):
        t = data[i][0]
        events = censored = 0
        while i < len(data) and data[i][0] == t:
            if data[i][1]:
                events += 1
            else:
                censored += 1
            i += 1
        if events:
            survival *= 1 - events / at_risk
            out.append(KMPoint(t, at_risk, events, round(1 - survival, 6)))
        at_risk -= events + censored
    return out


def km_median(points: Sequence[KMPoint]) -> float | None:
    """First time at which half the subjects have had the event (None if never reached)."""
    for p in points:
        if p.adopted_share >= 0.5:
            return p.time
    return None
