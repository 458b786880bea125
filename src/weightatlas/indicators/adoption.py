"""Adoption: ``indicators.adoption`` = headline, history blocks and the Hub-tree sample.

Since issue 10 the result is ``{"headline", "download_history", "download_history_daily",
"finetune_history", "baseline_2022", "event_studies", "hub_sample"}``: the history blocks come
from :mod:`download_history`, :mod:`daily_series`, :mod:`finetune_history` and
:mod:`baseline_2022` (each "unavailable"
when the snapshot predates its tables); ``hub_sample`` holds every figure below, unchanged,
computed on the Hub tables (family trees or a crawl). Every block carries the Hub-only caveat.

The Hub sample: download shares by bloc under named populations, concentration, and their time series.

Populations (methods.md §4.2; never compare numbers across them):

* ``p_curated`` — the ATOM project's curated first-party list (``tracked_models``,
  mainline). Attributed to the publishing organisation.
* ``p_developer`` — every repo whose namespace belongs to a known developer
  organisation (redistributors excluded).
* ``p_hub`` — every repo in the data, attributed to its own developer; individuals
  and unlisted namespaces form the ``Unknown`` bloc, which stays in the denominator.
* ``p_root`` — every derivative and base, attributed to the developer of its root
  base model (the "use of X-origin weights" framing), fractional over merges.

Repacks (GGUF, MLX, ONNX, quantised formats, and redistributors' uploads) are left
out of the main shares and reported as their own channel, because GGUF downloads are
counted per file and are not comparable with ``config.json`` downloads.

Downloads: ``downloads`` is the Hub's rolling 30-day count at the crawl;
``downloads_all_time`` is cumulative and only present when the crawl asked for it.
Concentration: HHI = Σ(100·s_i)² (0–10,000) and Gini over units with downloads, by
organisation and by country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weightatlas.attribution import UNKNOWN
from weightatlas.indicators import baseline_2022, daily_series, derivatives, download_history, finetune_history
from weightatlas.indicators.lineage import exact_sum

if TYPE_CHECKING:
    from weightatlas.indicators import Context

POPULATIONS = {
    "p_curated": (
        "ATOM curated first-party open models (tracked_models, mainline list) found in the data",
        "r.id IN (SELECT model_id FROM tracked_models WHERE list = 'main')",
    ),
    "p_developer": ("Every repo published by a known developer organisation (redistributors excluded)", "r.org_id IS NOT NULL"),
    "p_hub": ("Every repo in the data, attributed to its own developer (Unknown kept as a bloc)", "TRUE"),
}


HEADLINE = {
    "figure": "download_history.variants.llm_only.balanced_panel: monthly China share of downloads (raw, robust and leave-one-repo-out side by side)",
    "why": (
        "It is the only figure that follows the same repos day by day: the balanced panel cannot rise because new repos "
        "enter (the growing cohort can), LLMs alone keep speech and embedding repos from deciding it, and the robust and "
        "leave-one-out columns show when one repo's burst decides the month. The hub_sample figures describe eight partial "
        "family trees crawled once; the 2022 baseline is one listing date; fine-tunes count derivatives, not use."
    ),
}


def compute(ctx: Context) -> dict[str, Any]:
    """``indicators.adoption``: the headline, the three history blocks and the Hub-tree sample (``hub_sample``)."""
    con = ctx.store.con
    org_blocs = {r["id"]: ctx.blocs.bloc(r["country"]) for r in ctx.store.rows("SELECT id, country FROM organizations")}
    blocs = tuple(ctx.blocs.blocs)
    no_history = _if_tables(con, ("history_repos", "download_history"), download_history.SOURCE)
    return {
        "headline": HEADLINE,
        "download_history": no_history or download_history.compute_from(con, blocs=blocs, org_blocs=org_blocs),
        # The same history summed day by day in a month-at-a-time scan (raw totals, no screening):
        # what a year of daily counts for a million repos needs (benchmarks/bench_scale.py).
        "download_history_daily": no_history or daily_series.compute(con),
        "finetune_history": _if_tables(con, ("finetune_history",), finetune_history.SOURCE)
        or finetune_history.compute_from(con, blocs=blocs, org_blocs=org_blocs),
        "baseline_2022": _if_tables(con, ("hub_listing_2022",), baseline_2022.SOURCE)
        or baseline_2022.compute_from(con, blocs=blocs, org_blocs=org_blocs),
        # The event studies of adoption live with the policy events they study; pointers, not copies.
        "event_studies": {
            "compound_window": "indicators.regulation.event_study.compound_window",
            "monthly_its": "indicators.regulation.event_study.studies",
        },
        "hub_sample": hub_sample(ctx),
    }


def _if_tables(con: Any, names: tuple[str, ...], source: str) -> dict[str, Any] | None:
    """An 'unavailable' block when a snapshot predates the history tables, else None (compute it)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [n for n in names if n not in present]
    if not missing:
        return None
    return {"available": False, "source": source, "caveats": [download_history.HUB_ONLY, f"this snapshot has no {', '.join(missing)} table"]}


def hub_sample(ctx: Context) -> dict[str, Any]:
    """Every adoption figure of the Hub tables (family trees or a crawl), unchanged since before issue 10."""
    hub = ctx.hub()
    blocs = list(ctx.blocs.blocs)
    pops: dict[str, Any] = {}
    for pop_id, (definition, where) in POPULATIONS.items():
        pops[pop_id] = _population(ctx, definition, where, blocs)
    pops["p_root"] = _root_population(ctx, blocs)
    curated_listed = ctx.store.rows("SELECT count(*) AS n FROM tracked_models WHERE list = 'main'")[0]["n"]
    pops["p_curated"]["list_size"] = curated_listed
    pops["p_curated"]["coverage_of_list"] = round(pops["p_curated"]["models"] / curated_listed, 4) if curated_listed else None
    return {
        "source": hub.source,
        "snapshots": hub.snapshots,
        "populations": pops,
        "series": download_share_series(ctx, blocs),
        "derivative_share": derivatives.compute(ctx),
        "population": "the Hub tables of this snapshot (see source); populations p_curated, p_developer, p_hub, p_root",
        "method": (
            "Share of a bloc = downloads of repos attributed to it / downloads of every repo in the population (Unknown "
            "included in the denominator). 30-day downloads are the Hub's rolling count at the crawl; all-time downloads "
            "only where the crawl recorded them. Repacks (GGUF, MLX, ONNX, quantised formats, redistributor uploads) are "
            "a separate channel. HHI = sum of squared percentage shares; Gini over units with downloads."
        ),
        "caveats": _caveats(ctx, pops),
    }


def _shares(rows: list[dict[str, Any]], blocs: list[str], key: str) -> dict[str, Any] | None:
    total = sum(r[key] or 0 for r in rows)
    if not total:
        return None
    out = {}
    for b in blocs:
        value = sum(r[key] or 0 for r in rows if r["bloc"] == b)
        # round, not int: a float sum of fractional (merge-split) downloads may land a hair under the integer
        out[b] = {"downloads": round(value), "share": round(value / total, 4)}
    return {"total": round(total), "by_bloc": out}


def _population(ctx: Context, definition: str, where: str, blocs: list[str]) -> dict[str, Any]:
    rows = ctx.hub_rows(
        f"""SELECT r.bloc, r.is_repack, count(*) AS models, sum(r.downloads) AS d30, sum(r.downloads_all_time) AS dall,
                   count(r.downloads) AS with_d30, count(r.downloads_all_time) AS with_dall
            FROM wa_repos r WHERE {where} GROUP BY r.bloc, r.is_repack"""
    )
    main = [r for r in rows if not r["is_repack"]]
    repacks = [r for r in rows if r["is_repack"]]
    out: dict[str, Any] = {
        "definition": definition,
        "models": sum(r["models"] for r in main),
        "models_with_30d_downloads": sum(r["with_d30"] for r in main),
        "models_with_all_time_downloads": sum(r["with_dall"] for r in main),
        "models_by_bloc": {r["bloc"]: r["models"] for r in sorted(main, key=lambda x: x["bloc"])},
        "share_30d": _shares(main, blocs, "d30"),
        "share_all_time": _shares(main, blocs, "dall"),
        "repacks": {"models": sum(r["models"] for r in repacks), "share_30d": _shares(repacks, blocs, "d30")},
        "concentration": {
            "by_organization": _concentration(ctx, where, "coalesce(r.org_id, 'unknown:' || lower(r.author))"),
            "by_country": _concentration(ctx, where, "coalesce(r.country, 'unknown')"),
        },
    }
    return out


def _root_population(ctx: Context, blocs: list[str]) -> dict[str, Any]:
    # Base models (no parent) count for their own developer; derivatives for their roots' developers.
    rows = ctx.hub_rows(
        f"""
        WITH attributed AS (
            -- a base (no parent) for itself, and a derivative whose walk ended for its roots
            SELECT r.key, r.is_repack, r.downloads, r.downloads_all_time, r.bloc, 1.0 AS w
            FROM wa_repos r LEFT JOIN wa_kids kd ON kd.child_key = r.key WHERE kd.child_key IS NULL
            UNION ALL
            SELECT f.child_key, f.is_repack, f.downloads, f.downloads_all_time, f.root_bloc, f.weight FROM wa_flows f
        )
        SELECT bloc, is_repack, count(DISTINCT key) AS models, {exact_sum('w * downloads', products=True)} AS d30,
               {exact_sum('w * downloads_all_time', products=True)} AS dall,
               count(downloads) AS with_d30, count(downloads_all_time) AS with_dall
        FROM attributed GROUP BY bloc, is_repack
        """
    )
    main = [r for r in rows if not r["is_repack"]]
    repacks = [r for r in rows if r["is_repack"]]
    return {
        "definition": "Every repo, attributed to the developer of its root base model (fractional over merges); bases count for themselves",
        "models": ctx.hub_rows(
            """SELECT (SELECT count(*) FROM wa_repos r LEFT JOIN wa_kids kd ON kd.child_key = r.key WHERE kd.child_key IS NULL AND NOT r.is_repack)
                    + (SELECT count(*) FROM wa_child_kind k WHERE k.listed AND k.resolved AND NOT k.is_repack) AS n"""
        )[0]["n"],
        "models_by_bloc": {r["bloc"]: r["models"] for r in sorted(main, key=lambda x: x["bloc"])},
        "share_30d": _shares(main, blocs, "d30"),
        "share_all_time": _shares(main, blocs, "dall"),
        "repacks": {"share_30d": _shares(repacks, blocs, "d30")},
    }


def _concentration(ctx: Context, where: str, unit: str) -> dict[str, Any]:
    rows = ctx.hub_rows(
        f"""SELECT {unit} AS unit, sum(r.downloads) AS d FROM wa_repos r
            WHERE {where} AND NOT r.is_repack AND r.downloads > 0 GROUP BY 1 ORDER BY d DESC, unit"""
    )
    values = [float(r["d"]) for r in rows]
    total = sum(values)
    if not total:
        return {"units": 0, "hhi": None, "gini": None, "top": []}
    shares = [v / total for v in values]
    return {
        "units": len(values),
        "hhi": round(sum((100 * s) ** 2 for s in shares), 1),
        "gini": round(gini(values), 4),
        "top": [{"unit": r["unit"], "downloads": int(r["d"]), "share": round(s, 4)} for r, s in zip(rows[:10], shares[:10], strict=False)],
    }


def gini(values: list[float]) -> float:
    """G = 2·Σ i·x_(i) / (n·Σ x) − (n + 1)/n over ascending values (methods.md §4.3)."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return 2 * sum(i * x for i, x in enumerate(xs, start=1)) / (n * total) - (n + 1) / n


def download_share_series(ctx: Context, blocs: list[str]) -> list[dict[str, Any]]:
    """Per crawl snapshot (full or incremental crawls only): 30-day share by bloc, p_developer, repacks out."""
    rows = ctx.hub_rows(
        """SELECT s.snapshot_id, s.started_at::DATE::VARCHAR AS date, r.bloc, sum(d.downloads) AS d, count(*) AS models
           FROM hub_downloads d JOIN crawl_snapshots s USING (snapshot_id) JOIN wa_repos r ON r.id = d.model_id
           WHERE s.mode IN ('full', 'incremental') AND r.org_id IS NOT NULL AND NOT r.is_repack
           GROUP BY ALL ORDER BY 1"""
    )
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(r["snapshot_id"], {"snapshot_id": r["snapshot_id"], "date": r["date"], "models": 0, "downloads": {}})
        entry["models"] += r["models"]
        entry["downloads"][r["bloc"]] = int(r["d"] or 0)
    series = []
    for entry in out.values():
        total = sum(entry["downloads"].values())
        entry["share_30d"] = {b: round(entry["downloads"].get(b, 0) / total, 4) for b in blocs} if total else None
        series.append(entry)
    return series


def _caveats(ctx: Context, pops: dict[str, Any]) -> list[str]:
    hub = ctx.hub()
    out = [
        download_history.HUB_ONLY,
        "Hub downloads count requests for a repo's query files (mostly config.json), including CI and the crawler's own "
        "config fetches; GGUF is counted per file. They measure fetching, not use.",
        "Populations give different answers by construction; compare shares only within one population.",
    ]
    if not ctx.store.db:
        out.append(
            "The embedded data are eight partial family trees (DeepSeek-R1, DeepSeek-V3, Llama-2-7b, Mistral-Small-24B, "
            "Janus-Pro-7B, phi-2, EXAONE-Deep-32B, DeepHermes-3) crawled once in April 2025, so they describe those families, "
            "not the Hub; shares are dominated by the root models. Run `weightatlas crawl` and pass --db for Hub-wide figures."
        )
    if not pops["p_hub"]["models_with_all_time_downloads"]:
        out.append("No all-time download counts in this data (the source did not request downloadsAllTime); only 30-day shares are given.")
    unknown = pops["p_hub"]["share_30d"]["by_bloc"].get(UNKNOWN, {}) if pops["p_hub"]["share_30d"] else {}
    if unknown:
        out.append(f"{unknown.get('share', 0):.1%} of p_hub downloads are by individuals or unlisted namespaces (Unknown bloc); their country is never guessed.")
    if not any(s["mode"] in ("full", "incremental") for s in hub.snapshots):
        out.append("No time series: the data hold no repeated crawls of one population (imports are one date each).")
    return out
