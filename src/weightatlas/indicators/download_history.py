"""Downloads over time from daily cumulative Hub counts (``indicators.adoption.download_history``).

Input: the snapshot tables ``history_repos`` and ``download_history`` (the KBhandari11 cohort:
repos created between 2024-07-02 and 2025-02-18, chosen on 2025-02-18; cumulative all-time
counts per day). The rules of :mod:`weightatlas.indicators.history_quality` turn them into daily
increments (counter start, decreases), flag stalls and burst runs, and every share is given
raw, robust (flagged runs removed) and leave-one-repo-out, with a bootstrap interval over repos.

Populations, never compared across each other:

* the **growing cohort** — every counted repo; its totals rise as new repos enter, so a rise
  is not adoption by itself;
* the **balanced panel** — repos whose counter had started on or before ``panel_start``
  (stated); entry of new repos cannot move it.

Each comes for all modalities and for LLMs alone (modality ``llm`` or ``vlm``). Repos with role
``excluded`` (CI/test dummies, mirrors) are out of every figure and listed; repacks are their own
channel, attributed to the bloc of the model repacked (``root_bloc``). Periods: ISO weeks and
calendar months; a period's ``days`` says how many days of data it holds (the first and last
are partial).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from weightatlas.indicators import history_quality as hq

BLOCS = ("China", "United States", "Europe", "Rest of world", "Unknown")
LLM_MODALITIES = ("llm", "vlm")
PANEL_START = date(2024, 9, 1)
HUB_ONLY = (
    "Hugging Face Hub only: use through ModelScope, mirrors and local copies (most mainland Chinese use) is not in the data."
)
# Cells (repos x days) of one block's matrices: 50M int64 cells are 400 MB per matrix.
BLOCK_CELLS = 50_000_000
SOURCE = "KBhandari11/ForecastHuggingFaceModels, data/2025-02-18/download (daily cumulative downloads, 2024-07-02 to 2025-02-18)"


def compute_from(
    con: duckdb.DuckDBPyConnection,
    *,
    panel_start: date = PANEL_START,
    blocs: tuple[str, ...] = BLOCS,
    resamples: int = hq.BOOTSTRAP_RESAMPLES,
    org_blocs: dict[str, str] | None = None,
    block_rows: int | None = None,
) -> dict[str, Any]:
    """The download-history block from a connection holding ``history_repos`` and ``download_history``.

    ``org_blocs`` (organisation -> bloc under the bloc map in use) re-derives the stored blocs,
    which were set under the default map; organisations it lacks keep the stored bloc.

    Repos are read in blocks of ``block_rows`` (default: about ``BLOCK_CELLS`` cells of repos x
    days per block); only per-repo period totals (repos x periods) outlive a block, so the whole
    history is never in memory. The result does not depend on the block size.
    """
    repos = con.execute(
        "SELECT repo_id, org_id, bloc, role, root_bloc, exclusion_reason, modality, root_org_id FROM history_repos ORDER BY repo_id"
    ).fetchall()
    if org_blocs:
        repos = [(r[0], r[1], org_blocs.get(r[1], r[2]), r[3], org_blocs.get(r[7], r[4]), *r[5:]) for r in repos]
    excluded = [{"repo_id": r[0], "reason": r[5]} for r in repos if r[3] == "excluded"]
    kept = [r for r in repos if r[3] != "excluded"]
    out: dict[str, Any] = {
        "available": False,
        "source": SOURCE,
        "population": "repos of the KBhandari11 cohort (created 2024-07-02 to 2025-02-18, chosen by the paper on 2025-02-18), excluded repos left out",
        "rules": hq.RULES,
        "caveats": [HUB_ONLY],
    }
    ids, days = _rows(con, [r[0] for r in kept])
    if not len(ids):
        out["quality"] = {"excluded": excluded}
        out["caveats"].append("no download history in this snapshot")
        return out
    meta = {r[0]: r for r in kept}
    months = _periods(days, lambda d: f"{d.year}-{d.month:02d}")
    weeks = _periods(days, lambda d: "{}-W{:02d}".format(*d.isocalendar()[:2]))
    try:
        scan = _scan(con, ids, days, months, weeks, block_rows or max(1, BLOCK_CELLS // len(days)))
    finally:
        con.execute("DROP TABLE IF EXISTS wa_hist_rows")
    starts, totals, runs = scan["starts"], scan["totals"], scan["runs"]
    out["available"] = True
    out["period"] = {"first_day": days[0].isoformat(), "last_day": days[-1].isoformat(), "days": len(days)}
    out["quality"] = {
        "repos": len(ids),
        "excluded": excluded,
        "counter_not_started": [ids[i] for i in np.flatnonzero(starts < 0)],
        "flagged_runs": sorted(runs, key=lambda r: -r["downloads"]),
        "flagged_downloads": int(sum(r["downloads"] for r in runs)),
        "stalls": {"count": scan["stall_count"], "repos": scan["stall_repos"], "runs": scan["stalls"]},
        "decreases": [{"repo_id": ids[r], "day": days[c].isoformat()} for r, c in scan["decreases"]],
    }
    role = np.array([meta[i][3] for i in ids])
    repack = role == "repack"
    bloc = np.array([(meta[i][4] if repack[k] else meta[i][2]) or "Unknown" for k, i in enumerate(ids)])
    org = np.array([meta[i][1] or "(none)" for i in ids])
    llm = np.isin(np.array([meta[i][6] for i in ids]), LLM_MODALITIES)
    panel = (starts >= 0) & (np.array([d <= panel_start for d in days])[np.maximum(starts, 0)])
    ctx = _Agg(ids, bloc, org, blocs, months, weeks, resamples)
    dev = ~repack
    out["variants"] = {}
    for name, sel in (("all_modalities", dev), ("llm_only", dev & llm)):
        out["variants"][name] = {
            "cohort": ctx.block(totals, sel) | {"definition": "every counted repo (grows as repos enter)"},
            "balanced_panel": ctx.block(totals, sel & panel)
            | {"start": panel_start.isoformat(), "definition": f"repos whose counter had started on or before {panel_start.isoformat()}"},
        }
    out["repack_channel"] = ctx.repack_block(totals, repack)
    return out


def _scan(con, ids, days, months, weeks, block_rows: int) -> dict[str, Any]:
    """Quality flags and per-repo period totals, one block of repos (rows of ``wa_hist_rows``) at a time.

    Every list comes out in the order a single whole matrix would give (rows in order; within a
    row, days in order), with global row indexes; lists cut at 200 are cut the same way.
    """
    span, n = len(days), len(ids)
    step = max(1, int(block_rows))
    # Filled block by block (no per-block parts to concatenate: one copy of the totals at a time).
    all_starts = np.empty(n, dtype=np.int64)
    sums = {f"{kind}_{key}": np.empty((n, len(periods)), dtype=np.int64) for kind in ("raw", "rob") for key, periods in (("m", months), ("w", weeks))}
    runs: list[dict[str, Any]] = []
    stalls: list[dict[str, Any]] = []
    stall_count = stall_repos = 0
    decreases: list[tuple[int, int]] = []
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        cum = _block_matrix(con, lo, hi, days[0], span)
        inc, starts, dec = hq.increments_matrix(cum)
        del cum  # bounded memory: one block's (rows x days) matrices at a time
        all_starts[lo:hi] = starts
        flagged_cells: list[tuple[int, int, int]] = []  # (block row, first day, last day) of each flagged run
        for row in hq.screen_burst_candidates(inc, starts):  # block-local rows
            for run in hq.burst_runs(inc[row], int(starts[row])):
                flagged_cells.append((int(row), run.start, run.end))
                runs.append(_run_row(ids[lo + row], days, run, downloads=run.total, baseline=run.baseline))
        block_stalls = hq.stall_runs_matrix(inc, starts)  # block-local rows, row-major
        stall_count += len(block_stalls)
        stall_repos += len({r for r, _ in block_stalls})
        stalls += [_run_row(ids[lo + r], days, run) for r, run in block_stalls[: max(0, 200 - len(stalls))]]
        if len(decreases) < 200:
            dec_rows, dec_cols = np.nonzero(dec)  # row-major
            take = 200 - len(decreases)
            decreases += [(lo + int(r), int(c)) for r, c in zip(dec_rows[:take], dec_cols[:take], strict=True)]
        del dec
        # Robust = raw minus the flagged runs, computed on the flagged rows only (no second matrix).
        flagged_only = np.zeros((len(flagged_cells), span), dtype=np.int64)
        for k, (row, first, last) in enumerate(flagged_cells):
            flagged_only[k, first : last + 1] = inc[row, first : last + 1]
        flagged_rows = np.array([c[0] for c in flagged_cells], dtype=np.int64)
        for key, periods in (("m", months), ("w", weeks)):
            raw = sums[f"raw_{key}"][lo:hi]
            raw[:] = _Agg.sums(inc, periods)
            rob = sums[f"rob_{key}"][lo:hi]
            rob[:] = raw
            np.subtract.at(rob, flagged_rows, _Agg.sums(flagged_only, periods))
        del inc, flagged_only
    return {
        "starts": all_starts,
        "totals": sums,
        "runs": runs,
        "stalls": stalls,
        "stall_count": stall_count,
        "stall_repos": stall_repos,
        "decreases": decreases,
    }


def _rows(con: duckdb.DuckDBPyConnection, kept_ids: list[str]) -> tuple[list[str], list[date]]:
    """Number the kept repos that have history (temp table ``wa_hist_rows``: repo_id, r) and list the days."""
    # A list parameter, not a registered frame: registering would import pandas (half a second).
    con.execute("CREATE OR REPLACE TEMP TABLE wa_hist_kept AS SELECT unnest(?::VARCHAR[]) AS repo_id", [kept_ids])
    con.execute(
        """CREATE OR REPLACE TEMP TABLE wa_hist_rows AS
           SELECT repo_id, (row_number() OVER (ORDER BY repo_id) - 1)::INTEGER AS r
           FROM (SELECT DISTINCT h.repo_id FROM download_history h SEMI JOIN wa_hist_kept k ON h.repo_id = k.repo_id)"""
    )
    con.execute("DROP TABLE wa_hist_kept")
    ids = [r[0] for r in con.execute("SELECT repo_id FROM wa_hist_rows ORDER BY r").fetchall()]
    if not ids:
        return [], []
    first, last = con.execute("SELECT min(day), max(day) FROM download_history").fetchall()[0]
    return ids, [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _block_matrix(con: duckdb.DuckDBPyConnection, lo: int, hi: int, first: date, span: int) -> np.ndarray:
    """Rows ``lo`` to ``hi - 1`` of ``wa_hist_rows`` as a (rows x days) cumulative matrix; a missing day repeats the day before.

    Only integer columns cross from DuckDB to numpy (row and column indexes, counts): moving
    36.5M strings and dates would cost more than the whole computation.
    """
    # One flat position per cell ((row - lo) * days + day offset): two integer columns, one scatter.
    res = con.sql(
        f"""SELECT (k.r - {int(lo)})::BIGINT * {int(span)} + (h.day - DATE '{first.isoformat()}') AS p, h.cumulative
            FROM download_history h JOIN wa_hist_rows k USING (repo_id)
            WHERE k.r >= {int(lo)} AND k.r < {int(hi)}"""
    ).fetchnumpy()
    rows = hi - lo
    cum = np.full(rows * span, -1, dtype=np.int64)
    cum[np.asarray(res["p"])] = np.asarray(res["cumulative"])
    del res
    cum = cum.reshape(rows, span)
    if (cum < 0).any():  # forward-fill gaps (a gap at the start is 0)
        idx = np.where(cum >= 0, np.arange(span)[None, :], 0)
        np.maximum.accumulate(idx, axis=1, out=idx)
        cum = np.maximum(np.take_along_axis(cum, idx, axis=1), 0)
    return cum


def _matrix(con: duckdb.DuckDBPyConnection, kept_ids: list[str]) -> tuple[np.ndarray, list[date], list[str]]:
    """The cumulative counts of every kept repo as ONE (repos x days) matrix (small histories only, e.g. the web tables)."""
    ids, days = _rows(con, kept_ids)
    if not ids:
        return np.zeros((0, 0), dtype=np.int64), [], []
    try:
        cum = _block_matrix(con, 0, len(ids), days[0], len(days))
    finally:
        con.execute("DROP TABLE wa_hist_rows")
    return cum, days, ids


def _periods(days: list[date], label) -> list[tuple[str, np.ndarray]]:
    """(label, day-column indexes) per period, in order."""
    out: dict[str, list[int]] = {}
    for i, d in enumerate(days):
        out.setdefault(label(d), []).append(i)
    return [(k, np.array(v)) for k, v in out.items()]


def _run_row(repo_id: str, days: list[date], run: hq.Run, *, downloads: int | None = None, baseline: float | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"repo_id": repo_id, "start": days[run.start].isoformat(), "end": days[run.end].isoformat(), "days": run.days}
    if downloads is not None:
        row["downloads"] = int(downloads)
        row["baseline"] = round(float(baseline), 1) if baseline is not None else None
    return row


class _Agg:
    """Period totals by bloc and organisation for one selection of repos."""

    def __init__(self, ids, bloc, org, blocs, months, weeks, resamples):
        self.ids, self.bloc, self.org, self.blocs = ids, bloc, org, blocs
        self.months, self.weeks, self.resamples = months, weeks, resamples

    @staticmethod
    def sums(mat: np.ndarray, periods) -> np.ndarray:
        """Per-repo totals per period (periods are runs of consecutive day columns)."""
        if not periods:
            return np.zeros((len(mat), 0), dtype=np.int64)
        return np.add.reduceat(mat, [int(cols[0]) for _, cols in periods], axis=1)

    def block(self, totals: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, Any]:
        rows = np.flatnonzero(sel)
        bloc, org = self.bloc[rows], self.org[rows]
        raw_m, rob_m = totals["raw_m"][rows], totals["rob_m"][rows]
        raw_w, rob_w = totals["raw_w"][rows], totals["rob_w"][rows]
        main = [b for b in self.blocs if b in ("China", "United States", "Europe")]
        ci = (
            hq.bootstrap_shares({b: bloc == b for b in main}, raw_m.astype(float), resamples=self.resamples)
            if self.resamples and len(rows)
            else {}
        )
        org_codes, org_inverse = np.unique(org, return_inverse=True)
        monthly = []
        for j, (label, cols) in enumerate(self.months):
            raw, rob = raw_m[:, j].astype(float), rob_m[:, j].astype(float)
            by_bloc, conc = {}, {}
            for b in self.blocs:
                mask = bloc == b
                loo, idx = hq.leave_one_out(mask, raw)
                by_bloc[b] = {
                    "downloads": int(raw[mask].sum()),
                    "downloads_robust": int(rob[mask].sum()),
                    "repos": int(mask.sum()),
                    "share": hq.share(raw[mask].sum(), raw.sum()),
                    "share_robust": hq.share(rob[mask].sum(), rob.sum()),
                    "share_loo": loo,
                    "loo_dropped": self.ids[rows[idx]] if idx is not None else None,
                    "ci95": ci[b][j] if b in ci else None,
                }
                conc[b] = hq.concentration(raw[mask])
            by_org = np.bincount(org_inverse, weights=raw, minlength=len(org_codes))
            monthly.append(
                {"period": label, "days": len(cols), "repos": len(rows), "total": int(raw.sum()), "total_robust": int(rob.sum()),
                 "by_bloc": by_bloc, "hhi_org": hq.hhi(by_org.tolist()), "concentration": conc}
            )
        weekly = []
        onehot = np.stack([bloc == b for b in self.blocs], axis=1).astype(float)  # repos x blocs
        wk_raw, wk_rob = onehot.T @ raw_w, onehot.T @ rob_w  # blocs x weeks
        for j, (label, cols) in enumerate(self.weeks):
            tot, tot_rob = raw_w[:, j].sum(), rob_w[:, j].sum()
            weekly.append(
                {"period": label, "days": len(cols), "total": int(tot),
                 "by_bloc": {b: {"downloads": int(wk_raw[k, j]), "share": hq.share(wk_raw[k, j], tot), "share_robust": hq.share(wk_rob[k, j], tot_rob)}
                             for k, b in enumerate(self.blocs)}}
            )
        totals, totals_rob = raw_m.sum(axis=1).astype(float), rob_m.sum(axis=1).astype(float)
        orgs = np.bincount(org_inverse, weights=totals, minlength=len(org_codes))
        orgs_rob = np.bincount(org_inverse, weights=totals_rob, minlength=len(org_codes))
        org_bloc = np.empty(len(org_codes), dtype=object)
        org_bloc[org_inverse] = bloc
        by_org = sorted(
            ({"org_id": str(o), "bloc": str(org_bloc[k]), "downloads": int(orgs[k]), "downloads_robust": int(orgs_rob[k])} for k, o in enumerate(org_codes)),
            key=lambda r: -r["downloads"],
        )
        return {"repos": len(rows), "monthly": monthly, "weekly": weekly, "by_org": by_org, "hhi_org_period": hq.hhi(orgs.tolist())}

    def repack_block(self, totals: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, Any]:
        rows = np.flatnonzero(sel)
        bloc = self.bloc[rows]
        raw_m, rob_m = totals["raw_m"][rows], totals["rob_m"][rows]
        monthly = []
        for j, (label, cols) in enumerate(self.months):
            raw, rob = raw_m[:, j].astype(float), rob_m[:, j].astype(float)
            monthly.append(
                {"period": label, "days": len(cols), "total": int(raw.sum()),
                 "by_root_bloc": {b: {"downloads": int(raw[bloc == b].sum()), "share": hq.share(raw[bloc == b].sum(), raw.sum()),
                                      "share_robust": hq.share(rob[bloc == b].sum(), rob.sum())} for b in self.blocs}}
            )
        return {"repos": len(rows), "definition": "re-uploads, quantisations and conversions, attributed to the bloc of the model repacked", "monthly": monthly}
