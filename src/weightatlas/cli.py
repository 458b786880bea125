"""The ``weightatlas`` command: thin Click commands, one library call each.

Library errors (:class:`~weightatlas.errors.WeightatlasError`, including bad
input naming file, line and field) are printed as one line on stderr with exit
code 2; so are the environment's known failures (an ``OSError`` on a path, a
DuckDB file locked by another process). Anything else is a bug and keeps its
traceback. Nothing is half-written because the library builds into temporary
folders and swaps them in only on success.

Every string that comes from data (input files, Hub responses, manifests, error
messages quoting them) goes through :func:`~weightatlas.safe_text.for_terminal`
before it reaches a Rich console: Rich reads ``[...]`` as markup, in table cells too.
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
from weightatlas.safe_text import for_terminal

F = TypeVar("F", bound=Callable[..., Any])
# Piped output (CI logs, `| less`) gets a fixed, readable width instead of Rich's 80 columns.
out = Console(width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True)
SHORT_BLOC = {"United States": "US", "China": "CN", "Europe": "EU", "Rest of world": "RoW"}


class DataTable(Table):
    """A Rich table built from data: title, headers and cells are printed literally, never read as markup."""

    def __init__(self, *args: Any, title: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, title=for_terminal(title) if title is not None else None, **kwargs)

    def add_column(self, header: Any = "", *args: Any, **kwargs: Any) -> None:
        super().add_column(for_terminal(header) if isinstance(header, str) else header, *args, **kwargs)

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        super().add_row(*(for_terminal(c) if isinstance(c, str) else c for c in cells), **kwargs)


def one_line(text: object) -> str:
    """``text`` on one line, safe for the terminal (multi-line parser messages are joined)."""
    return for_terminal(" ".join(part.strip() for part in str(text).splitlines() if part.strip()))


def fail(label: str, message: object, code: int = 2) -> None:
    """Print ``label: message`` as one line on stderr and exit with ``code``."""
    err.print(f"[bold red]{label}:[/] {one_line(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def environment_error(exc: BaseException) -> str | None:
    """The message for a known failure of the environment, or None for anything else (a bug)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename is not None else ""
        return f"{where}{exc.strerror or exc}"
    duckdb = sys.modules.get("duckdb")  # not imported means it cannot have raised
    if duckdb is not None and isinstance(exc, duckdb.IOException):
        return str(exc)  # names the file, e.g. "Could not set lock on file ...: Conflicting lock is held ..."
    return None


def reports_errors(func: F) -> F:
    """Turn library errors and known environment failures into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WeightatlasError as exc:
            fail("error", exc)
        except Exception as exc:
            message = environment_error(exc)
            if message is None:
                raise
            fail("error", message)

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


def history_option(func: F) -> F:
    return click.option(
        "--history",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="A download-history folder (history_repos.parquet + download_history/, hive-partitioned Parquet) read in place of the snapshot's.",
    )(func)


def engine_options(func: F) -> F:
    """``--engine`` and ``--parquet``: where the Hub queries run (weightatlas.engine)."""
    func = click.option(
        "--parquet",
        default=None,
        help="With --engine spark: the folder or URL (s3a://, gs://) holding the Hub tables as Parquet "
        "(weightatlas export-parquet); default: the snapshot folder. The Spark master is $WEIGHTATLAS_SPARK_MASTER (default local[2]).",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["duckdb", "spark"]),
        default="duckdb",
        show_default=True,
        help="Engine for the Hub queries (lineage, attribution, shares); spark needs `pip install 'weightatlas[spark]'` and Java.",
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

    manifest = build_snapshot(data_root, out, on_step=lambda msg: err.print(f"[dim]{for_terminal(msg)}[/]"))
    _print_manifest(manifest)
    _record_build_changes(out)


def _record_build_changes(out: Path | None) -> None:
    """What changed since the snapshot the build replaced, into changes.json (a failure here only warns)."""
    from weightatlas.snapshot_diff import record_build_changes
    from weightatlas.store import SNAPSHOT_DIR

    try:
        path = record_build_changes(out or SNAPSHOT_DIR, on_step=lambda msg: err.print(f"[dim]{for_terminal(msg)}[/]"))
    except WeightatlasError as exc:
        err.print(f"[yellow]warning:[/] changes since the previous snapshot not recorded: {one_line(exc)}", highlight=False)
        return
    if path is not None:
        err.print(f"[dim]changes since the previous snapshot recorded in {for_terminal(str(path))}[/]")


@snapshot.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@snapshot_option
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), default=None, help="Git work tree for git:REV (default: the checkout weightatlas runs from).")
@click.option("--method/--no-method", default=True, show_default=True, help="Measure the method effect by running the old side's code (git:REV) or reading its indicators.json.")
@click.option("--record", is_flag=True, help="Write the comparison as changes.json into the NEW snapshot folder (read into the `changes` block of the JSON document).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@reports_errors
def snapshot_diff(old: str | None, new: str | None, snapshot_dir: Path | None, repo: Path | None, method: bool, record: bool, as_json: bool) -> None:
    """What changed between two snapshots: rows added, removed or revised, and the headline figures before and after.

    OLD and NEW are snapshot folders or git:REV (the embedded snapshot, curated tables
    and code at a git revision). NEW defaults to --snapshot or the embedded snapshot;
    OLD to the previous snapshot a build kept beside NEW.

    Example: weightatlas snapshot diff git:HEAD~1
    """
    from weightatlas.snapshot_diff import diff_snapshots, record_changes

    if new is not None and snapshot_dir is not None:
        raise WeightatlasError("give NEW or --snapshot, not both")
    new_spec: str | Path | None = new if new is not None else snapshot_dir
    if record and new_spec is not None and str(new_spec).startswith("git:"):
        raise WeightatlasError("--record writes into the NEW snapshot folder: NEW must be a folder, not git:REV")
    result = diff_snapshots(old, new_spec, repo=repo, method=method, on_step=lambda msg: err.print(f"[dim]{for_terminal(msg)}[/]"))
    if record:
        from weightatlas.store import SNAPSHOT_DIR

        path = record_changes(result, Path(new_spec) if new_spec is not None else SNAPSHOT_DIR)
        err.print(f"[dim]recorded in {for_terminal(str(path))}[/]")
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_changes(result)


def _print_changes(result: dict[str, Any]) -> None:
    for line in result["summary"]:
        out.print(for_terminal(line), highlight=False, soft_wrap=True)
    for side in ("old", "new"):
        s = result[side]
        out.print(
            f"[dim]{side}: {for_terminal(s['label'])}  version {for_terminal(str(s.get('weightatlas_version')))}  content {for_terminal(str(s.get('content_hash'))[:16])}  "
            f"attribution {for_terminal(str(s.get('attribution_digest')))}{'  commit ' + for_terminal(s['commit'][:12]) if s.get('commit') else ''}[/]",
            highlight=False,
        )
    groups = [("Snapshot tables", result["tables"])]
    if result["curated"]["compared"]:
        groups.append(("Curated tables (only those that differ)", result["curated"]["tables"]))
    for title, rows in groups:
        table = DataTable(title=title)
        for col in ("table", "key", "old rows", "new rows", "added", "removed", "revised", "columns changed / examples"):
            table.add_column(col, justify="right" if col in {"old rows", "new rows", "added", "removed", "revised"} else "left")
        for t in rows:
            if t["status"] == "unchanged":
                continue
            detail = ", ".join(f"{c} {n:,}" for c, n in (t.get("changed_columns") or {}).items())
            ex = t.get("examples") or {}
            first = next((f"{kind}: {(v[0]['key'] if isinstance(v[0], dict) else v[0])}" for kind, v in ex.items() if v), "")
            summary = t.get("summary")
            if summary:
                first = f"{summary['old'].get('first')}..{summary['old'].get('last')} -> {summary['new'].get('first')}..{summary['new'].get('last')}"
            table.add_row(t["table"], ", ".join(t.get("key") or []), f"{t['old_rows']:,}", f"{t['new_rows']:,}", f"{t['added']:,}", f"{t['removed']:,}", f"{t['revised']:,}", "; ".join(x for x in (detail, first) if x))
        unchanged = [t["table"] for t in rows if t["status"] == "unchanged"]
        if table.row_count:
            out.print(table)
        if unchanged:
            out.print(f"[dim]unchanged: {for_terminal(', '.join(unchanged))}[/]", highlight=False)
    if not result["curated"]["compared"]:
        out.print(for_terminal(result["curated"]["reason"]), highlight=False)
    effects = result["headlines"]
    for key in ("data_effect", "method_effect"):
        effect = effects[key]
        if key == "method_effect" and not effect["measured"]:
            out.print(for_terminal(effect["reason"]), highlight=False)
            continue
        table = DataTable(title=effect["label"] + (f" ({effect['source']})" if effect.get("source") else ""))
        for col in ("indicator", "before", "after", "points to", "other figures that moved"):
            table.add_column(col, justify="left")
        for h in effect["indicators"]:
            pts = h["points_to"]
            moved = ", ".join(f"{k} {_fmt_figure(a)} -> {_fmt_figure(b)}" for k, (a, b) in h["figures_moved"].items())
            table.add_row(str(h["title"]), str(h["before_display"]), str(h["after_display"]), str(pts[1]) if pts[0] == pts[1] else f"{pts[0]} -> {pts[1]}", moved)
        out.print(table)
        if effect.get("note"):
            out.print(for_terminal(effect["note"]), highlight=False)


@snapshot.command("info")
@snapshot_option
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@reports_errors
def snapshot_info(snapshot_dir: Path | None, as_json: bool) -> None:
    """Print the snapshot manifest: sources, licences, dates, row counts, hashes.

    Example: weightatlas snapshot info
    """
    from weightatlas.api import open_store  # finishes an interrupted swap first, then verifies

    with open_store(snapshot_dir) as store:
        if as_json:
            click.echo(json.dumps(store.manifest, indent=2))
        else:
            _print_manifest(store.manifest)


@main.command("derivative-share")
@snapshot_option
@blocs_option
@db_option
@engine_options
@click.option("--min-downloads", type=click.IntRange(min=0), default=5, show_default=True, help="Count derivatives with more than this many 30-day downloads (ATOM keeps > 5).")
@click.option("--without-quantized", "substantive_only", is_flag=True, help="Leave out quantisations and other repacks (the without_quantized variant).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@reports_errors
def derivative_share(
    snapshot_dir: Path | None, bloc_map: Path | None, db: Path | None, engine: str, parquet: str | None, min_downloads: int, substantive_only: bool, as_json: bool
) -> None:
    """The derivative share by root base model's bloc alone, walking only the derivatives it counts.

    The same figures as the document's adoption.hub_sample.derivative_share, without the other indicators.

    Example: weightatlas derivative-share --db crawl.duckdb --min-downloads 50
    """
    from weightatlas.api import derivative_share as compute_share

    result = compute_share(
        snapshot_dir=snapshot_dir, bloc_map=bloc_map, db=db, min_downloads=min_downloads, substantive_only=substantive_only, engine=engine, parquet=parquet
    )
    if as_json:
        click.echo(json.dumps(result, indent=1, default=str))
        return
    crawled = ", ".join(sorted({s["date"] for s in result["hub_snapshots"] if s.get("date")})) or "not recorded"
    table = DataTable(
        title=f"Derivative share by root bloc ({result['variant']}, > {result['min_downloads']} downloads, "
        f"{result['derivatives']:,.0f} derivatives; {result['source']}, crawled {crawled})"
    )
    table.add_column("bloc")
    table.add_column("derivatives", justify="right")
    table.add_column("share", justify="right")
    table.add_column("download-weighted", justify="right")
    for bloc, row in result["overall"].items():
        table.add_row(bloc, f"{row['derivatives']:,.1f}", _pct(row["share"]), _pct(row["download_weighted_share"]))
    out.print(table)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


@main.command()
@snapshot_option
@blocs_option
@db_option
@history_option
@engine_options
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON document (the contract the report renders).")
@click.option("--only", multiple=True, help="Compute only these indicators (repeatable).")
@reports_errors
def indicators(
    snapshot_dir: Path | None,
    bloc_map: Path | None,
    db: Path | None,
    history: Path | None,
    engine: str,
    parquet: str | None,
    as_json: bool,
    only: tuple[str, ...],
) -> None:
    """Compute the indicators; --json prints the document the report renders.

    Example: weightatlas indicators --json > indicators.json
    """
    from weightatlas.api import indicators_document

    doc = indicators_document(
        snapshot_dir=snapshot_dir, bloc_map=bloc_map, only=list(only) or None, db=db, history=history, engine=engine, parquet=parquet
    )
    if as_json:
        click.echo(json.dumps(doc, indent=1, default=str))
    else:
        _print_summary(doc)


@main.command()
@snapshot_option
@blocs_option
@db_option
@history_option
@engine_options
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("weightatlas-report"), show_default=True, help="Folder for index.html and indicators.json.")
@reports_errors
def report(
    snapshot_dir: Path | None, bloc_map: Path | None, db: Path | None, history: Path | None, engine: str, parquet: str | None, out: Path
) -> None:
    """Write the self-contained HTML scorecard (works offline, no CDN).

    Example: weightatlas report --out weightatlas-report
    """
    from weightatlas.api import build_report

    started = time.perf_counter()
    result = build_report(out, snapshot_dir=snapshot_dir, bloc_map=bloc_map, db=db, history=history, engine=engine, parquet=parquet)
    _print_summary(result.document)
    out.mkdir(parents=True, exist_ok=True)
    out_path = result.html_path
    err.print(f"report written to [bold]{for_terminal(out_path)}[/] in {time.perf_counter() - started:.1f} s")


@main.command()
@click.option("--endpoint", default=None, help="Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co). Token from $HF_TOKEN, never logged or stored.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None, help="DuckDB file to crawl into (default: ~/.local/share/weightatlas/hub.duckdb).")
@click.option("--pipeline-tag", "pipeline_tags", multiple=True, help="Only repos with this pipeline tag (repeatable: one listing each).")
@click.option("--author", "authors", multiple=True, help="Only repos of this namespace (repeatable).")
@click.option("--filter", "filters", multiple=True, help="Hub tag filter, e.g. base_model:Qwen/Qwen2.5-7B (repeatable, ANDed).")
@click.option("--created-since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Stop at repos created before this date.")
@click.option("--max-requests", type=click.IntRange(min=1), default=None, help="Stop after this many HTTP requests, retries, redirects and config.json fetches included (resumable).")
@click.option("--incremental", is_flag=True, help="Only repos modified since the last complete crawl (sorted by lastModified, stops early).")
@click.option("--configs", type=click.Choice(["known", "all", "none"]), default="known", show_default=True, help="Fetch config.json for repos of known organisations, all repos, or none.")
@click.option("--max-rps", type=click.FloatRange(min=0.01), default=None, help="Request budget (requests per second); the server's RateLimit headers are honoured as well.")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True, help="Models per listing page (the `limit` parameter).")
@click.option("--max-wait", type=click.FloatRange(min=0), default=300.0, show_default=True, help="Longest wait (seconds) the server may ask for (Retry-After, RateLimit reset); beyond it the crawl stops, state saved (exit 3).")
@click.option("--max-page-bytes", type=click.IntRange(min=1024), default=32 * 2**20, show_default=True, help="Largest response body accepted; a bigger page stops the crawl, state saved (exit 3).")
@click.option("--request-deadline", type=click.FloatRange(min=0.1), default=120.0, show_default=True, help="Seconds one request may take in total, however slowly the server sends; then it counts as a timeout.")
@reports_errors
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
    max_wait: float,
    max_page_bytes: int,
    request_deadline: float,
) -> None:
    """Crawl the Hugging Face Hub model listing into a DuckDB file; rerun to resume.

    Example: weightatlas crawl --pipeline-tag text-generation --created-since 2026-01-01 --max-requests 200
    """
    from weightatlas.hub.client import CrawlStopped
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
        max_wait=max_wait,
        max_page_bytes=max_page_bytes,
        request_deadline=request_deadline,
    )
    try:
        summary = run_crawl(options)
    except CrawlStopped as exc:
        # Gave up, refused an unsafe link or redirect, waited too long, page too large, database
        # busy: whatever was committed stays, and rerunning resumes (exit 3, as documented).
        fail("stopped", exc, code=3)
    verb = "resumed and " if summary.resumed else ""
    out.print(
        f"crawl snapshot {summary.snapshot_id} {verb}{summary.status}: {summary.pages:,} pages, {summary.items:,} models read "
        f"({summary.models_per_second:,.0f}/s), {summary.stored:,} stored, {summary.edges:,} lineage edges, "
        f"{summary.quarantined:,} quarantined, {summary.requests:,} requests ({summary.retries} retried), "
        f"{summary.configs_fetched:,} configs, {summary.features:,} feature rows, in {summary.seconds:.1f} s -> {for_terminal(options.db)}"
    )
    for reason, n in summary.quarantine_reasons.items():
        out.print(f"  quarantined: {for_terminal(reason)}: {n:,}")
    if summary.status == "stopped":
        out.print("  stopped at the request budget; run the same command again to continue")


@main.command("export-parquet")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), required=True, help="The crawled DuckDB file (weightatlas crawl) to export.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Empty folder for one Parquet folder per Hub table (then copy it to s3a:// or gs://).")
@reports_errors
def export_parquet(db: Path, out: Path) -> None:
    """Write a crawl database's Hub tables as Parquet for `indicators --engine spark --parquet DIR`.

    Example: weightatlas export-parquet --db hub.duckdb --out hub-parquet
    """
    from weightatlas.engine.export import export_parquet as run_export

    counts = run_export(db, out)
    err.print(f"wrote {sum(counts.values()):,} rows in {len(counts)} tables under [bold]{for_terminal(out)}[/]")


@main.command()
@click.option("--curated", "folder", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None, help="Folder of curated tables to check (default: the package's data/curated).")
@reports_errors
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
            for problem in r.errors:  # the loader's first problem, then every rejected source URL
                out.print(f"[bold red]error[/] {one_line(problem)}", highlight=False, soft_wrap=True)
    bad = sum(not r.ok for r in results)
    if bad:
        err.print(f"[bold red]{bad} table{'s' if bad > 1 else ''} failed validation[/]")
        sys.exit(2)
    out.print(f"all {len(results)} curated tables valid")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless told otherwise); it joins the Host-header allow-list.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port to listen on.")
@snapshot_option
@blocs_option
@db_option
@reports_errors
def serve(host: str, port: int, snapshot_dir: Path | None, bloc_map: Path | None, db: Path | None) -> None:
    """Serve the local dashboard and its read-only JSON API (/api, OpenAPI at /api/openapi.json).

    Example: weightatlas serve --port 8000   (then open http://127.0.0.1:8000/)
    """
    from weightatlas.web import app as web_app

    def announce() -> None:  # once the snapshot and database opened: a bad --db is one line, no announcement
        err.print(f"weightatlas dashboard on http://{for_terminal(host)}:{port}/ (Ctrl-C stops it)", highlight=False)

    web_app.serve(host=host, port=port, snapshot_dir=snapshot_dir, db=db, bloc_map=bloc_map, on_start=announce)


@main.group()
def check() -> None:
    """Check weightatlas against outside figures."""


@check.command("literature")
@snapshot_option
@click.option("--table", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="A literature.csv to use instead of the packaged one.")
@click.option("--json", "as_json", is_flag=True, help="Print the panel as JSON.")
@reports_errors
def check_literature(snapshot_dir: Path | None, table: Path | None, as_json: bool) -> None:
    """Published figures recomputed the publisher's way: theirs, ours, difference, status.

    Exits 1 when a row's status differs from its committed expected status.

    Example: weightatlas check literature
    """
    from weightatlas.api import literature_check

    panel = literature_check(snapshot_dir=snapshot_dir, table=table)
    if as_json:
        click.echo(json.dumps(panel, indent=2, ensure_ascii=False, default=str))
    else:
        _print_literature(panel)
    if panel["changed"]:
        err.print(f"[bold red]status changed:[/] {for_terminal(', '.join(panel['changed']))}", highlight=False, soft_wrap=True)
        sys.exit(1)


def _print_literature(panel: dict[str, Any]) -> None:
    table = DataTable(title="Literature check: published figures vs weightatlas", expand=True)
    for header in ("id", "unit", "theirs", "ours", "diff", "tol", "status", "expected", "why"):
        table.add_column(header, overflow="fold", ratio={"id": 2, "why": 5}.get(header, 1))
    for r in panel["rows"]:
        status = r["status"] + (" (CHANGED)" if r["status_changed"] else "")
        table.add_row(r["id"], r["unit"], _num(r["theirs"]), _num(r["ours"]), _num(r["difference"]), _num(r["tolerance"]), status, r["expected_status"], r["why"] or "")
    out.print(table)
    out.print(for_terminal(panel["summary"]), highlight=False)
    out.print(for_terminal(panel["snapshot_note"]), highlight=False, soft_wrap=True)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:,.4g}"


def _print_manifest(manifest: dict[str, Any]) -> None:
    out.print(f"[bold]weightatlas snapshot {for_terminal(manifest['snapshot_date'])}[/]  content hash {for_terminal(manifest['content_hash'])}")
    table = DataTable(title="sources")
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
    tables = DataTable(title="tables")
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


def _print_verdict(doc: dict[str, Any]) -> None:
    """The verdict cards in one table, then the overall reading (rules: data/curated/verdict_rules.csv)."""
    verdict = doc.get("verdict")
    if not verdict:
        return
    table = DataTable(title=verdict["question"])
    for col in ("card", "points to", "headline", "trend", "evidence", "as of"):
        table.add_column(col, justify="left")
    for card in verdict["cards"]:
        stale = " (stale)" if card["stale"] else ""
        table.add_row(card["title"], card["points_to"].replace("_", "-"), card["headline"]["display"], card["trend"]["direction"].replace("_", " "), card["evidence"]["strength"], f"{card['as_of'] or '-'}{stale}")
    out.print(table)
    out.print(for_terminal(verdict["overall"]["statement"]))
    for line in verdict["overall"]["disagreements"]:
        out.print("  " + for_terminal(line))


def _print_summary(doc: dict[str, Any]) -> None:
    _print_verdict(doc)
    gap = doc["indicators"].get("capability_gap", {})
    table = DataTable(title="Capability gap, China (CN) vs United States (US), latest month")
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


def _print_history_summary(adoption: dict[str, Any]) -> None:
    """Monthly China/US/Europe download shares of the balanced panel (LLMs): raw, robust, leave-one-out."""
    dh = adoption.get("download_history", {})
    if not dh.get("available"):
        return
    panel = dh["variants"]["llm_only"]["balanced_panel"]
    table = DataTable(title=f"Hub downloads, LLMs, balanced panel ({panel['repos']} repos from {panel['start']}; Hugging Face Hub only): share raw / robust / leave-one-out")
    table.add_column("month")
    for b in ("China", "United States", "Europe"):
        table.add_column(b, justify="right")
    for m in panel["monthly"]:
        cells = []
        for b in ("China", "United States", "Europe"):
            c = m["by_bloc"].get(b, {})
            cells.append(" / ".join("-" if c.get(k) is None else f"{c[k]:.1%}" for k in ("share", "share_robust", "share_loo")))
        table.add_row(m["period"], *cells)
    out.print(table)
    runs = dh["quality"]["flagged_runs"]
    if runs:
        top = runs[0]
        out.print(f"{len(runs)} flagged burst runs; largest: {for_terminal(top['repo_id'])} {top['start']} to {top['end']} ({top['days']} days, {top['downloads']:,} downloads)")


def _print_hub_summary(doc: dict[str, Any]) -> None:
    ind = doc["indicators"]
    blocs = doc.get("meta", {}).get("bloc_map", {}).get("blocs", [])
    if "adoption" in ind:
        _print_history_summary(ind["adoption"])
        sample = ind["adoption"]["hub_sample"]
        table = DataTable(title=f"Adoption: 30-day download share by bloc ({sample['source']})")
        for col in ("population", "models", *blocs):
            table.add_column(col, justify="left" if col == "population" else "right")
        for pop_id, pop in sample["populations"].items():
            share = pop.get("share_30d") or {}
            table.add_row(pop_id, str(pop["models"]), *[f"{share['by_bloc'][b]['share']:.1%}" if share else "-" for b in blocs])
        variant = sample["derivative_share"]["variants"]["all_relations"]
        table.add_row("derivatives by root", f"{variant['derivatives']:,.0f}", *[f"{(variant['overall'][b]['share'] or 0):.1%}" for b in blocs])
        out.print(table)
    if "collaboration" in ind:
        ai = ind["collaboration"]["authentic_index"]
        if ai["overall"] is not None:
            out.print(f"Authentic collaboration index: {ai['overall']:.1%} ({ai['substantive_cross_border']:,.1f} substantive cross-border of {ai['all_by_known_orgs']:,.1f} derivatives by known organisations)")
    if "regional" in ind and "sovereign" in ind["regional"]:
        sov = ind["regional"]["sovereign"]
        parts = ", ".join(f"{for_terminal(o)} {v['share']:.0%}" for o, v in sov["by_origin"].items())
        out.print(f"Sovereign and regional projects ({sov['projects']} versions): base model from {parts}")
    _print_claims_summary(ind)


def _print_claims_summary(ind: dict[str, Any]) -> None:
    if "diffusion" in ind:
        diff = ind["diffusion"]
        # Every "earliest"/"first" here is scoped to the table's population, never the world.
        table = DataTable(title=f"Architecture diffusion, {diff['population']['scope']}: earliest release and first adopter per bloc, lag in months")
        for col in ("feature", "earliest in table", "bloc", "prior art", "first adopters (lag months)"):
            table.add_column(col)
        for f in diff["features"]:
            origin = f["originator"]
            if origin is None:
                continue
            adopters = ", ".join(f"{SHORT_BLOC.get(b, b)} {a['lag_months']:.1f}" for b, a in f["first_adopters"].items())
            prior = "; ".join(f"{p['model']} {p['date'][:7]}" for p in f.get("prior_art", []))
            table.add_row(f["feature"], origin["model"], SHORT_BLOC.get(origin["bloc"], origin["bloc"]), prior or "-", adopters or "-")
        out.print(table)
        for statement in diff["direction"].get("statements", []):
            out.print("Direction: " + for_terminal(statement))
    if "efficiency" in ind:
        eff = ind["efficiency"]
        fit = eff["pooled_fit"]
        if fit:
            parts = ", ".join(
                f"{for_terminal(SHORT_BLOC.get(b, b))} {r['mean_residual_eci']:+.1f} (n={r['models']})" for b, r in eff["efficiency_residual"].items() if r
            )
            out.print(f"Compute efficiency: ECI per 10x training FLOP {fit['eci_per_oom']:.1f} (R² {fit['r2']:.2f}, {fit['models']} models); mean residual ECI {parts}")
    if "regulation" in ind:
        reg = ind["regulation"]
        d = reg["counts"]["by_direction"]
        out.print(
            f"Policy events: {reg['population']['events_in_figures']} in {reg['population']['jurisdictions']} jurisdictions "
            f"({', '.join(f'{for_terminal(k)} {v}' for k, v in d.items())})"
        )
        index = reg["restrictiveness"]["jurisdictions"]
        parts = ", ".join(
            f"{for_terminal(index[g]['label'])} {index[g]['latest']['net']:+d} ({index[g]['latest']['net_binding']:+d} binding)" for g in ("US", "EU", "CN") if g in index
        )
        out.print(f"Restrictiveness index (restrict minus enable events, {for_terminal(reg['restrictiveness']['through'])}): {parts}")
        results = [r for s in reg["event_study"]["studies"] for r in s["results"]]
        estimated = [r for r in results if r["status"] == "estimated"]
        placebo_ok = [r for r in estimated if r.get("placebo", {}).get("p_value", 1) < 0.05]
        out.print(
            f"Event studies: {len(estimated)} of {len(results)} event x series pairs estimated ({len(results) - len(estimated)} too thin); "
            f"{len(placebo_ok)} with a jump larger than 95% of placebo dates"
        )
    usage = ind.get("inference_usage")
    if usage and usage["series"]:
        parts = "; ".join(
            f"{for_terminal(source.removeprefix('openrouter_'))} {sm['first_week']} to {sm['last_week']}: China {sm['china_share_first']:.0%} -> {sm['china_share_last']:.0%}, "
            f"open weights {sm['open_weights_share_first']:.0%} -> {sm['open_weights_share_last']:.0%} (N {'-'.join(str(n) for n in (min(s['n_models_per_week']), max(s['n_models_per_week'])))})"
            for source, s in usage["series"].items()
            for sm in (s["summary"],)
        )
        out.print(f"OpenRouter tokens among the listed models (two sources, not one series): {parts}")


def _fmt_figure(value: Any) -> str:
    """A figure before or after a change: whole numbers as such, small shares with their significant digits."""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return _fmt(value)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)
