"""International collaboration: who builds on whose base models, and how substantively.

Every derivative is placed in a flow from the **maker's** country (the developer
of the derivative's namespace) to the **root base's** country (the developer of the
root base model, fractional over merges). Flows are split into

* **substantive** work — fine-tunes (including continued pre-training, which the Hub
  labels a fine-tune), adapters and merges — and
* **superficial** work — quantisations and format repacks, and anything a
  redistributor uploads (a re-upload moves weights around; it develops nothing).

Cross-border: both countries known and different. Makers without a known country
(individuals, unlisted namespaces) keep their own ``unknown`` row and are never
guessed.

**Authentic collaboration index** = substantive cross-border derivatives by known
organisations / all derivatives by known organisations. Given overall, per bloc pair
(maker bloc A building on root bloc B: A's substantive derivatives on B's roots across a
border / all derivatives by A's known organisations) and per quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weightatlas.indicators.lineage import exact_sum

if TYPE_CHECKING:
    from weightatlas.indicators import Context

# Every query reads the shared per-(derivative, root) table made with the lineage (lineage.flows_table).
_FLOWS = "FROM wa_flows f"


def compute(ctx: Context) -> dict[str, Any]:
    hub = ctx.hub()
    matrix = ctx.hub_rows(
        f"""SELECT CASE WHEN f.substantive AND NOT f.by_redistributor THEN 'substantive' ELSE 'superficial' END AS kind,
                   coalesce(f.country, 'unknown') AS maker_country, f.bloc AS maker_bloc,
                   coalesce(f.root_country, 'unknown') AS root_country, f.root_bloc,
                   round({exact_sum('f.weight')}, 3) AS derivatives, count(DISTINCT f.child_key) AS repos
            {_FLOWS} GROUP BY ALL ORDER BY kind, derivatives DESC, maker_country, root_country"""
    )
    flows = {kind: [m for m in matrix if m["kind"] == kind] for kind in ("substantive", "superficial")}
    for rows in flows.values():
        for m in rows:
            m.pop("kind")
    known = "f.org_id IS NOT NULL"
    cross = "f.substantive AND NOT f.by_redistributor AND f.country IS NOT NULL AND f.root_country IS NOT NULL AND f.country <> f.root_country"
    overall = ctx.hub_rows(
        f"""SELECT {exact_sum('f.weight', where=cross)} AS cross_border, {exact_sum('f.weight')} AS total, count(DISTINCT f.child_key) AS repos
            {_FLOWS} WHERE {known}"""
    )[0]
    pairs = ctx.hub_rows(
        f"""WITH totals AS (SELECT f.bloc, {exact_sum('f.weight')} AS total {_FLOWS} WHERE {known} GROUP BY 1)
            SELECT f.bloc AS maker_bloc, f.root_bloc, round({exact_sum('f.weight')}, 3) AS substantive_cross_border, any_value(t.total) AS all_by_known_orgs
            {_FLOWS} JOIN totals t ON t.bloc = f.bloc WHERE {known} AND {cross}
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"""
    )
    for p in pairs:
        p["index"] = round(p["substantive_cross_border"] / p["all_by_known_orgs"], 4) if p["all_by_known_orgs"] else None
        p["all_by_known_orgs"] = round(p["all_by_known_orgs"], 3)
    quarterly = ctx.hub_rows(
        f"""SELECT strftime(date_trunc('quarter', f.created_at), '%Y') || '-Q' || quarter(f.created_at) AS quarter,
                   {exact_sum('f.weight', where=cross)} AS cross_border, {exact_sum('f.weight')} AS total
            {_FLOWS} WHERE {known} AND f.month IS NOT NULL GROUP BY 1 ORDER BY 1"""
    )
    # The top 25 by downloads (ties kept by rank) first, then their names (wa_flows has keys, no names);
    # the final order breaks ties by repo and root name.
    notable = ctx.hub_rows(
        f"""SELECT t.repo, t.maker, t.maker_country, t.root, n.org_name AS root_org, t.root_country,
                   t.relation, t.created, t.downloads, 'https://huggingface.co/' || t.repo AS url
            FROM (SELECT r.id AS repo, r.org_name AS maker, x.maker_country, p.parent AS root, x.root_country,
                         x.relation, x.created, x.downloads
                  FROM (SELECT f.child_key, f.root_key, f.country AS maker_country, f.root_country, f.relation,
                               f.created_at::DATE::VARCHAR AS created, f.downloads,
                               rank() OVER (ORDER BY f.downloads DESC NULLS LAST) AS place
                        {_FLOWS} WHERE {known} AND {cross}) x
                  JOIN wa_repos r ON r.key = x.child_key JOIN wa_parents p ON p.parent_key = x.root_key
                  WHERE x.place <= 25) t
            LEFT JOIN wa_ns n ON n.ns = lower(split_part(t.root, '/', 1))
            ORDER BY t.downloads DESC NULLS LAST, t.repo, t.root LIMIT 25"""
    )
    population = ctx.hub_rows(
        # count(DISTINCT child_key) FILTER (WHERE p) is the number of children with some row where p:
        # one pass grouping by child instead of five distinct counts
        f"""SELECT count(*) AS derivatives,
                   count(*) FILTER (WHERE known) AS by_known_organizations,
                   count(*) FILTER (WHERE redistributed) AS by_redistributors,
                   count(*) FILTER (WHERE unknown_maker) AS by_unknown_makers,
                   count(*) FILTER (WHERE unknown_root) AS unknown_root_country
            FROM (SELECT f.child_key, bool_or(f.org_id IS NOT NULL) AS known, bool_or(f.by_redistributor) AS redistributed,
                         bool_or(f.org_id IS NULL AND NOT f.by_redistributor) AS unknown_maker,
                         bool_or(f.root_country IS NULL) AS unknown_root
                  {_FLOWS} GROUP BY f.child_key)"""
    )[0]
    return {
        "source": hub.source,
        "flow_matrix": flows,
        "bloc_matrix": _bloc_matrix(matrix_rows=flows),
        "authentic_index": {
            "overall": round((overall["cross_border"] or 0) / overall["total"], 4) if overall["total"] else None,
            "substantive_cross_border": round(overall["cross_border"] or 0.0, 3),
            "all_by_known_orgs": round(overall["total"] or 0.0, 3),
            "by_pair": pairs,
            "quarterly": [
                {"quarter": q["quarter"], "index": round((q["cross_border"] or 0) / q["total"], 4) if q["total"] else None, "derivatives": round(q["total"], 3)}
                for q in quarterly
            ],
        },
        "notable_cross_border": notable,
        "population": population,
        "lineage": hub.lineage,
        "method": (
            "Maker = developer of the derivative's namespace; origin = developer of its root base model (merges split 1/k). "
            "Substantive = fine-tune, adapter or merge by a non-redistributor; superficial = quantisation, format repack or "
            "redistributor upload. Authentic collaboration index = substantive cross-border derivatives by known organisations "
            "/ all derivatives by known organisations."
        ),
        "caveats": [
            "Lineage is what authors declare: many repos name no parent, and the Hub infers relations (checked here against repack evidence).",
            "Only organisations in the curated table have a country; individual accounts are counted as unknown makers, never guessed.",
            "A cross-border derivative is evidence of use, not of a partnership between the two developers.",
        ]
        + (
            ["The embedded data cover eight family trees only, so flows out of those roots dominate; pass --db with a crawl for Hub-wide flows."]
            if not ctx.store.db
            else []
        ),
    }


def _bloc_matrix(matrix_rows: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for kind, rows in matrix_rows.items():
        grid: dict[str, dict[str, float]] = {}
        for r in rows:
            cell = grid.setdefault(r["maker_bloc"], {})
            cell[r["root_bloc"]] = round(cell.get(r["root_bloc"], 0.0) + r["derivatives"], 3)
        out[kind] = grid
    return out
