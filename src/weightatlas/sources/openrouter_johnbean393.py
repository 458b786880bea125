"""OpenRouter weekly rankings as collected by johnbean393/openrouter-inference-stats.

26 weekly JSON files (``data/<date>.json``, 2025-11-16 to 2026-05-11), each the top
9 (10 from 2026-02-16) models of the week by tokens: ``slug``, ``name``, ``rank``,
``total_tokens`` and a token breakdown (prompt, completion, reasoning, cached).

Rules (the source's README and fields, checked):

* **Week.** The collector sums "the most recent 7 full days" before its run date
  (``date``). The run day moved from Sunday to Monday in February 2026 (2026-02-08,
  then 2026-02-16), so the week is the ISO week of the day *before* ``date``, given
  as its Monday: a Sunday run covers Sunday to Saturday, 6 of whose days fall in
  the ISO week starting the next day (2025-11-16 -> 2025-11-10); a Monday run covers
  the previous ISO week exactly (2026-02-16 -> 2026-02-09). The weeks come out
  consecutive, with neither a gap nor a duplicate at the switch.
* **Author.** There is no author field: the slug's prefix (``deepseek/...``) is it.
* **Variants.** ``:free`` and paid slugs are separate rows; both are kept (``model_key``
  is the slug as listed) and the indicator joins them per model.
* **Zeros.** A breakdown of all zeros means the collector did not get it (the last
  file has zeros only): only ``total_tokens`` is stored, so no zero is read as a count.
* **Stealth** models (``openrouter/...``) are anonymous tests by some lab: their own group.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import SourceInfo, ref
from weightatlas.sources.openrouter_common import DDL, UsageRow, field, item_lines, iso_monday, load_week, rank_of, read_weekly_files, token_count

SOURCE = SourceInfo(
    id="openrouter_johnbean393",
    title="OpenRouter weekly rankings (johnbean393/openrouter-inference-stats)",
    url="https://github.com/johnbean393/openrouter-inference-stats",
    licence="none stated (figures are OpenRouter's public rankings)",
    snapshot_date=date(2026, 5, 11),
    folder="johnbean393__openrouter-inference-stats",
    files=("data/*.json",),
    description="Top 9-10 OpenRouter models per week by tokens, 2025-11-16 to 2026-05-11, with token breakdowns and prices.",
    independent=True,
)
TABLES = ("inference_usage",)
ORDER = {"inference_usage": "source, week_start, rank, model_key"}
BREAKDOWN = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens")


def week_covered(run_date: date) -> date:
    """Monday of the ISO week holding the day before the run (the 7 full days summed end then)."""
    return iso_monday(run_date - timedelta(days=1))


def read_rows(root: Path) -> list[UsageRow]:
    return read_weekly_files(root / SOURCE.folder, "data/*.json", _read_week)


def _read_week(path: Path, relpath: str, weeks: dict[date, Path]) -> list[UsageRow]:
    data = load_week(path)
    date_line = item_lines(path, "date", 1)[0]
    raw_date = field(data, "date", str, path, date_line)
    try:
        run_date = date.fromisoformat(raw_date.strip())
    except ValueError:
        raise InputError(path, f"not a date: {raw_date!r}", line=date_line, field="date") from None
    week = week_covered(run_date)
    if week in weeks:
        raise InputError(path, f"covers the same week ({week}) as {weeks[week].name}", line=date_line, field="date")
    weeks[week] = path
    models = field(data, "models", list, path, 1)
    lines = item_lines(path, "slug", len(models))
    rows: list[UsageRow] = []
    seen: set[str] = set()
    for item, line in zip(models, lines, strict=True):
        slug = field(item, "slug", str, path, line).strip()
        author, sep, rest = slug.partition("/")
        if not sep or not author or not rest:
            raise InputError(path, f"slug {slug!r} is not author/model", line=line, field="slug")
        if slug in seen:
            raise InputError(path, f"slug {slug!r} listed twice in one week", line=line, field="slug")
        seen.add(slug)
        rank = rank_of(item, path, line)
        total = token_count(item, "total_tokens", path, line, positive=True)
        parts = [token_count(item, name, path, line) for name in BREAKDOWN if item.get(name) is not None]
        is_free = field(item, "is_free", bool, path, line, required=False)
        rows.append(
            UsageRow(
                source=SOURCE.id,
                week_start=week,
                week_label=run_date.isoformat(),
                rank=rank,
                model_key=slug,
                name=field(item, "name", str, path, line).strip(),
                author=author,
                is_free=is_free if is_free is not None else slug.endswith(":free"),
                total_tokens=total,
                ref=ref(SOURCE.folder, relpath, line),
                breakdown_missing=not any(parts),
            )
        )
    return rows


def coverage(rows: list[UsageRow]) -> dict[str, Any]:
    weeks = sorted({r.week_start for r in rows})
    return {
        "rows": len(rows),
        "weeks": len(weeks),
        "first_week": weeks[0].isoformat() if weeks else None,
        "last_week": weeks[-1].isoformat() if weeks else None,
        "rows_breakdown_missing": sum(r.breakdown_missing for r in rows),
        "week_rule": "Monday of the ISO week holding the day before the collector's run date (it sums the 7 full days before it; runs moved from Sunday to Monday in February 2026)",
    }



