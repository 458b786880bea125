"""Derivative share (ATOM style): which bloc's base models new derivatives are built on.

For the derivatives created in month M (Hub ``createdAt``; repos at the Hub's
2022-03-02 floor date have no usable month and are counted apart) that declare a
base model: the share whose root base model comes from each bloc. Chains are
resolved to the root (``lineage.resolve_roots``); a merge's weight is split 1/k
over its k parents. Only derivatives with more than ``min_downloads`` 30-day
downloads count (ATOM keeps > 5). Two variants: all relations, and without
quantisations (repacks are distribution, not development). Weights: one per
derivative, and a download-weighted variant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weightatlas.indicators.lineage import HUB_FLOOR_SQL, exact_sum
from weightatlas.resolve import name_key

if TYPE_CHECKING:
    from weightatlas.indicators import Context

MIN_DOWNLOADS = 5


def compute(ctx: Context, *, min_downloads: int = MIN_DOWNLOADS) -> dict[str, Any]:
    ctx.hub()
    blocs = list(ctx.blocs.blocs)
    variants = {}
    for name, substantive_only in (("all_relations", False), ("without_quantized", True)):
        variants[name] = _variant(ctx, blocs, substantive_only, min_downloads)
    counts = ctx.hub_rows(
        f"""SELECT count(*) AS derivatives,
                   count(*) FILTER (WHERE k.month IS NULL) AS no_usable_month,
                   count(*) FILTER (WHERE coalesce(k.downloads, 0) <= {min_downloads}) AS below_threshold,
                   count(*) FILTER (WHERE NOT k.resolved) AS unresolved
            FROM wa_child_kind k WHERE k.listed"""
    )[0]
    return {
        "min_downloads": min_downloads,
        "merge_rule": "a merge's weight is split equally over its parents (1/k each)",
        "counting": "each derivative once; roots = first ancestor on the curated base list (ATOM), else the top ancestor",
        "population": counts,
        "variants": variants,
    }


def _base(substantive_only: bool, min_downloads: int) -> str:
    # wa_flows: one row per (derivative, root), made once with the lineage and shared with
    # collaboration, adoption, regional and regulation.
    kind = "d.substantive" if substantive_only else "TRUE"
    return f"FROM wa_flows d WHERE {kind} AND coalesce(d.downloads, 0) > {int(min_downloads)}"


# wa_counted_flows holds only the counted rows (counted_lineage filters before it walks).
COUNTED_BASE = "FROM wa_counted_flows d WHERE TRUE"
FULL_ROOT_NAMES = "SELECT parent_key, parent FROM wa_parents"
COUNTED_ROOT_NAMES = "SELECT root_key AS parent_key, root AS parent FROM wa_counted_roots"


# The walk from the counted derivatives pays when the threshold leaves most repos out (ATOM's > 5
# leaves out three quarters of a fake-Hub crawl: 0.9 s against 2.5 s for resolving every derivative);
# when most repos count, one walk over the whole graph is cheaper (the synthetic Hub, 68% counted:
# 3.1 s against 2.9 s). Measured with benchmarks/bench_hub_indicators.py and api.derivative_share.
PUSHDOWN_MAX_SHARE = 0.5


def counted_variant(ctx: Context, *, substantive_only: bool = False, min_downloads: int = MIN_DOWNLOADS) -> dict[str, Any]:
    """One variant of the derivative share (as in :func:`compute`) without preparing the other Hub tables.

    When the counted repos are at most ``PUSHDOWN_MAX_SHARE`` of the repos, the walk starts
    from them alone (:mod:`counted_lineage`), so the figure costs what its counted population
    costs, not the whole graph; otherwise the whole lineage is resolved as for the document.
    Either way the numbers are ``compute(ctx)["variants"][...]``'s (tests hold them equal).
    """
    from weightatlas.indicators import counted_lineage

    counted, repos = ctx.hub_rows(
        f"""SELECT count(*) FILTER (WHERE coalesce(downloads, 0) > {int(min_downloads)} AND created_at > {HUB_FLOOR_SQL}) AS counted,
                   count(*) AS repos FROM hub_models"""
    )[0].values()
    if counted > PUSHDOWN_MAX_SHARE * repos:
        ctx.hub()
        return {"walk": "all derivatives", **_variant(ctx, list(ctx.blocs.blocs), substantive_only, min_downloads)}
    ctx.namespaces()
    ctx.with_salts(lambda salt: counted_lineage.counted_flows(ctx.hub_con, min_downloads=min_downloads, substantive_only=substantive_only, salt=salt))
    variant = _variant(ctx, list(ctx.blocs.blocs), substantive_only, min_downloads, base=COUNTED_BASE, root_names=COUNTED_ROOT_NAMES)
    return {"walk": "counted derivatives only", **variant}


def monthly_by_root_bloc(
    ctx: Context, *, substantive_only: bool = False, min_downloads: int = MIN_DOWNLOADS, base: str | None = None
) -> list[dict[str, Any]]:
    """Rows ``(month, bloc, w, wd)``: derivatives created per month by root bloc (merges split 1/k), download-weighted too."""
    if base is None:
        ctx.hub()
        base = _base(substantive_only, min_downloads)
    return ctx.hub_rows(
        f"""SELECT month, root_bloc AS bloc, {exact_sum('weight')} AS w, {exact_sum('weight * downloads', products=True)} AS wd
            {base} AND month IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"""
    )


def _variant(
    ctx: Context, blocs: list[str], substantive_only: bool, min_downloads: int, *, base: str | None = None, root_names: str = FULL_ROOT_NAMES
) -> dict[str, Any]:
    base = base or _base(substantive_only, min_downloads)
    monthly = monthly_by_root_bloc(ctx, substantive_only=substantive_only, min_downloads=min_downloads, base=base)
    months: dict[str, dict[str, tuple[float, float]]] = {}
    for row in monthly:
        months.setdefault(row["month"], {})[row["bloc"]] = (row["w"], row["wd"] or 0.0)
    series = []
    for month, by_bloc in sorted(months.items()):
        total = sum(v[0] for v in by_bloc.values())
        total_d = sum(v[1] for v in by_bloc.values())
        for b in blocs:
            w, wd = by_bloc.get(b, (0.0, 0.0))
            series.append(
                {
                    "month": month,
                    "bloc": b,
                    "derivatives": round(w, 3),
                    "share": round(w / total, 4) if total else None,
                    "download_weighted_share": round(wd / total_d, 4) if total_d else None,
                    "month_total": round(total, 3),
                }
            )
    overall_rows = ctx.hub_rows(
        f"SELECT root_bloc AS bloc, {exact_sum('weight')} AS w, {exact_sum('weight * downloads', products=True)} AS wd {base} GROUP BY 1 ORDER BY 1"
    )
    total = sum(r["w"] for r in overall_rows)
    total_d = sum(r["wd"] or 0 for r in overall_rows)
    overall_by_bloc = {r["bloc"]: (r["w"], r["wd"] or 0) for r in overall_rows}
    overall = {
        b: {
            "derivatives": round(overall_by_bloc.get(b, (0.0, 0))[0], 3),
            "share": round(overall_by_bloc.get(b, (0.0, 0))[0] / total, 4) if total else None,
            "download_weighted_share": round(overall_by_bloc.get(b, (0.0, 0))[1] / total_d, 4) if total_d else None,
        }
        for b in blocs
    }
    # The root's name and developer are looked up for the top 200 only (ties kept by rank): wa_flows has keys, no names.
    top = ctx.hub_rows(
        f"""SELECT p.parent AS root, t.bloc, n.org_name AS org, t.w
            FROM (SELECT root_key, bloc, w, rank() OVER (ORDER BY w DESC) AS place
                  FROM (SELECT root_key, root_bloc AS bloc, {exact_sum('weight')} AS w {base} GROUP BY 1, 2)) t
            JOIN ({root_names}) p ON p.parent_key = t.root_key
            LEFT JOIN wa_ns n ON n.ns = lower(split_part(p.parent, '/', 1))
            WHERE t.place <= 200 ORDER BY t.w DESC, root LIMIT 200"""
    )
    return {
        "derivatives": round(total, 3),
        "overall": overall,
        "monthly": series,
        "top_roots": [{"root": t["root"], "bloc": t["bloc"], "org": t["org"], "derivatives": round(t["w"], 3), "share": round(t["w"] / total, 4)} for t in top[:15]],
        "top_families": _families(ctx, top, total),
    }


def _families(ctx: Context, top: list[dict[str, Any]], total: float) -> list[dict[str, Any]]:
    """Group root models into families with the curated family rules (e.g. every Qwen root under "Qwen")."""
    attribution = ctx.attribution
    families: dict[tuple[str, str], float] = {}
    for t in top:
        rule = attribution.family(name_key(t["root"].split("/")[-1]))
        key = (rule.family if rule else t["root"], t["bloc"])
        families[key] = families.get(key, 0.0) + t["w"]
    ranked = sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"family": f, "bloc": b, "derivatives": round(w, 3), "share": round(w / total, 4) if total else None} for (f, b), w in ranked[:10]]
