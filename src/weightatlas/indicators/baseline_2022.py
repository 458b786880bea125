"""The mid-2022 baseline: 30-day download share by bloc (``indicators.adoption.baseline_2022``).

Input: the snapshot table ``hub_listing_2022`` (farach/huggingfaceR's mid-2022 listing of the
Hub's models; ``downloads_30d`` is the Hub's rolling 30-day count when it was listed). Half of
its downloads sit in namespace-less legacy repos (``bert-base-uncased``, ``gpt2``), attributed
through the curated ``legacy_repo_developers.csv``; the match rate is given by repos and by
downloads. Repacks are their own channel; individuals and unmatched repos are the Unknown
bloc, kept in the denominator.
"""

from __future__ import annotations

from typing import Any

import duckdb

from weightatlas.indicators import history_quality as hq
from weightatlas.indicators.download_history import BLOCS, HUB_ONLY, LLM_MODALITIES

SOURCE = "farach/huggingfaceR, mid-2022 listing of Hugging Face models (downloads = the Hub's 30-day count at listing time)"


def compute_from(
    con: duckdb.DuckDBPyConnection, *, blocs: tuple[str, ...] = BLOCS, org_blocs: dict[str, str] | None = None
) -> dict[str, Any]:
    rows = con.execute("SELECT repo_id, namespace, org_id, bloc, role, coalesce(downloads_30d, 0), modality FROM hub_listing_2022").fetchall()
    if org_blocs:  # re-derived under the bloc map in use; organisations it lacks keep the stored bloc
        rows = [(r[0], r[1], r[2], org_blocs.get(r[2], r[3]), *r[4:]) for r in rows]
    out: dict[str, Any] = {
        "available": bool(rows),
        "source": SOURCE,
        "population": "every model in the mid-2022 listing, attributed to its developer; repacks apart; Unknown kept in the denominator",
        "caveats": [
            HUB_ONLY,
            "A single listing: 30-day downloads at one date in mid-2022, not a series.",
            "Legacy namespace-less repos are attributed through a small curated table; unmatched ones stay Unknown.",
        ],
    }
    if not rows:
        return out
    dev = [r for r in rows if r[4] != "repack"]
    out["all_modalities"] = _shares(dev, blocs)
    out["llm_only"] = _shares([r for r in dev if r[6] in LLM_MODALITIES], blocs)
    repacks = [r for r in rows if r[4] == "repack"]
    out["repack_channel"] = {"repos": len(repacks), "downloads": sum(r[5] for r in repacks)}
    legacy = [r for r in rows if r[1] is None]
    matched = [r for r in legacy if r[2] is not None]
    legacy_dl = sum(r[5] for r in legacy)
    out["legacy_repos"] = {
        "repos": len(legacy),
        "matched_repos": len(matched),
        "match_rate_repos": hq.share(len(matched), len(legacy)),
        "match_rate_downloads": hq.share(sum(r[5] for r in matched), legacy_dl),
        "share_of_all_downloads": hq.share(legacy_dl, sum(r[5] for r in rows)),
        "largest_unmatched": [{"repo_id": r[0], "downloads_30d": r[5]} for r in sorted(set(legacy) - set(matched), key=lambda r: -r[5])[:10]],
    }
    return out


def _shares(rows: list[tuple], blocs: tuple[str, ...]) -> dict[str, Any]:
    total = sum(r[5] for r in rows)
    by_bloc = {}
    for b in blocs:
        mine = [r[5] for r in rows if (r[3] or "Unknown") == b]
        by_bloc[b] = {"downloads": sum(mine), "repos": len(mine), "share": hq.share(sum(mine), total), "concentration": hq.concentration(mine)}
    return {"repos": len(rows), "total": total, "by_bloc": by_bloc}
