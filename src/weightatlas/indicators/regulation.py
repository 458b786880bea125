"""Regulatory responses: the curated policy-event log, its counts, a restrictiveness index, event studies.

* **Population**: every row of ``policy_events.csv``, except low-confidence rows
  without a second source, which stay out of every figure and are listed.
* **Counts** by quarter x jurisdiction x direction x target. An event with several
  targets counts once under each target; every other total counts it once.
* **Restrictiveness index** per jurisdiction (US states pooled as ``US-states``) at
  each quarter end, cumulative over events dated up to then:
  ``net = restrict - enable`` over all instruments, ``net_binding`` the same over
  binding instruments only (laws, regulations, executive orders, export rules,
  entity listings, device and app bans, enforcement), and
  ``balance = (restrict - enable) / (restrict + enable + mixed)`` in [-1, 1]
  (None before the first directional event). Mixed and neutral events add 0 to
  ``net``; a rescission is its own event with its own direction, so it brings
  ``net`` back down.
* **Event studies** (:mod:`weightatlas.indicators.event_study`) on the adoption
  series the database holds (``design = "monthly_its"``), and one daily compound
  window around DeepSeek-R1 and the bans on the download-history panel
  (:mod:`weightatlas.indicators.compound_window`, ``design = "daily_compound_window"``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pycountry

from weightatlas.attribution import CHINA
from weightatlas.curated import DIRECTIONS, POLICY_EVENTS, load_table
from weightatlas.indicators import adoption, derivatives
from weightatlas.indicators import compound_window as cw
from weightatlas.indicators import event_study as es
from weightatlas.indicators.frontier import quarter

if TYPE_CHECKING:
    from weightatlas.indicators import Context

MONTHLY_ITS = "monthly_its"  # the `design` of the interrupted time series in event_study.py
BINDING = frozenset({"law", "regulation", "executive_order", "export_rule", "entity_list", "device_ban", "app_ban", "enforcement"})
SIGN = {"restrict": 1, "enable": -1, "neutral": 0, "mixed": 0}
US_STATES = "US-states"


@dataclass(frozen=True)
class StudyEvent:
    """A policy moment to study: one event, or a cluster of events dated by its first day-precise member."""

    id: str
    label: str
    event_ids: tuple[str, ...]


# Chosen because each was expected, at the time, to move the use of Chinese open models:
# the device bans aimed at DeepSeek, the US weights-and-chips rule and its rescission,
# the US plan that backs open weights, and the EU's model-provider duties.
STUDY_EVENTS = (
    StudyEvent(
        "deepseek_device_bans_2025",
        "Government-device and app-store bans of DeepSeek (US agencies and states, Italy, Taiwan, Australia, Korea, India, Netherlands), Jan-Feb 2025",
        ("P042", "P043", "P045", "P046", "P047", "P048", "P049", "P051", "P052", "P053", "P054", "P058", "P060"),
    ),
    StudyEvent("us_ai_diffusion_rule", "US Framework for AI Diffusion (controls on chips and closed model weights), 13 Jan 2025", ("P038",)),
    StudyEvent("us_ai_diffusion_rescission", "BIS rescinds the AI Diffusion rule, 13 May 2025", ("P067",)),
    StudyEvent("us_ai_action_plan", "America's AI Action Plan, backing open-weight models, 23 Jul 2025", ("P076",)),
    StudyEvent("eu_gpai_obligations", "EU AI Act duties for general-purpose model providers take effect, 2 Aug 2025", ("P081",)),
)


def jurisdiction_label(code: str) -> str:
    if code == "EU":
        return "European Union"
    if code == "INTL":
        return "International"
    if code == US_STATES:
        return "US states"
    if code.startswith("US-"):
        sub = pycountry.subdivisions.get(code=code)
        return f"US: {sub.name}" if sub else code
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


def group_of(code: str) -> str:
    return US_STATES if code.startswith("US-") else code


def quarters(first: date, last: date) -> list[str]:
    out, y, q = [], first.year, (first.month - 1) // 3 + 1
    while (y, q) <= (last.year, (last.month - 1) // 3 + 1):
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def in_figures(row: dict[str, Any]) -> bool:
    return row["confidence"] != "low" or bool(row["source_url_2"])


def counts(events: list[dict[str, Any]]) -> dict[str, Any]:
    cube: Counter[tuple[str, str, str, str]] = Counter()
    for e in events:
        for t in e["target"]:
            cube[(quarter(e["date"]), e["jurisdiction"], e["direction"], t)] += 1
    by_jur: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        by_jur[e["jurisdiction"]][e["direction"]] += 1
    return {
        "by_quarter": [
            {"quarter": q, "jurisdiction": j, "direction": d, "target": t, "events": n} for (q, j, d, t), n in sorted(cube.items())
        ],
        "by_jurisdiction": [
            {"jurisdiction": j, "label": jurisdiction_label(j), "events": sum(c.values()), **{d: c.get(d, 0) for d in DIRECTIONS}}
            for j, c in sorted(by_jur.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "by_direction": {d: sum(e["direction"] == d for e in events) for d in DIRECTIONS},
        "by_year": dict(sorted(Counter(str(e["date"].year) for e in events).items())),
        "by_instrument": dict(Counter(e["instrument_type"] for e in events).most_common()),
        "by_target": dict(Counter(t for e in events for t in e["target"]).most_common()),
    }


def restrictiveness(events: list[dict[str, Any]], *, through: date) -> dict[str, Any]:
    """Cumulative index per jurisdiction group at every quarter end from the first event to ``through``."""
    if not events:
        return {}
    qs = quarters(min(e["date"] for e in events), through)
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_group[group_of(e["jurisdiction"])].append(e)
    out = {}
    for g, evs in sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        series = []
        for q in qs:
            upto = [e for e in evs if quarter(e["date"]) <= q]
            c = Counter(e["direction"] for e in upto)
            binding = [e for e in upto if e["instrument_type"] in BINDING]
            directional = c["restrict"] + c["enable"] + c["mixed"]
            series.append(
                {
                    "quarter": q,
                    "events": len(upto),
                    **{d: c.get(d, 0) for d in DIRECTIONS},
                    "net": c["restrict"] - c["enable"],
                    "net_binding": sum(SIGN[e["direction"]] for e in binding),
                    "balance": round((c["restrict"] - c["enable"]) / directional, 3) if directional else None,
                }
            )
        out[g] = {"label": jurisdiction_label(g), "events": len(evs), "latest": series[-1], "series": series}
    return out


def _event_row(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": e["id"],
        "date": e["date"].isoformat(),
        "date_precision": e["date_precision"],
        "quarter": quarter(e["date"]),
        "jurisdiction": e["jurisdiction"],
        "jurisdiction_label": jurisdiction_label(e["jurisdiction"]),
        "group": group_of(e["jurisdiction"]),
        "actor": e["actor"],
        "instrument_type": e["instrument_type"],
        "binding": e["instrument_type"] in BINDING,
        "target": e["target"],
        "direction": e["direction"],
        "description": e["description"],
        "source_url": e["source_url"],
        "source_url_2": e["source_url_2"],
        "confidence": e["confidence"],
        "checked_on": e["checked_on"].isoformat(),
        "in_figures": in_figures(e),
        "source_row": f"data/curated/{POLICY_EVENTS.file}:{e['_line']}",
    }


def study_date(study: StudyEvent, by_id: dict[str, dict[str, Any]]) -> date:
    missing = [i for i in study.event_ids if i not in by_id]
    if missing:
        raise KeyError(f"study {study.id} names events not in {POLICY_EVENTS.file} (or not in the figures): {', '.join(missing)}")
    members = [by_id[i] for i in study.event_ids]
    precise = [e["date"] for e in members if e["date_precision"] == "day"] or [e["date"] for e in members]
    return min(precise)


def adoption_series(ctx: Context) -> list[es.Series]:
    """Every adoption series the database holds, as China's share per period."""
    out = []
    source = ctx.hub().source
    for substantive, sid, label in (
        (False, "derivative_share_cn", "Share of new Hub derivatives built on a Chinese root model (monthly)"),
        (True, "derivative_share_cn_substantive", "The same, fine-tunes, adapters and merges only (no quantisations)"),
    ):
        months: dict[str, dict[str, float]] = defaultdict(dict)
        for r in derivatives.monthly_by_root_bloc(ctx, substantive_only=substantive):
            months[r["month"]][r["bloc"]] = r["w"]
        rows = [(m, by.get(CHINA, 0.0) / sum(by.values()), sum(by.values())) for m, by in sorted(months.items()) if sum(by.values()) > 0]
        out.append(
            es.Series(sid, label, "adoption", "derivatives with more than 5 downloads in 30 days, by creation month", source, 20, es.month_points(rows))
        )
    # A snapshot is an instant; a one-day period makes it the "transition" point only on the event's own day.
    points = tuple(
        es.Point(day, day + timedelta(days=1), s["share_30d"].get(CHINA, 0.0), s["models"])
        for s in adoption.download_share_series(ctx, list(ctx.blocs.blocs))
        if s["share_30d"]
        for day in [date.fromisoformat(s["date"])]
    )
    out.append(
        es.Series(
            "download_share_cn",
            "Chinese developers' share of 30-day downloads (per crawl snapshot)",
            "adoption",
            "repos of known developer organisations, repacks excluded",
            source,
            1,
            points,
        )
    )
    out.append(_release_series(ctx))
    return out


def _release_series(ctx: Context) -> es.Series:
    rows = ctx.store.rows(
        """SELECT strftime(release_date, '%Y-%m') AS month, countries FROM models
           WHERE accessibility = 'open' AND release_date IS NOT NULL ORDER BY release_date"""
    )
    months: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        months[r["month"]].append(ctx.blocs.model_bloc(r["countries"] or []) == CHINA)
    points = es.month_points([(m, sum(v) / len(v), len(v)) for m, v in sorted(months.items())])
    return es.Series(
        "open_release_share_cn",
        "Chinese share of new notable open-weight model releases (monthly)",
        "supply",
        "models the snapshot's sources mark as open weights, by release month",
        "embedded snapshot: models table (Epoch AI, llm-stats, models.dev)",
        3,
        points,
    )


def event_studies(series: list[es.Series], studies: list[tuple[StudyEvent, date]]) -> list[dict[str, Any]]:
    dates = [d for _, d in studies]
    placebos = {s.id: es.placebo_jumps(s, dates) for s in series}
    out = []
    for study, at in studies:
        others = [o.id for o, d in studies if o.id != study.id and abs(es.months_apart(d, at)) <= es.WINDOW_MONTHS]
        results = []
        for s in series:
            r = {"design": MONTHLY_ITS, **es.estimate(s, at)}
            if r["status"] == "estimated":
                r["placebo"] = es.placebo_summary(r["level_change"], placebos[s.id])
            results.append(r)
        out.append(
            {
                "id": study.id,
                "design": MONTHLY_ITS,
                "label": study.label,
                "date": at.isoformat(),
                "events": list(study.event_ids),
                "other_studied_events_in_window": others,
                "results": results,
            }
        )
    return out


def compound_window_study(con: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    """R1 and the bans as one daily window on the download-history panel (:mod:`weightatlas.indicators.compound_window`)."""
    history, info = cw.load_history(con)
    head = {
        "id": "r1_and_bans_2025",
        "design": cw.DESIGN,
        "label": "DeepSeek-R1 (2025-01-20) and the first government bans of DeepSeek, one compound window",
        "window_start": cw.WINDOW_START.isoformat(),
        "groups": {**cw.TREATED, cw.CONTROL: cw.CONTROL_LABEL},
        "source": "snapshot tables history_repos and download_history (KBhandari11/ForecastHuggingFaceModels, 2025-02-18 download cohort)",
        "population": info,
        "method": cw.METHOD,
        "caveats": cw.CAVEATS,
    }
    if history is None:
        return {**head, "status": "no_estimate", "reason": info["reason"]}
    result = cw.study(history)
    llm, _ = cw.load_history(con, modalities=cw.LLM_MODALITIES)
    llm_result = cw.study(llm) if llm is not None else {"status": "no_estimate", "reason": "no LLM repo in the panel"}
    llm_only = {
        "modalities": list(cw.LLM_MODALITIES),
        **{k: llm_result[k] for k in ("status", "reason", "raw", "robust", "bootstrap_ci95", "panel_repos", "pre_mean_share", "post_mean_share") if k in llm_result},
    }
    if "placebo" in llm_result:
        llm_only["placebo"] = {kind: {g: {k: v for k, v in x.items() if k != "estimates"} for g, x in by.items()} for kind, by in llm_result["placebo"].items()}
    return {**head, **result, "llm_only": llm_only, "entrants": cw.entrants(history, result), "bans": cw.ban_events(events, result)}


def compute(ctx: Context) -> dict[str, Any]:
    rows = load_table(POLICY_EVENTS)
    figures = [r for r in rows if in_figures(r)]
    excluded = [r for r in rows if not in_figures(r)]
    through = max(r["date"] for r in rows)
    by_id = {r["id"]: r for r in figures}
    studies = [(s, study_date(s, by_id)) for s in STUDY_EVENTS]
    series = adoption_series(ctx)
    return {
        "population": {
            "events_in_file": len(rows),
            "events_in_figures": len(figures),
            "excluded": [{"id": r["id"], "reason": "low confidence and no second source"} for r in excluded],
            "period": f"{min(r['date'] for r in rows).isoformat()} to {through.isoformat()}",
            "jurisdictions": len({r["jurisdiction"] for r in figures}),
            "by_confidence": dict(Counter(r["confidence"] for r in figures).most_common()),
            "checked_on": max(r["checked_on"] for r in rows).isoformat(),
            "source": f"data/curated/{POLICY_EVENTS.file} (curated for weightatlas; one source URL per row)",
        },
        "counts": counts(figures),
        "restrictiveness": {
            "formula": (
                "At each quarter end, over a jurisdiction's events up to then: net = restrict - enable (all instruments); "
                "net_binding = the same over binding instruments only (law, regulation, executive order, export rule, entity "
                "listing, device or app ban, enforcement); balance = (restrict - enable) / (restrict + enable + mixed). "
                "Neutral and mixed events add 0 to net; a rescission is an event of its own."
            ),
            "through": quarter(through),
            "jurisdictions": restrictiveness(figures, through=through),
        },
        "events": [_event_row(r) for r in sorted(rows, key=lambda r: (r["date"], r["id"]))],
        "event_study": {
            "designs": {
                MONTHLY_ITS: "monthly interrupted time series per studied event ('studies')",
                cw.DESIGN: "daily compound window around DeepSeek-R1 and the bans on the balanced download panel ('compound_window')",
            },
            "series": [s.describe() for s in series],
            "studies": event_studies(series, studies),
            "compound_window": compound_window_study(ctx.store.con, figures),
            "method": (
                f"Interrupted time series: y = b0 + b1*t + b2*post + b3*t*post over the {es.WINDOW_MONTHS} months on each side "
                "(t in months from the event; the period containing the event left out), weighted by the count behind each "
                "point, Newey-West standard errors, Student-t 95% intervals. Level change b2 is the jump at the event; "
                f"effect at 6 months = b2 + 6*b3. At least {es.MIN_SIDE} usable points on each side, else 'too thin'. Placebo: "
                f"the same jump at up to {es.MAX_PLACEBOS} other month starts at least {es.EXCLUSION_MONTHS} months from every "
                "studied event; p = share of placebo jumps at least as large, counting the real one."
            ),
        },
        "caveats": _caveats(excluded),
    }


def _caveats(excluded: list[dict[str, Any]]) -> list[str]:
    out = [
        "Correlation, not causation: an event study shows whether a series moved around a date, not why. Model "
        "releases (a new DeepSeek or Qwen version), other policy events in the same weeks and the Hub's own growth move "
        "the same series.",
        "Directions are coded for open-weight AI (restrict / enable / neutral / mixed) by the curators from the sources; "
        "they are judgements, stated per row, and a different reader could code a few borderline events differently.",
        "The log is a curated selection of notable events, not a census: the index counts events, not their size, so "
        "one sweeping export rule and one state device ban weigh the same in 'net' (use 'net_binding' and the event list "
        "to weigh them yourself).",
        "Event studies on the embedded snapshot are thin: its Hub lineage comes from eight model families crawled in "
        "April 2025, so derivative series stop there and over-represent those families; run them on a database from "
        "'weightatlas crawl' for Hub-wide series. The release-share series is supply (what labs publish), not use.",
        "Several studied events fall within weeks of each other (the DeepSeek bans and the AI diffusion rule in January "
        "2025); their windows overlap and their estimates are not separate effects.",
    ]
    if excluded:
        out.append(f"{len(excluded)} low-confidence event(s) without a second source stay out of every figure: {', '.join(r['id'] for r in excluded)}.")
    return out
