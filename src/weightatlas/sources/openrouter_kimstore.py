"""OpenRouter weekly rankings as saved by kimjonh/kimstore (``data/openrouter_rankings``).

11 weekly JSON files (``rankings_<label>.json``, labels 2026-W21 to 2026-W32), each
the top ~20 models by tokens with ``author`` and display ``name`` (no slug). The
same figures are repeated in ``timeline.json`` and ``rankings.csv`` (not read:
the per-week files are the primary copy and carry ``fetched_at``).

Rules (checked):

* **Week.** The ``week`` labels disagree with the fetch times (the file labelled
  2026-W21 was fetched on 2026-05-29, in W22; W23 has no label at all), so the week
  is the ISO week of ``fetched_at`` (UTC), given as its Monday. That gives 11
  consecutive weeks, 2026-05-25 to 2026-08-03. The label is kept as ``week_label``.
* **Key.** ``model_key`` is ``author/name``; a ``(free)`` name is the free variant,
  joined to its paid twin by the indicator.
* **market_share** (per author, present in the first five files only) is on another
  basis (all of OpenRouter, by author) and is never mixed with the model rows.
* **Stealth** models (author ``openrouter``) are their own group.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import SourceInfo, ref
from weightatlas.sources.openrouter_common import DDL, UsageRow, field, item_lines, iso_monday, load_week, rank_of, read_weekly_files, token_count

SOURCE = SourceInfo(
    id="openrouter_kimstore",
    title="OpenRouter weekly rankings (kimjonh/kimstore)",
    url="https://github.com/kimjonh/kimstore",
    licence="none stated (figures are OpenRouter's public rankings)",
    snapshot_date=date(2026, 8, 3),
    folder="kimjonh__kimstore",
    files=("data/openrouter_rankings/rankings_*.json",),
    description="Top ~20 OpenRouter models per week by tokens, with author and display name, fetched 2026-05-29 to 2026-08-03.",
    independent=True,
)
TABLES = ("inference_usage",)
ORDER = {"inference_usage": "source, week_start, rank, model_key"}


def week_of_fetch(fetched_at: datetime) -> date:
    return iso_monday(fetched_at.astimezone(timezone.utc).date())


def read_rows(root: Path) -> list[UsageRow]:
    return read_weekly_files(root / SOURCE.folder, "data/openrouter_rankings/rankings_*.json", _read_week)


def _read_week(path: Path, relpath: str, weeks: dict[date, Path]) -> list[UsageRow]:
    data = load_week(path)
    fetch_line = item_lines(path, "fetched_at", 1)[0]
    raw = field(data, "fetched_at", str, path, fetch_line)
    try:
        fetched = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(path, f"not a timestamp: {raw!r}", line=fetch_line, field="fetched_at") from None
    if fetched.tzinfo is None:
        raise InputError(path, f"timestamp without a UTC offset: {raw!r}", line=fetch_line, field="fetched_at")
    week = week_of_fetch(fetched)
    if week in weeks:
        raise InputError(path, f"fetched in the same ISO week ({week}) as {weeks[week].name}", line=fetch_line, field="fetched_at")
    weeks[week] = path
    label = field(data, "week", str, path, item_lines(path, "week", 1)[0]).strip()
    models = field(data, "model_rankings", list, path, 1)
    lines = item_lines(path, "name", len(models))
    rows: list[UsageRow] = []
    seen: set[str] = set()
    for item, line in zip(models, lines, strict=True):
        name = field(item, "name", str, path, line).strip()
        author = field(item, "author", str, path, line).strip()
        key = f"{author}/{name}"
        if key in seen:
            raise InputError(path, f"model {key!r} listed twice in one week", line=line, field="name")
        seen.add(key)
        rank = rank_of(item, path, line)
        rows.append(
            UsageRow(
                source=SOURCE.id,
                week_start=week,
                week_label=label,
                rank=rank,
                model_key=key,
                name=name,
                author=author,
                is_free=name.lower().endswith("(free)"),
                total_tokens=token_count(item, "tokens", path, line, positive=True),
                ref=ref(SOURCE.folder, relpath, line),
            )
        )
    return rows


def coverage(rows: list[UsageRow]) -> dict[str, Any]:
    weeks = sorted({r.week_start for r in rows})
    relabelled = sorted({r.week_label for r in rows if r.week_label != f"{r.week_start.isocalendar().year}-W{r.week_start.isocalendar().week:02d}"})
    return {
        "rows": len(rows),
        "weeks": len(weeks),
        "first_week": weeks[0].isoformat() if weeks else None,
        "last_week": weeks[-1].isoformat() if weeks else None,
        "labels_disagreeing_with_fetched_at": relabelled,
        "week_rule": "Monday of the ISO week of fetched_at (UTC); the file's week label is kept but not used",
        "not_read": "market_share (per author, another basis), timeline.json and rankings.csv (copies of the weekly files)",
    }
