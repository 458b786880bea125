"""Building the snapshot: manifest contents, bad input, and all-or-nothing replacement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.errors import InputError
from weightatlas.snapshot import build_snapshot, recover_interrupted_swap
from weightatlas.sources import ADAPTERS
from weightatlas.hub.schema import HUB_TABLES
from weightatlas.store import SCHEMAS, Store


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    return root


@pytest.fixture
def built(data_copy: Path, tmp_path: Path) -> tuple[Path, dict]:
    out = tmp_path / "snapshot"
    return out, build_snapshot(data_copy, out)


def test_manifest_lists_sources_licences_dates_counts_and_hash(built: tuple[Path, dict]) -> None:
    out, manifest = built
    assert [s["id"] for s in manifest["sources"]] == [*ADAPTERS, "hf_family_trees", "atom_tracked_models", "openrouter_johnbean393", "openrouter_kimstore", "hf_forecast_histories", "hf_listing_2022"]
    for s in manifest["sources"]:
        assert s["licence"] and s["snapshot_date"] and len(s["input_sha256"]) == 64
        assert set(s["rows_read"]) == {"models", "scores", "skipped"}
    assert set(manifest["tables"]) == set(SCHEMAS) | set(HUB_TABLES) | {"tracked_models", "inference_usage"} | {"history_repos", "download_history", "finetune_history", "hub_listing_2022"}
    scores = manifest["tables"]["scores"]
    assert scores["rows"] == sum(scores["by_source"].values())
    assert len(manifest["content_hash"]) == 64
    assert manifest["matching"]["rows"] == manifest["tables"]["model_names"]["rows"]
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest, default=str))


def test_tables_round_trip_through_parquet(built: tuple[Path, dict]) -> None:
    out, manifest = built
    with Store.open(out) as store:
        for name, meta in manifest["tables"].items():
            assert store.rows(f"SELECT count(*) AS n FROM {name}")[0]["n"] == meta["rows"]
        # Every score names its source row and its model exists.
        orphans = store.rows("SELECT count(*) AS n FROM scores s LEFT JOIN models m USING (model_id) WHERE m.model_id IS NULL")
        assert orphans[0]["n"] == 0
        assert store.rows("SELECT count(*) AS n FROM scores WHERE ref IS NULL OR ref = ''")[0]["n"] == 0


def test_rebuilding_the_same_inputs_gives_the_same_hash(data_copy: Path, built: tuple[Path, dict], tmp_path: Path) -> None:
    _, first = built
    second = build_snapshot(data_copy, tmp_path / "again")
    assert second["content_hash"] == first["content_hash"]


def _corrupt(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))
    return path


ECI = "peterhurford__metr_graph/history/5c4780a_2026-03-09/epoch_capabilities_index.csv"


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("Release date", "2025-02-24", "24/02/2025"),
        ("ECI Score", "141.5", "about 141"),
    ],
)
def test_bad_source_value_fails_and_keeps_previous_snapshot(built: tuple[Path, dict], data_copy: Path, field: str, old: str, new: str) -> None:
    out, manifest = built
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    path = _corrupt(data_copy, ECI, old, new)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if new in text)
    with pytest.raises(InputError) as exc:
        build_snapshot(data_copy, out)
    assert (Path(exc.value.path).name, exc.value.line, exc.value.field) == (path.name, line, field)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(out.parent.glob(".snapshot-new-*"))  # no half-written folder left behind


def test_missing_column_names_the_column(data_copy: Path, tmp_path: Path) -> None:
    _corrupt(data_copy, ECI, "ECI Score,", "ECI,")
    with pytest.raises(InputError) as exc:
        build_snapshot(data_copy, tmp_path / "snap")
    assert (exc.value.line, exc.value.field) == (1, "ECI Score")
    assert not (tmp_path / "snap").exists()


def test_unknown_org_fails_with_file_line_field(data_copy: Path, tmp_path: Path) -> None:
    path = _corrupt(data_copy, ECI, ",Anthropic,", ",Hypothetical Lab,")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if "Hypothetical Lab" in text)
    with pytest.raises(InputError) as exc:
        build_snapshot(data_copy, tmp_path / "snap")
    assert (Path(exc.value.path).name, exc.value.line, exc.value.field) == (path.name, line, "organization")


def test_missing_source_folder_is_reported(data_copy: Path, tmp_path: Path) -> None:
    shutil.rmtree(data_copy / "Aider-AI__aider")
    with pytest.raises(InputError, match="aider"):
        build_snapshot(data_copy, tmp_path / "snap")


def test_cli_bad_input_exits_2_with_one_line(data_copy: Path, tmp_path: Path) -> None:
    _corrupt(data_copy, ECI, "2025-02-24", "2025-13-40")
    result = CliRunner().invoke(main, ["snapshot", "build", "--from", str(data_copy), "--out", str(tmp_path / "snap")])
    assert result.exit_code == 2
    assert "epoch_capabilities_index.csv, line" in result.output and "'Release date'" in result.output
    assert "Traceback" not in result.output


def test_interrupted_swap_is_recovered(built: tuple[Path, dict]) -> None:
    out, manifest = built
    old = out.parent / ".snapshot-old-deadbeef"
    out.rename(old)  # as if the build died between its two renames
    recover_interrupted_swap(out)
    with Store.open(out) as store:
        assert store.manifest["content_hash"] == manifest["content_hash"]


def test_tracked_models_list_is_shipped(built: tuple[Path, dict]) -> None:
    out, manifest = built
    assert manifest["imports"]["atom_tracked_models"] == {"models": 6, "main": 5, "extra": 1, "namespaces": 5}
    with Store.open(out) as store:
        rows = store.rows("SELECT model_id, list FROM tracked_models ORDER BY model_id")
    assert {"model_id": "Qwen/Qwen2.5-7B", "list": "main"} in rows  # listed twice: the mainline entry wins
