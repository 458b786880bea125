"""Small statistics: OLS, bootstrap intervals, Kaplan–Meier, segmented regression.

* :func:`ols` — least squares ``y = a + b·x`` with the slope's standard error.
* :func:`bootstrap_slope`, :func:`bootstrap_mean` — percentile intervals from resampled
  pairs or values (seeded, so the same data give the same interval).
* :func:`kaplan_meier` — the product-limit estimate of the share of subjects that
  have had the event by time t, with right-censoring (methods.md §7: developers
  not yet adopting a feature are censored at the snapshot date).
* :func:`segmented_regression` — the interrupted-time-series model
  ``y = b0 + b1·t + b2·post + b3·t·post`` (t in months from the event), weighted,
  with Newey–West (HAC) standard errors because monthly shares are autocorrelated.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


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


def bootstrap_mean(values: Sequence[float], *, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile 95% interval of the mean (values resampled with replacement, seeded)."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


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


@dataclass(frozen=True)
class SegmentedFit:
    """Level change (``b2``) and slope change (``b3``) at the interruption, with HAC errors."""

    coef: tuple[float, float, float, float]  # b0 pre level at t=0, b1 pre slope, b2 level change, b3 slope change
    cov: tuple[tuple[float, ...], ...]
    n: int
    lags: int
    df: int

    @property
    def se(self) -> tuple[float, ...]:
        return tuple(math.sqrt(max(self.cov[i][i], 0.0)) for i in range(4))

    @property
    def level_change(self) -> float:
        return self.coef[2]

    @property
    def slope_change(self) -> float:
        return self.coef[3]

    def interval(self, index: int, level: float = 0.95) -> tuple[float, float]:
        q = t_quantile((1 + level) / 2, self.df)
        return self.coef[index] - q * self.se[index], self.coef[index] + q * self.se[index]

    def effect_at(self, months: float, level: float = 0.95) -> tuple[float, float, float]:
        """Post-minus-counterfactual gap ``b2 + b3·months`` and its interval."""
        g = np.array([0.0, 0.0, 1.0, months])
        cov = np.array(self.cov)
        value = float(g @ np.array(self.coef))
        se = math.sqrt(max(float(g @ cov @ g), 0.0))
        q = t_quantile((1 + level) / 2, self.df)
        return value, value - q * se, value + q * se


def newey_west_lags(n: int) -> int:
    """The usual automatic bandwidth, floor(4·(n/100)^(2/9)), at least 1."""
    return max(1, int(4 * (n / 100) ** (2 / 9)))


def segmented_regression(
    t: Sequence[float], y: Sequence[float], weights: Sequence[float] | None = None, *, lags: int | None = None
) -> SegmentedFit:
    """Weighted least squares of ``y`` on ``[1, t, post, t·post]`` with ``post = t > 0``.

    ``t`` is time from the interruption (negative before). Weights (e.g. the number
    of derivatives behind a monthly share) enter as WLS; the covariance is the
    Newey–West sandwich with Bartlett weights over ``lags`` lags of the weighted
    scores, so serial correlation widens the interval instead of hiding in it.
    """
    tt = np.asarray(t, dtype=float)
    yy = np.asarray(y, dtype=float)
    w = np.ones_like(tt) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(tt)
    tt, yy, w = tt[order], yy[order], w[order]
    post = (tt > 0).astype(float)
    n = len(tt)
    if n < 6 or post.sum() < 2 or (1 - post).sum() < 2:
        raise ValueError("a segmented regression needs at least two points on each side and six in all")
    x = np.column_stack([np.ones(n), tt, post, tt * post])
    sw = np.sqrt(w / w.mean())
    xw, yw = x * sw[:, None], yy * sw
    beta, *_ = np.linalg.lstsq(xw, yw, rcond=None)
    resid = yw - xw @ beta
    bread = np.linalg.pinv(xw.T @ xw)
    scores = xw * resid[:, None]
    lags = newey_west_lags(n) if lags is None else lags
    meat = scores.T @ scores
    for lag in range(1, min(lags, n - 1) + 1):
        weight = 1 - lag / (lags + 1)
        gamma = scores[lag:].T @ scores[:-lag]
        meat += weight * (gamma + gamma.T)
    df = n - 4
    cov = bread @ meat @ bread * (n / df if df > 0 else 1.0)  # small-sample scaling, as in HC1
    return SegmentedFit(
        coef=tuple(float(b) for b in beta),  # type: ignore[arg-type]
        cov=tuple(tuple(float(c) for c in row) for row in cov),
        n=n,
        lags=lags,
        df=max(df, 1),
    )


def t_quantile(p: float, df: int) -> float:
    """Student-t quantile by the Cornish–Fisher expansion of the normal one (good to ~1e-3 for df >= 4)."""
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3

