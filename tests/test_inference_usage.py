"""OpenRouter usage: both ranking adapters, attribution, and ``indicators.inference_usage``.

Hand-made fixtures (tests/fixtures/shared_data/johnbean393__openrouter-inference-stats
and kimjonh__kimstore) with known answers: the Sunday-to-Monday run-day switch, the
kimstore week from ``fetched_at``, ``:free`` aggregation, stealth models, zero
breakdowns, the week-on-week drivers; bad input exits 2 naming file, line and field.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.errors import InputError
from weightatlas.indicators import build_document
from weightatlas.snapshot import build_snapshot
from weightatlas.sources import openrouter_johnbean393 as johnbean, openrouter_kimstore as kimstore
from weightatlas.store import Store

JB = "johnbean393__openrouter-inference-stats"
KIM = "kimjonh__kimstore"


def test_week_is_the_iso_week_before_the_run_day_across_the_sunday_monday_switch(fixture_data: Path) -> None:
    rows = johnbean.read_rows(fixture_data)
    weeks = {r.week_label: r.week_start for r in rows}
    # Sunday runs cover Sunday..Saturday: six of the seven days are in the ISO week starting the next day.
    assert weeks["2026-02-01"] == date(2026, 1, 26)
    assert weeks["2026-02-08"] == date(2026, 2, 2)
    # A Monday run covers the previous ISO week exactly: consecutive weeks, no gap at the switch.
    assert weeks["2026-02-16"] == date(2026, 2, 9)


def test_author_is_the_slug_prefix_and_zero_breakdowns_are_flagged(fixture_data: Path) -> None:
    rows = johnbean.read_rows(fixture_data)
    mimo = [r for r in rows if r.model_key.startswith("xiaomi/")]
    assert {r.author for r in mimo} == {"xiaomi"}
    assert {r.model_key: r.is_free for r in mimo} == {"xiaomi/mimo-v2-flash-20251210:free": True, "xiaomi/mimo-v2-flash-20251210": False}
    assert {r.model for r in mimo} == {"xiaomi/mimo-v2-flash-20251210"}
    missing = sorted((r.week_label, r.model_key) for r in rows if r.breakdown_missing)
    assert missing == [("2026-02-08", "xiaomi/mimo-v2-flash-20251210"), ("2026-02-16", "deepseek/deepseek-v3.2-20251201")]
    assert johnbean.coverage(rows)["rows_breakdown_missing"] == 2
    assert rows[0].ref == f"{JB}/data/2026-02-01.json:12"


def test_kimstore_week_comes_from_fetched_at_not_the_label(fixture_data: Path) -> None:
    rows = kimstore.read_rows(fixture_data)
    weeks = {r.week_label: r.week_start for r in rows}
    assert weeks == {"2026-W21": date(2026, 5, 25), "2026-W22": date(2026, 6, 1)}
    assert kimstore.coverage(rows)["labels_disagreeing_with_fetched_at"] == ["2026-W21", "2026-W22"]
    # The market_share block (per author, another basis) is never read as a model row.
    assert "anthropic" not in {r.model_key for r in rows}
    assert sum(r.total_tokens for r in rows if r.week_label == "2026-W21") == 1000 * 10**9
    assert {r.model_key: r.stealth for r in rows if r.author == "openrouter"} == {"openrouter/Owl Alpha": True}


@pytest.fixture(scope="module")
def usage(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from conftest import FIXTURE_DATA

    snap = tmp_path_factory.mktemp("usage") / "snap"
    build_snapshot(FIXTURE_DATA, snap)
    with Store.open(snap) as store:
        table = store.rows("SELECT * FROM inference_usage ORDER BY source, week_start, rank")
        doc = build_document(store, only=["inference_usage"])
    return {"table": table, "doc": doc["indicators"]["inference_usage"], "snap": snap}


def _week(usage: dict, source: str, week: str) -> dict:
    return next(w for w in usage["doc"]["series"][source]["weeks"] if w["week_start"] == week)


def test_rows_are_attributed_with_their_open_weight_source(usage: dict) -> None:
    by_key = {(r["source"], r["week_start"].isoformat(), r["model_key"]): r for r in usage["table"]}
    ds = by_key[("openrouter_johnbean393", "2026-01-26", "deepseek/deepseek-v3.2-20251201")]
    assert (ds["org_id"], ds["bloc"], ds["open_weights"], ds["stealth"]) == ("deepseek", "China", True, False)
    assert ds["open_weights_source"].startswith("Interconnects-AI__tracked-models/models.csv:")
    free = by_key[("openrouter_johnbean393", "2026-02-02", "xiaomi/mimo-v2-flash-20251210:free")]
    assert (free["org_id"], free["open_weights"], free["is_free"]) == ("xiaomi", True, True)
    assert free["open_weights_source"].startswith("anomalyco__models.dev/models/xiaomi/mimo-v2-flash.toml")
    stealth = by_key[("openrouter_johnbean393", "2026-01-26", "openrouter/polaris-alpha")]
    assert (stealth["org_id"], stealth["bloc"], stealth["open_weights"], stealth["stealth"]) == (None, "Unknown", None, True)
    hy3 = by_key[("openrouter_kimstore", "2026-06-01", "tencent/Hy3 (free)")]
    assert (hy3["org_id"], hy3["bloc"], hy3["open_weights"]) == ("tencent", "China", None)  # not read: blank, never guessed


def test_shares_among_listed_models_with_free_variants_joined(usage: dict) -> None:
    w1 = _week(usage, "openrouter_johnbean393", "2026-01-26")
    assert (w1["n_models"], w1["n_listed_variants"]) == (3, 3)
    assert {b: v["share"] for b, v in w1["bloc_share"].items() if v["tokens"]} == {"China": 0.3, "United States": 0.6, "Unknown": 0.1}
    assert {c: v["share"] for c, v in w1["open_weights_share"].items()} == {"open": 0.3, "closed": 0.6, "unknown": 0.1}
    assert w1["stealth_share"]["share"] == 0.1
    assert w1["match_rate_tokens"] == {"developer": 0.9, "open_weights": 0.9}
    w2 = _week(usage, "openrouter_johnbean393", "2026-02-02")
    assert (w2["n_models"], w2["n_listed_variants"]) == (3, 4)  # :free and paid MiMo are one model
    mimo = next(m for m in w2["models"] if m["model"] == "xiaomi/mimo-v2-flash-20251210")
    assert (mimo["tokens"], mimo["share"]) == (300 * 10**9, 0.3)
    assert w2["bloc_share"]["China"]["share"] == 0.6
    assert w2["bloc_x_open_weights"]["China"]["open"]["share"] == 0.6
    k2 = _week(usage, "openrouter_kimstore", "2026-06-01")
    assert k2["n_models"] == 4 and k2["bloc_share"]["China"]["share"] == 0.6
    assert {c: v["share"] for c, v in k2["open_weights_share"].items()} == {"open": 0.5, "closed": 0.4, "unknown": 0.1}


def test_drivers_decompose_the_week_on_week_move_exactly(usage: dict) -> None:
    drivers = _week(usage, "openrouter_johnbean393", "2026-02-02")["drivers"]["china_share"]
    # China 0.3 -> 0.6: MiMo enters with 0.3 (x 0.7), Gemini loses 0.2 (x -0.3), the stealth model leaves with 0.1 (x -0.3).
    assert drivers["change"] == 0.3
    assert [(d["model"], d["contribution"], d["status"]) for d in drivers["top"]] == [
        ("xiaomi/mimo-v2-flash-20251210", 0.21, "entered the list"),
        ("google/gemini-2.5-flash", 0.06, "listed both weeks"),
        ("openrouter/polaris-alpha", 0.03, "left the list"),
    ]
    assert "drivers" not in _week(usage, "openrouter_johnbean393", "2026-01-26")


def test_the_two_sources_are_two_series_with_a_splice_caveat(usage: dict) -> None:
    doc = usage["doc"]
    assert set(doc["series"]) == {"openrouter_johnbean393", "openrouter_kimstore"}
    assert doc["splice"]["last_week_before"] == "2026-02-09"
    assert doc["splice"]["first_week_after"] == "2026-05-25"
    assert "never joined into one line" in doc["splice"]["note"]
    assert any("not of all OpenRouter traffic" in c for c in doc["caveats"])


def test_an_older_snapshot_without_the_table_opens_with_it_empty(tmp_path: Path, fixture_data: Path) -> None:
    build_snapshot(fixture_data, tmp_path / "snap", usage_sources=[])
    assert not (tmp_path / "snap" / "inference_usage.parquet").exists()
    with Store.open(tmp_path / "snap") as store:
        assert store.rows("SELECT count(*) AS n FROM inference_usage") == [{"n": 0}]
        doc = build_document(store, only=["inference_usage"])
    assert doc["indicators"]["inference_usage"]["series"] == {}


def test_cli_summary_line_names_both_sources_apart_with_n(usage: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from weightatlas import cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=300))
    cli._print_claims_summary({"inference_usage": usage["doc"]})
    assert buffer.getvalue().strip() == (
        "OpenRouter tokens among the listed models (two sources, not one series): johnbean393 2026-01-26 to 2026-02-09: "
        "China 30% -> 50%, open weights 30% -> 50% (N 2-3); kimstore 2026-05-25 to 2026-06-01: China 50% -> 60%, "
        "open weights 50% -> 50% (N 3-4)"
    )


def test_report_section_chart_and_cli_line(usage: dict, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--snapshot", str(usage["snap"]), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert "OpenRouter tokens among the listed models (two sources, not one series): johnbean393 2026-01-26 to 2026-02-09: China 30% -> 50%" in line
    html = (tmp_path / "r" / "index.html").read_text()
    assert 'id="inference-usage"' in html and "chart-inference-usage" in html
    assert "Two sources, never one line." in html


@pytest.mark.parametrize(
    ("relpath", "old", "new", "line", "field"),
    [
        (f"{JB}/data/2026-02-08.json", '"total_tokens": 300000000000', '"total_tokens": "300B"', 24, "total_tokens"),
        (f"{JB}/data/2026-02-08.json", '"slug": "google/gemini-2.5-flash"', '"slug": "gemini"', 12, "slug"),
        (f"{JB}/data/2026-02-16.json", '"date": "2026-02-16"', '"date": "16/02/2026"', 2, "date"),
        (f"{KIM}/data/openrouter_rankings/rankings_2026-W22.json", '"tokens": 100000000000', '"tokens": -1', 24, "tokens"),
        (f"{KIM}/data/openrouter_rankings/rankings_2026-W22.json", '"fetched_at": "2026-06-01T21:08:28.093759+00:00"', '"fetched_at": "2026-05-30T10:00:00+00:00"', 3, "fetched_at"),
    ],
)
def test_bad_input_is_one_line_exit_2_naming_file_line_field(
    fixture_data: Path, tmp_path: Path, relpath: str, old: str, new: str, line: int, field: str
) -> None:
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    path = root / relpath
    text = path.read_text()
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        build_snapshot(root, tmp_path / "snap")
    assert (Path(info.value.path).name, info.value.line, info.value.field) == (path.name, line, field)
    result = CliRunner().invoke(main, ["snapshot", "build", "--from", str(root), "--out", str(tmp_path / "snap")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = [ln for ln in result.output.splitlines() if path.name in ln]
    assert message and f"line {line}" in message[0] and repr(field) in message[0]
    assert not (tmp_path / "snap").exists()


@pytest.mark.shared_data
def test_real_rankings_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    manifest = build_snapshot(shared_data, tmp_path / "snap")
    assert manifest["tables"]["inference_usage"]["by_source"] == {"openrouter_johnbean393": 247, "openrouter_kimstore": 213}
    assert manifest["imports"]["openrouter_johnbean393"]["weeks"] == 26
    assert manifest["imports"]["openrouter_kimstore"]["weeks"] == 11
    for source in ("openrouter_johnbean393", "openrouter_kimstore"):
        assert manifest["imports"][source]["models_not_in_inference_models_csv"] == []
    with Store.open(tmp_path / "snap") as store:
        doc = build_document(store, only=["inference_usage"])["indicators"]["inference_usage"]
    jb = doc["series"]["openrouter_johnbean393"]
    weeks = [w["week_start"] for w in jb["weeks"]]
    assert weeks[0] == "2025-11-10" and weeks[-1] == "2026-05-04"
    assert len(set(weeks)) == 26 and "2026-02-09" in weeks  # consecutive across the Sunday-to-Monday switch
    assert jb["n_models_per_week"] == [8, 9, 10]
    kim = doc["series"]["openrouter_kimstore"]
    assert [w["week_start"] for w in kim["weeks"]][:2] == ["2026-05-25", "2026-06-01"]
    for series in (jb, kim):
        for w in series["weeks"]:
            assert abs(sum(v["share"] for v in w["bloc_share"].values()) - 1) < 0.002
            assert w["match_rate_tokens"]["developer"] >= 0.9
    assert doc["splice"]["last_week_before"] == "2026-05-04" and doc["splice"]["first_week_after"] == "2026-05-25"
    json.dumps(doc)  # the contract is plain JSON
