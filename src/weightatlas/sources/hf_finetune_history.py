"""Monthly cumulative fine-tune counts per base model (KBhandari11 cohort), read strictly.

``data/2025-02-18/finetune/<File>.csv``: one row per base model with
``0-month`` … ``34-month`` = the cumulative number of fine-tunes on the Hub
that many 30-day windows after the base's ``created_at``, right-censored at
the collection date 2025-02-18 (later windows are blank and are not stored),
plus the paper's fitted parameters (not read). ``base_model`` is always
``Original``: the files hold no lineage, so any other value is rejected rather
than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from weightatlas.errors import InputError
from weightatlas.resolve import name_key
from weightatlas.sources.base import read_csv, ref
from weightatlas.sources.hf_download_history import SOURCE, parse_count, parse_created

FINETUNE_DIR = "data/2025-02-18/finetune"
MONTHS = tuple(range(35))
CENSOR_DATE = date(2025, 2, 18)


@dataclass
class BaseHistory:
    base_repo: str
    ref: str
    cohort_file: str
    created_at: date
    months: dict[int, int]  # months_after -> cumulative fine-tunes (blank windows absent)


def read_file(path: Path, relpath: str) -> list[BaseHistory]:
    required = ("model", *(f"{m}-month" for m in MONTHS), "base_model", "created_at")
    out: list[BaseHistory] = []
    seen: dict[str, int] = {}
    for line, row in read_csv(path, required):
        repo = row["model"].strip()
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise InputError(path, f"not a Hub repo id: {repo!r}", line=line, field="model")
        if repo.casefold() in seen:
            raise InputError(path, f"base {repo!r} already listed on line {seen[repo.casefold()]}", line=line, field="model")
        seen[repo.casefold()] = line
        if row["base_model"].strip() != "Original":
            raise InputError(path, f"base_model is {row['base_model']!r}; the files only hold 'Original' (no lineage)", line=line, field="base_model")
        created = parse_created(row["created_at"], path, line)
        months: dict[int, int] = {}
        for m in MONTHS:
            text = row[f"{m}-month"].strip()
            if text:
                months[m] = parse_count(text, path, line, f"{m}-month")
        out.append(BaseHistory(repo, ref(SOURCE.folder, relpath, line), path.stem, created, months))
    return out


def read_bases(root: Path) -> list[BaseHistory]:
    folder = root / SOURCE.folder / FINETUNE_DIR
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError(folder, "no fine-tune files (*.csv) found")
    return [b for path in files for b in read_file(path, f"{FINETUNE_DIR}/{path.name}")]


def window_end(created_at: date, months_after: int) -> date:
    """End of the ``months_after``-th 30-day window after creation (window 0 is the creation day)."""
    return created_at + timedelta(days=30 * months_after)


def decreases(base: BaseHistory) -> list[int]:
    """Months whose cumulative count is below the previous month's (flagged, never fatal)."""
    ms = sorted(base.months)
    return [b for a, b in zip(ms, ms[1:], strict=False) if base.months[b] < base.months[a]]
