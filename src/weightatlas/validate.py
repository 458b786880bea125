"""Validate every curated table: schema, dates, URLs, codes, duplicates, references.

Each table is loaded by the same strict loader the build and the indicators use,
so a table that passes here cannot fail later. On top of that, every URL column of
every table goes through the source-URL rule of :mod:`weightatlas.source_urls` (no tag,
author, search or listing pages; no site roots or organisation pages for dated claims),
and each rejected URL is reported on its own. Problems are reported as
``file, line N, field 'x': message``; :func:`validate_all` returns one result per
table and never stops at the first bad file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weightatlas.attribution import CURATED_DIR, load_attribution
from weightatlas.errors import InputError
from weightatlas.source_urls import is_dated, source_url_errors


@dataclass
class TableCheck:
    file: str
    rows: int | None
    error: InputError | None
    url_errors: list[InputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.url_errors

    @property
    def errors(self) -> list[InputError]:
        """Every problem found: the loader's (it stops at the first), then each rejected source URL
        and each architecture-facts note naming a feature whose cell is empty."""
        return ([self.error] if self.error else []) + self.url_errors


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


def _url_errors(folder: Path, name: str) -> list[InputError]:
    """The source-URL rule over each file of a check (a check may load several files)."""
    from weightatlas import curated

    dated = {s.file: is_dated([(c.name, c.kind) for c in s.columns]) for s in curated.ALL_SPECS}
    errors = []
    for file in name.split(" + "):
        path = folder / file
        if not path.is_file():
            continue
        try:
            errors += source_url_errors(path, dated=dated.get(file, False))
        except InputError:
            continue  # an unreadable file is already reported by its loader
    return errors


def _row_errors(folder: Path, name: str) -> list[InputError]:
    """Row rules reported for every row, not just the first: a note naming a feature whose cell is empty."""
    from weightatlas import curated

    path = folder / curated.ARCHITECTURE_FACTS.file
    if name != curated.ARCHITECTURE_FACTS.file or not path.is_file():
        return []
    return curated.architecture_note_errors(path)


def validate_all(folder: Path | None = None) -> list[TableCheck]:
    folder = Path(folder or CURATED_DIR)
    results = []
    for name, load in _checks(folder):
        row_errors = _row_errors(folder, name)
        url_errors = _url_errors(folder, name) + row_errors
        try:
            loaded = load()
        except InputError as exc:
            if any((e.line, e.field, e.message) == (exc.line, exc.field, exc.message) for e in row_errors):
                exc = None  # the loader stopped at a note problem already listed
            results.append(TableCheck(name, None, exc, url_errors))
            continue
        results.append(TableCheck(name, len(loaded) if hasattr(loaded, "__len__") else None, None, url_errors))
    return results
