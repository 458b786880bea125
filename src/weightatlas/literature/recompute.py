"""Recomputations for the literature check: each published figure's quantity, computed the publisher's way.

Two layers, so each method can be tested on hand-made data with a known answer:

* pure functions over small records (:class:`Point`: a release date and a score or a
  training compute) that implement one publisher's method;
* loaders that read those records from the store's tables (``scores``, ``models``,
  ``hub_edges``) with plain SQL.

:data:`REGISTRY` maps the ``recompute`` names used in ``literature.csv`` to a function
``(con) -> Result``. Country membership follows Epoch's "any" rule (a model counts for a
country when any of its developers is based there); access groups follow methods.md §3.4
(open = open weights; closed = API or hosted access; unreleased and unknown are in neither).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import duckdb

DAYS_PER_MONTH = 30.436875  # the mean Gregorian month (methods.md §3.3)
OPEN = ("open",)
CLOSED = ("api", "hosted")


@dataclass(frozen=True)
class Point:
    """One model: its release date and its value (a score, or a training compute in FLOP)."""

    model: str
    released: date
    value: float


@dataclass(frozen=True)
class Result:
    """Our figure (``None`` when it cannot be computed) and what it was computed on."""

    value: float | None
    population: str
    n: int = 0


def frontier(points: list[Point], day: date) -> float | None:
    """The best value among models released on or before ``day``."""
    values = [p.value for p in points if p.released <= day]
    return max(values) if values else None


def first_reach(points: list[Point], level: float) -> date | None:
    """The first release date of a model scoring at least ``level`` (``None``: never reached)."""
    dates = [p.released for p in points if p.value >= level]
    return min(dates) if dates else None


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def daily_lags(challenger: list[Point], reference: list[Point], start: date, end: date) -> list[float]:
    """Epoch's catch-up series: for each day, the challenger's best score and how long before
    that day the reference group first reached it, in months. Days whose level the reference
    never reached (a censored lead) are left out; days before the challenger's first model too."""
    lags = []
    for day in _days(start, end):
        level = frontier(challenger, day)
        if level is None:
            continue
        reached = first_reach(reference, level)
        if reached is not None:
            lags.append((day - reached).days / DAYS_PER_MONTH)
    return lags


def horizontal_lags(challenger: list[Point], reference: list[Point], start: date, end: date, step: float = 0.1) -> list[float]:
    """Epoch's horizontal open-vs-closed gap: on a grid of score levels (bin midpoints, ``step``
    wide) from the higher of the two lines' first scores up to the challenger's best, the date
    the challenger first reached each level minus the date the reference did, in months. Only
    levels the challenger first reached inside [start, end]; levels the reference never reached
    are censored and left out."""
    if not challenger or not reference:
        return []

    def first_score(points: list[Point]) -> float:
        day = min(p.released for p in points)
        return max(p.value for p in points if p.released == day)

    low, high = max(first_score(challenger), first_score(reference)), max(p.value for p in challenger)
    lags, i = [], 0
    while (level := low + (i + 0.5) * step) < high:
        i += 1
        ch = first_reach(challenger, level)
        if ch is None or not start <= ch <= end:
            continue
        ref = first_reach(reference, level)
        if ref is not None:
            lags.append((ch - ref).days / DAYS_PER_MONTH)
    return lags


def daily_gap_points(challenger: list[Point], reference: list[Point], start: date, end: date) -> list[float]:
    """The vertical gap: reference frontier minus challenger frontier, for each day both exist."""
    gaps = []
    for day in _days(start, end):
        a, b = frontier(challenger, day), frontier(reference, day)
        if a is not None and b is not None:
            gaps.append(b - a)
    return gaps


def summary(values: list[float], stat: str) -> float | None:
    if not values:
        return None
    return {"mean": statistics.fmean, "min": min, "max": max, "median": statistics.median}[stat](values)


def top_gap(ratings: dict[str, list[float]], reference: str, challenger: str, *, percent: bool = False) -> float | None:
    """AI Index gap within one leaderboard snapshot: top reference rating minus top challenger
    rating, in points, or in percent of the challenger's top rating."""
    if not ratings.get(reference) or not ratings.get(challenger):
        return None
    ref, ch = max(ratings[reference]), max(ratings[challenger])
    return (ref - ch) / ch * 100 if percent else ref - ch


def rolling_top(points: list[Point], k: int = 10) -> list[Point]:
    """Epoch's rolling top-k: models that were among the k largest by value (training compute)
    of the group at the time of their release (ties within a day count together)."""
    ordered = sorted(points, key=lambda p: p.released)
    kept = []
    for p in ordered:
        earlier = [q.value for q in ordered if q.released <= p.released and q is not p]
        if sum(1 for v in earlier if v > p.value) < k:
            kept.append(p)
    return kept


def growth_per_year(points: list[Point]) -> float | None:
    """A log-linear fit of value on time: the growth factor per year (10 ** slope)."""
    if len(points) < 3:
        return None
    xs = [p.released.toordinal() / 365.2425 for p in points]
    ys = [math.log10(p.value) for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return 10**slope


def leaf_share(edges: list[tuple[str, str, str]], relation: str) -> tuple[float | None, int]:
    """Model Atlas: the share (percent) of models reached by a ``relation`` edge that have no
    children of their own, with the number of such models."""
    parents = {p for _, p, _ in edges}
    children = {c for c, _, r in edges if r == relation}
    if not children:
        return None, 0
    return 100 * sum(1 for c in children if c not in parents) / len(children), len(children)


# --- loaders -----------------------------------------------------------------------------


def _member(countries: list[str] | None, access: str | None, group: str) -> bool:
    countries = [c for c in countries or [] if c]
    if group == "CN":
        return "CN" in countries
    if group == "US":
        return "US" in countries
    if group == "not_CN":
        return bool(countries) and "CN" not in countries
    if group == "open":
        return access in OPEN
    if group == "closed":
        return access in CLOSED
    raise ValueError(f"unknown group {group!r}")


def score_points(con: duckdb.DuckDBPyConnection, benchmark: str, group: str, *, source: str | None = None) -> list[Point]:
    """One point per released model of ``group`` on ``benchmark`` (its best score), from the
    newest snapshot of ``source`` (or of the benchmark's newest source)."""
    if source is None:
        found = con.execute("SELECT source_id FROM scores WHERE benchmark = ? ORDER BY snapshot_date DESC, source_id LIMIT 1", [benchmark]).fetchall()
        if not found:
            return []
        source = found[0][0]
    rows = con.execute(
        """
        SELECT s.model_id, max(s.value), coalesce(any_value(m.release_date), any_value(s.release_date)), any_value(m.countries), any_value(m.accessibility)
        FROM scores s LEFT JOIN models m USING (model_id)
        WHERE s.benchmark = ? AND s.source_id = ?
          AND s.snapshot_date = (SELECT max(snapshot_date) FROM scores WHERE benchmark = ? AND source_id = ?)
        GROUP BY s.model_id
        """,
        [benchmark, source, benchmark, source],
    ).fetchall()
    return [
        Point(mid, released, float(value))
        for mid, value, released, countries, access in rows
        if released is not None and access != "unreleased" and value is not None and _member(countries, access, group)
    ]


def leaderboard_ratings(con: duckdb.DuckDBPyConnection, as_of: date, groups: tuple[str, ...]) -> tuple[dict[str, list[float]], str]:
    """LMArena text ratings by group in the last leaderboard snapshot on or before ``as_of``."""
    found = con.execute(
        "SELECT snapshot_date, source_id FROM scores WHERE benchmark = 'lmarena_text' AND snapshot_date <= ? ORDER BY snapshot_date DESC, source_id LIMIT 1",
        [as_of],
    ).fetchall()
    if not found:
        return {}, "no LMArena snapshot on or before that date"
    day, source = found[0]
    rows = con.execute(
        """
        SELECT s.value, m.countries, m.accessibility FROM scores s LEFT JOIN models m USING (model_id)
        WHERE s.benchmark = 'lmarena_text' AND s.snapshot_date = ? AND s.source_id = ?
        """,
        [day, source],
    ).fetchall()
    ratings = {g: [float(v) for v, c, a in rows if _member(c, a, g)] for g in groups}
    return ratings, f"LMArena text snapshot {day.isoformat()} ({source}), {len(rows)} rated models"


def compute_points(con: duckdb.DuckDBPyConnection, group: str) -> list[Point]:
    rows = con.execute(
        "SELECT model_id, release_date, training_compute_flop, countries, accessibility FROM models WHERE release_date IS NOT NULL AND training_compute_flop > 0"
    ).fetchall()
    return [Point(mid, released, float(flop)) for mid, released, flop, countries, access in rows if _member(countries, access, group)]


# --- recomputations ----------------------------------------------------------------------


def eci_lag(con: duckdb.DuckDBPyConnection, *, challenger: str, reference: str, start: date, end: date, stat: str) -> Result:
    ch, ref = score_points(con, "eci", challenger), score_points(con, "eci", reference)
    last = max((p.released for p in ch + ref), default=end)
    stop = min(end, last)
    lags = daily_lags(ch, ref, start, stop)
    return Result(summary(lags, stat), f"ECI, {challenger} {len(ch)} vs {reference} {len(ref)} models; daily series {start} to {stop} ({len(lags)} days)", len(lags))


def eci_horizontal_lag(con: duckdb.DuckDBPyConnection, *, challenger: str, reference: str, start: date, end: date) -> Result:
    ch, ref = score_points(con, "eci", challenger), score_points(con, "eci", reference)
    lags = horizontal_lags(ch, ref, start, end)
    return Result(summary(lags, "mean"), f"ECI, {challenger} {len(ch)} vs {reference} {len(ref)} models; {len(lags)} score levels first reached by {challenger} {start} to {end}", len(lags))


def eci_gap_points(con: duckdb.DuckDBPyConnection, *, challenger: str, reference: str, start: date, end: date) -> Result:
    ch, ref = score_points(con, "eci", challenger), score_points(con, "eci", reference)
    stop = min(end, max((p.released for p in ch + ref), default=end))
    gaps = daily_gap_points(ch, ref, start, stop)
    return Result(summary(gaps, "mean"), f"ECI, {challenger} {len(ch)} vs {reference} {len(ref)} models; daily mean {start} to {stop}", len(gaps))


def arena_gap(con: duckdb.DuckDBPyConnection, *, as_of: date, reference: str, challenger: str, percent: bool = False) -> Result:
    ratings, where = leaderboard_ratings(con, as_of, (reference, challenger))
    value = top_gap(ratings, reference, challenger, percent=percent)
    return Result(value, f"{where}: {len(ratings.get(reference, []))} {reference}, {len(ratings.get(challenger, []))} {challenger}", sum(len(v) for v in ratings.values()))


def benchmark_gap(con: duckdb.DuckDBPyConnection, *, benchmark: str, as_of: date, reference: str, challenger: str) -> Result:
    ref = [p for p in score_points(con, benchmark, reference) if p.released <= as_of]
    ch = [p for p in score_points(con, benchmark, challenger) if p.released <= as_of]
    a, b = frontier(ref, as_of), frontier(ch, as_of)
    value = None if a is None or b is None else a - b
    return Result(value, f"{benchmark}, best {reference} ({len(ref)} models) minus best {challenger} ({len(ch)}) released by {as_of}", len(ref) + len(ch))


def compute_growth(con: duckdb.DuckDBPyConnection, *, group: str, since: date, until: date) -> Result:
    top = [p for p in rolling_top(compute_points(con, group)) if since <= p.released <= until]
    return Result(growth_per_year(top), f"training compute, {group} rolling top-10 released {since} to {until}: {len(top)} models", len(top))


def quantized_leaves(con: duckdb.DuckDBPyConnection) -> Result:
    """:func:`leaf_share` of ``quantized`` over ``hub_edges``, in SQL: a crawl has millions of edges."""
    n, leaves, edges = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE p.parent IS NULL), (SELECT count(*) FROM hub_edges)
        FROM (SELECT DISTINCT child FROM hub_edges WHERE relation = 'quantized') k
        LEFT JOIN (SELECT DISTINCT parent FROM hub_edges) p ON p.parent = k.child
        """
    ).fetchall()[0]  # fetchall: DuckDB 2 refuses later work on a connection with an unfinished result
    value = 100 * leaves / n if n else None
    return Result(value, f"hub_edges of the crawled family trees: {n} quantized models, {edges} edges", n)


REGISTRY: dict[str, Callable[[duckdb.DuckDBPyConnection], Result]] = {
    "eci_cn_us_lag_mean": partial(eci_lag, challenger="CN", reference="US", start=date(2023, 1, 1), end=date(2026, 1, 7), stat="mean"),
    "eci_cn_us_lag_min": partial(eci_lag, challenger="CN", reference="US", start=date(2023, 1, 1), end=date(2026, 1, 7), stat="min"),
    "eci_cn_us_lag_max": partial(eci_lag, challenger="CN", reference="US", start=date(2023, 1, 1), end=date(2026, 1, 7), stat="max"),
    "eci_open_closed_lag_2025": partial(eci_horizontal_lag, challenger="open", reference="closed", start=date(2023, 1, 1), end=date(2025, 10, 30)),
    "eci_open_closed_gap_2025": partial(eci_gap_points, challenger="open", reference="closed", start=date(2023, 1, 1), end=date(2025, 10, 30)),
    "arena_us_cn_gap_2024_01": partial(arena_gap, as_of=date(2024, 1, 31), reference="US", challenger="CN"),
    "arena_us_cn_gap_2025_02": partial(arena_gap, as_of=date(2025, 2, 28), reference="US", challenger="CN"),
    "arena_closed_open_pct_2025_02": partial(arena_gap, as_of=date(2025, 2, 28), reference="closed", challenger="open", percent=True),
    "mmlu_us_cn_gap_2024": partial(benchmark_gap, benchmark="mmlu", as_of=date(2024, 12, 31), reference="US", challenger="CN"),
    "humaneval_us_cn_gap_2024": partial(benchmark_gap, benchmark="humaneval", as_of=date(2024, 12, 31), reference="US", challenger="CN"),
    "compute_growth_cn": partial(compute_growth, group="CN", since=date(2021, 10, 1), until=date(2025, 1, 7)),
    "compute_growth_not_cn": partial(compute_growth, group="not_CN", since=date(2018, 1, 1), until=date(2025, 1, 7)),
    "quantized_leaf_share": quantized_leaves,
}


def run(name: str, con: duckdb.DuckDBPyConnection) -> Result:
    """Run one registered recomputation (a ``KeyError`` names an unknown one)."""
    return REGISTRY[name](con)


def as_dict(result: Result) -> dict[str, Any]:
    return {"value": result.value, "population": result.population, "n": result.n}
