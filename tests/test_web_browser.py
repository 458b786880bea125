"""The dashboard in a real browser: uvicorn on a free loopback port, headless Debian chromium via Playwright.

Reuses the report browser test's helpers (chromium path and flags, the skip-or-fail rule, the
console recorder). Checks: the page loads with no console or page errors and no request
off its own origin; the verdict section comes first; the chart panes render; changing a
filter (the date range) updates both a chart and the table; screenshots are saved (copied to
``$WA_SHOTS`` when set, like the report's).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_report_browser import VIEWPORT, PageCheck, browser, record  # noqa: F401  (browser is a fixture)

TIMEOUT_MS = 120_000  # a first indicator document takes a few seconds, more on a busy machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(browser: Any) -> Iterator[str]:  # noqa: F811  (after the browser: without chromium nothing starts)
    import uvicorn

    from weightatlas.web import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _pane_rows(page: Any, chart_id: str) -> int:
    return int(page.get_attribute(f'.pane[data-chart="{chart_id}"]', "data-rows"))


@pytest.fixture(scope="module")
def visit(server: str, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # noqa: F811
    """Open the dashboard once, change the date range, and record what the browser saw."""
    shots = tmp_path_factory.mktemp("dashboard-shots")
    check = PageCheck()
    page = browser.new_page(viewport=VIEWPORT)
    seen: dict[str, Any] = {"check": check, "shots": {}}
    try:
        record(page, check, allowed_prefix=server)
        page.goto(server + "/", wait_until="load")
        page.wait_for_selector('body[data-refreshes="1"]', timeout=TIMEOUT_MS)
        seen["section_order"] = page.evaluate("() => Array.from(document.querySelectorAll('main > section')).map(s => s.id)")
        seen["cards"] = page.locator("#verdict article.verdict-card").count()
        seen["verdict_text"] = page.inner_text("#verdict")
        seen["panes"] = page.evaluate("() => Array.from(document.querySelectorAll('.pane')).map(p => [p.dataset.chart, !!p.querySelector('.chart svg')])")
        seen["aria"] = page.evaluate("() => Array.from(document.querySelectorAll('.pane .chart')).map(c => c.getAttribute('aria-label'))")
        seen["rows_before"] = _pane_rows(page, "eci-frontier")
        seen["total_before"] = int(page.get_attribute("#t-table", "data-total"))
        seen["links"] = page.evaluate("() => Array.from(document.querySelectorAll('#t-table a')).map(a => a.getAttribute('href'))")
        seen["shots"]["first-screen"] = shots / "dashboard-first-screen.png"
        page.screenshot(path=str(seen["shots"]["first-screen"]))
        # Keyboard only: focus the date field, type a date, submit with Enter.
        page.focus("#f-from")
        page.keyboard.type("01012025")  # chromium's date field takes the digits in the locale's order (en-US: mm dd yyyy)
        page.keyboard.press("Enter")
        page.wait_for_selector('body[data-refreshes="2"]', timeout=TIMEOUT_MS)
        seen["date_value"] = page.input_value("#f-from")
        seen["rows_after"] = _pane_rows(page, "eci-frontier")
        seen["total_after"] = int(page.get_attribute("#t-table", "data-total"))
        page.click('.pane[data-chart="eci-frontier"] button')
        page.wait_for_selector("#rows-eci-frontier table", timeout=TIMEOUT_MS)
        seen["rows_table"] = page.inner_text("#rows-eci-frontier caption")
        seen["shots"]["filtered"] = shots / "dashboard-filtered.png"
        page.screenshot(path=str(seen["shots"]["filtered"]), full_page=True)
    finally:
        page.close()
    copy_to = os.environ.get("WA_SHOTS")
    if copy_to:
        Path(copy_to).mkdir(parents=True, exist_ok=True)
        for shot in seen["shots"].values():
            shutil.copy(shot, Path(copy_to) / shot.name)
    return seen


def test_the_dashboard_logs_no_errors_and_fetches_nothing_elsewhere(visit: dict[str, Any]) -> None:
    check = visit["check"]
    assert check.page_errors == [] and check.console_errors == []
    assert check.outside_requests == []


def test_the_verdict_comes_first(visit: dict[str, Any]) -> None:
    assert visit["section_order"][0] == "verdict"
    assert visit["cards"] >= 8 or "No verdict cards" in visit["verdict_text"]


def test_the_chart_panes_render_with_text_alternatives(visit: dict[str, Any]) -> None:
    panes = dict(visit["panes"])
    assert panes and all(panes.values()), panes
    assert "eci-frontier" in panes
    assert all(visit["aria"])


def test_a_date_filter_updates_a_chart_and_the_table(visit: dict[str, Any]) -> None:
    assert visit["date_value"] == "2025-01-01"
    assert 0 < visit["rows_after"] < visit["rows_before"]
    assert 0 < visit["total_after"] < visit["total_before"]
    assert str(visit["rows_after"]) in visit["rows_table"]


def test_table_rows_link_to_their_sources(visit: dict[str, Any]) -> None:
    assert visit["links"] and all(h.startswith(("https://", "http://")) for h in visit["links"])


def test_screenshots_are_saved(visit: dict[str, Any]) -> None:
    assert all(p.stat().st_size > 0 for p in visit["shots"].values())
