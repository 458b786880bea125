"""The literature check: each recomputation on hand-made data with a known answer, the status rule,
the curated table, and ``weightatlas check literature`` on the embedded snapshot."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.curated import LITERATURE, load_table
from weightatlas.errors import InputError
from weightatlas.literature import check_row, load_rows, status_of
from weightatlas.literature import recompute as rc
from weightatlas.literature.recompute import DAYS_PER_MONTH, Point

TABLE = Path(__file__).resolve().parents[1] / "src" / "weightatlas" / "data" / "curated" / "literature.csv"


def d(s: str) -> date:
    return date.fromisoformat(s)


def store(scores: list[tuple], models: list[tuple], edges: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    """A tiny store: scores (model_id, benchmark, value, source_id, snapshot_date), models (model_id, countries, release_date, access, compute)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE scores (model_id VARCHAR, benchmark VARCHAR, value DOUBLE, source_id VARCHAR, snapshot_date DATE, release_date DATE)")
    con.execute("CREATE TABLE models (model_id VARCHAR, countries VARCHAR[], release_date DATE, accessibility VARCHAR, training_compute_flop DOUBLE)")
    con.execute("CREATE TABLE hub_edges (child VARCHAR, parent VARCHAR, relation VARCHAR)")
    for row in scores:
        con.execute("INSERT INTO scores VALUES (?, ?, ?, ?, ?, NULL)", list(row))
    for row in models:
        con.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?)", list(row))
    for row in edges or []:
        con.execute("INSERT INTO hub_edges VALUES (?, ?, ?)", list(row))
    return con


# --- pure methods ------------------------------------------------------------------------


def test_daily_lags_follow_the_challenger_frontier():
    us = [Point("u1", d("2023-01-01"), 100), Point("u2", d("2023-03-01"), 110)]
    cn = [Point("c1", d("2023-02-01"), 100), Point("c2", d("2023-04-01"), 110)]
    lags = rc.daily_lags(cn, us, d("2023-01-01"), d("2023-04-01"))
    # 2023-02-01 .. 2023-03-31: level 100, reached 2023-01-01; 2023-04-01: level 110, reached 2023-03-01
    assert len(lags) == 60
    assert lags[0] == pytest.approx(31 / DAYS_PER_MONTH)
    assert lags[-2] == pytest.approx(89 / DAYS_PER_MONTH)
    assert lags[-1] == pytest.approx(31 / DAYS_PER_MONTH)
    assert rc.summary(lags, "max") == pytest.approx(89 / DAYS_PER_MONTH)


def test_daily_lags_leave_out_levels_the_reference_never_reached():
    us = [Point("u1", d("2023-01-01"), 100)]
    cn = [Point("c1", d("2023-01-02"), 120)]
    assert rc.daily_lags(cn, us, d("2023-01-01"), d("2023-01-10")) == []


def test_horizontal_lags_on_a_grid():
    closed = [Point("a", d("2023-01-01"), 10), Point("b", d("2023-02-01"), 11)]
    opened = [Point("x", d("2023-01-01"), 10), Point("y", d("2023-03-03"), 11)]
    lags = rc.horizontal_lags(opened, closed, d("2023-01-01"), d("2023-12-31"), step=0.5)
    # levels 10.25 and 10.75: open reached them 2023-03-03, closed 2023-02-01 -> 30 days each
    assert lags == pytest.approx([30 / DAYS_PER_MONTH, 30 / DAYS_PER_MONTH])
    assert rc.horizontal_lags(opened, closed, d("2024-01-01"), d("2024-12-31"), step=0.5) == []


def test_daily_gap_points():
    a = [Point("a", d("2023-01-01"), 5)]
    b = [Point("b", d("2023-01-01"), 8), Point("c", d("2023-01-02"), 10)]
    assert rc.daily_gap_points(a, b, d("2023-01-01"), d("2023-01-02")) == [3, 5]


def test_top_gap_points_and_percent():
    ratings = {"US": [1300, 1200], "CN": [1250]}
    assert rc.top_gap(ratings, "US", "CN") == 50
    assert rc.top_gap(ratings, "US", "CN", percent=True) == pytest.approx(4.0)
    assert rc.top_gap({"US": [1]}, "US", "CN") is None


def test_rolling_top_and_growth():
    pts = [Point(f"m{i}", date(2018 + i, 1, 1), 10.0 ** (20 + i)) for i in range(4)]
    pts.append(Point("small", date(2021, 6, 1), 1e10))
    assert [p.model for p in rc.rolling_top(pts, k=1)] == ["m0", "m1", "m2", "m3"]
    assert rc.growth_per_year(rc.rolling_top(pts, k=1)) == pytest.approx(10, rel=0.01)
    assert rc.growth_per_year(pts[:2]) is None


def test_leaf_share():
    edges = [("q1", "base", "quantized"), ("q2", "base", "quantized"), ("f1", "q2", "finetune")]
    assert rc.leaf_share(edges, "quantized") == (50.0, 2)
    assert rc.leaf_share([], "quantized") == (None, 0)


# --- recomputations on hand-made stores --------------------------------------------------


def test_eci_lag_and_gap_from_a_store():
    con = store(
        [("u1", "eci", 100, "epoch_eci", "2026-03-09"), ("u2", "eci", 110, "epoch_eci", "2026-03-09"), ("c1", "eci", 100, "epoch_eci", "2026-03-09"),
         ("c0", "eci", 140, "epoch_eci", "2026-03-09"), ("c1", "eci", 50, "old", "2025-01-01")],
        [("u1", ["US"], "2023-01-01", "api", None), ("u2", ["US"], "2023-03-01", "open", None), ("c1", ["CN"], "2023-02-01", "open", None),
         ("c0", ["CN"], "2023-02-01", "unreleased", None)],
    )
    r = rc.eci_lag(con, challenger="CN", reference="US", start=d("2023-01-01"), end=d("2023-02-01"), stat="mean")
    assert r.value == pytest.approx(31 / DAYS_PER_MONTH) and r.n == 1  # the unreleased model is left out
    g = rc.eci_gap_points(con, challenger="open", reference="closed", start=d("2023-02-01"), end=d("2023-02-01"))
    assert g.value == 0  # open c1 100 vs closed u1 100


def test_arena_gap_uses_the_last_snapshot_of_the_month():
    con = store(
        [("u", "lmarena_text", 1300, "x", "2025-02-10"), ("c", "lmarena_text", 1250, "x", "2025-02-10"),
         ("u", "lmarena_text", 1320, "x", "2025-02-27"), ("c", "lmarena_text", 1300, "x", "2025-02-27"), ("u", "lmarena_text", 1500, "x", "2025-03-05")],
        [("u", ["US"], None, "api", None), ("c", ["CN"], None, "open", None)],
    )
    assert rc.arena_gap(con, as_of=d("2025-02-28"), reference="US", challenger="CN").value == 20
    assert rc.arena_gap(con, as_of=d("2025-02-28"), reference="closed", challenger="open", percent=True).value == pytest.approx(20 / 1300 * 100)
    assert rc.arena_gap(con, as_of=d("2020-01-01"), reference="US", challenger="CN").value is None


def test_benchmark_gap_at_year_end():
    con = store(
        [("u", "mmlu", 90, "llm_stats", "2025-10-16"), ("u2", "mmlu", 95, "llm_stats", "2025-10-16"), ("c", "mmlu", 89.5, "llm_stats", "2025-10-16")],
        [("u", ["US"], "2024-05-01", "api", None), ("u2", ["US"], "2025-02-01", "api", None), ("c", ["CN"], "2024-12-01", "open", None)],
    )
    assert rc.benchmark_gap(con, benchmark="mmlu", as_of=d("2024-12-31"), reference="US", challenger="CN").value == pytest.approx(0.5)


def test_compute_growth_and_quantized_leaves_from_a_store():
    models = [(f"c{i}", ["CN"], f"{2021 + i}-12-01", "open", 10.0 ** (22 + i * 0.5)) for i in range(4)]
    models.append(("u", ["US"], "2022-01-01", "api", 1e25))
    con = store([], models, [("q", "b", "quantized"), ("f", "b", "finetune")])
    r = rc.compute_growth(con, group="CN", since=d("2021-10-01"), until=d("2025-12-31"))
    assert r.value == pytest.approx(10**0.5, rel=0.01) and r.n == 4
    assert rc.quantized_leaves(con).value == 100.0



@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from("abcdef"), st.sampled_from(["quantized", "finetune", "merge"])), max_size=25))
def test_quantized_leaves_in_sql_matches_the_python_definition(edges):
    value, n = rc.leaf_share(edges, "quantized")
    got = rc.quantized_leaves(store([], [], edges))
    assert got.n == n
    assert got.value == (None if value is None else pytest.approx(value))

# --- status rule and rows ----------------------------------------------------------------


def test_status_rule():
    assert status_of(7, 7.9, 1, held=True, verified=True) == "within_tolerance"
    assert status_of(7, 8.1, 1, held=True, verified=True) == "outside_tolerance"
    assert status_of(7, None, 1, held=True, verified=True) == "not_computed"
    assert status_of(7, None, None, held=False, verified=True) == "data_not_held"
    assert status_of(None, None, None, held=False, verified=False) == "not_verified"


def _row(**kw):
    base = dict(id="x", quantity="q", definition="d", published_value=3.0, unit="months", quote="q", read_at="r", source_url="https://e.org/a",
                source_date="2025-01", publisher_method="m", inputs="i", recompute="quantized_leaf_share", tolerance=1.0, tolerance_why="t",
                expected_status="within_tolerance", why_if_not="because")
    return {**base, **kw}


def test_check_row_statuses_and_no_number_when_unverified():
    con = store([], [], [("q", "b", "quantized")])
    out = check_row(_row(published_value=99.5), con)
    assert (out["ours"], out["difference"], out["status"], out["status_changed"], out["why"]) == (100.0, 0.5, "within_tolerance", False, None)
    out = check_row(_row(published_value=90.0), con)
    assert out["status"] == "outside_tolerance" and out["status_changed"] and out["why"] == "because"
    out = check_row(_row(recompute=None, tolerance=None, expected_status="data_not_held"), con)
    assert out["status"] == "data_not_held" and out["ours"] is None and out["theirs"] == 3.0
    out = check_row(_row(published_value=None, recompute=None, expected_status="not_verified"), con)
    assert out["status"] == "not_verified" and out["theirs"] is None and out["ours"] is None and out["difference"] is None


# --- the curated table -------------------------------------------------------------------


def test_table_validates_and_names_registered_recomputations():
    rows = load_rows()
    assert len(rows) >= 8
    assert sum(1 for r in rows if r["expected_status"] in ("within_tolerance", "outside_tolerance")) >= 5
    for r in rows:
        if r["recompute"]:
            assert r["recompute"] in rc.REGISTRY, r["id"]
        if r["expected_status"] == "not_verified":
            assert r["published_value"] is None
        else:
            assert r["quote"] and r["read_at"]


def test_table_rejects_a_number_on_an_unverified_row(tmp_path):
    text = TABLE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    bad = next(r for r in rows if r["expected_status"] == "not_verified")
    bad["published_value"] = "12"
    path = tmp_path / "literature.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(InputError, match="no number"):
        load_table(LITERATURE, path)


# --- the command on the embedded snapshot ------------------------------------------------


def test_check_literature_passes_on_the_embedded_snapshot():
    result = CliRunner().invoke(main, ["check", "literature"])
    assert result.exit_code == 0, result.output
    assert "reproduced within tolerance" in result.output


def test_check_literature_fails_when_an_expected_status_changes(tmp_path):
    rows = list(csv.DictReader(TABLE.read_text(encoding="utf-8").splitlines()))
    target = next(r for r in rows if r["expected_status"] == "within_tolerance")
    target["expected_status"], target["why_if_not"] = "outside_tolerance", "altered for the test"
    path = tmp_path / "literature.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = CliRunner().invoke(main, ["check", "literature", "--table", str(path), "--json"])
    assert result.exit_code == 1
    assert target["id"] in result.output


def test_literature_block_sits_beside_the_indicators():
    from weightatlas.api import indicators_document

    doc = indicators_document(only=["efficiency"])
    lit = doc["literature"]
    assert "literature" not in doc["indicators"]
    assert lit["changed"] == []
    statuses = [r["status"] for r in lit["rows"]]
    first_measured = next(i for i, s in enumerate(statuses) if s not in ("data_not_held", "not_verified"))
    assert all(s in ("within_tolerance", "outside_tolerance") for s in statuses[first_measured:])
    assert statuses[0] == "data_not_held"
