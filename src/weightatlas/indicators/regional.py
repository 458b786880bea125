"""Regional deployment: which base models sovereign and regional projects build on.

Three separate views, never added together:

1. **Sovereign and regional projects** (curated, ``sovereign_projects.csv``): each
   project version's base model and its developer's country, or "own base" when
   trained from scratch or built on a base from the project's own country. Shares by base origin (China, United States, Europe, Rest of
   world, own base), over time (release year) and by region.
2. **Language-tag proxy**: Hub derivatives that declare languages, by the bloc of
   their root base model, per language and per region (``language_regions.csv``;
   English is treated as global). A proxy for where the work is aimed, not for where
   it is used.
3. **External usage figures** (``external_usage.csv``): figures published by others
   (usage shares by country), passed through with source and date and computed on
   nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from weightatlas.curated import (
    EXTERNAL_USAGE,
    LANGUAGE_REGIONS,
    SOVEREIGN_PROJECTS,
    load_table,
)
from weightatlas.indicators.lineage import exact_sum

if TYPE_CHECKING:
    from weightatlas.indicators import Context

OWN_BASE = "Own base (from scratch or domestic)"


def compute(ctx: Context) -> dict[str, Any]:
    return {
        "sovereign": sovereign(ctx),
        "language_proxy": language_proxy(ctx),
        "external_usage": external_usage(),
        "method": (
            "Sovereign projects: share of project versions by the bloc of their base model's developer (own base when "
            "trained from scratch). Language proxy: Hub derivatives declaring a language, weighted by their root bases' "
            "bloc (merges split 1/k), grouped by language and by the language's region. External figures are reproduced "
            "as published."
        ),
    }


def _origin(ctx: Context, row: dict[str, Any]) -> str:
    """Own base: trained from scratch, or built on a base from the project's own country."""
    if row["from_scratch"] or row["base_country"] == row["country"]:
        return OWN_BASE
    return ctx.blocs.bloc(row["base_country"])


def sovereign(ctx: Context, path: Path | None = None) -> dict[str, Any]:
    rows = load_table(SOVEREIGN_PROJECTS, path)
    origins = [_origin(ctx, r) for r in rows]
    order = [b for b in ctx.blocs.blocs if b in set(origins)] + ([OWN_BASE] if OWN_BASE in origins else [])
    total = len(rows)
    by_origin = Counter(origins)
    by_region: dict[str, Counter[str]] = defaultdict(Counter)
    by_year: dict[int, Counter[str]] = defaultdict(Counter)
    for r, o in zip(rows, origins, strict=True):
        by_region[r["region"]][o] += 1
        by_year[r["release_date"].year][o] += 1
    return {
        "projects": total,
        "countries": len({r["country"] for r in rows}),
        "by_origin": {o: {"projects": by_origin[o], "share": round(by_origin[o] / total, 4)} for o in order},
        "by_region": [
            {"region": region, "origin": o, "projects": n, "share": round(n / sum(c.values()), 4)}
            for region, c in sorted(by_region.items())
            for o, n in sorted(c.items(), key=lambda kv: order.index(kv[0]))
        ],
        "by_year": [
            {"year": year, "origin": o, "projects": n, "share": round(n / sum(c.values()), 4)}
            for year, c in sorted(by_year.items())
            for o, n in sorted(c.items(), key=lambda kv: order.index(kv[0]))
        ],
        "table": [
            {
                "project": r["project"],
                "country": r["country"],
                "region": r["region"],
                "organization": r["organization"],
                "release_date": r["release_date"].isoformat(),
                "base_model": r["base_model"],
                "origin": o,
                "source_url": r["source_url"],
            }
            for r, o in sorted(zip(rows, origins, strict=True), key=lambda ro: (ro[0]["release_date"], ro[0]["project"]))
        ],
        "caveats": [
            "A curated list, not a census: it covers projects with a public base-model statement; each version whose base "
            "changed is its own row, so a project that switched bases counts more than once.",
            "The base model's origin is its developer's headquarters (attribution rules), not where the project runs.",
        ],
    }


def language_proxy(ctx: Context) -> dict[str, Any]:
    ctx.hub()
    regions = load_table(LANGUAGE_REGIONS)
    table = pa.table({"language": [r["language"] for r in regions], "region": [r["region"] for r in regions]})
    con = ctx.hub_con
    assert con is not None
    con.register("wa_lang_regions", table)
    try:
        # array_length, not len: SQLGlot reads len() as string LENGTH, which Spark refuses on a list.
        rows = ctx.hub_rows(
            f"""
            WITH tagged AS (
                SELECT f.child_key, f.root_bloc, f.weight / array_length(f.languages) AS w, unnest(f.languages) AS language
                FROM wa_flows f WHERE f.substantive AND array_length(f.languages) > 0
            )
            SELECT l.language, coalesce(g.region, 'unmapped') AS region, l.root_bloc AS bloc,
                   {exact_sum('l.w')} AS w, count(DISTINCT l.child_key) AS derivatives
            FROM tagged l LEFT JOIN wa_lang_regions g ON g.language = l.language
            GROUP BY ALL
            """
        )
    finally:
        con.unregister("wa_lang_regions")
    by_language: dict[str, dict[str, float]] = defaultdict(dict)
    by_region: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: Counter[str] = Counter()
    for r in rows:
        by_language[r["language"]][r["bloc"]] = r["w"]
        by_region[r["region"]][r["bloc"]] += r["w"]
        counts[r["language"]] += r["derivatives"]
    return {
        "population": {
            "substantive_derivatives_with_languages": ctx.hub_rows(
                "SELECT count(*) AS n FROM wa_child_kind k WHERE k.listed AND k.substantive AND array_length(k.languages) > 0"
            )[0]["n"],
            "languages": len(by_language),
        },
        "weighting": "each derivative counts once, split equally over the languages it declares and over its roots",
        "by_language": _shares(by_language, ctx, extra={lang: {"derivatives": counts[lang]} for lang in by_language}),
        "by_region": _shares(by_region, ctx),
        "caveats": [
            "Language tags are declared by authors and often missing; English is treated as global, not as a region.",
            "A derivative aimed at a language is not evidence of use in a country.",
        ],
    }


def _shares(groups: dict[str, dict[str, float]], ctx: Context, extra: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    out = []
    for key, by_bloc in sorted(groups.items(), key=lambda kv: (-round(sum(kv[1].values()), 9), kv[0])):
        total = sum(by_bloc.values())
        entry: dict[str, Any] = {"key": key, "weight": round(total, 3)}
        entry["share"] = {b: round(by_bloc.get(b, 0.0) / total, 4) for b in ctx.blocs.blocs if by_bloc.get(b)}
        if extra:
            entry.update(extra.get(key, {}))
        out.append(entry)
    return out


def external_usage() -> dict[str, Any]:
    rows = load_table(EXTERNAL_USAGE)
    return {
        "note": "Figures published by others, reproduced with their source, date and unit; weightatlas computes nothing from them.",
        "rows": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items() if k != "_line"} for r in rows],
    }
