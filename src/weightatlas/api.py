"""The library entry points behind the CLI (one function per command)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from weightatlas.attribution import load_attribution
from weightatlas.errors import WeightatlasError
from weightatlas.indicators import build_document
from weightatlas.snapshot import recover_interrupted_swap
from weightatlas.store import SNAPSHOT_DIR, Store


def open_store(snapshot_dir: Path | None = None, db: Path | None = None, history: Path | None = None, *, hub_only: bool = False) -> Store:
    folder = Path(snapshot_dir or SNAPSHOT_DIR)
    recover_interrupted_swap(folder)
    return Store.open(folder, db=db, history=history, hub_only=hub_only)


def _check_engine_choice(engine: str, parquet: str | None) -> None:
    """Before the snapshot is read: a missing extra, or --parquet without Spark, is one line at once."""
    from weightatlas.engine import check_engine

    check_engine(engine)
    if parquet is not None and engine != "spark":
        raise WeightatlasError("--parquet names the Hub tables' Parquet for --engine spark; DuckDB reads --db or the snapshot")


def indicators_document(
    *,
    snapshot_dir: Path | None = None,
    bloc_map: Path | None = None,
    only: list[str] | None = None,
    db: Path | None = None,
    history: Path | None = None,
    engine: str = "duckdb",
    parquet: str | None = None,
) -> dict[str, Any]:
    """The JSON contract (``weightatlas indicators --json``) for a snapshot, bloc map, optional crawl database and history folder.

    ``engine`` runs the Hub queries on DuckDB (default) or Spark (over the Hub tables' Parquet under ``parquet``).
    """
    from weightatlas.engine import get_engine

    _check_engine_choice(engine, parquet)
    with open_store(snapshot_dir, db, history) as store:
        hub_con = get_engine(engine, store, parquet_root=parquet)
        return build_document(store, load_attribution(bloc_map=bloc_map), only=only, hub_con=hub_con)


def derivative_share(
    *,
    snapshot_dir: Path | None = None,
    bloc_map: Path | None = None,
    db: Path | None = None,
    min_downloads: int = 5,
    substantive_only: bool = False,
    engine: str = "duckdb",
    parquet: str | None = None,
) -> dict[str, Any]:
    """The ATOM-style derivative share alone (``weightatlas derivative-share``), walking only the counted derivatives.

    The same figures as the document's ``adoption.hub_sample.derivative_share.variants``
    entry (``all_relations``, or ``without_quantized`` with ``substantive_only``) for
    ``min_downloads``, from the crawl database ``db`` or the snapshot's Hub tables, without
    loading the rest of the snapshot or resolving the derivatives the share does not count.
    ``engine`` and ``parquet`` as for :func:`indicators_document`.
    """
    from weightatlas.engine import get_engine
    from weightatlas.indicators import HUB_SNAPSHOTS_SQL, Context, derivatives, hub_source

    if min_downloads < 0:
        raise WeightatlasError(f"--min-downloads must be 0 or more, not {min_downloads}")
    _check_engine_choice(engine, parquet)
    with open_store(snapshot_dir, db, hub_only=True) as store:
        hub_con = get_engine(engine, store, parquet_root=parquet)
        ctx = Context(store=store, attribution=load_attribution(bloc_map=bloc_map), hub_con=hub_con)
        variant = derivatives.counted_variant(ctx, substantive_only=substantive_only, min_downloads=min_downloads)
        return {
            "source": hub_source(store),
            "snapshot_date": store.manifest.get("snapshot_date"),  # the embedded snapshot's (its curated base list)
            "hub_snapshots": ctx.hub_rows(HUB_SNAPSHOTS_SQL),  # when the Hub tables were crawled
            "variant": "without_quantized" if substantive_only else "all_relations",
            "min_downloads": min_downloads,
            **variant,
        }


def build_report(
    out: Path,
    *,
    snapshot_dir: Path | None = None,
    bloc_map: Path | None = None,
    db: Path | None = None,
    history: Path | None = None,
    engine: str = "duckdb",
    parquet: str | None = None,
) -> Any:
    """Compute the document and write the self-contained HTML report into ``out``.

    ``out`` is checked first: a path that cannot be written fails at once, not after the computing.
    """
    from weightatlas.report import write_report

    check_output_folder(Path(out))
    document = indicators_document(snapshot_dir=snapshot_dir, bloc_map=bloc_map, db=db, history=history, engine=engine, parquet=parquet)
    return write_report(document, Path(out))


def check_output_folder(out: Path) -> None:
    """Raise :class:`WeightatlasError` unless ``out`` is a writable folder, or can be created as one.

    Nothing is created here: the folder is made only when the report is written.
    """
    existing = out.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == out.absolute():
        if not existing.is_dir():
            raise WeightatlasError(f"cannot write the report into {out}: it is not a folder")
    elif not existing.is_dir():
        raise WeightatlasError(f"cannot write the report into {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise WeightatlasError(f"cannot write the report into {out}: no write permission on {existing}")


def literature_check(*, snapshot_dir: Path | None = None, table: Path | None = None) -> dict[str, Any]:
    """The literature panel (``weightatlas check literature``): published figures against ours, with statuses.

    Only the store is needed (the recomputations read its tables), not the indicators.
    ``table`` replaces the packaged ``literature.csv`` (for a modified copy).
    """
    from weightatlas.indicators import Context
    from weightatlas.literature import build_literature

    with open_store(snapshot_dir) as store:
        ctx = Context(store=store, attribution=load_attribution())
        return build_literature(ctx, {"snapshot": store.manifest}, path=table)
