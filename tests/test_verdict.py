"""Verdict cards: trend statistics, declared rules, flips, validation, snapshot contract, template."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import edit_line

from weightatlas.errors import InputError
from weightatlas.indicators import trend
from weightatlas.indicators.verdict import CARD_ORDER, build_verdict, load_rules, resolve_path, set_path

# --- trend statistics on known series -------------------------------------------------


def test_theil_sen_slope_of_a_line_with_an_outlier() -> None:
    x = list(range(10))
    y = [2.0 * v + 1 for v in x]
    y[7] = 100.0  # one outlier does not move the median of pairwise slopes
    assert trend.theil_sen(x, y) == pytest.approx(2.0)


def test_mann_kendall_of_a_monotone_series() -> None:
    # n = 10, no ties: S = 45, var = 10*9*25/18 = 125, z = (45-1)/sqrt(125) = 3.9355, p = 8.30e-05
    s, p = trend.mann_kendall(list(range(1, 11)))
    assert s == 45
    assert p == pytest.approx(8.30e-05, rel=0.01)


def test_mann_kendall_with_ties_and_no_trend() -> None:
    # ties correct the variance: [1,1,2,2] -> S = 4, var = (4*3*13 - 2*(2*1*9))/18 = 6.667
    s, p = trend.mann_kendall([1, 1, 2, 2])
    assert s == 4
    assert p == pytest.approx(0.2453, abs=0.001)  # z = 3/sqrt(6.667) = 1.162
    s, p = trend.mann_kendall([3, 1, 3, 1, 3, 1])
    assert p > 0.5


def test_trend_over_the_last_12_months_and_insufficient_below_4_points() -> None:
    series = [(f"{2024 + (m // 12)}-{m % 12 + 1:02d}", float(m)) for m in range(18)]  # 2024-01 .. 2025-06
    t = trend.trend(series)
    assert t["window"] == {"first": "2024-07", "last": "2025-06", "points": 12}
    assert t["direction"] == "rising"
    assert t["slope"] == pytest.approx(1.0, rel=0.01)  # per month
    assert t["p_value"] < 0.001
    short = trend.trend([("2025-01", 1.0), ("2025-02", 2.0), ("2025-03", 3.0)])
    assert short["direction"] == "insufficient"
    assert short["slope"] is None
    flat = trend.trend([(f"2025-{m:02d}", v) for m, v in zip(range(1, 9), [1, 3, 1, 3, 1, 3, 1, 3])])
    assert flat["direction"] == "no_clear_trend"


def test_period_labels_become_dates() -> None:
    assert str(trend.period_date("2024-Q3")) == "2024-07-01"
    assert str(trend.period_date("2024-07")) == "2024-07-01"
    assert str(trend.period_date("2024-07-15")) == "2024-07-15"
    assert str(trend.period_date("2024")) == "2024-01-01"


# --- the rules on a hand-made document ---------------------------------------------


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from weightatlas.indicators import build_document
    from weightatlas.store import Store

    with Store.open() as store:
        return build_document(store)


def _cards(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["indicator"]: c for c in build_verdict(doc)["cards"]}


def test_snapshot_yields_eight_cards_with_findings_and_valid_paths(document: dict[str, Any]) -> None:
    verdict = document["verdict"]
    assert verdict["rules_source"] == "data/curated/verdict_rules.csv"
    assert [c["indicator"] for c in verdict["cards"]] == list(CARD_ORDER)
    for card in verdict["cards"]:
        assert card["finding"] and "{" not in card["finding"], card
        head = card["headline"]
        assert head["path"].startswith("indicators."), card["indicator"]
        assert resolve_path(document, head["path"]) == head["value"], card["indicator"]
        assert card["points_to"] in ("game_changer", "gambit", "mixed", "insufficient")
        assert card["evidence"]["strength"] in ("strong", "moderate", "weak")
        assert card["section"].startswith("#")
        assert card["trend"]["test"] and card["trend"]["direction"]
        if card["flip"]["path"]:
            assert resolve_path(document, card["flip"]["path"]) == card["flip"]["current"]


def test_overall_lists_partition_the_eight_keys(document: dict[str, Any]) -> None:
    overall = document["verdict"]["overall"]
    keys = [k for group in ("game_changer", "gambit", "mixed", "insufficient") for k in overall[group]]
    assert sorted(keys) == sorted(CARD_ORDER)
    assert overall["statement"]
    assert "score" not in overall


def test_every_card_flips_when_its_figure_crosses_the_threshold(document: dict[str, Any]) -> None:
    before = _cards(document)
    flipped = 0
    for key, card in before.items():
        flip = card["flip"]
        if not flip["path"]:
            continue
        doc = copy.deepcopy(document)
        threshold = flip["threshold"]
        step = {">": 1e-6, ">=": 0.0, "<": -1e-6, "<=": 0.0}[flip["operator"]]
        set_path(doc, flip["path"], threshold + step)
        after = _cards(doc)[key]
        assert after["rule_id"] != card["rule_id"], key
        if flip["points_to"]:
            assert after["points_to"] == flip["points_to"], key
        flipped += 1
    assert flipped >= 6


def test_hand_made_document_each_operator(document: dict[str, Any]) -> None:
    doc = copy.deepcopy(document)
    path = "indicators.capability_gap.eci.latest.gap.reference_minus_challenger"
    set_path(doc, path, -3.0)  # China ahead: the "<=" rule
    card = _cards(doc)["capability_gap"]
    assert card["points_to"] == "game_changer"
    assert "-3.0" in card["finding"]
    set_path(doc, path, 12.0)
    assert _cards(doc)["capability_gap"]["points_to"] == "gambit"
    set_path(doc, path, None)  # a missing figure falls through to the insufficient fallback
    card = _cards(doc)["capability_gap"]
    assert card["points_to"] == "insufficient"
    assert card["headline"]["value"] is None
    # a figure compared with another figure (threshold = figure name): regional China vs US bases
    set_path(doc, "indicators.regional.sovereign.by_origin.China.share", 0.5)
    assert _cards(doc)["regional"]["points_to"] == "game_changer"


def test_missing_indicators_give_insufficient_cards() -> None:
    verdict = build_verdict({"snapshot": {"snapshot_date": "2026-08-17"}, "indicators": {}, "meta": {}})
    assert [c["points_to"] for c in verdict["cards"]] == ["insufficient"] * 8
    assert all(c["stale"] is False and "not judged" in c["stale_rule"] for c in verdict["cards"])
    assert all(c["finding"].startswith("No ") and "could not" not in c["finding"] for c in verdict["cards"])  # no double negative
    assert sorted(verdict["overall"]["insufficient"]) == sorted(CARD_ORDER)


def test_stale_flag_follows_the_declared_months(document: dict[str, Any]) -> None:
    cards = _cards(document)
    assert cards["adoption"]["stale"] is True  # data end 2025-02-18, snapshot 2026-08-17
    assert cards["inference_usage"]["stale"] is False
    assert "months" in cards["adoption"]["stale_rule"]


# --- the rule file -------------------------------------------------------------------


def test_shipped_rules_cover_every_card_with_a_fallback() -> None:
    rules = load_rules()
    for key in CARD_ORDER:
        findings = [r for r in rules if r["indicator"] == key and r["kind"] == "finding"]
        assert findings and findings[-1]["operator"] == "always" and findings[-1]["points_to"] == "insufficient", key
        assert any(r["indicator"] == key and r["kind"] == "stale" for r in rules), key
        assert any(r["indicator"] == key and r["kind"] == "evidence" for r in rules), key
    for r in rules:
        assert r["citation"].startswith(("http://", "https://", "none read: ", "methods.md §")), r["rule_id"]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("capability_gap.china_at_or_ahead,finding,capability_gap,value,<=", "capability_gap.china_at_or_ahead,finding,capability_gap,no_such_figure,<=", "figure"),
        ("capability_gap.china_at_or_ahead,finding,capability_gap,value,<=", "capability_gap.china_at_or_ahead,finding,capability_gap,value,=~", "operator"),
    ],
)
def test_a_bad_rule_row_fails_validation_naming_file_line_and_field(curated: Path, old: str, new: str, field: str) -> None:
    path = curated / "verdict_rules.csv"
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if text.startswith(old))
    edit_line(path, line, old, new)
    with pytest.raises(InputError) as err:
        load_rules(path)
    assert (err.value.line, err.value.field) == (line, field)
    assert err.value.path.endswith("verdict_rules.csv")


def test_an_unknown_placeholder_in_a_finding_template_fails(curated: Path) -> None:
    path = curated / "verdict_rules.csv"
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith("capability_gap.us_leads,"))
    edit_line(path, line, "{value}", "{no_such_placeholder}")
    with pytest.raises(InputError) as err:
        load_rules(path)
    assert (err.value.line, err.value.field) == (line, "finding_template")


def test_validate_runs_the_rule_table(curated: Path) -> None:
    from weightatlas.validate import validate_all

    assert any(r.file == "verdict_rules.csv" and r.ok for r in validate_all())
    path = curated / "verdict_rules.csv"
    line = next(i for i, t in enumerate(path.read_text().splitlines(), start=1) if t.startswith("capability_gap.us_leads,"))
    edit_line(path, line, ",gambit,", ",maybe,")
    bad = [r for r in validate_all(curated) if r.file == "verdict_rules.csv"]
    assert bad and not bad[0].ok and bad[0].error.field == "points_to"


# --- JSON and template ---------------------------------------------------------------


def test_no_absolute_paths_in_the_verdict(document: dict[str, Any]) -> None:
    text = json.dumps(document["verdict"])
    assert not re.findall(r'"(?:/home|/root|/tmp|/usr|/opt|/var|/work|/Users)/', text)


def _render(verdict: dict[str, Any]) -> str:
    from weightatlas.report import TEMPLATES, _num, links

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    env.filters["num"] = _num
    env.filters["link"] = links.link
    return env.get_template("_verdict.html.j2").render(verdict=verdict)


def test_template_renders_the_markup_contract_with_untrusted_text_escaped(document: dict[str, Any]) -> None:
    verdict = copy.deepcopy(document["verdict"])
    verdict["cards"][1]["finding"] = 'Repo <script>alert(1)</script> & "x"'
    verdict["cards"][2]["headline"]["name"] = "<img src=x onerror=alert(1)>"
    html = _render(verdict)
    assert '<section id="verdict"' in html
    assert re.search(r"<h2[^>]*>[^<]*\?", html)
    found = re.findall(r'<article class="verdict-card[^"]*" data-indicator="([a-z_]+)"', html)
    assert found == list(CARD_ORDER)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    for card in verdict["cards"]:
        assert f'href="{card["section"]}"' in html
    assert 'class="verdict-overall"' in html


def test_every_finding_names_its_population_in_one_sentence(document: dict[str, Any]) -> None:
    for card in document["verdict"]["cards"]:
        assert card["evidence"]["population"] in card["finding"], card["indicator"]
        assert card["finding"].endswith(".") and not re.search(r"\. [A-Z]", card["finding"]), card["finding"]


def test_evidence_strength_follows_the_declared_criteria(document: dict[str, Any]) -> None:
    cards = _cards(document)
    assert cards["capability_gap"]["evidence"]["strength"] == "strong"
    assert cards["capability_gap"]["evidence"]["independent"] is True
    assert any("Hub only" in m for m in cards["adoption"]["evidence"]["missing"])
    assert any("not market share" in m for m in cards["inference_usage"]["evidence"]["missing"])
    doc = copy.deepcopy(document)
    set_path(doc, "indicators.capability_gap.eci.population.models_by_bloc.China", 5)  # below the 20-model cut-off
    assert _cards(doc)["capability_gap"]["evidence"]["strength"] == "weak"


def test_a_rule_file_without_a_fallback_fails_naming_the_card(curated: Path) -> None:
    path = curated / "verdict_rules.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("efficiency.fallback,")))
    with pytest.raises(InputError) as err:
        load_rules(path)
    assert "efficiency" in err.value.message and err.value.field == "operator" and err.value.line


def test_cli_summary_starts_with_the_verdict() -> None:
    from click.testing import CliRunner

    from weightatlas.cli import main

    result = CliRunner().invoke(main, ["indicators", "--only", "capability_gap"], terminal_width=200)
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[:14]
    assert "game-changer or a competitive gambit?" in head[0]
    assert sum(any(t in line for t in ("Capability gap", "Hub adoption", "Compute efficiency")) for line in head) >= 3
    assert "insufficient evidence:" in result.output  # the overall reading, from the lists
