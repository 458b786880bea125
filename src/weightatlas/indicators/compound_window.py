"""R1 and the bans, one compound window: a daily event study on the balanced download panel.

DeepSeek-R1 came out on 2025-01-20 and the first government bans of DeepSeek
followed within days; the download histories end on 2025-02-18, 29 days after
R1. The two cannot be told apart in these data, so they are studied as ONE
window, never split, and the bans dated after the data end are listed as
outside it.

Design (``design = "daily_compound_window"``), every choice stated in the result:

* **Daily downloads**: the increment dated *d* is ``cumulative(d) - cumulative(d-1)``.
  The first non-zero cumulative value is the counter's start, not a day's
  downloads: that increment is never used (and, by the panel rule below, lies
  before every period used). A decrease is counted and read as 0.
* **Transition day**: the files do not state the hour of their counts, so the
  increment dated the window's first day may still hold the day before; it is
  left out, as the monthly ITS leaves out the event's month. Post period: the
  ``post_days`` increments after it (29 up to 2025-02-18).
* **Pre period**: the ``pre_days`` (28) increments before the window's first day;
  before that, a panel lead-in of ``baseline_days`` (28) more days inside the data, so the panel
  rule below leaves every repo's counter start well before the pre period.
* **Balanced panel**: repos whose counter had started on or before the day
  before that lead-in (2024-11-24 for the real window), so no repo enters or
  starts counting inside any period used: entry of new repos (R1 itself, its
  distills, V3) is not read as adoption. Their downloads are reported apart.
* **Groups**: first-party repos (roles ``first_party`` and
  ``first_party_outside_17``), not excluded: DeepSeek (org ``deepseek``), other
  Chinese first-party repos, and the rest (every other bloc). Repacks and
  individuals' repos are out of the panel (a repack's download is not its
  developer's distribution channel).
* **Statistic**: a treated group's share of the panel's daily first-party
  downloads, mean over the post days minus mean over the pre days (in share
  points, as a fraction). Given raw, robust (bursts removed) and leave-one-repo-out.
* **Bursts** (robust figure): the shared rule of
  :mod:`weightatlas.indicators.history_quality` (whole runs above k x the repo's
  own median before the run, the baseline frozen for the run), applied to each
  repo's whole history, so a plateau that began before the window stays flagged.
  A flagged repo-day counts at its run's frozen baseline (the excess is removed;
  the repo stays in the panel, so the denominator keeps its usual level).
* **Placebo**: the same statistic at every other window start with a full
  lead-in, pre and post period inside the data and a post period ending
  before the real window starts (each with its own balanced panel). The
  p-value is the share of placebo estimates at least as large in absolute value,
  counting the real one (so never zero), and one-sided in the direction of the
  real change (the share of placebo changes at least as far that way); the rank is the real estimate's place
  among them by absolute value. Placebo windows overlap one another, so they are
  not independent draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from weightatlas.indicators import history_quality as hq

DESIGN = "daily_compound_window"
WINDOW_START = date(2025, 1, 20)  # DeepSeek-R1 on the Hub
PRE_DAYS = 28
POST_DAYS = 29
BASELINE_DAYS = 28
TRANSITION_DAYS = 1
PANEL_ROLES = ("first_party", "first_party_outside_17")
TREATED = {"deepseek": "DeepSeek first-party repos", "china_other": "other Chinese first-party repos"}
CONTROL = "rest"
CONTROL_LABEL = "first-party repos of every other bloc (US, Europe, rest of world, unknown)"
MIN_PLACEBOS = 10
BOOTSTRAP_RESAMPLES = 1_000
BOOTSTRAP_SEED = 0
LLM_MODALITIES = ("llm",)  # the LLM-only figure: text LLMs (vision-language models are their own modality)


@dataclass(frozen=True)
class History:
    """Cumulative counts as a repos x days matrix, with each repo's group."""

    repo_ids: tuple[str, ...]
    groups: tuple[str, ...]  # "deepseek", "china_other", "rest"
    days: tuple[date, ...]  # consecutive days
    cumulative: np.ndarray  # int64, shape (repos, days)

    def daily(self) -> Daily:
        """Increments and burst runs under the shared rules (compute once, pass to every window)."""
        return _daily(self.cumulative)


@dataclass(frozen=True)
class Daily:
    """Column j of each matrix is the increment dated days[j+1]."""

    inc: np.ndarray  # float, decreases read as 0, nothing counted up to the counter start
    counter_start: np.ndarray  # day index of the first non-zero count (len(days) when never)
    decreases: int
    flagged: np.ndarray  # bool: inside a burst run (shared rule)
    robust: np.ndarray  # inc with flagged days at their run's frozen baseline
    runs: tuple[tuple[int, hq.Run], ...]  # (row, run in day indexes)


def _daily(cumulative: np.ndarray) -> Daily:
    inc_days, starts, decreases = hq.increments_matrix(cumulative)
    inc = inc_days[:, 1:].astype(float)
    flagged = np.zeros(inc.shape, dtype=bool)
    robust = inc.copy()
    runs = []
    for row in hq.screen_burst_candidates(inc_days, starts):
        for run in hq.burst_runs(inc_days[row], int(starts[row])):
            cols = slice(run.start - 1, run.end)
            flagged[row, cols] = True
            robust[row, cols] = run.baseline or 0.0
            runs.append((int(row), run))
    never = cumulative.shape[1]
    return Daily(inc, np.where(starts >= 0, starts, never), int(decreases.sum()), flagged, robust, tuple(runs))


def group_of(bloc: str | None, org_id: str | None) -> str:
    if org_id == "deepseek":
        return "deepseek"
    return "china_other" if bloc == "China" else CONTROL


def load_history(con: Any, *, modalities: Sequence[str] | None = None) -> tuple[History | None, dict[str, Any]]:
    """The panel-eligible repos from ``history_repos`` / ``download_history`` (None when the tables are empty or absent).

    ``modalities`` keeps only repos of those modalities (e.g. ``("llm",)``); None keeps all.
    """
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"history_repos", "download_history"} <= tables:
        return None, {"reason": "the snapshot has no download_history table"}
    roles = dict(con.execute("SELECT role, count(*) FROM history_repos GROUP BY role").fetchall())
    roles_in = f"role IN ({', '.join('?' for _ in PANEL_ROLES)})"
    params: list[Any] = list(PANEL_ROLES)
    if modalities is not None:
        roles_in += f" AND modality IN ({', '.join('?' for _ in modalities)})"
        params += list(modalities)
    repos = con.execute(f"SELECT repo_id, bloc, org_id FROM history_repos WHERE {roles_in} ORDER BY repo_id", params).fetchall()
    span = con.execute("SELECT min(day), max(day) FROM download_history").fetchone()
    if not repos or span is None or span[0] is None:
        return None, {"reason": "no first-party repo with a download history", "repos_by_role": roles}
    first, last = span
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    index = {r[0]: i for i, r in enumerate(repos)}
    cum = np.zeros((len(repos), len(days)), dtype=np.int64)
    rows = con.execute(
        f"""SELECT h.repo_id, h.day, h.cumulative FROM download_history h
            JOIN history_repos r USING (repo_id) WHERE r.{roles_in.replace(" AND modality", " AND r.modality")}""",
        params,
    ).fetchall()
    for repo_id, day, value in rows:
        cum[index[repo_id], (day - first).days] = value
    # A missing day would read as 0 and then as a huge jump: carry the last count forward instead.
    np.maximum.accumulate(cum, axis=1, out=cum)
    history = History(tuple(r[0] for r in repos), tuple(group_of(r[1], r[2]) for r in repos), days, cum)
    return history, {"repos_by_role": roles}


@dataclass(frozen=True)
class Periods:
    """Column indexes into the increment matrix (column j = the increment dated days[j+1])."""

    baseline: slice
    pre: slice
    post: slice
    panel_date: date  # counter started on or before this day


def periods(days: Sequence[date], start: date, *, pre_days: int, post_days: int, baseline_days: int) -> Periods | None:
    """The window's periods, or None when they do not fit inside the data."""
    s = (start - days[0]).days - 1  # increment column dated `start`
    post_first = s + TRANSITION_DAYS
    lo = s - pre_days - baseline_days
    if lo < 0 or post_first + post_days > len(days) - 1:
        return None
    return Periods(
        baseline=slice(lo, s - pre_days),
        pre=slice(s - pre_days, s),
        post=slice(post_first, post_first + post_days),
        panel_date=days[lo],  # the day before the first baseline increment
    )


def _shares(inc: np.ndarray, groups: np.ndarray, keep: np.ndarray, cols: slice) -> dict[str, np.ndarray]:
    """Each treated group's share of the panel's downloads, per day of ``cols``."""
    block = np.where(keep[:, cols], inc[:, cols], 0.0)
    total = block.sum(axis=0)
    safe = np.where(total > 0, total, np.nan)
    return {g: block[groups == g].sum(axis=0) / safe for g in TREATED}


def _change(inc: np.ndarray, groups: np.ndarray, keep: np.ndarray, p: Periods) -> dict[str, float | None]:
    pre, post = _shares(inc, groups, keep, p.pre), _shares(inc, groups, keep, p.post)
    out: dict[str, float | None] = {}
    for g in TREATED:
        a, b = np.nanmean(pre[g]) if np.isfinite(pre[g]).any() else np.nan, np.nanmean(post[g]) if np.isfinite(post[g]).any() else np.nan
        out[g] = None if np.isnan(a) or np.isnan(b) else float(b - a)
    return out


def bootstrap_change(
    inc: np.ndarray, groups: np.ndarray, p: Periods, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> dict[str, list[float] | None]:
    """Percentile 95% interval of each treated group's share change, resampling panel repos within each group.

    Each resample draws, within every group, as many repos as it has, with replacement (so group sizes stay
    fixed), and recomputes the statistic; one draw serves every group. Weights are repo counts, so a
    resample is a (resamples x repos) @ (repos x days) product.
    """
    rng = np.random.default_rng(seed)
    weights = np.zeros((resamples, len(groups)))
    for g in (*TREATED, CONTROL):
        members = np.flatnonzero(groups == g)
        if not len(members):
            continue
        draws = rng.integers(0, len(members), size=(resamples, len(members)))
        for r in range(resamples):
            weights[r, members] = np.bincount(draws[r], minlength=len(members))
    out: dict[str, list[float] | None] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        tot_pre, tot_post = weights @ inc[:, p.pre], weights @ inc[:, p.post]
        for g in TREATED:
            mask = groups == g
            if not mask.any():
                out[g] = None
                continue
            pre = (weights[:, mask] @ inc[mask, p.pre]) / np.where(tot_pre > 0, tot_pre, np.nan)
            post = (weights[:, mask] @ inc[mask, p.post]) / np.where(tot_post > 0, tot_post, np.nan)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a resample with an empty day: NaN, left out below
                change = np.nanmean(post, axis=1) - np.nanmean(pre, axis=1)
            change = change[np.isfinite(change)]
            out[g] = [round(float(v), 5) for v in np.quantile(change, [0.025, 0.975])] if len(change) else None
    return out


def estimate_window(history: History, start: date, *, pre_days: int = PRE_DAYS, post_days: int = POST_DAYS, baseline_days: int = BASELINE_DAYS, detail: bool = False, daily: Daily | None = None) -> dict[str, Any] | None:
    """The statistic for one window start (None when the periods do not fit or the panel is empty)."""
    p = periods(history.days, start, pre_days=pre_days, post_days=post_days, baseline_days=baseline_days)
    if p is None:
        return None
    daily = daily or history.daily()
    counter_start = daily.counter_start
    # Panel: the counter-start jump (column counter_start - 1) lies before the first baseline column.
    panel = counter_start - 1 < p.baseline.start
    if not panel.any():
        return None
    inc, robust_inc, groups = daily.inc[panel], daily.robust[panel], np.array(history.groups)[panel]
    ids = [r for r, keep in zip(history.repo_ids, panel, strict=True) if keep]
    everything = np.ones(inc.shape, dtype=bool)
    raw = _change(inc, groups, everything, p)
    # A flagged repo-day counts at its run's baseline: its excess goes, the repo stays in the panel.
    robust = _change(robust_inc, groups, everything, p)
    out: dict[str, Any] = {"window_start": start.isoformat(), "raw": raw, "robust": robust}
    if not detail:
        return out
    pre_share, post_share = _shares(inc, groups, everything, p.pre), _shares(inc, groups, everything, p.post)
    loo: dict[str, Any] = {}
    for g in TREATED:
        if raw[g] is None:
            loo[g] = None
            continue
        values = []
        for i in range(len(ids)):
            keep = everything.copy()
            keep[i] = False
            v = _change(inc, groups, keep, p)[g]
            if v is not None:
                values.append((v, ids[i]))
        lo, hi = min(values), max(values)
        swing = max(values, key=lambda x: abs(x[0] - raw[g]))
        loo[g] = {"min": round(lo[0], 5), "min_without": lo[1], "max": round(hi[0], 5), "max_without": hi[1], "most_influential_repo": swing[1], "without_it": round(swing[0], 5)}
    bootstrap = {"raw": bootstrap_change(inc, groups, p), "robust": bootstrap_change(robust_inc, groups, p)}
    flagged_runs = []
    rows = {int(r): k for k, r in enumerate(np.flatnonzero(panel))}
    lo_col, hi_col = p.pre.start, p.post.stop  # pre, transition and post columns
    for row, run in daily.runs:
        a, b = max(run.start - 1, lo_col), min(run.end, hi_col)  # the run's columns inside the periods
        if row not in rows or a >= b:
            continue
        flagged_runs.append(
            {
                "repo_id": history.repo_ids[row],
                "group": history.groups[row],
                "first": history.days[run.start].isoformat(),
                "last": history.days[run.end].isoformat(),
                "baseline_per_day": round(float(run.baseline or 0.0), 1),
                "days_in_periods": int(b - a),
                "downloads_in_periods": int(daily.inc[row, a:b].sum()),
            }
        )
    n = {g: int((groups == g).sum()) for g in (*TREATED, CONTROL)}

    def day(col: int) -> str:
        return history.days[col + 1].isoformat()

    out.update(
        {
            "periods": {
                "panel_lead_in": [day(p.baseline.start), day(p.baseline.stop - 1)],
                "pre": [day(p.pre.start), day(p.pre.stop - 1)],
                "transition": [day(p.pre.stop), day(p.post.start - 1)],
                "post": [day(p.post.start), day(p.post.stop - 1)],
            },
            "panel_date": p.panel_date.isoformat(),
            "panel_repos": n,
            "pre_mean_share": {g: round(float(np.nanmean(pre_share[g])), 5) for g in TREATED},
            "post_mean_share": {g: round(float(np.nanmean(post_share[g])), 5) for g in TREATED},
            "leave_one_out": loo,
            "bootstrap_ci95": bootstrap,
            "bootstrap": {
                "resamples": BOOTSTRAP_RESAMPLES,
                "seed": BOOTSTRAP_SEED,
                "rule": "percentile 95% interval; panel repos resampled with replacement within each group (DeepSeek, other Chinese, rest), group sizes fixed",
            },
            "flagged_runs": sorted(flagged_runs, key=lambda r: -r["downloads_in_periods"]),
            "burst_rule": hq.RULES["burst"],
            "decreases_read_as_zero": daily.decreases,
            "daily": [
                {"day": day(c), "period": period, **{g: (None if np.isnan(v[g][k]) else round(float(v[g][k]), 5)) for g in TREATED}}
                for period, cols, v in (("pre", p.pre, pre_share), ("post", p.post, post_share))
                for k, c in enumerate(range(cols.start, cols.stop))
            ],
        }
    )
    return out


def placebo_starts(days: Sequence[date], real: date, *, pre_days: int = PRE_DAYS, post_days: int = POST_DAYS, baseline_days: int = BASELINE_DAYS) -> list[date]:
    """Every start with full periods inside the data whose post period ends before the real window starts."""
    out = []
    for d in days:
        p = periods(days, d, pre_days=pre_days, post_days=post_days, baseline_days=baseline_days)
        if p is None or d == real:
            continue
        post_last = days[p.post.stop]  # the day of the last post increment
        if post_last < real:
            out.append(d)
    return out


def placebo_summary(real: float | None, values: Sequence[float], *, min_dates: int = MIN_PLACEBOS) -> dict[str, Any]:
    if real is None:
        return {"status": "no_estimate", "dates": len(values)}
    vals = sorted(values)
    if len(vals) < min_dates:
        return {"status": "too_few", "dates": len(vals), "reason": f"{len(vals)} placebo windows fit in the data (at least {min_dates} needed)"}
    as_large = sum(abs(v) >= abs(real) for v in vals)
    # One-sided, in the direction of the real change: a rise larger than every placebo rise can still have a
    # two-sided p far from 0 when placebo windows hold large falls; both are given.
    same_way = sum(v >= real for v in vals) if real >= 0 else sum(v <= real for v in vals)
    return {
        "status": "ok",
        "dates": len(vals),
        "p_value": round((1 + as_large) / (1 + len(vals)), 4),
        "p_value_one_sided": round((1 + same_way) / (1 + len(vals)), 4),
        "rank_by_size": 1 + as_large,  # 1 = larger in absolute value than every placebo
        "out_of": 1 + len(vals),
        "placebo_range95": [round(vals[int(0.025 * (len(vals) - 1))], 5), round(vals[int(round(0.975 * (len(vals) - 1)))], 5)],
        "placebo_min_max": [round(vals[0], 5), round(vals[-1], 5)],
    }


def study(history: History, *, start: date = WINDOW_START, pre_days: int = PRE_DAYS, post_days: int = POST_DAYS, baseline_days: int = BASELINE_DAYS) -> dict[str, Any]:
    """The real window's estimate with its placebo distribution (raw and robust), or why there is none."""
    kw = {"pre_days": pre_days, "post_days": post_days, "baseline_days": baseline_days}
    daily = history.daily()
    real = estimate_window(history, start, detail=True, daily=daily, **kw)
    if real is None:
        return {"status": "no_estimate", "reason": f"the window starting {start} does not fit in the data ({history.days[0]} to {history.days[-1]}) with {baseline_days}+{pre_days} days before and {post_days} after, or no repo had started counting by then"}
    placebos = [e for d in placebo_starts(history.days, start, **kw) if (e := estimate_window(history, d, daily=daily, **kw)) is not None]
    real["placebo"] = {
        kind: {
            g: {
                **placebo_summary(real[kind][g], [e[kind][g] for e in placebos if e[kind][g] is not None]),
                "estimates": [{"window_start": e["window_start"], "value": round(e[kind][g], 5)} for e in placebos if e[kind][g] is not None],
            }
            for g in TREATED
        }
        for kind in ("raw", "robust")
    }
    for kind in ("raw", "robust"):
        real[kind] = {g: (None if v is None else round(v, 5)) for g, v in real[kind].items()}
    return {"status": "estimated", **real}


def entrants(history: History, real: dict[str, Any], daily: Daily | None = None) -> dict[str, Any]:
    """Downloads in the post period of first-party repos outside the panel (started counting too late), by group."""
    if real.get("status") != "estimated":
        return {}
    first, last = (date.fromisoformat(x) for x in real["periods"]["post"])
    a, b = (first - history.days[0]).days - 1, (last - history.days[0]).days
    daily = daily or history.daily()
    inc, counter_start = daily.inc, daily.counter_start
    panel_date = date.fromisoformat(real["panel_date"])
    late = counter_start > (panel_date - history.days[0]).days
    groups = np.array(history.groups)
    # The counter-start increment of an entrant is not a day's downloads: leave it out.
    cols = np.arange(inc.shape[1])
    usable = (cols[None, :] >= counter_start[:, None]) & (cols[None, :] >= a) & (cols[None, :] < b)
    block = np.where(usable, inc, 0.0)
    out = {}
    for g in (*TREATED, CONTROL):
        in_panel = block[(groups == g) & ~late].sum()
        new = block[(groups == g) & late].sum()
        out[g] = {"entrant_repos": int(((groups == g) & late).sum()), "entrant_downloads": int(new), "panel_downloads": int(in_panel), "entrant_share_of_group": round(float(new / (new + in_panel)), 4) if new + in_panel else None}
    return out


def ban_events(events: Sequence[dict[str, Any]], window: dict[str, Any]) -> dict[str, Any]:
    """Device and app bans (from the curated log) dated inside the compound window and after the data end."""
    if window.get("status") != "estimated":
        return {}
    first, last = WINDOW_START, date.fromisoformat(window["periods"]["post"][1])
    bans = [e for e in events if e["instrument_type"] in ("device_ban", "app_ban") and e["date"] >= first]
    def row(e: dict[str, Any]) -> dict[str, Any]:
        return {"id": e["id"], "date": e["date"].isoformat(), "date_precision": e.get("date_precision", "day"), "jurisdiction": e["jurisdiction"]}

    return {"inside_window": [row(e) for e in bans if e["date"] <= last], "after_data_end": [row(e) for e in bans if e["date"] > last]}


METHOD = (
    f"Daily compound window starting {WINDOW_START} (DeepSeek-R1), containing the first government bans of DeepSeek; not split "
    "(the download histories end 29 days after R1). Daily downloads = day-on-day change of the all-time cumulative count "
    "(the counter's first non-zero value is its start, not a day's downloads; decreases read as 0). The increment dated the "
    f"window's first day is a transition day and left out. Pre period: the {PRE_DAYS} days before; post period: the "
    f"{POST_DAYS} days after the transition day. Balanced panel: first-party repos (the 17 organisations' own and developers' "
    "own repos outside them; repacks, individuals' repos and excluded CI/mirror repos left out) whose counter had started "
    f"on or before the day before the {BASELINE_DAYS} days that precede the pre period (2024-11-24 for the real window). Statistic: DeepSeek's (and other Chinese developers') share of the panel's "
    "daily downloads, post-period mean minus pre-period mean, against the rest of the panel. Robust: burst runs flagged by "
    "the shared rule (" + hq.RULES["burst"] + ") count at their run's frozen baseline. Leave-one-repo-out: the range when any "
    "single panel repo is removed. Bootstrap: a percentile 95% interval from 1,000 resamples of panel repos within each group. Placebo: the same statistic at every other window start whose periods fit in the data "
    f"and whose post period ends before {WINDOW_START}, each on its own balanced panel; p = share of placebo estimates at "
    "least as large in absolute value, counting the real one."
)

CAVEATS = [
    "One compound window: R1's release, its app's surge and the first government bans (and the US executive orders of the "
    "same days) fall inside it; the estimate cannot attribute any change to one of them, and the bans dated after the data "
    "end (2025-02-18) are outside it.",
    "The controls are themselves touched: R1 was distilled into Qwen and Llama bases, so Qwen (other Chinese) and Meta "
    "(rest) repos may have gained from R1 too, which shrinks DeepSeek's measured share change and makes the other-Chinese "
    "change hard to read as a spillover or a substitute.",
    "The balanced panel leaves out repos that started counting later, among them R1 and its distills themselves: the "
    "statistic asks whether existing repos' downloads shifted, not how much R1 was downloaded (entrants' downloads are "
    "given apart).",
    "Placebo windows overlap one another and come from five months of one cohort (July 2024 to January 2025, with "
    "DeepSeek-V3 and other releases inside); the p-value says how unusual the change is among those months, not a "
    "sampling probability.",
    "It sees the Hugging Face Hub only: mainland use through ModelScope and mirrors is not in the data; downloads include "
    "automated pulls (CI, mirrors), which the burst rule and the leave-one-out range only partly catch.",
]
