"""Resumable, incremental crawls of the Hub's model listing into a DuckDB file.

One run = one *crawl snapshot*. The listing is walked page by page with the
server's ``rel="next"`` URLs; each page is appended to ``hub_raw`` and the next
URL is written to ``crawl_checkpoints`` **in the same transaction**, so a process
killed at any moment (SIGKILL included) loses at most the page in flight. Running
the same command again finds the unfinished snapshot for the same endpoint and
query and continues from its checkpoint; ``ingest.finalize`` then merges every
staged page, deduplicated, into ``hub_models`` / ``hub_edges`` / ``hub_downloads``.

* Full crawls sort by ``createdAt`` (new repos land behind the cursor and do not
  disturb it; hub-api.md §5). ``--created-since`` stops at that date.
* ``--incremental`` sorts by ``lastModified`` and stops at the previous complete
  snapshot's high-water mark (minus a two-day overlap).
* ``--max-requests`` stops cleanly at a page boundary; the snapshot stays resumable.
  Every HTTP request counts (retries, redirects and ``config.json`` fetches too).
* A next-page link back to a page already fetched in this crawl stops it
  (:class:`~weightatlas.hub.client.RepeatedLink`) instead of looping; the client
  refuses links to other origins, waits past ``--max-wait``, pages over
  ``--max-page-bytes`` and requests past ``--request-deadline`` (see ``client.py``).
  Each such stop is a :class:`~weightatlas.hub.client.CrawlStopped`: what was
  committed stays, the snapshot is left ``stopped`` and rerunning resumes.
* The database file is opened before anything is fetched: another process holding it
  raises :class:`DatabaseBusy`; a file that is not a DuckDB database, or a path that
  cannot be created, raises :class:`~weightatlas.errors.InputError`.
* The next page is fetched in a background thread while the current one is
  written, so network and database work overlap.
* ``config.json`` is then fetched, once per (repo, commit sha), for repos of known
  developer organisations (``configs="all"`` for every repo, ``"none"`` to skip),
  and architecture features are extracted from it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import duckdb

from weightatlas.errors import InputError
from weightatlas.hub.client import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_PAGE_BYTES,
    DEFAULT_MAX_WAIT,
    LIST_EXPAND,
    CrawlStopped,
    HubClient,
    Page,
    RateLimiter,
    RepeatedLink,
    redact_url,
)
from weightatlas.hub.ingest import Ingestor, MalformedPage, finalize
from weightatlas.hub.repo_id import is_valid_repo_id
from weightatlas.hub.schema import HUB_FLOOR, ensure_schema, next_snapshot_id
from weightatlas.hub.schema import connect as schema_connect
from weightatlas.progress import console as progress_console
from weightatlas.progress import make_progress
from weightatlas.safe_text import for_terminal

INCREMENTAL_OVERLAP = timedelta(days=2)
MAX_PAGE_RETRIES = 3  # a page that keeps arriving malformed


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "weightatlas" / "hub.duckdb"


@dataclass
class CrawlOptions:
    db: Path
    endpoint: str | None = None
    pipeline_tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    created_since: date | None = None
    max_requests: int | None = None
    incremental: bool = False
    configs: Literal["known", "all", "none"] = "known"
    max_rps: float | None = None
    page_size: int | None = 1000
    max_wait: float = DEFAULT_MAX_WAIT
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    request_deadline: float = DEFAULT_DEADLINE

    def subqueries(self) -> list[dict[str, Any]]:
        """One listing per (pipeline tag, author) pair; filters apply to all."""
        base: dict[str, Any] = {"sort": "lastModified" if self.incremental else "createdAt", "expand": list(LIST_EXPAND)}
        if self.page_size:
            base["limit"] = self.page_size
        if self.filters:
            base["filter"] = list(self.filters)
        out = []
        for tag in self.pipeline_tags or (None,):
            for author in self.authors or (None,):
                q = dict(base)
                if tag:
                    q["pipeline_tag"] = tag
                if author:
                    q["author"] = author
                out.append(q)
        return out

    def query_json(self) -> str:
        """The query identity used to find a resumable snapshot (no token, ever)."""
        return json.dumps(
            {
                "subqueries": self.subqueries(),
                "created_since": self.created_since.isoformat() if self.created_since else None,
                "mode": "incremental" if self.incremental else "full",
            },
            sort_keys=True,
        )


@dataclass
class CrawlSummary:
    snapshot_id: int
    status: str
    resumed: bool
    pages: int = 0
    items: int = 0
    stored: int = 0
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    edges: int = 0
    requests: int = 0
    retries: int = 0
    configs_fetched: int = 0
    features: int = 0
    seconds: float = 0.0

    @property
    def models_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


class DatabaseBusy(CrawlStopped):
    """Another process (a crawl, or a reader) holds the database file."""


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the crawl database; one clear error for each way that can fail."""
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(db, f"cannot create its folder: {exc.strerror or exc}") from None
    if db.is_dir():
        raise InputError(db, "is a directory, not a database file")
    # A large checkpoint threshold keeps DuckDB from folding the WAL into the file every
    # few pages: each page commit stays a WAL append (still durable), and the fold happens
    # once, at the end. The memory limit keeps a million-model finalize well under 1.5 GB.
    try:
        con = schema_connect(str(db), temp_dir=db.parent / ".wa-duckdb-tmp", checkpoint_threshold="2GB")
    except duckdb.Error as exc:
        message = str(exc)
        if "Could not set lock" in message or "Conflicting lock" in message:
            # DuckDB allows one writer, or any number of readers, per file across processes.
            pid = re.search(r"\(PID (\d+)\)", message)
            holder = f" (PID {pid[1]})" if pid else ""
            raise DatabaseBusy(f"another process holds {db}{holder}; try again when it ends") from None
        if "not a valid DuckDB database" in message:
            raise InputError(db, "exists but is not a DuckDB database; name a new file or a database written by weightatlas crawl") from None
        raise InputError(db, f"cannot be opened as a DuckDB database: {message.splitlines()[0] if message else type(exc).__name__}") from None
    except OSError as exc:
        raise InputError(db, f"cannot be opened: {exc.strerror or exc}") from None
    try:
        ensure_schema(con)
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(db, f"cannot hold the crawl tables (is it another program's database, or read-only?): {first}") from None
    return con


def crawl(
    options: CrawlOptions,
    *,
    client: HubClient | None = None,
    config_client: HubClient | None = None,
    is_known_author: Callable[[str], bool] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    show_progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> CrawlSummary:
    """Run (or resume) one crawl snapshot; see the module docstring.

    ``notify`` receives one-line messages about long waits (default: printed on stderr,
    escaped for the terminal).
    """
    started = now()
    notify = notify or _print_notice
    # The client first: a bad endpoint is refused before the database is touched.
    own_client = client is None
    client = client or _client_for(options, notify)
    if options.max_requests is not None:
        client.max_requests = options.max_requests
    try:
        con = connect(options.db)  # the file lock makes this the only writer, so its scratch files left over are stale
    except BaseException:
        if own_client:
            client.close()
        raise
    scratch_prefix = f".{options.db.name}.page-"
    try:
        for stale in options.db.parent.glob(f"{scratch_prefix}*.json"):
            stale.unlink(missing_ok=True)
        snapshot_id, resumed = _open_snapshot(con, options, client.endpoint or "", started)
        summary = CrawlSummary(snapshot_id=snapshot_id, status="running", resumed=resumed)
        source = f"hub:{client.endpoint}"
        try:
            ingestor = Ingestor(con, snapshot_id, scratch_dir=options.db.parent, scratch_prefix=scratch_prefix)
        except OSError as exc:
            raise InputError(options.db.parent, f"cannot write a scratch file next to the database: {exc.strerror or exc}") from None
        try:
            stopped = _walk(con, client, ingestor, options, summary, started, show_progress)
        finally:
            ingestor.close()
            result = finalize(con, snapshot_id, source=source, now=now())
            summary.stored = result.stored
            summary.edges = result.edges
            summary.requests = client.requests
            summary.retries = client.retries
            _update_snapshot(con, snapshot_id, status="stopped", requests=client.requests)
        if not stopped and options.configs != "none":
            cfg_client = config_client or _client_for(options, notify)
            budget = None if options.max_requests is None else max(0, options.max_requests - client.requests)
            if budget is not None:
                cfg_client.max_requests = cfg_client.requests + budget  # retries count against it too
            fetched, features = fetch_configs(con, cfg_client, mode=options.configs, is_known_author=is_known_author, budget=budget, now=now)
            summary.configs_fetched, summary.features = fetched, features
            summary.requests += cfg_client.requests
            if config_client is None:
                cfg_client.close()
        summary.status = "stopped" if stopped else "complete"
        summary.seconds = (now() - started).total_seconds()
        reasons = con.execute("SELECT reason, count(*) FROM quarantine WHERE snapshot_id = ? GROUP BY 1 ORDER BY 2 DESC", [snapshot_id]).fetchall()
        summary.quarantine_reasons = {_reason_class(r): 0 for r, _ in reasons}
        for r, n in reasons:
            summary.quarantine_reasons[_reason_class(r)] += n
        summary.quarantined = sum(n for _, n in reasons)
        _update_snapshot(con, snapshot_id, status=summary.status, requests=summary.requests - client.requests, finished=now() if not stopped else None)
        return summary
    finally:
        con.close()
        if own_client:
            client.close()


def _client_for(options: CrawlOptions, notify: Callable[[str], None]) -> HubClient:
    return HubClient(
        endpoint=options.endpoint,
        limiter=RateLimiter(max_per_second=options.max_rps),
        max_wait=options.max_wait,
        max_page_bytes=options.max_page_bytes,
        deadline=options.request_deadline,
        notify=notify,
    )


def _print_notice(message: str) -> None:
    # Through the progress bar's console, so the line lands above a live bar.
    progress_console.print(for_terminal(message), highlight=False, soft_wrap=True)


def _reason_class(reason: str) -> str:
    # "field 'downloads': expected ..." -> "field 'downloads'"; keeps the summary short.
    return reason.split(":")[0] if reason.startswith("field") else reason.split(" in tag ")[0].split(" createdAt")[0].split(" lastModified")[0]


def _open_snapshot(con: duckdb.DuckDBPyConnection, options: CrawlOptions, endpoint: str, started: datetime) -> tuple[int, bool]:
    query = options.query_json()
    row = con.execute(
        "SELECT snapshot_id FROM crawl_snapshots WHERE endpoint = ? AND query = ? AND status IN ('running', 'stopped') "
        "ORDER BY snapshot_id DESC LIMIT 1",
        [endpoint, query],
    ).fetchone()
    if row:
        con.execute("UPDATE crawl_snapshots SET status = 'running' WHERE snapshot_id = ?", [row[0]])
        return int(row[0]), True
    high_water = None
    if options.incremental:
        prev = con.execute(
            "SELECT max(last_modified) FROM hub_models WHERE last_seen_snapshot IN "
            "(SELECT snapshot_id FROM crawl_snapshots WHERE endpoint = ? AND status = 'complete')",
            [endpoint],
        ).fetchone()
        high_water = prev[0] if prev and prev[0] else None
    next_id = next_snapshot_id(con)
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, endpoint, query, mode, status, source, high_water) "
        "VALUES (?, ?, ?, ?, ?, 'running', 'hub-crawl', ?)",
        [next_id, started.replace(tzinfo=None), endpoint, query, "incremental" if options.incremental else "full", high_water],
    )
    return int(next_id), False


def _update_snapshot(con: duckdb.DuckDBPyConnection, snapshot_id: int, *, status: str, requests: int = 0, finished: datetime | None = None) -> None:
    con.execute(
        "UPDATE crawl_snapshots SET status = ?, finished_at = ?, requests = requests + ?, "
        "pages = (SELECT coalesce(sum(pages_done), 0) FROM crawl_checkpoints WHERE snapshot_id = ?), "
        "models = (SELECT count(*) FROM hub_models WHERE last_seen_snapshot = ?), "
        "quarantined = (SELECT count(*) FROM quarantine WHERE snapshot_id = ?) WHERE snapshot_id = ?",
        [status, finished.replace(tzinfo=None) if finished else None, requests, snapshot_id, snapshot_id, snapshot_id, snapshot_id],
    )


def _walk(
    con: duckdb.DuckDBPyConnection,
    client: HubClient,
    ingestor: Ingestor,
    options: CrawlOptions,
    summary: CrawlSummary,
    started: datetime,
    show_progress: bool,
) -> bool:
    """Walk every sub-query's listing; returns True if stopped early by the request budget."""
    snap = summary.snapshot_id
    high_water = con.execute("SELECT high_water FROM crawl_snapshots WHERE snapshot_id = ?", [snap]).fetchone()[0]  # type: ignore[index]
    lower = _lower_bound(options, high_water)
    key_col = '"lastModified"' if options.incremental else '"createdAt"'
    top = started.replace(tzinfo=None)
    span = max(1.0, (top - lower).total_seconds())
    progress = make_progress()
    if not show_progress:
        progress.disable = True
    fetched: set[str] = set()  # every listing URL requested in this run: a link back to one would loop
    with progress, ThreadPoolExecutor(max_workers=1, thread_name_prefix="wa-fetch") as pool:
        task = progress.add_task("crawling the Hub", total=span, unit="models")
        for query in options.subqueries():
            query_key = json.dumps(query, sort_keys=True)
            row = con.execute(
                "SELECT next_url, done, pages_done, items_done FROM crawl_checkpoints WHERE snapshot_id = ? AND query_key = ?", [snap, query_key]
            ).fetchone()
            if row and row[1]:
                continue
            url: str | None = row[0] if row else client.list_url(query)
            pages_done, items_done = (row[2], row[3]) if row else (0, 0)
            if row is None:
                con.execute(
                    "INSERT INTO crawl_checkpoints VALUES (?, ?, ?, false, 0, 0, ?)",
                    [snap, query_key, url, datetime.now(timezone.utc).replace(tzinfo=None)],
                )
            pending: Future[Page] | None = None
            while url:
                if pending is None:
                    if _budget_spent(client, options):
                        return True
                    fetched.add(url)
                    pending = pool.submit(client.get_page, url)
                page = pending.result()
                pending = None
                page = _stage_with_refetch(ingestor, client, page, pages_done)
                next_url = page.next_url
                repeated = next_url is not None and next_url in fetched
                if next_url and not repeated and not _budget_spent(client, options):
                    fetched.add(next_url)
                    pending = pool.submit(client.get_page, next_url)  # overlap the next request with this write
                bounded = options.incremental or options.created_since is not None
                # The oldest date on the page: needed to stop at a bound; otherwise only for the
                # progress bar, so read it every tenth page.
                oldest = None
                if bounded or pages_done % 10 == 0:
                    oldest_created, oldest_modified = ingestor.oldest()
                    oldest = oldest_modified if options.incremental else oldest_created
                reached_bound = bool(bounded and oldest is not None and oldest < lower)
                if reached_bound:
                    ingestor.drop_older(key_col, lower)
                done = next_url is None or reached_bound
                con.execute("BEGIN TRANSACTION")
                n = ingestor.append(pages_done)
                pages_done += 1
                items_done += n
                con.execute(
                    "UPDATE crawl_checkpoints SET next_url = ?, done = ?, pages_done = ?, items_done = ?, updated_at = ? "
                    "WHERE snapshot_id = ? AND query_key = ?",
                    [None if done else next_url, done, pages_done, items_done, datetime.now(timezone.utc).replace(tzinfo=None), snap, query_key],
                )
                con.execute("COMMIT")
                summary.pages += 1
                summary.items += n
                if oldest is not None:
                    progress.update(task, completed=min(span, max(0.0, (top - oldest).total_seconds())))
                progress.update(task, description=f"crawling the Hub: {summary.pages:,} pages, {summary.items:,} models, {client.retries} retries")
                if repeated and not done:
                    # This page is committed (its checkpoint names the repeated link, on the endpoint's
                    # own origin); following the link would fetch the same pages forever.
                    raise RepeatedLink(
                        f"the server's next-page link repeats a page already fetched in this crawl ({redact_url(next_url)}); "
                        "stopping so the crawl does not loop, the crawl state is saved"
                    )
                if done:
                    if pending is not None:
                        pending.cancel()
                        pending = None
                    break
                url = next_url
        progress.update(task, completed=span)
    return False


def _stage_with_refetch(ingestor: Ingestor, client: HubClient, page: Page, page_no: int) -> Page:
    """Stage a page (returned, refetched if need be); a body that looked complete but does not parse is fetched again."""
    for attempt in range(MAX_PAGE_RETRIES):
        try:
            ingestor.stage_bytes(page.body, page_no)
            return page
        except MalformedPage:
            if attempt == MAX_PAGE_RETRIES - 1:
                raise
            page = client.get_page(page.url)
    raise AssertionError("unreachable")


def _budget_spent(client: HubClient, options: CrawlOptions) -> bool:
    return options.max_requests is not None and client.requests >= options.max_requests


def _lower_bound(options: CrawlOptions, high_water: datetime | None) -> datetime:
    if options.incremental and high_water:
        return high_water - INCREMENTAL_OVERLAP
    if options.created_since:
        return datetime(options.created_since.year, options.created_since.month, options.created_since.day)
    return HUB_FLOOR


# -- config.json and architecture features -------------------------------------------


def fetch_configs(
    con: duckdb.DuckDBPyConnection,
    client: HubClient,
    *,
    mode: Literal["known", "all"],
    is_known_author: Callable[[str], bool] | None,
    budget: int | None,
    now: Callable[[], datetime],
) -> tuple[int, int]:
    """Fetch ``config.json`` once per (repo, sha) and extract features; returns (fetched, features)."""
    from weightatlas.hub.features import extract_features

    candidates = con.execute(
        """SELECT m.id, coalesce(m.sha, 'main'), m.author FROM hub_models m
           LEFT JOIN hub_configs c ON c.repo_id = m.id AND c.sha = coalesce(m.sha, 'main')
           WHERE c.repo_id IS NULL AND NOT coalesce(m.is_gguf, false)
           ORDER BY m.downloads DESC NULLS LAST, m.id"""
    ).fetchall()
    # Ids stored by versions that did not check them yet are skipped, never requested.
    candidates = [c for c in candidates if is_valid_repo_id(c[0])]
    if mode == "known":
        known = is_known_author or _known_author_predicate()
        candidates = [c for c in candidates if c[2] and known(c[2])]
    fetched = features = 0
    progress = make_progress()
    with progress:
        task = progress.add_task("fetching config.json", total=len(candidates), unit="configs")
        for repo_id, sha, _author in candidates:
            if budget is not None and client.requests >= budget:
                break
            status, body, _headers = client.get_file(repo_id, "config.json", revision=sha)
            text = body.decode("utf-8", "replace") if status == 200 else None
            stamp = now().replace(tzinfo=None)
            con.execute("INSERT OR REPLACE INTO hub_configs VALUES (?, ?, ?, ?, ?)", [repo_id, sha, status, text, stamp])
            fetched += 1
            if text is not None:
                try:
                    config = json.loads(text)
                except ValueError:
                    config = None
                if isinstance(config, dict):
                    _store_features(con, repo_id, sha, extract_features(config, origin="config.json"))
                    features += 1
            progress.advance(task)
    return fetched, features


def _store_features(con: duckdb.DuckDBPyConnection, repo_id: str, sha: str, f: Any) -> None:
    con.execute("DELETE FROM hub_features WHERE repo_id = ?", [repo_id])
    con.execute(
        "INSERT INTO hub_features VALUES (?, ?, 'config.json', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            repo_id, sha, f.model_type, f.architecture, f.moe, f.moe_routed_experts, f.moe_active_experts, f.moe_shared_experts,
            f.fine_grained_moe, f.attention, f.gqa_ratio, f.mla, f.mtp, f.sliding_window, f.hybrid_attention, f.qk_norm,
            f.rope_scaling_type, f.context_length, f.quant_method, json.dumps(f.provenance, sort_keys=True),
        ],
    )


def _known_author_predicate() -> Callable[[str], bool]:
    from weightatlas.attribution import load_attribution

    attribution = load_attribution()
    return lambda author: attribution.developer_for_namespace(author) is not None
