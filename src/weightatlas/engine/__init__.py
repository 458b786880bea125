"""The seam between the Hub indicators and the engine that runs their heavy queries.

The Hub modules (lineage, adoption, derivatives, collaboration, regional, diffusion,
regulation) talk to their database only through an object with the subset of
DuckDB's connection API they already use: ``execute(sql, params=None)`` returning
something with ``fetchone()``, ``fetchall()``, ``to_arrow_table()`` (DuckDB 2's name
for the older ``fetch_arrow_table()``, which the Spark result answers to as well) and
``description``, plus ``register(name, arrow_table)`` / ``unregister(name)``.

* ``duckdb`` (default): the store's own DuckDB connection, unchanged (no overhead).
* ``spark``: :class:`weightatlas.engine.spark_engine.SparkConnection`, which transpiles
  the same SQL from the DuckDB dialect to Spark SQL with SQLGlot, so there is one copy
  of every query. PySpark is an optional extra, imported only when this engine is chosen.

The curated tables (organizations, models, scores, histories) stay in DuckDB either
way: they are small, and only the Hub tables grow with the Hub.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from weightatlas.errors import WeightatlasError

if TYPE_CHECKING:
    import pyarrow as pa

    from weightatlas.store import Store

ENGINES = ("duckdb", "spark")
SPARK_INSTALL = "pip install 'weightatlas[spark]'"


class Result(Protocol):
    description: Any

    def fetchone(self) -> tuple[Any, ...] | None: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def to_arrow_table(self) -> pa.Table: ...


class HubConnection(Protocol):
    """What the Hub modules may call: the seam contract (a DuckDB connection satisfies it)."""

    def execute(self, sql: str, params: Any = None) -> Result: ...
    def register(self, name: str, table: pa.Table) -> Any: ...
    def unregister(self, name: str) -> Any: ...


class EngineUnavailable(WeightatlasError):
    """The chosen engine's optional packages (or Java, for Spark) are missing."""


def check_engine(name: str) -> None:
    """Raise :class:`EngineUnavailable` (saying how to install it) when ``name`` cannot run here."""
    if name not in ENGINES:
        raise WeightatlasError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name == "spark":
        missing = [m for m in ("pyspark", "sqlglot") if importlib.util.find_spec(m) is None]
        if missing:
            raise EngineUnavailable(f"--engine spark needs {' and '.join(missing)}, which is not installed: {SPARK_INSTALL}")
        # Without Java, PySpark's gateway dies with a traceback; say what is missing instead.
        if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            raise EngineUnavailable("--engine spark needs a Java 17+ runtime (java on PATH or JAVA_HOME), e.g. apt-get install default-jre-headless")


def get_engine(name: str, store: Store, *, parquet_root: Path | None = None, master: str | None = None) -> HubConnection:
    """The connection-like object the Hub indicators run on for engine ``name``.

    ``parquet_root`` is where Spark reads the Hub tables (a folder written by
    ``weightatlas export-parquet``, or an ``s3a://`` / ``gs://`` URL); by default the
    store's snapshot folder. ``master`` is the Spark master (default
    ``$WEIGHTATLAS_SPARK_MASTER``, else ``local[2]``).
    """
    check_engine(name)
    if name == "duckdb":
        return store.con
    from weightatlas.engine.spark_engine import SparkConnection

    return SparkConnection.for_store(store, parquet_root=parquet_root, master=master)


def hub_rows(con: HubConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Every row of a query on the seam as a dict, like :meth:`Store.rows`."""
    cursor = con.execute(sql, params or [])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
