"""End to end over the committed snapshot: contract, traceability, report, and freshness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import vl_convert
from click.testing import CliRunner

from weightatlas.api import indicators_document
from weightatlas.cli import main
from weightatlas.report import build_view, write_report
from weightatlas.snapshot import build_snapshot
from weightatlas.store import SNAPSHOT_DIR, Store


@pytest.fixture(scope="module")
def document() -> dict:
    return indicators_document()


def test_embedded_snapshot_is_committed_with_manifest() -> None:
    assert (SNAPSHOT_DIR / "manifest.json").is_file()
    with Store.open() as store:
        m = store.manifest
        assert m["tables"]["scores"]["rows"] > 10_000
        assert all(s["licence"] for s in m["sources"])


def test_json_contract_shape(document: dict) -> None:
    assert set(document) >= {"snapshot", "indicators"}
    cg = document["indicators"]["capability_gap"]
    assert "eci" in cg and "lmarena_text" in cg
    for series_id, s in cg.items():
        for key in ("frontier", "gap", "catch_up", "population", "sources", "caveats"):
            assert key in s, (series_id, key)
        for key in ("events", "open", "mean_lag_months", "min_lag_months", "max_lag_months"):
            assert key in s["catch_up"], (series_id, key)
        for p in s["frontier"]:
            assert re.fullmatch(r"\d{4}-\d{2}", p["month"]) and {"bloc", "score", "model"} <= set(p)
        for g in s["gap"]:
            assert {"month", "leader", "points", "percent"} <= set(g)
        for e in s["catch_up"]["events"]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["release_date"])
            assert {"model", "release_date"} <= set(e["matched_by"]) and isinstance(e["lag_months"], float)
    for snap in cg["lmarena_text"]["snapshots"]:
        assert {"date", "top", "gap_points", "gap_percent"} <= set(snap)


def test_every_figure_traces_to_a_score_row(document: dict) -> None:
    with Store.open() as store:
        refs = {r["ref"] for r in store.rows("SELECT DISTINCT ref FROM scores")}
    for series_id, s in document["indicators"]["capability_gap"].items():
        for p in s["frontier"]:
            assert p["ref"] in refs, (series_id, p)
        for e in s["catch_up"]["events"]:
            assert e["ref"] in refs and e["matched_by"]["ref"] in refs


def test_independent_and_self_reported_never_share_a_series(document: dict) -> None:
    with Store.open() as store:
        flags = {(r["ref"], r["benchmark"]): r["independent"] for r in store.rows("SELECT ref, benchmark, independent FROM scores")}
    for series_id, s in document["indicators"]["capability_gap"].items():
        expected = s["kind"] == "independent"
        for p in s["frontier"]:
            assert flags[(p["ref"], s["benchmark"])] is expected, series_id


def test_eci_catch_up_has_records_and_lags(document: dict) -> None:
    cu = document["indicators"]["capability_gap"]["eci"]["catch_up"]
    assert cu["n_records"] >= 5 and cu["mean_lag_months"] is not None
    assert cu["min_lag_months"] <= cu["mean_lag_months"] <= cu["max_lag_months"]


def test_cli_json_equals_library_document(document: dict) -> None:
    result = CliRunner().invoke(main, ["indicators", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(json.dumps(document, default=str))


def test_report_is_self_contained(tmp_path: Path, document: dict) -> None:
    result = write_report(document, tmp_path)
    html = result.html_path.read_text()
    assert "<script src=" not in html and "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "vegaEmbed" in html
    for s in document["indicators"]["capability_gap"].values():
        assert s["name"].replace("'", "&#39;") in html
    for src in document["snapshot"]["sources"]:
        assert src["licence"].replace("'", "&#39;") in html
    assert json.loads(result.json_path.read_text())["snapshot"]["content_hash"] == document["snapshot"]["content_hash"]


def test_chart_specs_render_to_svg(document: dict) -> None:
    _, specs = build_view(document)
    for chart_id in ("overview", "eci-frontier", "eci-gap", "lmarena_text-snap"):
        svg = vl_convert.vegalite_to_svg(specs[chart_id])
        assert svg.lstrip().startswith("<svg"), chart_id
        if not chart_id.endswith("gap"):
            assert "China" in svg, chart_id


def test_cli_report_prints_summary_and_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").is_file()
    assert "Capability gap" in result.output and "index.html" in result.output


def test_cli_snapshot_info() -> None:
    result = CliRunner().invoke(main, ["snapshot", "info", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["content_hash"] == Store.open().manifest["content_hash"]


def test_cli_custom_bloc_map_changes_attribution(tmp_path: Path) -> None:
    path = tmp_path / "blocs.csv"
    path.write_text("country,bloc\nCN,China\nUS,United States\nGB,United States\nFR,United States\n")
    doc = indicators_document(bloc_map=path)
    assert doc["meta"]["bloc_map"]["source"] == "blocs.csv"  # the file name: output must not depend on the folder
    blocs = {p["bloc"] for p in doc["indicators"]["capability_gap"]["eci"]["frontier"]}
    assert "Europe" not in blocs


@pytest.mark.shared_data
def test_committed_snapshot_matches_a_fresh_build(shared_data: Path, tmp_path: Path) -> None:
    """Code, curated tables and raw data all pinned: rebuilding must reproduce the committed tables."""
    manifest = build_snapshot(shared_data, tmp_path / "snap")
    committed = json.loads((SNAPSHOT_DIR / "manifest.json").read_text())
    assert {k: v["sha256"] for k, v in manifest["tables"].items()} == {k: v["sha256"] for k, v in committed["tables"].items()}
    assert manifest["content_hash"] == committed["content_hash"]
