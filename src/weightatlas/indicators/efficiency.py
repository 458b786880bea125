"""Compute efficiency under export controls: capability per unit of training compute, by bloc.

Population: models with both an ECI score (Epoch, the ``eci`` series' source) and a
training-compute estimate (Epoch's ``Training compute (FLOP)``), released.

* **Capability vs compute**: each model's ECI against log10(training FLOP), and per
  bloc the frontier (most capable model at or below each compute level).
* **Efficiency residual**: a pooled line ECI = a + b·log10(FLOP) over all blocs; a
  bloc's mean residual says how much more (or less) capability its models reach than
  their compute predicts. Bootstrap 95% interval (seeded).
* **Compute at a capability level** (methods.md §3.7): ``C_G(e)`` = the least compute
  any model of bloc G needed to reach ECI >= e; ``Δ(e) = log10 C_CN(e) − log10 C_US(e)``
  (negative: China got there with less compute).
* **Training-compute growth** per bloc: log10(FLOP) on release year for every dated
  model with a compute estimate (Epoch notable models included), slope in orders of
  magnitude per year with a bootstrap 95% interval, and the implied doubling time.
* **Verified-compute sensitivity** (``sensitivity_verified_compute``): the same fit,
  residuals, frontier and Δ(e) over the models whose compute estimate Epoch rates
  ``Confident`` or ``Likely`` (its ``Confidence`` column rates the compute estimate,
  not the ECI score), with counts of what it drops by confidence. ``Unverified`` rows
  carry no compute figure in the pinned ECI file, so in practice this drops
  ``Speculative`` and unrated estimates.
* **Disclosed budgets**: the curated ``training_budgets.csv`` (GPU type, GPU-hours,
  tokens, stated cost), as disclosed, each with what it covers.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from weightatlas.attribution import CHINA, UNITED_STATES, UNKNOWN
from weightatlas.curated import TRAINING_BUDGETS, load_table
from weightatlas.indicators.stats import bootstrap_mean, bootstrap_slope, ols

if TYPE_CHECKING:
    from weightatlas.indicators import Context

ECI_SOURCE = "epoch_eci"
GROWTH_SINCE = date(2018, 1, 1)
VERIFIED_COMPUTE = ("Confident", "Likely")  # Epoch's compute-confidence ratings the sensitivity keeps


def _year(d: date) -> float:
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


def least_compute(points: list[dict[str, Any]], level: float) -> dict[str, Any] | None:
    """The least-compute point with ECI >= level (None if no point reaches it)."""
    reaching = [p for p in points if p["eci"] >= level]
    return min(reaching, key=lambda p: (p["log10_flop"], p["model"])) if reaching else None


def compute_gap(cn: list[dict[str, Any]], us: list[dict[str, Any]], *, step: float = 2.0) -> list[dict[str, Any]]:
    """Δ(e) on a grid of capability levels both blocs reach."""
    if not cn or not us:
        return []
    top = min(max(p["eci"] for p in cn), max(p["eci"] for p in us))
    level = math.floor(min(min(p["eci"] for p in cn), min(p["eci"] for p in us)) / step) * step
    out = []
    while level <= top:
        c, u = least_compute(cn, level), least_compute(us, level)
        if c and u:
            out.append(
                {
                    "eci": level,
                    "china": {"model": c["model"], "log10_flop": c["log10_flop"]},
                    "united_states": {"model": u["model"], "log10_flop": u["log10_flop"]},
                    "delta_log10": round(c["log10_flop"] - u["log10_flop"], 3),
                }
            )
        level += step
    return out


def pareto(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points not beaten by a cheaper-or-equal model with higher ECI (compute ascending)."""
    out, best = [], -math.inf
    for p in sorted(points, key=lambda p: (p["log10_flop"], -p["eci"])):
        if p["eci"] > best:
            out.append(p)
            best = p["eci"]
    return out


def growth(points: list[tuple[float, float]]) -> dict[str, Any] | None:
    if len(points) < 5:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    fit = ols(xs, ys)
    lo, hi = bootstrap_slope(xs, ys)
    return {
        "models": fit.n,
        "ooms_per_year": round(fit.slope, 3),
        "ci95": [round(lo, 3), round(hi, 3)],
        "doubling_months": round(12 * math.log10(2) / fit.slope, 1) if fit.slope > 0 else None,
        "r2": round(fit.r2, 3) if fit.r2 is not None else None,
    }


def fit_and_frontier(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Pooled fit, per-bloc residuals, per-bloc frontier and Δ(e) over one population of points."""
    by_bloc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        by_bloc[p["bloc"]].append(p)
    fit = ols([p["log10_flop"] for p in points], [p["eci"] for p in points]) if len(points) >= 3 else None
    residuals: dict[str, Any] = {}
    if fit:
        for bloc, ps in sorted(by_bloc.items()):
            if bloc == UNKNOWN or len(ps) < 3:
                continue
            res = [p["eci"] - (fit.intercept + fit.slope * p["log10_flop"]) for p in ps]
            mean = sum(res) / len(res)
            lo, hi = bootstrap_mean(res)
            residuals[bloc] = {"models": len(ps), "mean_residual_eci": round(mean, 2), "ci95": [round(lo, 2), round(hi, 2)]}
    return {
        "by_bloc": {b: len(ps) for b, ps in sorted(by_bloc.items())},
        "frontier": {b: pareto(ps) for b, ps in sorted(by_bloc.items()) if b != UNKNOWN},
        "pooled_fit": {"intercept": round(fit.intercept, 3), "eci_per_oom": round(fit.slope, 3), "r2": round(fit.r2 or 0, 3), "models": fit.n} if fit else None,
        "efficiency_residual": residuals,
        "compute_gap": compute_gap(by_bloc.get(CHINA, []), by_bloc.get(UNITED_STATES, [])),
    }


def verified_compute_sensitivity(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The primary analysis again, keeping only compute estimates Epoch rates Confident or Likely."""
    kept = [p for p in points if p["compute_confidence"] in VERIFIED_COMPUTE]
    dropped = Counter(p["compute_confidence"] or "not rated" for p in points if p["compute_confidence"] not in VERIFIED_COMPUTE)
    result = fit_and_frontier(kept)
    return {
        "kept_confidence": list(VERIFIED_COMPUTE),
        "population": {
            "models": len(kept),
            "by_bloc": result.pop("by_bloc"),
            "dropped_by_confidence": dict(sorted(dropped.items())),
        },
        **result,
    }


def compute(ctx: Context) -> dict[str, Any]:
    # Snapshots built before compute confidence was carried have no such column: read it as unrated.
    columns = {r["column_name"] for r in ctx.store.rows("SELECT column_name FROM (DESCRIBE models)")}
    confidence = "m.training_compute_confidence" if "training_compute_confidence" in columns else "NULL::VARCHAR"
    rows = ctx.store.rows(
        f"""SELECT m.model_id, m.display_name AS model, m.countries, m.release_date, m.training_compute_flop AS flop,
                   {confidence} AS compute_confidence, max(s.value) AS eci, any_value(s.ref) AS ref
            FROM models m JOIN scores s USING (model_id)
            WHERE s.benchmark = 'eci' AND s.source_id = '{ECI_SOURCE}' AND m.training_compute_flop > 0
              AND coalesce(m.accessibility, '') <> 'unreleased'
            GROUP BY ALL ORDER BY m.release_date, m.model_id"""
    )
    points = []
    for r in rows:
        points.append(
            {
                "model": r["model"],
                "model_id": r["model_id"],
                "bloc": ctx.blocs.model_bloc(r["countries"] or []),
                "release_date": r["release_date"].isoformat() if r["release_date"] else None,
                "eci": round(r["eci"], 3),
                "log10_flop": round(math.log10(r["flop"]), 3),
                "compute_confidence": r["compute_confidence"],
                "ref": r["ref"],
            }
        )
    primary = fit_and_frontier(points)
    growth_rows = ctx.store.rows(
        "SELECT countries, release_date, training_compute_flop AS flop FROM models "
        "WHERE training_compute_flop > 0 AND release_date >= ? AND coalesce(accessibility, '') <> 'unreleased'",
        [GROWTH_SINCE],
    )
    growth_by_bloc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in growth_rows:
        growth_by_bloc[ctx.blocs.model_bloc(r["countries"] or [])].append((_year(r["release_date"]), math.log10(r["flop"])))
    budgets = load_table(TRAINING_BUDGETS)
    return {
        "population": {
            "models_with_eci_and_compute": len(points),
            "by_bloc": primary["by_bloc"],
            "by_compute_confidence": dict(sorted(Counter(p["compute_confidence"] or "not rated" for p in points).items())),
            "eci_source": ECI_SOURCE,
            "compute_source": "Epoch AI training-compute estimates (Notable AI Models and ECI files)",
        },
        "points": points,
        "frontier": primary["frontier"],
        "pooled_fit": primary["pooled_fit"],
        "efficiency_residual": primary["efficiency_residual"],
        "compute_gap": primary["compute_gap"],
        "sensitivity_verified_compute": verified_compute_sensitivity(points),
        "compute_growth": {
            b: g for b, ps in sorted(growth_by_bloc.items()) if b != UNKNOWN and (g := growth(ps)) is not None
        },
        "growth_since": GROWTH_SINCE.isoformat(),
        "disclosed_budgets": [
            {
                **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in b.items() if k != "_line"},
                "bloc": ctx.blocs.bloc(ctx.attribution.organizations[b["org_id"]].country),
            }
            for b in sorted(budgets, key=lambda b: (b["release_date"], b["model"]))
        ],
        "method": (
            "ECI against log10 training FLOP (Epoch estimates). Residual = ECI minus a pooled linear fit on log10 FLOP; a "
            "positive bloc mean is more capability than compute predicts. Δ(e) = log10 of the least compute a Chinese model "
            "needed to reach ECI e minus the US equivalent. Sensitivity: the same over Confident or Likely compute estimates "
            "only. Growth = OLS slope of log10 FLOP on release year, bootstrap 95% interval (2,000 resamples, seed 0)."
        ),
        "caveats": [
            "Training-compute figures are mostly Epoch estimates, some imputed from parameters and tokens; many models have none, and disclosure differs by country.",
            "Disclosed budgets are self-reported and usually cover the final run only (no ablations, research or hardware purchase).",
            "Efficiency here is per unit of final-run compute; distillation from other models' outputs and post-training can add capability without pre-training compute.",
            "Epoch's Confidence column rates the training-compute estimate, not the ECI score: every ECI score is kept, and "
            "the confidence matters only here. sensitivity_verified_compute repeats the fit, residuals, frontier and compute gap "
            "with only Confident or Likely compute estimates; its counts say what it drops. The newest frontier models "
            "(rated Unverified) have no compute estimate yet, so they are outside both populations.",
        ],
    }

