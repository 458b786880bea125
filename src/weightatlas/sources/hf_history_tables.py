"""The snapshot step for the Hub histories: read, attribute, classify, write four tables.

Called by :func:`weightatlas.snapshot.build_snapshot`. Writes ``history_repos``,
``download_history``, ``finetune_history`` and ``hub_listing_2022`` (schemas in
:data:`weightatlas.store.OPTIONAL_SCHEMAS`) and returns the manifest block: row
counts, download-weighted match rates, every excluded repo with its reason, and
every flagged decrease (never fatal, never altered).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from weightatlas.attribution import Attribution
from weightatlas.sources import hf_download_history as downloads
from weightatlas.sources import hf_finetune_history as finetunes
from weightatlas.sources import hf_listing_2022 as listing
from weightatlas.sources.base import SourceInfo
from weightatlas.sources.hf_history_rules import RepoAttributor, load_modality_rules, modality
from weightatlas.store import OPTIONAL_SCHEMAS

SOURCES: tuple[SourceInfo, ...] = (downloads.SOURCE, listing.SOURCE)
TABLES = ("history_repos", "download_history", "finetune_history", "hub_listing_2022")


def _write(folder: Path, name: str, columns: dict[str, list[Any]]) -> dict[str, Any]:
    path = folder / f"{name}.parquet"
    pq.write_table(pa.Table.from_pydict(columns, schema=OPTIONAL_SCHEMAS[name]), path, compression="zstd")
    rows = len(next(iter(columns.values()))) if columns else 0
    return {"rows": rows, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "by_source": {}}


def _columns(name: str, rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {f: [r[f] for r in rows] for f in OPTIONAL_SCHEMAS[name].names}


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def build_rows(root: Path, attribution: Attribution, *, curated_dir: Path | None = None) -> tuple[dict[str, dict[str, list[Any]]], dict[str, Any]]:
    """All four tables as columns, plus the coverage block for the manifest."""
    rules = load_modality_rules(curated_dir / "modality_rules.csv" if curated_dir else None)
    cohort = downloads.read_histories(root)
    # The paper's 17 organisations are whatever its named files (all but Other.csv) attribute to.
    first_party = {o.id for h in cohort if h.cohort_file != "Other" for o in [attribution.org(h.repo_id.split("/")[0])] if o}
    attributor = RepoAttributor(
        attribution,
        first_party_orgs=first_party,
        roles_path=curated_dir / "history_repo_roles.csv" if curated_dir else None,
        legacy_path=curated_dir / "legacy_repo_developers.csv" if curated_dir else None,
    )

    repos: list[dict[str, Any]] = []
    hist: dict[str, list[Any]] = {"repo_id": [], "day": [], "cumulative": []}
    decreases: list[dict[str, Any]] = []
    for h in cohort:
        d = attributor.decide(h.repo_id)
        mod, rule = modality(h.repo_id, None, rules)
        repos.append(
            {
                "repo_id": h.repo_id, "ref": h.ref, "cohort_file": h.cohort_file, "org_id": d.org_id, "country": d.country,
                "bloc": d.bloc, "role": d.role, "root_org_id": d.root_org_id, "root_bloc": d.root_bloc,
                "exclusion_reason": d.exclusion_reason, "modality": mod, "modality_rule": rule,
                "created_at": h.created_at, "counter_start": h.counter_start,
                "_final": h.cumulative[-1] if h.cumulative else 0,
            }
        )
        hist["repo_id"] += [h.repo_id] * len(h.days)
        hist["day"] += h.days
        hist["cumulative"] += h.cumulative
        decreases += h.decreases
    repos.sort(key=lambda r: r["repo_id"])

    bases = finetunes.read_bases(root)
    ft_rows: list[dict[str, Any]] = []
    ft_decreases: list[dict[str, Any]] = []
    censored_values = 0
    for b in bases:
        org = attribution.org(b.base_repo.split("/")[0])
        org_id = org.id if org else None
        country = org.country if org else None
        rule_f = attribution.family(finetunes.name_key(b.base_repo))
        mod, rule = modality(b.base_repo, None, rules)
        for m in finetunes.decreases(b):
            ft_decreases.append({"base_repo": b.base_repo, "ref": b.ref, "months_after": m})
        for m, value in sorted(b.months.items()):
            if finetunes.window_end(b.created_at, m) > finetunes.CENSOR_DATE:
                censored_values += 1  # a value past the collection date: kept, counted (the files have none)
            ft_rows.append(
                {
                    "base_repo": b.base_repo, "ref": b.ref, "cohort_file": b.cohort_file, "org_id": org_id,
                    "bloc": attribution.blocs.bloc(country), "family": rule_f.family if rule_f else None,
                    "modality": mod, "modality_rule": rule, "created_at": b.created_at, "months_after": m, "cumulative": value,
                }
            )
    ft_rows.sort(key=lambda r: (r["base_repo"], r["months_after"]))

    listed = listing.read_listing(root)
    li_rows: list[dict[str, Any]] = []
    for r in listed:
        d = attributor.decide(r.repo_id)
        role = d.role if d.role in ("first_party", "repack") else "individual"
        if d.role == "first_party_outside_17":
            role = "first_party"  # the 17 are a 2025 cohort notion; in 2022 a developer's repo is first-party
        mod, rule = modality(r.repo_id, r.pipeline_tag, rules)
        li_rows.append(
            {
                "repo_id": r.repo_id, "ref": r.ref, "namespace": r.namespace, "org_id": d.org_id, "bloc": d.bloc,
                "role": role, "downloads_30d": r.downloads_30d, "pipeline_tag": r.pipeline_tag, "modality": mod, "modality_rule": rule,
            }
        )
    li_rows.sort(key=lambda r: r["repo_id"])

    coverage = _coverage(repos, ft_rows, li_rows, decreases, ft_decreases, censored_values, bases)
    tables = {
        "history_repos": _columns("history_repos", repos),
        "download_history": hist,
        "finetune_history": _columns("finetune_history", ft_rows),
        "hub_listing_2022": _columns("hub_listing_2022", li_rows),
    }
    return tables, coverage


def _coverage(repos, ft_rows, li_rows, decreases, ft_decreases, censored_values, bases) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    kept = [r for r in repos if r["role"] != "excluded"]
    total = sum(r["_final"] for r in kept)
    attributed = sum(r["_final"] for r in kept if r["org_id"] and r["role"] != "repack" or r["role"] == "repack" and r["root_org_id"])
    by_role_bloc: dict[str, dict[str, Any]] = {}
    for r in repos:
        key = f"{r['role']}|{r['root_bloc'] if r['role'] == 'repack' else r['bloc']}"
        entry = by_role_bloc.setdefault(key, {"repos": 0, "downloads_2025_02_18": 0})
        entry["repos"] += 1
        entry["downloads_2025_02_18"] += r["_final"]
    for entry in by_role_bloc.values():
        entry["share_of_kept_downloads"] = _share(entry["downloads_2025_02_18"], total)
    li_total = sum(r["downloads_30d"] for r in li_rows)
    legacy = [r for r in li_rows if r["namespace"] is None]
    legacy_total = sum(r["downloads_30d"] for r in legacy)
    return {
        "cohort": {
            "repos": len(repos),
            "day_rows": len(repos) * 0,  # filled by the caller from the table
            "excluded": [{"repo_id": r["repo_id"], "ref": r["ref"], "reason": r["exclusion_reason"], "downloads_2025_02_18": r["_final"]} for r in repos if r["role"] == "excluded"],
            "by_role_and_bloc": dict(sorted(by_role_bloc.items())),
            "match_rate_weighted_by_downloads": _share(attributed, total),
            "match_rate_note": "Share of all-time downloads on 2025-02-18 (excluded repos left out) in repos whose developer (or, for repacks, whose root's developer) is a known organisation.",
            "modality": dict(sorted(Counter(r["modality"] for r in repos).items())),
            "repos_without_counter_start": sum(1 for r in repos if r["counter_start"] is None),
            "decrease_tolerance": downloads.DECREASE_TOLERANCE,
            "flagged_decreases": decreases,
        },
        "finetune": {
            "bases": len(bases),
            "rows": len(ft_rows),
            "modality": dict(sorted(Counter(r["modality"] for r in {x["base_repo"]: x for x in ft_rows}.values()).items())),
            "bases_with_family": len({r["base_repo"] for r in ft_rows if r["family"]}),
            "right_censored_at": finetunes.CENSOR_DATE.isoformat(),
            "values_past_censoring": censored_values,
            "flagged_decreases": ft_decreases,
        },
        "listing_2022": {
            "repos": len(li_rows),
            "match_rate_weighted_by_downloads": _share(sum(r["downloads_30d"] for r in li_rows if r["org_id"]), li_total),
            "legacy_repos": len(legacy),
            "legacy_share_of_downloads": _share(legacy_total, li_total),
            "legacy_match_rate_weighted_by_downloads": _share(sum(r["downloads_30d"] for r in legacy if r["org_id"]), legacy_total),
            "modality": dict(sorted(Counter(r["modality"] for r in li_rows).items())),
        },
    }


def write_hub_histories(root: Path, folder: Path, attribution: Attribution, *, curated_dir: Path | None = None) -> dict[str, Any]:
    """Write the four tables into ``folder``; return {sources, tables, imports} for the manifest."""
    from weightatlas.snapshot import _sha256_files, source_inputs

    columns, coverage = build_rows(root, attribution, curated_dir=curated_dir)
    coverage["cohort"]["day_rows"] = len(columns["download_history"]["repo_id"])
    tables = {name: _write(folder, name, columns[name]) for name in TABLES}
    sources = [(info, _sha256_files(source_inputs(root, info), root)) for info in SOURCES]
    imports = {downloads.SOURCE.id: {"cohort": coverage["cohort"], "finetune": coverage["finetune"]}, listing.SOURCE.id: coverage["listing_2022"]}
    return {"sources": sources, "tables": tables, "imports": imports}
