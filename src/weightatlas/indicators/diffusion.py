"""Architecture diffusion: are Chinese innovations adopted in the West, and how fast?

Population: notable open-weight releases from the curated ``architecture_facts.csv``
(each row sourced to a config, card or paper), plus crawled ``config.json``
features (``hub_features``) for base models of known developers that the curated
table does not have. Where both describe the same repo they must agree; every
disagreement is listed.

Per feature (MoE, fine-grained MoE, shared experts, MLA, MTP, GQA, sliding window,
hybrid linear/SSM/sparse attention, QK-norm, YaRN, auxiliary-loss-free balancing):

* **originator**: the earliest release with the feature in this population, and its
  bloc (a config-level date; earlier paper prior art is in the row's note);
* **first adopter in each other bloc** and the lag in months (days / 30.44);
* **adoption curves**: per bloc and quarter, the share of that quarter's releases
  (with the feature known) that have it;
* **time to adoption per developer**: Kaplan–Meier over developers that released
  anything after the origin, censored at their last release;
* **direction count**: features that flowed China -> West (US or Europe adopted a
  Chinese-originated feature) and West -> China.

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
from weightatlas.curated import ARCHITECTURE_CLASSES, ARCHITECTURE_FACTS, load_table
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


def _sw(r: dict[str, Any]) -> bool | None:
    if r.get("hybrid_attention") == "sliding+global":
        return True
    return None if r.get("sliding_window") is None else r["sliding_window"] > 0


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
    "sliding_window": ("Sliding-window / local attention", _sw),
    "hybrid_attention": (
        "Hybrid linear, SSM or sparse attention",
        lambda r: None if r.get("hybrid_attention") is None else r["hybrid_attention"] in ("linear", "ssm", "sparse"),
    ),
    "qk_norm": ("QK-norm", lambda r: r.get("qk_norm")),
    "yarn": ("YaRN RoPE scaling", lambda r: None if r.get("rope_scaling") is None else r["rope_scaling"] == "yarn"),
    "aux_loss_free": ("Auxiliary-loss-free load balancing", lambda r: r.get("aux_loss_free")),
}


def feature_diffusion(releases: list[Release], feature: str, *, as_of: date) -> dict[str, Any]:
    """Originator, first adopter per other bloc with lags, adoption curves and KM for one feature."""
    label = FEATURES[feature][0]
    having = sorted((r for r in releases if r.features.get(feature)), key=lambda r: (r.released, r.model))
    known = [r for r in releases if r.features.get(feature) is not None]
    out: dict[str, Any] = {"feature": feature, "label": label, "releases_known": len(known), "releases_with": len(having)}
    if not having:
        out.update(originator=None, first_adopters={}, adoption_curve=[], time_to_adoption={})
        return out
    origin = having[0]
    out["originator"] = {"model": origin.model, "org_id": origin.org_id, "bloc": origin.bloc, "released": origin.released.isoformat(), "source": origin.source}
    firsts: dict[str, Any] = {}
    for r in having:
        if r.bloc in (origin.bloc, UNKNOWN) or r.bloc in firsts:
            continue
        firsts[r.bloc] = {"model": r.model, "org_id": r.org_id, "released": r.released.isoformat(), "lag_months": months_between(r.released, origin.released), "source": r.source}
    out["first_adopters"] = firsts
    out["not_yet_adopted_in"] = [b for b in (CHINA, UNITED_STATES, EUROPE) if b != origin.bloc and b not in firsts]
    out["adoption_curve"] = _curve(known, feature)
    out["time_to_adoption"] = _km(releases, feature, origin.released, as_of)
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
    china_to_west = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] == CHINA and any(b in r["first_adopters"] for b in WEST)]
    west_to_china = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] in WEST and CHINA in r["first_adopters"]]
    china_not_adopted = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] == CHINA and not any(b in r["first_adopters"] for b in WEST)]
    west_not_adopted = [r["feature"] for r in results if r["originator"] and r["originator"]["bloc"] in WEST and CHINA not in r["first_adopters"]]
    return {
        "china_to_west": china_to_west,
        "west_to_china": west_to_china,
        "china_originated_not_adopted_in_west": china_not_adopted,
        "west_originated_not_adopted_in_china": west_not_adopted,
        "counts": {"china_to_west": len(china_to_west), "west_to_china": len(west_to_china)},
    }


def _curated(ctx: Context) -> tuple[list[Release], list[dict[str, Any]]]:
    rows = load_table(ARCHITECTURE_FACTS)
    releases = []
    for r in rows:
        org = ctx.attribution.organizations[r["org_id"]]
        feats = {f: pred(r) for f, (_label, pred) in FEATURES.items()}
        releases.append(Release(r["model"], r["hf_repo"], r["org_id"], ctx.blocs.bloc(org.country), r["release_date"], feats, r["source_url"]))
    return releases, rows


def _crawled(ctx: Context) -> list[dict[str, Any]]:
    return ctx.store.rows(
        """SELECT f.*, m.created_at::DATE AS created, m.author FROM hub_features f JOIN hub_models m ON m.id = f.repo_id"""
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
    rows = ctx.store.rows(
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
        releases.append(Release(c["repo_id"], c["repo_id"], org.id, ctx.blocs.bloc(org.country), c["created"], feats, "crawled config.json"))
        added += 1
    as_of = max(r.released for r in releases)
    results = [feature_diffusion(releases, f, as_of=as_of) for f in FEATURES]
    blocs = defaultdict(int)
    for r in releases:
        blocs[r.bloc] += 1
    return {
        "population": {
            "releases": len(releases),
            "curated": len(curated_rows),
            "from_crawled_configs": added,
            "by_bloc": dict(sorted(blocs.items())),
            "period": f"{min(r.released for r in releases).isoformat()} to {as_of.isoformat()}",
        },
        "features": results,
        "direction": direction_count(results),
        "consistency": {"repos_compared": compared, "disagreements": mismatches},
        "class_reuse": class_reuse(ctx),
        "method": (
            f"Originator = earliest release in the population whose facts show the feature; lag = release-date difference / {DAYS_PER_MONTH} "
            "days. Adoption curve = share of a bloc's releases in a quarter (feature known) that have it. Time to adoption: "
            "Kaplan-Meier over developers releasing after the origin, censored at their last release. Direction: a feature "
            "flowed China -> West when a US or European release adopted a Chinese-originated feature (and vice versa)."
        ),
        "caveats": [
            "Dates are public-release dates of open weights; prior art in papers or closed models can be earlier (see each source's note).",
            "A curated sample of notable releases, not every model: curves show shares of this sample.",
            "Some features have no config key (QK-norm in some families, auxiliary-loss-free balancing): those facts come from papers and cards and are often unknown.",
            "Adoption shows that a later model has the feature, not that it was copied from the originator.",
        ],
    }
