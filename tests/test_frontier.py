"""Frontier, gap and catch-up arithmetic on hand-made cases with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weightatlas.indicators.frontier import (
    DAYS_PER_MONTH,
    Obs,
    best,
    catch_up,
    frontier,
    gap,
    gaps,
    month_ends,
    months_behind,
    records,
)


def o(model: str, day: str, score: float) -> Obs:
    return Obs(model_id=model.lower(), model=model, release_date=date.fromisoformat(day), score=score, ref=f"fixture:{model}")


US = [o("U1", "2023-03-01", 100), o("U2", "2023-09-01", 110), o("U3", "2024-06-01", 120)]
CN = [o("C1", "2023-06-01", 95), o("C2", "2023-12-01", 105), o("C3", "2024-03-01", 104), o("C4", "2024-09-01", 125)]


def test_month_ends_cover_both_ends() -> None:
    assert month_ends(date(2023, 11, 15), date(2024, 2, 1)) == [date(2023, 11, 30), date(2023, 12, 31), date(2024, 1, 31), date(2024, 2, 29)]


def test_best_takes_models_released_on_or_before_t() -> None:
    assert best(US, date(2023, 8, 31)).model == "U1"  # type: ignore[union-attr]
    assert best(US, date(2023, 9, 1)).model == "U2"  # type: ignore[union-attr]
    assert best(US, date(2023, 2, 28)) is None


def test_frontier_is_running_best_per_group() -> None:
    points = frontier({"US": US, "CN": CN}, month_ends(date(2024, 3, 1), date(2024, 4, 1)))
    assert [(p.month, p.group, p.score, p.model, p.n_models) for p in points] == [
        ("2024-03", "US", 110, "U2", 2),
        ("2024-03", "CN", 105, "C2", 3),  # C3 (104) is below C2: the frontier stays at C2
        ("2024-04", "US", 110, "U2", 2),
        ("2024-04", "CN", 105, "C2", 3),
    ]


def test_gap_points_and_percent_of_trailing_bloc() -> None:
    g = gap("United States", 1300, "China", 1250, "2025-01")
    assert (g.leader, g.trailing, g.points, g.percent, g.reference_minus_challenger, g.signed_percent) == ("United States", "China", 50, 4.0, 50, 4.0)
    # China ahead: the sign is kept, the percent is of the trailing (US) frontier.
    g = gap("United States", 80, "China", 100, "2025-01")
    assert (g.leader, g.points, g.percent, g.reference_minus_challenger, g.signed_percent) == ("China", 20, 25.0, -20, -25.0)


def test_gaps_only_where_both_groups_exist() -> None:
    rows = gaps("US", US, "CN", CN, month_ends(date(2023, 5, 1), date(2023, 6, 30)))
    assert [(r.month, r.points) for r in rows] == [("2023-06", 5)]


def test_records_are_strict_improvements_one_per_day() -> None:
    same_day = [o("A", "2024-01-01", 10), o("B", "2024-01-01", 12), o("C", "2024-02-01", 12), o("D", "2024-03-01", 13)]
    assert [r.model for r in records(same_day)] == ["B", "D"]  # C only ties B: not a record
    assert [r.model for r in records(CN)] == ["C1", "C2", "C4"]


def test_catch_up_lags_leads_and_open_records() -> None:
    cu = catch_up(CN, US, date(2025, 1, 31))
    by_model = {e.model: e for e in cu.events}
    # C1 (95, 2023-06-01) first matched by U1 (100, 2023-03-01): 92 days.
    assert by_model["C1"].matched_by["model"] == "U1"  # type: ignore[index]
    assert by_model["C1"].lag_months == round(92 / DAYS_PER_MONTH, 2)
    # C2 (105, 2023-12-01) matched by U2 (110, 2023-09-01): 91 days.
    assert by_model["C2"].lag_months == round(91 / DAYS_PER_MONTH, 2)
    assert by_model["C2"].status == "behind"
    # C4 (125) is above every US model: open, a censored lead of at least as_of - release.
    assert [e.model for e in cu.open] == ["C4"]
    assert cu.open[0].censored_lead_months == round((date(2025, 1, 31) - date(2024, 9, 1)).days / DAYS_PER_MONTH, 2)
    assert cu.n_records == 3 and cu.n_matched == 2 and cu.n_open == 1
    assert cu.mean_lag_months == round((by_model["C1"].lag_months + by_model["C2"].lag_months) / 2, 2)  # type: ignore[operator]
    assert cu.min_lag_months == by_model["C2"].lag_months and cu.max_lag_months == by_model["C1"].lag_months


def test_catch_up_negative_lag_when_challenger_first() -> None:
    cn = [o("C", "2024-01-01", 50)]
    us = [o("U", "2024-04-01", 60)]
    cu = catch_up(cn, us, date(2024, 6, 30))
    assert cu.events[0].status == "lead"
    assert cu.events[0].lag_months == round(-91 / DAYS_PER_MONTH, 2)


def test_catch_up_delta_requires_a_margin() -> None:
    cn = [o("C", "2024-06-01", 100)]
    us = [o("U1", "2024-01-01", 100.5), o("U2", "2024-03-01", 102)]
    assert catch_up(cn, us, date(2024, 12, 31)).events[0].matched_by["model"] == "U1"  # type: ignore[index]
    assert catch_up(cn, us, date(2024, 12, 31), delta=1).events[0].matched_by["model"] == "U2"  # type: ignore[index]


def test_window_limits_summaries_not_events() -> None:
    cu = catch_up(CN, US, date(2025, 1, 31), window_start=date(2023, 9, 1))
    assert len(cu.events) == 2  # C1 still listed, flagged out of window
    assert [e.in_window for e in cu.events] == [False, True]
    assert cu.n_matched == 1 and cu.mean_lag_months == round(91 / DAYS_PER_MONTH, 2)


def test_months_behind_series_rises_between_records_and_drops_at_them() -> None:
    series = months_behind(CN, US, month_ends(date(2023, 6, 1), date(2023, 12, 31)))
    by_month = {r["month"]: r for r in series}
    # June: best Chinese = C1 (95), first US >= 95 is U1 on 2023-03-01.
    assert by_month["2023-06"]["months_behind"] == round((date(2023, 6, 30) - date(2023, 3, 1)).days / DAYS_PER_MONTH, 2)
    assert by_month["2023-11"]["months_behind"] > by_month["2023-06"]["months_behind"]  # type: ignore[operator]
    # December: C2 (105) is the new best; first US >= 105 is U2 on 2023-09-01.
    assert by_month["2023-12"]["months_behind"] == round((date(2023, 12, 31) - date(2023, 9, 1)).days / DAYS_PER_MONTH, 2)
    assert by_month["2023-12"]["months_behind"] < by_month["2023-11"]["months_behind"]  # type: ignore[operator]


def test_months_behind_censored_when_never_matched() -> None:
    series = months_behind([o("C", "2024-01-15", 200)], US, month_ends(date(2024, 1, 1), date(2024, 2, 1)))
    assert all(r["censored"] and r["months_behind"] is None for r in series)


scores = st.floats(min_value=0, max_value=100, allow_nan=False)
days = st.integers(min_value=0, max_value=900)


def _obs_list(draw_items: list[tuple[int, float]], prefix: str) -> list[Obs]:
    start = date(2023, 1, 1)
    return [Obs(f"{prefix}{i}", f"{prefix}{i}", start + timedelta(days=d), s, "x") for i, (d, s) in enumerate(draw_items)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(days, scores), min_size=1, max_size=12), st.lists(st.tuples(days, scores), min_size=1, max_size=12), days, scores)
def test_adding_a_model_below_the_frontier_changes_no_lag(cn_items, us_items, extra_day, extra_score) -> None:
    cn, us = _obs_list(cn_items, "c"), _obs_list(us_items, "u")
    as_of = date(2026, 1, 1)
    extra = Obs("extra", "extra", date(2023, 1, 1) + timedelta(days=extra_day), extra_score, "x")
    before = catch_up(cn, us, as_of)
    top = best(cn, extra.release_date)
    if top is not None and extra.score <= top.score and extra.release_date > min(c.release_date for c in cn):
        after = catch_up([*cn, extra], us, as_of)
        assert [(e.model, e.lag_months) for e in after.events] == [(e.model, e.lag_months) for e in before.events]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(days, scores), min_size=1, max_size=15))
def test_frontier_never_decreases_and_records_increase(items) -> None:
    obs = _obs_list(items, "m")
    points = frontier({"g": obs}, month_ends(date(2023, 1, 1), date(2025, 12, 31)))
    values = [p.score for p in points]
    assert values == sorted(values)
    recs = [r.score for r in records(obs)]
    assert recs == sorted(set(recs)) and recs[-1] == pytest.approx(max(s for _, s in items), abs=1e-3)


def test_time_to_parity_counts_months_until_the_follower_matches() -> None:
    from weightatlas.indicators.frontier import time_to_parity

    cu = time_to_parity(US, CN, date(2025, 1, 31))
    by_model = {e.model: e for e in cu.events}
    # U1 (100, 2023-03-01): first Chinese model >= 100 is C2 on 2023-12-01.
    assert by_model["U1"].matched_by["model"] == "C2"  # type: ignore[index]
    assert by_model["U1"].lag_months == round((date(2023, 12, 1) - date(2023, 3, 1)).days / DAYS_PER_MONTH, 2)
    assert by_model["U1"].status == "matched_later"
    # U3 (120) and U2 (110) are matched by C4 (125, 2024-09-01).
    assert by_model["U3"].lag_months == round((date(2024, 9, 1) - date(2024, 6, 1)).days / DAYS_PER_MONTH, 2)
    assert cu.n_open == 0 and cu.mean_lag_months > 0  # type: ignore[operator]
