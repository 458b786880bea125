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

if TYPE_CHECKING:
    from weightatlas.indicators import Context

_FLOWS = """
    FROM wa_child_kind k
    JOIN wa_repos r ON r.id = k.child
    JOIN wa_root_origin o ON o.child = k.child
"""


def compute(ctx: Context) -> dict[str, Any]:
    hub = ctx.hub()
    matrix = ctx.store.rows(
        f"""SELECT CASE WHEN k.substantive AND NOT r.by_redistributor THEN 'substantive' ELSE 'superficial' END AS kind,
                   coalesce(r.country, 'unknown') AS maker_country, r.bloc AS maker_bloc,
                   coalesce(o.root_country, 'unknown') AS root_country, o.root_bloc,
                   round(sum(o.weight), 3) AS derivatives, count(DISTINCT k.child) AS repos
            {_FLOWS} GROUP BY ALL ORDER BY kind, derivatives DESC, maker_country, root_country"""
    )
    flows = {kind: [m for m in matrix if m["kind"] == kind] for kind in ("substantive", "superficial")}
    for rows in flows.values():
        for m in rows:
            m.pop("kind")
    known = "r.org_id IS NOT NULL"
    cross = "k.substantive AND NOT r.by_redistributor AND r.country IS NOT NULL AND o.root_country IS NOT NULL AND r.country <> o.root_country"
    overall = ctx.store.rows(
        f"""SELECT sum(o.weight) FILTER (WHERE {cross}) AS cross_border, sum(o.weight) AS total, count(DISTINCT k.child) AS repos
            {_FLOWS} WHERE {known}"""
    )[0]
    pairs = ctx.store.rows(
        f"""WITH totals AS (SELECT r.bloc, sum(o.weight) AS total {_FLOWS} WHERE {known} GROUP BY 1)
            SELECT r.bloc AS maker_bloc, o.root_bloc, round(sum(o.weight), 3) AS substantive_cross_border, any_value(t.total) AS all_by_known_orgs
            {_FLOWS} JOIN totals t ON t.bloc = r.bloc WHERE {known} AND {cross}
            GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"""
    )
    for p in pairs:
        p["index"] = round(p["substantive_cross_border"] / p["all_by_known_orgs"], 4) if p["all_by_known_orgs"] else None
        p["all_by_known_orgs"] = round(p["all_by_known_orgs"], 3)
    quarterly = ctx.store.rows(
        f"""SELECT strftime(date_trunc('quarter', r.created_at), '%Y') || '-Q' || quarter(r.created_at) AS quarter,
                   sum(o.weight) FILTER (WHERE {cross}) AS cross_border, sum(o.weight) AS total
            {_FLOWS} WHERE {known} AND r.month IS NOT NULL GROUP BY 1 ORDER BY 1"""
    )
    notable = ctx.store.rows(
        f"""SELECT k.child AS repo, r.org_name AS maker, r.country AS maker_country, o.root, o.root_org, o.root_country,
                   k.relation, r.created_at::DATE::VARCHAR AS created, r.downloads,
                   'https://huggingface.co/' || k.child AS url
            {_FLOWS} WHERE {known} AND {cross}
            ORDER BY r.downloads DESC NULLS LAST, k.child LIMIT 25"""
    )
    population = ctx.store.rows(
        f"""SELECT count(DISTINCT k.child) AS derivatives,
                   count(DISTINCT k.child) FILTER (WHERE r.org_id IS NOT NULL) AS by_known_organizations,
                   count(DISTINCT k.child) FILTER (WHERE r.by_redistributor) AS by_redistributors,
                   count(DISTINCT k.child) FILTER (WHERE r.org_id IS NULL AND NOT r.by_redistributor) AS by_unknown_makers,
                   count(DISTINCT k.child) FILTER (WHERE o.root_country IS NULL) AS unknown_root_country
            {_FLOWS}"""
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
