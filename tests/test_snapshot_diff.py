"""`weightatlas snapshot diff`: two hand-made snapshots with known adds, removals and revisions."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.snapshot_diff import CHANGES_FILE, diff_snapshots, load_changes, record_changes
from weightatlas.store import MANIFEST, SCHEMAS, write_optional_table, write_table


def _model(model_id: str, released: date, org: str = "deepseek", country: str = "CN", **extra: Any) -> dict[str, Any]:
    return {
        "model_id": model_id,
        "display_name": model_id,
        "family": model_id.split("-")[0],
        "org_ids": [org],
        "countries": [country],
        "release_date": released,
        "release_date_ref": "fixture:1",
        "accessibility": "open_weights",
        "params_total": 7e9,
        "params_active": None,
        "licence": "mit",
        "hf_repo": None,
        "training_compute_flop": None,
        "org_ref": "fixture:1",
        "sources": ["fixture"],
        "training_compute_confidence": None,
        **extra,
    }


def _score(model_id: str, value: float, benchmark: str = "eci", day: date = date(2025, 6, 1)) -> dict[str, Any]:
    return {
        "model_id": model_id,
        "benchmark": benchmark,
        "value": value,
        "ci_low": None,
        "ci_high": None,
        "source_id": "fixture",
        "ref": f"fixture:{model_id}",
        "snapshot_date": day,
        "independent": True,
        "metric_version": "v1",
        "variant": None,
        "raw_model_name": model_id,
        "release_date": None,
    }


def _org(org_id: str, country: str, aliases: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": org_id.title(),
        "country_entity": country,
        "country_parent": country,
        "country": country,
        "bloc": {"CN": "China", "US": "United States"}[country],
        "aliases": aliases or [],
        "org_type": "company",
        "is_redistributor": False,
        "parent": None,
        "source_url": None,
    }


def write_snapshot(folder: Path, tables: dict[str, list[dict[str, Any]]], snapshot_date: str) -> Path:
    """A minimal valid snapshot: every core table (empty unless given), optional tables, a manifest."""
    folder.mkdir(parents=True)
    meta, content = {}, hashlib.sha256()
    for name in [*SCHEMAS, *(n for n in tables if n not in SCHEMAS)]:
        rows = tables.get(name, [])
        path = write_table(folder, name, rows) if name in SCHEMAS else write_optional_table(folder, name, rows)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        content.update(f"{name}:{sha}\n".encode())
        meta[name] = {"rows": len(rows), "sha256": sha, "by_source": {}}
    manifest = {
        "weightatlas_version": "0.0.test",
        "snapshot_date": snapshot_date,
        "content_hash": content.hexdigest(),
        "attribution_digest": "fixture",
        "sources": [],
        "tables": meta,
        "matching": {"rule": "fixture"},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


OLD_TABLES: dict[str, list[dict[str, Any]]] = {
    "organizations": [_org("deepseek", "CN"), _org("openai", "US")],
    "models": [
        _model("alpha-1", date(2025, 1, 10)),
        _model("beta-1", date(2025, 2, 10), "openai", "US"),
        _model("gamma-1", date(2025, 3, 10)),
    ],
    "scores": [_score("alpha-1", 100.0), _score("beta-1", 120.0), _score("gamma-1", 90.0), _score("beta-1", 50.0, "other")],
    "download_history": [{"repo_id": "a/x", "day": date(2024, 1, d), "cumulative": d * 10} for d in (1, 2, 3)],
}
NEW_TABLES: dict[str, list[dict[str, Any]]] = {
    # openai gets an alias (1 revised), meta is new (1 added)
    "organizations": [_org("deepseek", "CN"), _org("meta", "US"), _org("openai", "US", ["oai"])],
    "models": [
        _model("alpha-1", date(2025, 1, 12)),  # revised: release_date
        _model("beta-1", date(2025, 2, 10), "openai", "US"),  # unchanged
        _model("delta-1", date(2025, 4, 10)),  # added; gamma-1 removed
    ],
    # alpha revised (value), beta unchanged, gamma removed, delta added, beta/other unchanged
    "scores": [_score("alpha-1", 104.0), _score("beta-1", 120.0), _score("delta-1", 118.0), _score("beta-1", 50.0, "other")],
    "download_history": [{"repo_id": r, "day": date(2024, 1, d), "cumulative": d * 10} for r in ("a/x", "b/y") for d in (1, 2, 3) if (r, d) != ("b/y", 3)]
    + [{"repo_id": "a/x", "day": date(2024, 1, 4), "cumulative": 45}],
}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return write_snapshot(tmp_path / "old", OLD_TABLES, "2025-06-01"), write_snapshot(tmp_path / "new", NEW_TABLES, "2025-09-01")


def _by_table(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["table"]: t for t in result["tables"]}


def test_counts_are_exact(pair: tuple[Path, Path]) -> None:
    old, new = pair
    result = diff_snapshots(old, new, method=False)
    t = _by_table(result)
    assert (t["models"]["added"], t["models"]["removed"], t["models"]["revised"]) == (1, 1, 1)
    assert t["models"]["changed_columns"] == {"release_date": 1}
    assert t["models"]["examples"] == {
        "added": ["delta-1"],
        "removed": ["gamma-1"],
        "revised": [{"key": "alpha-1", "changes": {"release_date": ["2025-01-10", "2025-01-12"]}}],
    }
    assert (t["scores"]["old_rows"], t["scores"]["new_rows"]) == (4, 4)
    assert (t["scores"]["added"], t["scores"]["removed"], t["scores"]["revised"]) == (1, 1, 1)
    assert t["scores"]["changed_columns"] == {"value": 1}
    assert (t["organizations"]["added"], t["organizations"]["removed"], t["organizations"]["revised"]) == (1, 0, 1)
    assert t["organizations"]["changed_columns"] == {"aliases": 1}
    dh = t["download_history"]
    assert (dh["added"], dh["removed"], dh["revised"]) == (3, 0, 0)
    assert "examples" not in dh  # long series are summarised, not listed
    assert dh["summary"] == {
        "old": {"rows": 3, "repos": 1, "first": "2024-01-01", "last": "2024-01-03"},
        "new": {"rows": 6, "repos": 2, "first": "2024-01-01", "last": "2024-01-04"},
    }
    assert t["sources"]["status"] == "unchanged"
    assert result["old"]["snapshot_date"] == "2025-06-01" and result["new"]["snapshot_date"] == "2025-09-01"
    assert result["old"]["content_hash"] != result["new"]["content_hash"]
    assert not result["curated"]["compared"]
    assert result["curated"]["reason"].startswith("curated tables not compared: only the snapshot folders were given")
    assert result["headlines"]["method_effect"] == {"measured": False, "reason": "method effect not measured: not asked for (--no-method)"}
    assert [h["indicator"] for h in result["headlines"]["data_effect"]["indicators"]][:1] == ["capability_gap"]
    assert 2 <= len(result["summary"]) <= 4
    assert "models 3 → 3 (+1 −1 ~1); scores 4 → 4 (+1 −1 ~1)" in result["summary"][1]


def test_kept_document_gives_the_method_effect(pair: tuple[Path, Path]) -> None:
    old, new = pair
    from weightatlas.snapshot_diff import current_document

    then = current_document(old)
    card = next(c for c in then["verdict"]["cards"] if c["indicator"] == "capability_gap")
    card["headline"]["value"], card["headline"]["display"] = 99.0, "99.0 ECI points"
    (old / "indicators.json").write_text(json.dumps(then, default=str))
    result = diff_snapshots(old, new)
    method = result["headlines"]["method_effect"]
    assert method["measured"] and "indicators.json" in method["source"]
    moved = [h for h in method["indicators"] if h["moved"]]
    assert [h["indicator"] for h in moved] == ["capability_gap"] and moved[0]["before"] == 99.0


def test_default_old_is_the_kept_previous(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snap.previous", OLD_TABLES, "2025-06-01")
    new = write_snapshot(tmp_path / "snap", NEW_TABLES, "2025-09-01")
    result = diff_snapshots(None, new, method=False)
    assert result["old"]["label"] == "snap.previous" and _by_table(result)["models"]["added"] == 1


def test_cli_text_and_json(pair: tuple[Path, Path]) -> None:
    old, new = pair
    runner = CliRunner()
    text = runner.invoke(main, ["snapshot", "diff", str(old), str(new), "--no-method"])
    assert text.exit_code == 0, text.output
    assert "models 3 → 3 (+1 −1 ~1)" in text.output and "download_history" in text.output
    assert "method effect not measured" in text.output and "curated tables not compared" in text.output
    as_json = runner.invoke(main, ["snapshot", "diff", str(old), str(new), "--no-method", "--json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert _by_table(data)["models"]["revised"] == 1 and data["schema"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/nowhere", "{new}"], "no such folder"),
        (["{tmp}/file.txt", "{new}"], "not a folder"),
        (["{tmp}", "{new}"], "missing manifest.json"),
        (["--snapshot", "{new}"], "no previous snapshot kept beside"),
        (["git:", "{new}"], "name a git revision"),
        (["{old}", "git:HEAD", "--record"], "NEW must be a folder"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(pair: tuple[Path, Path], tmp_path: Path, args: list[str], message: str) -> None:
    old, new = pair
    (tmp_path / "file.txt").write_text("x")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    argv = [a.format(tmp=tmp_path, old=old, new=new) for a in args]
    result = CliRunner().invoke(main, ["snapshot", "diff", *argv])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_record_and_document_changes(pair: tuple[Path, Path]) -> None:
    old, new = pair
    result = diff_snapshots(old, new, method=False)
    path = record_changes(result, new)
    assert path == new / CHANGES_FILE
    first = path.read_bytes()
    record_changes(diff_snapshots(old, new, method=False), new)
    assert path.read_bytes() == first  # deterministic: no times, no absolute paths
    assert str(old.parent) not in first.decode()
    from weightatlas.api import indicators_document

    doc = indicators_document(snapshot_dir=new)
    assert doc["changes"]["available"] and doc["changes"]["summary"] == result["summary"]
    assert set(doc) >= {"indicators", "changes", "verdict"} and "changes" not in doc["indicators"]
    # A snapshot without changes.json, a stale file and an edited file each say why.
    assert doc["changes"]["new"]["content_hash"] == json.loads((new / MANIFEST).read_text())["content_hash"]
    manifest_old = json.loads((old / MANIFEST).read_text())
    assert load_changes(old, manifest_old)["available"] is False
    shutil.copy(path, old / CHANGES_FILE)
    assert "stale" in load_changes(old, manifest_old)["reason"]
    path.write_text(path.read_text().replace('"revised": 1', '"revised": 7', 1))
    assert "digest" in load_changes(new, json.loads((new / MANIFEST).read_text()))["reason"]
    with pytest.raises(Exception, match="not the new side"):
        record_changes(result, old)


def test_report_section_escapes_text(pair: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = pair
    result = diff_snapshots(old, new, method=False)
    result["summary"][0] = "<script>alert(1)</script>"
    from weightatlas.api import indicators_document
    from weightatlas.report import write_report

    doc = indicators_document()  # the embedded snapshot: a full document the whole page renders from
    doc["changes"] = {"available": True, **result}
    write_report(doc, tmp_path / "report")
    html = (tmp_path / "report" / "index.html").read_text()
    section = html[html.index('<section id="changes">') :]
    assert "<h2>Since the last snapshot</h2>" in section and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert 'href="#changes"' in html


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: git:REV cannot be tested")
def test_git_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    snap = repo / "src" / "weightatlas" / "data" / "snapshot"
    cur = repo / "src" / "weightatlas" / "data" / "curated"

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()

    write_snapshot(snap, OLD_TABLES, "2025-06-01")
    cur.mkdir(parents=True)
    (cur / "blocs.csv").write_text("country,bloc\nCN,China\nUS,United States\n")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "old")
    shutil.rmtree(snap)
    write_snapshot(snap, NEW_TABLES, "2025-09-01")
    (cur / "blocs.csv").write_text("country,bloc\nCN,China\nUS,United States\nFR,Europe\n")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "new")

    result = diff_snapshots("git:HEAD~1", "git:HEAD", repo=repo)
    t = _by_table(result)
    assert (t["models"]["added"], t["models"]["removed"], t["models"]["revised"]) == (1, 1, 1)
    assert result["old"]["commit"] == git("rev-parse", "HEAD~1")
    assert result["curated"]["compared"]
    assert [(c["table"], c["added"], c["removed"], c["revised"]) for c in result["curated"]["tables"]] == [("blocs", 1, 0, 0)]
    # The temporary repo holds no weightatlas code: the method effect is said to be unmeasured.
    assert not result["headlines"]["method_effect"]["measured"]
    assert "neither its code" in result["headlines"]["method_effect"]["reason"]

    bad = CliRunner().invoke(main, ["snapshot", "diff", "git:no-such-rev", "git:HEAD", "--repo", str(repo)])
    assert bad.exit_code == 2 and "no such git revision" in bad.stderr
