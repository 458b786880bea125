"""The capability-gap indicator end to end on a hand-made snapshot with known answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.indicators import build_document
from weightatlas.indicators import frontier as frontier_math
from weightatlas.indicators.frontier import DAYS_PER_MONTH, Obs
from weightatlas.snapshot import build_snapshot
from weightatlas.sources.base import ModelRow, ScoreRow, SourceInfo
from weightatlas.store import Store

SNAP = date(2025, 6, 30)


def info(source_id: str, independent: bool = True) -> SourceInfo:
    return SourceInfo(
        id=source_id,
        title=f"Test source {source_id}",
        url="https://example.org/" + source_id,
        licence="CC BY 4.0",
        snapshot_date=SNAP,
        folder="testdata",
        files=("dummy.txt",),
        description="hand-made rows for tests",
        independent=independent,
    )


def adapter(source_id: str, rows: list, independent: bool = True) -> SimpleNamespace:
    return SimpleNamespace(SOURCE=info(source_id, independent), read=lambda root: iter(rows))


# name, org, release date, accessibility, score on the test index
MODELS = [
    ("US-A", "OpenAI", "2023-03-01", "api", 100.0),
    ("US-B", "Anthropic", "2023-09-01", "api", 110.0),
    ("US-C", "Google DeepMind", "2024-06-01", "api", 120.0),
    ("US-D", "Meta AI", "2024-01-15", "open", 104.0),
    ("US-E", "OpenAI", "2024-11-01", "api", 121.0),
    ("CN-A", "DeepSeek", "2023-06-01", "open", 95.0),
    ("CN-B", "Alibaba", "2023-12-01", "open", 105.0),
    ("CN-C", "Moonshot", "2024-03-01", "open", 104.0),
    ("CN-D", "Zhipu AI", "2024-09-01", "api", 118.0),
    ("CN-E", "DeepSeek", "2025-01-20", "open", 125.0),
    ("FR-A", "Mistral AI", "2024-02-01", "open", 102.0),
]


def rows_for_index() -> list:
    out: list = []
    for i, (name, org, day, access, value) in enumerate(MODELS, start=2):
        ref = f"testdata/index.csv:{i}"
        out.append(ModelRow("test_index", ref, name, org_names=(org,), release_date=date.fromisoformat(day), accessibility=access))  # type: ignore[arg-type]
        out.append(ScoreRow("test_index", ref, name, "eci", value, SNAP, True, "test v1"))
    return out


def rows_self_reported() -> list:
    out: list = []
    for i, (name, _org, _day, _access, value) in enumerate(MODELS, start=2):
        out.append(ScoreRow("test_vendor", f"testdata/vendor.csv:{i}", name, "eci", value + 50, SNAP, False, "vendor"))
    return out


def rows_arena() -> list:
    # Two snapshots; CN-E is rated high in May and lower in June. The June frontier
    # must use the June snapshot only (no running maximum across snapshots).
    may = {"US-C": 1300, "US-E": 1310, "CN-D": 1290, "CN-E": 1320, "CN-B": 1200, "US-B": 1250}
    june = {"US-C": 1305, "US-E": 1330, "CN-D": 1280, "CN-E": 1300, "CN-B": 1190, "US-B": 1240}
    out: list = []
    for day, table in ((date(2025, 5, 20), may), (date(2025, 6, 25), june)):
        for name, rating in table.items():
            out.append(ScoreRow("test_arena", f"testdata/arena-{day}.json#{name}", name, "lmarena_text", rating, day, True, "arena test view", ci_low=rating - 5, ci_high=rating + 5))
    return out


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("data")
    (root / "testdata").mkdir()
    (root / "testdata" / "dummy.txt").write_text("x")
    out = root / "snap"
    build_snapshot(
        root,
        out,
        adapters=[adapter("test_index", rows_for_index()), adapter("test_vendor", rows_self_reported(), False), adapter("test_arena", rows_arena())],
        model_aliases=[],
        hub_importers=[],
    )
    with Store.open(out) as store:
        return build_document(store, load_attribution())


def lag(later: str, earlier: str) -> float:
    return round((date.fromisoformat(later) - date.fromisoformat(earlier)).days / DAYS_PER_MONTH, 2)


def test_series_split_by_independence(document: dict) -> None:
    cg = document["indicators"]["capability_gap"]
    assert {"eci", "eci.self_reported", "lmarena_text"} <= set(cg)
    assert cg["eci"]["kind"] == "independent" and cg["eci.self_reported"]["kind"] == "self_reported"
    assert max(p["score"] for p in cg["eci"]["frontier"]) == 125.0  # no +50 vendor claims mixed in
    assert max(p["score"] for p in cg["eci.self_reported"]["frontier"]) == 175.0


def test_frontier_per_bloc_per_month(document: dict) -> None:
    eci = document["indicators"]["capability_gap"]["eci"]
    frontier = {(p["month"], p["bloc"]): p for p in eci["frontier"]}
    assert frontier[("2024-03", "China")]["score"] == 105.0 and frontier[("2024-03", "China")]["model"] == "CN-B"
    assert frontier[("2024-03", "United States")]["score"] == 110.0
    assert frontier[("2024-03", "Europe")]["model"] == "FR-A"
    assert frontier[("2024-03", "China")]["ref"] == "testdata/index.csv:8"
    assert eci["frontier"][0]["month"] == "2023-06"  # first month both China and the US have a model


def test_gap_latest_month_points_and_percent(document: dict) -> None:
    eci = document["indicators"]["capability_gap"]["eci"]
    latest = eci["latest"]["gap"]
    assert latest["month"] == "2025-06"
    assert (latest["leader"], latest["points"], latest["reference_minus_challenger"]) == ("China", 4.0, -4.0)
    assert latest["percent"] == round(4 / 121 * 100, 3)


def test_catch_up_events_and_open_records(document: dict) -> None:
    cu = document["indicators"]["capability_gap"]["eci"]["catch_up"]
    events = {e["model"]: e for e in cu["events"]}
    assert list(events) == ["CN-A", "CN-B", "CN-D"]
    assert events["CN-A"]["matched_by"]["model"] == "US-A" and events["CN-A"]["lag_months"] == lag("2023-06-01", "2023-03-01")
    assert events["CN-B"]["matched_by"]["model"] == "US-B" and events["CN-B"]["lag_months"] == lag("2023-12-01", "2023-09-01")
    assert events["CN-D"]["matched_by"]["model"] == "US-C" and events["CN-D"]["lag_months"] == lag("2024-09-01", "2024-06-01")
    assert [e["model"] for e in cu["open"]] == ["CN-E"]
    lags = [events[m]["lag_months"] for m in ("CN-A", "CN-B", "CN-D")]
    assert cu["mean_lag_months"] == round(sum(lags) / 3, 2)
    assert (cu["min_lag_months"], cu["max_lag_months"]) == (min(lags), max(lags))
    assert cu["n_open"] == 1


def test_open_vs_closed_cuts(document: dict) -> None:
    cuts = document["indicators"]["capability_gap"]["eci"]["cuts"]
    assert set(cuts) == {"open_vs_closed", "cn_open_vs_us_closed", "us_open_vs_us_closed"}
    cn_open = cuts["cn_open_vs_us_closed"]
    assert cn_open["population"] == {"China open weights": 4, "US closed": 4}
    # CN-D is Chinese but closed: it must not be a China-open record.
    assert "CN-D" not in [e["model"] for e in cn_open["catch_up"]["events"]]
    open_closed = cuts["open_vs_closed"]["catch_up"]
    # Open records: CN-A 95, FR-A? no (102 < CN-B 105, later), CN-B 105, CN-E 125.
    assert [e["model"] for e in open_closed["events"] + open_closed["open"]] == ["CN-A", "CN-B", "CN-E"]


def test_arena_compares_within_snapshots_only(document: dict) -> None:
    arena = document["indicators"]["capability_gap"]["lmarena_text"]
    snaps = {s["date"]: s for s in arena["snapshots"]}
    assert snaps["2025-05-20"]["top"]["China"]["model"] == "CN-E" and snaps["2025-05-20"]["leader"] == "China"
    assert snaps["2025-06-25"]["top"]["United States"]["rating"] == 1330
    assert (snaps["2025-06-25"]["leader"], snaps["2025-06-25"]["gap_points"]) == ("United States", 30.0)
    assert snaps["2025-06-25"]["gap_percent"] == round(30 / 1300 * 100, 3)
    # May: the monthly frontier and gap come from the May snapshot, where China led.
    may = {p["bloc"]: p["score"] for p in arena["frontier"] if p["month"] == "2025-05"}
    assert may == {"China": 1320, "United States": 1310}
    assert [g["leader"] for g in arena["gap"]] == ["China", "United States"]
    # June frontier for China is June's 1300, not May's 1320: no running maximum across snapshots.
    june = {p["bloc"]: p["score"] for p in arena["frontier"] if p["month"] == "2025-06"}
    assert june["China"] == 1300 and june["United States"] == 1330


def test_population_sources_and_caveats_travel_with_each_series(document: dict) -> None:
    eci = document["indicators"]["capability_gap"]["eci"]
    assert eci["population"]["models_by_bloc"] == {"China": 5, "Europe": 1, "United States": 5}
    assert eci["sources"][0]["id"] == "test_index" and eci["sources"][0]["licence"] == "CC BY 4.0"
    assert eci["snapshot_date"] == SNAP.isoformat()
    assert any("Third-party" in c for c in eci["caveats"])
    assert document["snapshot"]["tables"]["scores"]["rows"] == len(MODELS) * 2 + 12


def test_thin_series_are_listed_not_published(tmp_path: Path) -> None:
    (tmp_path / "testdata").mkdir()
    (tmp_path / "testdata" / "dummy.txt").write_text("x")
    rows = [r for r in rows_for_index() if not (isinstance(r, ScoreRow) and r.model_name.startswith("CN-") and r.model_name != "CN-A")]
    build_snapshot(tmp_path, tmp_path / "snap", adapters=[adapter("test_index", rows)], model_aliases=[], hub_importers=[])
    with Store.open(tmp_path / "snap") as store:
        doc = build_document(store, load_attribution())
    assert "eci" not in doc["indicators"]["capability_gap"]
    assert doc["meta"]["capability_gap"]["excluded_series"][0]["models_by_bloc"] == {"China": 1, "United States": 5}


# --- Issue 9 §4: keep the newest models (Epoch's Confidence rates compute, not ECI) ---


def test_unverified_compute_confidence_keeps_the_eci_score(fixture_data: Path, tmp_path: Path) -> None:
    """GPT-5.2's row says Confidence=Unverified (its compute estimate): its ECI score must reach the scores table."""
    from weightatlas.sources import epoch_eci

    build_snapshot(fixture_data, tmp_path / "snap", adapters=[epoch_eci], model_aliases=[], hub_importers=[])
    with Store.open(tmp_path / "snap") as store:
        rows = store.rows("SELECT model_id, value FROM scores WHERE benchmark = 'eci' AND source_id = 'epoch_eci'")
    assert {r["model_id"]: round(r["value"], 2) for r in rows}.get("gpt-5.2") == 153.75


def o(model: str, day: str, score: float) -> Obs:
    return Obs(model_id=model.lower(), model=model, release_date=date.fromisoformat(day), score=score, ref=f"fixture:{model}")


def test_horizontal_gap_is_the_mean_time_distance_over_eci_levels() -> None:
    """Epoch's horizontal distance: for each ECI level both lines reach, when open got there minus when closed did."""
    closed = [o("C1", "2023-01-01", 100), o("C2", "2023-07-01", 110), o("C3", "2024-01-01", 120)]
    opened = [o("O1", "2023-04-01", 100), o("O2", "2023-10-01", 110)]
    h = frontier_math.horizontal_gap(opened, closed, step=1.0)
    # Levels 100.5 .. 109.5: open reached them on 2023-10-01, closed on 2023-07-01 (92 days).
    assert h["n_levels"] == 10 and h["eci_range"] == [100.0, 110.0]
    assert h["mean_lag_months"] == round(92 / DAYS_PER_MONTH, 2)
    assert h["n_censored_levels"] == 0 and h["challenger_models"] == ["O2"]
    # An open record no closed model has reached yet is censored, never averaged.
    ahead = [*opened, o("O3", "2024-06-01", 130)]
    h = frontier_math.horizontal_gap(ahead, closed, step=1.0)
    # Levels 110.5 .. 119.5: open on 2024-06-01, closed on 2024-01-01 (152 days); 120.5 .. 129.5: censored.
    assert h["n_levels"] == 30 and h["n_censored_levels"] == 10
    assert h["mean_lag_months"] == round((10 * 92 + 10 * 152) / 20 / DAYS_PER_MONTH, 2)
    # A window keeps the levels the open line first reached inside it.
    h = frontier_math.horizontal_gap(ahead, closed, step=1.0, window=(date(2024, 1, 1), date(2024, 12, 31)))
    assert (h["n_levels"], h["n_censored_levels"]) == (20, 10) and h["mean_lag_months"] == round(152 / DAYS_PER_MONTH, 2)


def test_open_vs_closed_published_comparison_sits_next_to_ours(document: dict) -> None:
    cmp = document["indicators"]["capability_gap"]["eci"]["cuts"]["open_vs_closed"]["published_comparison"]
    assert [p["url"] for p in cmp["published"]] == [
        "https://epoch.ai/data-insights/open-weights-vs-closed-weights-models",
        "https://epoch.ai/data-insights/open-closed-eci-gap",
    ]
    first = cmp["published"][0]
    assert first["lag_months"] == 3 and "average of 3 months" in first["sentence"]
    ours = first["ours"]
    assert {"horizontal_lag_months", "vertical_gap_points", "record_mean_lag_months", "months_behind_mean"} <= set(ours)
    assert first["difference_months"] == round(ours["horizontal_lag_months"] - 3, 2)
    assert cmp["reasons"] and any("snapshot" in r for r in cmp["reasons"])


def test_embedded_eci_series_keeps_the_newest_models() -> None:
    """On the real snapshot the ECI series reaches 2026: GPT-5.2 and Kimi K2.5 (both rated Unverified) are in it."""
    with Store.open() as store:
        doc = build_document(store, load_attribution(), only=["capability_gap"])
    eci = doc["indicators"]["capability_gap"]["eci"]
    in_series = {p["model_id"] for p in eci["frontier"]} | {e["model_id"] for e in eci["catch_up"]["events"] + eci["catch_up"]["open"]}
    in_series |= {e["matched_by"]["model_id"] for e in eci["catch_up"]["events"]}
    assert {"gpt-5.2", "kimi-k2.5"} <= in_series
    assert eci["latest"]["month"] >= "2026-01"
    assert not any("Unverified" in c and "excluded" in c for c in eci["caveats"])
    cmp = eci["cuts"]["open_vs_closed"]["published_comparison"]
    assert cmp["published"][0]["ours"]["horizontal_lag_months"] is not None
