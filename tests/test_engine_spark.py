"""The Spark engine (weightatlas.engine): the same SQL, transpiled by SQLGlot, gives the same answers.

Needs PySpark (the ``spark`` extra, in the test extra too) and Java. Where either is
missing the Spark tests are skipped with the reason, except under ``CI=true``, where
they fail: .ci/run installs Java. One local[2] session serves the whole module.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.engine import SPARK_INSTALL, EngineUnavailable, check_engine, get_engine
from weightatlas.hub.schema import HUB_TABLES, ensure_schema
from weightatlas.indicators import build_document
from weightatlas.store import SNAPSHOT_DIR, Store


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("sqlglot") is None:
        return f"pyspark/sqlglot not installed ({SPARK_INSTALL}, or pip install -e '.[test]')"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "no Java runtime (apt-get install default-jre-headless; .ci/run does it in CI)"
    return None


def _need_spark() -> None:
    missing = _spark_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Spark engine test cannot run under CI=true: {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def spark() -> Any:
    _need_spark()
    from weightatlas.engine.spark_engine import session

    s = session("local[2]")
    yield s
    s.stop()


# --- the comparison helper -----------------------------------------------------------------------


def decimals(value: float) -> int:
    """The precision a JSON float states: the digits after its decimal point (as Python prints it)."""
    text = repr(value)
    if "e" in text or "E" in text or "." not in text:
        return 10  # not a rounded figure: compare to 10 places
    return len(text.split(".", 1)[1])


def compare(expected: Any, actual: Any, path: str = "$") -> tuple[int, list[str]]:
    """(numbers compared, differences): counts (ints) exact, floats equal after rounding to ``expected``'s precision."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return 0, ([] if expected == actual else [f"{path}: {expected!r} != {actual!r}"])
    if isinstance(expected, int):
        same = isinstance(actual, int) and not isinstance(actual, bool) and actual == expected
        return 1, ([] if same else [f"{path}: count {expected!r} != {actual!r}"])
    if isinstance(expected, float):
        if not isinstance(actual, (int, float)) or isinstance(actual, bool):
            return 1, [f"{path}: {expected!r} != {actual!r}"]
        if math.isnan(expected):
            return 1, ([] if math.isnan(actual) else [f"{path}: nan != {actual!r}"])
        nd = decimals(expected)
        return 1, ([] if round(actual, nd) == round(expected, nd) else [f"{path}: {expected!r} != {actual!r} at {nd} places"])
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) != set(actual):
            return 0, [f"{path}: keys {sorted(expected)} != {sorted(actual) if isinstance(actual, dict) else actual!r}"]
        n, diffs = 0, []
        for key in expected:
            k, d = compare(expected[key], actual[key], f"{path}.{key}")
            n, diffs = n + k, diffs + d
        return n, diffs
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return 0, [f"{path}: list of {len(expected)} != {len(actual) if isinstance(actual, list) else actual!r}"]
        n, diffs = 0, []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            k, d = compare(e, a, f"{path}[{i}]")
            n, diffs = n + k, diffs + d
        return n, diffs
    return 0, ([] if expected == actual else [f"{path}: {expected!r} != {actual!r}"])


def test_compare_helper_is_strict_where_it_should_be() -> None:
    assert compare({"n": 3, "share": 0.1235}, {"n": 3, "share": 0.12349999999})[1] == []
    assert compare({"n": 3}, {"n": 4})[1] == ["$.n: count 3 != 4"]
    assert compare({"share": 0.1235}, {"share": 0.1236})[1]  # a different last stated digit is a difference
    assert compare([1, 2.5], [1, 2.5]) == (2, [])
    assert compare({"a": [1]}, {"a": [1, 2]})[1]


# --- translation, without a session ----------------------------------------------------------------


def test_parameters_bind_as_quoted_literals_not_text() -> None:
    _need_spark()
    import sqlglot
    from sqlglot import exp

    from weightatlas.engine.spark_engine import bind, to_spark

    hostile = "x'; DROP TABLE wa_repos; --"
    sql = to_spark(bind(sqlglot.parse_one("SELECT id FROM t WHERE a = ? AND list_contains(?, b)", read="duckdb"), [hostile, ["O'Brien", "c"]]))
    tree = sqlglot.parse_one(sql, read="spark")
    literals = [lit.this for lit in tree.find_all(exp.Literal)]
    assert hostile in literals and "O'Brien" in literals  # one literal each, whatever the escaping
    assert len(list(tree.find_all(exp.Table))) == 1  # no second statement or table smuggled in
    with pytest.raises(Exception, match="2 parameters but 1"):
        bind(sqlglot.parse_one("SELECT ? + ?", read="duckdb"), [1])


def test_decimal_literals_become_double_and_lists_index_from_zero() -> None:
    _need_spark()
    import sqlglot

    from weightatlas.engine.spark_engine import to_spark

    sql = to_spark(sqlglot.parse_one("SELECT 1.0 / k AS w, m.architectures[1] AS a, strftime(d, '%Y-%m') AS m FROM t m", read="duckdb"))
    assert "1.0E0 / k" in sql and "architectures[0]" in sql and "'yyyy-MM'" in sql


# --- the adapter on a live session ----------------------------------------------------------------

STATEMENTS: list[tuple[str, list[Any] | None]] = [
    ("CREATE OR REPLACE TEMP TABLE t_done (child VARCHAR, node VARCHAR, weight DOUBLE, depth INTEGER)", None),
    ("CREATE OR REPLACE TEMP TABLE t_edges AS SELECT * FROM (VALUES ('a', 'b'), ('a', 'c'), ('b', 'd'), ('e', 'f')) v(child, parent)", None),
    ("INSERT INTO t_done SELECT child, parent, 1.0 / count(*) OVER (PARTITION BY child), 1 FROM t_edges", None),
    ("INSERT INTO t_done SELECT ?, ?, ?, ?", ["it's", 'say "x"', 0.25, 2]),
    ("DROP TABLE t_edges", None),
]
QUERIES: list[tuple[str, list[Any] | None]] = [
    (
        """SELECT child, node, weight, depth, row_number() OVER (PARTITION BY child ORDER BY node DESC) AS rn,
                  sum(weight) OVER (PARTITION BY child) AS total
           FROM t_done ORDER BY child, node""",
        None,
    ),
    ("SELECT count(*) AS n, sum(depth) AS d FROM t_done WHERE child <> ? AND node IS NOT NULL", ["it's"]),
    ("SELECT CASE WHEN weight < 0.5 THEN 'small' ELSE 'half' END AS size, count(*) AS n FROM t_done GROUP BY ALL ORDER BY 1", None),
]


def _run(con: Any) -> list[list[tuple[Any, ...]]]:
    for sql, params in STATEMENTS:
        con.execute(sql, params)
    return [con.execute(sql, params).fetchall() for sql, params in QUERIES]


def test_adapter_matches_duckdb_on_hand_written_statements(spark: Any) -> None:
    from weightatlas.engine.spark_engine import SparkConnection

    expected = _run(duckdb.connect(":memory:"))
    con = SparkConnection(spark)
    actual = _run(con)
    assert actual == expected
    assert expected[0][0] == ("a", "b", 0.5, 1, 2, 1.0)  # the windows really ran
    assert ("it's", 'say "x"', 0.25, 2, 1, 0.25) in expected[0]
    # The dropped table is gone on Spark too.
    with pytest.raises(Exception, match="t_edges"):
        con.execute("SELECT * FROM t_edges").fetchall()


# --- the indicator document ---------------------------------------------------------------------


def test_spark_and_duckdb_give_the_same_indicator_json(spark: Any) -> None:
    with Store.open() as store:
        duck = json.loads(json.dumps(build_document(store), default=str))
    with Store.open() as store:
        con = get_engine("spark", store)
        on_spark = json.loads(json.dumps(build_document(store, hub_con=con), default=str))
    # The Hub indicators did run on Spark: its temp tables hold the lineage.
    assert con.execute("SELECT count(*) FROM wa_roots").fetchone()[0] > 0  # type: ignore[index]
    numbers, diffs = compare(duck, on_spark)
    assert diffs == []
    hub = on_spark["indicators"]["adoption"]["hub_sample"]
    assert hub["derivative_share"]["variants"]["all_relations"]["derivatives"] > 0
    assert numbers > 1000  # the whole document, not an empty shell


@pytest.mark.parametrize("substantive_only", [False, True])
def test_derivative_share_walk_from_the_counted_derivatives_runs_on_spark(spark: Any, monkeypatch: pytest.MonkeyPatch, substantive_only: bool) -> None:
    from weightatlas.api import derivative_share
    from weightatlas.indicators import derivatives

    monkeypatch.setattr(derivatives, "PUSHDOWN_MAX_SHARE", 1.0)  # the counted walk (counted_lineage), whatever the share counted
    duck = derivative_share(substantive_only=substantive_only)
    on_spark = derivative_share(substantive_only=substantive_only, engine="spark")
    assert on_spark["walk"] == duck["walk"] == "counted derivatives only"
    numbers, diffs = compare(json.loads(json.dumps(duck, default=str)), json.loads(json.dumps(on_spark, default=str)))
    assert diffs == [] and numbers > 50 and duck["derivatives"] > 0


def _crawl_db(folder: Path) -> Path:
    """A crawl database holding the embedded snapshot's Hub tables."""
    path = folder / "crawl.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    for name in HUB_TABLES:
        source = SNAPSHOT_DIR / f"{name}.parquet"
        if source.is_file():
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM read_parquet(?)", [str(source)])
    con.close()
    return path


def test_export_parquet_layout_and_spark_reads_it(tmp_path: Path, spark: Any) -> None:
    db = _crawl_db(tmp_path)
    out = tmp_path / "pq"
    result = CliRunner().invoke(main, ["export-parquet", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name.split("=")[0] for p in (out / "hub_downloads").iterdir()] == ["snapshot_id"] * len(list((out / "hub_downloads").iterdir()))
    assert list((out / "hub_models").glob("*.parquet"))
    again = CliRunner().invoke(main, ["export-parquet", "--db", str(db), "--out", str(out)])
    assert again.exit_code == 2 and "already holds files" in again.output
    with Store.open(db=db) as store:
        con = get_engine("spark", store, parquet_root=out)
        for name in HUB_TABLES:
            assert con.execute(f"SELECT count(*) FROM {name}").fetchone() == store.con.execute(f"SELECT count(*) FROM {name}").fetchone(), name
        # The partition column comes back as data, with the rows of its own crawl.
        per_snapshot = "SELECT snapshot_id, count(*), sum(downloads) FROM hub_downloads GROUP BY 1 ORDER BY 1"
        expected = store.con.execute(per_snapshot).fetchall()
        assert len(expected) > 1 and con.execute(per_snapshot).fetchall() == expected
        with pytest.raises(Exception, match="export-parquet"):
            get_engine("spark", store)  # a crawl database without its Parquet: say how to make it


# --- without the extra ---------------------------------------------------------------------------


def test_engine_spark_without_the_extra_exits_2_saying_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))
    with pytest.raises(EngineUnavailable, match="pip install 'weightatlas\\[spark\\]'"):
        check_engine("spark")
    result = CliRunner().invoke(main, ["indicators", "--engine", "spark", "--json"])
    assert result.exit_code == 2
    assert "pip install 'weightatlas[spark]'" in " ".join(result.output.split())


def test_the_default_engine_imports_neither_pyspark_nor_sqlglot() -> None:
    code = (
        "import sys; from weightatlas.store import Store; from weightatlas.engine import get_engine; "
        "from weightatlas.indicators import Context; from weightatlas.attribution import load_attribution; "
        "s = Store.open(); ctx = Context(store=s, attribution=load_attribution(), hub_con=get_engine('duckdb', s)); ctx.hub(); "
        "assert ctx.hub_con is s.con; print(sorted({m.split('.')[0] for m in sys.modules} & {'pyspark', 'sqlglot', 'py4j'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_engine_spark_without_java_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import weightatlas.engine as engine

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark absent: the extra's message comes first (tested above)")
    with pytest.raises(EngineUnavailable, match="Java 17\\+ runtime"):
        check_engine("spark")
