"""The self-contained HTML scorecard.

``write_report(document, out)`` renders the indicators document (the JSON
contract) into ``out/index.html`` with every chart inline: the Vega, Vega-Lite
and vega-embed libraries are inlined from ``vl_convert`` (no CDN, works
offline), the chart specs and the document itself are embedded as JSON. The
page computes nothing; it lays out what the document holds. ``indicators.json``
is written next to it so every number can be traced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import vl_convert

from weightatlas import __version__
from weightatlas.indicators import regional
from weightatlas.report import charts, exports, forecast_charts, links, policy_charts

TEMPLATES = Path(__file__).resolve().parent / "templates"
HEADLINE_ORDER = ("eci", "lmarena_text", "gpqa_diamond", "livebench", "swe_bench_verified", "aider_polyglot")


@dataclass
class ReportResult:
    html_path: Path
    json_path: Path
    document: dict[str, Any]
    charts: int


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl_convert; no network)."""
    return vl_convert.javascript_bundle()


def _series_order(gap: dict[str, Any]) -> list[str]:
    def rank(series_id: str) -> tuple[int, int, str]:
        s = gap[series_id]
        head = HEADLINE_ORDER.index(series_id) if series_id in HEADLINE_ORDER else len(HEADLINE_ORDER)
        return (s["kind"] != "independent", head, series_id)

    return sorted(gap, key=rank)


def build_view(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The template's view model and the chart specs, keyed by chart id."""
    specs: dict[str, dict[str, Any]] = {}
    series_sources: dict[str, list[dict[str, Any]]] = {}  # chart-id prefix of a series -> its sources
    gap = document["indicators"].get("capability_gap", {})
    series_views = []
    overview_rows = []
    multiples = []
    for order, series_id in enumerate(_series_order(gap)):
        s = gap[series_id]
        cid = series_id.replace(".", "-")
        latest = s["latest"]["gap"] or {}
        behind = [r for r in s["catch_up"]["months_behind"] if r.get("months_behind") is not None]
        overview_rows.append(
            {"series": s["name"], "anchor": cid, "month": latest.get("month"), "leader": latest.get("leader"), "points": latest.get("points"), "percent": latest.get("percent"),
             "signed_percent": latest.get("signed_percent"), "kind": s["kind"], "months_behind": behind[-1]["months_behind"] if behind else None,
             "months_behind_month": behind[-1]["month"] if behind else None, "sources": s["sources"], "as_of": s["as_of"]}
        )
        multiples += [
            {"series": s["name"], "order": order, "kind": s["kind"], "month": g["month"], "leader": g["leader"], "points": g["points"], "percent": g["percent"],
             "signed_percent": g["signed_percent"], "ahead": "US ahead" if g["reference_minus_challenger"] >= 0 else "China ahead"}
            for g in s["gap"] if g.get("signed_percent") is not None
        ]
        series_sources[cid] = s["sources"]
        view: dict[str, Any] = {"id": series_id, "anchor": cid, "s": s, "charts": [], "cuts": []}
        if s["comparison"] == "snapshot":
            specs[f"{cid}-snap"] = charts.snapshot_chart(s["snapshots"], groups=["China", "United States", "Europe"], unit=s["unit"], title=f"{s['name']}: top model of each bloc per leaderboard snapshot")
            view["charts"].append(f"{cid}-snap")
        specs[f"{cid}-frontier"] = charts.frontier_chart(s["frontier"], key="bloc", unit=s["unit"], title=f"{s['name']}: frontier by bloc")
        specs[f"{cid}-gap"] = charts.gap_chart(s["gap"], reference="United States", challenger="China", unit=s["unit"])
        view["charts"] += [f"{cid}-frontier", f"{cid}-gap"]
        if s["catch_up"]["months_behind"]:
            specs[f"{cid}-behind"] = charts.months_behind_chart(s["catch_up"]["months_behind"], challenger="China", reference="United States")
            view["charts"].append(f"{cid}-behind")
        if s["catch_up"]["events"]:
            specs[f"{cid}-events"] = charts.catch_up_chart(s["catch_up"]["events"], challenger="China", reference="United States")
            view["charts"].append(f"{cid}-events")
        for cut_id, cut in s.get("cuts", {}).items():
            chart_id = f"{cid}-{cut_id}"
            specs[chart_id] = charts.frontier_chart(cut["frontier"], key="group", unit=s["unit"], title=f"{s['name']}: {cut['title']}")
            view["cuts"].append({"id": cut_id, "chart": chart_id, "cut": cut})
        series_views.append(view)
    if multiples:
        # "overview": the capability gap's one open chart, small multiples of every series' gap.
        specs["overview"] = charts.gap_small_multiples(multiples)
    _hub_charts(document, specs)
    _diffusion_charts(document, specs)
    _regulation_charts(document, specs)
    _inference_usage_charts(document, specs)
    forecast_chart = forecast_charts.add_specs(document, specs)  # the forecasts section's one chart
    # A chart with no rows draws nothing and makes Vega warn ("Infinite extent for field ..."): the
    # template says "no data" where it would have been.
    specs = {cid: spec for cid, spec in specs.items() if exports.chart_rows(spec)}
    for v in series_views:
        v["charts"] = [c for c in v["charts"] if c in specs]
    all_gap_sources = list({src["id"]: src for srcs in series_sources.values() for src in srcs}.values())
    meta = {
        cid: exports.chart_meta(cid, spec, document, all_gap_sources if cid == "overview" else _series_sources(cid, series_sources))
        for cid, spec in specs.items()
    }
    manifest = document["snapshot"]
    return (
        {
            "chart_meta": meta,
            "verdict": document.get("verdict"),
            "version": __version__,
            "manifest": manifest,
            "meta": document.get("meta", {}),
            "series": series_views,
            "overview_rows": overview_rows,
            "sources": manifest["sources"],
            "ind": document["indicators"],
            "blocs": list(document.get("meta", {}).get("bloc_map", {}).get("blocs", [])),
            **({"forecasts": document["forecasts"], "forecast_chart": forecast_chart if forecast_chart in specs else None} if "forecasts" in document else {}),
            **({"literature": document["literature"]} if "literature" in document else {}),
            **({"changes": document["changes"]} if "changes" in document else {}),
        },
        specs,
    )


def _series_sources(chart_id: str, series_sources: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    """The sources of the capability-gap series a chart belongs to (its id starts with the series' anchor)."""
    prefixes = sorted((p for p in series_sources if chart_id.startswith(p + "-")), key=len, reverse=True)
    return series_sources[prefixes[0]] if prefixes else None


MAIN_BLOCS = ("China", "United States", "Europe")


def _share_measure_rows(monthly: list[dict[str, Any]], n_key: str) -> list[dict[str, Any]]:
    """Long rows for a share chart: one per month, bloc and measure (raw, robust, leave-one-out)."""
    return [
        {"month": f"{m['period']}-01", "bloc": b, "measure": label, "share": m["by_bloc"][b][key], "n": m[n_key]}
        for m in monthly for b in MAIN_BLOCS if b in m["by_bloc"]
        for label, key in (("raw", "share"), ("robust", "share_robust"), ("leave-one-out", "share_loo"))
        if m["by_bloc"][b][key] is not None
    ]


def _history_charts(adoption: dict[str, Any], specs: dict[str, dict[str, Any]], blocs: list[str]) -> None:
    """One summary chart per history block: monthly shares, raw / robust / leave-one-out side by side."""
    dh = adoption.get("download_history", {})
    if dh.get("available"):
        panel = dh["variants"]["llm_only"]["balanced_panel"]
        rows = _share_measure_rows(panel["monthly"], "repos")
        if rows:
            specs["download-history"] = charts.history_share_lines(
                rows, title=f"Download share by bloc, LLMs, balanced panel ({panel['repos']} repos from {panel['start']})", domain=blocs, x_title="month"
            )
    fh = adoption.get("finetune_history", {})
    if fh.get("available"):
        variant = fh["variants"]["all_modalities"]
        rows = _share_measure_rows(variant["monthly"], "bases")
        if rows:
            specs["finetune-history"] = charts.history_share_lines(
                rows, title=f"Share of new fine-tunes by the base's bloc ({variant['bases']} bases)", domain=blocs, x_title="month in which the 30-day window ends"
            )
    b22 = adoption.get("baseline_2022", {})
    if b22.get("available"):
        rows = [
            {"population": name.replace("_", " "), "bloc": b, "share": cell["share"], "value": cell["downloads"], "order": blocs.index(b) if b in blocs else len(blocs)}
            for name in ("all_modalities", "llm_only") for b, cell in b22[name]["by_bloc"].items() if cell["share"] is not None
        ]
        if rows:
            specs["baseline-2022"] = charts.share_bars(rows, y="population", title="30-day download share by bloc, mid-2022 listing (repacks apart)", domain=blocs)


def _hub_charts(document: dict[str, Any], specs: dict[str, dict[str, Any]]) -> None:
    """Charts of the adoption, collaboration and regional sections (reshaping only)."""
    ind = document["indicators"]
    blocs = list(document.get("meta", {}).get("bloc_map", {}).get("blocs", []))

    def order(name: str) -> int:
        return blocs.index(name) if name in blocs else len(blocs)

    if "adoption" in ind:
        _history_charts(ind["adoption"], specs, blocs)
        sample = ind["adoption"]["hub_sample"]
        rows = []
        for pop_id, pop in sample["populations"].items():
            share = pop.get("share_30d")
            for bloc, cell in (share or {}).get("by_bloc", {}).items():
                rows.append({"population": pop_id, "bloc": bloc, "share": cell["share"], "value": cell["downloads"], "order": order(bloc)})
        if rows:
            specs["adoption-shares"] = charts.share_bars(rows, y="population", title="30-day download share by bloc, per population (repacks excluded)", domain=blocs)
        variant = sample["derivative_share"]["variants"]["all_relations"]
        monthly = [dict(r, order=order(r["bloc"])) for r in variant["monthly"] if r["share"]]
        if monthly:
            specs["derivative-monthly"] = charts.monthly_share_area(monthly, title="New derivatives by the bloc of their root base model", domain=blocs)
    if "collaboration" in ind:
        for kind in ("substantive", "superficial"):
            grid = ind["collaboration"]["bloc_matrix"].get(kind, {})
            cells = [{"maker": m, "root": r, "derivatives": v} for m, row in grid.items() for r, v in row.items()]
            if cells:
                specs[f"flows-{kind}"] = charts.heatmap(cells, x="root", y="maker", value="derivatives", title=f"{kind.capitalize()} derivatives: maker bloc x root-base bloc")
        quarterly = [q for q in ind["collaboration"]["authentic_index"]["quarterly"] if q["index"] is not None]
        if quarterly:
            specs["authentic-quarterly"] = charts.index_line(quarterly, x="quarter", y="index", title="Authentic collaboration index by quarter")
    if "regional" in ind and "sovereign" in ind["regional"]:
        sov = ind["regional"]["sovereign"]
        domain = [*blocs, regional.OWN_BASE]
        specs["sovereign-region"] = charts.share_bars(
            [{"region": r["region"], "bloc": r["origin"], "share": r["share"], "value": r["projects"], "order": domain.index(r["origin"]) if r["origin"] in domain else 99} for r in sov["by_region"]],
            y="region", title="Sovereign and regional projects: origin of the base model, by region", domain=domain,
        )
        specs["sovereign-year"] = charts.share_bars(
            [{"year": str(r["year"]), "bloc": r["origin"], "share": r["share"], "value": r["projects"], "order": domain.index(r["origin"]) if r["origin"] in domain else 99} for r in sov["by_year"]],
            y="year", title="Sovereign and regional projects: origin of the base model, by release year", domain=domain,
        )
    if "regional" in ind and "language_proxy" in ind["regional"]:
        rows = [
            {"region": r["key"], "bloc": b, "share": v, "value": r["weight"], "order": order(b)}
            for r in ind["regional"]["language_proxy"]["by_region"]
            for b, v in r["share"].items()
        ]
        if rows:
            specs["language-region"] = charts.share_bars(rows, y="region", title="Derivatives declaring a language: root-base bloc by the language's region", domain=blocs)


def _diffusion_charts(document: dict[str, Any], specs: dict[str, dict[str, Any]]) -> None:
    ind = document["indicators"]
    blocs = list(document.get("meta", {}).get("bloc_map", {}).get("blocs", []))
    if "diffusion" in ind:
        rows = []
        for f in ind["diffusion"]["features"]:
            o = f["originator"]
            if not o:
                continue
            rows.append({"label": f["label"], "role": "earliest in table", "bloc": o["bloc"], "model": o["model"], "released": o["released"], "lag_months": 0})
            for bloc, a in f["first_adopters"].items():
                rows.append({"label": f["label"], "role": "first adopter", "bloc": bloc, "model": a["model"], "released": a["released"], "lag_months": a["lag_months"]})
        if rows:
            specs["diffusion-timeline"] = charts.diffusion_timeline(rows, domain=blocs, releases=ind["diffusion"]["population"]["releases"])
        curves = [
            {**c, "label": f["label"]}
            for f in ind["diffusion"]["features"]
            if f["feature"] in ("mla", "fine_grained_moe", "shared_experts", "moe", "gqa", "mtp")
            for c in f["adoption_curve"]
            if c["bloc"] in ("China", "United States", "Europe")
        ]
        if curves:
            specs["diffusion-curves"] = charts.adoption_curves(curves, domain=blocs)
    if "efficiency" in ind:
        e = ind["efficiency"]
        frontier = [p for ps in e["frontier"].values() for p in ps]
        if e["points"]:
            specs["efficiency-scatter"] = charts.capability_vs_compute(e["points"], frontier, domain=blocs)
        gap_rows = [{"eci": g["eci"], "delta_log10": g["delta_log10"], "china_model": g["china"]["model"], "us_model": g["united_states"]["model"]} for g in e["compute_gap"]]
        if gap_rows:
            specs["efficiency-gap"] = charts.compute_gap_chart(gap_rows)


# Jurisdictions shown as their own row or line; the rest share "Other jurisdictions".
MIN_EVENTS_OWN_ROW = 3


def _regulation_charts(document: dict[str, Any], specs: dict[str, dict[str, Any]]) -> None:
    reg = document["indicators"].get("regulation")
    if not reg:
        return
    index = reg["restrictiveness"]["jurisdictions"]
    own = [g for g, v in index.items() if v["events"] >= MIN_EVENTS_OWN_ROW]
    rows = []
    for e in reg["events"]:
        if not e["in_figures"]:
            continue
        row = index[e["group"]]["label"] if e["group"] in own else "Other jurisdictions"
        rows.append({**e, "row": row, "targets": ", ".join(e["target"]), "link": links.safe_href(e.get("source_url"))})
    order = [index[g]["label"] for g in own] + ["Other jurisdictions"]
    specs["policy-timeline"] = policy_charts.policy_timeline(rows, order=order)
    lines = [{**point, "label": index[g]["label"]} for g in own for point in index[g]["series"]]
    specs["policy-index"] = policy_charts.restrictiveness_lines(lines, measure="net", title="Restrictiveness index: cumulative restrict minus enable events")
    specs["policy-index-binding"] = policy_charts.restrictiveness_lines(lines, measure="net_binding", title="The same, binding instruments only")
    series_labels = {s["id"]: s["label"] for s in reg["event_study"]["series"]}
    for study in reg["event_study"]["studies"]:
        for r in study["results"]:
            if r["status"] == "estimated":
                specs[f"study-{study['id']}-{r['series']}"] = policy_charts.event_study_chart(
                    r["observed"], r["fitted"], event_date=study["date"], title=f"{series_labels[r['series']]}, around {study['date']}"
                )
    window = reg["event_study"].get("compound_window")
    if window and window.get("status") == "estimated":
        specs["compound-window-daily"] = policy_charts.compound_window_daily(window["daily"], groups=window["groups"], window_start=window["window_start"])
        specs["compound-window-placebo"] = policy_charts.compound_window_placebo(window["placebo"], window, groups=window["groups"])


def _inference_usage_charts(document: dict[str, Any], specs: dict[str, dict[str, Any]]) -> None:
    usage = document["indicators"].get("inference_usage")
    if not usage or not usage["series"]:
        return
    rows = [
        {"source": source, "week": w["week_start"], "measure": measure, "share": share, "n_models": w["n_models"], "match_rate": w["match_rate_tokens"]["developer"]}
        for source, s in usage["series"].items()
        for w in s["weeks"]
        for measure, share in (("China", w["bloc_share"]["China"]["share"]), ("open weights", w["open_weights_share"]["open"]["share"]))
    ]
    specs["inference-usage"] = charts.inference_usage_lines(rows)


def _json_for_script(value: Any) -> str:
    # Safe inside <script>: no "</script>" or "<!--" can close the element early.
    return json.dumps(value, default=str, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def _script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: list[str]) -> str:
    """The page's CSP: nothing from anywhere, except its own inline scripts (by hash), styles, and data/blob images.

    Styles are allowed inline ('unsafe-inline'): Vega writes style attributes on the SVG it draws and
    vega-embed adds a <style> element, neither of which a hash can cover. Scripts are allowed only by
    the sha256 of each inline script, computed here from the exact text the page holds.
    """
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_script_hash(s) for s in scripts),
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def render_html(document: dict[str, Any]) -> tuple[str, int]:
    view, specs = build_view(document)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    env.filters["num"] = _num
    env.filters["tojson_script"] = _json_for_script
    env.filters["link"] = links.link  # every link in the templates: http(s) only, the rest as text
    bundle, page_js = vega_bundle(), (Path(TEMPLATES) / "report.js").read_text(encoding="utf-8")
    html = env.get_template("index.html.j2").render(
        **view, specs=specs, vega_bundle=bundle, page_js=page_js, csp=content_security_policy([bundle, page_js])
    )
    return html, len(specs)


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it and put it back
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, with the mode a plain open() would give."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # mkstemp creates 0600; a report is meant to be read (and served) by others, as the umask allows.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(document: dict[str, Any], out: Path) -> ReportResult:
    """Write ``index.html`` and ``indicators.json`` into ``out`` (each replaced atomically)."""
    html, n_charts = render_html(document)
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / "index.html", out / "indicators.json"
    _atomic_write(json_path, json.dumps(document, indent=1, default=str) + "\n")
    _atomic_write(html_path, html)
    return ReportResult(html_path=html_path, json_path=json_path, document=document, charts=n_charts)
