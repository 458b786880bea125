"""The efficiency indicator on a hand-made snapshot: compute confidence travels with the compute figure."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from weightatlas.attribution import load_attribution
from weightatlas.indicators import build_document
from weightatlas.indicators.stats import ols
from weightatlas.snapshot import build_snapshot
from weightatlas.sources.base import ModelRow, ScoreRow, SourceInfo
from weightatlas.store import Store

SNAP = date(2026, 3, 9)

# name, org, release date, ECI, training FLOP, Epoch's confidence in that FLOP figure
MODELS = [
    ("US-1", "OpenAI", "2024-01-10", 120.0, 1e25, "Confident"),
    ("US-2", "Anthropic", "2024-06-10", 128.0, 3e25, "Likely"),
    ("US-3", "Google DeepMind", "2025-01-10", 140.0, 1e26, "Speculative"),
    ("US-4", "OpenAI", "2025-06-10", 145.0, 2e26, "Confident"),
    ("CN-1", "DeepSeek", "2024-05-10", 118.0, 2e24, "Confident"),
    ("CN-2", "Alibaba", "2024-09-10", 125.0, 4e24, "Unverified"),
    ("CN-3", "Moonshot", "2025-02-10", 135.0, 3e24, "Likely"),
    ("CN-4", "DeepSeek", "2025-08-10", 141.0, 5e24, "Confident"),
]


def _info(source_id: str) -> SourceInfo:
    return SourceInfo(source_id, source_id, "https://example.org/" + source_id, "CC BY 4.0", SNAP, "testdata", ("dummy.txt",), "hand-made rows for tests", True)


@pytest.fixture(scope="module")
def efficiency(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("data")
    (root / "testdata").mkdir()
    (root / "testdata" / "dummy.txt").write_text("x")
    eci: list = []
    notable: list = []
    for i, (name, org, day, value, flop, confidence) in enumerate(MODELS, start=2):
        ref = f"testdata/eci.csv:{i}"
        released = date.fromisoformat(day)
        if name == "CN-3":
            # The ECI row has no compute; the compute figure (and its confidence) comes from another row.
            eci.append(ModelRow("epoch_eci", ref, name, org_names=(org,), release_date=released, accessibility="open"))
            notable.append(
                ModelRow("epoch_notable", f"testdata/notable.csv:{i}", name, org_names=(org,), release_date=released, training_compute_flop=flop, training_compute_confidence=confidence)
            )
        else:
            eci.append(ModelRow("epoch_eci", ref, name, org_names=(org,), release_date=released, accessibility="api", training_compute_flop=flop, training_compute_confidence=confidence))
        eci.append(ScoreRow("epoch_eci", ref, name, "eci", value, SNAP, True, "test v1"))
    adapters = [
        SimpleNamespace(SOURCE=_info("epoch_eci"), read=lambda root: iter(eci)),
        SimpleNamespace(SOURCE=_info("epoch_notable"), read=lambda root: iter(notable)),
    ]
    build_snapshot(root, root / "snap", adapters=adapters, model_aliases=[], hub_importers=[])
    with Store.open(root / "snap") as store:
        return build_document(store, load_attribution(), only=["efficiency"])["indicators"]["efficiency"]


def test_points_carry_the_compute_estimate_confidence(efficiency: dict) -> None:
    conf = {p["model"]: p["compute_confidence"] for p in efficiency["points"]}
    assert conf == {name: c for name, *_, c in MODELS}  # CN-3's comes from the row that gave its compute


def test_sensitivity_drops_unverified_and_speculative_compute_estimates(efficiency: dict) -> None:
    primary, sens = efficiency["pooled_fit"], efficiency["sensitivity_verified_compute"]
    assert primary["models"] == 8
    assert sens["kept_confidence"] == ["Confident", "Likely"]
    assert sens["population"]["models"] == 6 and sens["population"]["by_bloc"] == {"China": 3, "United States": 3}
    assert sens["population"]["dropped_by_confidence"] == {"Speculative": 1, "Unverified": 1}
    kept = [(flop, value) for _, _, _, value, flop, c in MODELS if c in ("Confident", "Likely")]
    import math

    fit = ols([math.log10(f) for f, _ in kept], [v for _, v in kept])
    assert sens["pooled_fit"]["eci_per_oom"] == round(fit.slope, 3) and sens["pooled_fit"]["models"] == 6
    assert set(sens["efficiency_residual"]) == {"China", "United States"}
    assert {p["model"] for ps in sens["frontier"].values() for p in ps} <= {n for n, *_, c in MODELS if c in ("Confident", "Likely")}
    assert "compute_gap" in sens


def test_caveats_say_what_confidence_rates(efficiency: dict) -> None:
    text = " ".join(efficiency["caveats"])
    assert "excluded from the ECI series" not in text
    assert "rates the training-compute estimate" in text


def test_resolved_model_keeps_confidence_next_to_compute(tmp_path: Path) -> None:
    (tmp_path / "testdata").mkdir()
    (tmp_path / "testdata" / "dummy.txt").write_text("x")
    rows = [ModelRow("epoch_eci", "testdata/eci.csv:2", "X-1", org_names=("OpenAI",), training_compute_flop=1e24, training_compute_confidence="Likely")]
    build_snapshot(tmp_path, tmp_path / "snap", adapters=[SimpleNamespace(SOURCE=_info("epoch_eci"), read=lambda root: iter(rows))], model_aliases=[], hub_importers=[])
    with Store.open(tmp_path / "snap") as store:
        assert store.rows("SELECT training_compute_confidence FROM models") == [{"training_compute_confidence": "Likely"}]
