"""Capability gap: Chinese vs US frontier, open vs closed, on independent benchmarks over time.

One *series* per benchmark and kind of score. Independent (third-party) scores
and self-reported scores are never mixed: self-reported series get the id
``<benchmark>.self_reported``. Within a series all scores come from one source
(and, for independent scores, one metric version): the one covering the most
models. Other sources of the same benchmark are named in the series caveats.

Two kinds of benchmark (``comparison`` in ``benchmarks.csv``):

* ``release``: static test sets (ECI, GPQA Diamond, ...). The frontier of a group
  at month end t is the best score of a model released on or before t.
* ``snapshot``: leaderboards re-estimated at every snapshot (LMArena, LiveBench).
  Groups are compared only within one snapshot; the monthly frontier is the top
  rating in the month's last snapshot, never a running maximum across snapshots.
  Catch-up lags are computed within the latest snapshot, using release dates.

Each series carries the bloc cut (China vs United States, frontier for every
bloc) and the cuts open vs closed, China open-weight vs US closed, and US open
vs US closed. A series is published when both China and the US have at least
``min_models_per_bloc`` dated models in it; the others are listed in
``_meta.excluded_series`` with the reason.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weightatlas.attribution import CHINA, UNITED_STATES, UNKNOWN
from weightatlas.curated import BENCHMARKS, load_table
from weightatlas.indicators.frontier import (
    DAYS_PER_MONTH,
    CatchUp,
    FrontierPoint,
    GapPoint,
    Obs,
    catch_up,
    frontier,
    gap,
    gaps,
    horizontal_gap,
    month_end,
    month_ends,
    time_to_parity,
)
from weightatlas.sources import ADAPTERS

if TYPE_CHECKING:
    from weightatlas.indicators import Context

WINDOW_START = date(2023, 1, 1)  # catch-up summaries cover records released from here on
OPEN, CLOSED = "Open weights", "Closed"


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: str
    unit: str
    comparison: str  # "release" or "snapshot"
    min_models_per_bloc: int
    description: str
    url: str
    primary_source: str | None  # pins the series' source; else the source covering most models


@dataclass(frozen=True)
class ScoredModel:
    """A score joined with its model's attribution (one row of the series)."""

    obs: Obs
    bloc: str
    access: str  # OPEN, CLOSED or "unknown"
    source_id: str
    snapshot_date: date
    metric_version: str
    multi_country: bool


@dataclass(frozen=True)
class Cut:
    id: str
    title: str
    challenger: str
    reference: str
    challenger_of: Callable[[ScoredModel], bool]
    reference_of: Callable[[ScoredModel], bool]


CUTS = (
    Cut("open_vs_closed", "Open-weight vs closed models", OPEN, CLOSED, lambda s: s.access == OPEN, lambda s: s.access == CLOSED),
    Cut(
        "cn_open_vs_us_closed",
        "Chinese open-weight vs US closed models",
        "China open weights",
        "US closed",
        lambda s: s.bloc == CHINA and s.access == OPEN,
        lambda s: s.bloc == UNITED_STATES and s.access == CLOSED,
    ),
    Cut(
        "us_open_vs_us_closed",
        "US open-weight vs US closed models",
        "US open weights",
        "US closed",
        lambda s: s.bloc == UNITED_STATES and s.access == OPEN,
        lambda s: s.bloc == UNITED_STATES and s.access == CLOSED,
    ),
)


def load_benchmarks(path: Path | None = None) -> dict[str, Benchmark]:
    """The tracked benchmarks (``benchmarks.csv``), validated by its table spec."""
    return {
        r["id"]: Benchmark(r["id"], r["name"], r["unit"], r["comparison"], r["min_models_per_bloc"], r["description"] or "", r["url"], r["primary_source"])
        for r in load_table(BENCHMARKS, path)
    }


def compute(ctx: Context) -> dict[str, Any]:
    benchmarks = load_benchmarks()
    sources = {s["id"]: s for s in ctx.store.manifest["sources"]}
    rows = ctx.store.rows(
        """
        SELECT s.*, m.display_name, m.countries, m.accessibility
        FROM scores s JOIN models m USING (model_id)
        ORDER BY s.benchmark, s.source_id, s.snapshot_date, s.ref
        """
    )
    by_bench: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_bench[r["benchmark"]].append(r)

    out: dict[str, Any] = {}
    excluded: list[dict[str, Any]] = []
    for bench in benchmarks.values():
        for independent in (True, False):
            candidates = [r for r in by_bench.get(bench.id, []) if r["independent"] == independent]
            if not candidates:
                continue
            series_id = bench.id if independent else f"{bench.id}.self_reported"
            chosen, alternates = _select(candidates, bench, independent)
            scored, excluded_counts = _scored(chosen, ctx)
            series = _series(series_id, bench, independent, scored, excluded_counts, alternates, sources, ctx)
            if series is None:
                counts = Counter(s.bloc for s in _latest_view(scored, bench))
                excluded.append(
                    {
                        "series": series_id,
                        "reason": f"fewer than {bench.min_models_per_bloc} dated models in China or the US",
                        "models_by_bloc": {CHINA: counts.get(CHINA, 0), UNITED_STATES: counts.get(UNITED_STATES, 0)},
                    }
                )
                continue
            out[series_id] = series
    out["_meta"] = {"excluded_series": excluded, "window_start": WINDOW_START.isoformat(), "days_per_month": DAYS_PER_MONTH}
    return out


def _select(rows: list[dict[str, Any]], bench: Benchmark, independent: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Pick the rows of one series: one source (and one metric version for independent scores)."""
    if bench.comparison == "snapshot":
        return rows, []
    priority = {s: i for i, s in enumerate(ADAPTERS)}
    key: Callable[[dict[str, Any]], tuple[str, ...]] = (
        (lambda r: (r["source_id"], r["metric_version"])) if independent else (lambda r: (r["source_id"],))
    )
    models: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for r in rows:
        models[key(r)].add(r["model_id"])
    pinned = [k for k in models if k[0] == bench.primary_source]
    best = min(pinned or models, key=lambda k: (-len(models[k]), priority.get(k[0], 99), k))
    alternates = sorted({" / ".join(k) + f" ({len(v)} models)" for k, v in models.items() if k != best})
    return [r for r in rows if key(r) == best], alternates


def _scored(rows: list[dict[str, Any]], ctx: Context) -> tuple[list[ScoredModel], Counter[str]]:
    excluded: Counter[str] = Counter()
    out = []
    for r in rows:
        if r["accessibility"] == "unreleased":
            excluded["unreleased"] += 1
            continue
        if r["release_date"] is None:
            excluded["no_release_date"] += 1
            # Snapshot leaderboards still compare undated models within a snapshot.
        access = OPEN if r["accessibility"] == "open" else CLOSED if r["accessibility"] in ("api", "hosted") else "unknown"
        countries = r["countries"] or []
        obs = Obs(
            model_id=r["model_id"],
            model=r["display_name"],
            release_date=r["release_date"] or date.max,
            score=r["value"],
            ref=r["ref"],
            variant=r["variant"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
        )
        out.append(
            ScoredModel(obs, ctx.blocs.model_bloc(countries), access, r["source_id"], r["snapshot_date"], r["metric_version"], len(set(countries)) > 1)
        )
    return out, excluded


def _dated(scored: list[ScoredModel]) -> list[ScoredModel]:
    return [s for s in scored if s.obs.release_date != date.max]


def _snapshots(scored: list[ScoredModel]) -> list[tuple[date, str, str, list[ScoredModel]]]:
    """Distinct leaderboard snapshots (date, source, metric version); one source per date."""
    priority = {s: i for i, s in enumerate(ADAPTERS)}
    groups: dict[tuple[date, str, str], list[ScoredModel]] = defaultdict(list)
    for s in scored:
        groups[(s.snapshot_date, s.source_id, s.metric_version)].append(s)
    chosen: dict[date, tuple[date, str, str]] = {}
    for key in groups:
        if key[0] not in chosen or priority.get(key[1], 99) < priority.get(chosen[key[0]][1], 99):
            chosen[key[0]] = key
    return [(k[0], k[1], k[2], groups[k]) for _, k in sorted(chosen.items())]


def _latest_view(scored: list[ScoredModel], bench: Benchmark) -> list[ScoredModel]:
    """The scores frontier-by-release-date analyses use: all (release) or the latest snapshot."""
    if bench.comparison == "snapshot":
        snaps = _snapshots(scored)
        return _dated(snaps[-1][3]) if snaps else []
    return _dated(scored)


def _obs(scored: list[ScoredModel], pred: Callable[[ScoredModel], bool]) -> list[Obs]:
    return [s.obs for s in scored if pred(s)]


def _frontier_json(points: list[Any], key: str) -> list[dict[str, Any]]:
    out = []
    for p in points:
        d = asdict(p)
        d[key] = d.pop("group")
        out.append(d)
    return out


def _gap_json(points: list[Any]) -> list[dict[str, Any]]:
    return [asdict(p) for p in points]


def _catch_up_json(cu: CatchUp) -> dict[str, Any]:
    return asdict(cu)


def _start_month(a: list[Obs], b: list[Obs]) -> date | None:
    if not a or not b:
        return None
    return month_end(max(min(o.release_date for o in a), min(o.release_date for o in b)))


def _compare(
    view: list[ScoredModel],
    cut: Cut,
    as_of: date,
    *,
    bloc_groups: dict[str, list[Obs]] | None = None,
    snaps: list[tuple[date, str, str, list[ScoredModel]]] | None = None,
) -> dict[str, Any] | None:
    """Frontier, gap and catch-up for one cut.

    For snapshot leaderboards (``snaps`` given) the monthly frontier and gap come
    from each month's last snapshot; catch-up uses the latest snapshot (``view``).
    """
    ch, rf = _obs(view, cut.challenger_of), _obs(view, cut.reference_of)
    start = _start_month(ch, rf)
    if start is None:
        return None
    key = "bloc" if bloc_groups is not None else "group"
    if snaps:
        preds = {g: (lambda s, g=g: s.bloc == g) for g in bloc_groups} if bloc_groups is not None else {cut.challenger: cut.challenger_of, cut.reference: cut.reference_of}
        frontier_points, gap_points = _snapshot_frontier(snaps, preds, cut)
    else:
        months = month_ends(start, as_of)
        groups = bloc_groups if bloc_groups is not None else {cut.challenger: ch, cut.reference: rf}
        frontier_points = frontier(groups, months)
        gap_points = gaps(cut.reference, rf, cut.challenger, ch, months)
    cu = catch_up(ch, rf, as_of, window_start=WINDOW_START)
    return {
        "challenger": cut.challenger,
        "reference": cut.reference,
        "frontier": _frontier_json(frontier_points, key),
        "gap": _gap_json(gap_points),
        "catch_up": _catch_up_json(cu),
        "population": {cut.challenger: len({o.model_id for o in ch}), cut.reference: len({o.model_id for o in rf})},
    }


def _snapshot_frontier(
    snaps: list[tuple[date, str, str, list[ScoredModel]]], preds: dict[str, Callable[[ScoredModel], bool]], cut: Cut
) -> tuple[list[FrontierPoint], list[GapPoint]]:
    """Top of each group in the last snapshot of each month, and the gap in that snapshot."""
    last_of_month: dict[str, tuple[date, list[ScoredModel]]] = {}
    for day, _src, _mv, rows in snaps:
        last_of_month[day.strftime("%Y-%m")] = (day, rows)
    points: list[FrontierPoint] = []
    gap_points: list[GapPoint] = []
    for month, (_day, rows) in sorted(last_of_month.items()):
        tops: dict[str, ScoredModel] = {}
        for group, pred in preds.items():
            members = [s for s in rows if pred(s)]
            if not members:
                continue
            top = max(members, key=lambda s: (s.obs.score, s.obs.model))
            tops[group] = top
            release = "" if top.obs.release_date == date.max else top.obs.release_date.isoformat()
            points.append(FrontierPoint(month, group, round(top.obs.score, 4), top.obs.model, top.obs.model_id, release, top.obs.ref, len({s.obs.model_id for s in members})))
        if cut.challenger in tops and cut.reference in tops:
            gap_points.append(gap(cut.reference, tops[cut.reference].obs.score, cut.challenger, tops[cut.challenger].obs.score, month))
    return points, gap_points


BLOC_CUT = Cut("bloc", "China vs United States", CHINA, UNITED_STATES, lambda s: s.bloc == CHINA, lambda s: s.bloc == UNITED_STATES)


def _series(
    series_id: str,
    bench: Benchmark,
    independent: bool,
    scored: list[ScoredModel],
    excluded_counts: Counter[str],
    alternates: list[str],
    sources: dict[str, dict[str, Any]],
    ctx: Context,
) -> dict[str, Any] | None:
    view = _latest_view(scored, bench)
    counts = Counter(s.bloc for s in {s.obs.model_id: s for s in view}.values())
    if counts.get(CHINA, 0) < bench.min_models_per_bloc or counts.get(UNITED_STATES, 0) < bench.min_models_per_bloc:
        return None
    source_ids = sorted({s.source_id for s in scored}, key=lambda s: ADAPTERS.index(s) if s in ADAPTERS else 99)
    snaps = _snapshots(scored) if bench.comparison == "snapshot" else []
    as_of = snaps[-1][0] if snaps else max(date.fromisoformat(sources[s]["snapshot_date"]) for s in source_ids)

    blocs = [b for b in ctx.blocs.blocs if b != UNKNOWN]
    bloc_groups = {b: [s.obs for s in view if s.bloc == b] for b in blocs}
    bloc_groups = {b: o for b, o in bloc_groups.items() if o}
    main = _compare(view, BLOC_CUT, as_of, bloc_groups=bloc_groups, snaps=snaps)
    assert main is not None  # both blocs have models (checked above)

    result: dict[str, Any] = {
        "benchmark": bench.id,
        "name": bench.name + ("" if independent else " (self-reported)"),
        "unit": bench.unit,
        "kind": "independent" if independent else "self_reported",
        "comparison": bench.comparison,
        "as_of": as_of.isoformat(),
        "snapshot_date": max(sources[s]["snapshot_date"] for s in source_ids),
        "metric_versions": sorted({s.metric_version for s in view}),
        "frontier": main["frontier"],
        "gap": main["gap"],
        "catch_up": main["catch_up"],
        "parity": _catch_up_json(time_to_parity(bloc_groups.get(UNITED_STATES, []), bloc_groups.get(CHINA, []), as_of, window_start=WINDOW_START)),
    }
    if snaps:
        result["snapshots"] = [_snapshot_json(d, src, mv, rows, blocs) for d, src, mv, rows in snaps]
    latest_gap = main["gap"][-1] if main["gap"] else None
    result["latest"] = {
        "month": latest_gap["month"] if latest_gap else None,
        "gap": latest_gap,
        "frontier": {p["bloc"]: p for p in main["frontier"] if latest_gap and p["month"] == latest_gap["month"]},
    }
    if bench.id == "eci" and independent:
        result["robustness"] = _robustness(view, as_of, ctx, sources)
    result["cuts"] = {}
    for cut in CUTS:
        compared = _compare(view, cut, as_of, snaps=snaps)
        if compared is not None:
            compared["title"] = cut.title
            if snaps:
                compared["snapshots"] = [_snapshot_json(d, src, mv, rows, [cut.challenger, cut.reference], cut) for d, src, mv, rows in snaps]
            result["cuts"][cut.id] = compared
    if bench.id == "eci" and independent and "open_vs_closed" in result["cuts"]:
        result["cuts"]["open_vs_closed"]["published_comparison"] = published_comparison(view, as_of, result["cuts"]["open_vs_closed"], sources)
    result["population"] = _population(view, scored, excluded_counts, as_of, counts)
    result["sources"] = [
        {k: sources[s][k] for k in ("id", "title", "url", "licence", "snapshot_date")} for s in source_ids
    ]
    result["caveats"] = _caveats(bench, independent, scored, alternates, source_ids, result)
    result["method"] = _method(bench)
    return result


# Epoch's published open-weight lag, as stated on its own data-insight pages (stored copies read
# through the project's search tool on 2026-12-04). Only what the pages say; windows as they state them.
EPOCH_OPEN_WEIGHT_LAG: tuple[dict[str, Any], ...] = (
    {
        "title": "Open-weight models lag state-of-the-art by around 3 months on average",
        "published": "2025-10-30",
        "url": "https://epoch.ai/data-insights/open-weights-vs-closed-weights-models",
        "sentence": (
            "Frontier open-weight models lag behind the most capable models by an average of 3 months in the Epoch "
            "Capabilities Index (ECI), our holistic measure of model capability."
        ),
        "method": (
            "To calculate the average time gap, we calculate the horizontal distance between the two lines across the range "
            "of ECI values where such lines can be drawn. Since ECI is estimated with some noise, we count an open-source "
            "model as \u201ccatching up\u201d to a previous SOTA if their difference in scores is not statistically significant."
        ),
        "lag_months": 3,
        "horizontal_lag_months": 3.5,
        "horizontal_lag_ci90": [1.1, 5.3],
        "eci_gap_points": 7,
        # The window is stated on the May 2026 page: "between January 2023 and October 2025".
        "window": ["2023-01-01", "2025-10-31"],
    },
    {
        "title": "Open models lag state-of-the-art closed models by 4 months",
        "published": "2026-05-29",
        "url": "https://epoch.ai/data-insights/open-closed-eci-gap",
        "sentence": (
            "Since January 2026, the most capable open-weight models have lagged frontier closed models by an average of four "
            "months in the Epoch Capabilities Index (ECI), our aggregate measure of model capability."
        ),
        "method": "Same approach as the October 2025 insight (the page compares the two directly).",
        "lag_months": 4,
        "horizontal_lag_months": None,
        "horizontal_lag_ci90": None,
        "eci_gap_points": 8,
        "window": ["2026-01-01", "2026-05-29"],
    },
)
NEAR_TIE_POINTS = 2.0  # our stand-in for Epoch's "not statistically significant" (the pinned file has no CIs)


def published_comparison(view: list[ScoredModel], as_of: date, cut: dict[str, Any], sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Our open-vs-closed ECI lag measured Epoch's way, next to Epoch's published figures, with why they differ."""
    opened, closed = _obs(view, CUTS[0].challenger_of), _obs(view, CUTS[0].reference_of)
    published = []
    for pub in EPOCH_OPEN_WEIGHT_LAG:
        start, end = (date.fromisoformat(d) for d in pub["window"])
        covered_end = min(end, as_of)
        if covered_end < start:
            ours: dict[str, Any] = {"window_covered": None}
        else:
            horizontal = horizontal_gap(opened, closed, window=(start, covered_end))
            tie = horizontal_gap([replace(o, score=o.score + NEAR_TIE_POINTS) for o in opened], closed, window=(start, covered_end))
            months = (start.strftime("%Y-%m"), covered_end.strftime("%Y-%m"))
            vertical = [g["reference_minus_challenger"] for g in cut["gap"] if months[0] <= g["month"] <= months[1]]
            behind = [
                m["months_behind"] for m in cut["catch_up"]["months_behind"] if months[0] <= str(m["month"]) <= months[1] and m["months_behind"] is not None
            ]
            records = [e for e in cut["catch_up"]["events"] if start.isoformat() <= e["release_date"] <= covered_end.isoformat()]
            ours = {
                "window_covered": [start.isoformat(), covered_end.isoformat()],
                "horizontal_lag_months": horizontal["mean_lag_months"],
                "horizontal_levels": horizontal["n_levels"],
                "horizontal_censored_levels": horizontal["n_censored_levels"],
                "horizontal_open_models": horizontal["challenger_models"],
                "horizontal_lag_months_near_tie": tie["mean_lag_months"],
                "near_tie_points": NEAR_TIE_POINTS,
                "vertical_gap_points": round(statistics.fmean(vertical), 2) if vertical else None,
                "vertical_months": len(vertical),
                "record_mean_lag_months": round(statistics.fmean(e["lag_months"] for e in records), 2) if records else None,
                "records_matched": len(records),
                "months_behind_mean": round(statistics.fmean(behind), 2) if behind else None,
            }
        lag = ours.get("horizontal_lag_months")
        gap_points = ours.get("vertical_gap_points")
        published.append(
            {
                **pub,
                "ours": ours,
                "difference_months": round(lag - pub["lag_months"], 2) if lag is not None else None,
                "difference_points": round(gap_points - pub["eci_gap_points"], 2) if gap_points is not None else None,
            }
        )
    unknown = sorted({s.obs.model_id: s for s in view if s.access == "unknown"}.values(), key=lambda s: -s.obs.score)
    snapshot = max((sources[s]["snapshot_date"] for s in {s.source_id for s in view}), default=as_of.isoformat())
    reasons = [
        f"Snapshot: our ECI scores are Epoch's {snapshot} snapshot, re-estimated since (or before) each insight was "
        f"written, and end on {as_of.isoformat()}: the since-January-2026 window is covered only to that date, against late May 2026 for Epoch.",
        "Method: Epoch counts an open model as having caught up when the score difference is not statistically significant; "
        f"the pinned file has no CIs, so the main figure uses exact scores and a near-tie variant counts {NEAR_TIE_POINTS:g} ECI "
        "points as caught up. Epoch's '3 months' headline rounds a 3.5-month horizontal estimate (90% CI 1.1 to 5.3).",
        "Method: levels the open line reached that no closed model has reached yet are censored (counted, not averaged).",
        "Population: open = Epoch's 'Open weights' accessibility (or another source's open-weight flag where Epoch gives none), "
        f"closed = API or hosted access; {len(unknown)} dated ECI models have no known accessibility and are in neither group"
        + (", including " + ", ".join(s.obs.model for s in unknown[:6]) if unknown else "")
        + ".",
    ]
    for pub in published:
        covered = pub["ours"].get("window_covered")
        if covered:
            models = pub["ours"]["horizontal_open_models"]
            reasons.append(
                f"Coverage ({pub['window'][0]} to {pub['window'][1]} as Epoch states it, {covered[0]} to {covered[1]} here): the open "
                f"frontier levels averaged here come from {len(models)} open model(s): {', '.join(models) or 'none'}."
            )
    return {
        "published": published,
        "method": (
            "Epoch's horizontal gap: on a 0.1-point ECI grid from the higher of the two lines' first scores to the best open "
            "score, the date the open frontier first reached each level minus the date the closed frontier did, in months "
            f"(days / {DAYS_PER_MONTH}), averaged over the levels the open line reached inside the window. Vertical gap: closed "
            "frontier minus open frontier, averaged over the window's month ends. Record and months-behind means are this "
            "project's catch-up figures over the same window, for reference."
        ),
        "reasons": reasons,
    }


def _snapshot_json(
    day: date, source: str, metric_version: str, rows: list[ScoredModel], groups: list[str], cut: Cut | None = None
) -> dict[str, Any]:
    member: dict[str, Callable[[ScoredModel], bool]] = (
        {cut.challenger: cut.challenger_of, cut.reference: cut.reference_of} if cut else {g: (lambda s, g=g: s.bloc == g) for g in groups}
    )
    top: dict[str, Any] = {}
    for g, pred in member.items():
        cands = [s for s in rows if pred(s)]
        if cands:
            t = max(cands, key=lambda s: (s.obs.score, s.obs.model))
            top[g] = {"model": t.obs.model, "model_id": t.obs.model_id, "rating": round(t.obs.score, 2), "ci_low": t.obs.ci_low, "ci_high": t.obs.ci_high, "ref": t.obs.ref}
    ch, rf = (cut.challenger, cut.reference) if cut else (CHINA, UNITED_STATES)
    entry: dict[str, Any] = {"date": day.isoformat(), "source": source, "metric_version": metric_version, "models": len({s.obs.model_id for s in rows}), "top": top}
    if ch in top and rf in top:
        g = gap(rf, top[rf]["rating"], ch, top[ch]["rating"], day.isoformat())
        entry.update(leader=g.leader, gap_points=g.points, gap_percent=g.percent, reference_minus_challenger=g.reference_minus_challenger, signed_percent=g.signed_percent)
    else:
        entry.update(leader=None, gap_points=None, gap_percent=None, reference_minus_challenger=None, signed_percent=None)
    return entry


def _population(view: list[ScoredModel], scored: list[ScoredModel], excluded: Counter[str], as_of: date, counts: Counter[str]) -> dict[str, Any]:
    unique = {s.obs.model_id: s for s in view}.values()
    return {
        "models_by_bloc": dict(sorted(counts.items())),
        "models_by_access": dict(sorted(Counter(s.access for s in unique).items())),
        "models": len(unique),
        "score_rows": len(view),
        "score_rows_in_source": len(scored) + excluded["unreleased"],
        "excluded": {
            "unreleased_models": excluded["unreleased"],
            "no_release_date": excluded["no_release_date"],
        },
        "multi_country_models": sum(1 for s in unique if s.multi_country),
        "unknown_bloc_models": counts.get(UNKNOWN, 0),
        "as_of": as_of.isoformat(),
    }


def _robustness(view: list[ScoredModel], as_of: date, ctx: Context, sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """ECI: lags with a margin delta, and on the earlier snapshot with CIs (methods.md §3.3)."""
    ch = _obs(view, BLOC_CUT.challenger_of)
    rf = _obs(view, BLOC_CUT.reference_of)
    out: dict[str, Any] = {}
    for delta in (1.0, 2.0):
        cu = catch_up(ch, rf, as_of, delta=delta, window_start=WINDOW_START, with_series=False)
        out[f"delta_{int(delta)}"] = _summary(cu)
    rows = ctx.store.rows(
        """SELECT s.*, m.display_name, m.countries, m.accessibility FROM scores s JOIN models m USING (model_id)
           WHERE s.benchmark = 'eci' AND s.source_id = 'epoch_eci_ci'"""
    )
    if rows:
        scored, _ = _scored(rows, ctx)
        earlier = _dated(scored)
        snap = date.fromisoformat(sources["epoch_eci_ci"]["snapshot_date"])
        cu = catch_up(_obs(earlier, BLOC_CUT.challenger_of), _obs(earlier, BLOC_CUT.reference_of), snap, window_start=WINDOW_START, with_series=False)
        out["earlier_snapshot"] = {"source": "epoch_eci_ci", "snapshot_date": snap.isoformat(), **_summary(cu)}
    return out


def _summary(cu: CatchUp) -> dict[str, Any]:
    return {
        k: getattr(cu, k)
        for k in ("mean_lag_months", "median_lag_months", "min_lag_months", "max_lag_months", "n_records", "n_matched", "n_open", "delta")
    }


def _caveats(
    bench: Benchmark,
    independent: bool,
    scored: list[ScoredModel],
    alternates: list[str],
    source_ids: list[str],
    result: dict[str, Any],
) -> list[str]:
    out = []
    if independent:
        out.append("Third-party measurements only; vendor-reported scores are kept in a separate self-reported series and never mixed in.")
    else:
        out.append(
            "Self-reported by the developers (model cards, launch posts) as collected by the source: harnesses, prompts and "
            "shot counts differ between vendors, and third-party re-runs often score lower. Read as claims, not measurements."
        )
    if bench.comparison == "snapshot":
        out.append(
            "Ratings are re-estimated at every leaderboard snapshot, so groups are compared only within one snapshot; the "
            "monthly frontier is the month's last snapshot, not a running maximum. Catch-up lags use the latest snapshot only."
        )
    if result.get("snapshots"):
        spans: dict[str, list[str]] = {}
        for snap in result["snapshots"]:
            spans.setdefault(snap["metric_version"], []).append(snap["date"])
        if len(spans) > 1:
            out.append(
                "Snapshots come from several views or sources whose rating scales differ, so levels can jump between them; "
                "compare groups within a snapshot only: "
                + "; ".join(f"{mv} ({min(d)} to {max(d)}, {len(d)} snapshots)" for mv, d in spans.items())
                + "."
            )
    if bench.id == "lmarena_text":
        out.append(
            "An Elo-scale rating has an arbitrary offset, so a percentage gap is meaningful only within one leaderboard; "
            "read the points (with the CIs) next to it. The three histories differ in view; see each snapshot's metric_version."
        )
    if "epoch_eci" in source_ids:
        out.append(
            "Epoch's Confidence column rates each model's training-compute estimate, not its ECI score, so every ECI score "
            "is kept, including the newest frontier models whose compute estimate is Unverified (GPT-5.2, Claude Opus 4.6, "
            "GLM-5, Kimi K2.5, DeepSeek-V3.2, ...). Compute confidence matters only in the efficiency indicator."
        )
    comparison = result.get("cuts", {}).get("open_vs_closed", {}).get("published_comparison")
    for pub in (comparison or {}).get("published", []):
        ours = pub["ours"]
        if ours.get("horizontal_lag_months") is None:
            continue
        out.append(
            f"Open vs closed measured Epoch's way (horizontal gap over ECI levels), {ours['window_covered'][0]} to "
            f"{ours['window_covered'][1]}: {ours['horizontal_lag_months']} months and {ours['vertical_gap_points']} points, "
            f"against Epoch's published {pub['lag_months']} months and {pub['eci_gap_points']} points ({pub['url']}, "
            f"{pub['published']}, window {pub['window'][0]} to {pub['window'][1]}); cuts.open_vs_closed.published_comparison "
            "gives the reasons for the difference (snapshot, window, method, population)."
        )
    pop = result["population"]
    if pop["excluded"]["no_release_date"]:
        out.append(
            f"{pop['excluded']['no_release_date']} score rows have no known release date (no source gives one for the model); "
            "they count in snapshot comparisons but not in frontier-by-date or catch-up figures."
        )
    if pop["unknown_bloc_models"]:
        out.append(f"{pop['unknown_bloc_models']} models have no attributable developer country (Unknown bloc) and are left out of bloc frontiers.")
    if pop["multi_country_models"]:
        out.append(
            f"{pop['multi_country_models']} models have developers in more than one country; a model is Chinese if any developer "
            "is headquartered in the PRC, otherwise it takes its first developer's bloc."
        )
    if alternates:
        out.append("Other sources for this benchmark, not mixed into this series: " + "; ".join(alternates) + ".")
    top = max((p["score"] for p in result["frontier"]), default=0)
    if "percent" in bench.unit and top >= 85:
        out.append("The frontier is near the ceiling of this benchmark; saturation compresses gaps toward zero.")
    if bench.id.startswith("aider"):
        out.append("Aider's `date` is the test date, not the release date; release dates come from the model registry.")
    out.append(
        f"Open records (no US model yet at that level) are right-censored leads, listed separately and not averaged; "
        f"lag summaries cover Chinese records released from {WINDOW_START.isoformat()} on."
    )
    return out


def _method(bench: Benchmark) -> str:
    if bench.comparison == "snapshot":
        frontier_text = "Top rating of each bloc within a leaderboard snapshot (last snapshot of each month)."
    else:
        frontier_text = "Best score of any model in the bloc released on or before the end of each month."
    return (
        f"{frontier_text} Gap = leader minus trailing bloc, in points and in percent of the trailing bloc's frontier. "
        "Catch-up: for each Chinese model that sets a new Chinese record, the first US model with a score at least as "
        f"high; lag = release-date difference / {DAYS_PER_MONTH} days (negative = China first). Months-behind series: for "
        "each month end, the best Chinese score so far against the first US release date reaching it. Parity: the "
        "inverse, for each US record the first Chinese model to match it."
    )
