"""New fine-tunes over time per base model (``indicators.adoption.finetune_history``).

Input: the snapshot table ``finetune_history`` (KBhandari11 cohort: per base model created
2022-03 to 2025-02, the cumulative number of fine-tunes ``months_after`` x 30 days after the
base's creation — the file's ``0-month`` column is the count on the creation day — right-censored
at 2025-02-18). New fine-tunes in window m = cumulative(m) - cumulative(m-1), the window covering
days (30(m-1), 30m] after creation; m = 0 is the creation day itself (cumulative(0), almost always
0). Each window is **assigned to the calendar month in which it ends** (created_at + 30m days). Figures by the base's bloc,
family and modality, raw and robust: a swarm (an automated burst of fine-tunes on one base) is
flagged with the burst rule of :mod:`history_quality`, applied to each base's windows (baseline:
median of the ``SWARM_BASELINE_WINDOWS`` windows before, frozen; threshold ``SWARM_K`` x
max(baseline, ``SWARM_MIN_BASELINE``)), and removed in the robust share. The first month of a run
of at least ``RUN_MONTHS`` consecutive calendar months with China's share above 25% and above 50%
is given, if any, else "not within the data" for the population stated.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from weightatlas.indicators import history_quality as hq
from weightatlas.indicators.download_history import BLOCS, HUB_ONLY, LLM_MODALITIES

SWARM_K = 10.0
SWARM_BASELINE_WINDOWS = 6
SWARM_MIN_BASELINE = 100.0
SWARM_MIN_HISTORY = 3
RUN_MONTHS = 3
THRESHOLDS = (0.25, 0.50)
DATA_DATE = date(2025, 2, 18)  # the cohort was chosen and counted on this day (right-censoring)
SOURCE = "KBhandari11/ForecastHuggingFaceModels, data/2025-02-18/finetune (cumulative fine-tunes per 30-day window after each base's creation)"
POPULATION = "base models of the KBhandari11 fine-tune cohort (17 organisations; bases created 2022-03 to 2025-02), right-censored at 2025-02-18"


def compute_from(
    con: duckdb.DuckDBPyConnection, *, blocs: tuple[str, ...] = BLOCS, org_blocs: dict[str, str] | None = None
) -> dict[str, Any]:
    rows = con.execute(
        """SELECT base_repo, bloc, coalesce(family, org_id, '(none)') AS family, modality, created_at, months_after, cumulative, org_id
           FROM finetune_history ORDER BY base_repo, months_after"""
    ).fetchall()
    if org_blocs:  # re-derived under the bloc map in use; organisations it lacks keep the stored bloc
        rows = [(r[0], org_blocs.get(r[7], r[1]), *r[2:]) for r in rows]
    out: dict[str, Any] = {
        "available": bool(rows),
        "source": SOURCE,
        "population": POPULATION,
        "assignment": (
            "window m covers days (30(m-1), 30m] after the base's creation (m = 0: the creation day) and is assigned to the "
            "calendar month in which it ends, created_at + 30m days"
        ),
        "rules": {
            "new_fine_tunes": "cumulative(m) - cumulative(m-1); window 0: cumulative(0); a decrease is flagged and counted as 0",
            "swarm": (
                f"a run of windows above {SWARM_K:g} x max(baseline, {SWARM_MIN_BASELINE:g}); baseline = median of the "
                f"{SWARM_BASELINE_WINDOWS} windows before the run (at least {SWARM_MIN_HISTORY}), frozen for the run"
            ),
            "china_share_run": f"first month of a run of at least {RUN_MONTHS} consecutive calendar months with China's share of new fine-tunes above the threshold (robust shares)",
        },
        "caveats": [
            HUB_ONLY,
            "Fine-tunes counted are those declaring the base on the Hub; base_model is 'Original' for every base (no lineage beyond one step).",
            "Months near 2025-02 hold only the windows of bases old enough to have ended them (right-censoring).",
            f"A window that ends after the data date ({DATA_DATE.isoformat()}) is partial: it is kept, counted in the month it "
            "would end, and listed under quality.partial_windows with the days it had been observed.",
        ],
    }
    if not rows:
        return out
    events = []  # (base, bloc, family, modality, month, new, flagged)
    flagged_runs, decreases, partial = [], [], []
    by_base: dict[str, list[tuple]] = {}
    for r in rows:
        by_base.setdefault(r[0], []).append(r)
    for base, base_rows in by_base.items():
        cum = [r[6] for r in base_rows]
        new = np.diff(np.asarray([0, *cum], dtype=np.int64))
        for i in np.flatnonzero(new < 0):
            decreases.append({"base_repo": base, "months_after": int(base_rows[i][5]), "drop": int(-new[i])})
        new[new < 0] = 0
        # A swarm needs a window above k x the floor: bases without one need no baselines (exact screen).
        runs = (
            hq.burst_runs(new, -1, k=SWARM_K, baseline_days=SWARM_BASELINE_WINDOWS, min_baseline=SWARM_MIN_BASELINE, min_history=SWARM_MIN_HISTORY)
            if len(new) and new.max() > SWARM_K * SWARM_MIN_BASELINE
            else []
        )
        flag = np.zeros(len(new), dtype=bool)
        for run in runs:
            flag[run.start : run.end + 1] = True
        for i, r in enumerate(base_rows):
            end = _window_end(r[4], r[5])
            if end > DATA_DATE and r[5] > 0:
                observed = 30 - (end - DATA_DATE).days
                partial.append({"base_repo": base, "months_after": int(r[5]), "window_end": end.isoformat(), "days_observed": observed, "new": int(new[i])})
            events.append((base, r[1] or "Unknown", r[2], r[3], f"{end.year}-{end.month:02d}", int(new[i]), bool(flag[i])))
        for run in runs:
            flagged_runs.append(
                {"base_repo": base, "first_window": int(base_rows[run.start][5]), "last_window": int(base_rows[run.end][5]),
                 "first_month": events[-len(base_rows) + run.start][4], "windows": run.days, "fine_tunes": run.total,
                 "baseline": round(run.baseline or 0.0, 1)}
            )
    out["quality"] = {"bases": len(by_base), "flagged_runs": sorted(flagged_runs, key=lambda r: -r["fine_tunes"]), "decreases": decreases, "partial_windows": partial}
    out["variants"] = {
        "all_modalities": _variant(events, blocs),
        "llm_only": _variant([e for e in events if e[3] in LLM_MODALITIES], blocs),
    }
    mod: dict[tuple[str, str], int] = {}
    for e in events:
        mod[(e[3], e[1])] = mod.get((e[3], e[1]), 0) + e[5]
    out["by_modality"] = [{"modality": m, "bloc": b, "new": n} for (m, b), n in sorted(mod.items())]
    return out


def _window_end(created: date, months_after: int) -> date:
    # The same convention as the adapter (weightatlas.sources.hf_finetune_history.window_end): the 0-month column is the creation day.
    return created + timedelta(days=30 * months_after)


def _variant(events: list[tuple], blocs: tuple[str, ...]) -> dict[str, Any]:
    by_month: dict[str, list[tuple]] = {}
    for e in events:
        by_month.setdefault(e[4], []).append(e)
    bases = {e[0] for e in events}
    monthly = []
    for month in sorted(by_month):
        evs = by_month[month]
        total = sum(e[5] for e in evs)
        total_rob = sum(e[5] for e in evs if not e[6])
        by_bloc = {}
        repos = sorted({e[0] for e in evs})
        per_repo = {r: 0.0 for r in repos}
        for e in evs:
            per_repo[e[0]] += e[5]
        repo_bloc = {e[0]: e[1] for e in evs}
        totals = np.array([per_repo[r] for r in repos])
        for b in blocs:
            new = sum(e[5] for e in evs if e[1] == b)
            new_rob = sum(e[5] for e in evs if e[1] == b and not e[6])
            mask = np.array([repo_bloc[r] == b for r in repos])
            loo, idx = hq.leave_one_out(mask, totals)
            by_bloc[b] = {"new": new, "new_robust": new_rob, "share": hq.share(new, total), "share_robust": hq.share(new_rob, total_rob),
                          "share_loo": loo, "loo_dropped": repos[idx] if idx is not None else None}
        monthly.append({"period": month, "bases": len(repos), "total": total, "total_robust": total_rob, "by_bloc": by_bloc})
    fam: dict[tuple[str, str], list[int]] = {}
    for e in events:
        acc = fam.setdefault((e[2], e[1]), [0, 0])
        acc[0] += e[5]
        acc[1] += 0 if e[6] else e[5]
    by_family = sorted(({"family": f, "bloc": b, "new": v[0], "new_robust": v[1]} for (f, b), v in fam.items()), key=lambda r: -r["new"])
    return {
        "bases": len(bases),
        "monthly": monthly,
        "by_family": by_family,
        "china_share_runs": {f"above_{round(t * 100)}": _first_run(monthly, t, len(bases)) for t in THRESHOLDS},
    }


def _first_run(monthly: list[dict[str, Any]], threshold: float, bases: int) -> dict[str, Any]:
    share = {m["period"]: m["by_bloc"].get("China", {}).get("share_robust") for m in monthly}
    run: list[str] = []
    prev = None
    for month in sorted(share):
        value = share[month]
        consecutive = prev is not None and _next_month(prev) == month
        if value is not None and value > threshold:
            run = [*run, month] if (run and consecutive) else [month]
            if len(run) >= RUN_MONTHS:
                return {"first_month": run[0], "statement": f"China's robust share of new fine-tunes first stayed above {threshold:.0%} for {RUN_MONTHS}+ consecutive months from {run[0]}, among the {bases} bases in the data"}
        else:
            run = []
        prev = month
    span = f"{min(share)} to {max(share)}" if share else "no months"
    return {"first_month": None, "statement": f"not within the data: no run of {RUN_MONTHS}+ months above {threshold:.0%} among the {bases} bases in the data ({span})"}


def _next_month(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"{y + (m == 12)}-{m % 12 + 1:02d}"
