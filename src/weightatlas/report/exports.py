"""What the page offers beside each chart: its rows as CSV with an attribution line, a label and a description.

The CSV holds the rows a chart draws (the ``data.values`` of its spec, which are facts
already in the indicators document), formatted in Python when the report is built; the
page only turns that text into a download. It never holds a raw source file. The last
line names the sources and their licences, from the snapshot manifest.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

# Which manifest sources stand behind each chart family (by chart-id prefix). Capability-gap charts
# take their series' own sources; the curated tables are weightatlas's (each row cites its source).
CURATED = "weightatlas curated tables ({tables}; Apache-2.0; every row cites its source)"
SOURCES_BY_PREFIX: list[tuple[str, tuple[str, ...], str | None]] = [
    ("download-history", ("hf_forecast_histories",), None),
    ("finetune-history", ("hf_forecast_histories",), None),
    ("baseline-2022", ("hf_listing_2022",), "legacy_repo_developers.csv, organisations.csv"),
    ("adoption-shares", ("hf_family_trees", "atom_tracked_models"), "organisations.csv"),
    ("derivative-monthly", ("hf_family_trees", "atom_tracked_models"), "organisations.csv"),
    ("flows-", ("hf_family_trees",), "organisations.csv"),
    ("authentic-quarterly", ("hf_family_trees",), "organisations.csv"),
    ("language-region", ("hf_family_trees",), "language_regions.csv"),
    ("sovereign-", (), "sovereign_projects.csv"),
    ("diffusion-", (), "architecture_facts.csv, architecture_prior_art.csv"),
    ("efficiency-", ("epoch_notable", "epoch_eci"), None),
    ("policy-", (), "policy_events.csv"),
    ("study-", ("epoch_notable", "hf_family_trees"), "policy_events.csv"),
    ("compound-window-", ("hf_forecast_histories",), "policy_events.csv, history_repo_roles.csv"),
    ("inference-usage", ("openrouter_johnbean393", "openrouter_kimstore"), "inference_models.csv"),
]


def _datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every inline dataset of a (layered, concatenated or faceted) Vega-Lite spec, outermost first."""
    found: list[list[dict[str, Any]]] = []
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        found.append(data["values"])
    for key in ("layer", "concat", "hconcat", "vconcat"):
        for part in spec.get(key, []):
            found += _datasets(part)
    if isinstance(spec.get("spec"), dict):
        found += _datasets(spec["spec"])
    return found


def chart_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a chart draws. Reference marks (a one-row, one-field layer such as a zero line) are left out."""
    datasets = _datasets(spec)
    rows: list[dict[str, Any]] = []
    for values in datasets:
        if len(datasets) > 1 and len(values) == 1 and len(values[0]) == 1:
            continue
        rows += values
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def attribution(chart_id: str, document: dict[str, Any], series_sources: list[dict[str, Any]] | None = None) -> str:
    """One line naming the sources behind a chart and their licences (from the manifest)."""
    manifest = {s["id"]: s for s in document["snapshot"]["sources"]}
    parts: list[str] = []
    if series_sources is not None:
        parts += [f"{s.get('title') or s.get('id')} ({s.get('licence') or 'licence not stated'}; {s.get('url') or ''})".replace("; )", ")") for s in series_sources]
    else:
        for prefix, ids, tables in SOURCES_BY_PREFIX:
            if chart_id.startswith(prefix):
                parts += [f"{manifest[i]['title']} ({manifest[i]['licence']}; {manifest[i]['url']})" for i in ids if i in manifest]
                if tables:
                    parts.append(CURATED.format(tables=tables))
                break
    if not parts:
        parts.append("the weightatlas indicators document (see the page's Sources and licences)")
    return "# Source: " + "; ".join(dict.fromkeys(parts)) + f". Snapshot {document['snapshot'].get('snapshot_date')}; licence of each source as stated; built by weightatlas."


def chart_csv(rows: list[dict[str, Any]], attribution_line: str) -> str:
    """``rows`` as CSV (a header of every field, in order of first appearance), then the attribution line."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    for r in rows:
        writer.writerow([_cell(r.get(f)) for f in fields])
    return buf.getvalue() + attribution_line.replace("\n", " ") + "\n"


def _title(spec: dict[str, Any]) -> str:
    for part in [spec, *spec.get("layer", []), *([spec["spec"]] if isinstance(spec.get("spec"), dict) else [])]:
        title = part.get("title")
        if isinstance(title, str):
            return title
        if isinstance(title, dict):
            text = title.get("text", "")
            text = " ".join(text) if isinstance(text, list) else text
            return f"{text}, {title['subtitle']}" if title.get("subtitle") else text
    return ""


def _axis_titles(spec: dict[str, Any]) -> tuple[str, str]:
    for part in [spec, *spec.get("layer", []), *([spec["spec"]] if isinstance(spec.get("spec"), dict) else [])]:
        enc = part.get("encoding", {})
        if "x" in enc and "y" in enc:
            def name(channel: dict[str, Any]) -> str:
                return channel.get("title") or channel.get("field") or ""
            return name(enc["x"]), name(enc["y"])
    return "", ""


def chart_meta(chart_id: str, spec: dict[str, Any], document: dict[str, Any], series_sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Label, description, CSV and attribution of one chart (the text alternative and the download)."""
    rows = chart_rows(spec)
    title = _title(spec) or chart_id.replace("-", " ")
    x, y = _axis_titles(spec)
    axes = f": {y or 'values'} against {x or 'categories'}" if (x or y) else ""
    line = attribution(chart_id, document, series_sources)
    return {
        "label": title,
        "description": f"Chart{axes}; {len(rows)} rows of data, in the table below it (CSV).",
        "rows": len(rows),
        "attribution": line.removeprefix("# "),
        "csv": chart_csv(rows, line),
    }


def _luminance(colour: str) -> float:
    hexdigits = colour.strip().lstrip("#")
    if len(hexdigits) == 3:  # #444 is #444444
        hexdigits = "".join(c * 2 for c in hexdigits)
    channels = [int(hexdigits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21; text needs at least 4.5)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
