"""History of LMArena's overall text rating, May 2023 to February 2025 (nakasyou/lmarena-history).

One file, ``output/result.csv``: a wide matrix with one row per leaderboard snapshot
(first column, unnamed, ``YYYYMMDD``) and one column per model key; ``0`` marks a
model absent from that snapshot. One ScoreRow per non-zero cell, dated by its row,
with ref ``...result.csv:<line>#<model column>``. There are no organisations,
licences, intervals or vote counts.

The values are not one metric throughout, so ``metric_version`` depends on the date:

* up to 2024-06-26 they are noisy online-Elo-style ratings, not the table LMArena
  published: the first rows reproduce the online Elo of LMSYS's May 2023
  announcement (gpt-4 1274.2, claude-v1 1224.7), but in 2024 they sit about 150
  points below the published ratings (gpt-4o-2024-05-13 1150 on 2024-06-26 against
  1287 in fboulnois's 2024-06-19 CSV) and jump by tens of points between
  neighbouring snapshots;
* from 2024-06-29 they are the published Bradley-Terry rating (default view),
  anchored like LMArena's table (mixtral-8x7b-instruct-v0.1 exactly 1114.0) and
  equal, within rounding, to fboulnois's CSV on the one shared date, 2024-07-31.

Either way a value is only comparable within its own snapshot.

Duplicate snapshot dates or duplicate model columns would be ambiguous and are
errors; a blank cell is an error too, since the matrix writes absence as ``0``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import Row, ScoreRow, SourceInfo, csv_header, parse_date, parse_float, read_csv, ref

SOURCE = SourceInfo(
    id="lmarena_nakasyou",
    title="LMArena overall text Elo history (nakasyou/lmarena-history)",
    url="https://github.com/nakasyou/lmarena-history",
    licence="MIT",
    snapshot_date=date(2025, 5, 23),
    folder="nakasyou__lmarena-history",
    files=("output/result.csv",),
    description="A date-by-model matrix of LMArena's overall text ratings at about 100 leaderboard snapshots from May 2023 to February 2025.",
    independent=True,
)

BENCHMARK = "lmarena_text"
METRIC_VERSION = "LMArena text, overall, default view (nakasyou history)"
METRIC_VERSION_ONLINE = "LMArena text, overall, online-Elo-style series before 2024-06-29 (nakasyou history; not the published rating)"
# First snapshot on the published, anchored scale (see the module docstring).
PUBLISHED_SCALE_FROM = date(2024, 6, 29)
RELPATH = "output/result.csv"


def read(root: Path) -> Iterator[Row]:
    path = root / SOURCE.folder / RELPATH
    date_column, models = _header(path)
    dates_seen: dict[date, int] = {}
    for line, row in read_csv(path):
        snapshot = parse_date(row[date_column], path, line, "date", required=True)
        assert snapshot is not None
        if snapshot in dates_seen:
            raise InputError(path, f"snapshot {snapshot} already on line {dates_seen[snapshot]}", line=line, field="date")
        dates_seen[snapshot] = line
        metric_version = METRIC_VERSION if snapshot >= PUBLISHED_SCALE_FROM else METRIC_VERSION_ONLINE
        for model in models:
            value = parse_float(row[model], path, line, model, required=True)
            assert value is not None
            if value == 0:  # absent from this snapshot
                continue
            yield ScoreRow(
                source_id=SOURCE.id,
                ref=ref(SOURCE.folder, RELPATH, f"{line}#{model}"),
                model_name=model,
                benchmark=BENCHMARK,
                value=value,
                snapshot_date=snapshot,
                independent=SOURCE.independent,
                metric_version=metric_version,
            )


def _header(path: Path) -> tuple[str, list[str]]:
    """The date column's name (blank upstream) and the model columns, checked for duplicates."""
    header = csv_header(path)
    if len(header) < 2:
        raise InputError(path, "expected a date column and at least one model column", line=1)
    models = header[1:]
    for model, count in Counter(models).items():
        if not model:
            raise InputError(path, "a model column has no name", line=1)
        if count > 1:
            raise InputError(path, f"model column {model!r} appears {count} times", line=1, field=model)
    return header[0], models
