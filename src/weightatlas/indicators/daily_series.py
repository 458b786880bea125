"""The daily adoption series by bloc, streamed month by month from ``download_history``.

:func:`weightatlas.indicators.download_history.compute_from` builds a (repos x days) matrix,
which is right for the 20k-repo cohort in the snapshot (burst and stall screening need whole
rows) but is ~3 GB per copy for 1M repos x 365 days. This module computes the raw daily and
monthly download totals by bloc holding one month at a time: each month is one portable SQL
query (a join to integer repo numbers, a date filter that prunes to that month's row groups or
hive folder) fetched as Arrow, scattered into a (repos x days-of-month) block, and carried into
the next month by one value per repo (its last count and whether its counter has started).

Why not a ``lag`` window in SQL: it sorts every month by repo and day; on 2 cores that took
~34 s a month at 1M repos (over 6 minutes a year), against a few seconds for this scan.

Rules, exactly as :func:`weightatlas.indicators.history_quality.increments_matrix`: a repo's
first day with a non-zero count starts its counter (that day's count is history, not a
download); a missing day carries the last count (a gap at the start is 0); a fall counts as
zero. Repos with role ``excluded`` are left out; repacks are their own channel by ``root_bloc``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np

from weightatlas.indicators.download_history import BLOCS, HUB_ONLY, LLM_MODALITIES, SOURCE


def _months(first: date, last: date) -> list[tuple[date, date]]:
    out, d = [], first
    while d <= last:
        nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        out.append((d, min(nxt - timedelta(days=1), last)))
        d = nxt
    return out


def compute(con: Any) -> dict[str, Any]:
    """``indicators.adoption.download_history_daily``: :func:`compute_from` with its source, population, method and caveats."""
    repos = con.execute("SELECT count(*) FILTER (WHERE role <> 'excluded'), count(*) FROM history_repos").fetchall()[0]
    out = compute_from(con)
    if not out["available"]:
        return out | {"source": SOURCE, "caveats": [HUB_ONLY]}
    return {
        "available": True,
        "source": SOURCE,
        "population": {"repos": int(repos[0]), "excluded": int(repos[1] - repos[0]), "period": out["period"]},
        "method": (
            "Raw daily downloads by bloc: each repo's increase in its cumulative Hub download count from one day to the next. "
            "A repo's first non-zero day starts its counter, a missing day carries the last count, a fall counts as zero. "
            "Developers' repos by their own bloc (all modalities, and LLMs only); repacks by their root's bloc, apart. "
            "No burst or stall screening: the screened monthly shares are download_history's."
        ),
        "caveats": [HUB_ONLY, "Unscreened: one repo's burst moves a day's total; read the screened monthly shares in download_history for claims."],
        **{k: out[k] for k in ("all_modalities", "llm_only", "repack_channel")},
    }


def compute_from(con: Any, *, on_month: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Daily and monthly raw downloads by bloc from a connection holding ``history_repos`` and ``download_history``.

    ``con`` needs only ``execute(sql)`` with ``fetchall()`` and ``fetchnumpy()`` or ``to_arrow_table()``
    (the engine seam); ``on_month`` is called after each month (for progress bars).
    """
    first, last = con.execute("SELECT min(day), max(day) FROM download_history").fetchall()[0]
    if first is None:
        return {"available": False, "reason": "no download history"}
    modalities = ", ".join(f"'{m}'" for m in LLM_MODALITIES)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wa_ds_repos AS
        SELECT repo_id, (row_number() OVER (ORDER BY repo_id) - 1) AS r, role = 'repack' AS repack,
               coalesce(modality IN ({modalities}), false) AS llm,
               coalesce(CASE WHEN role = 'repack' THEN root_bloc ELSE bloc END, 'Unknown') AS bloc
        FROM history_repos WHERE role <> 'excluded'"""
    )
    meta = con.execute("SELECT r, repack, llm, bloc FROM wa_ds_repos ORDER BY r").fetchall()
    n = len(meta)
    # One group code per repo: (bloc, repack, llm); daily sums are one bincount per day.
    groups = sorted({(m[3], bool(m[1]), bool(m[2])) for m in meta})
    code = np.array([groups.index((m[3], bool(m[1]), bool(m[2]))) for m in meta], dtype=np.int64) if n else np.zeros(0, np.int64)
    carry = np.zeros(n, dtype=np.int64)  # last count seen (forward fill across months; 0 before the first row)
    started = np.zeros(n, dtype=bool)  # counter started on an earlier day
    daily: list[tuple[date, np.ndarray]] = []
    for lo, hi in _months(first, last):
        span = (hi - lo).days + 1
        res = con.execute(
            f"""SELECT CAST(r.r AS INTEGER) AS r, CAST(date_diff('day', DATE '{lo.isoformat()}', h.day) AS SMALLINT) AS d, h.cumulative AS c
                FROM download_history h JOIN wa_ds_repos r ON r.repo_id = h.repo_id
                WHERE h.day >= DATE '{lo.isoformat()}' AND h.day <= DATE '{hi.isoformat()}'"""
        )
        # Narrow index types halve the month's block. DuckDB hands numpy columns over without the extra copy its DB-API Arrow path makes; other engines give Arrow.
        cols = res.fetchnumpy() if hasattr(res, "fetchnumpy") else {k: v.to_numpy() for k, v in zip(("r", "d", "c"), res.to_arrow_table().columns, strict=True)}
        mat = np.full((n, span), -1, dtype=np.int64)
        mat[np.asarray(cols["r"]), np.asarray(cols["d"])] = np.asarray(cols["c"])
        del cols, res  # only the month's block stays in memory
        for j in range(span):
            col = mat[:, j]
            col = np.where(col < 0, carry, col)
            inc = np.where(started, np.maximum(col - carry, 0), 0)
            daily.append((lo + timedelta(days=j), np.bincount(code, weights=inc, minlength=len(groups))))
            started |= col > 0
            carry = col
        del mat
        if on_month:
            on_month(lo.strftime("%Y-%m"))
    con.execute("DROP TABLE wa_ds_repos")
    rows = [(day, *groups[g], int(round(v))) for day, sums in daily for g, v in enumerate(sums)]
    return {"available": True, "period": {"first_day": first.isoformat(), "last_day": last.isoformat(), "days": (last - first).days + 1}, **_shape(rows)}


def _shape(rows: list[tuple]) -> dict[str, Any]:
    """Daily and monthly totals by bloc for developers (all modalities, LLMs) and the repack channel."""
    series: dict[str, dict[str, dict[str, dict[str, int]]]] = {"all_modalities": {}, "llm_only": {}, "repack_channel": {}}
    for day, bloc, repack, llm, downloads in rows:  # (day, bloc, repack, llm, downloads)
        keys = ["repack_channel"] if repack else ["all_modalities"] + (["llm_only"] if llm else [])
        for key in keys:
            by = series[key].setdefault(day.isoformat(), {})
            by[bloc] = by.get(bloc, 0) + int(downloads)
    out: dict[str, Any] = {}
    for key, days in series.items():
        months: dict[str, dict[str, int]] = {}
        for day, by in days.items():
            m = months.setdefault(day[:7], {})
            for b, n in by.items():
                m[b] = m.get(b, 0) + n
        out[key] = {
            "daily": [{"day": d, "by_bloc": {b: by.get(b, 0) for b in BLOCS}} for d, by in sorted(days.items())],
            "monthly": [
                {"period": m, "total": sum(by.values()),
                 "by_bloc": {b: {"downloads": by.get(b, 0), "share": round(by.get(b, 0) / sum(by.values()), 4) if sum(by.values()) else None} for b in BLOCS}}
                for m, by in sorted(months.items())
            ],
        }
    return out
