"""The verdict cards: one card per indicator, read off the indicators by declared rules.

``build_verdict(document)`` runs after every indicator and adds nothing of its own: each
card names ONE headline figure by its JSON path into the document, its trend (see
:mod:`weightatlas.indicators.trend`), the data window and as-of date, and then applies the
rules of ``data/curated/verdict_rules.csv`` in file order:

- ``finding`` rows: the first row whose condition holds decides what the card points to
  (game_changer, gambit, mixed, insufficient) and fills its sentence template; the last row
  of each card is an ``always`` fallback to ``insufficient``. The row also declares the flip:
  which figure crossing which threshold would change the card.
- ``evidence`` rows: the first row that holds gives the strength, whether the figure comes
  from independent measurement, and what is missing.
- ``stale`` rows: how many months the data may lag the snapshot date.

This module only extracts figures (the code below says which figure each card reads and
where it is) and evaluates rules: every conclusion, threshold and sentence is in the CSV.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from weightatlas import curated
from weightatlas.errors import InputError
from weightatlas.indicators import trend as trend_stats

CARD_ORDER: tuple[str, ...] = curated.VERDICT_CARDS
RULES_SOURCE = "data/curated/verdict_rules.csv"
QUESTION = "Is China's open-weight AI strategy a genuine game-changer or a competitive gambit?"
TITLES = {
    "capability_gap": "Capability gap",
    "adoption": "Hub adoption",
    "inference_usage": "Inference usage",
    "collaboration": "Collaboration",
    "regional": "Regional deployment",
    "regulation": "Regulation",
    "diffusion": "Architecture diffusion",
    "efficiency": "Compute efficiency",
}
SECTIONS = {key: "#" + key.replace("_", "-") for key in CARD_ORDER}
POINTS_TO = ("game_changer", "gambit", "mixed", "insufficient")
LABELS = {"game_changer": "game-changer", "gambit": "gambit", "mixed": "mixed", "insufficient": "insufficient evidence"}

# Figures each card exposes to its rules: the headline is always ``value``.
FIGURES: dict[str, tuple[str, ...]] = {
    "capability_gap": ("value", "percent", "month", "n_china", "n_us", "china_model", "us_model"),
    "adoption": ("value", "raw", "loo", "loo_dropped", "ci_low", "ci_high", "month", "n"),
    "inference_usage": ("value", "n", "week", "open_share", "other_value", "other_n", "other_week"),
    "collaboration": ("value", "n", "cross_border", "us_on_china"),
    "regional": ("value", "us", "own", "n", "countries"),
    "regulation": ("value", "robust", "ci_low", "ci_high", "p_value", "n", "pre", "post"),
    "diffusion": ("value", "reverse", "n"),
    "efficiency": ("value", "ci_low", "ci_high", "us", "n"),
}
COMMON_PLACEHOLDERS = ("trend", "trend_short", "window", "population", "as_of", "source")


# --- paths ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\[(-?\d+)\]|([^.\[\]]+)")


def _tokens(path: str) -> list[str | int]:
    return [int(i) if i else key for i, key in _TOKEN.findall(path)]


def resolve_path(document: Any, path: str) -> Any:
    """The value at a dotted path with ``[i]`` list indices (``indicators.a.b[0].c``); None if absent."""
    node = document
    for token in _tokens(path):
        if isinstance(token, int):
            if not isinstance(node, list) or not -len(node) <= token < len(node):
                return None
        elif not isinstance(node, dict) or token not in node:
            return None
        node = node[token]
    return node


def set_path(document: Any, path: str, value: Any) -> None:
    """Set the value at an existing path (tests use it to move a figure across a threshold)."""
    *head, last = _tokens(path)
    node = document
    for token in head:
        node = node[token]
    node[last] = value


def _p(*parts: str | int) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# --- figures ---------------------------------------------------------------------------


@dataclass
class Figure:
    path: str | None
    value: Any
    unit: str


@dataclass
class Extract:
    name: str
    unit: str
    figures: dict[str, Figure]
    series: list[tuple[str, float | None]] = field(default_factory=list)
    as_of: str | None = None
    population: str = ""
    source: str = ""
    trend: dict[str, Any] | None = None  # set when the figure is itself a change (regulation)
    series_unit: str | None = None  # the trend series' unit when it differs from the headline's


def _fig(doc: dict[str, Any], path: str | None, unit: str) -> Figure:
    return Figure(path, resolve_path(doc, path) if path else None, unit)


def _capability_gap(doc: dict[str, Any]) -> Extract:
    base = "indicators.capability_gap.eci"
    eci = resolve_path(doc, base) or {}
    figures = {
        "value": _fig(doc, f"{base}.latest.gap.reference_minus_challenger", "ECI points"),
        "percent": _fig(doc, f"{base}.latest.gap.signed_percent", "percent"),
        "month": _fig(doc, f"{base}.latest.month", "text"),
        "n_china": _fig(doc, f"{base}.population.models_by_bloc.China", "count"),
        "n_us": _fig(doc, f"{base}.population.models_by_bloc.United States", "count"),
        "china_model": _fig(doc, f"{base}.latest.frontier.China.model", "text"),
        "us_model": _fig(doc, f"{base}.latest.frontier.United States.model", "text"),
    }
    series = [(g["month"], g.get("reference_minus_challenger")) for g in eci.get("gap", []) if {g.get("leader"), g.get("trailing")} <= {"United States", "China"}]
    population = f"ECI models with a release date: {_show(figures['n_us'])} US and {_show(figures['n_china'])} Chinese (Epoch AI, independent scores)"
    return Extract(
        name="US minus China ECI frontier gap, independent scores (Epoch), all models, latest month",
        unit="ECI points",
        figures=figures,
        series=series,
        as_of=eci.get("as_of"),
        population=population,
        source="Epoch Capabilities Index",
    )


def _adoption(doc: dict[str, Any]) -> Extract:
    base = "indicators.adoption.download_history.variants.llm_only.balanced_panel"
    panel = resolve_path(doc, base) or {}
    # Full months only (>= 28 days of data): the last, partial month of the histories is not a month's share.
    months = [(i, m) for i, m in enumerate(panel.get("monthly", [])) if (m.get("days") or 0) >= 28]
    figures: dict[str, Figure] = {"n": _fig(doc, f"{base}.repos", "count")}
    if months:
        m = _p(base, "monthly", months[-1][0])
        china = f"{m}.by_bloc.China"
        figures |= {
            "value": _fig(doc, f"{china}.share_robust", "share"),
            "raw": _fig(doc, f"{china}.share", "share"),
            "loo": _fig(doc, f"{china}.share_loo", "share"),
            "loo_dropped": _fig(doc, f"{china}.loo_dropped", "text"),
            "ci_low": _fig(doc, f"{china}.ci95[0]", "share"),
            "ci_high": _fig(doc, f"{china}.ci95[1]", "share"),
            "month": _fig(doc, f"{m}.period", "text"),
        }
    for name in FIGURES["adoption"]:
        figures.setdefault(name, Figure(None, None, "text"))
    series = [(m["period"], ((m.get("by_bloc") or {}).get("China") or {}).get("share_robust")) for _, m in months]
    return Extract(
        name="China's share of LLM (and vision-language) downloads, balanced panel of Hub repos, last full month (robust: burst runs at their baseline)",
        unit="share",
        figures=figures,
        series=series,
        as_of=resolve_path(doc, "indicators.adoption.download_history.period.last_day"),
        population=f"{_show(figures['n'])} LLM and vision-language repos on the Hugging Face Hub counting since {panel.get('start', '?')} (KBhandari11 cohort); Hub downloads only",
        source="Hugging Face download histories (KBhandari11)",
    )


def _inference_usage(doc: dict[str, Any]) -> Extract:
    series_by_source = resolve_path(doc, "indicators.inference_usage.series") or {}
    ranked = sorted(((s.get("weeks") or [{}])[-1].get("week_start") or "", sid) for sid, s in series_by_source.items() if s.get("weeks"))
    figures: dict[str, Figure] = {}
    series: list[tuple[str, float | None]] = []
    title = ""
    if ranked:
        sid = ranked[-1][1]
        weeks = series_by_source[sid]["weeks"]
        w = _p("indicators.inference_usage.series", sid, "weeks", len(weeks) - 1)
        figures |= {
            "value": _fig(doc, f"{w}.bloc_share.China.share", "share"),
            "n": _fig(doc, f"{w}.n_models", "count"),
            "week": _fig(doc, f"{w}.week_start", "text"),
            "open_share": _fig(doc, f"{w}.open_weights_share.open.share", "share"),
        }
        series = [(x["week_start"], ((x.get("bloc_share") or {}).get("China") or {}).get("share")) for x in weeks]
        title = (series_by_source[sid].get("source") or {}).get("title", sid)
        if len(ranked) > 1:  # the other source, reported beside it, never joined to it
            other = ranked[-2][1]
            ow = _p("indicators.inference_usage.series", other, "weeks", len(series_by_source[other]["weeks"]) - 1)
            figures |= {
                "other_value": _fig(doc, f"{ow}.bloc_share.China.share", "share"),
                "other_n": _fig(doc, f"{ow}.n_models", "count"),
                "other_week": _fig(doc, f"{ow}.week_start", "text"),
            }
    for name in FIGURES["inference_usage"]:
        figures.setdefault(name, Figure(None, None, "text"))
    return Extract(
        name="China's share of the tokens of the models OpenRouter's weekly ranking lists, latest week of the latest source",
        unit="share",
        figures=figures,
        series=series,
        as_of=figures["week"].value,
        population=f"the top {_show(figures['n'])} models by tokens on OpenRouter (one marketplace; a top-N share, not a market share)",
        source=title,
    )


def _collaboration(doc: dict[str, Any]) -> Extract:
    base = "indicators.collaboration.authentic_index"
    index = resolve_path(doc, base) or {}
    pairs = index.get("by_pair") or []
    us_cn = next((i for i, p in enumerate(pairs) if p.get("maker_bloc") == "United States" and p.get("root_bloc") == "China"), None)
    figures = {
        "value": _fig(doc, f"{base}.overall", "share"),
        "n": _fig(doc, f"{base}.all_by_known_orgs", "count"),
        "cross_border": _fig(doc, f"{base}.substantive_cross_border", "count"),
        "us_on_china": _fig(doc, _p(base, "by_pair", us_cn, "index") if us_cn is not None else None, "share"),
    }
    series = [(q["quarter"], q.get("index")) for q in index.get("quarterly", [])]
    return Extract(
        name="Authentic collaboration index: substantive cross-border derivatives / all derivatives by known organisations",
        unit="share",
        figures=figures,
        series=series,
        as_of=series[-1][0] if series else None,
        population=f"{_show(figures['n'])} of {_show(_fig(doc, 'indicators.collaboration.population.derivatives', 'count'))} Hub derivatives made by known organisations, {resolve_path(doc, 'indicators.collaboration.source') or 'no Hub data'}",
        source="Hugging Face Hub lineage",
    )


def _regional(doc: dict[str, Any]) -> Extract:
    base = "indicators.regional.sovereign"
    sov = resolve_path(doc, base) or {}
    figures = {
        "value": _fig(doc, f"{base}.by_origin.China.share", "share"),
        "us": _fig(doc, f"{base}.by_origin.United States.share", "share"),
        "own": _fig(doc, f"{base}.by_origin.Own base (from scratch or domestic).share", "share"),
        "n": _fig(doc, f"{base}.projects", "count"),
        "countries": _fig(doc, f"{base}.countries", "count"),
    }
    # A year with projects but none on a Chinese base has no China row: its share is 0.
    years = sorted({r["year"] for r in sov.get("by_year", [])})
    china = {r["year"]: r["share"] for r in sov.get("by_year", []) if r.get("origin") == "China"}
    series = [(str(y), china.get(y, 0.0)) for y in years]
    dates = [str(r["release_date"]) for r in sov.get("table", []) if r.get("release_date")]
    return Extract(
        name="Share of sovereign and regional model project versions built on Chinese bases",
        unit="share",
        figures=figures,
        series=series,
        as_of=max(dates) if dates else None,
        population=f"{_show(figures['n'])} project versions in {_show(figures['countries'])} countries in the curated sovereign-projects table (not a census)",
        source="curated sovereign_projects.csv",
    )


def _regulation(doc: dict[str, Any]) -> Extract:
    base = "indicators.regulation.event_study.compound_window"
    cw = resolve_path(doc, base) or {}
    llm = f"{base}.llm_only"
    figures = {
        "value": _fig(doc, f"{llm}.raw.deepseek", "share_change"),
        "robust": _fig(doc, f"{llm}.robust.deepseek", "share_change"),
        "ci_low": _fig(doc, f"{llm}.bootstrap_ci95.raw.deepseek[0]", "share_change"),
        "ci_high": _fig(doc, f"{llm}.bootstrap_ci95.raw.deepseek[1]", "share_change"),
        "p_value": _fig(doc, f"{llm}.placebo.raw.deepseek.p_value", "p"),
        "n": _fig(doc, f"{llm}.panel_repos.deepseek", "count"),
        "pre": _fig(doc, f"{llm}.pre_mean_share.deepseek", "share_small"),
        "post": _fig(doc, f"{llm}.post_mean_share.deepseek", "share_small"),
    }
    periods = cw.get("periods") or {}
    first, last = (periods.get("pre") or [None])[0], (periods.get("post") or [None, None])[-1]
    lo, hi, change = figures["ci_low"].value, figures["ci_high"].value, figures["value"].value
    if change is None or lo is None or hi is None:
        direction = "insufficient"
    else:
        direction = "rising" if lo > 0 else "falling" if hi < 0 else "no_clear_trend"
    t = {
        "test": "post-minus-pre difference of daily mean shares over the compound window, with the indicator's bootstrap 95% interval over panel repos",
        "window": {"first": first, "last": last, "points": None},
        "change": change,
        "interval": [lo, hi],
        "p_value": figures["p_value"].value,
        "p_value_kind": "placebo (share of placebo windows with a change at least as large)",
        "direction": direction,
    }
    return Extract(
        name="Change in DeepSeek's share of daily LLM downloads, R1 and the first bans (compound window, balanced panel, raw)",
        unit="share_change",
        figures=figures,
        as_of=last,
        population=f"first-party LLM repos counting by {cw.get('panel_date', '?')} ({_show(figures['n'])} DeepSeek repos), Hugging Face Hub downloads only",
        source="Hugging Face download histories (KBhandari11)",
        trend=t,
    )


def _diffusion(doc: dict[str, Any]) -> Extract:
    base = "indicators.diffusion"
    diff = resolve_path(doc, base) or {}
    figures = {
        "value": _fig(doc, f"{base}.direction.counts.china_to_west", "count"),
        "reverse": _fig(doc, f"{base}.direction.counts.west_to_china", "count"),
        "n": _fig(doc, f"{base}.population.releases", "count"),
    }
    series = []
    for f in diff.get("features", []):
        origin = f.get("originator") or {}
        if origin.get("bloc") != "China":
            continue
        lags = [(f.get("first_adopters") or {}).get(b, {}).get("lag_months") for b in ("United States", "Europe")]
        lags = [x for x in lags if x is not None]
        if lags and origin.get("released"):
            series.append((origin["released"], min(lags)))
    period = (diff.get("population") or {}).get("period") or ""
    return Extract(
        name="Features earliest in China that a US or European developer later pretrained (count)",
        unit="count",
        figures=figures,
        series=series,
        as_of=period.split(" to ")[-1] or None,
        population=(diff.get("population") or {}).get("scope") or "",
        source="curated architecture_facts.csv",
        series_unit="months",
    )


def _efficiency(doc: dict[str, Any]) -> Extract:
    base = "indicators.efficiency"
    eff = resolve_path(doc, base) or {}
    cn = f"{base}.efficiency_residual.China"
    figures = {
        "value": _fig(doc, f"{cn}.mean_residual_eci", "ECI residual"),
        "ci_low": _fig(doc, f"{cn}.ci95[0]", "ECI residual"),
        "ci_high": _fig(doc, f"{cn}.ci95[1]", "ECI residual"),
        "us": _fig(doc, f"{base}.efficiency_residual.United States.mean_residual_eci", "ECI residual"),
        "n": _fig(doc, f"{cn}.models", "count"),
    }
    fit = eff.get("pooled_fit") or {}
    series = []
    if "intercept" in fit and "eci_per_oom" in fit:
        for p in eff.get("points", []):
            if p.get("bloc") == "China" and p.get("eci") is not None and p.get("log10_flop") is not None:
                series.append((p["release_date"], p["eci"] - (fit["intercept"] + fit["eci_per_oom"] * p["log10_flop"])))
    return Extract(
        name="Mean ECI residual of Chinese models on the pooled ECI ~ log10 training FLOP fit (positive: more capability than compute predicts)",
        unit="ECI residual",
        figures=figures,
        series=series,
        as_of=max((d for d, _ in series), default=None),
        population=f"{_show(figures['n'])} Chinese models with an ECI score and an Epoch training-compute estimate",
        source="Epoch AI ECI and training-compute estimates",
    )


EXTRACTORS = {
    "capability_gap": _capability_gap,
    "adoption": _adoption,
    "inference_usage": _inference_usage,
    "collaboration": _collaboration,
    "regional": _regional,
    "regulation": _regulation,
    "diffusion": _diffusion,
    "efficiency": _efficiency,
}


# --- display ---------------------------------------------------------------------------


def _show(fig: Figure | None) -> str:
    if fig is None or fig.value is None:
        return "n/a"
    v = fig.value
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return str(v)
    return {
        "share": lambda: f"{v * 100:.1f}%",
        "share_small": lambda: f"{v * 100:.3f}%",
        "share_change": lambda: f"{v * 100:+.3f} pp",  # percentage points
        "ECI points": lambda: f"{v:.1f} ECI points",
        "ECI residual": lambda: f"{v:+.2f} ECI points",
        "percent": lambda: f"{v:.1f}%",
        "count": lambda: f"{v:,.0f}",
        "p": lambda: f"{v:.3f}",
    }.get(fig.unit, lambda: f"{v:g}")()


SLOPE_UNITS = {"share": (100, "percentage points"), "ECI points": (1, "ECI points"), "ECI residual": (1, "ECI points"), "count": (1, ""), "months": (1, "months of lag")}


def _trend_display(t: dict[str, Any], unit: str) -> str:
    w = t["window"]
    span = f"{w['first']} to {w['last']}" if w.get("first") else "no data"
    if "change" in t:  # a before/after change with an interval
        if t["direction"] == "insufficient":
            return f"not estimated ({span})"
        lo, hi = t["interval"]
        f = Figure(None, t["change"], unit)
        return f"{_show(f)} (95% interval {_show(Figure(None, lo, unit))} to {_show(Figure(None, hi, unit))}; placebo p = {t['p_value']}) over {span}"
    if t["direction"] == "insufficient":
        return f"too few points for a trend ({w['points']} in {span}; at least {t['min_points']} needed)"
    scale, label = SLOPE_UNITS.get(unit, (1, ""))
    words = {"rising": "rising", "falling": "falling", "no_clear_trend": "no clear trend"}[t["direction"]]
    return f"{words} over {span} ({w['points']} points; Theil–Sen {t['slope'] * scale:+.2f} {label}/month, Mann–Kendall p = {t['p_value']:.3f})".replace(" /month", " per month")


def _trend_short(t: dict[str, Any]) -> str:
    w = t["window"]
    span = f"{w['first']} to {w['last']}" if w.get("first") else "no data"
    if t["direction"] == "insufficient":
        return f"too few points for a trend ({span})"
    words = {"rising": "rising", "falling": "falling", "no_clear_trend": "no clear trend"}[t["direction"]]
    if "change" in t:
        return f"{words} over {span}"
    return f"{words} over {span} (Mann–Kendall p = {t['p_value']:.3f})"


# --- rules -----------------------------------------------------------------------------


def load_rules(path: Path | None = None) -> list[dict[str, Any]]:
    """The rule table, validated row by row (``curated.VERDICT_RULES``) and as a whole."""
    rules = curated.load_table(curated.VERDICT_RULES, path)
    where = path or curated.CURATED_DIR / curated.VERDICT_RULES.file
    for key in CARD_ORDER:
        rows = [r for r in rules if r["indicator"] == key]
        findings = [r for r in rows if r["kind"] == "finding"]
        last_line = rows[-1]["_line"] if rows else None
        if not findings or findings[-1]["operator"] != "always" or findings[-1]["points_to"] != "insufficient":
            raise InputError(where, f"card {key!r} needs a last finding rule 'always' -> insufficient", line=last_line, field="operator")
        for kind in ("evidence", "stale"):
            if not any(r["kind"] == kind for r in rows):
                raise InputError(where, f"card {key!r} has no {kind} rule", line=last_line, field="kind")
    return rules


def _number(raw: str | None, figures: dict[str, Figure]) -> float | None:
    """A threshold cell: a number, or the name of another figure of the same card."""
    if raw is None:
        return None
    if raw in figures:
        v = figures[raw].value
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return float(raw)


def _holds(operator: str, value: Any, threshold: float | None) -> bool:
    if operator == "always":
        return True
    if operator == "missing":
        return value is None
    if value is None or threshold is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return {"<": value < threshold, "<=": value <= threshold, ">": value > threshold, ">=": value >= threshold}[operator]


def _matches(rule: dict[str, Any], figures: dict[str, Figure]) -> bool:
    fig = figures.get(rule["figure"]) if rule["figure"] else None
    return _holds(rule["operator"], fig.value if fig else None, _number(rule["threshold"], figures))


def _fill(template: str | None, values: dict[str, str]) -> str:
    return string.Formatter().vformat(template or "", (), values)


def _months_between(earlier: date, later: date) -> float:
    return (later - earlier).days / trend_stats.DAYS_PER_MONTH


def _card(key: str, doc: dict[str, Any], rules: list[dict[str, Any]], snapshot_date: date | None) -> dict[str, Any]:
    ex = EXTRACTORS[key](doc)
    figures = ex.figures
    t = ex.trend or trend_stats.trend(ex.series)
    t = {**t, "display": _trend_display(t, ex.series_unit or ex.unit)}
    window = {"first": t["window"]["first"], "last": t["window"]["last"]}
    values = {name: _show(f) for name, f in figures.items()}
    values |= {"trend": t["display"], "trend_short": _trend_short(t), "window": f"{window['first']} to {window['last']}", "population": ex.population, "as_of": ex.as_of or "n/a", "source": ex.source}
    mine = [r for r in rules if r["indicator"] == key]

    rule = next(r for r in mine if r["kind"] == "finding" and _matches(r, figures))
    evidence_rule = next((r for r in mine if r["kind"] == "evidence" and _matches(r, figures)), None)
    stale_rule = next(r for r in mine if r["kind"] == "stale")

    flip_fig = figures.get(rule["flip_figure"]) if rule["flip_figure"] else None
    flip = {
        "figure": rule["flip_figure"],
        "path": flip_fig.path if flip_fig else None,
        "current": flip_fig.value if flip_fig else None,
        "operator": rule["flip_operator"],
        "threshold": _number(rule["flip_threshold"], figures) if rule["flip_threshold"] else None,
        "points_to": rule["flip_points_to"],
        "statement": _fill(rule["flip_statement"], values),
    }

    months = float(stale_rule["threshold"])
    stale_text = f"{stale_rule['rule_id']}: stale when the data's as-of date is more than {months:g} months before the snapshot date ({snapshot_date or 'unknown'})"
    stale = False  # without an as-of date there is nothing to judge; the rule text says so
    if ex.as_of and snapshot_date:
        stale = _months_between(trend_stats.period_date(ex.as_of), snapshot_date) > months
    else:
        stale_text += "; not judged: no as-of date"

    head = figures["value"]
    return {
        "indicator": key,
        "title": TITLES[key],
        "headline": {"name": ex.name, "path": head.path, "value": head.value, "unit": ex.unit, "display": _show(head)},
        "trend": t,
        "window": window,
        "as_of": ex.as_of,
        "stale": stale,
        "stale_rule": stale_text,
        "finding": _fill(rule["finding_template"], values),
        "rule_id": rule["rule_id"],
        "points_to": rule["points_to"],
        "evidence": {
            "strength": evidence_rule["strength"] if evidence_rule else "weak",
            "rule_id": evidence_rule["rule_id"] if evidence_rule else None,
            "population": ex.population,
            "independent": evidence_rule["independent"] if evidence_rule else None,
            "missing": list(evidence_rule["missing"] or []) if evidence_rule else [],
        },
        "flip": flip,
        "figures": {name: {"path": f.path, "value": f.value, "display": values[name]} for name, f in figures.items()},
        "section": SECTIONS[key],
    }


def _overall(cards: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[str]] = {p: [c["indicator"] for c in cards if c["points_to"] == p] for p in POINTS_TO}
    by_key = {c["indicator"]: c for c in cards}
    disagreements = [
        f"{TITLES[a]} points to game-changer ({by_key[a]['headline']['display']}) while {TITLES[b]} points to gambit ({by_key[b]['headline']['display']})"
        for a in groups["game_changer"]
        for b in groups["gambit"]
    ]
    parts = [f"{LABELS[p]}: {', '.join(TITLES[k] for k in groups[p]) or 'none'}" for p in POINTS_TO]
    statement = "; ".join(parts) + ". "
    statement += (
        f"{len(disagreements)} pair(s) of cards point in opposite directions; the cards are listed, not combined into one score."
        if disagreements
        else "No card points to game-changer while another points to gambit; the cards are listed, not combined into one score."
    )
    return {**groups, "disagreements": disagreements, "statement": statement}


def build_verdict(document: dict[str, Any], *, rules_path: Path | None = None) -> dict[str, Any]:
    """The ``verdict`` block of the document: eight cards and the overall reading."""
    rules = load_rules(rules_path)
    raw_date = (document.get("snapshot") or {}).get("snapshot_date")
    snapshot_date = trend_stats.period_date(raw_date) if raw_date else None
    cards = [_card(key, document, rules, snapshot_date) for key in CARD_ORDER]
    return {"question": QUESTION, "rules_source": RULES_SOURCE, "snapshot_date": raw_date, "cards": cards, "overall": _overall(cards)}
