"""Forecasts with intervals, derived from the indicators document alone (never from raw data).

``build_forecasts(document)`` reads monthly series the indicators already publish and extrapolates
each with a stated trend model (:mod:`weightatlas.forecasts.model`):

* the capability gap, per independent series: the signed gap in points (US minus China, threshold 0)
  and, where the document has its time series, China's months behind (threshold 0) — linear trend;
* adoption: China's monthly share of Hub downloads and of new fine-tunes (threshold 50%) — linear on
  the logit scale; new fine-tunes per base model and China's new fine-tunes — log-linear growth.

The result sits at the top level of the document under ``forecasts``, beside ``indicators``: every
entry is labelled ``kind: "forecast"`` and names the series it extrapolates by its path in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weightatlas.forecasts.model import FIT_WINDOW_MONTHS, HORIZON_MONTHS, LEVELS, MIN_POINTS, forecast_series, month_index

MODELS = {
    "linear": "OLS linear trend on monthly points, y = a + b·month + e with e independent and normal; t-based prediction intervals (df = n − 2)",
    "logit-linear": "OLS linear trend of logit(share) on months; the interval is computed on the logit scale and transformed back, so it stays within 0–100% (the point is the median)",
    "log-linear": "OLS linear trend of log(value) on months (a constant growth rate); the interval is computed on the log scale and transformed back",
}
TRANSFORM = {"linear": "identity", "logit-linear": "logit", "log-linear": "log"}
WINDOW = f"at most the last {FIT_WINDOW_MONTHS} months (the current pace, so an earlier phase does not decide the line)"
WINDOW_RULES = {
    "linear": f"every month with a value, {WINDOW}",
    "logit-linear": f"the trailing run of months whose share lies strictly between 0 and 1 (a logit needs both), {WINDOW}",
    "log-linear": f"the trailing run of months with a positive value (a logarithm needs one), {WINDOW}",
}
CAVEATS = [
    "Forecasts are extrapolations of a fitted straight line (on the stated scale), not measurements: they assume the pace of the fit window continues.",
    "The intervals assume independent residuals. Frontier gaps and months behind move in steps (a month repeats until a new model is released), so residuals are autocorrelated (see residual_lag1_autocorrelation) and the intervals are then too narrow; the backtest shows how they fared.",
    "A crossing date is where the fitted line reaches the threshold; its interval runs from where the near edge of the prediction band reaches it to where the far edge does.",
    "Adoption series are Hugging Face Hub only (see the adoption caveats); the download panel covers a few months, so its forecast rests on little history.",
]


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _trailing(rows: list[tuple[str, float]], ok: Callable[[float], bool]) -> list[tuple[str, float]]:
    start = len(rows)
    while start > 0 and ok(rows[start - 1][1]):
        start -= 1
    return rows[start:]


def _entry(spec: dict[str, Any], rows: list[tuple[str, Any]] | None, *, threshold: float | None, missing: str | None = None) -> dict[str, Any]:
    model = spec["model"]
    entry: dict[str, Any] = {
        "kind": "forecast",
        **spec,
        "model_statement": MODELS[model],
        "fit_window_rule": WINDOW_RULES[model],
        "min_points": MIN_POINTS,
        "horizon_months": HORIZON_MONTHS,
        "levels": list(LEVELS),
    }
    if rows is None:
        entry["status"] = f"not forecast: {missing}"
        return entry
    clean = [(str(m)[:7], float(v)) for m, v in rows if v is not None]
    if model == "logit-linear":
        clean = _trailing(clean, lambda v: 0 < v < 1)
    elif model == "log-linear":
        clean = _trailing(clean, lambda v: v > 0)
    if clean:
        start = month_index(clean[-1][0]) - FIT_WINDOW_MONTHS + 1
        clean = [(m, v) for m, v in clean if month_index(m) >= start]
    entry["as_of"] = entry.get("as_of") or (clean[-1][0] if clean else None)
    if clean:
        entry["last_observed"] = {"month": clean[-1][0], "value": round(clean[-1][1], 4)}
    result = forecast_series([m for m, _ in clean], [v for _, v in clean], transform=TRANSFORM[model], threshold=threshold)
    entry.update(result)
    if result["status"] == "forecast":
        ahead = result["path"][min(11, len(result["path"]) - 1)]
        entry["at_12_months"] = ahead
    return entry


def _gap_entries(gap: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for sid, s in gap.items():
        if not isinstance(s, dict) or s.get("kind") != "independent":
            continue  # self-reported series are not forecast: they are not measurements by a third party
        name, unit, as_of = s.get("name", sid), s.get("unit", ""), s.get("as_of")
        rows = [(g["month"], g.get("reference_minus_challenger")) for g in s.get("gap") or []]
        out[f"capability_gap.{sid}.points"] = _entry(
            {"title": f"{name}: gap, US minus China ({unit})", "source_path": f"indicators.capability_gap.{sid}.gap", "source_field": "reference_minus_challenger",
             "unit": unit, "model": "linear", "question": "when would the gap close (reach 0) at this pace?", "as_of": as_of},
            rows, threshold=0.0,
        )
        behind = (s.get("catch_up") or {}).get("months_behind") or []
        spec = {"title": f"{name}: months China is behind", "source_path": f"indicators.capability_gap.{sid}.catch_up.months_behind", "source_field": "months_behind",
                "unit": "months", "model": "linear", "question": "when would China's best model stop trailing the first US model at its level?", "as_of": as_of}
        if behind:
            kept = [(r["month"], r.get("months_behind")) for r in behind if not r.get("censored")]
            entry = _entry(spec, kept, threshold=0.0)
            entry["censored_months_excluded"] = sum(1 for r in behind if r.get("censored"))
        else:
            entry = _entry(spec, None, threshold=0.0, missing="no months-behind series in the document for this benchmark (catch_up.months_behind is empty); nothing is invented")
        out[f"capability_gap.{sid}.months_behind"] = entry
    return out


def _china(row: dict[str, Any], key: str) -> Any:
    return _get(row, "by_bloc", "China", key)


def _adoption_entries(adoption: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    dh = _get(adoption, "download_history")
    panel = _get(dh, "variants", "llm_only", "balanced_panel") if _get(dh, "available") else None
    spec = {"title": "China's share of monthly Hub downloads (LLMs, balanced panel, robust)", "source_path": "indicators.adoption.download_history.variants.llm_only.balanced_panel.monthly",
            "source_field": "by_bloc.China.share_robust", "unit": "share (0–1)", "model": "logit-linear", "question": "when would China's share cross 50%?",
            "as_of": _get(dh, "period", "last_day")}
    if panel and panel.get("monthly"):
        monthly = panel["monthly"]
        entry = _entry(spec, [(m["period"], _china(m, "share_robust")) for m in monthly], threshold=0.5)
        short = [f"{m['period']} ({m['days']} days)" for m in monthly if m.get("days") is not None and m["days"] < 28]
        if short:
            entry["note"] = "partial months in the fit window: " + ", ".join(short)
    else:
        entry = _entry(spec, None, threshold=0.5, missing="not in the document (indicators.adoption.download_history)")
    out["adoption.download_share_china"] = entry

    fh = _get(adoption, "finetune_history")
    monthly = _get(fh, "variants", "llm_only", "monthly") if _get(fh, "available") else None
    path = "indicators.adoption.finetune_history.variants.llm_only.monthly"
    missing = "not in the document (indicators.adoption.finetune_history)"
    specs = [
        ("adoption.finetune_share_china", {"title": "China's share of new fine-tunes (LLM bases, robust)", "source_field": "by_bloc.China.share_robust", "unit": "share (0–1)",
                                           "model": "logit-linear", "question": "when would China's share cross 50%?"}, 0.5, lambda m: _china(m, "share_robust")),
        ("adoption.finetune_per_base", {"title": "New fine-tunes per base model in the cohort (LLM bases, robust)", "source_field": "total_robust / bases", "unit": "fine-tunes per base per month",
                                        "model": "log-linear", "question": "how fast do fine-tunes per base model grow?",
                                        "note": "the document has no monthly series per base model or per bloc's bases (by_family holds totals), so growth is of the cohort's mean per base"},
         None, lambda m: (m["total_robust"] / m["bases"]) if m.get("bases") else None),
        ("adoption.finetune_new_china", {"title": "New fine-tunes of China-based LLM bases per month (robust)", "source_field": "by_bloc.China.new_robust", "unit": "fine-tunes per month",
                                         "model": "log-linear", "question": "how fast do fine-tunes of Chinese bases grow?"}, None, lambda m: _china(m, "new_robust")),
    ]
    for key, spec, threshold, value in specs:
        spec = {**spec, "source_path": path}
        rows = [(m["period"], value(m)) for m in monthly] if monthly else None
        out[key] = _entry(spec, rows, threshold=threshold, missing=missing)
    return out


def build_forecasts(document: dict[str, Any]) -> dict[str, Any]:
    """The ``forecasts`` block: one labelled forecast (or the reason there is none) per series."""
    ind = document.get("indicators", {})
    series = {**_gap_entries(ind.get("capability_gap") or {}), **_adoption_entries(ind.get("adoption"))}
    done = sum(1 for e in series.values() if e["status"] == "forecast")
    return {
        "kind": "forecast",
        "label": "Forecasts, not measurements: extrapolated trends with prediction intervals",
        "as_of": _get(document, "snapshot", "snapshot_date"),
        "derived_from": "the indicators document only (no raw data)",
        "method": {
            "models": MODELS,
            "min_points": MIN_POINTS,
            "horizon_months": HORIZON_MONTHS,
            "fit_window_months": FIT_WINDOW_MONTHS,
            "levels": list(LEVELS),
            "crossing": "first forecast month at which the point reaches the threshold; interval from the near to the far edge of the band reaching it, or not within the horizon",
            "backtest": "fit on all but the last 25% of points (at least 2), forecast the held-out months, score mean absolute error, bias and the share of held-out points inside the 80% and 95% intervals",
        },
        "caveats": CAVEATS,
        "counts": {"forecast": done, "not_forecast": len(series) - done},
        "series": series,
    }
