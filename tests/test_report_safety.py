"""The report and the JSON document: portable, readable by others, and safe with tampered URLs."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from weightatlas.api import indicators_document
from weightatlas.cli import main
from weightatlas.report import TEMPLATES, build_view, render_html, write_report

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def document() -> dict:
    return indicators_document()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# ---------------------------------------------------------------- 3. portable JSON


def test_indicators_json_holds_no_absolute_or_machine_paths() -> None:
    result = CliRunner().invoke(main, ["indicators", "--json", "--only", "regulation"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    bad = [s for s in _strings(doc) if s.startswith("/") or str(REPO) in s or str(REPO.parent) in s]
    assert bad == [], bad[:3]
    bloc_map = doc["meta"]["bloc_map"]
    assert bloc_map["source"] == "curated/blocs.csv"
    assert re.fullmatch(r"[0-9a-f]{64}", bloc_map["sha256"])


def test_custom_bloc_map_is_named_by_file_name_and_digest(tmp_path: Path) -> None:
    blocs = tmp_path / "my-blocs.csv"
    blocs.write_text("country,bloc\nCN,China\nHK,China\nUS,United States\n")
    result = CliRunner().invoke(main, ["indicators", "--json", "--only", "regulation", "--blocs", str(blocs)])
    assert result.exit_code == 0, result.output
    bloc_map = json.loads(result.output)["meta"]["bloc_map"]
    assert bloc_map["source"] == "my-blocs.csv"
    import hashlib

    assert bloc_map["sha256"] == hashlib.sha256(blocs.read_bytes()).hexdigest()
    assert str(tmp_path) not in result.output


def test_crawl_database_is_named_without_its_folder(tmp_path: Path) -> None:
    import duckdb

    from weightatlas.hub.schema import ensure_schema

    db = tmp_path / "hub.duckdb"
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, endpoint, query, mode, status, source) "
        "VALUES (1, TIMESTAMP '2026-07-01', 'http://fake', '{}', 'full', 'complete', 'hub-crawl')"
    )
    con.close()
    result = CliRunner().invoke(main, ["indicators", "--json", "--only", "adoption", "--db", str(db)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["indicators"]["adoption"]["hub_sample"]["source"] == "crawl database hub.duckdb"
    assert [s for s in _strings(doc) if s.startswith("/") or str(tmp_path) in s] == []


# ---------------------------------------------------------------- 4. file modes


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_report_files_respect_the_umask(document: dict, tmp_path: Path, umask_022: None) -> None:
    result = write_report(document, tmp_path / "report")
    for path in (result.html_path, result.json_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, (path.name, oct(path.stat().st_mode))
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["index.html", "indicators.json"]


def test_report_files_respect_a_stricter_umask(document: dict, tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        result = write_report(document, tmp_path / "report")
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.html_path.stat().st_mode) == 0o600


# ---------------------------------------------------------------- 5. only http(s) links

EVIL = "javascript:alert(1)"
URL_KEYS = {"url", "source_url", "source_url_2", "source"}


def _tamper(value: Any) -> Any:
    """Every http(s) URL under a link key replaced by a javascript: URL."""
    if isinstance(value, dict):
        return {k: (EVIL if k in URL_KEYS and isinstance(v, str) and v.startswith("http") else _tamper(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_tamper(v) for v in value]
    return value


def test_tampered_urls_never_become_links(document: dict) -> None:
    tampered = _tamper(copy.deepcopy(document))
    assert tampered["snapshot"]["sources"][0]["url"] == EVIL  # the manifest
    assert any(e["source_url"] == EVIL for e in tampered["indicators"]["regulation"]["events"])  # a curated table
    page, _ = render_html(tampered)
    hrefs = re.findall(r"""href\s*=\s*["']([^"']*)["']""", page, flags=re.I)
    assert hrefs, "the page has links"
    bad = [h for h in hrefs if not re.match(r"(https?://|#)", html.unescape(h), flags=re.I)]
    assert bad == [], bad[:3]
    assert EVIL in page  # shown as plain text instead


def test_tampered_urls_never_reach_chart_links(document: dict) -> None:
    tampered = _tamper(copy.deepcopy(document))
    _, specs = build_view(tampered)
    checked = 0
    for spec in specs.values():
        href = spec.get("encoding", {}).get("href")
        if not href:
            continue
        field = href["field"]
        for datum in spec["data"]["values"]:
            value = datum.get(field)
            assert value is None or re.match(r"https?://", value), value
            checked += 1
    assert checked, "no chart with links was checked"


def test_every_template_link_goes_through_the_one_helper() -> None:
    for path in TEMPLATES.glob("*.j2"):
        for line_no, line in enumerate(path.read_text().splitlines(), start=1):
            for match in re.finditer(r"""href="([^"]*)\"""", line):
                assert match.group(1).startswith("#"), f"{path.name}:{line_no}: raw href {match.group(1)!r}; use the link filter"
