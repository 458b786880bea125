"""The forecast model: an OLS linear trend on monthly points, with t-based prediction intervals.

``y(m) = a + b·m + e``, m the month index, e independent N(0, s²). On the model scale the
prediction interval for one new month x is ``ŷ(x) ± t(df = n − 2) · s · sqrt(1 + 1/n + (x − x̄)²/Sxx)``.
Three scales (the *transform*):

* ``identity`` — gaps in points and months behind, forecast as they are;
* ``logit`` — shares (0 to 1): the line is fitted to log(p / (1 − p)) and the point and bounds are
  transformed back, so every bound stays between 0 and 1 (the point is then the median);
* ``log`` — counts that grow: log-linear growth, exp(b) − 1 a month, doubling in ln 2 / b months.

The crossing date is the first forecast month at which the point reaches the threshold; its interval
runs from the first month at which the near bound of the band reaches it to the first month at which
the far bound does (the whole band is past it), or "beyond the horizon". The backtest fits on all but
the last 25% of points (at least 2) and scores the forecast of those.

The standard library and nothing else (scipy is not a dependency): the t quantile comes from the
closed-form CDF for integer degrees of freedom (Abramowitz & Stegun 26.7.3–4), inverted by bisection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MIN_POINTS = 8  # monthly points in the fit window below which a series is "not forecast: too short"
HORIZON_MONTHS = 24
FIT_WINDOW_MONTHS = 24  # the fit uses at most the last 24 months: the current pace, not an earlier phase
LEVELS = (0.8, 0.95)
HOLDOUT_FRACTION = 0.25
MIN_HOLDOUT = 2
MIN_FIT = 4  # points a fit needs (two residual degrees of freedom) to give an interval at all
DIGITS = 4

TRANSFORMS = ("identity", "logit", "log")


# --- months ---------------------------------------------------------------------------------


def month_index(label: str) -> int:
    year, month = label[:7].split("-")
    return int(year) * 12 + int(month) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- Student t -----------------------------------------------------------------------------


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with integer ``df`` >= 1 (closed form, A&S 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    total, term = 1.0, 1.0
    if df % 2:
        for k in range(1, (df - 3) // 2 + 1):
            term *= 2 * k / (2 * k + 1) * c2
            total += term
        a = 2 / math.pi * (theta + (math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0))
    else:
        for k in range(1, (df - 2) // 2 + 1):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        a = math.sin(theta) * total
    return 0.5 + a / 2


@lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with integer ``df`` (bisection on :func:`t_cdf`)."""
    if not 0 < p < 1 or df < 1:
        raise ValueError("t_quantile needs 0 < p < 1 and df >= 1")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


# --- scales --------------------------------------------------------------------------------


def _forward(transform: str, y: float) -> float:
    if transform == "logit":
        if not 0 < y < 1:
            raise ValueError(f"a logit-scale value must lie strictly between 0 and 1, not {y}")
        return math.log(y / (1 - y))
    if transform == "log":
        if y <= 0:
            raise ValueError(f"a log-scale value must be positive, not {y}")
        return math.log(y)
    return y


def _inverse(transform: str, z: float) -> float:
    if transform == "logit":
        z = max(-700.0, min(700.0, z))
        return 1 / (1 + math.exp(-z))
    if transform == "log":
        return math.exp(min(700.0, z))
    return z


# --- the fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendFit:
    transform: str
    n: int
    intercept: float  # on the model scale, at x = 0
    slope: float  # on the model scale, per month
    resid_sd: float
    x_mean: float
    sxx: float
    r2: float | None
    lag1: float | None  # lag-1 autocorrelation of the residuals (independence is assumed)

    @property
    def df(self) -> int:
        return self.n - 2

    def _half_width(self, x: float, level: float, *, new_point: bool = True) -> float:
        if self.df < 1:
            return math.inf
        se = self.resid_sd * math.sqrt((1.0 if new_point else 0.0) + 1 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        return t_quantile((1 + level) / 2, self.df) * se

    def predict(self, x: float, level: float) -> tuple[float, float, float]:
        """Point and prediction interval for one new month at ``x``, on the original scale."""
        mean = self.intercept + self.slope * x
        half = self._half_width(x, level)
        return _inverse(self.transform, mean), _inverse(self.transform, mean - half), _inverse(self.transform, mean + half)

    def fitted(self, x: float) -> float:
        return _inverse(self.transform, self.intercept + self.slope * x)

    def slope_interval(self, level: float) -> tuple[float, float]:
        if self.df < 1:
            return -math.inf, math.inf
        half = t_quantile((1 + level) / 2, self.df) * self.resid_sd / math.sqrt(self.sxx)
        return self.slope - half, self.slope + half


def fit_trend(xs: Sequence[float], ys: Sequence[float], *, transform: str = "identity") -> TrendFit:
    """OLS of the transformed ``ys`` on ``xs`` (months)."""
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}")
    n = len(xs)
    if n != len(ys) or n < 3:
        raise ValueError("a trend with an interval needs at least three points")
    zs = [_forward(transform, y) for y in ys]
    mx, mz = sum(xs) / n, sum(zs) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("all months are equal")
    slope = sum((x - mx) * (z - mz) for x, z in zip(xs, zs, strict=True)) / sxx
    intercept = mz - slope * mx
    resid = [z - intercept - slope * x for x, z in zip(xs, zs, strict=True)]
    sse = sum(r * r for r in resid)
    szz = sum((z - mz) ** 2 for z in zs)
    order = sorted(range(n), key=lambda i: xs[i])
    lag1 = sum(resid[order[i]] * resid[order[i - 1]] for i in range(1, n)) / sse if sse > 1e-18 else None
    return TrendFit(transform, n, intercept, slope, math.sqrt(sse / (n - 2)), mx, sxx, 1 - sse / szz if szz > 1e-18 else None, lag1)


def _r(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, DIGITS)


def _row(fit: TrendFit, x: float, levels: Sequence[float]) -> dict[str, Any]:
    point, *_ = fit.predict(x, levels[0])
    row: dict[str, Any] = {"point": _r(point)}
    for level in levels:
        _, lo, hi = fit.predict(x, level)
        pct = round(level * 100)
        row[f"lo{pct}"], row[f"hi{pct}"] = _r(lo), _r(hi)
    return row


def _fit_summary(fit: TrendFit, x_last: float) -> dict[str, Any]:
    lo, hi = fit.slope_interval(0.95)
    out: dict[str, Any] = {
        "scale": fit.transform,
        "intercept_at_first_month": _r(fit.intercept),
        "slope_per_month": _r(fit.slope),
        "slope_per_month_ci95": [_r(lo), _r(hi)],
        "residual_sd": _r(fit.resid_sd),
        "df": fit.df,
        "r2": _r(fit.r2),
        "residual_lag1_autocorrelation": _r(fit.lag1),
        "fitted_last": _r(fit.fitted(x_last)),
    }
    if fit.transform == "log":
        out["growth_per_month"] = _r(math.exp(fit.slope) - 1)
        out["doubling_months"] = _r(math.log(2) / fit.slope) if fit.slope > 0 else None
        out["doubling_months_ci95"] = [_r(math.log(2) / hi), _r(math.log(2) / lo)] if lo > 0 else None
    return out


# --- crossing --------------------------------------------------------------------------------


def crossing(path: list[dict[str, Any]], threshold: float, fitted_last: float, last_value: float, levels: Sequence[float] = LEVELS) -> dict[str, Any]:
    """When the forecast reaches ``threshold`` from the side the last observed value is on.

    If the fitted line is already past the threshold at the last observed month (the straight line does
    not fit the recent months), no date is given: it would be an artefact of the fit.
    """
    falling = last_value > threshold
    verb = "falls" if falling else "rises"
    if (fitted_last <= threshold) if falling else (fitted_last >= threshold):
        out = {"threshold": threshold, "direction": f"{verb} to", "point": None, "within_horizon": False, "fitted_already_past": True}
        for level in levels:
            out[f"interval{round(level * 100)}"] = {"earliest": None, "latest": None}
        out["statement"] = (
            f"no date: the fitted line is already past {threshold:g} at the last observed month (fitted {fitted_last:.4g}, measured {last_value:.4g}),"
            " so the straight line does not fit the recent months"
        )
        return out

    def reached(value: float | None) -> bool:
        return value is not None and (round(value, 9) <= threshold if falling else round(value, 9) >= threshold)

    def first(key: str) -> str | None:
        return next((r["month"] for r in path if reached(r[key])), None)

    near, far = ("lo", "hi") if falling else ("hi", "lo")
    point = first("point")
    out: dict[str, Any] = {"threshold": threshold, "direction": f"{verb} to", "point": point, "within_horizon": point is not None, "fitted_already_past": False}
    for level in levels:
        pct = round(level * 100)
        out[f"interval{pct}"] = {"earliest": first(f"{near}{pct}"), "latest": first(f"{far}{pct}")}
    end = path[-1]["month"] if path else None
    band = out.get("interval95", {})
    if point:
        latest = band.get("latest") or f"beyond the horizon ({end})"
        out["statement"] = f"forecast: the fitted trend {verb} to {threshold:g} in {point} (95% band: {band.get('earliest')} to {latest})"
    else:
        touch = f"; the 95% band first reaches it in {band['earliest']}" if band.get("earliest") else ""
        out["statement"] = f"not within the horizon: the fitted trend does not reach {threshold:g} by {end}{touch}"
    return out


# --- backtest --------------------------------------------------------------------------------


def backtest(xs: Sequence[float], ys: Sequence[float], months: Sequence[str], *, transform: str, levels: Sequence[float] = LEVELS) -> dict[str, Any] | None:
    """Fit on all but the last 25% of points (at least 2), forecast those, score error and coverage."""
    n = len(xs)
    n_test = max(MIN_HOLDOUT, math.ceil(HOLDOUT_FRACTION * n))
    n_train = n - n_test
    if n_train < MIN_FIT:
        return None
    fit = fit_trend(xs[:n_train], ys[:n_train], transform=transform)
    points, errors = [], []
    hits = {level: 0 for level in levels}
    for x, y, month in zip(xs[n_train:], ys[n_train:], months[n_train:], strict=True):
        row = {"month": month, "months_ahead": round(x - xs[n_train - 1]), "actual": _r(y), **_row(fit, x, levels)}
        point = fit.predict(x, levels[0])[0]
        errors.append(point - y)
        for level in levels:
            _, lo, hi = fit.predict(x, level)
            eps = 1e-9 * max(1.0, abs(y))
            hits[level] += lo - eps <= y <= hi + eps
        points.append(row)
    out: dict[str, Any] = {
        "rule": f"fit on all but the last {HOLDOUT_FRACTION:.0%} of points (at least {MIN_HOLDOUT}); forecast the held-out months",
        "cutoff": months[n_train - 1],
        "n_train": n_train,
        "n_test": n_test,
        "mae": _r(sum(abs(e) for e in errors) / n_test),
        "bias": _r(sum(errors) / n_test),
    }
    for level in levels:
        out[f"coverage{round(level * 100)}"] = _r(hits[level] / n_test)
    out["points"] = points
    return out


# --- one series ------------------------------------------------------------------------------


def forecast_series(
    months: Sequence[str],
    values: Sequence[float],
    *,
    transform: str,
    threshold: float | None,
    horizon: int = HORIZON_MONTHS,
    levels: Sequence[float] = LEVELS,
    min_points: int = MIN_POINTS,
) -> dict[str, Any]:
    """Fit, forecast path to ``horizon`` months, crossing of ``threshold`` and backtest of one monthly series."""
    n = len(months)
    if n < min_points:
        return {"status": "not forecast: too short", "n_points": n, "min_points": min_points}
    base = month_index(months[0])
    xs = [float(month_index(m) - base) for m in months]
    ys = [float(v) for v in values]
    fit = fit_trend(xs, ys, transform=transform)
    last = month_index(months[-1])
    path = [{"month": month_label(last + h), "months_ahead": h, **_row(fit, float(last + h - base), levels)} for h in range(1, horizon + 1)]
    fitted_last = fit.fitted(xs[-1])
    return {
        "status": "forecast",
        "n_points": n,
        "min_points": min_points,
        "fit_window": {"first": months[0], "last": months[-1], "n_points": n},
        "fit": _fit_summary(fit, xs[-1]),
        # The fitted line over the fit window, so a chart can show where the forecast starts from.
        "fitted": [{"month": m, "value": _r(fit.fitted(x))} for m, x in zip(months, xs)],
        "path": path,
        "crossing": crossing(path, threshold, fitted_last, ys[-1], levels) if threshold is not None else None,
        "backtest": backtest(xs, ys, list(months), transform=transform, levels=levels),
    }
