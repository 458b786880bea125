"""Inference usage on OpenRouter: weekly token shares among the listed models, per source.

Population: the models a source lists for a week (OpenRouter's public ranking, top 9-10
in ``openrouter_johnbean393``, top ~20 in ``openrouter_kimstore``). Every share is a
share **of the listed models' tokens**, with N stated: a top-10 share is not a market
share, and a model falling out of the list moves the shares of the rest.

Per source and week: tokens and share by bloc, by open vs closed weights (unknown
kept apart), by bloc x open weights; the stealth share (``openrouter/...``, developer
undisclosed: its own group, in the Unknown bloc); the token-weighted match rate
(developer known, open-weight flag known); and the models driving each
week-on-week move. ``:free`` and paid variants of one model are added together
(N counts models; the variants listed are counted too).

**Drivers.** With w_m the model's share of listed tokens and s the group's share,
s_t - s_(t-1) = sum over models of (w_m,t - w_m,t-1) x (1[m in group] - s_(t-1))
exactly (the w's add up to 1 in both weeks). A model gaining share moves the
group's share up if it belongs to the group, down otherwise; entering or leaving
the list counts as gaining or losing all of its share. The three largest absolute
contributions are listed.

The two sources never overlap in time and list different numbers of models on
different pages: they are two series, never one line (``splice``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from weightatlas.sources.openrouter_common import model_of

if TYPE_CHECKING:
    from weightatlas.indicators import Context

SOURCES = ("openrouter_johnbean393", "openrouter_kimstore")
OPEN_CLASSES = ("open", "closed", "unknown")
CHINA = "China"
TOP_DRIVERS = 3
CAVEATS = (
    "Shares are of the tokens of the models the ranking lists that week (N given per week), not of all OpenRouter "
    "traffic, and OpenRouter is one API marketplace, not the inference market: first-party APIs, cloud platforms and "
    "self-hosted open weights are not in it.",
    "A model entering or leaving the top of the ranking moves every other share; read N and the drivers with each move.",
    ":free and paid variants of one model are added together; free variants are often promotional and can inflate a "
    "model's tokens for a few weeks.",
    "Stealth models (author openrouter) are anonymous tests by an undisclosed lab: their own group in the Unknown bloc.",
    "Open weights is read per model in models.dev or the ATOM list (inference_models.csv); blank flags are 'unknown', "
    "never counted as open or closed. Chinese closed (API-only) models exist (e.g. Qwen3.6 Plus, MiMo-V2-Pro, GLM-5-Turbo).",
)
SPLICE = (
    "The two sources are two different copies of OpenRouter's ranking (top 9-10 models, then top ~20) with a gap "
    "between them (johnbean393 ends with the week of {end}, kimstore starts with the week of {start}); their shares "
    "are not comparable level for level and are never joined into one line."
)


def compute(ctx: Context) -> dict[str, Any]:
    store = ctx.store
    countries = {r["id"]: r["country"] for r in store.rows("SELECT id, country FROM organizations")}
    rows = store.rows(
        "SELECT source, week_start, week_label, rank, model_key, name, author, org_id, open_weights, "
        "open_weights_source, is_free, stealth, total_tokens, ref FROM inference_usage ORDER BY source, week_start, rank"
    )
    meta = {s["id"]: s for s in store.manifest.get("sources", []) if s.get("id") in SOURCES}
    series: dict[str, Any] = {}
    for source in SOURCES:
        mine = [r for r in rows if r["source"] == source]
        if not mine:
            continue
        for r in mine:
            r["bloc"] = ctx.blocs.bloc(countries.get(r["org_id"])) if r["org_id"] and not r["stealth"] else ctx.blocs.bloc(None)
        series[source] = source_series(mine, blocs=list(ctx.blocs.blocs), info=meta.get(source, {}))
    splice = None
    if all(s in series for s in SOURCES):
        end = series[SOURCES[0]]["weeks"][-1]["week_start"]
        start = series[SOURCES[1]]["weeks"][0]["week_start"]
        splice = {"between": list(SOURCES), "last_week_before": end, "first_week_after": start, "note": SPLICE.format(end=end, start=start)}
    return {
        "population": "per source and ISO week (given by its Monday), the models OpenRouter's public ranking lists; shares are of their tokens",
        "series": series,
        "splice": splice,
        "drivers_rule": (
            "s_t - s_(t-1) = sum_m (w_m,t - w_m,t-1) x (1[m in group] - s_(t-1)), w_m = the model's share of listed tokens; "
            f"the {TOP_DRIVERS} largest absolute contributions per week and group"
        ),
        "caveats": list(CAVEATS),
        "_meta": {"rows": len(rows)},
    }


def _open_class(value: bool | None) -> str:
    return "unknown" if value is None else ("open" if value else "closed")


def source_series(rows: list[dict[str, Any]], *, blocs: list[str], info: dict[str, Any]) -> dict[str, Any]:
    """The weekly figures of one source (rows already carry ``bloc``)."""
    by_week: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_week[r["week_start"]].append(r)
    weeks: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for week in sorted(by_week):
        models = _models(by_week[week])
        figures = _week(week, by_week[week], models, blocs)
        if previous is not None:
            figures["drivers"] = {
                "china_share": _drivers(previous, models, lambda m: m["bloc"] == CHINA),
                "open_weights_share": _drivers(previous, models, lambda m: m["open_weights"] is True),
            }
        weeks.append(figures)
        previous = models
    china = [w["bloc_share"][CHINA]["share"] for w in weeks]
    opened = [w["open_weights_share"]["open"]["share"] for w in weeks]
    return {
        "source": {k: info.get(k) for k in ("id", "title", "url", "licence", "snapshot_date")},
        "week_rule": _week_rule(rows[0]["source"]),
        "n_weeks": len(weeks),
        "n_models_per_week": sorted({w["n_models"] for w in weeks}),
        "weeks": weeks,
        "summary": {
            "first_week": weeks[0]["week_start"],
            "last_week": weeks[-1]["week_start"],
            "china_share_first": china[0],
            "china_share_last": china[-1],
            "china_share_min": min(china),
            "china_share_max": max(china),
            "open_weights_share_first": opened[0],
            "open_weights_share_last": opened[-1],
            "match_rate_tokens_min": min(w["match_rate_tokens"]["developer"] for w in weeks),
        },
    }


def _week_rule(source: str) -> str:
    if source == "openrouter_johnbean393":
        return "Monday of the ISO week holding the day before the collector's run date (runs moved from Sunday to Monday in February 2026)"
    return "Monday of the ISO week of fetched_at (UTC); the file's week label is not used"


def _models(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per model: its listed variants' tokens added (``:free`` joins its paid twin)."""
    models: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = model_of(r["model_key"])
        m = models.setdefault(
            key,
            {"model": key, "name": r["name"], "bloc": r["bloc"], "org_id": r["org_id"], "open_weights": r["open_weights"],
             "stealth": r["stealth"], "tokens": 0, "variants": [], "refs": []},
        )
        m["tokens"] += r["total_tokens"]
        m["variants"].append(r["model_key"])
        m["refs"].append(r["ref"])
    total = sum(m["tokens"] for m in models.values())
    for m in models.values():
        m["weight"] = m["tokens"] / total
    return models


def _share(tokens: int, total: int) -> dict[str, Any]:
    return {"tokens": tokens, "share": round(tokens / total, 4) if total else None}


def _week(week: Any, rows: list[dict[str, Any]], models: dict[str, dict[str, Any]], blocs: list[str]) -> dict[str, Any]:
    total = sum(m["tokens"] for m in models.values())
    by_bloc: dict[str, int] = dict.fromkeys(blocs, 0)
    by_open: dict[str, int] = dict.fromkeys(OPEN_CLASSES, 0)
    cross: dict[str, dict[str, int]] = {b: dict.fromkeys(OPEN_CLASSES, 0) for b in blocs}
    for m in models.values():
        cls = _open_class(m["open_weights"])
        by_bloc[m["bloc"]] = by_bloc.get(m["bloc"], 0) + m["tokens"]
        by_open[cls] += m["tokens"]
        cross.setdefault(m["bloc"], dict.fromkeys(OPEN_CLASSES, 0))[cls] += m["tokens"]
    known_dev = sum(m["tokens"] for m in models.values() if m["org_id"])
    known_open = sum(m["tokens"] for m in models.values() if m["open_weights"] is not None)
    return {
        "week_start": week.isoformat(),
        "week_labels": sorted({r["week_label"] for r in rows}),
        "n_models": len(models),
        "n_listed_variants": len(rows),
        "total_tokens": total,
        "bloc_share": {b: _share(t, total) for b, t in by_bloc.items()},
        "open_weights_share": {c: _share(t, total) for c, t in by_open.items()},
        "bloc_x_open_weights": {b: {c: _share(t, total) for c, t in row.items()} for b, row in cross.items()},
        "stealth_share": _share(sum(m["tokens"] for m in models.values() if m["stealth"]), total),
        "match_rate_tokens": {
            "developer": round(known_dev / total, 4) if total else None,
            "open_weights": round(known_open / total, 4) if total else None,
        },
        "models": [
            {k: m[k] for k in ("model", "name", "bloc", "org_id", "open_weights", "stealth", "tokens", "variants", "refs")}
            | {"share": round(m["weight"], 4)}
            for m in sorted(models.values(), key=lambda m: -m["tokens"])
        ],
    }


def _drivers(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], in_group: Any) -> dict[str, Any]:
    """The week-on-week change of a group's share and the models that made it (exact decomposition)."""
    share_before = sum(m["weight"] for m in before.values() if in_group(m))
    share_after = sum(m["weight"] for m in after.values() if in_group(m))
    contributions = []
    for key in set(before) | set(after):
        m = after.get(key) or before[key]
        w0 = before[key]["weight"] if key in before else 0.0
        w1 = after[key]["weight"] if key in after else 0.0
        c = (w1 - w0) * ((1.0 if in_group(m) else 0.0) - share_before)
        status = "entered the list" if key not in before else ("left the list" if key not in after else "listed both weeks")
        contributions.append({"model": key, "name": m["name"], "bloc": m["bloc"], "in_group": bool(in_group(m)), "contribution": c, "status": status})
    contributions.sort(key=lambda c: (-abs(c["contribution"]), c["model"]))
    top = [c | {"contribution": round(c["contribution"], 4)} for c in contributions[:TOP_DRIVERS]]
    return {"change": round(share_after - share_before, 4), "top": top}
