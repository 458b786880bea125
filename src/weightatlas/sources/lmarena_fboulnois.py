"""LMArena text leaderboard as CSV, month by month (fboulnois/llm-leaderboard-csv).

Files read (under ``fboulnois__llm-leaderboard-csv/``):

* ``history/YYYY.MM.DD_lmsys.csv``: the last leaderboard snapshot of each month,
  2024-06..2025-07; the snapshot date is the date in the file name.
* ``csv/lmarena_text.csv``: the text leaderboard as of the repository's last update;
  it carries no date, so its snapshot date is the copy date, 2025-08-04.

``csv/lmarena_vision.csv`` (the vision arena) is ignored.

Columns: ``rank, [rank_stylectrl,] model, arena_elo|arena_score, 95_pct_ci, votes,
organization, license, knowledge_cutoff, url``. The score column is ``arena_elo`` in
the 2024-06 file and ``arena_score`` afterwards; ``rank_stylectrl`` appears from
2024-10. Reading of the view: ``arena_score`` is the *default* (not style-controlled)
rating with the style-control rank only alongside. Files are ordered by ``rank``,
not ``rank_stylectrl``, and the scores equal arena-catalog's default-view ratings
to within rounding (2025-04-24: all 142 shared models within 0.5; 2025-05-23 against
arena-catalog's 2025-05-24), while they differ from its style-controlled ratings by
tens of points.

One ScoreRow per row (``95_pct_ci`` "+a/-b" gives ``ci_high = value + a`` and
``ci_low = value - b``) and one ModelRow the first time each (model, organisation,
licence) combination appears, walking snapshots in date order; later changes of
organisation or licence give another ModelRow. A row repeated verbatim within one
file (Yi-34B-Chat in ``csv/lmarena_text.csv``) is skipped as a duplicate; two rows
for one model with different numbers are an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    ModelRow,
    Row,
    ScoreRow,
    SkippedRow,
    SourceInfo,
    csv_header,
    parse_date,
    parse_float,
    read_csv,
    ref,
)
from weightatlas.sources.lmarena_catalog import arena_accessibility

SOURCE = SourceInfo(
    id="lmarena_fboulnois",
    title="LMArena leaderboard CSV history (fboulnois/llm-leaderboard-csv)",
    url="https://github.com/fboulnois/llm-leaderboard-csv",
    licence="MPL-2.0",
    snapshot_date=date(2025, 8, 4),
    folder="fboulnois__llm-leaderboard-csv",
    files=("history/*_lmsys.csv", "csv/lmarena_text.csv"),
    description="Monthly CSV copies of LMArena's overall text leaderboard (rating, 95% interval, votes, organisation, licence), June 2024 to August 2025.",
    independent=True,
)

BENCHMARK = "lmarena_text"
METRIC_VERSION = "LMArena text, overall, default view (fboulnois CSV)"

_REQUIRED = ("model", "95_pct_ci", "votes", "organization", "license")
_SCORE_COLUMNS = ("arena_score", "arena_elo")
_HISTORY_NAME = re.compile(r"(\d{4})\.(\d{2})\.(\d{2})_lmsys\.csv")
_CI = re.compile(r"\+\s*(\d+(?:\.\d+)?)\s*/\s*-\s*(\d+(?:\.\d+)?)")


def read(root: Path) -> Iterator[Row]:
    base = root / SOURCE.folder
    seen_models: set[tuple[str, str, str]] = set()
    for snapshot, path in _snapshots(base):
        relpath = path.relative_to(base).as_posix()
        score_column = _score_column(path)
        first_line: dict[str, tuple[int, tuple[str, ...]]] = {}
        for line, row in read_csv(path, (*_REQUIRED, score_column)):
            here = ref(SOURCE.folder, relpath, line)
            name = row["model"].strip()
            if not name:
                raise InputError(path, "model name is empty", line=line, field="model")
            value = parse_float(row[score_column], path, line, score_column, required=True)
            assert value is not None
            ci_low, ci_high = _ci(row["95_pct_ci"], value, path, line)
            votes = parse_float(row["votes"], path, line, "votes", required=True)
            assert votes is not None
            org = row["organization"].strip()
            licence = row["license"].strip()

            facts = (str(value), str(ci_low), str(ci_high), str(votes), org, licence)
            if name in first_line:
                earlier, earlier_facts = first_line[name]
                if earlier_facts != facts:
                    raise InputError(path, f"model {name!r} also on line {earlier} with different values", line=line, field="model")
                yield SkippedRow(SOURCE.id, here, f"duplicate of line {earlier}")
                continue
            first_line[name] = (line, facts)

            if (name, org, licence) not in seen_models:
                seen_models.add((name, org, licence))
                yield ModelRow(
                    source_id=SOURCE.id,
                    ref=here,
                    name=name,
                    org_names=(org,) if org else (),
                    licence=licence or None,
                    accessibility=arena_accessibility(licence),
                )
            extra = {"votes": str(int(votes)) if votes.is_integer() else str(votes)}
            if row.get("rank_stylectrl", "").strip():
                extra["rank_stylectrl"] = row["rank_stylectrl"].strip()
            yield ScoreRow(
                source_id=SOURCE.id,
                ref=here,
                model_name=name,
                benchmark=BENCHMARK,
                value=value,
                snapshot_date=snapshot,
                independent=SOURCE.independent,
                metric_version=METRIC_VERSION,
                ci_low=ci_low,
                ci_high=ci_high,
                org_names=(org,) if org else (),
                licence=licence or None,
                extra=extra,
            )


def _snapshots(base: Path) -> list[tuple[date, Path]]:
    """(snapshot date, file) for every leaderboard file, oldest first."""
    found = []
    for path in sorted((base / "history").glob("*_lmsys.csv")):
        match = _HISTORY_NAME.fullmatch(path.name)
        if match is None:
            raise InputError(path, "file name is not YYYY.MM.DD_lmsys.csv", field="file name")
        snapshot = parse_date("-".join(match.groups()), path, None, "file name", required=True)
        assert snapshot is not None
        found.append((snapshot, path))
    # The current leaderboard has no date of its own: it is the copy taken on SOURCE.snapshot_date.
    found.append((SOURCE.snapshot_date, base / "csv" / "lmarena_text.csv"))
    return sorted(found)


def _score_column(path: Path) -> str:
    header = csv_header(path)
    for column in _SCORE_COLUMNS:
        if column in header:
            return column
    raise InputError(path, "missing column 'arena_score' (or 'arena_elo') in header", line=1, field="arena_score")


def _ci(text: str, value: float, path: Path, line: int) -> tuple[float | None, float | None]:
    """Absolute bounds from a "+a/-b" interval; blank means no interval given."""
    stripped = text.strip()
    if not stripped:
        return None, None
    match = _CI.fullmatch(stripped)
    if match is None:
        raise InputError(path, f"not an interval like '+3/-4': {text!r}", line=line, field="95_pct_ci")
    return value - float(match.group(2)), value + float(match.group(1))
