"""Validate every curated table: schema, dates, URLs, codes, duplicates, references.

Each table is loaded by the same strict loader the build and the indicators use,
so a table that passes here cannot fail later. Problems are reported as
``file, line N, field 'x': message``; :func:`validate_all` returns one result per
table and never stops at the first bad file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weightatlas.attribution import CURATED_DIR, load_attribution
from weightatlas.errors import InputError


@dataclass
class TableCheck:
    file: str
    rows: int | None
    error: InputError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _checks(folder: Path) -> list[tuple[str, Callable[[], Any]]]:
    from weightatlas import curated
    from weightatlas.hub import features
    from weightatlas.resolve import load_model_aliases

    def spec(s: curated.TableSpec) -> Callable[[], Any]:
        return lambda: curated.load_table(s, None if folder == CURATED_DIR else folder / s.file)

    def attribution() -> Any:
        a = load_attribution(folder)
        return a.organizations

    return [
        ("organizations.csv + org_aliases.csv + model_families.csv + blocs.csv", attribution),
        ("model_aliases.csv", lambda: load_model_aliases(folder / "model_aliases.csv")),
        ("config_keys.csv", lambda: features.load_key_table(folder / "config_keys.csv")),
        ("model_type_defaults.csv", lambda: features.load_model_type_defaults(folder / "model_type_defaults.csv")),
        ("gguf_architectures.csv", lambda: features.load_gguf_architectures(folder / "gguf_architectures.csv")),
        *[(s.file, spec(s)) for s in curated.ALL_SPECS],
    ]


def validate_all(folder: Path | None = None) -> list[TableCheck]:
    folder = Path(folder or CURATED_DIR)
    results = []
    for name, load in _checks(folder):
        try:
            loaded = load()
        except InputError as exc:
            results.append(TableCheck(name, None, exc))
            continue
        results.append(TableCheck(name, len(loaded) if hasattr(loaded, "__len__") else None, None))
    return results
