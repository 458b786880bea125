"""Resolve the rows of every source into one model registry and one score table.

Sources name the same model differently ("Claude 3.5 Sonnet (October 2024)",
"claude-3-5-sonnet-20241022", "Claude-3.5-Sonnet-20241022"). Resolution works on
*name keys* and joins them with a union-find:

1. ``name_key``: lower case, provider prefix before ``/`` dropped (``fireworks/``,
   ``chutes/``), spaces, underscores and brackets turned into ``-``.
2. ``base_key``: reasoning-effort and thinking-budget suffixes removed
   (``-high``, ``-xhigh``, ``-low``, ``-minimal``, ``-medium`` after a version
   number, ``-thinking-32k``, ``-16k-thinking``). This is the rule that collapses
   reasoning-effort variants into one model. A bare ``-thinking`` suffix is kept:
   "Kimi K2 Thinking" is a different release from "Kimi K2".
3. Rows of sources that group versions under a model name (Epoch: ``Model name``
   over ``Model version``) join the version key to the name key.
4. The curated alias table (``model_aliases.csv``) adds the links that
   normalisation cannot see; it is the reviewable place to fix a match.

Each connected set of keys is one model. Its metadata comes from the rows in
source-priority order (Epoch first): the first source that gives a field wins,
and within a source the earliest release date among its rows wins. Every score
keeps the ``ref`` of its source row, and also the release date of its own
version when one is known, so a later, better checkpoint is not back-dated to
its family's first release.

Organisation strings must resolve through the curated alias table: an unknown
organisation is an :class:`~weightatlas.errors.InputError` naming the source row.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from weightatlas.attribution import CURATED_DIR, Attribution, country_code
from weightatlas.errors import InputError
from weightatlas.sources.base import ModelRow, Row, ScoreRow, SkippedRow

# Sources whose ``variant`` field is a model-version id that should join the model.
VERSION_ID_SOURCES = frozenset({"epoch_eci", "epoch_eci_ci", "epoch_benchmarks"})

_PUNCT = re.compile(r"[\s_:,;()\[\]{}'\"]+")
_EFFORT_SUFFIX = re.compile(
    r"-(?:minimal|low|high|xhigh|(?<=\d-)medium|thinking-\d+k|\d+k-thinking|reasoning-(?:low|medium|high))$"
)
_OPEN_LICENCE = re.compile(
    r"apache|mit\b|bsd|llama|qwen|gemma|deepseek|cc[- ]?by|openrail|\bopen\b|mrl|mistral research|nvidia open|yi license|"
    r"glm|falcon|jamba|tongyi|modified mit|non[- ]?commercial|dbrx|skywork|internlm|baichuan|minimax",
    re.IGNORECASE,
)


def name_key(name: str) -> str:
    text = name.strip().casefold()
    if "/" in text:
        text = text.rsplit("/", 1)[1]
    text = _PUNCT.sub("-", text)
    return re.sub(r"-{2,}", "-", text).strip("-")


def base_key(key: str) -> str:
    while True:
        stripped = _EFFORT_SUFFIX.sub("", key)
        if stripped == key or not stripped:
            return key
        key = stripped


def accessibility_from_licence(licence: str | None) -> str | None:
    """Open weights unless the licence says proprietary (Arena and llm-stats style)."""
    if not licence or not licence.strip():
        return None
    if re.search(r"proprietary", licence, re.IGNORECASE):
        return "api"
    if _OPEN_LICENCE.search(licence):
        return "open"
    return None


def split_ref(ref: str) -> tuple[str, int | None]:
    """``"folder/path:12"`` -> ``("folder/path", 12)``; JSON-style refs give no line."""
    path, _, rest = ref.rpartition(":")
    if path and rest.split("#")[0].isdigit():
        return path, int(rest.split("#")[0])
    return ref.split("#")[0], None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class ResolvedModel:
    model_id: str
    display_name: str
    family: str | None
    org_ids: list[str]
    countries: list[str | None]
    release_date: date | None
    release_date_ref: str | None
    accessibility: str | None
    params_total: float | None
    params_active: float | None
    licence: str | None
    hf_repo: str | None
    training_compute_flop: float | None
    org_ref: str | None  # where the developer came from (source row, or "family rule")
    sources: list[str] = field(default_factory=list)
    # Epoch's confidence in training_compute_flop, taken from the row that gave the figure.
    training_compute_confidence: str | None = None


@dataclass
class ResolvedScore:
    model_id: str
    benchmark: str
    value: float
    ci_low: float | None
    ci_high: float | None
    source_id: str
    ref: str
    snapshot_date: date
    independent: bool
    metric_version: str
    variant: str | None
    raw_model_name: str
    release_date: date | None  # of this version if known, else the model's


@dataclass
class NameMatch:
    source_id: str
    ref: str
    kind: str  # "model" or "score"
    raw_name: str
    key: str
    model_id: str
    status: str  # matched_name / matched_alias / merged / unmatched


@dataclass
class Resolution:
    models: list[ResolvedModel]
    scores: list[ResolvedScore]
    names: list[NameMatch]
    skipped: Counter[tuple[str, str]]
    conflicts: list[dict[str, str]]
    refused_merges: list[dict[str, str]] = field(default_factory=list)

    def match_stats(self) -> dict[str, dict[str, int]]:
        stats: dict[str, Counter[str]] = defaultdict(Counter)
        for n in self.names:
            stats[n.source_id]["rows"] += 1
            stats[n.source_id][n.status] += 1
        for (source_id, _reason), count in self.skipped.items():
            stats[source_id]["skipped"] += count
        return {s: dict(sorted(c.items())) for s, c in sorted(stats.items())}


def load_model_aliases(path: Path | None = None) -> list[tuple[str, str, int]]:
    """The curated model alias table: pairs of names that are the same model."""
    from weightatlas.sources.base import read_csv

    path = path or CURATED_DIR / "model_aliases.csv"
    pairs = []
    for line, row in read_csv(path, ("alias", "model", "note")):
        alias, model = row["alias"].strip(), row["model"].strip()
        if not alias:
            raise InputError(path, "alias is empty", line=line, field="alias")
        if not model:
            raise InputError(path, "model is empty", line=line, field="model")
        pairs.append((base_key(name_key(alias)), base_key(name_key(model)), line))
    return pairs


def _row_keys(row: ModelRow | ScoreRow) -> list[str]:
    name = row.name if isinstance(row, ModelRow) else row.model_name
    keys = [base_key(name_key(name))]
    if row.variant and row.source_id in VERSION_ID_SOURCES:
        keys.append(base_key(name_key(row.variant)))
    return [k for k in keys if k]


def _specific_key(row: ModelRow | ScoreRow) -> str:
    """The most specific key of a row: its version id if it has one, else its name."""
    if row.variant and row.source_id in VERSION_ID_SOURCES:
        return base_key(name_key(row.variant))
    return base_key(name_key(row.name if isinstance(row, ModelRow) else row.model_name))


def resolve(
    rows_by_source: dict[str, list[Row]],
    attribution: Attribution,
    *,
    aliases: list[tuple[str, str, int]] | None = None,
) -> Resolution:
    """Build models, scores and the per-row match table from adapter output.

    ``rows_by_source`` must be ordered by source priority (highest first).
    """
    priority = {source_id: i for i, source_id in enumerate(rows_by_source)}
    alias_pairs = load_model_aliases() if aliases is None else aliases

    data_rows: list[ModelRow | ScoreRow] = []
    skipped: Counter[tuple[str, str]] = Counter()
    for source_id, rows in rows_by_source.items():
        for row in rows:
            if isinstance(row, SkippedRow):
                skipped[(source_id, row.reason)] += 1
            else:
                data_rows.append(row)

    # Two unions: by name only, and with the alias table, to tell the two kinds of match apart.
    by_name, _ = _components(data_rows, priority, [])
    full, refused = _components(data_rows, priority, alias_pairs)

    groups: dict[str, list[ModelRow | ScoreRow]] = defaultdict(list)
    for row in data_rows:
        groups[full.find(_specific_key(row))].append(row)

    models: list[ResolvedModel] = []
    model_of_root: dict[str, str] = {}
    conflicts: list[dict[str, str]] = []
    used_ids: set[str] = set()
    for root in sorted(groups, key=lambda r: (min(priority[x.source_id] for x in groups[r]), r)):
        group = sorted(groups[root], key=lambda r: priority[r.source_id])
        model = _merge_group(group, attribution, conflicts)
        model.model_id = _unique_id(model.model_id, used_ids)
        model_of_root[root] = model.model_id
        models.append(model)

    # Version-level release dates (first source in priority order, earliest within it),
    # and the date each source row states for itself.
    version_dates: dict[str, tuple[int, date, str]] = {}
    row_dates: dict[tuple[str, str], date] = {}
    for row in data_rows:
        if isinstance(row, ModelRow) and row.release_date:
            key = _specific_key(row)
            cand = (priority[row.source_id], row.release_date, row.ref)
            if key not in version_dates or cand < version_dates[key]:
                version_dates[key] = cand
            row_dates.setdefault((row.source_id, row.ref), row.release_date)
    model_by_id = {m.model_id: m for m in models}

    scores: list[ResolvedScore] = []
    names: list[NameMatch] = []
    for root, group in groups.items():
        model_id = model_of_root[root]
        sources_full = {r.source_id for r in group}
        name_sources: dict[str, set[str]] = defaultdict(set)
        for r in group:
            name_sources[by_name.find(_specific_key(r))].add(r.source_id)
        for row in group:
            key = _specific_key(row)
            own = name_sources[by_name.find(key)]
            if len(own) > 1:
                status = "matched_name"
            elif len(sources_full) > 1:
                status = "matched_alias"
            elif len({_specific_key(r) for r in group}) > 1:
                status = "merged"
            else:
                status = "unmatched"
            raw = row.name if isinstance(row, ModelRow) else row.model_name
            names.append(NameMatch(row.source_id, row.ref, "model" if isinstance(row, ModelRow) else "score", raw, key, model_id, status))
            if isinstance(row, ScoreRow):
                # Most specific date first: the score's own source row, then its version, then the model.
                vd = version_dates.get(key)
                own_date = row_dates.get((row.source_id, row.ref)) or (vd[1] if vd else None)
                scores.append(
                    ResolvedScore(
                        model_id=model_id,
                        benchmark=row.benchmark,
                        value=row.value,
                        ci_low=row.ci_low,
                        ci_high=row.ci_high,
                        source_id=row.source_id,
                        ref=row.ref,
                        snapshot_date=row.snapshot_date,
                        independent=row.independent,
                        metric_version=row.metric_version,
                        variant=row.variant,
                        raw_model_name=row.model_name,
                        release_date=own_date or model_by_id[model_id].release_date,
                    )
                )
    names.sort(key=lambda n: (priority[n.source_id], n.ref))
    scores.sort(key=lambda s: (s.benchmark, priority[s.source_id], s.snapshot_date, s.ref))
    return Resolution(models=models, scores=scores, names=names, skipped=skipped, conflicts=conflicts, refused_merges=refused)


def _components(
    rows: list[ModelRow | ScoreRow], priority: dict[str, int], alias_pairs: list[tuple[str, str, int]]
) -> tuple[_UnionFind, list[dict[str, str]]]:
    """Join name keys into models, never letting a source merge what a higher one keeps apart.

    The curated aliases are applied first, as given. Rows are then added in source
    priority order; a row that would join two components which both already hold
    rows of a higher-priority source is not allowed to (Epoch keeps "DeepSeek-V3" and
    "DeepSeek-V3 (Mar 2025)" apart, so the Benchmarking Hub's grouping of the March
    version under "DeepSeek-V3" must not merge them). Such a row belongs to the
    component of its most specific key (its version id) and the refusal is recorded.
    """
    uf = _UnionFind()
    best_priority: dict[str, int] = {}  # component root -> highest priority (lowest number) among its rows
    for alias, model, _line in alias_pairs:
        uf.union(alias, model)
    refused: list[dict[str, str]] = []
    for row in sorted(rows, key=lambda r: priority[r.source_id]):
        p = priority[row.source_id]
        primary = _specific_key(row)
        for key in _row_keys(row):
            a, b = uf.find(primary), uf.find(key)
            if a == b:
                continue
            if best_priority.get(a, p) < p and best_priority.get(b, p) < p:
                refused.append({"ref": row.ref, "source_id": row.source_id, "kept_with": primary, "not_merged_with": key})
                continue
            uf.union(a, b)
            root = uf.find(a)
            best_priority[root] = min(best_priority.get(a, p), best_priority.get(b, p))
        root = uf.find(primary)
        best_priority[root] = min(best_priority.get(root, p), p)
    return uf, refused


def _unique_id(model_id: str, used: set[str]) -> str:
    candidate, n = model_id, 2
    while candidate in used:
        candidate = f"{model_id}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def _first(group: list[ModelRow | ScoreRow], attr: str) -> tuple[object, str | None]:
    for row in group:
        if isinstance(row, ModelRow):
            value = getattr(row, attr)
            if value not in (None, "", ()):
                return value, row.ref
    return None, None


def _merge_group(group: list[ModelRow | ScoreRow], attribution: Attribution, conflicts: list[dict[str, str]]) -> ResolvedModel:
    anchor = group[0]
    anchor_name = anchor.name if isinstance(anchor, ModelRow) else anchor.model_name
    # Epoch-style sources name the model in ``name`` and a version in ``display_name``.
    if isinstance(anchor, ModelRow) and anchor.display_name and anchor.source_id not in VERSION_ID_SOURCES:
        display = anchor.display_name
    else:
        display = anchor_name

    # Release date: first source (priority) that has one; earliest within that source.
    release_date, release_ref = None, None
    for source_id in dict.fromkeys(r.source_id for r in group):
        dated = [(r.release_date, r.ref) for r in group if isinstance(r, ModelRow) and r.source_id == source_id and r.release_date]
        if dated:
            release_date, release_ref = min(dated)
            break

    org_ids, countries, org_ref = _developers(group, attribution, conflicts)
    key = base_key(name_key(anchor_name))
    family_rule = attribution.family(key)
    if not org_ids and family_rule is not None:
        org = attribution.organizations[family_rule.org_id]
        org_ids, countries, org_ref = [org.id], [org.country], f"model_families.csv: {family_rule.pattern.pattern}"

    accessibility, _ = _first(group, "accessibility")
    if accessibility is None:
        for row in group:
            access = accessibility_from_licence(row.licence)
            if access:
                accessibility = access
                break
    params_total, _ = _first(group, "params_total")
    params_active, _ = _first(group, "params_active")
    licence = next((r.licence for r in group if r.licence), None)
    hf_repo, _ = _first(group, "hf_repo")
    compute, compute_ref = _first(group, "training_compute_flop")
    compute_confidence = next((r.training_compute_confidence for r in group if isinstance(r, ModelRow) and r.ref == compute_ref and r.training_compute_flop == compute), None)
    return ResolvedModel(
        model_id=key or "model",
        display_name=str(display).strip(),
        family=family_rule.family if family_rule else None,
        org_ids=org_ids,
        countries=countries,
        release_date=release_date,  # type: ignore[arg-type]
        release_date_ref=release_ref,
        accessibility=accessibility,  # type: ignore[arg-type]
        params_total=params_total,  # type: ignore[arg-type]
        params_active=params_active,  # type: ignore[arg-type]
        licence=licence,
        hf_repo=hf_repo,  # type: ignore[arg-type]
        training_compute_flop=compute,  # type: ignore[arg-type]
        org_ref=org_ref,
        sources=sorted({r.source_id for r in group}),
        training_compute_confidence=compute_confidence,
    )


def _developers(
    group: Iterable[ModelRow | ScoreRow], attribution: Attribution, conflicts: list[dict[str, str]]
) -> tuple[list[str], list[str | None], str | None]:
    """Developer organisations from the first row (by priority) that names any."""
    for row in group:
        names = [n for n in row.org_names if n and n.strip()]
        if not names:
            continue
        path, line = split_ref(row.ref)
        org_ids: list[str] = []
        countries: list[str | None] = []
        # Epoch's country column is the *set* of countries involved, not aligned with
        # the organisation list, so compare as sets.
        declared = _declared_codes(row) if isinstance(row, ModelRow) else set()
        for name in names:
            org = attribution.org(name)
            if org is None:
                raise InputError(
                    path,
                    f"unknown organisation {name!r}: add it to {CURATED_DIR / 'org_aliases.csv'} "
                    "(and organizations.csv if it is a new organisation)",
                    line=line,
                    field="organization",
                )
            if org.is_redistributor:
                continue  # rule 1: a re-uploader is never the developer
            if org.id in org_ids:
                continue
            org_ids.append(org.id)
            countries.append(org.country)
            if declared and org.country not in declared and org.country_entity not in declared:
                conflicts.append(
                    {
                        "org_id": org.id,
                        "curated_country": org.country or "",
                        "source_countries": ",".join(sorted(declared)),
                        "ref": row.ref,
                    }
                )
        if org_ids:
            return org_ids, countries, row.ref
    return [], [], None


def _declared_codes(row: ModelRow) -> set[str]:
    codes: set[str] = set()
    for declared in row.org_countries:
        try:
            code = country_code(declared)
        except LookupError:
            path, line = split_ref(row.ref)
            raise InputError(path, f"unknown country {declared!r}", line=line, field="country") from None
        if code:
            codes.add(code)
    return codes


def write_match_report(resolution: Resolution, path: Path) -> None:
    """Per-row CSV of how every source row was matched (for review of the alias table)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["source_id", "ref", "kind", "raw_name", "key", "model_id", "status"])
        for n in resolution.names:
            writer.writerow([n.source_id, n.ref, n.kind, n.raw_name, n.key, n.model_id, n.status])
