"""The crawler against the fake Hub on loopback: pages, faults, resume, kill -9, incremental, configs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import httpx2
import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.hub.client import GaveUp, HubClient, RateLimiter
from weightatlas.hub.crawl import CrawlOptions, crawl
from weightatlas.testing import OFFICIAL_ORGS, FakeHub, FakeHubSpec, SyntheticHub, subprocess_hub

N = 1500
PAGE = 100


def fast_client(url: str, **kw) -> HubClient:
    # Short backoff so fault tests run in seconds; the production defaults are in client.py.
    return HubClient(endpoint=url, backoff_base=0.01, backoff_max=0.05, limiter=RateLimiter(), **kw)


def options(db: Path, **kw) -> CrawlOptions:
    kw.setdefault("configs", "none")
    kw.setdefault("page_size", PAGE)
    return CrawlOptions(db=db, **kw)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def valid_ids(dataset: SyntheticHub) -> set[str]:
    out = set()
    for i in range(dataset.n):
        record = dataset.record(i)
        if dataset.plan.bad_kind(i) is None:
            out.add(record["id"])
    return out


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(SyntheticHub(N, seed=7))


def test_full_crawl_stores_every_model_once_with_lineage(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    with hub.serve() as url:
        summary = crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
    assert (summary.status, summary.pages, summary.items, summary.quarantined) == ("complete", N // PAGE, N, 0)
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]
    assert query(db, "SELECT count(*) = count(DISTINCT (child, parent)) FROM hub_edges")[0][0]
    # Every declared parent of the synthetic population is an edge, each pair once.
    expected = {(hub.dataset.model_id(i), p) for i in range(N) for p in hub.dataset.parent_ids(i)}
    assert set(query(db, "SELECT child, parent FROM hub_edges")) == expected
    # exl2 repacks carry the Hub's wrong "finetune" label; the checked relation says quantized.
    wrong = query(db, "SELECT count(*) FROM hub_edges WHERE child LIKE '%exl2%' AND relation_hub = 'finetune' AND relation = 'quantized'")
    assert wrong[0][0] > 0
    assert query(db, "SELECT status, mode, pages FROM crawl_snapshots") == [("complete", "full", N // PAGE)]
    assert query(db, "SELECT count(*) FROM hub_downloads WHERE snapshot_id = 1") == [(N,)]
    # Projection: fields come through typed (absent would be NULL, never 0).
    row = query(db, "SELECT author, created_at IS NOT NULL, tags IS NOT NULL, is_gguf IS NOT NULL FROM hub_models LIMIT 1")[0]
    assert row[0] and all(row[1:])


def test_second_crawl_builds_a_download_time_series(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    with hub.serve() as url:
        crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
        first = hub.dataset.model_id(5)
        hub.update(first, downloads=123456, downloadsAllTime=9_999_999)
        crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]
    series = query(db, "SELECT snapshot_id, downloads FROM hub_downloads WHERE model_id = ? ORDER BY 1", [first])
    assert [s for s, _ in series] == [1, 2] and series[1][1] == 123456
    assert query(db, "SELECT first_seen_snapshot, last_seen_snapshot FROM hub_models WHERE id = ?", [first]) == [(1, 2)]


def test_429_5xx_drops_truncation_and_repeats_are_survived(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    hub.inject("429", at_request=2, retry_after=1)
    hub.inject("503", at_request=4)
    hub.inject("500", at_request=6, times=2)
    hub.inject("drop", at_request=9)
    hub.inject("truncated", at_request=11)
    hub.inject("repeat_item", at_request=13)
    with hub.serve() as url:
        client = fast_client(url)
        started = time.monotonic()
        summary = crawl(options(db, endpoint=url), client=client, show_progress=False)
        elapsed = time.monotonic() - started
    assert summary.status == "complete" and client.retries >= 6
    assert hub.stats.rate_limited == 1 and elapsed >= 1.0  # waited for Retry-After
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]
    assert summary.items == N + 1  # the repeated item was read twice and stored once


def test_give_up_keeps_state_and_the_rerun_resumes(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    hub.inject("503", at_request=5, times=50)
    with hub.serve() as url:
        with pytest.raises(GaveUp, match="rerun the same command"):
            crawl(options(db, endpoint=url), client=fast_client(url, max_tries=3), show_progress=False)
        assert query(db, "SELECT status FROM crawl_snapshots") == [("stopped",)]
        committed = query(db, "SELECT pages_done FROM crawl_checkpoints")[0][0]
        assert 3 <= committed <= 4
        hub.clear_faults()
        hub.reset_stats()
        summary = crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
    assert summary.resumed and summary.status == "complete"
    assert hub.stats.pages == N // PAGE - committed  # no page fetched twice
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]


def test_max_requests_stops_cleanly_and_resumes(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    with hub.serve() as url:
        first = crawl(options(db, endpoint=url, max_requests=4), client=fast_client(url), show_progress=False)
        assert (first.status, first.pages, hub.stats.requests) == ("stopped", 4, 4)
        assert query(db, "SELECT count(*) FROM hub_models") == [(4 * PAGE,)]  # finalised on a clean stop
        second = crawl(options(db, endpoint=url, max_requests=4), client=fast_client(url), show_progress=False)
        assert second.resumed and second.pages == 4
        rest = crawl(options(db, endpoint=url, max_requests=4), client=fast_client(url), show_progress=False)
        while rest.status != "complete":
            rest = crawl(options(db, endpoint=url, max_requests=4), client=fast_client(url), show_progress=False)
    assert hub.stats.pages == N // PAGE
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]
    assert query(db, "SELECT count(*) FROM crawl_snapshots") == [(1,)]


def test_kill_9_mid_crawl_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    n, page = 6000, 50
    spec = FakeHubSpec(n=n, seed=3, page_size=page, prefetch=False)
    with subprocess_hub(spec) as url:
        cmd = [sys.executable, "-m", "weightatlas", "crawl", "--endpoint", url, "--db", str(db), "--configs", "none", "--page-size", str(page)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pages = httpx2.get(f"{url}/_fakehub/stats").json()["pages"]
            if pages >= 25:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        before = httpx2.get(f"{url}/_fakehub/stats").json()["pages"]
        assert before < n // page, "the crawl finished before it could be killed"
        rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "resumed and complete" in rerun.stdout
        after = httpx2.get(f"{url}/_fakehub/stats").json()["pages"]
    # At most the pages in flight at the kill are fetched twice.
    assert after - (n // page) <= 2
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(n, n)]
    assert query(db, "SELECT count(*) FROM hub_raw") == [(0,)]
    assert query(db, "SELECT status FROM crawl_snapshots") == [("complete",)]
    assert not list(tmp_path.glob(".hub.duckdb.page-*"))


def test_bad_records_are_quarantined_with_reasons(tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    dataset = SyntheticHub(2000, seed=11, bad_fraction=0.03)
    bad = [dataset.plan.bad_kind(i) for i in range(dataset.n)]
    # The generator can only give an unknown relation to a record that has a parent.
    bad = [
        None if b == "unknown_relation" and not any(":distill:" in t for t in dataset.record(i).get("tags", [])) else b
        for i, b in enumerate(bad)
    ]
    hub = FakeHub(dataset)
    with hub.serve() as url:
        summary = crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
    n_bad = sum(1 for b in bad if b)
    assert summary.status == "complete" and summary.quarantined == n_bad > 0
    reasons = dict(query(db, "SELECT split_part(reason, ' in tag', 1), count(*) FROM quarantine GROUP BY 1"))
    kinds = {k: bad.count(k) for k in set(bad) if k}
    assert reasons.get("missing id", 0) == kinds.get("missing_id", 0)
    assert reasons.get("record is not a JSON object (str)", 0) == kinds.get("non_object", 0)
    assert reasons.get("unknown lineage relation", 0) == kinds.get("unknown_relation", 0)
    assert reasons.get("absurd value: negative count", 0) == kinds.get("negative_downloads", 0)
    assert sum(n for r, n in reasons.items() if r.startswith("absurd value: createdAt")) == kinds.get("future_created", 0)
    assert query(db, "SELECT count(*) FROM hub_models") == [(dataset.n - n_bad,)]


def test_incremental_recrawls_only_what_changed_and_stops_early(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    with hub.serve() as url:
        crawl(options(db, endpoint=url), client=fast_client(url), show_progress=False)
        changed = hub.dataset.model_id(N - 10)  # an old repo, updated today
        hub.update(changed, lastModified=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"), downloads=777)
        hub.reset_stats()
        summary = crawl(options(db, endpoint=url, incremental=True), client=fast_client(url), show_progress=False)
    assert summary.status == "complete" and hub.stats.pages < N // PAGE
    assert query(db, "SELECT mode, high_water IS NOT NULL FROM crawl_snapshots WHERE snapshot_id = 2") == [("incremental", True)]
    assert query(db, "SELECT downloads, last_seen_snapshot FROM hub_models WHERE id = ?", [changed]) == [(777, 2)]
    assert query(db, "SELECT count(*), count(DISTINCT id) FROM hub_models") == [(N, N)]


def test_created_since_stops_at_the_date(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    cutoff_record = hub.dataset.record(N // 3)
    since = date.fromisoformat(cutoff_record["createdAt"][:10])
    with hub.serve() as url:
        summary = crawl(options(db, endpoint=url, created_since=since), client=fast_client(url), show_progress=False)
    assert summary.status == "complete" and summary.pages <= N // 3 // PAGE + 2
    assert query(db, "SELECT min(created_at) >= ? FROM hub_models", [datetime(since.year, since.month, since.day)]) == [(True,)]


def test_configs_are_fetched_once_per_commit_for_known_orgs(tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    hub = FakeHub(SyntheticHub(600, seed=5))
    known = set(OFFICIAL_ORGS)
    with hub.serve() as url:
        first = crawl(options(db, endpoint=url, configs="known"), client=fast_client(url), config_client=fast_client(url), is_known_author=known.__contains__, show_progress=False)
        hits_after_first = sum(hub.stats.resolver_hits.values())
        second = crawl(options(db, endpoint=url, configs="known"), client=fast_client(url), config_client=fast_client(url), is_known_author=known.__contains__, show_progress=False)
    official = query(db, "SELECT count(*) FROM hub_models WHERE author IN (SELECT unnest(?)) AND NOT is_gguf", [sorted(known)])[0][0]
    assert first.configs_fetched == official > 0 and hits_after_first == official
    assert second.configs_fetched == 0 and sum(hub.stats.resolver_hits.values()) == hits_after_first  # cached by (repo, sha)
    assert all(count == 1 for count in hub.stats.resolver_hits.values())
    statuses = dict(query(db, "SELECT status, count(*) FROM hub_configs GROUP BY 1"))
    assert statuses.get(200, 0) == first.features
    assert query(db, "SELECT count(*) FROM hub_features")[0][0] == first.features
    assert query(db, "SELECT count(*) FROM hub_features WHERE model_type IS NOT NULL")[0][0] > 0


def test_cli_crawl_reports_and_stops_at_budget(hub: FakeHub, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    with hub.serve() as url:
        result = CliRunner().invoke(main, ["crawl", "--endpoint", url, "--db", str(db), "--configs", "none", "--page-size", "100", "--max-requests", "2"])
    assert result.exit_code == 0, result.output
    assert "crawl snapshot 1 stopped: 2 pages, 200 models read" in result.output
    assert "run the same command again" in result.output


def test_cli_empty_listing_is_not_an_error(tmp_path: Path) -> None:
    hub = FakeHub(SyntheticHub(10, seed=1))
    with hub.serve() as url:
        result = CliRunner().invoke(main, ["crawl", "--endpoint", url, "--db", str(tmp_path / "x.duckdb"), "--filter", "x", "--pipeline-tag", "y"])
    assert result.exit_code == 0  # an empty listing is not an error
    assert "0 models read" in result.output
