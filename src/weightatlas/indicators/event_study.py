"""Interrupted time series around policy events, with placebo dates.

For one adoption series (a share per month or per crawl snapshot) and one event
date, the points within ``window`` months on each side are fitted with
``y = b0 + b1·t + b2·post + b3·t·post`` (:func:`~weightatlas.indicators.stats.segmented_regression`),
t in months from the event. ``b2`` is the jump at the event, ``b3`` the change
in monthly trend; both come with a 95% interval from Newey–West errors.

The period that contains the event (the event's month, for a monthly series) is
left out: part of it lies before and part after. A series is *too thin* for an
event when fewer than ``min_side`` usable points lie on either side; a point is
usable when the count behind it reaches the series' ``min_weight``.

Placebo check: the same estimate at every other month start where the window is
just as well covered and no studied event lies within ``exclusion`` months. The
placebo p-value is the share of placebo jumps at least as large (in absolute
value) as the real one, counting the real one (so it is never zero). A jump
that many quiet months also show is not evidence of anything.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from weightatlas.indicators.frontier import DAYS_PER_MONTH, next_month
from weightatlas.indicators.stats import segmented_regression

WINDOW_MONTHS = 12
MIN_SIDE = 6
EXCLUSION_MONTHS = 3
MAX_PLACEBOS = 200


@dataclass(frozen=True)
class Point:
    start: date  # the period the value describes: [start, end)
    end: date
    value: float
    weight: float  # the count behind the value (derivatives, releases, repos)

    @property
    def mid(self) -> date:
        return self.start + (self.end - self.start) / 2


@dataclass(frozen=True)
class Series:
    id: str
    label: str
    kind: str  # "adoption" or "supply"
    population: str
    source: str
    min_weight: float
    points: tuple[Point, ...]

    def usable(self) -> list[Point]:
        return [p for p in self.points if p.weight >= self.min_weight]

    def describe(self) -> dict[str, Any]:
        usable = self.usable()
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "population": self.population,
            "source": self.source,
            "min_weight": self.min_weight,
            "points": len(self.points),
            "usable_points": len(usable),
            "period": f"{usable[0].start} to {usable[-1].end - timedelta(days=1)}" if usable else None,
        }


def month_points(rows: Sequence[tuple[str, float, float]]) -> tuple[Point, ...]:
    """``(YYYY-MM, value, weight)`` rows as monthly points."""
    out = []
    for month, value, weight in rows:
        start = date.fromisoformat(month + "-01")
        out.append(Point(start, next_month(start), value, weight))
    return tuple(sorted(out, key=lambda p: p.start))


def months_apart(later: date, earlier: date) -> float:
    """Unrounded months (days / 30.44): the regression's time axis."""
    return (later - earlier).days / DAYS_PER_MONTH


@dataclass(frozen=True)
class Window:
    pre: list[Point]
    post: list[Point]

    @property
    def points(self) -> list[Point]:
        return [*self.pre, *self.post]


def window(series: Series, event: date, *, months: int = WINDOW_MONTHS) -> Window:
    pre, post = [], []
    for p in series.usable():
        if p.start <= event < p.end:
            continue  # the transition period: partly before, partly after
        t = months_apart(p.mid, event)
        if abs(t) > months + 0.5:
            continue
        (post if t > 0 else pre).append(p)
    return Window(pre, post)


def _fit(points: list[Point], event: date) -> Any:
    return segmented_regression(
        [months_apart(p.mid, event) for p in points], [p.value for p in points], [p.weight for p in points]
    )


def estimate(series: Series, event: date, *, months: int = WINDOW_MONTHS, min_side: int = MIN_SIDE) -> dict[str, Any]:
    """The interrupted-time-series estimate for one series and one event date (or why there is none)."""
    w = window(series, event, months=months)
    base: dict[str, Any] = {"series": series.id, "window_months": months, "pre_points": len(w.pre), "post_points": len(w.post)}
    if len(w.pre) < min_side or len(w.post) < min_side:
        return {
            **base,
            "status": "too_thin",
            "reason": (
                f"{len(w.pre)} usable points before and {len(w.post)} after the event within {months} months "
                f"(at least {min_side} needed on each side; a point is usable with at least {series.min_weight:g} "
                f"behind it); the series covers {series.describe()['period'] or 'nothing'}"
            ),
        }
    fit = _fit(w.points, event)
    lo, hi = fit.interval(2)
    slo, shi = fit.interval(3)
    six, six_lo, six_hi = fit.effect_at(6)
    pre_mean = sum(p.value * p.weight for p in w.pre) / sum(p.weight for p in w.pre)
    post_mean = sum(p.value * p.weight for p in w.post) / sum(p.weight for p in w.post)
    return {
        **base,
        "status": "estimated",
        "pre_mean": round(pre_mean, 4),
        "post_mean": round(post_mean, 4),
        "level_change": round(fit.level_change, 4),
        "level_ci95": [round(lo, 4), round(hi, 4)],
        "slope_change_per_month": round(fit.slope_change, 5),
        "slope_ci95": [round(slo, 5), round(shi, 5)],
        "effect_at_6_months": round(six, 4),
        "effect_at_6_months_ci95": [round(six_lo, 4), round(six_hi, 4)],
        "pre_trend_per_month": round(fit.coef[1], 5),
        "hac_lags": fit.lags,
        "observed": [
            {"date": p.mid.isoformat(), "period_start": p.start.isoformat(), "value": round(p.value, 4), "count": round(p.weight, 2)} for p in w.points
        ],
        "fitted": _fitted_lines(fit.coef, w, event),
    }


def _fitted_lines(coef: tuple[float, float, float, float], w: Window, event: date) -> list[dict[str, Any]]:
    """Fitted segments and the counterfactual (pre-trend carried on), for the chart."""
    b0, b1, b2, b3 = coef
    out = []
    for p in w.pre:
        t = months_apart(p.mid, event)
        out.append({"date": p.mid.isoformat(), "line": "fitted", "segment": "before", "value": round(b0 + b1 * t, 4)})
    for p in w.post:
        t = months_apart(p.mid, event)
        out.append({"date": p.mid.isoformat(), "line": "fitted", "segment": "after", "value": round(b0 + b1 * t + b2 + b3 * t, 4)})
        out.append({"date": p.mid.isoformat(), "line": "counterfactual", "segment": "counterfactual", "value": round(b0 + b1 * t, 4)})
    return out


def placebo_jumps(
    series: Series,
    avoid: Sequence[date],
    *,
    months: int = WINDOW_MONTHS,
    min_side: int = MIN_SIDE,
    exclusion: int = EXCLUSION_MONTHS,
    max_dates: int = MAX_PLACEBOS,
    seed: int = 0,
) -> list[tuple[date, float]]:
    """Level changes at month starts away from the studied events (seeded sample if there are many)."""
    usable = series.usable()
    if not usable:
        return []
    candidates = []
    d = date(usable[0].start.year, usable[0].start.month, 1)
    while d < usable[-1].end:
        if all(abs(months_apart(d, a)) > exclusion for a in avoid):
            candidates.append(d)
        d = next_month(d)
    if len(candidates) > max_dates:
        candidates = sorted(random.Random(seed).sample(candidates, max_dates))
    out = []
    for d in candidates:
        # A placebo date at a month start would drop no period; shift it to mid-month so
        # that, like a real event, it leaves its own month out.
        at = d + timedelta(days=14)
        w = window(series, at, months=months)
        if len(w.pre) < min_side or len(w.post) < min_side:
            continue
        try:
            out.append((at, _fit(w.points, at).level_change))
        except (ValueError, ArithmeticError):
            continue
    return out


def placebo_summary(real: float, jumps: Sequence[tuple[date, float]], *, min_dates: int = 10) -> dict[str, Any]:
    values = sorted(j for _, j in jumps)
    if len(values) < min_dates:
        return {"dates": len(values), "status": "too_few", "reason": f"{len(values)} placebo dates with a covered window (at least {min_dates} needed)"}
    at_least = sum(abs(v) >= abs(real) for v in values)
    lo = values[int(0.025 * (len(values) - 1))]
    hi = values[int(round(0.975 * (len(values) - 1)))]
    return {
        "dates": len(values),
        "status": "ok",
        "p_value": round((1 + at_least) / (1 + len(values)), 4),
        "placebo_range95": [round(lo, 4), round(hi, 4)],
        "share_as_large": round(at_least / len(values), 4),
    }
