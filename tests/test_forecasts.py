"""Forecasts with intervals (issue 12, part 2): the trend models, their intervals, the backtest and the
document-level ``forecasts`` block, which is derived from the indicators document only and never mixed
with measurements."""

from __future__ import annotations

import math
import random

import pytest

from weightatlas.forecasts import MIN_POINTS, build_forecasts
from weightatlas.forecasts import model as fm

# --- the t quantile (integer degrees of freedom, exact closed-form CDF) --------------------


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [(0.975, 1, 12.7062), (0.975, 2, 4.3027), (0.975, 4, 2.7764), (0.9, 10, 1.3722), (0.975, 30, 2.0423), (0.9, 3, 1.6377)],
)
def test_t_quantile_matches_tables(p: float, df: int, expected: float) -> None:
    assert fm.t_quantile(p, df) == pytest.approx(expected, abs=2e-4)


# --- intervals: coverage near nominal in simulation ------------------------------------------

SIMULATIONS = 400
TOLERANCE = 0.05  # +-5 percentage points around the nominal 80% and 95%


def _coverage(transform: str, make_y) -> dict[float, float]:  # type: ignore[no-untyped-def]
    """Share of held-out future points (1 to 6 months ahead) inside the 80% / 95% prediction intervals."""
    rng = random.Random(12)
    hits = {0.8: 0, 0.95: 0}
    total = 0
    xs = list(range(20))
    for _ in range(SIMULATIONS):
        ys = [make_y(x, rng) for x in range(26)]
        fit = fm.fit_trend(xs, ys[:20], transform=transform)
        for x in range(20, 26):
            for level in hits:
                _, lo, hi = fit.predict(x, level)
                hits[level] += lo <= ys[x] <= hi
            total += 1
    return {level: n / total for level, n in hits.items()}


def test_linear_intervals_cover_near_nominal() -> None:
    cover = _coverage("identity", lambda x, rng: 30.0 - 0.8 * x + rng.gauss(0, 3.0))
    assert cover[0.8] == pytest.approx(0.80, abs=TOLERANCE)
    assert cover[0.95] == pytest.approx(0.95, abs=TOLERANCE)


def test_logit_intervals_cover_near_nominal() -> None:
    def share(x: int, rng: random.Random) -> float:
        return 1 / (1 + math.exp(-(-2.0 + 0.12 * x + rng.gauss(0, 0.3))))

    cover = _coverage("logit", share)
    assert cover[0.8] == pytest.approx(0.80, abs=TOLERANCE)
    assert cover[0.95] == pytest.approx(0.95, abs=TOLERANCE)


def test_slope_is_recovered() -> None:
    rng = random.Random(3)
    xs = list(range(40))
    fit = fm.fit_trend(xs, [5.0 + 0.5 * x + rng.gauss(0, 1) for x in xs])
    lo, hi = fit.slope_interval(0.95)
    assert lo < 0.5 < hi
    assert fit.slope == pytest.approx(0.5, abs=0.05)


# --- crossing dates --------------------------------------------------------------------------


def test_crossing_on_a_noiseless_series() -> None:
    # 10 points falling by 0.5 a month from 10.0 at 2024-01: the line reaches 0 at month 20, 2025-09.
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    values = [10.0 - 0.5 * i for i in range(12)]
    result = fm.forecast_series(months, values, transform="identity", threshold=0.0, horizon=24)
    assert result["status"] == "forecast"
    c = result["crossing"]
    assert c["point"] == "2025-09"
    assert c["interval95"] == {"earliest": "2025-09", "latest": "2025-09"}
    assert c["within_horizon"] is True
    assert result["path"][0]["month"] == "2025-01"
    assert len(result["path"]) == 24
    assert result["fit"]["slope_per_month"] == pytest.approx(-0.5)


def test_fitted_line_over_the_fit_window_on_a_noiseless_series() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    values = [10.0 - 0.5 * i for i in range(12)]
    result = fm.forecast_series(months, values, transform="identity", threshold=0.0, horizon=6)
    assert [f["month"] for f in result["fitted"]] == months
    assert [f["value"] for f in result["fitted"]] == pytest.approx(values, abs=1e-3)


def test_crossing_not_within_the_horizon() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    values = [40.0 - 0.1 * i for i in range(12)]  # 400 months to close
    c = fm.forecast_series(months, values, transform="identity", threshold=0.0, horizon=24)["crossing"]
    assert c["point"] is None and c["within_horizon"] is False
    assert "not within the horizon" in c["statement"]


def test_no_crossing_date_when_the_fitted_line_is_already_past() -> None:
    # A steep fall then a plateau above 0: the straight line ends below 0 although the gap is still 3.
    months = [f"2024-{m:02d}" for m in range(1, 11)]
    values = [60.0, 45, 30, 15, 3, 3, 3, 3, 3, 3]
    result = fm.forecast_series(months, values, transform="identity", threshold=0.0)
    assert result["fit"]["fitted_last"] < 0
    c = result["crossing"]
    assert c["fitted_already_past"] is True and c["point"] is None and c["direction"] == "falls to"
    assert c["statement"].startswith("no date")


def test_crossing_interval_brackets_the_point() -> None:
    rng = random.Random(5)
    months = [fm.month_label(24 * 12 + i) for i in range(18)]
    values = [12.0 - 0.6 * i + rng.gauss(0, 1.0) for i in range(18)]
    c = fm.forecast_series(months, values, transform="identity", threshold=0.0, horizon=24)["crossing"]
    assert c["point"] is not None
    assert c["interval95"]["earliest"] <= c["interval80"]["earliest"] <= c["point"]
    latest80, latest95 = c["interval80"]["latest"], c["interval95"]["latest"]
    assert latest80 is None or latest80 >= c["point"]
    assert latest95 is None or latest80 is None or latest95 >= latest80


# --- too short, logit bounds, log-linear -----------------------------------------------------


def test_too_short_below_the_minimum() -> None:
    months = [f"2024-{m:02d}" for m in range(1, MIN_POINTS)]
    result = fm.forecast_series(months, [1.0] * (MIN_POINTS - 1), transform="identity", threshold=0.0)
    assert result["status"] == "not forecast: too short"
    assert result["n_points"] == MIN_POINTS - 1 and result["min_points"] == MIN_POINTS
    assert "path" not in result and "backtest" not in result


def test_logit_share_forecast_stays_within_0_and_1() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    shares = [0.05, 0.08, 0.15, 0.2, 0.35, 0.5, 0.55, 0.7, 0.8, 0.85, 0.9, 0.97]
    result = fm.forecast_series(months, shares, transform="logit", threshold=0.5, horizon=24)
    for row in result["path"]:
        for key in ("point", "lo80", "hi80", "lo95", "hi95"):
            assert 0.0 <= row[key] <= 1.0
        assert row["lo95"] <= row["lo80"] <= row["point"] <= row["hi80"] <= row["hi95"]
    assert result["crossing"]["statement"]  # fitted above 0.5 at the end: says whether it falls back


def test_log_linear_growth_doubling() -> None:
    months = [fm.month_label(2023 * 12 + i) for i in range(12)]
    values = [10 * 2 ** (i / 6) for i in range(12)]  # doubles every 6 months
    result = fm.forecast_series(months, values, transform="log", threshold=None)
    assert result["fit"]["doubling_months"] == pytest.approx(6.0)
    assert result["crossing"] is None
    assert all(r["lo95"] > 0 for r in result["path"])


# --- backtest --------------------------------------------------------------------------------


def test_backtest_on_a_hand_made_series() -> None:
    # The first 7 points lie on y = x (no residual, so zero-width intervals); the last 25% (3 points)
    # are held out: forecasts 7, 8, 9 against 7, 9, 11 -> errors 0, 1, 2.
    months = [f"2024-{m:02d}" for m in range(1, 11)]
    values = [0, 1, 2, 3, 4, 5, 6, 7, 9, 11]
    bt = fm.backtest([float(i) for i in range(10)], [float(v) for v in values], months, transform="identity")
    assert bt["cutoff"] == "2024-07"
    assert bt["n_train"] == 7 and bt["n_test"] == 3
    assert bt["mae"] == pytest.approx(1.0)
    assert bt["bias"] == pytest.approx(-1.0)
    assert bt["coverage80"] == pytest.approx(1 / 3, abs=1e-4)  # rounded to 4 decimals
    assert bt["coverage95"] == pytest.approx(1 / 3, abs=1e-4)
    assert [p["point"] for p in bt["points"]] == pytest.approx([7.0, 8.0, 9.0])


# --- the document-level block ----------------------------------------------------------------


def _gap_series(kind: str, months: list[str], values: list[float], behind: list[float] | None) -> dict:
    return {
        "kind": kind,
        "name": "Test index",
        "unit": "points",
        "as_of": months[-1] + "-15",
        "gap": [{"month": m, "leader": "United States", "trailing": "China", "points": v, "reference_minus_challenger": v} for m, v in zip(months, values, strict=True)],
        "catch_up": {"months_behind": [{"month": m, "months_behind": b, "censored": False} for m, b in zip(months, behind, strict=True)] if behind else []},
    }


def _small_document() -> dict:
    months = [fm.month_label(2024 * 12 + i) for i in range(12)]
    return {
        "snapshot": {"snapshot_date": "2025-01-31"},
        "indicators": {
            "capability_gap": {
                "test": _gap_series("independent", months, [20 - 1.5 * i for i in range(12)], [8 - 0.3 * i for i in range(12)]),
                "short": _gap_series("independent", months[:5], [5.0, 4, 3, 2, 1], None),
                "test.self_reported": _gap_series("self_reported", months, [1.0] * 12, None),
            }
        },
        "meta": {},
    }


MEASUREMENT_KEYS = {"gap", "frontier", "catch_up", "parity", "by_bloc", "monthly", "indicators", "share", "share_robust"}


def _walk_keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _walk_keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _walk_keys(v)}
    return set()


def test_document_forecasts_on_a_small_document() -> None:
    fc = build_forecasts(_small_document())
    assert fc["kind"] == "forecast" and fc["as_of"] == "2025-01-31"
    series = fc["series"]
    assert set(series) >= {"capability_gap.test.points", "capability_gap.test.months_behind", "capability_gap.short.points"}
    assert not any("self_reported" in k for k in series)
    e = series["capability_gap.test.points"]
    assert e["kind"] == "forecast" and e["status"] == "forecast"
    assert e["source_path"] == "indicators.capability_gap.test.gap"
    assert e["model"] == "linear" and e["min_points"] == MIN_POINTS and e["horizon_months"] == 24
    assert e["fit_window"] == {"first": "2024-01", "last": "2024-12", "n_points": 12}
    assert e["crossing"]["point"] == "2025-03"  # 20 - 1.5 i reaches 0 at i = 13.3: first month at or below, i = 14
    assert e["backtest"]["n_test"] == 3
    assert series["capability_gap.short.points"]["status"] == "not forecast: too short"
    assert series["capability_gap.short.months_behind"]["status"].startswith("not forecast: no months-behind series")
    assert series["adoption.download_share_china"]["status"].startswith("not forecast: not in the document")
    assert not (_walk_keys(fc) & MEASUREMENT_KEYS)


@pytest.fixture(scope="module")
def snapshot_doc() -> dict:
    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import build_document
    from weightatlas.store import Store

    with Store.open() as store:
        return build_document(store, load_attribution(), only=["capability_gap", "adoption"])


def test_document_forecasts_wired_into_build_document(snapshot_doc: dict) -> None:
    doc = snapshot_doc
    assert list(doc)[:4] == ["snapshot", "indicators", "meta", "forecasts"]
    assert "forecasts" not in doc["indicators"]
    fc = doc["forecasts"]
    assert fc == build_forecasts(doc)  # derived from the document alone
    assert not (_walk_keys(fc) & MEASUREMENT_KEYS)
    eci = fc["series"]["capability_gap.eci.points"]
    assert eci["status"] == "forecast" and eci["kind"] == "forecast"
    assert eci["fit_window"]["n_points"] == 24 and eci["fit_window"]["last"] == "2026-03"  # the last 24 months only
    assert eci["last_observed"]["month"] == doc["indicators"]["capability_gap"]["eci"]["gap"][-1]["month"]
    for entry in fc["series"].values():
        assert entry["kind"] == "forecast" and entry["source_path"].startswith("indicators.")
        assert {"model", "min_points", "horizon_months", "status", "title"} <= set(entry)
        if entry["status"] == "forecast":
            assert len(entry["path"]) == entry["horizon_months"]
            bt = entry["backtest"]
            assert bt["n_test"] >= 2 and 0 <= bt["coverage95"] <= 1 and bt["mae"] >= 0
            if entry["model"] == "logit-linear":
                assert all(0 <= r["lo95"] <= r["hi95"] <= 1 for r in entry["path"])
    assert {"adoption.download_share_china", "adoption.finetune_share_china", "adoption.finetune_per_base"} <= set(fc["series"])


# --- the report section ----------------------------------------------------------------------


def test_report_section_is_folded_and_labelled_as_forecasts(snapshot_doc: dict) -> None:
    import copy

    from weightatlas.report import build_view, render_html
    from weightatlas.report.exports import chart_rows

    view, specs = build_view(snapshot_doc)
    assert view["forecast_chart"] == "eci-forecast"
    assert chart_rows(specs["eci-forecast"]) and "FORECAST" in view["chart_meta"]["eci-forecast"]["label"]
    assert "Epoch Capabilities Index" in view["chart_meta"]["eci-forecast"]["attribution"]
    html, _ = render_html(snapshot_doc)
    section = html[html.index('<section id="forecasts">') :]
    section = section[: section.index("</section>")]
    assert "<h2>Forecasts (not measurements)</h2>" in section
    assert section.count('class="chart"') == 1  # one summary chart ...
    assert "<details><summary>Every forecast, with its backtest" in section  # ... and the table folded
    assert '<a href="#forecasts">' in html
    # Without a forecasts block (or with no series forecast) there is no section and no empty chart.
    bare = {k: v for k, v in copy.deepcopy(snapshot_doc).items() if k != "forecasts"}
    assert 'id="forecasts"' not in render_html(bare)[0]
    none_done = copy.deepcopy(snapshot_doc)
    for entry in none_done["forecasts"]["series"].values():
        entry["status"] = "not forecast: too short"
    view, specs = build_view(none_done)
    assert view["forecast_chart"] is None and not any(k.endswith("-forecast") for k in specs)
