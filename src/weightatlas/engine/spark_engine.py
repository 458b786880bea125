"""The Spark engine: the seam's connection API over a SparkSession, SQL transpiled by SQLGlot.

Imported only when ``--engine spark`` is chosen (PySpark is the ``spark`` extra).
Every statement the Hub modules send is written once, in DuckDB's dialect; this
adapter parses it with SQLGlot, binds ``?`` parameters as literals in the syntax
tree (quoted by SQLGlot's generator, never pasted into the text), and either runs
the Spark SQL or, for the few statements Spark SQL has no temp-table form of,
does the same with DataFrames:

* ``CREATE OR REPLACE TEMP TABLE x AS q`` -> ``q`` materialised with
  ``localCheckpoint`` (so a loop of steps does not grow one ever longer plan) and
  registered as temp view ``x``;
* ``CREATE [OR REPLACE] TEMP TABLE x (cols)`` -> an empty DataFrame of that schema;
* ``INSERT INTO x SELECT ...`` -> ``x`` union the rows (cast by position to x's
  types, as an INSERT does), materialised and registered again as ``x``;
* ``DROP TABLE x`` -> the temp view dropped.

Results come back through Arrow (``DataFrame.toArrow``, PySpark 4).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from weightatlas.errors import WeightatlasError
from weightatlas.hub.schema import HUB_TABLES

# PySpark and SQLGlot are the `spark` extra: imported inside the functions that use them, so
# this module can be named (and the extra's absence reported) without them installed.
if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from sqlglot import exp

    from weightatlas.store import Store

#: Curated tables the Hub queries join (the lineage walk stops at the curated base list): small, sent from DuckDB.
CURATED_TABLES = ("tracked_models",)
MASTER_ENV = "WEIGHTATLAS_SPARK_MASTER"


def session(master: str | None = None) -> SparkSession:
    """The Spark session: UTC, DuckDB-like arithmetic, few shuffle partitions unless told otherwise."""
    from pyspark.sql import SparkSession

    # Any Python worker Spark starts must be this interpreter (this venv), not whatever python3 is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    master = master or os.environ.get(MASTER_ENV)
    builder = SparkSession.builder
    # Under spark-submit (which hands Python its gateway port) the submit's --master rules; else local.
    if master or "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(master or "local[2]")
    builder = (
        builder.appName("weightatlas")
        # Dates are cut from timestamps: the same day boundaries as DuckDB, whatever the machine's zone.
        .config("spark.sql.session.timeZone", "UTC")
        # DuckDB's x / 0 is NULL and its casts are lenient; ANSI mode (Spark 4's default) would raise instead.
        .config("spark.sql.ansi.enabled", "false")
        # 200 shuffle partitions (the default) cost more than the work on a laptop-sized input.
        .config("spark.sql.shuffle.partitions", os.environ.get("WEIGHTATLAS_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        # Spark 4's constraint propagation fails on the lineage's UNION ALL of a left-anti-joined
        # branch and a checkpointed table ("key not found: child_key#..." in UnionBase.rewriteConstraints);
        # it only infers extra filters, so turning it off changes no result.
        .config("spark.sql.constraintPropagation.enabled", "false")
        # Spark's own stage bars would interleave with weightatlas's progress on stderr.
        .config("spark.ui.showConsoleProgress", "false")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkResult:
    """A query's rows, fetched once through Arrow; DECIMAL columns become floats as DuckDB's DOUBLE."""

    def __init__(self, df: DataFrame | None) -> None:
        self._df = df
        self._table: pa.Table | None = None
        self.description = [(c, None, None, None, None, None, None) for c in (df.columns if df is not None else [])]

    def to_arrow_table(self) -> pa.Table:
        if self._table is None:
            table = self._df.toArrow() if self._df is not None else pa.table({})
            for i, field in enumerate(table.schema):
                if pa.types.is_decimal(field.type):
                    table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
            self._table = table
        return self._table

    fetch_arrow_table = to_arrow_table  # the pre-2.0 DuckDB name

    def fetchall(self) -> list[tuple[Any, ...]]:
        table = self.to_arrow_table()
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchall()
        return rows[0] if rows else None


def bind(tree: exp.Expression, params: list[Any] | tuple[Any, ...] | None) -> exp.Expression:
    """Replace the ``?`` placeholders, in order, by literals built from the values (lists as arrays)."""
    from sqlglot import exp

    holders = [p for p in tree.find_all(exp.Placeholder, bfs=False)]
    values = list(params or [])
    if len(holders) != len(values):
        raise WeightatlasError(f"the statement has {len(holders)} parameters but {len(values)} values were given")
    for holder, value in zip(holders, values, strict=True):
        holder.replace(exp.convert(value))
    return tree


def _double_literals(node: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    # `1.0` is DECIMAL in both dialects, but DuckDB divides DECIMALs into DOUBLE while Spark keeps
    # DECIMAL (rounding a 1/3 weight to 6 places). An exponent makes the literal DOUBLE in Spark.
    if isinstance(node, exp.Literal) and node.is_number and "." in node.this and "e" not in node.this.lower():
        return exp.Literal.number(f"{node.this}E0")
    return node


def _wide_hash(node: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    # The lineage joins on hashed repo names (lineage.key_sql): DuckDB's hash is 64-bit, Spark's
    # `hash` only 32-bit (a million names would collide), so Spark runs its 64-bit xxhash64.
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        return exp.Anonymous(this="xxhash64", expressions=node.expressions)
    return node


def to_spark(tree: exp.Expression) -> str:
    """Spark SQL for one (bound) DuckDB-dialect expression."""
    return tree.transform(_double_literals).transform(_wide_hash).sql(dialect="spark")


class SparkConnection:
    """The seam contract (``execute``/``register``/``unregister``) over a SparkSession."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._tables: dict[str, DataFrame] = {}

    @classmethod
    def for_store(cls, store: Store, *, parquet_root: Path | str | None = None, master: str | None = None) -> SparkConnection:
        """A connection whose Hub tables are temp views over the same Parquet files the store reads.

        A table with no Parquet under the root is an empty (or fixture) table of the embedded
        snapshot: it is pushed from DuckDB through Arrow, which is cheap at that size. A crawl
        database must be exported first (``weightatlas export-parquet``): Spark cannot read DuckDB files.
        """
        if store.db is not None and parquet_root is None:
            raise WeightatlasError(
                f"--engine spark reads Parquet, not the DuckDB file {store.db.name}: run "
                f"`weightatlas export-parquet --db {store.db} --out DIR` and pass --parquet DIR"
            )
        con = cls(session(master))
        root = str(parquet_root if parquet_root is not None else store.folder).rstrip("/")
        for name in HUB_TABLES:
            df = con._read_parquet(root, name)
            if df is None:
                if store.db is not None or parquet_root is not None:
                    raise WeightatlasError(f"no Parquet for table {name} under {root} (expected {root}/{name}/); write it with `weightatlas export-parquet`")
                df = con._from_arrow(store.con.table(name).to_arrow_table())
            df.createOrReplaceTempView(name)
        for name in CURATED_TABLES:
            con._from_arrow(store.con.table(name).to_arrow_table()).createOrReplaceTempView(name)
        return con

    def _read_parquet(self, root: str, name: str) -> DataFrame | None:
        from pyspark.sql.utils import AnalysisException

        local = "://" not in root
        for path in (f"{root}/{name}", f"{root}/{name}.parquet"):
            if local and not Path(path).exists():
                continue
            try:
                return self.spark.read.parquet(path)
            except AnalysisException:
                continue
        return None

    def _from_arrow(self, table: pa.Table) -> DataFrame:
        return self.spark.createDataFrame(table)

    # --- the seam contract -------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> SparkResult:
        import sqlglot
        from sqlglot import exp

        tree = bind(sqlglot.parse_one(sql, read="duckdb"), params)
        if isinstance(tree, exp.Create) and tree.kind == "TABLE":
            self._create(tree)
            return SparkResult(None)
        if isinstance(tree, exp.Insert):
            self._insert(tree)
            return SparkResult(None)
        if isinstance(tree, exp.Drop):
            for table in tree.args.get("tables") or [tree.this]:
                self._drop(table.name)
            return SparkResult(None)
        return SparkResult(self.spark.sql(to_spark(tree)))

    def register(self, name: str, table: pa.Table) -> None:
        self._save(name, self._from_arrow(table))

    def unregister(self, name: str) -> None:
        self._drop(name)

    def close(self) -> None:
        for name in list(self._tables):
            self._drop(name)

    # --- temp tables -------------------------------------------------------------------------
    def _create(self, tree: exp.Create) -> None:
        from sqlglot import exp

        target = tree.this
        if tree.expression is not None:
            self._save(target.name, self.spark.sql(to_spark(tree.expression)))
            return
        if not isinstance(target, exp.Schema):
            raise WeightatlasError(f"cannot run on Spark (a table needs columns or a query): {tree.sql()}")
        ddl = ", ".join(f"`{c.name}` {c.args['kind'].sql(dialect='spark')}" for c in target.expressions if isinstance(c, exp.ColumnDef))
        self._save(target.this.name, self.spark.createDataFrame([], ddl))

    def _insert(self, tree: exp.Insert) -> None:
        from pyspark.sql import functions as F
        from sqlglot import exp

        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        name = target.name
        if name not in self._tables:
            raise WeightatlasError(f"cannot run on Spark: INSERT INTO {name}, which is not a temp table made here")
        current = self._tables[name]
        rows = self.spark.sql(to_spark(tree.expression))
        # By position, cast to the target's types: what INSERT INTO ... SELECT does in DuckDB.
        rows = rows.select([F.col(f"`{c}`").cast(f.dataType).alias(f.name) for c, f in zip(rows.columns, current.schema.fields, strict=True)])
        self._save(name, current.unionByName(rows))

    def _save(self, name: str, df: DataFrame) -> None:
        # Materialised once: the indicators read a temp table many times, and a loop that rebuilds
        # one from the previous step would otherwise re-run every earlier step's plan.
        stored = df.localCheckpoint(eager=True)
        old = self._tables.get(name)
        stored.createOrReplaceTempView(name)
        self._tables[name] = stored
        if old is not None:
            old.unpersist()

    def _drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        old = self._tables.pop(name, None)
        if old is not None:
            old.unpersist()
