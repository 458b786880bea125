"""OLS, bootstrap interval and Kaplan-Meier against textbook cases; efficiency helpers on hand-made points."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weightatlas.indicators.efficiency import compute_gap, growth, least_compute, pareto
from weightatlas.indicators.stats import bootstrap_slope, kaplan_meier, km_median, ols


def test_ols_recovers_an_exact_line() -> None:
    xs = [0.0, 1.0, 2.0, 3.0, 4.0]
    fit = ols(xs, [1.0 + 2.0 * x for x in xs])
    assert (fit.intercept, fit.slope, fit.r2) == pytest.approx((1.0, 2.0, 1.0))
    assert fit.slope_se == pytest.approx(0.0)


def test_ols_rejects_degenerate_input() -> None:
    with pytest.raises(ValueError):
        ols([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        ols([1.0], [1.0])


def test_bootstrap_interval_covers_the_true_slope() -> None:
    xs = [i / 10 for i in range(60)]
    ys = [3 + 0.7 * x + (0.5 if i % 3 == 0 else -0.25) for i, x in enumerate(xs)]
    lo, hi = bootstrap_slope(xs, ys, seed=1)
    assert lo < 0.7 < hi and hi - lo < 0.2
    assert bootstrap_slope(xs, ys, seed=1) == (lo, hi)  # seeded: reproducible


def test_kaplan_meier_textbook_case() -> None:
    # times 1,2,2,3,4 with the second 2 and the 4 censored.
    points = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert [(p.time, p.at_risk, p.events, p.adopted_share) for p in points] == [
        (1, 5, 1, 0.2),
        (2, 4, 1, 0.4),
        (3, 2, 1, 0.7),
    ]
    assert km_median(points) == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=25))
def test_kaplan_meier_is_monotone_and_bounded(data) -> None:
    points = kaplan_meier([t for t, _ in data], [e for _, e in data])
    shares = [p.adopted_share for p in points]
    assert shares == sorted(shares) and all(0 <= s <= 1 for s in shares)
    if all(e for _, e in data):
        assert shares[-1] == pytest.approx(1.0)


def pt(model: str, eci: float, flop: float) -> dict:
    return {"model": model, "eci": eci, "log10_flop": flop}


def test_least_compute_and_gap() -> None:
    cn = [pt("c1", 100, 23.0), pt("c2", 120, 24.0), pt("c3", 130, 24.5)]
    us = [pt("u1", 110, 23.5), pt("u2", 125, 25.0), pt("u3", 135, 25.5)]
    assert least_compute(cn, 115)["model"] == "c2"
    assert least_compute(us, 140) is None
    rows = {r["eci"]: r["delta_log10"] for r in compute_gap(cn, us, step=10)}
    # Both reach 100 (c1 23.0 vs u1 23.5), 110 (c2 24.0 vs u1 23.5), 120 (c2 24.0 vs u2 25.0), 130 (c3 24.5 vs u3 25.5).
    assert rows == {100: -0.5, 110: 0.5, 120: -1.0, 130: -1.0}


def test_pareto_frontier() -> None:
    points = [pt("a", 100, 23.0), pt("b", 95, 23.5), pt("c", 110, 24.0), pt("d", 110, 24.5), pt("e", 120, 25.0)]
    assert [p["model"] for p in pareto(points)] == ["a", "c", "e"]


def test_growth_fit_with_interval() -> None:
    points = [(2018 + i / 4, 22 + 0.5 * (i / 4) + (0.05 if i % 2 else -0.05)) for i in range(30)]
    g = growth(points)
    assert g["ooms_per_year"] == pytest.approx(0.5, abs=0.02)
    assert g["ci95"][0] < 0.5 < g["ci95"][1]
    assert g["doubling_months"] == pytest.approx(12 * math.log10(2) / g["ooms_per_year"], abs=0.1)
    assert growth(points[:4]) is None
