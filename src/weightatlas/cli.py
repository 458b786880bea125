"""The ``weightatlas`` command: thin Click commands, one library call each.

Library errors (:class:`~weightatlas.errors.WeightatlasError`, including bad
input naming file, line and field) are printed as one line on stderr with exit
code 2; nothing is half-written because the library builds into temporary
folders and swaps them in only on success.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from weightatlas import __version__
from weightatlas.errors import WeightatlasError

F = TypeVar("F", bound=Callable[..., Any])
# Piped output (CI logs, `| less`) gets a fixed, readable width instead of Rich's 80 columns.
out = Console(width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True)
SHORT_BLOC = {"United States": "US", "China": "CN", "Europe": "EU", "Rest of world": "RoW"}


def reports_errors(func: F) -> F:
    """Turn library errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WeightatlasError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def snapshot_option(func: F) -> F:
    return click.option(
        "--snapshot",
        "snapshot_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Snapshot folder to read (default: the one embedded in the package).",
    )(func)


def blocs_option(func: F) -> F:
    return click.option(
        "--blocs",
        "bloc_map",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        default=None,
        help="CSV file (country,bloc) replacing the default bloc map.",
    )(func)


def db_option(func: F) -> F:
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="A crawled DuckDB file (weightatlas crawl) for the Hub-based indicators, instead of the embedded family trees.",
    )(func)


@click.group()
@click.version_option(__version__, prog_name="weightatlas")
def main() -> None:
    """Measured indicators on Chinese vs Western open-weight AI.

    Example: weightatlas report --out weightatlas-report
    """


@main.group()
def snapshot() -> None:
    """Build or inspect the embedded snapshot of normalised tables."""


@snapshot.command("build")
@click.option("--from", "data_root", required=True, type=click.Path(path_type=Path), help="Folder holding the raw source folders (e.g. ../shared/data).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None, help="Snapshot folder to write (default: the embedded one).")
@reports_errors
def snapshot_build(data_root: Path, out: Path | None) -> None:
    """Read every source under --from and replace the snapshot, all or nothing.

    Example: weightatlas snapshot build --from ../shared/data
    """
    from weightatlas.snapshot import build_snapshot

    manifest = build_snapshot(data_root, out, on_step=lambda msg: err.print(f"[dim]{msg}[/]"))
    _print_manifest(manifest)


@snapshot.command("info")
@snapshot_option
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@reports_errors
def snapshot_info(snapshot_dir: Path | None, as_json: bool) -> None:
    """Print the snapshot manifest: sources, licences, dates, row counts, hashes.

    Example: weightatlas snapshot info
    """
    from weightatlas.store import Store

    with Store.open(snapshot_dir) as store:
        if as_json:
            click.echo(json.dumps(store.manifest, indent=2))
        else:
            _print_manifest(store.manifest)


@main.command()
@snapshot_option
@blocs_option
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON document (the contract the report renders).")
@click.option("--only", multiple=True, help="Compute only these indicators (repeatable).")
@reports_errors
def indicators(snapshot_dir: Path | None, bloc_map: Path | None, db: Path | None, as_json: bool, only: tuple[str, ...]) -> None:
    """Compute the indicators; --json prints the document the report renders.

    Example: weightatlas indicators --json > indicators.json
    """
    from weightatlas.api import indicators_document

    doc = indicators_document(snapshot_dir=snapshot_dir, bloc_map=bloc_map, only=list(only) or None, db=db)
    if as_json:
        click.echo(json.dumps(doc, indent=1, default=str))
    else:
        _print_summary(doc)


@main.command()
@snapshot_option
@blocs_option
@db_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("weightatlas-report"), show_default=True, help="Folder for index.html and indicators.json.")
@reports_errors
def report(snapshot_dir: Path | None, bloc_map: Path | None, db: Path | None, out: Path) -> None:
    """Write the self-contained HTML scorecard (works offline, no CDN).

    Example: weightatlas report --out weightatlas-report
    """
    from weightatlas.api import build_report

    started = time.perf_counter()
    result = build_report(out, snapshot_dir=snapshot_dir, bloc_map=bloc_map, db=db)
    _print_summary(result.document)
    out.mkdir(parents=True, exist_ok=True)
    out_path = result.html_path
    err.print(f"report written to [bold]{out_path}[/] in {time.perf_counter() - started:.1f} s")


@main.command()
@click.option("--endpoint", default=None, help="Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co). Token from $HF_TOKEN, never logged or stored.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None, help="DuckDB file to crawl into (default: ~/.local/share/weightatlas/hub.duckdb).")
@click.option("--pipeline-tag", "pipeline_tags", multiple=True, help="Only repos with this pipeline tag (repeatable: one listing each).")
@click.option("--author", "authors", multiple=True, help="Only repos of this namespace (repeatable).")
@click.option("--filter", "filters", multiple=True, help="Hub tag filter, e.g. base_model:Qwen/Qwen2.5-7B (repeatable, ANDed).")
@click.option("--created-since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Stop at repos created before this date.")
@click.option("--max-requests", type=click.IntRange(min=1), default=None, help="Stop cleanly after this many requests (resumable).")
@click.option("--incremental", is_flag=True, help="Only repos modified since the last complete crawl (sorted by lastModified, stops early).")
@click.option("--configs", type=click.Choice(["known", "all", "none"]), default="known", show_default=True, help="Fetch config.json for repos of known organisations, all repos, or none.")
@click.option("--max-rps", type=click.FloatRange(min=0.01), default=None, help="Request budget (requests per second); the server's RateLimit headers are honoured as well.")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True, help="Models per listing page (the `limit` parameter).")
def crawl(
    endpoint: str | None,
    db: Path | None,
    pipeline_tags: tuple[str, ...],
    authors: tuple[str, ...],
    filters: tuple[str, ...],
    created_since: Any,
    max_requests: int | None,
    incremental: bool,
    configs: str,
    max_rps: float | None,
    page_size: int,
) -> None:
    """Crawl the Hugging Face Hub model listing into a DuckDB file; rerun to resume.

    Example: weightatlas crawl --pipeline-tag text-generation --created-since 2026-01-01 --max-requests 200
    """
    from weightatlas.hub.client import GaveUp
    from weightatlas.hub.crawl import CrawlOptions, crawl as run_crawl, default_db_path

    options = CrawlOptions(
        db=db or default_db_path(),
        endpoint=endpoint,
        pipeline_tags=pipeline_tags,
        authors=authors,
        filters=filters,
        created_since=created_since.date() if created_since else None,
        max_requests=max_requests,
        incremental=incremental,
        configs=configs,  # type: ignore[arg-type]
        max_rps=max_rps,
        page_size=page_size,
    )
    try:
        summary = run_crawl(options)
    except GaveUp as exc:
        err.print(f"[bold red]stopped:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(3)
    except WeightatlasError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    verb = "resumed and " if summary.resumed else ""
    out.print(
        f"crawl snapshot {summary.snapshot_id} {verb}{summary.status}: {summary.pages:,} pages, {summary.items:,} models read "
        f"({summary.models_per_second:,.0f}/s), {summary.stored:,} stored, {summary.edges:,} lineage edges, "
        f"{summary.quarantined:,} quarantined, {summary.requests:,} requests ({summary.retries} retried), "
        f"{summary.configs_fetched:,} configs, {summary.features:,} feature rows, in {summary.seconds:.1f} s -> {options.db}"
    )
    for reason, n in summary.quarantine_reasons.items():
        out.print(f"  quarantined: {reason}: {n:,}")
    if summary.status == "stopped":
        out.print("  stopped at the request budget; run the same command again to continue")


@main.command()
@click.option("--curated", "folder", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None, help="Folder of curated tables to check (default: the package's data/curated).")
def validate(folder: Path | None) -> None:
    """Check every curated table: schema, dates, URLs, codes, duplicates, references.

    Example: weightatlas validate
    """
    from weightatlas.validate import validate_all

    results = validate_all(folder)
    for r in results:
        if r.ok:
            out.print(f"[green]ok[/]    {r.file}" + (f" ({r.rows} rows)" if r.rows is not None else ""))
        else:
            out.print(f"[bold red]error[/] {r.error}", highlight=False, soft_wrap=True)
    bad = sum(not r.ok for r in results)
    if bad:
        err.print(f"[bold red]{bad} table{'s' if bad > 1 else ''} failed validation[/]")
        sys.exit(2)
    out.print(f"all {len(results)} curated tables valid")


def _print_manifest(manifest: dict[str, Any]) -> None:
    out.print(f"[bold]weightatlas snapshot {manifest['snapshot_date']}[/]  content hash {manifest['content_hash']}")
    table = Table(title="sources")
    for col in ("source", "snapshot", "licence", "model rows", "score rows", "skipped", "matched", "unmatched", "scores dated"):
        table.add_column(col, justify="right" if col not in {"source", "snapshot", "licence"} else "left")
    for s in manifest["sources"]:
        m = s["match"]
        table.add_row(
            s["id"], s["snapshot_date"], s["licence"], f"{s['rows_read']['models']:,}", f"{s['rows_read']['scores']:,}",
            f"{s['rows_read']['skipped']:,}", f"{m.get('matched_name', 0) + m.get('matched_alias', 0):,}", f"{m.get('unmatched', 0):,}",
            f"{m.get('scores_dated', 0):,}",
        )
    out.print(table)
    tables = Table(title="tables")
    for col in ("table", "rows", "by source", "sha256"):
        tables.add_column(col)
    for name, meta in manifest["tables"].items():
        by_source = ", ".join(f"{k} {v:,}" for k, v in meta["by_source"].items()) if name in {"scores", "models"} else ""
        tables.add_row(name, f"{meta['rows']:,}", by_source, meta["sha256"][:16])
    out.print(tables)
    match = manifest["matching"]
    out.print(
        f"name matching: {match['match_rate']:.1%} of {match['rows']:,} source rows matched across sources "
        f"({match['matched_name']:,} by name, {match['matched_alias']:,} through model_aliases.csv, "
        f"{manifest.get('model_alias_rows', 0)} alias rows); "
        f"{match['merged']:,} merged, {match['unmatched']:,} unmatched"
    )


def _print_summary(doc: dict[str, Any]) -> None:
    gap = doc["indicators"].get("capability_gap", {})
    table = Table(title="Capability gap, China (CN) vs United States (US), latest month")
    for col in ("series", "month", "US", "CN", "leader", "gap pts", "gap %", "mean lag mo", "records", "open", "models CN/US"):
        table.add_column(col, no_wrap=col == "series", justify="left" if col in {"series", "month", "leader"} else "right")
    for series_id, s in gap.items():
        latest = s["latest"]
        g = latest["gap"] or {}
        fr = latest["frontier"]
        cu = s["catch_up"]
        pop = s["population"]["models_by_bloc"]
        table.add_row(
            series_id,
            latest["month"] or "-",
            _fmt(fr.get("United States", {}).get("score")),
            _fmt(fr.get("China", {}).get("score")),
            SHORT_BLOC.get(g.get("leader", ""), g.get("leader", "-")),
            _fmt(g.get("points")),
            _fmt(g.get("percent")),
            _fmt(cu["mean_lag_months"]),
            str(cu["n_records"]),
            str(cu["n_open"]),
            f"{pop.get('China', 0)}/{pop.get('United States', 0)}",
        )
    out.print(table)
    _print_hub_summary(doc)


def _print_hub_summary(doc: dict[str, Any]) -> None:
    ind = doc["indicators"]
    blocs = doc.get("meta", {}).get("bloc_map", {}).get("blocs", [])
    if "adoption" in ind:
        table = Table(title=f"Adoption: 30-day download share by bloc ({ind['adoption']['source']})")
        for col in ("population", "models", *blocs):
            table.add_column(col, justify="left" if col == "population" else "right")
        for pop_id, pop in ind["adoption"]["populations"].items():
            share = pop.get("share_30d") or {}
            table.add_row(pop_id, str(pop["models"]), *[f"{share['by_bloc'][b]['share']:.1%}" if share else "-" for b in blocs])
        variant = ind["adoption"]["derivative_share"]["variants"]["all_relations"]
        table.add_row("derivatives by root", f"{variant['derivatives']:,.0f}", *[f"{(variant['overall'][b]['share'] or 0):.1%}" for b in blocs])
        out.print(table)
    if "collaboration" in ind:
        ai = ind["collaboration"]["authentic_index"]
        if ai["overall"] is not None:
            out.print(f"Authentic collaboration index: {ai['overall']:.1%} ({ai['substantive_cross_border']:,.1f} substantive cross-border of {ai['all_by_known_orgs']:,.1f} derivatives by known organisations)")
    if "regional" in ind and "sovereign" in ind["regional"]:
        sov = ind["regional"]["sovereign"]
        parts = ", ".join(f"{o} {v['share']:.0%}" for o, v in sov["by_origin"].items())
        out.print(f"Sovereign and regional projects ({sov['projects']} versions): base model from {parts}")
    _print_claims_summary(ind)


def _print_claims_summary(ind: dict[str, Any]) -> None:
    if "diffusion" in ind:
        diff = ind["diffusion"]
        table = Table(title=f"Architecture diffusion ({diff['population']['releases']} releases): originator and first adopter per bloc, lag in months")
        for col in ("feature", "originator", "bloc", "first adopters (lag months)"):
            table.add_column(col)
        for f in diff["features"]:
            origin = f["originator"]
            if origin is None:
                continue
            adopters = ", ".join(f"{SHORT_BLOC.get(b, b)} {a['lag_months']:.1f}" for b, a in f["first_adopters"].items())
            table.add_row(f["feature"], origin["model"], SHORT_BLOC.get(origin["bloc"], origin["bloc"]), adopters or "-")
        out.print(table)
        counts = diff["direction"]["counts"]
        out.print("Direction: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    if "efficiency" in ind:
        eff = ind["efficiency"]
        fit = eff["pooled_fit"]
        if fit:
            parts = ", ".join(
                f"{SHORT_BLOC.get(b, b)} {r['mean_residual_eci']:+.1f} (n={r['models']})" for b, r in eff["efficiency_residual"].items() if r
            )
            out.print(f"Compute efficiency: ECI per 10x training FLOP {fit['eci_per_oom']:.1f} (R² {fit['r2']:.2f}, {fit['models']} models); mean residual ECI {parts}")
    if "regulation" in ind:
        reg = ind["regulation"]
        d = reg["counts"]["by_direction"]
        out.print(
            f"Policy events: {reg['population']['events_in_figures']} in {reg['population']['jurisdictions']} jurisdictions "
            f"({', '.join(f'{k} {v}' for k, v in d.items())})"
        )
        index = reg["restrictiveness"]["jurisdictions"]
        parts = ", ".join(
            f"{index[g]['label']} {index[g]['latest']['net']:+d} ({index[g]['latest']['net_binding']:+d} binding)" for g in ("US", "EU", "CN") if g in index
        )
        out.print(f"Restrictiveness index (restrict minus enable events, {reg['restrictiveness']['through']}): {parts}")
        results = [r for s in reg["event_study"]["studies"] for r in s["results"]]
        estimated = [r for r in results if r["status"] == "estimated"]
        placebo_ok = [r for r in estimated if r.get("placebo", {}).get("p_value", 1) < 0.05]
        out.print(
            f"Event studies: {len(estimated)} of {len(results)} event x series pairs estimated ({len(results) - len(estimated)} too thin); "
            f"{len(placebo_ok)} with a jump larger than 95% of placebo dates"
        )


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)
