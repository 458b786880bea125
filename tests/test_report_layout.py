"""The report's layout, read as HTML: verdict first, one capability-gap section, folds, chart data and CSP.

The browser test (tests/test_report_browser.py) checks what a reader sees; these tests check the
markup the page is built from, quickly and without a browser.
"""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import html as html_module
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import weightatlas.report as report
from weightatlas.api import indicators_document
from weightatlas.report import TEMPLATES, build_view, render_html
from weightatlas.report.exports import chart_rows, contrast_ratio

VERDICT_KEYS = ["capability_gap", "adoption", "inference_usage", "collaboration", "regional", "regulation", "diffusion", "efficiency"]
SECTION_IDS = ["capability-gap", "adoption", "inference-usage", "collaboration", "regional", "regulation", "diffusion", "efficiency"]


def hand_made_verdict() -> dict[str, Any]:
    """A verdict in the agreed shape (issue 11), for layout tests until the real one is in the document."""
    cards = []
    for key, anchor in zip(VERDICT_KEYS, SECTION_IDS):
        cards.append({
            "indicator": key, "title": key.replace("_", " ").capitalize(),
            "headline": {"name": f"{key} headline", "path": f"indicators.{key}", "value": 1.0, "unit": "pts", "display": "1.0 pts"},
            "trend": {"test": "OLS slope", "window": "12 months", "slope": 0.1, "p_value": 0.5, "direction": "flat", "display": "flat (p = 0.5)"},
            "window": {"first": "2025-01", "last": "2025-12"}, "as_of": "2025-12-31", "stale": False, "stale_rule": "older than 6 months",
            "finding": f"A finding generated for {key}.", "rule_id": f"{key}_1", "points_to": "mixed",
            "evidence": {"strength": "weak", "population": "a few models", "independent": True, "missing": []},
            "flip": {"figure": "x", "path": "indicators.x", "current": 1, "threshold": 2, "statement": "x above 2"},
            "section": f"#{anchor}",
        })
    overall = {"game_changer": [], "gambit": [], "mixed": VERDICT_KEYS, "insufficient": [], "disagreements": [], "statement": "Mixed."}
    return {"question": "Game-changer or gambit?", "rules_source": "data/curated/verdict_rules.csv", "cards": cards, "overall": overall}


STAND_IN_VERDICT_TEMPLATE = """<section id="verdict"><h2>{{ verdict.question }}</h2>
{% for c in verdict.cards %}<article class="verdict-card" data-indicator="{{ c.indicator }}"><h3>{{ c.title }}</h3><p>{{ c.finding }}</p><a href="{{ c.section }}">details</a></article>{% endfor %}
</section>"""


@pytest.fixture
def templates_with_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The report's templates, plus a stand-in ``_verdict.html.j2`` if the real one has not landed yet."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    if not (folder / "_verdict.html.j2").exists():
        (folder / "_verdict.html.j2").write_text(STAND_IN_VERDICT_TEMPLATE)
    monkeypatch.setattr(report, "TEMPLATES", folder)
    return folder


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return indicators_document()


@pytest.fixture(scope="module")
def page(document: dict[str, Any]) -> str:
    return render_html(document)[0]


class Outline(HTMLParser):
    """Sections, headings, folds and chart containers in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.sections: list[str] = []
        self.headings: list[int] = []
        self.charts: list[dict[str, Any]] = []  # id, section, folded, attributes
        self.details: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        section = next((x.get("id") for t, x in reversed(self.stack) if t == "section"), None)
        folded = any(t == "details" and "open" not in x for t, x in self.stack)
        if tag == "section" and a.get("id"):
            self.sections.append(a["id"] or "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "details":
            self.details.append({"id": a.get("id"), "open": "open" in a, "section": section, "folded": folded})
        if "chart" in (a.get("class") or "").split():
            self.charts.append({"id": a.get("id"), "section": section, "folded": folded, "attrs": a})
        if tag not in ("meta", "link", "br", "img", "input", "hr", "col", "wbr"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_the_verdict_comes_first_when_the_document_has_one(document: dict[str, Any], templates_with_verdict: Path) -> None:
    doc = dict(document, verdict=hand_made_verdict())
    html, _ = report.render_html(doc)
    o = outline(html)
    assert o.sections[0] == "verdict", o.sections[:3]
    assert re.findall(r'<article class="verdict-card[^"]*" data-indicator="([a-z_]+)"', html) == VERDICT_KEYS
    # Every card's section link has its target on the page.
    assert [s for s in SECTION_IDS if s not in o.sections] == []


def test_without_a_verdict_the_page_opens_with_the_capability_gap(document: dict[str, Any]) -> None:
    html, _ = render_html({k: v for k, v in document.items() if k != "verdict"})
    assert 'id="verdict"' not in html
    assert outline(html).sections[0] == "capability-gap"


def test_the_capability_gap_is_one_section_with_a_summary_table_and_folded_series(document: dict[str, Any], page: str) -> None:
    o = outline(page)
    gap = document["indicators"]["capability_gap"]
    anchors = [sid.replace(".", "-") for sid in gap]
    assert o.sections.count("capability-gap") == 1
    assert [s for s in anchors if s in o.sections] == []  # no longer one section per series
    folds = {d["id"]: d for d in o.details if d["section"] == "capability-gap"}
    assert all(a in folds and not folds[a]["open"] for a in anchors)
    summary = re.search(r'<table class="gap-summary">(.*?)</table>', page, re.S)
    assert summary is not None
    assert summary.group(1).count('<tr class="series">') == len(gap)
    for header in ("gap (pts)", "gap (%)", "leader", "months behind", "kind", "source", "as of"):
        assert f">{header}<" in summary.group(1), header


def test_each_section_shows_one_chart_the_rest_folded(page: str) -> None:
    o = outline(page)
    for section in SECTION_IDS:
        open_charts = [c["id"] for c in o.charts if c["section"] == section and not c["folded"]]
        assert len(open_charts) <= 1, (section, open_charts)
    assert [c["id"] for c in o.charts if c["section"] == "capability-gap" and not c["folded"]] == ["chart-overview"]


def test_headings_go_down_one_level_at_a_time(page: str) -> None:
    levels = outline(page).headings
    assert levels[0] == 1
    assert [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1] == []


def test_every_chart_is_labelled_and_carries_its_data_as_csv(document: dict[str, Any], page: str) -> None:
    view, specs = build_view(document)
    o = outline(page)
    assert {c["id"] for c in o.charts} == {f"chart-{cid}" for cid in specs}
    for c in o.charts:
        cid = c["id"].removeprefix("chart-")
        assert c["attrs"].get("role") == "img", cid
        assert (c["attrs"].get("aria-label") or "").strip(), cid
        assert c["attrs"].get("aria-describedby") == f"desc-{cid}", cid
        meta = view["chart_meta"][cid]
        lines = meta["csv"].splitlines()
        rows = list(csv.reader(io.StringIO(meta["csv"])))
        assert rows[0] == list(dict.fromkeys(k for r in chart_rows(specs[cid]) for k in r)), cid  # the header: every field drawn
        assert lines[-1].startswith("# Source") and "licence" in lines[-1], (cid, lines[-1])
        assert f'id="csv-{cid}"' in page


def test_csv_attribution_names_the_sources_and_licences(document: dict[str, Any]) -> None:
    view, _ = build_view(document)
    eci = view["chart_meta"]["eci-frontier"]["csv"].splitlines()[-1]
    assert "Epoch Capabilities Index" in eci and "CC BY 4.0" in eci
    usage = view["chart_meta"]["inference-usage"]["csv"].splitlines()[-1]
    assert "OpenRouter" in usage


def test_a_chart_with_no_rows_is_not_emitted_and_says_no_data(document: dict[str, Any]) -> None:
    # Empty data made Vega warn "Infinite extent for field date"; such a chart becomes a "no data" line.
    doc = copy.deepcopy(document)
    cut = next(iter(doc["indicators"]["capability_gap"]["eci"]["cuts"]))
    doc["indicators"]["capability_gap"]["eci"]["cuts"][cut]["frontier"] = []
    _, specs = build_view(doc)
    assert f"eci-{cut}" not in specs
    assert all(chart_rows(spec) for spec in specs.values())
    html, _ = render_html(doc)
    assert f'id="chart-eci-{cut}"' not in html and "no data" in html


def _csp(html: str) -> str:
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert m is not None, "no CSP meta tag"
    return html_module.unescape(m.group(1))


def test_the_csp_allows_exactly_the_inline_scripts_by_hash(page: str) -> None:
    policy = _csp(page)
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["default-src"] == ["'none'"]
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in directives["script-src"]
    scripts = re.findall(r"<script(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", page, re.S)
    assert len(scripts) >= 2
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'" for s in scripts}
    assert set(directives["script-src"]) == hashes
    assert directives["img-src"] == ["data:", "blob:"]


def test_the_page_asks_vega_for_its_expression_interpreter(page: str) -> None:
    # Without ast:true Vega compiles expressions with new Function, which the CSP (no 'unsafe-eval') blocks.
    assert "ast: true" in page


def test_a_print_stylesheet_hides_controls(page: str) -> None:
    media = re.search(r"@media print\s*\{(.*?)\n  \}", page, re.S)
    assert media is not None
    assert ".controls" in media.group(1) and "nav.toc" in media.group(1)


def _text_colours(css: str) -> list[tuple[str, str, str | None]]:
    """(selector, text colour, own background) for every rule that sets a text colour, variables resolved."""
    variables = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        colour = re.search(r"(?<![-a-z])color:\s*([^;]+)", body)
        background = re.search(r"background(?:-color)?:\s*([^;]+)", body)
        resolve = lambda v: re.sub(r"var\(--([a-z]+)\)", lambda m: variables[m.group(1)], v.strip())
        if colour:
            out.append((selector.strip(), resolve(colour.group(1)), resolve(background.group(1)) if background else None))
    return out


def test_text_colours_are_readable_on_their_backgrounds() -> None:
    css = (TEMPLATES / "index.html.j2").read_text().split("<style>")[1].split("</style>")[0]
    page_bg = re.search(r"--bg:\s*(#[0-9a-fA-F]{6})", css).group(1)
    rules = _text_colours(css)
    assert len(rules) > 5
    low = []
    for selector, colour, own in rules:
        for bg in ([own] if own else [page_bg, "#ffffff", "#f1f3f6"]):
            ratio = contrast_ratio(colour, bg)
            if ratio < 4.5:
                low.append(f"{selector}: {colour} on {bg} = {ratio:.2f}")
    assert low == []


def test_contrast_ratio_matches_the_wcag_formula() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
