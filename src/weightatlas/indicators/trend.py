"""The trend of a verdict card's headline: Theil–Sen slope with a Mann–Kendall p-value.

Both are rank statistics, so one outlying month (a burst, a one-week promotion) does not
decide the direction. Implemented with the standard library: scipy is not a dependency.
The Mann–Kendall p-value is the usual normal approximation with the tie-corrected
variance and a continuity correction (Kendall 1975; Gilbert 1987, ch. 16); with very few
points it is conservative, and below ``MIN_POINTS`` no trend is reported at all.
"""

from __future__ import annotations

import math
import re
from datetime import date
from statistics import median
from typing import Any

MIN_POINTS = 4  # fewer points: direction "insufficient"
ALPHA = 0.05  # two-sided level at which a Mann–Kendall trend counts as rising or falling
WINDOW_MONTHS = 12
DAYS_PER_MONTH = 30.436875  # the mean Gregorian month, as in the lag figures
TEST = "Theil–Sen slope (per month) with a two-sided Mann–Kendall p-value (normal approximation, tie-corrected)"


def period_date(label: str) -> date:
    """The first day of a period label: ``2024``, ``2024-Q3``, ``2024-07`` or ``2024-07-15``."""
    text = str(label).strip()
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        return date(int(m[1]), 3 * int(m[2]) - 2, 1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return date(int(m[1]), int(m[2]), 1)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1)
    return date.fromisoformat(text[:10])


def theil_sen(x: list[float], y: list[float]) -> float:
    """Median of the slopes between every pair of points with different x."""
    slopes = [(y[j] - y[i]) / (x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x)) if x[j] != x[i]]
    return float(median(slopes)) if slopes else 0.0


def mann_kendall(y: list[float]) -> tuple[int, float]:
    """Kendall's S over the series in time order and its two-sided p-value."""
    n = len(y)
    s = sum((y[j] > y[i]) - (y[j] < y[i]) for i in range(n) for j in range(i + 1, n))
    ties: dict[float, int] = {}
    for v in y:
        ties[v] = ties.get(v, 0) + 1
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties.values())) / 18
    if var <= 0 or s == 0:
        return s, 1.0
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var)
    return s, min(1.0, math.erfc(abs(z) / math.sqrt(2)))


def _months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, 28))


def trend(series: list[tuple[str, float | None]], *, window_months: int = WINDOW_MONTHS) -> dict[str, Any]:
    """Trend over the last ``window_months`` of a dated series (the whole series if shorter).

    ``series`` holds (period label, value) pairs; missing values are dropped. The window keeps
    the points dated after the last point's date minus ``window_months`` calendar months.
    """
    points = sorted((period_date(p), float(v), p) for p, v in series if v is not None)
    base: dict[str, Any] = {"test": TEST, "alpha": ALPHA, "min_points": MIN_POINTS, "slope": None, "p_value": None, "kendall_s": None}
    if not points:
        return {**base, "window": {"first": None, "last": None, "points": 0}, "direction": "insufficient"}
    cutoff = _months_before(points[-1][0], window_months)
    kept = [p for p in points if p[0] > cutoff]
    window = {"first": kept[0][2], "last": kept[-1][2], "points": len(kept)}
    if len(kept) < MIN_POINTS:
        return {**base, "window": window, "direction": "insufficient"}
    x = [(d - kept[0][0]).days / DAYS_PER_MONTH for d, _, _ in kept]
    y = [v for _, v, _ in kept]
    slope = theil_sen(x, y)
    s, p = mann_kendall(y)
    if p < ALPHA:
        direction = "rising" if s > 0 else "falling"
    else:
        direction = "no_clear_trend"
    return {**base, "window": window, "slope": round(slope, 6), "p_value": round(p, 6), "kendall_s": s, "direction": direction}
