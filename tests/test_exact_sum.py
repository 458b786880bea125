"""Weight sums that do not depend on row order (lineage.exact_sum).

DuckDB adds rows in whatever order its threads deliver them, Spark in another; a figure that is
an exact tie at its last stated digit then rounds either way. These tests pin the fix.
"""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from weightatlas.indicators.lineage import exact_sum

# Merge weights as the walk makes them: 1/k products of parent counts up to 4, three levels deep.
WEIGHTS = st.lists(st.sampled_from([1 / a / b / c for a in (1, 2, 3, 4) for b in (1, 2, 3, 4) for c in (1, 2, 3, 4)]), min_size=1, max_size=200)


def _sum(con: duckdb.DuckDBPyConnection, values: list[float], expr: str) -> float:
    con.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, w DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    # One thread and an ordered subquery: rows reach sum() in the order given, so the test controls it.
    return con.execute(f"SELECT {expr} FROM (SELECT w FROM t ORDER BY i)").fetchone()[0]  # type: ignore[index]


@settings(max_examples=60, deadline=None)
@given(WEIGHTS, st.randoms(use_true_random=False))
def test_the_sum_is_the_same_in_any_row_order(values: list[float], rng) -> None:
    con = duckdb.connect()
    con.execute("SET threads = 1")
    shuffled = values[:]
    rng.shuffle(shuffled)
    assert _sum(con, values, exact_sum("w")) == _sum(con, shuffled, exact_sum("w"))


def test_a_plain_float_sum_does_depend_on_order_here() -> None:
    # The case the helper exists for: the same weights, two orders, two float sums.
    values = [1 / 3] * 3 + [0.1] * 7 + [1 / 8] * 5
    con = duckdb.connect()
    con.execute("SET threads = 1")
    plain = {_sum(con, order, "sum(w)") for order in (values, values[::-1], sorted(values))}
    exact = {_sum(con, order, exact_sum("w")) for order in (values, values[::-1], sorted(values))}
    assert len(plain) > 1
    assert exact == {round(1 + 0.7 + 0.625, 9)}


def test_ties_stay_ties_and_filters_and_products_work() -> None:
    con = duckdb.connect()
    # 62 children at 1/8 and 3 thirds: 7.75 + 1 = 8.75 exactly; thirds fixed to 18 decimals lose
    # 5.5e-17 each, which the rounding to 9 decimals gives back.
    values = [1 / 8] * 62 + [1 / 3] * 3 + [1 / 16]
    assert _sum(con, values, exact_sum("w")) == 8.8125
    assert _sum(con, values, exact_sum("w", where="w < 0.2")) == 7.8125
    assert _sum(con, [1 / 3, 2 / 3], exact_sum("w * 3", products=True)) == 3.0
