"""The library entry points behind the CLI (one function per command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weightatlas.attribution import load_attribution
from weightatlas.indicators import build_document
from weightatlas.snapshot import recover_interrupted_swap
from weightatlas.store import SNAPSHOT_DIR, Store


def open_store(snapshot_dir: Path | None = None, db: Path | None = None) -> Store:
    folder = Path(snapshot_dir or SNAPSHOT_DIR)
    recover_interrupted_swap(folder)
    return Store.open(folder, db=db)


def indicators_document(
    *, snapshot_dir: Path | None = None, bloc_map: Path | None = None, only: list[str] | None = None, db: Path | None = None
) -> dict[str, Any]:
    """The JSON contract (``weightatlas indicators --json``) for a snapshot, bloc map and optional crawl database."""
    with open_store(snapshot_dir, db) as store:
        return build_document(store, load_attribution(bloc_map=bloc_map), only=only)


def build_report(out: Path, *, snapshot_dir: Path | None = None, bloc_map: Path | None = None, db: Path | None = None) -> Any:
    """Compute the document and write the self-contained HTML report into ``out``."""
    from weightatlas.report import write_report

    document = indicators_document(snapshot_dir=snapshot_dir, bloc_map=bloc_map, db=db)
    return write_report(document, Path(out))
