"""Policy events: schema checks on bad files, counts, the restrictiveness index, event studies."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import edit_line

from weightatlas.cli import main
from weightatlas.curated import POLICY_EVENTS, load_table
from weightatlas.indicators import event_study as es
from weightatlas.indicators import regulation
from weightatlas.indicators.stats import segmented_regression, t_quantile


def _event(id_: str, day: str, jur: str, direction: str, instrument: str = "export_rule", targets: tuple[str, ...] = ("chips",), **extra: object) -> dict:
    return {
        "id": id_,
        "date": date.fromisoformat(day),
        "date_precision": "day",
        "jurisdiction": jur,
        "actor": "someone",
        "instrument_type": instrument,
        "target": list(targets),
        "direction": direction,
        "description": "d",
        "source_url": "https://example.org/a",
        "source_url_2": None,
        "confidence": "high",
        "checked_on": date(2026, 11, 29),
        "_line": 2,
        **extra,
    }


# ---------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("P001,2019-05-01,month", "P001,2019-05-16,month", "date", "first of the month"),
        ("P001,2019-05-01", "P001,2019-13-01", "date", "month must be in 1..12"),
        (",month,US,", ",month,XX,", "jurisdiction", "not an ISO 3166-1 alpha-2 code"),
        (",month,US,", ",month,UK,", "jurisdiction", "not an ISO 3166-1 alpha-2 code"),
        ("entities;chips,restrict", "entities;weights,restrict", "target", "'weights' is not one of"),
        ("entities;chips,restrict", "chips;chips,restrict", "target", "listed twice"),
        ('chips,restrict,"Huawei', 'chips,ban,"Huawei', "direction", "'ban' is not one of"),
        ("Commerce/BIS,entity_list", "Commerce/BIS,sanction", "instrument_type", "'sanction' is not one of"),
        ("P001,", "X001,", "id", "expected an id like P001"),
        (",https://www.convergedigest.com", ",www.convergedigest.com", "source_url", "not an http(s) URL"),
        (",medium,,2026-11-29,", ",medium,,2018-11-29,", "checked_on", "checked before the event"),
        (",medium,,2026-11-29,", ",certain,,2026-11-29,", "confidence", "'certain' is not one of"),
    ],
)
def test_a_bad_policy_event_names_file_line_and_field(curated: Path, old: str, new: str, field: str, message: str) -> None:
    edit_line(curated / "policy_events.csv", 2, old, new)
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2, result.output
    assert f"policy_events.csv, line 2, field '{field}'" in result.output
    assert message in result.output


def test_duplicate_ids_and_duplicate_events_are_both_caught(curated: Path) -> None:
    path = curated / "policy_events.csv"
    lines = path.read_text().splitlines(keepends=True)
    same_event_new_id = lines[1].replace("P001,", "P999,", 1)
    path.write_text("".join([*lines, same_event_new_id]))
    with pytest.raises(Exception, match=r"duplicate of line 2 \(date, jurisdiction, actor, instrument_type\)"):
        load_table(POLICY_EVENTS, path)
    same_id_other_day = lines[1].replace("2019-05-01,month", "2019-06-01,month", 1)
    path.write_text("".join([*lines, same_id_other_day]))
    with pytest.raises(Exception, match=r"duplicate of line 2 \(id\)"):
        load_table(POLICY_EVENTS, path)


def test_the_shipped_log_meets_the_coverage_the_issue_asks_for() -> None:
    rows = load_table(POLICY_EVENTS)
    assert len(rows) >= 70
    years = {r["date"].year for r in rows}
    assert min(years) == 2019 and max(years) >= 2025
    jurisdictions = {r["jurisdiction"] for r in rows}
    assert {"US", "EU", "GB", "CN", "JP", "KR", "IN", "TW", "AU", "IT"} <= jurisdictions
    assert any(j.startswith("US-") for j in jurisdictions)
    assert all(r["source_url"] for r in rows)
    for study in regulation.STUDY_EVENTS:  # the studied events exist and are in the figures
        assert regulation.study_date(study, {r["id"]: r for r in rows if regulation.in_figures(r)})


def test_low_confidence_without_a_second_source_stays_out_of_the_figures() -> None:
    assert not regulation.in_figures(_event("P1", "2025-01-01", "US", "restrict", confidence="low"))
    assert regulation.in_figures(_event("P1", "2025-01-01", "US", "restrict", confidence="low", source_url_2="https://example.org/b"))
    assert regulation.in_figures(_event("P1", "2025-01-01", "US", "restrict", confidence="medium"))


# ---------------------------------------------------------------- counts and index


def test_counts_put_a_multi_target_event_under_each_target_but_count_it_once_elsewhere() -> None:
    events = [
        _event("P1", "2025-01-13", "US", "mixed", targets=("chips", "model_weights")),
        _event("P2", "2025-02-10", "US-NY", "restrict", instrument="device_ban", targets=("apps",)),
        _event("P3", "2025-05-13", "US", "enable", instrument="guidance", targets=("chips",)),
    ]
    c = regulation.counts(events)
    q1 = [r for r in c["by_quarter"] if r["quarter"] == "2025-Q1"]
    assert {(r["jurisdiction"], r["direction"], r["target"], r["events"]) for r in q1} == {
        ("US", "mixed", "chips", 1),
        ("US", "mixed", "model_weights", 1),
        ("US-NY", "restrict", "apps", 1),
    }
    us = next(r for r in c["by_jurisdiction"] if r["jurisdiction"] == "US")
    assert us["events"] == 2 and us["mixed"] == 1 and us["enable"] == 1
    assert c["by_direction"] == {"restrict": 1, "enable": 1, "neutral": 0, "mixed": 1}
    assert c["by_target"] == {"chips": 2, "model_weights": 1, "apps": 1}


def test_restrictiveness_index_follows_its_formula_quarter_by_quarter() -> None:
    events = [
        _event("P1", "2024-02-01", "US", "restrict"),  # binding, +1
        _event("P2", "2024-05-01", "US", "restrict", instrument="bill"),  # not binding: net +1, net_binding 0
        _event("P3", "2024-05-20", "US", "neutral", instrument="strategy"),
        _event("P4", "2024-11-01", "US", "enable", instrument="executive_order"),  # a rescission: -1
        _event("P5", "2024-11-02", "US", "mixed", instrument="regulation"),
        _event("P6", "2024-03-01", "US-TX", "restrict", instrument="device_ban"),
        _event("P7", "2024-08-01", "US-CA", "restrict", instrument="law"),
        _event("P8", "2024-06-01", "EU", "neutral", instrument="law"),
    ]
    index = regulation.restrictiveness(events, through=date(2024, 12, 31))
    us = {row["quarter"]: row for row in index["US"]["series"]}
    assert list(us) == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert (us["2024-Q1"]["net"], us["2024-Q1"]["net_binding"], us["2024-Q1"]["balance"]) == (1, 1, 1.0)
    assert (us["2024-Q2"]["net"], us["2024-Q2"]["net_binding"], us["2024-Q2"]["balance"]) == (2, 1, 1.0)
    assert us["2024-Q3"] == {**us["2024-Q2"], "quarter": "2024-Q3"}
    # Q4: restrict 2, enable 1, mixed 1 -> net 1, binding: +1 (P1) -1 (P4) + 0 (P5) = 0, balance 1/4
    assert (us["2024-Q4"]["net"], us["2024-Q4"]["net_binding"], us["2024-Q4"]["balance"]) == (1, 0, 0.25)
    states = index["US-states"]
    assert states["label"] == "US states" and states["latest"]["net"] == 2 and states["events"] == 2
    eu = index["EU"]["latest"]
    assert eu["net"] == 0 and eu["balance"] is None  # neutral only: no direction to balance
    assert regulation.jurisdiction_label("US-TX") == "US: Texas"
    assert regulation.jurisdiction_label("KR") == "South Korea"


# ---------------------------------------------------------------- statistics


def test_segmented_regression_recovers_a_noiseless_break_exactly() -> None:
    t = [x - 11.5 for x in range(24)]
    y = [0.3 + 0.01 * x + (0.2 - 0.005 * x if x > 0 else 0.0) for x in t]
    fit = segmented_regression(t, y)
    assert fit.coef == pytest.approx((0.3, 0.01, 0.2, -0.005), abs=1e-9)
    assert fit.level_change == pytest.approx(0.2)
    assert all(s == pytest.approx(0, abs=1e-6) for s in fit.se)


def test_segmented_regression_refuses_a_side_with_too_few_points() -> None:
    with pytest.raises(ValueError, match="two points on each side"):
        segmented_regression([-5, -4, -3, -2, -1, 1], [0, 0, 0, 0, 0, 1])


def test_t_quantiles_match_the_tables() -> None:
    for df, expected in ((5, 2.5706), (10, 2.2281), (20, 2.0860), (60, 2.0003)):
        assert t_quantile(0.975, df) == pytest.approx(expected, abs=0.004)


def _monthly(values: list[float], start: tuple[int, int] = (2020, 1), weight: float = 100) -> es.Series:
    rows = []
    y, m = start
    for v in values:
        rows.append((f"{y:04d}-{m:02d}", v, weight))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return es.Series("s", "synthetic", "adoption", "synthetic", "test", 10, es.month_points(rows))


def _break_series(jump: float, *, months: int = 72, break_at: int = 36, sd: float = 0.02, seed: int = 1) -> es.Series:
    rng = random.Random(seed)
    return _monthly([0.3 + 0.002 * i + (jump if i > break_at else 0.0) + rng.gauss(0, sd) for i in range(months)])


def test_event_study_finds_a_known_break_and_the_placebos_do_not() -> None:
    series = _break_series(0.15)
    event = date(2023, 1, 15)  # month index 36
    result = es.estimate(series, event)
    assert result["status"] == "estimated"
    assert result["pre_points"] == 12 and result["post_points"] == 12  # the event's own month left out
    lo, hi = result["level_ci95"]
    assert lo < 0.15 < hi and lo > 0.05
    jumps = es.placebo_jumps(series, [event])
    placebo = es.placebo_summary(result["level_change"], jumps)
    assert placebo["status"] == "ok" and placebo["dates"] >= 20
    assert placebo["p_value"] < 0.1


def test_event_study_without_a_break_finds_nothing_remarkable() -> None:
    series = _break_series(0.0, seed=7)
    event = date(2023, 1, 15)
    result = es.estimate(series, event)
    lo, hi = result["level_ci95"]
    assert lo < 0 < hi
    placebo = es.placebo_summary(result["level_change"], es.placebo_jumps(series, [event]))
    assert placebo["p_value"] > 0.1


def test_event_study_says_plainly_when_the_series_is_too_thin() -> None:
    series = _monthly([0.5] * 15, start=(2024, 6))  # June 2024 to August 2025: three months after the event
    result = es.estimate(series, date(2025, 5, 13))
    assert result["status"] == "too_thin"
    assert result["pre_points"] == 11 and result["post_points"] == 3  # May 2025 itself left out
    assert "11 usable points before and 3 after the event within 12 months" in result["reason"]
    assert "2024-06-01 to 2025-08-31" in result["reason"]


def test_points_below_the_minimum_count_are_not_used() -> None:
    series = _monthly([0.5] * 30, weight=5)  # below min_weight 10
    assert series.usable() == []
    assert es.estimate(series, date(2021, 3, 10))["status"] == "too_thin"


def test_regulation_indicator_on_the_embedded_snapshot() -> None:
    from weightatlas.api import indicators_document

    reg = indicators_document(only=["regulation"])["indicators"]["regulation"]
    assert reg["population"]["events_in_figures"] >= 70
    assert {"US", "EU", "CN"} <= set(reg["restrictiveness"]["jurisdictions"])
    assert sum(r["events"] for r in reg["counts"]["by_jurisdiction"]) == reg["population"]["events_in_figures"]
    studies = {s["id"]: s for s in reg["event_study"]["studies"]}
    assert set(studies) == {s.id for s in regulation.STUDY_EVENTS}
    for s in studies.values():
        for r in s["results"]:
            assert r["status"] in {"estimated", "too_thin"}
            if r["status"] == "too_thin":
                assert "usable points" in r["reason"]
            else:
                assert r["level_ci95"][0] <= r["level_change"] <= r["level_ci95"][1]
    assert all(e["source_row"].startswith("data/curated/policy_events.csv:") for e in reg["events"])


# ---------------------------------------------------------------- end to end on a crawl database


def _crawl_with_a_break(db: Path, *, event: date, jump: float) -> None:
    """Derivatives of a Chinese and a US base, 40 a month from April 2022 to June 2026; China's share jumps at ``event``.

    (The Hub dates every repo older than 2 March 2022 to that day, so earlier months carry no usable date.)
    """
    import duckdb

    from weightatlas.hub.schema import ensure_schema

    rng = random.Random(3)
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, endpoint, query, mode, status, source) "
        "VALUES (1, TIMESTAMP '2026-07-01', 'http://fake', '{}', 'full', 'complete', 'hub-crawl')"
    )
    models = [("Qwen/Qwen2.5-7B", "2024-09-01", 1000), ("meta-llama/Llama-3.1-8B", "2024-07-01", 1000)]
    edges = []
    for i in range(3, 54):
        y, m = 2022 + i // 12, i % 12 + 1
        after = date(y, m, 1) > event
        for k in range(40):
            child = f"user{i}-{k}/ft"
            chinese = rng.random() < 0.3 + (jump if after else 0.0)
            models.append((child, f"{y:04d}-{m:02d}-{1 + k % 27:02d}", 10))
            edges.append((child, "Qwen/Qwen2.5-7B" if chinese else "meta-llama/Llama-3.1-8B"))
    con.executemany(
        "INSERT INTO hub_models BY NAME SELECT ? AS id, split_part(?, '/', 1) AS author, ?::TIMESTAMP AS created_at, ? AS downloads, "
        "1 AS first_seen_snapshot, 1 AS last_seen_snapshot",
        [(repo, repo, created, downloads) for repo, created, downloads in models],
    )
    con.executemany("INSERT INTO hub_edges VALUES (?, ?, 'finetune', 'finetune', 'tag', 1)", edges)
    con.close()


def test_event_study_recovers_a_break_in_a_crawled_derivative_series(tmp_path: Path) -> None:
    from weightatlas.attribution import load_attribution
    from weightatlas.indicators import build_document
    from weightatlas.store import Store

    db = tmp_path / "crawl.duckdb"
    _crawl_with_a_break(db, event=date(2025, 7, 23), jump=0.3)  # the US AI Action Plan's date
    with Store.open(db=db) as store:
        reg = build_document(store, load_attribution(), only=["regulation"])["indicators"]["regulation"]
    series = {s["id"]: s for s in reg["event_study"]["series"]}
    assert series["derivative_share_cn"]["usable_points"] == 51
    plan = next(s for s in reg["event_study"]["studies"] if s["id"] == "us_ai_action_plan")
    result = next(r for r in plan["results"] if r["series"] == "derivative_share_cn")
    assert result["status"] == "estimated"
    lo, hi = result["level_ci95"]
    assert lo < 0.3 < hi and lo > 0.1, result
    assert result["placebo"]["status"] == "ok"
    assert result["placebo"]["p_value"] < 0.1
    downloads = next(r for r in plan["results"] if r["series"] == "download_share_cn")
    assert downloads["status"] == "too_thin"  # one crawl snapshot is one point
