"""What the two OpenRouter ranking adapters share: the row shape, week rules, strict field readers.

Both sources copy OpenRouter's public weekly rankings (the top models by tokens), in
two formats that never overlap in time. Each adapter yields :class:`UsageRow` with the
week the figures cover normalised to the Monday of an ISO week; attribution (developer,
bloc, open weights) is added once, in :func:`weightatlas.snapshot` from the curated
``inference_models.csv``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from collections.abc import Callable
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import read_text

DDL = """
CREATE TABLE IF NOT EXISTS inference_usage (
    source VARCHAR NOT NULL,
    week_start DATE NOT NULL,
    week_label VARCHAR NOT NULL,
    rank INTEGER NOT NULL,
    model_key VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    org_id VARCHAR,
    bloc VARCHAR NOT NULL,
    open_weights BOOLEAN,
    open_weights_source VARCHAR,
    is_free BOOLEAN,
    stealth BOOLEAN NOT NULL,
    total_tokens BIGINT NOT NULL,
    ref VARCHAR NOT NULL
);
"""

#: OpenRouter's own namespace: unnamed "stealth" models a lab tests anonymously.
STEALTH_AUTHOR = "openrouter"


@dataclass(frozen=True)
class UsageRow:
    """One listed model in one week, as the source file gives it (before attribution)."""

    source: str
    week_start: date
    week_label: str
    rank: int
    model_key: str  # the variant as listed: slug (``:free`` kept) or author/name
    name: str
    author: str
    is_free: bool | None
    total_tokens: int
    ref: str
    breakdown_missing: bool = False  # every token-breakdown field was 0 (the collector's "missing")

    @property
    def stealth(self) -> bool:
        return self.author.lower() == STEALTH_AUTHOR

    @property
    def model(self) -> str:
        """The model the variant belongs to: ``:free`` and ``(free)`` variants join their paid twin."""
        return model_of(self.model_key)


_FREE = re.compile(r"(:free|\s*\(free\))$", re.IGNORECASE)


def model_of(model_key: str) -> str:
    return _FREE.sub("", model_key.strip())


def iso_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def load_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None


def read_weekly_files(folder: Path, pattern: str, read_week: Callable[[Path, str, dict[date, Path]], list[UsageRow]]) -> list[UsageRow]:
    """Every weekly file under ``folder`` matching ``pattern``, read in name order; ``read_week`` refuses a week seen twice."""
    paths = sorted(folder.glob(pattern))
    if not paths:
        where = folder / Path(pattern).parent
        raise InputError(where, f"no weekly JSON files ({pattern})")
    rows: list[UsageRow] = []
    weeks: dict[date, Path] = {}
    for path in paths:
        rows += read_week(path, path.relative_to(folder).as_posix(), weeks)
    return rows


def load_week(path: Path) -> dict[str, Any]:
    """A weekly file's top-level JSON object."""
    data = load_json(path)
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object, got {type(data).__name__}", line=1)
    return data


def rank_of(item: Any, path: Path, line: int) -> int:
    rank = field(item, "rank", int, path, line)
    if rank < 1:
        raise InputError(path, f"rank must be 1 or more, got {rank}", line=line, field="rank")
    return rank


def item_lines(path: Path, key: str, count: int) -> list[int]:
    """The line of each list item, found as the n-th line holding ``"key":`` (1 for every item if the file is not one key a line)."""
    lines = [i for i, text in enumerate(read_text(path).splitlines(), start=1) if re.search(rf'"{re.escape(key)}"\s*:', text)]
    return lines[:count] if len(lines) >= count else [1] * count


def field(item: Any, name: str, kind: type | tuple[type, ...], path: Path, line: int, *, required: bool = True) -> Any:
    if not isinstance(item, dict):
        raise InputError(path, f"expected an object, got {type(item).__name__}", line=line)
    value = item.get(name)
    if value is None:
        if required:
            raise InputError(path, "value is required", line=line, field=name)
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise InputError(path, f"expected {_kind_name(kind)}, got a boolean", line=line, field=name)
    if not isinstance(value, kind):
        raise InputError(path, f"expected {_kind_name(kind)}, got {type(value).__name__}", line=line, field=name)
    if isinstance(value, str) and not value.strip() and required:
        raise InputError(path, "value is required", line=line, field=name)
    return value


def token_count(item: Any, name: str, path: Path, line: int, *, positive: bool = False) -> int:
    """A token count: a whole number (an integral float is accepted), never negative, at most 10^18."""
    value = field(item, name, (int, float), path, line)
    if isinstance(value, float):
        if not value.is_integer():
            raise InputError(path, f"not a whole number of tokens: {value!r}", line=line, field=name)
        value = int(value)
    if value < 0 or value > 10**18 or (positive and value == 0):
        raise InputError(path, f"token count out of range: {value}", line=line, field=name)
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "a number", float: "a number", str: "text", bool: "true or false", list: "a list", dict: "an object"}
    return " or ".join(sorted({names.get(k, k.__name__) for k in kinds}))
