"""Frontier, gap and catch-up arithmetic on dated scores (methods.md §3).

Pure functions over :class:`Obs` (one score of one model version, with its
release date and group). No I/O here, so every rule can be tested on hand-made
cases with known answers.

Definitions:

* Frontier of group G at time t: ``F_G(t) = max{s_m : m in G, r_m <= t}``.
* Gap at t between a reference group R (e.g. the US) and a challenger C (China):
  ``leader`` is the group with the higher frontier, ``points = |F_R - F_C|``, and
  ``percent = points / frontier of the trailing group * 100``. ``reference_minus_challenger``
  keeps the sign (positive: the reference group leads).
* Record: a challenger model scoring strictly above every earlier challenger model
  (on a shared day only the day's best counts).
* Catch-up lag of a record m: ``(r_m - tau_R(s_m)) / 30.44`` months, where
  ``tau_R(e)`` is the first release date of a reference model scoring >= e (+ delta).
  Lag <= 0 means the challenger got there first (a lead of -lag). No reference model
  at that level yet: the record is *open*, a right-censored lead of at least
  ``(as_of - r_m)``.
* Months behind at month end t: ``(t - tau_R(F_C(t))) / 30.44`` (Epoch's series form).
* Horizontal gap (Epoch's open-vs-closed method): for each score level e on a grid, the
  challenger line's first date at e minus the reference line's, averaged over levels.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

DAYS_PER_MONTH = 30.44  # the unit; methods.md's 30.436875 differs by < 0.01%


@dataclass(frozen=True)
class Obs:
    model_id: str
    model: str  # display name
    release_date: date
    score: float
    ref: str  # source row
    variant: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class FrontierPoint:
    month: str
    group: str
    score: float
    model: str
    model_id: str
    release_date: str
    ref: str
    n_models: int  # distinct models of the group released by then


@dataclass(frozen=True)
class GapPoint:
    month: str
    leader: str
    trailing: str
    points: float
    percent: float | None
    reference_minus_challenger: float
    signed_percent: float | None  # percent with the sign of reference_minus_challenger


@dataclass(frozen=True)
class CatchUpEvent:
    model: str
    model_id: str
    release_date: str
    score: float
    ref: str
    matched_by: dict[str, str | float] | None
    lag_months: float | None
    status: str  # "behind", "lead" (challenger first), "open" (not yet matched)
    censored_lead_months: float | None = None
    in_window: bool = True


@dataclass
class CatchUp:
    events: list[CatchUpEvent]
    open: list[CatchUpEvent]
    mean_lag_months: float | None
    median_lag_months: float | None
    min_lag_months: float | None
    max_lag_months: float | None
    n_records: int
    n_matched: int
    n_open: int
    window_start: str | None
    delta: float
    months_behind: list[dict[str, object]] = field(default_factory=list)


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def month_ends(start: date, end: date) -> list[date]:
    """Month-end dates from ``start``'s month to ``end``'s month inclusive."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def months_between(later: date, earlier: date) -> float:
    return round((later - earlier).days / DAYS_PER_MONTH, 2)


def next_month(d: date) -> date:
    """The first day of the month after ``d``'s."""
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def quarter(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def best(obs: Iterable[Obs], t: date) -> Obs | None:
    """The frontier model at ``t``: highest score released on or before t (earliest on ties)."""
    top: Obs | None = None
    for o in obs:
        if o.release_date <= t and (top is None or (o.score, -o.release_date.toordinal()) > (top.score, -top.release_date.toordinal())):
            top = o
    return top


def frontier(groups: dict[str, Sequence[Obs]], months: Sequence[date]) -> list[FrontierPoint]:
    points = []
    for t in months:
        for group, obs in groups.items():
            top = best(obs, t)
            if top is None:
                continue
            n = len({o.model_id for o in obs if o.release_date <= t})
            points.append(
                FrontierPoint(t.strftime("%Y-%m"), group, round(top.score, 4), top.model, top.model_id, top.release_date.isoformat(), top.ref, n)
            )
    return points


def gap(reference: str, ref_score: float, challenger: str, ch_score: float, month: str) -> GapPoint:
    diff = ref_score - ch_score
    leader, trailing, trail_score = (reference, challenger, ch_score) if diff >= 0 else (challenger, reference, ref_score)
    points = abs(diff)
    percent = round(points / trail_score * 100, 3) if trail_score > 0 else None
    signed = None if percent is None else (percent if diff >= 0 else -percent)
    return GapPoint(month, leader, trailing, round(points, 4), percent, round(diff, 4), signed)


def gaps(reference: str, ref_obs: Sequence[Obs], challenger: str, ch_obs: Sequence[Obs], months: Sequence[date]) -> list[GapPoint]:
    out = []
    for t in months:
        r, c = best(ref_obs, t), best(ch_obs, t)
        if r is not None and c is not None:
            out.append(gap(reference, r.score, challenger, c.score, t.strftime("%Y-%m")))
    return out


def records(obs: Iterable[Obs]) -> list[Obs]:
    """Record-setting observations in release order (strictly above all earlier days)."""
    by_day: dict[date, Obs] = {}
    for o in obs:
        cur = by_day.get(o.release_date)
        if cur is None or o.score > cur.score:
            by_day[o.release_date] = o
    out, top = [], float("-inf")
    for day in sorted(by_day):
        o = by_day[day]
        if o.score > top:
            out.append(o)
            top = o.score
    return out


def first_reaching(obs: Iterable[Obs], level: float) -> Obs | None:
    """The earliest-released observation scoring >= level (highest score on a shared day)."""
    hit: Obs | None = None
    for o in obs:
        if o.score >= level and (hit is None or (o.release_date, -o.score) < (hit.release_date, -hit.score)):
            hit = o
    return hit


def catch_up(
    challenger: Sequence[Obs],
    reference: Sequence[Obs],
    as_of: date,
    *,
    delta: float = 0.0,
    window_start: date | None = None,
    with_series: bool = True,
) -> CatchUp:
    """Per-record lags of the challenger behind the reference group, plus the monthly series."""
    events: list[CatchUpEvent] = []
    opens: list[CatchUpEvent] = []
    for rec in records(challenger):
        in_window = window_start is None or rec.release_date >= window_start
        hit = first_reaching(reference, rec.score + delta)
        base = dict(model=rec.model, model_id=rec.model_id, release_date=rec.release_date.isoformat(), score=round(rec.score, 4), ref=rec.ref, in_window=in_window)
        if hit is None:
            opens.append(CatchUpEvent(**base, matched_by=None, lag_months=None, status="open", censored_lead_months=months_between(as_of, rec.release_date)))  # type: ignore[arg-type]
            continue
        lag = months_between(rec.release_date, hit.release_date)
        matched = {"model": hit.model, "model_id": hit.model_id, "release_date": hit.release_date.isoformat(), "score": round(hit.score, 4), "ref": hit.ref}
        events.append(CatchUpEvent(**base, matched_by=matched, lag_months=lag, status="behind" if lag > 0 else "lead"))  # type: ignore[arg-type]
    result = _summarize(events, opens, window_start, delta)
    if with_series and challenger:
        start = max(min(o.release_date for o in challenger), window_start or date.min)
        result.months_behind = months_behind(challenger, reference, month_ends(start, as_of), delta=delta)
    return result


def _summarize(events: list[CatchUpEvent], opens: list[CatchUpEvent], window_start: date | None, delta: float) -> CatchUp:
    lags = [e.lag_months for e in events if e.in_window and e.lag_months is not None]
    return CatchUp(
        events=events,
        open=opens,
        mean_lag_months=round(statistics.fmean(lags), 2) if lags else None,
        median_lag_months=round(statistics.median(lags), 2) if lags else None,
        min_lag_months=min(lags) if lags else None,
        max_lag_months=max(lags) if lags else None,
        n_records=sum(1 for e in [*events, *opens] if e.in_window),
        n_matched=len(lags),
        n_open=sum(1 for e in opens if e.in_window),
        window_start=window_start.isoformat() if window_start else None,
        delta=delta,
    )


def time_to_parity(leader: Sequence[Obs], follower: Sequence[Obs], as_of: date, *, window_start: date | None = None) -> CatchUp:
    """The inverse view: for each record of ``leader``, months until ``follower`` first matched it.

    Positive lag: the follower got there later (status "matched_later"); negative: it was
    there first. Records never matched are open, waiting at least ``as_of - release``.
    """
    forward = catch_up(leader, follower, as_of, window_start=window_start, with_series=False)
    events = [
        replace(e, lag_months=-e.lag_months if e.lag_months else 0.0, status="matched_later" if (e.lag_months or 0) < 0 else "matched_first")
        for e in forward.events
    ]
    opens = [replace(e, status="not_matched") for e in forward.open]
    return _summarize(events, opens, window_start, 0.0)


def months_behind(challenger: Sequence[Obs], reference: Sequence[Obs], months: Sequence[date], *, delta: float = 0.0) -> list[dict[str, object]]:
    """For each month end t: the challenger's best so far, and how far behind the reference it is."""
    out: list[dict[str, object]] = []
    for t in months:
        top = best(challenger, t)
        if top is None:
            continue
        hit = first_reaching(reference, top.score + delta)
        row: dict[str, object] = {"month": t.strftime("%Y-%m"), "score": round(top.score, 4), "model": top.model}
        if hit is None:
            row.update(first_match_date=None, months_behind=None, censored=True)
        else:
            row.update(first_match_date=hit.release_date.isoformat(), matched_model=hit.model, months_behind=months_between(t, hit.release_date), censored=False)
        out.append(row)
    return out


def horizontal_gap(
    challenger: Sequence[Obs],
    reference: Sequence[Obs],
    *,
    window: tuple[date, date] | None = None,
    step: float = 0.1,
) -> dict[str, object]:
    """Epoch's "horizontal" open-vs-closed time gap: the time distance between two frontier lines, averaged over score levels.

    Levels run on a grid (midpoints of ``step``-wide bins) from the higher of the two
    lines' first scores up to the challenger's best. At each level e the lag is
    ``first_challenger(e) - first_reference(e)`` in months (negative: the challenger got
    there first). Levels the reference has not reached are censored: counted, never
    averaged. ``window`` keeps the levels the challenger line first reached inside it.
    """
    empty: dict[str, object] = {"mean_lag_months": None, "median_lag_months": None, "n_levels": 0, "n_censored_levels": 0, "eci_range": None, "step": step, "challenger_models": []}
    if not challenger or not reference:
        return empty

    def first_score(obs: Sequence[Obs]) -> float:  # where a frontier line starts: its first day's best
        return max(obs, key=lambda o: (-o.release_date.toordinal(), o.score)).score

    low = max(first_score(challenger), first_score(reference))
    high = max(o.score for o in challenger)
    lags: list[float] = []
    censored = 0
    models: dict[str, None] = {}  # challenger models whose records the averaged levels come from, in order
    i = 0
    while (level := low + (i + 0.5) * step) < high:
        i += 1
        ch = first_reaching(challenger, level)
        assert ch is not None  # level < the challenger's best
        if window is not None and not (window[0] <= ch.release_date <= window[1]):
            continue
        models[ch.model] = None
        rf = first_reaching(reference, level)
        if rf is None:
            censored += 1
            continue
        lags.append((ch.release_date - rf.release_date).days / DAYS_PER_MONTH)
    if not lags and not censored:
        return empty
    return {
        "mean_lag_months": round(statistics.fmean(lags), 2) if lags else None,
        "median_lag_months": round(statistics.median(lags), 2) if lags else None,
        "n_levels": len(lags) + censored,
        "n_censored_levels": censored,
        "eci_range": [round(low, 2), round(high, 2)],
        "step": step,
        "challenger_models": list(models),
    }
