"""Daily cumulative Hub downloads of the KBhandari11 cohort (arXiv 2502.15987), read strictly.

Source: ``KBhandari11/ForecastHuggingFaceModels`` (MIT). Each
``data/2025-02-18/download/<File>.csv`` has a ``model`` column, one column per
day ``2024-07-02 00:00:00`` … ``2025-02-18 00:00:00`` holding the repo's
all-time cumulative download count, and ``created_at``. The cohort is repos
*created inside that window*, chosen by the paper on 2025-02-18 (at most 100
per organisation file, plus 100 popular repos of other namespaces in
``Other.csv``).

What this module decides, and nothing more: every value is parsed (a bad
date, a non-numeric or negative count, a missing or repeated column is one
:class:`InputError` naming file, line and field); the day columns must be
consecutive days; the first day with a non-zero count is the repo's
``counter_start`` (the Hub's all-time counter reaching it, not a day's
downloads). A cumulative count that falls by more than
:data:`DECREASE_TOLERANCE` of its previous value is *flagged* (listed in the
quality notes and counted in the manifest), never fatal and never altered.
Attribution and modality are applied by the snapshot build.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.sources.base import SourceInfo, open_text, ref

SOURCE = SourceInfo(
    id="hf_forecast_histories",
    title="Hugging Face download and fine-tune histories (KBhandari11/ForecastHuggingFaceModels, arXiv 2502.15987)",
    url="https://github.com/KBhandari11/ForecastHuggingFaceModels",
    licence="MIT",
    snapshot_date=date(2025, 3, 7),
    folder="KBhandari11__ForecastHuggingFaceModels",
    files=("data/2025-02-18/download/*.csv", "data/2025-02-18/finetune/*.csv"),
    description="Daily all-time cumulative downloads (2024-07-02..2025-02-18) of a cohort of repos created in that window, and monthly cumulative fine-tune counts per base model.",
    independent=True,
)
DOWNLOAD_DIR = "data/2025-02-18/download"

#: A cumulative count may fall by at most this share of its previous value before it is flagged.
#: The real files never decrease; the tolerance only keeps rounding in a re-export from flagging.
DECREASE_TOLERANCE = 0.001


@dataclass
class RepoHistory:
    repo_id: str
    ref: str
    cohort_file: str
    created_at: date
    days: list[date]
    cumulative: list[int]
    counter_start: date | None = None
    decreases: list[dict[str, object]] = field(default_factory=list)


def _day_column(name: str, path: Path) -> date:
    text = name.strip()
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").date() if " " in text else date.fromisoformat(text)
    except ValueError:
        raise InputError(path, f"column {name!r} is not a day (expected YYYY-MM-DD 00:00:00)", line=1, field=name) from None


def parse_created(value: str, path: Path, line: int, column: str = "created_at") -> date:
    """``created_at`` as the files write it (``2024-11-25 09:46:10+00:00``): the UTC calendar day."""
    text = value.strip()
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(path, f"not a date: {value!r} (expected YYYY-MM-DD[ HH:MM:SS+00:00])", line=line, field=column) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc)
    if not 2000 <= stamp.year <= 2100:
        raise InputError(path, f"date out of range: {value!r}", line=line, field=column)
    return stamp.date()


def parse_count(value: str, path: Path, line: int, column: str) -> int:
    """A cumulative count as the files write it (``1234.0``): a whole, non-negative number."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        raise InputError(path, f"not a number: {value!r}", line=line, field=column) from None
    if not number >= 0 or number != int(number) or number == float("inf"):
        raise InputError(path, f"not a whole non-negative count: {value!r}", line=line, field=column)
    return int(number)


def read_file(path: Path, relpath: str, folder: str = SOURCE.folder) -> list[RepoHistory]:
    """Parse one download file; every problem names file, line and field."""
    with open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(path, "file is empty (no header row)", line=1) from None
        header = [h.strip() for h in header]
        seen: set[str] = set()
        for col in header:
            if col in seen:
                raise InputError(path, f"column {col!r} appears more than once in the header", line=1, field=col)
            seen.add(col)
        for col in ("model", "created_at"):
            if col not in header:
                raise InputError(path, f"missing column {col!r} in header", line=1, field=col)
        day_cols = [i for i, h in enumerate(header) if h not in ("model", "created_at")]
        if not day_cols:
            raise InputError(path, "no day columns in header", line=1)
        days = [_day_column(header[i], path) for i in day_cols]
        for prev, cur, i in zip(days, days[1:], day_cols[1:], strict=False):
            if cur - prev != timedelta(days=1):
                raise InputError(path, f"day columns are not consecutive ({prev} then {cur})", line=1, field=header[i])
        i_model, i_created = header.index("model"), header.index("created_at")
        out: list[RepoHistory] = []
        repos: dict[str, int] = {}
        for values in reader:
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InputError(path, f"{len(values)} fields but the header has {len(header)}", line=line)
            repo_id = values[i_model].strip()
            if repo_id.count("/") != 1 or not all(repo_id.split("/")):
                raise InputError(path, f"not a Hub repo id: {repo_id!r}", line=line, field="model")
            if repo_id.casefold() in repos:
                raise InputError(path, f"repo {repo_id!r} already listed on line {repos[repo_id.casefold()]}", line=line, field="model")
            repos[repo_id.casefold()] = line
            created = parse_created(values[i_created], path, line)
            counts = [parse_count(values[i], path, line, header[i]) for i in day_cols]
            hist = RepoHistory(repo_id, ref(folder, relpath, line), path.stem, created, days, counts)
            hist.counter_start = next((d for d, c in zip(days, counts, strict=True) if c > 0), None)
            for d, before, after in zip(days[1:], counts, counts[1:], strict=False):
                if after < before * (1 - DECREASE_TOLERANCE):
                    hist.decreases.append({"repo_id": repo_id, "ref": hist.ref, "day": d.isoformat(), "before": before, "after": after})
            out.append(hist)
    return out


def read_histories(root: Path) -> list[RepoHistory]:
    """Every download file of the cohort, in file-name order; a repo listed in two files is an error."""
    folder = root / SOURCE.folder / DOWNLOAD_DIR
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError(folder, "no download files (*.csv) found")
    out: list[RepoHistory] = []
    where: dict[str, str] = {}
    for path in files:
        for hist in read_file(path, f"{DOWNLOAD_DIR}/{path.name}"):
            key = hist.repo_id.casefold()
            if key in where:
                raise InputError(path, f"repo {hist.repo_id!r} is also listed in {where[key]}", line=int(hist.ref.rsplit(':', 1)[1]), field="model")
            where[key] = hist.ref
            out.append(hist)
    return out
