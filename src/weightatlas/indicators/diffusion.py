"""Architecture diffusion: are Chinese innovations adopted in the West, and how fast?

Population: notable open-weight releases from the curated ``architecture_facts.csv``
(each row sourced to a config, card or paper), plus crawled ``config.json``
features (``hub_features``) for base models of known developers that the curated
table does not have. Where both describe the same repo they must agree; every
disagreement is listed.

**Pretrained vs derived.** Features are computed over releases *pretrained by the
developer* (``derived_from`` blank). A release post-trained on another developer's
weights (a US organisation's DeepSeek-R1 fine-tune) does not make its bloc an
adopter; such releases are listed separately per feature, flagged when the base
weights come from another bloc ("released by a bloc on another bloc's weights").

Per feature (MoE, fine-grained MoE, shared experts, MLA, MTP, GQA, sliding window,
hybrid chunked/linear/SSM/sparse attention, QK-norm, YaRN, auxiliary-loss-free balancing):

* **originator**: the earliest pretrained release with the feature in this
  population, and its bloc. **No claim from absence**: every "originated", "first"
  and "not yet" sentence names its population ("among the N releases in the table
  (pretrained by the developer)"), and an originator is said to have *originated* a
  feature only when no row of the reviewed prior-art table
  (``architecture_prior_art.csv``: papers, non-LLM or unlisted models) predates it;
  otherwise it is the earliest in the table and the prior art is named;
* **first adopter in each other bloc** and the lag in months (days / 30.44);
* **adoption curves**: per bloc and quarter, the share of that quarter's releases
  (with the feature known) that have it;
* **time to adoption per developer**: Kaplan–Meier over developers that released
  anything after the origin, censored at their last release;
* **direction count**: features that flowed China -> West (US or Europe pretrained a
  Chinese-originated feature) and West -> China.

Layer kinds (``hybrid_attention`` is a set): *sliding window* = ``sliding`` in the set
or a window > 0; *hybrid attention* = chunked, linear, SSM or sparse layers in the
stack (sliding layers alone are local softmax attention, not a hybrid).

Architecture-class reuse: repos whose declared architecture class belongs to another
organisation (``architecture_classes.csv``), by developer bloc and originator bloc.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from weightatlas.attribution import CHINA, EUROPE, UNITED_STATES, UNKNOWN
from weightatlas.curated import ARCHITECTURE_CLASSES, ARCHITECTURE_FACTS, ARCHITECTURE_PRIOR_ART, load_table
from weightatlas.indicators.frontier import DAYS_PER_MONTH, months_between, quarter
from weightatlas.indicators.stats import kaplan_meier, km_median

if TYPE_CHECKING:
    from weightatlas.indicators import Context

WEST = (UNITED_STATES, EUROPE)


@dataclass(frozen=True)
class Release:
    model: str
    repo: str | None
    org_id: str
    bloc: str
    released: date
    features: dict[str, bool | None]
    source: str  # source URL or "crawled config.json"
    derived_from: str | None = None  # repo of the base weights when the developer did not pretrain it
    base_bloc: str | None = None  # bloc of the developer of ``derived_from``, where known


@dataclass(frozen=True)
class PriorArt:
    """A reviewed earlier use of a feature outside the release table (architecture_prior_art.csv)."""

    feature: str
    model: str
    org: str
    date: date
    source_url: str


HYBRID_KINDS = frozenset({"chunked", "linear", "sparse", "ssm"})


def _kinds(r: dict[str, Any]) -> frozenset[str] | None:
    """``hybrid_attention`` as a set of layer kinds (empty: full attention only); None if unknown."""
    value = r.get("hybrid_attention")
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(";")
    return frozenset(value) - {"none"}


def _sw(r: dict[str, Any]) -> bool | None:
    kinds, window = _kinds(r), r.get("sliding_window")
    if (kinds is not None and "sliding" in kinds) or (window is not None and window > 0):
        return True
    if kinds is None and window is None:
        return None
    return False


def _hybrid(r: dict[str, Any]) -> bool | None:
    kinds = _kinds(r)
    return None if kinds is None else bool(kinds & HYBRID_KINDS)


FEATURES: dict[str, tuple[str, Callable[[dict[str, Any]], bool | None]]] = {
    "moe": ("Mixture of experts", lambda r: r.get("moe")),
    "fine_grained_moe": ("Fine-grained MoE", lambda r: r.get("fine_grained_moe")),
    "shared_experts": (
        "Shared experts",
        lambda r: False if r.get("moe") is False else (None if r.get("shared_experts") is None else r["shared_experts"] > 0),
    ),
    "mla": ("Multi-head latent attention (MLA)", lambda r: r.get("mla")),
    "mtp": ("Multi-token prediction (MTP)", lambda r: r.get("mtp")),
    "gqa": ("Grouped-query attention (GQA)", lambda r: None if r.get("attention") is None else r["attention"] == "GQA"),
    "sliding_window": ("Sliding-window attention", _sw),
    "hybrid_attention": ("Hybrid chunked, linear, SSM or sparse attention", _hybrid),
    "qk_norm": ("QK-norm", lambda r: r.get("qk_norm")),
    "yarn": ("YaRN RoPE scaling", lambda r: None if r.get("rope_scaling") is None else r["rope_scaling"] == "yarn"),
    "aux_loss_free": ("Auxiliary-loss-free load balancing", lambda r: r.get("aux_loss_free")),
}

BLOCS = (CHINA, UNITED_STATES, EUROPE)


def population_phrase(n: int) -> str:
    """The population every originator, first and not-yet sentence is scoped to."""
    return f"among the {n} releases in the table (pretrained by the developer)"


def feature_diffusion(releases: list[Release], feature: str, *, as_of: date, prior_art: list[PriorArt] | None = None) -> dict[str, Any]:
    """Originator, first adopter per other bloc with lags, adoption curves and KM for one feature.

    Computed over the pretrained releases; releases on another developer's weights are
    listed under ``derived_releases``. ``statements`` are the claims in words, each
    scoped to the population.
    """
    label = FEATURES[feature][0]
    pretrained = [r for r in releases if r.derived_from is None]
    scope = population_phrase(len(pretrained))
    having = sorted((r for r in pretrained if r.features.get(feature)), key=lambda r: (r.released, r.model))
    known = [r for r in pretrained if r.features.get(feature) is not None]
    derived = sorted((r for r in releases if r.derived_from is not None and r.features.get(feature)), key=lambda r: (r.released, r.model))
    out: dict[str, Any] = {
        "feature": feature,
        "label": label,
        "population": {"releases": len(pretrained), "scope": scope, "derived_releases_excluded": len(releases) - len(pretrained)},
        "releases_known": len(known),
        "releases_with": len(having),
        "derived_releases": [
            {"model": r.model, "org_id": r.org_id, "bloc": r.bloc, "released": r.released.isoformat(), "derived_from": r.derived_from, "base_bloc": r.base_bloc, "cross_bloc": r.base_bloc is not None and r.base_bloc != r.bloc, "source": r.source}
            for r in derived
        ],
    }
    if not having:
        out.update(originator=None, prior_art=[], first_adopters={}, not_yet_adopted_in=[], adoption_curve=[], time_to_adoption={})
        out["statements"] = [f"No release with {label} {scope}."] + _derived_statements(out["derived_releases"], label, BLOCS)
        return out
    origin = having[0]
    earlier = sorted((p for p in prior_art or [] if p.feature == feature and p.date < origin.released), key=lambda p: p.date)
    out["originator"] = {"model": origin.model, "org_id": origin.org_id, "bloc": origin.bloc, "released": origin.released.isoformat(), "source": origin.source}
    out["prior_art"] = [{"model": p.model, "org": p.org, "date": p.date.isoformat(), "source": p.source_url} for p in earlier]
    out["originator"]["claim"] = _origin_claim(origin, label, scope, earlier)
    firsts: dict[str, Any] = {}
    for r in having:
        if r.bloc in (origin.bloc, UNKNOWN) or r.bloc in firsts:
            continue
        firsts[r.bloc] = {"model": r.model, "org_id": r.org_id, "released": r.released.isoformat(), "lag_months": months_between(r.released, origin.released), "source": r.source}
    out["first_adopters"] = firsts
    out["not_yet_adopted_in"] = [b for b in BLOCS if b != origin.bloc and b not in firsts]
    out["statements"] = (
        [out["originator"]["claim"]]
        + [f"First {b} release with {label} {scope}: {a['model']} ({a['released']}, {a['lag_months']:.1f} months later)." for b, a in firsts.items()]
        + [f"No {b} release with {label} {scope}." for b in out["not_yet_adopted_in"]]
        + _derived_statements(out["derived_releases"], label, out["not_yet_adopted_in"])
    )
    out["adoption_curve"] = _curve(known, feature)
    out["time_to_adoption"] = _km(pretrained, feature, origin.released, as_of)
    return out


def _origin_claim(origin: Release, label: str, scope: str, earlier: list[PriorArt]) -> str:
    who = f"{origin.model} ({origin.org_id}, {origin.bloc}, {origin.released.isoformat()})"
    if earlier:
        prior = "; ".join(f"{p.model} ({p.org}, {p.date.isoformat()})" for p in earlier)
        return f"Earliest release with {label} {scope}: {who}; prior art: {prior}."
    # Still scoped: the reviewed prior-art table is short, so "no earlier use" holds only there.
    return f"Earliest release with {label} {scope}: {who}; the reviewed prior-art table lists no earlier use."


def _derived_statements(derived: list[dict[str, Any]], label: str, blocs: Any) -> list[str]:
    """For blocs with no pretrained release: the releases they made on other blocs' weights."""
    out = []
    for bloc in blocs:
        on_other = [d for d in derived if d["bloc"] == bloc and d["cross_bloc"]]
        if on_other:
            names = ", ".join(f"{d['model']} (on {d['derived_from']})" for d in on_other)
            out.append(f"{bloc} organisations released {label} models built on another bloc's weights: {names}.")
    return out


def _curve(known: list[Release], feature: str) -> list[dict[str, Any]]:
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in known:
        cell = cells[(quarter(r.released), r.bloc)]
        cell[1] += 1
        cell[0] += bool(r.features[feature])
    return [
        {"quarter": q, "bloc": b, "with_feature": w, "releases": n, "share": round(w / n, 4)}
        for (q, b), (w, n) in sorted(cells.items())
        if b != UNKNOWN
    ]


def _km(releases: list[Release], feature: str, origin: date, as_of: date) -> dict[str, Any]:
    """Per bloc: Kaplan–Meier share of developers adopting, by months since the origin."""
    by_dev: dict[str, list[Release]] = defaultdict(list)
    for r in releases:
        if r.released >= origin:
            by_dev[r.org_id].append(r)
    per_bloc: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for rs in by_dev.values():
        rs.sort(key=lambda r: r.released)
        adopted = next((r for r in rs if r.features.get(feature)), None)
        if adopted is not None:
            t, event = months_between(adopted.released, origin), True
        else:
            t, event = months_between(max(as_of, rs[-1].released), origin), False
        times, events = per_bloc[rs[0].bloc]
        times.append(t)
        events.append(event)
    out = {}
    for bloc, (times, events) in sorted(per_bloc.items()):
        if bloc == UNKNOWN:
            continue
        points = kaplan_meier(times, events)
        out[bloc] = {
            "developers": len(times),
            "adopted": sum(events),
            "median_months": km_median(points),
            "curve": [{"months": p.time, "adopted_share": p.adopted_share, "at_risk": p.at_risk} for p in points],
        }
    return out


def direction_count(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Which way features went, over pretrained releases; derived releases never count as adoption."""
    china_to_west = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] == CHINA and any(b in r["first_adopters"] for b in WEST)]
    west_to_china = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] in WEST and CHINA in r["first_adopters"]]
    china_not_adopted = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] == CHINA and not any(b in r["first_adopters"] for b in WEST)]
    west_not_adopted = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] in WEST and CHINA not in r["first_adopters"]]
    # Chinese-originated features the West released only on Chinese weights (e.g. DeepSeek-R1 fine-tunes).
    west_on_chinese_weights = [
        r["feature"] for r in results
        if r["feature"] in china_not_adopted and any(d["bloc"] in WEST and d["base_bloc"] == CHINA for d in r["derived_releases"])
    ]  # fmt: skip
    scope = population_phrase(results[0]["population"]["releases"]) if results else ""
    return {
        "scope": scope,
        "china_to_west": china_to_west,
        "west_to_china": west_to_china,
        "china_originated_not_adopted_in_west": china_not_adopted,
        "west_originated_not_adopted_in_china": west_not_adopted,
        "china_originated_released_in_west_on_chinese_weights": west_on_chinese_weights,
        "counts": {"china_to_west": len(china_to_west), "west_to_china": len(west_to_china)},
        "statements": [
            f"{len(china_to_west)} features earliest in China were later pretrained by a US or European developer, {scope}.",
            f"{len(west_to_china)} features earliest in the US or Europe were later pretrained by a Chinese developer, {scope}.",
            f"Not yet pretrained in the US or Europe {scope}: {', '.join(china_not_adopted) or 'none'}"
            + (f" (released there on Chinese weights: {', '.join(west_on_chinese_weights)})." if west_on_chinese_weights else "."),
            f"Not yet pretrained in China {scope}: {', '.join(west_not_adopted) or 'none'}.",
        ],
    }


def _curated(ctx: Context) -> tuple[list[Release], list[dict[str, Any]]]:
    rows = load_table(ARCHITECTURE_FACTS)
    by_repo = {(r["hf_repo"] or "").lower(): r for r in rows if r["hf_repo"]}
    releases = []
    for r in rows:
        org = ctx.attribution.organizations[r["org_id"]]
        feats = {f: pred(r) for f, (_label, pred) in FEATURES.items()}
        base_bloc = _base_bloc(ctx, r["derived_from"], by_repo) if r["derived_from"] else None
        releases.append(Release(r["model"], r["hf_repo"], r["org_id"], ctx.blocs.bloc(org.country), r["release_date"], feats, r["source_url"], r["derived_from"], base_bloc))
    return releases, rows


def _base_bloc(ctx: Context, repo: str, by_repo: dict[str, dict[str, Any]]) -> str | None:
    """Bloc of the base weights' developer: from the table's own row for that repo, else its Hub namespace."""
    row = by_repo.get(repo.lower())
    org = ctx.attribution.organizations.get(row["org_id"]) if row else ctx.attribution.developer_for_namespace(repo.split("/")[0])
    return ctx.blocs.bloc(org.country) if org else None


def prior_art() -> list[PriorArt]:
    return [PriorArt(r["feature"], r["model"], r["org"], r["date"], r["source_url"]) for r in load_table(ARCHITECTURE_PRIOR_ART)]


def _crawled(ctx: Context) -> list[dict[str, Any]]:
    # A crawled repo with a declared parent was post-trained on that parent's weights.
    return ctx.hub_rows(
        """SELECT f.*, m.created_at::DATE AS created, m.author,
                  (SELECT min(e.parent) FROM hub_edges e WHERE e.child = f.repo_id) AS parent
           FROM hub_features f JOIN hub_models m ON m.id = f.repo_id"""
    )


_COMPARE = {
    "moe": ("moe", "moe"),
    "routed_experts": ("routed_experts", "moe_routed_experts"),
    "active_experts": ("active_experts", "moe_active_experts"),
    "shared_experts": ("shared_experts", "moe_shared_experts"),
    "mla": ("mla", "mla"),
    "mtp": ("mtp", "mtp"),
    "attention": ("attention", "attention"),
    "qk_norm": ("qk_norm", "qk_norm"),
    "context_length": ("context_length", "context_length"),
}


def disagreements(curated_rows: list[dict[str, Any]], crawled: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """Compare curated facts with crawled config features for the same repo; list every mismatch."""
    by_repo = {c["repo_id"].lower(): c for c in crawled}
    compared, out = 0, []
    for row in curated_rows:
        crawled_row = by_repo.get((row["hf_repo"] or "").lower())
        if crawled_row is None:
            continue
        compared += 1
        for name, (cur_col, crawl_col) in _COMPARE.items():
            a, b = row.get(cur_col), crawled_row.get(crawl_col)
            if a is None or b is None:
                continue
            if a != b:
                out.append({"model": row["model"], "repo": row["hf_repo"], "feature": name, "curated": a, "crawled": b, "curated_source": row["source_url"]})
    return compared, out


def class_reuse(ctx: Context) -> dict[str, Any]:
    """Repos shipping an architecture class another organisation introduced."""
    ctx.repos()  # attribution only: class reuse needs no lineage walk
    classes = {r["architecture"]: r["org_id"] for r in load_table(ARCHITECTURE_CLASSES)}
    rows = ctx.hub_rows(
        """SELECT r.id, r.org_id, r.bloc, r.created_at::DATE AS created, m.architectures[1] AS architecture,
                  r.id IN (SELECT child FROM hub_edges) AS has_parent
           FROM wa_repos r JOIN hub_models m ON m.id = r.id
           WHERE r.org_id IS NOT NULL AND list_contains(?, m.architectures[1])
           ORDER BY r.id""",
        # Filtering in DuckDB keeps a million-repo crawl from crossing into Python.
        [sorted(classes)],
    )
    orgs = ctx.attribution.organizations
    flows: dict[tuple[str, str, bool], int] = defaultdict(int)
    by_year: dict[tuple[int, str, str], int] = defaultdict(int)
    examples = []
    for r in rows:
        origin_org = classes[r["architecture"]]  # the query kept known classes only
        if origin_org == r["org_id"] or (orgs[origin_org].parent and orgs[origin_org].parent == orgs[r["org_id"]].parent):
            continue
        origin_bloc = ctx.blocs.bloc(orgs[origin_org].country)
        flows[(r["bloc"], origin_bloc, r["has_parent"])] += 1
        if r["created"]:
            by_year[(r["created"].year, r["bloc"], origin_bloc)] += 1
        if not r["has_parent"]:
            examples.append({"repo": r["id"], "developer": orgs[r["org_id"]].name, "architecture": r["architecture"], "class_from": orgs[origin_org].name})
    return {
        "repos_with_known_class": len(rows),
        "flows": [
            {"developer_bloc": d, "originator_bloc": o, "declares_parent": p, "repos": n}
            for (d, o, p), n in sorted(flows.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_year": [{"year": y, "developer_bloc": d, "originator_bloc": o, "repos": n} for (y, d, o), n in sorted(by_year.items())],
        "without_declared_parent": examples[:25],
        "note": (
            "A repo with a declared parent inherits its class by fine-tuning; one without a parent that ships another "
            "organisation's class reused the architecture (or fine-tuned without saying so)."
        ),
    }


def compute(ctx: Context) -> dict[str, Any]:
    releases, curated_rows = _curated(ctx)
    crawled = _crawled(ctx)
    compared, mismatches = disagreements(curated_rows, crawled)
    curated_repos = {(r["hf_repo"] or "").lower() for r in curated_rows}
    added = 0
    for c in crawled:
        org = ctx.attribution.developer_for_namespace(c["author"] or "")
        if org is None or c["repo_id"].lower() in curated_repos or not c["created"]:
            continue
        feats = {
            "moe": c["moe"], "fine_grained_moe": c["fine_grained_moe"], "shared_experts": None if c["moe"] is None else bool(c["moe_shared_experts"]),
            "mla": c["mla"], "mtp": c["mtp"], "gqa": None if c["attention"] is None else c["attention"] == "GQA",
            "sliding_window": c["sliding_window"], "hybrid_attention": c["hybrid_attention"], "qk_norm": c["qk_norm"],
            "yarn": None if c["rope_scaling_type"] is None else c["rope_scaling_type"] == "yarn", "aux_loss_free": None,
        }  # fmt: skip
        parent = c.get("parent")
        parent_org = ctx.attribution.developer_for_namespace(parent.split("/")[0]) if parent else None
        if parent_org is not None and parent_org.id == org.id:
            parent = None  # post-trained on its own base: still pretrained by the developer
        base_bloc = _base_bloc(ctx, parent, {}) if parent else None
        releases.append(Release(c["repo_id"], c["repo_id"], org.id, ctx.blocs.bloc(org.country), c["created"], feats, "crawled config.json", parent, base_bloc))
        added += 1
    as_of = max(r.released for r in releases)
    art = prior_art()
    results = [feature_diffusion(releases, f, as_of=as_of, prior_art=art) for f in FEATURES]
    pretrained = [r for r in releases if r.derived_from is None]
    blocs: dict[str, int] = defaultdict(int)
    for r in pretrained:
        blocs[r.bloc] += 1
    return {
        "population": {
            "releases": len(pretrained),
            "scope": population_phrase(len(pretrained)),
            "derived_releases": len(releases) - len(pretrained),
            "curated": len(curated_rows),
            "curated_verified": sum(1 for r in curated_rows if r["verified"]),
            "from_crawled_configs": added,
            "by_bloc": dict(sorted(blocs.items())),
            "period": f"{min(r.released for r in releases).isoformat()} to {as_of.isoformat()}",
        },
        "prior_art_rows": len(art),
        "features": results,
        "direction": direction_count(results),
        "consistency": {"repos_compared": compared, "disagreements": mismatches},
        "class_reuse": class_reuse(ctx),
        "method": (
            "Population: releases pretrained by their developer (a release on another developer's weights is listed per feature, "
            "never counted as adoption). Originator = earliest such release whose facts show the feature; it is said to have "
            "originated the feature only when no row of the reviewed prior-art table predates it, else the prior art is named. "
            f"Every originator, first and not-yet statement is scoped to this population. Lag = release-date difference / {DAYS_PER_MONTH} "
            "days. Adoption curve = share of a bloc's releases in a quarter (feature known) that have it. Time to adoption: "
            "Kaplan-Meier over developers releasing after the origin, censored at their last release. Direction: a feature "
            "flowed China -> West when a US or European release adopted a Chinese-originated feature (and vice versa)."
        ),
        "caveats": [
            "Dates are public-release dates of open weights; prior art in papers, closed or unlisted models can be earlier: only the reviewed prior-art table is checked.",
            "A curated sample of notable releases, not every model: curves show shares of this sample, and 'not yet' means none in this sample.",
            "Some features have no config key (QK-norm in some families, auxiliary-loss-free balancing): those facts come from papers and cards and are often unknown.",
            "Adoption shows that a later model has the feature, not that it was copied from the originator.",
        ],
    }
