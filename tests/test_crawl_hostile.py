"""The crawler against servers that misbehave (issue 9 §2): the token stays home, nothing hangs or crashes.

Each test scripts a loopback server (tests/hostile_hub.py) that speaks the Hub's list
wire format and then does one hostile thing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from hostile_hub import Reply, Seen, page, record, serving
from weightatlas.cli import main
from weightatlas.hub.client import CrawlStopped, GaveUp, HubClient, RateLimiter
from weightatlas.hub.crawl import CrawlOptions, crawl

TOKEN = "hf_test_secret_token"


def client(url: str, **kw) -> HubClient:
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("backoff_max", 0.05)
    return HubClient(endpoint=url, limiter=RateLimiter(), **kw)


def options(db: Path, url: str, **kw) -> CrawlOptions:
    kw.setdefault("configs", "none")
    return CrawlOptions(db=db, endpoint=url, **kw)


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def first_page(seen: Seen) -> bool:
    return "cursor=" not in seen.path


def crawl_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["crawl", "--configs", "none", *args])
    return result.exit_code, result.output


# -- 1. the token stays on its own origin ------------------------------------------------


@pytest.mark.parametrize("foreign", ["other_port", "localhost"])
def test_next_link_to_another_origin_is_refused_and_gets_no_token(tmp_path: Path, foreign: str) -> None:
    db = tmp_path / "hub.duckdb"
    with serving(lambda s: page([record(9)])) as other, serving(lambda s: Reply()) as home:
        target = other.url if foreign == "other_port" else f"http://localhost:{home.port}"
        home.script = lambda s: page([record(1), record(2)], f"{target}/api/models?cursor=NEXT") if first_page(s) else page([record(3)])
        with pytest.raises(CrawlStopped, match="origin"):
            crawl(options(db, home.url), client=client(home.url, token=TOKEN), show_progress=False)
        home_hosts = [s.headers.get("host") for s in home.seen]
    assert other.seen == []  # nothing at all went to the other origin
    assert all(h == f"127.0.0.1:{home.port}" for h in home_hosts)
    stored = [r[0] for r in query(db, "SELECT next_url FROM crawl_checkpoints")]
    assert stored and all(u.startswith(home.url) and "NEXT" not in u for u in stored)  # never a foreign checkpoint


def test_cli_refuses_a_foreign_next_link_with_exit_3(tmp_path: Path) -> None:
    with serving(lambda s: page([record(9)])) as other, serving(lambda s: Reply()) as home:
        home.script = lambda s: page([record(1)], f"{other.url}/api/models?cursor=X")
        code, output = crawl_cli("--endpoint", home.url, "--db", str(tmp_path / "h.duckdb"))
    assert code == 3 and other.seen == []
    assert "origin" in output and "Traceback" not in output


def test_redirect_to_another_origin_never_carries_the_token(tmp_path: Path) -> None:
    with serving(lambda s: page([record(1)])) as other, serving(lambda s: Reply()) as home:
        home.script = lambda s: Reply(302, b"", {"Location": f"{other.url}/api/models?x=1"})
        try:
            crawl(options(tmp_path / "h.duckdb", home.url), client=client(home.url, token=TOKEN), show_progress=False)
        except CrawlStopped:
            pass
        assert home.seen and home.seen[0].headers.get("authorization") == f"Bearer {TOKEN}"
    assert all("authorization" not in s.headers for s in other.seen)


def test_credentials_in_the_endpoint_are_refused_and_never_stored(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with serving(lambda s: page([record(1)])) as home:
        code, output = crawl_cli("--endpoint", f"http://alice:s3cret@127.0.0.1:{home.port}", "--db", str(db))
    assert code == 2, output
    assert "credentials" in output and "s3cret" not in output
    assert home.seen == []
    assert not db.exists() or "s3cret" not in db.read_bytes().decode("latin-1")


def test_userinfo_in_a_next_link_is_stripped_before_use_and_storage(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with serving(lambda s: Reply()) as home:
        home.script = lambda s: page([record(1)], f"http://bob:pw@127.0.0.1:{home.port}/api/models?cursor=2") if first_page(s) else page([record(2)])
        summary = crawl(options(db, home.url, max_requests=1), client=client(home.url), show_progress=False)
        assert summary.status == "stopped"
        stored = query(db, "SELECT next_url FROM crawl_checkpoints")[0][0]
        assert "bob" not in stored and "pw@" not in stored and stored.startswith(home.url)
        crawl(options(db, home.url), client=client(home.url), show_progress=False)
    assert all("authorization" not in s.headers for s in home.seen)


# -- 2. out-of-range numbers ----------------------------------------------------------------


def test_out_of_range_numbers_and_absurd_dates_are_quarantined_and_the_crawl_finishes(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    bad = [
        record(10, downloads=2**70),
        record(11, downloadsAllTime=2**63),
        record(12, likes=-(2**64)),
        record(13, downloads=-5),
        record(14, downloads=1e300),
        record(15, createdAt="9999-12-31T00:00:00.000Z"),
        record(16, createdAt="1970-01-01T00:00:00.000Z"),
        record(17, lastModified="+275760-09-13T00:00:00.000Z"),
        record(18, trendingScore=1e400),
        record(19, config={"max_position_embeddings": 1e400}),
    ]
    good = [record(1), record(2)]
    body = json.dumps(good + bad).replace("Infinity", "1e400").encode()
    with serving(lambda s: Reply(200, body, {"Content-Type": "application/json"})) as home:
        summary = crawl(options(db, home.url), client=client(home.url), show_progress=False)
        summary2 = crawl(options(db, home.url), client=client(home.url), show_progress=False)  # and every later run
    assert summary.status == summary2.status == "complete"
    assert summary.quarantined == len(bad) - 1  # trendingScore=inf is a valid (if odd) double; inf inside JSON is not
    assert {r[0] for r in query(db, "SELECT id FROM hub_models")} == {"org1/model-1", "org2/model-2", "org0/model-18"}


# -- 4. a next link that repeats ------------------------------------------------------------


@pytest.mark.parametrize("shape", ["self", "cycle"])
def test_a_next_link_back_to_a_fetched_page_stops_with_a_message(tmp_path: Path, shape: str) -> None:
    db = tmp_path / "h.duckdb"

    def script(s: Seen) -> Reply:
        if shape == "self" or "cursor=B" in s.path:
            return page([record(1)], f"{home.url}/api/models?cursor=A")
        return page([record(2)], f"{home.url}/api/models?cursor=B")

    with serving(script) as home:
        with pytest.raises(CrawlStopped, match="already fetched"):
            # --max-requests only as a safety net so a regression fails instead of hanging
            crawl(options(db, home.url, max_requests=40), client=client(home.url), show_progress=False)
        assert len(home.seen) <= 4
    assert query(db, "SELECT count(*) FROM hub_models")[0][0] >= 1  # what was read is kept


# -- 5. invalid endpoints and redirect loops ------------------------------------------------


@pytest.mark.parametrize("endpoint", ["ftp://hub.example", "127.0.0.1:8000", "http://", "https://:443/x", "http://host:99999"])
def test_invalid_endpoint_is_one_line_exit_2(tmp_path: Path, endpoint: str) -> None:
    code, output = crawl_cli("--endpoint", endpoint, "--db", str(tmp_path / "h.duckdb"))
    assert code == 2, output
    assert "endpoint" in output and "Traceback" not in output and len(output.strip().splitlines()) == 1


@pytest.mark.parametrize("loop", ["self", "endless"])
def test_redirect_loop_is_one_line_exit_3_and_not_retried(tmp_path: Path, loop: str) -> None:
    counter = iter(range(10**6))

    def script(s: Seen) -> Reply:
        target = "/api/models?loop=1" if loop == "self" else f"/api/models?hop={next(counter)}"
        return Reply(302, b"", {"Location": target})

    with serving(script) as home:
        code, output = crawl_cli("--endpoint", home.url, "--db", str(tmp_path / "h.duckdb"))
        n = len(home.seen)
    assert code == 3, output
    assert "redirect" in output and "Traceback" not in output
    assert n <= 21  # one redirect chain, not six


# -- 6. every request counts against --max-requests -----------------------------------------


def test_max_requests_counts_retries(tmp_path: Path) -> None:
    with serving(lambda s: Reply(503, b"busy")) as home:
        with pytest.raises(CrawlStopped):
            crawl(options(tmp_path / "h.duckdb", home.url, max_requests=1), client=client(home.url), show_progress=False)
        assert len(home.seen) == 1


def test_cli_max_requests_1_against_a_503_server_sends_exactly_1_request(tmp_path: Path) -> None:
    with serving(lambda s: Reply(503, b"busy")) as home:
        code, output = crawl_cli("--endpoint", home.url, "--db", str(tmp_path / "h.duckdb"), "--max-requests", "1")
        assert len(home.seen) == 1
    assert code == 3 and "Traceback" not in output


def test_config_fetches_and_their_retries_count_too(tmp_path: Path) -> None:
    def script(s: Seen) -> Reply:
        return page([record(1), record(2), record(3)]) if s.path.startswith("/api/models") else Reply(503, b"busy")

    with serving(script) as home:
        try:
            crawl(options(tmp_path / "h.duckdb", home.url, configs="all", max_requests=3), client=client(home.url),
                  config_client=client(home.url), show_progress=False)  # fmt: skip
        except CrawlStopped:
            pass
        assert len(home.seen) == 3


# -- 7. page size cap -----------------------------------------------------------------------


def test_a_page_over_the_size_cap_stops_with_state_saved(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    big = [record(i, tags=["x" * 200] * 20) for i in range(200)]  # ~900 KB

    with serving(lambda s: Reply()) as home:
        home.script = lambda s: page([record(1)], f"{home.url}/api/models?cursor=BIG") if first_page(s) else page(big)
        code, output = crawl_cli("--endpoint", home.url, "--db", str(db), "--max-page-bytes", "100000")
    assert code == 3, output
    assert "cursor=" in output and "100,000" in output and "Traceback" not in output
    assert query(db, "SELECT count(*) FROM hub_models")[0][0] == 1  # the first page is saved
    assert query(db, "SELECT next_url FROM crawl_checkpoints")[0][0].endswith("cursor=BIG")


# -- 8. a total deadline per request --------------------------------------------------------


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_dripping_server_hits_the_request_deadline(tmp_path: Path, where: str) -> None:
    body = json.dumps([record(1)]).encode()
    reply = Reply(200, body[:40] if where == "body" else b"[]", {"Content-Length": str(len(body))})
    if where == "body":
        reply.drip = 0.2  # 40 bytes: 8 s, each byte well inside the read timeout
    else:
        reply.drip_headers = 0.1  # ~100 header bytes: 10 s
    outcome: dict[str, object] = {}

    def run() -> None:
        c = client(home.url, deadline=1.0, max_tries=1)
        try:
            c.get_page(c.list_url({"sort": "createdAt"}))
            outcome["result"] = "finished"
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["result"] = exc

    with serving(lambda s: reply) as home:
        started = time.monotonic()
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(timeout=15)
        elapsed = time.monotonic() - started
    assert isinstance(outcome.get("result"), GaveUp), outcome
    assert "deadline" in str(outcome["result"])
    assert elapsed < 4


# -- 9. server text never drives the terminal -----------------------------------------------


def test_server_text_with_ansi_and_markup_is_neutralised(tmp_path: Path) -> None:
    evil = "\x1b[2J\x1b]0;pwned\x07[/][bold red]boom[/bold red] \x1b[31mred"
    with serving(lambda s: Reply(400, json.dumps({"error": evil}).encode(), {"Content-Type": "application/json"})) as home:
        code, output = crawl_cli("--endpoint", home.url, "--db", str(tmp_path / "h.duckdb"))
    assert code == 2, output
    assert "\x1b" not in output and "\x07" not in output
    assert "[/][bold red]boom[/bold red]" in output  # shown literally, not interpreted
    assert "Traceback" not in output


# -- 10. repo ids checked against the Hub's naming rules ------------------------------------


def test_invalid_repo_ids_and_parent_ids_are_quarantined(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    invalid = ["javascript:alert(6)", "a--b/c", ".hidden/x", "org/name.", "org/name.git", "x" * 97, "a/b/c", "org/na..me", "org/<script>", "-lead/x"]
    valid = ["gpt2", "org/fine", "Org_1/Model-7B.v2", "a" * 96 + "/" + "b" * 96]
    records = [record(i, id=rid) for i, rid in enumerate(invalid + valid)]
    records.append(record(100, id="org/child-bad-parent", tags=["base_model:javascript:alert(6)", "base_model:finetune:javascript:alert(6)"]))
    records.append(record(101, id="org/child-bad-parent2", tags=["base_model:org/x--y", "base_model:finetune:org/x--y"]))
    records.append(record(102, id="org/child-ok", tags=["base_model:org/fine", "base_model:finetune:org/fine"]))
    with serving(lambda s: page(records)) as home:
        summary = crawl(options(db, home.url), client=client(home.url), show_progress=False)
    assert summary.status == "complete"
    assert {r[0] for r in query(db, "SELECT id FROM hub_models")} == {*valid, "org/child-ok"}
    reasons = query(db, "SELECT model_id, reason FROM quarantine ORDER BY model_id")
    assert {m for m, r in reasons if r.startswith("invalid_repo_id")} == {*invalid, "org/child-bad-parent2"}
    assert summary.quarantine_reasons.get("invalid_repo_id", 0) == len(invalid) + 1
    assert query(db, "SELECT child, parent FROM hub_edges") == [("org/child-ok", "org/fine")]


# -- 11. the database file: busy, locked, not a database, unwritable ------------------------


def _hold(db: Path, read_only: bool) -> subprocess.Popen:
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(db)!r}, read_only={read_only})\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_database_held_by_another_process_is_one_line_exit_3(tmp_path: Path, read_only: bool) -> None:
    db = tmp_path / "h.duckdb"
    duckdb.connect(str(db)).close()
    holder = _hold(db, read_only)
    try:
        with serving(lambda s: page([record(1)])) as home:
            code, output = crawl_cli("--endpoint", home.url, "--db", str(db))
            assert home.seen == []  # nothing fetched when the database cannot be opened
    finally:
        holder.communicate("")
    assert code == 3, output
    assert "another process holds" in output and "try again" in output and "Traceback" not in output


def test_a_second_crawl_while_the_first_runs_is_told_to_wait(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    release = threading.Event()

    def slow(seen: Seen) -> Reply:
        release.wait(30)  # the first crawl holds the file while it waits for this page
        return page([record(1)])

    with serving(slow) as home:
        first = subprocess.Popen(
            [sys.executable, "-m", "weightatlas", "crawl", "--endpoint", home.url, "--db", str(db), "--configs", "none"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not home.seen and time.monotonic() < deadline:
                time.sleep(0.05)
            code, output = crawl_cli("--endpoint", home.url, "--db", str(db))
        finally:
            release.set()
            first.wait(timeout=60)
    assert code == 3, output
    assert "another process holds" in output and "Traceback" not in output
    assert first.returncode == 0


@pytest.mark.parametrize("kind", ["not_duckdb", "under_a_file", "a_directory"])
def test_a_bad_database_path_is_one_line_exit_2(tmp_path: Path, kind: str) -> None:
    if kind == "not_duckdb":
        db = tmp_path / "h.duckdb"
        db.write_text("this is not a database\n" * 100)
    elif kind == "under_a_file":
        (tmp_path / "file.txt").write_text("x")
        db = tmp_path / "file.txt" / "h.duckdb"
    else:
        db = tmp_path / "adir"
        db.mkdir()
    with serving(lambda s: page([record(1)])) as home:
        result = CliRunner().invoke(main, ["crawl", "--configs", "none", "--endpoint", home.url, "--db", str(db)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert str(db.name) in result.output and "Traceback" not in result.output


def test_cli_max_wait_stops_a_crawl_the_server_asks_to_sleep(tmp_path: Path) -> None:
    with serving(lambda s: Reply(429, b"slow down", {"Retry-After": "100000"})) as home:
        code, output = crawl_cli("--endpoint", home.url, "--db", str(tmp_path / "h.duckdb"), "--max-wait", "5")
        assert len(home.seen) == 1
    assert code == 3, output
    assert "100,000 s" in output and "--max-wait 5 s" in output and "Traceback" not in output
