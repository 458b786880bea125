"""Build the embedded snapshot from the raw sources, all or nothing.

``build_snapshot(data_root)`` runs every adapter, resolves models and
developers, and writes the normalised tables as Parquet plus ``manifest.json``
into a new temporary folder next to the target. Only when everything has been
read, validated and written does it swap the new folder in; any error (a bad
date, a non-numeric score, a missing column, an unknown organisation) leaves
the previous snapshot untouched. The swap, the one previous snapshot it keeps
(``<target>.previous``) and the recovery after a crash at any point live in
:mod:`weightatlas.snapshot_swap`.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from weightatlas import __version__
from weightatlas.attribution import CURATED_DIR, Attribution, load_attribution
from weightatlas.errors import InputError
from weightatlas.hub.schema import HUB_TABLES, ensure_schema
from weightatlas.progress import track
from weightatlas.snapshot_swap import Build, commit, previous_dir, recover
from weightatlas.resolve import Resolution, load_model_aliases, resolve
from weightatlas.sources import load_adapters
from weightatlas.sources.base import Row, ScoreRow, SkippedRow, SourceInfo, read_csv
from weightatlas.store import MANIFEST, SCHEMAS, SNAPSHOT_DIR, write_table


def load_benchmark_ids(path: Path | None = None) -> set[str]:
    path = path or CURATED_DIR / "benchmarks.csv"
    return {row["id"] for _line, row in read_csv(path, ("id", "name", "unit", "comparison"))}


def source_inputs(root: Path, info: SourceInfo) -> list[Path]:
    folder = root / info.folder
    if not folder.is_dir():
        raise InputError(folder, f"source folder for {info.id!r} not found under {root}")
    found: set[Path] = set()
    for pattern in info.files:
        found.update(Path(p) for p in glob.glob(str(folder / pattern), recursive=True) if Path(p).is_file())
    if not found:
        raise InputError(folder, f"no input files match {list(info.files)} for source {info.id!r}")
    return sorted(found)


def _sha256_files(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_sources(
    root: Path, adapters: list[ModuleType], *, benchmarks: set[str]
) -> tuple[dict[str, list[Row]], dict[str, str]]:
    """Run every adapter; return rows by source id (priority order) and input hashes."""
    rows_by_source: dict[str, list[Row]] = {}
    hashes: dict[str, str] = {}
    for adapter in track(adapters, "reading sources", unit="sources"):
        info: SourceInfo = adapter.SOURCE
        hashes[info.id] = _sha256_files(source_inputs(root, info), root)
        rows = list(adapter.read(root))
        for row in rows:
            if isinstance(row, ScoreRow) and row.benchmark not in benchmarks:
                path, _, line = row.ref.rpartition(":")
                raise InputError(path or row.ref, f"benchmark {row.benchmark!r} is not in benchmarks.csv", field="benchmark")
        rows_by_source[info.id] = rows
    return rows_by_source, hashes


def build_snapshot(
    data_root: Path,
    out: Path | None = None,
    *,
    adapters: list[ModuleType] | None = None,
    attribution: Attribution | None = None,
    model_aliases: list[tuple[str, str, int]] | None = None,
    hub_importers: list[ModuleType] | None = None,
    usage_sources: list[ModuleType] | None = None,
    hub_histories: bool | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Read ``data_root`` and replace the snapshot at ``out`` (default: the embedded one).

    ``hub_importers`` (default: the April 2025 family trees) fill the ``hub_*``
    lineage tables, in the same schema a live crawl writes. ``usage_sources`` (default:
    both OpenRouter ranking adapters when ``hub_importers`` is the default too, else
    none) fill ``inference_usage``; a snapshot built without them opens with it empty.
    ``hub_histories`` (default: on when ``hub_importers`` is the default) reads the
    Hub download/fine-tune histories and the 2022 listing into ``history_repos``,
    ``download_history``, ``finetune_history`` and ``hub_listing_2022``
    (:mod:`weightatlas.sources.hf_history_tables`).

    Returns the manifest. Raises :class:`InputError` on bad input, leaving ``out`` as it was.
    """
    root = Path(data_root)
    if not root.is_dir():
        raise InputError(root, "data folder not found (expected the folder holding <owner>__<repo> source folders)")
    out = Path(out or SNAPSHOT_DIR)
    step = on_step or (lambda _msg: None)
    recover(out)  # a swap an earlier build left half-done is finished first
    adapters = adapters if adapters is not None else load_adapters()
    attribution = attribution or load_attribution()
    aliases = model_aliases if model_aliases is not None else load_model_aliases()

    rows_by_source, hashes = read_sources(root, adapters, benchmarks=load_benchmark_ids())
    step("resolving model names and developers")
    resolution = resolve(rows_by_source, attribution, aliases=aliases)

    # A locked .snapshot-new-<id> folder next to the target; deleted on any error before the swap.
    with Build(out) as tmp:
        step("importing Hub lineage")
        hub = _write_hub_tables(root, tmp, _default_hub_importers() if hub_importers is None else hub_importers)
        if usage_sources is None:
            usage_sources = _default_usage_sources() if hub_importers is None else []
        if usage_sources:
            step("reading OpenRouter rankings")
            _add_tables(hub, write_inference_usage(root, tmp, attribution, usage_sources))
        if hub_histories if hub_histories is not None else hub_importers is None:
            step("importing Hub download and fine-tune histories")
            _add_tables(hub, write_hub_histories(root, tmp, attribution))
        manifest = _write_tables(tmp, adapters, hashes, rows_by_source, resolution, attribution, aliases, hub)
        commit(tmp, out)
    step(f"snapshot written to {out} (the one it replaced is kept in {previous_dir(out)})" if previous_dir(out).exists() else f"snapshot written to {out}")
    return manifest


def _default_hub_importers() -> list[ModuleType]:
    from weightatlas.hub import family_trees
    from weightatlas.sources import atom_tracked

    return [family_trees, atom_tracked]


_HUB_ORDER = {
    "crawl_snapshots": "snapshot_id",
    "hub_models": "id",
    "hub_downloads": "snapshot_id, model_id",
    "hub_edges": "child, parent",
    "quarantine": "snapshot_id, page_no, position, model_id",
    "hub_features": "repo_id",
}


def _write_hub_tables(root: Path, folder: Path, importers: list[ModuleType]) -> dict[str, Any]:
    """Run the table importers (Hub lineage, curated lists) into a scratch DuckDB; write sorted Parquet.

    An importer module has ``SOURCE``, ``TABLES`` (tables it adds beyond the shared
    ``hub_*`` ones), ``DDL``, ``ORDER`` (sort keys for stable Parquet bytes) and
    ``import_into(root, con, scratch_dir=...) -> coverage dict``.
    """
    con = duckdb.connect(config={"threads": 2})
    try:
        ensure_schema(con)
        sources, coverage, orders = [], {}, dict(_HUB_ORDER)
        extra_tables: list[str] = []
        for importer in importers:
            info: SourceInfo = importer.SOURCE
            digest = _sha256_files(source_inputs(root, info), root)
            if importer.DDL:
                con.execute(importer.DDL)
            coverage[info.id] = importer.import_into(root, con, scratch_dir=folder)
            sources.append((info, digest))
            extra_tables += list(importer.TABLES)
            orders.update(importer.ORDER)
        tables = {}
        for name in (*HUB_TABLES, *extra_tables):
            path = folder / f"{name}.parquet"
            con.execute(f"COPY (SELECT * FROM {name} ORDER BY {orders[name]}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
            rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
            tables[name] = {"rows": rows, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "by_source": {}}
        parents = con.execute("SELECT count(DISTINCT parent) FROM hub_edges").fetchone()[0]  # type: ignore[index]
        relations = dict(con.execute("SELECT relation, count(*) FROM hub_edges GROUP BY 1 ORDER BY 1").fetchall())
        evidence = dict(con.execute("SELECT evidence, count(*) FROM hub_edges GROUP BY 1 ORDER BY 1").fetchall())
    finally:
        con.close()
    trees = coverage.get("hf_family_trees", {}).get("trees", [])
    return {
        "sources": sources,
        "tables": tables,
        "imports": {k: v for k, v in coverage.items() if k != "hf_family_trees"},
        "coverage": {
            "trees": trees,
            "models": tables["hub_models"]["rows"],
            "edges": tables["hub_edges"]["rows"],
            "parents": parents,
            "quarantined": tables["quarantine"]["rows"],
            "edges_by_relation": relations,
            "edges_by_evidence": evidence,
            "note": (
                "Partial family trees crawled once (April 2025), about 300 repos each, rooted at eight models; "
                "downloads are 30-day counts at crawl time (no all-time counts). Not a sample of the whole Hub."
            ),
        },
    }


def _default_usage_sources() -> list[ModuleType]:
    from weightatlas.sources import openrouter_johnbean393, openrouter_kimstore

    return [openrouter_johnbean393, openrouter_kimstore]


def write_inference_usage(root: Path, folder: Path, attribution: Attribution, adapters: list[ModuleType]) -> dict[str, Any]:
    """Read both OpenRouter ranking sources into ``inference_usage.parquet``, attributed row by row.

    Each listed model joins ``inference_models.csv`` on (source, model without its
    ``:free``/``(free)`` suffix) for its developer and open-weight flag; a model the
    table lacks stays unattributed (bloc Unknown, open weights NULL) and is counted,
    never dropped. Stealth models (``openrouter/...``) are Unknown by construction.
    """
    from weightatlas.curated import INFERENCE_MODELS, load_table
    from weightatlas.store import write_optional_table

    curated = {(r["source"], r["model_key"]): r for r in load_table(INFERENCE_MODELS)}
    rows: list[dict[str, Any]] = []
    sources, coverage = [], {}
    for adapter in adapters:
        info: SourceInfo = adapter.SOURCE
        digest = _sha256_files(source_inputs(root, info), root)
        read = adapter.read_rows(root)
        unmatched: set[str] = set()
        for r in read:
            entry = curated.get((r.source, r.model))
            org_id = entry["org_id"] if entry and not r.stealth else None
            if entry is None:
                unmatched.add(r.model)
            org = attribution.organizations.get(org_id) if org_id else None
            rows.append(
                {
                    "source": r.source,
                    "week_start": r.week_start,
                    "week_label": r.week_label,
                    "rank": r.rank,
                    "model_key": r.model_key,
                    "name": r.name,
                    "author": r.author,
                    "org_id": org_id,
                    "bloc": attribution.blocs.bloc(org.country if org else None),
                    "open_weights": entry["open_weights"] if entry else None,
                    "open_weights_source": (entry["read_from"] or None) if entry and entry["open_weights"] is not None else None,
                    "is_free": r.is_free,
                    "stealth": r.stealth,
                    "total_tokens": r.total_tokens,
                    "ref": r.ref,
                }
            )
        sources.append((info, digest))
        coverage[info.id] = {**adapter.coverage(read), "models_not_in_inference_models_csv": sorted(unmatched)}
    rows.sort(key=lambda r: (r["source"], r["week_start"], r["rank"], r["model_key"]))
    path = write_optional_table(folder, "inference_usage", rows)
    table = {"rows": len(rows), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "by_source": dict(sorted(Counter(r["source"] for r in rows).items()))}
    return {"sources": sources, "tables": {"inference_usage": table}, "imports": coverage}


def write_hub_histories(root: Path, folder: Path, attribution: Attribution) -> dict[str, Any]:
    """The Hub-history importers step (see :mod:`weightatlas.sources.hf_history_tables`)."""
    from weightatlas.sources.hf_history_tables import write_hub_histories as write

    return write(root, folder, attribution)


def _add_tables(hub: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fold a further step's sources, tables and coverage into what the manifest writer takes."""
    hub["sources"] += extra["sources"]
    hub["tables"].update(extra["tables"])
    hub["imports"].update(extra["imports"])


def recover_interrupted_swap(target: Path) -> None:
    """Finish or undo a swap a crash interrupted, and delete dead builds' leftovers (see :mod:`weightatlas.snapshot_swap`)."""
    recover(target)


def _write_tables(
    folder: Path,
    adapters: list[ModuleType],
    hashes: dict[str, str],
    rows_by_source: dict[str, list[Row]],
    res: Resolution,
    attribution: Attribution,
    aliases: list[tuple[str, str, int]],
    hub: dict[str, Any],
) -> dict[str, Any]:
    infos: list[SourceInfo] = [a.SOURCE for a in adapters] + [info for info, _ in hub["sources"]]
    hashes = {**hashes, **{info.id: digest for info, digest in hub["sources"]}}
    aliases_of: dict[str, list[str]] = {}
    for alias, org_id in attribution.aliases.items():
        aliases_of.setdefault(org_id, []).append(alias)
    tables: dict[str, list[dict[str, Any]]] = {
        "sources": [
            {
                "id": i.id,
                "title": i.title,
                "url": i.url,
                "licence": i.licence,
                "snapshot_date": i.snapshot_date,
                "folder": i.folder,
                "description": i.description,
                "independent": i.independent,
                "input_sha256": hashes[i.id],
            }
            for i in infos
        ],
        "organizations": [
            {
                "id": o.id,
                "name": o.name,
                "country_entity": o.country_entity,
                "country_parent": o.country_parent,
                "country": o.country,
                "bloc": attribution.blocs.bloc(o.country),
                "aliases": sorted(aliases_of.get(o.id, [])),
                "org_type": o.org_type,
                "is_redistributor": o.is_redistributor,
                "parent": o.parent,
                "source_url": o.source_url,
            }
            for o in sorted(attribution.organizations.values(), key=lambda o: o.id)
        ],
        "models": [vars(m).copy() for m in sorted(res.models, key=lambda m: m.model_id)],
        "scores": [vars(s).copy() for s in res.scores],
        "model_names": [vars(n).copy() for n in res.names],
    }
    table_meta: dict[str, Any] = {}
    content = hashlib.sha256()
    for name in SCHEMAS:
        path = write_table(folder, name, tables[name])
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        content.update(f"{name}:{sha}\n".encode())
        table_meta[name] = {"rows": len(tables[name]), "sha256": sha, "by_source": _by_source(name, tables[name])}

    match = res.match_stats()
    countries = {m.model_id: m.countries for m in res.models}
    for score in res.scores:
        stats = match.setdefault(score.source_id, {})
        stats["scores_dated"] = stats.get("scores_dated", 0) + (score.release_date is not None)
        stats["scores_attributed"] = stats.get("scores_attributed", 0) + any(countries[score.model_id])
    sources_meta = []
    for info in infos:
        rows = rows_by_source.get(info.id, [])
        kinds = Counter(type(r).__name__ for r in rows)
        reasons = Counter(reason for (sid, reason), n in res.skipped.items() if sid == info.id for _ in range(n))
        sources_meta.append(
            {
                "id": info.id,
                "title": info.title,
                "url": info.url,
                "licence": info.licence,
                "snapshot_date": info.snapshot_date.isoformat(),
                "description": info.description,
                "independent": info.independent,
                "input_sha256": hashes[info.id],
                "rows_read": {"models": kinds["ModelRow"], "scores": kinds["ScoreRow"], "skipped": kinds["SkippedRow"]},
                "skipped_reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
                "excluded_unverified": sorted(
                    {r.name for r in rows if isinstance(r, SkippedRow) and r.name and "unverified" in r.reason.lower()}
                ),
                "match": match.get(info.id, {}),
            }
        )
    total = Counter[str]()
    for stats in match.values():
        total.update({k: v for k, v in stats.items() if k not in {"skipped", "scores_dated", "scores_attributed"}})
    matched = total["matched_name"] + total["matched_alias"]
    table_meta.update(hub["tables"])
    for name, meta in hub["tables"].items():
        content.update(f"{name}:{meta['sha256']}\n".encode())
    manifest = {
        "weightatlas_version": __version__,
        "snapshot_date": max(i.snapshot_date for i in infos).isoformat(),
        "content_hash": content.hexdigest(),
        "attribution_digest": attribution.digest,
        "model_alias_rows": len(aliases),
        "sources": sources_meta,
        "tables": table_meta,
        "matching": {
            "rows": total["rows"],
            "matched_name": total["matched_name"],
            "matched_alias": total["matched_alias"],
            "merged": total["merged"],
            "unmatched": total["unmatched"],
            "match_rate": round(matched / total["rows"], 4) if total["rows"] else None,
            "rule": (
                "matched = the row's model is also known to another source (by normalised name, or through "
                "model_aliases.csv); merged = collapsed with other rows of the same source only (versions, "
                "reasoning-effort variants); unmatched = known to this source alone"
            ),
        },
        "hub": hub["coverage"],
        "imports": hub["imports"],
        "attribution_conflicts": res.conflicts,
        "refused_merges": res.refused_merges,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=_json_default) + "\n", encoding="utf-8")
    return manifest


def _by_source(name: str, rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in rows:
        if name in {"scores", "model_names"}:
            counts[row["source_id"]] += 1
        elif name == "models":
            counts.update(row["sources"])
        elif name == "sources":
            counts[row["id"]] += 1
        else:
            counts["curated"] += 1
    return dict(sorted(counts.items()))


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
