"""Opening a snapshot verifies it; replacing one survives a crash at any point.

The crash tests are independent of how the swap is implemented: they count the
file-system mutations (rename, replace, unlink, rmdir; ``shutil.rmtree`` is made
of the last two) a build performs and kill it after each one in turn. From the
injected crash on, every further mutation fails too, as if the process were
gone. Then any reading command must find exactly one complete, verified
snapshot: the old one or the new one, never a mix, with the previous one kept
(or restored) next to it, and no leftovers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from weightatlas.api import open_store
from weightatlas.cli import main
from weightatlas.errors import WeightatlasError
from weightatlas.snapshot import build_snapshot

FIXTURE_DATA = Path(__file__).resolve().parent / "fixtures" / "shared_data"
ECI = "peterhurford__metr_graph/history/5c4780a_2026-03-09/epoch_capabilities_index.csv"


def _data_variant(fixture_data: Path, folder: Path, score: str) -> Path:
    """The fixture data with one ECI score changed, so each build has its own content hash."""
    shutil.copytree(fixture_data, folder)
    path = folder / ECI
    text = path.read_text()
    assert "141.5" in text
    path.write_text(text.replace("141.5", score, 1))
    return folder


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, str]]:
    """Three data folders and a snapshot built from each: 'prev' (oldest), 'old' (current), 'new'."""
    base = tmp_path_factory.mktemp("variants")
    out = {}
    for label, score in (("prev", "141.3"), ("old", "141.4"), ("new", "141.6")):
        data = _data_variant(FIXTURE_DATA, base / f"data-{label}", score)
        snap = base / f"built-{label}" / "snapshot"
        manifest = build_snapshot(data, snap)
        out[label] = (data, snap, _label(manifest))
    assert len({v[2] for v in out.values()}) == 3
    return out


def _label(manifest: dict) -> str:
    """Which data variant a snapshot was built from: the ECI input's hash (curated tables may change meanwhile)."""
    return next(s["input_sha256"] for s in manifest["sources"] if s["id"] == "epoch_eci")


def _content(folder: Path) -> str:
    return _label(json.loads((folder / "manifest.json").read_text()))


# ---------------------------------------------------------------- verification on open


def _copy_snapshot(variants: dict, tmp_path: Path, label: str = "old") -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(variants[label][1], target)
    return target


def test_corrupt_manifest_is_one_line_error(variants: dict, tmp_path: Path) -> None:
    target = _copy_snapshot(variants, tmp_path)
    (target / "manifest.json").write_text('{"tables": {"scores": ')
    result = CliRunner().invoke(main, ["snapshot", "info", "--snapshot", str(target)])
    assert result.exit_code == 2, result.output
    assert "manifest.json" in result.output and "line 1" in result.output and "rebuild" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_manifest_that_is_not_an_object_is_one_line_error(variants: dict, tmp_path: Path) -> None:
    target = _copy_snapshot(variants, tmp_path)
    (target / "manifest.json").write_text("[1, 2]\n")
    result = CliRunner().invoke(main, ["indicators", "--snapshot", str(target), "--only", "capability_gap"])
    assert result.exit_code == 2, result.output
    assert "manifest.json" in result.output and "Traceback" not in result.output


def test_table_checksum_mismatch_names_the_file_and_says_rebuild(variants: dict, tmp_path: Path) -> None:
    target = _copy_snapshot(variants, tmp_path)
    path = target / "scores.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of a page
    path.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["snapshot", "info", "--snapshot", str(target)])
    assert result.exit_code == 2, result.output
    assert "scores.parquet" in result.output and "sha256" in result.output and "rebuild" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_unreadable_parquet_with_matching_checksum_is_one_line_error(variants: dict, tmp_path: Path) -> None:
    # Even a manifest rewritten to match a broken file gives one clear line, not a DuckDB traceback.
    target = _copy_snapshot(variants, tmp_path)
    path = target / "models.parquet"
    path.write_bytes(b"not a parquet file")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["tables"]["models"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    content = hashlib.sha256()
    for name, meta in manifest["tables"].items():
        content.update(f"{name}:{meta['sha256']}\n".encode())
    manifest["content_hash"] = content.hexdigest()
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(main, ["indicators", "--snapshot", str(target), "--only", "capability_gap"])
    assert result.exit_code == 2, result.output
    assert "models.parquet" in result.output and "rebuild" in result.output and "Traceback" not in result.output


def test_manifest_table_checksums_must_add_up_to_the_content_hash(variants: dict, tmp_path: Path) -> None:
    target = _copy_snapshot(variants, tmp_path)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["content_hash"] = "0" * 64
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WeightatlasError, match="content_hash"):
        open_store(target)


# ---------------------------------------------------------------- crash injection


class Crash(BaseException):
    """A simulated `kill -9`: not an Exception, so no handler treats it as an ordinary error."""


MUTATIONS = ("rename", "replace", "unlink", "rmdir")


@contextmanager
def crash_after(n: int) -> Iterator[list[str]]:
    """Let ``n`` file-system mutations through, then fail every further one."""
    done: list[str] = []
    originals = {name: getattr(os, name) for name in MUTATIONS}

    def wrap(name: str):  # noqa: ANN202
        def op(*args: object, **kwargs: object) -> object:
            if len(done) >= n:
                raise Crash(f"crashed before {name} #{len(done) + 1}")
            done.append(name)
            return originals[name](*args, **kwargs)

        return op

    for name in MUTATIONS:
        setattr(os, name, wrap(name))
    try:
        yield done
    finally:
        for name, fn in originals.items():
            setattr(os, name, fn)


def _arrange(variants: dict, parent: Path, *, current: bool, previous: bool) -> Path:
    target = parent / "snapshot"
    if current:
        shutil.copytree(variants["old"][1], target)
    if previous:
        shutil.copytree(variants["prev"][1], parent / "snapshot.previous")
    return target


def _assert_consistent(variants: dict, target: Path, *, had_current: bool, had_previous: bool) -> str:
    """Exactly one complete, verified snapshot is current; the previous one matches it."""
    old, new, prev = variants["old"][2], variants["new"][2], variants["prev"][2]
    previous = target.parent / "snapshot.previous"
    try:
        with open_store(target) as store:  # runs recovery and verification
            current = _label(store.manifest)
    except WeightatlasError as exc:
        # Only a first build that died before its swap leaves no snapshot, as before it.
        assert not had_current and "no snapshot" in str(exc) and not target.exists(), exc
        current = "none"
        assert (_content(previous) == prev) if had_previous else not previous.exists()
    if current == new:
        if had_current:
            assert _content(previous) == old
        elif had_previous:
            assert _content(previous) == prev
        else:
            assert not previous.exists()
    elif current != "none":
        assert had_current and current == old, "neither the old nor the new snapshot is current"
        if had_previous:
            assert _content(previous) == prev
        else:
            assert not previous.exists()
    if previous.exists():
        open_store(previous).close()  # the previous one is complete and verified too
    leftovers = sorted(p.name for p in target.parent.iterdir() if p.name not in {"snapshot", "snapshot.previous", ".snapshot.lock"})
    assert leftovers == [], f"leftovers after recovery: {leftovers}"
    return current


def _count_mutations(variants: dict, parent: Path, **arrangement: bool) -> int:
    target = _arrange(variants, parent, **arrangement)
    with crash_after(10**9) as done:
        build_snapshot(variants["new"][0], target)
    return len(done)


@pytest.mark.parametrize(("had_current", "had_previous"), [(True, True), (True, False), (False, False), (False, True)])
def test_build_killed_after_every_step_recovers(variants: dict, tmp_path: Path, had_current: bool, had_previous: bool) -> None:
    total = _count_mutations(variants, tmp_path / "count", current=had_current, previous=had_previous)
    assert total >= 1
    outcomes = set()
    for n in range(total + 1):
        parent = tmp_path / f"crash-{n}"
        target = _arrange(variants, parent, current=had_current, previous=had_previous)
        with crash_after(n):
            try:
                build_snapshot(variants["new"][0], target)
            except Crash:
                pass
        outcomes.add(_assert_consistent(variants, target, had_current=had_current, had_previous=had_previous))
    assert variants["new"][2] in outcomes  # the last run (no crash) installs the new snapshot


def test_recovery_killed_after_every_step_still_recovers(variants: dict, tmp_path: Path) -> None:
    """Two badly timed crashes: the build dies mid-swap, then the recovery dies too."""
    total = _count_mutations(variants, tmp_path / "count", current=True, previous=True)
    for n in range(total + 1):
        crashed = tmp_path / f"crash-{n}"
        with crash_after(n):
            try:
                build_snapshot(variants["new"][0], _arrange(variants, crashed, current=True, previous=True))
            except Crash:
                pass
        for m in range(4):
            parent = tmp_path / f"crash-{n}-{m}"
            shutil.copytree(crashed, parent)  # the same crashed state for each second crash (the copy holds no locks)
            target = parent / "snapshot"
            with crash_after(m):
                try:
                    open_store(target).close()
                except Crash:
                    pass
            _assert_consistent(variants, target, had_current=True, had_previous=True)


def test_half_deleted_folder_is_never_restored(variants: dict, tmp_path: Path) -> None:
    """A second build after a crashed first one keeps the good snapshot and a complete previous one."""
    target = _arrange(variants, tmp_path, current=True, previous=True)
    total = _count_mutations(variants, tmp_path / "count", current=True, previous=True)
    for n in range(total + 1):
        with crash_after(n):
            try:
                build_snapshot(variants["new"][0], target)
            except Crash:
                pass
        with crash_after(n // 2):
            try:
                build_snapshot(variants["old"][0], target)
            except Crash:
                pass
        current = _assert_consistent_any(variants, target)
        assert current in {variants["old"][2], variants["new"][2]}


def _assert_consistent_any(variants: dict, target: Path) -> str:
    with open_store(target) as store:
        current = _label(store.manifest)
    previous = target.parent / "snapshot.previous"
    assert previous.is_dir()
    open_store(previous).close()
    assert _content(previous) in {v[2] for v in variants.values()}
    leftovers = sorted(p.name for p in target.parent.iterdir() if p.name not in {"snapshot", "snapshot.previous", ".snapshot.lock", "count"})
    assert leftovers == [], leftovers
    return current


@pytest.mark.parametrize("failing", [1, 2, 3])
def test_an_os_error_during_the_swap_is_one_error_and_leaves_a_consistent_state(
    variants: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    target = _arrange(variants, tmp_path, current=True, previous=True)
    real_rename = os.rename
    calls = []

    def flaky_rename(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == failing:
            raise PermissionError(13, "Permission denied", str(src))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(WeightatlasError, match="Permission denied"):
        build_snapshot(variants["new"][0], target)
    monkeypatch.setattr(os, "rename", real_rename)
    _assert_consistent(variants, target, had_current=True, had_previous=True)


def test_successful_rebuild_keeps_exactly_one_previous(variants: dict, tmp_path: Path) -> None:
    target = _arrange(variants, tmp_path, current=True, previous=True)
    build_snapshot(variants["new"][0], target)
    assert _content(target) == variants["new"][2]
    assert _content(tmp_path / "snapshot.previous") == variants["old"][2]
    build_snapshot(variants["prev"][0], target)
    assert _content(target) == variants["prev"][2]
    assert _content(tmp_path / "snapshot.previous") == variants["new"][2]
    assert sorted(p.name for p in tmp_path.iterdir()) in (["snapshot", "snapshot.previous"], [".snapshot.lock", "snapshot", "snapshot.previous"])


def test_snapshot_info_recovers_an_interrupted_swap(variants: dict, tmp_path: Path) -> None:
    target = _arrange(variants, tmp_path, current=True, previous=True)
    total = _count_mutations(variants, tmp_path / "count", current=True, previous=True)
    shutil.rmtree(tmp_path / "count")
    # Find a crash point that leaves no folder at the target path: info must still work.
    for n in range(total + 1):
        with crash_after(n):
            try:
                build_snapshot(variants["new"][0], target)
            except Crash:
                pass
        if not target.exists():
            break
        shutil.rmtree(tmp_path)
        target = _arrange(variants, tmp_path, current=True, previous=True)
    else:
        pytest.fail("no crash point left the target path empty")
    result = CliRunner().invoke(main, ["snapshot", "info", "--json", "--snapshot", str(target)])
    assert result.exit_code == 0, result.output
    assert _label(json.loads(result.output)) == variants["new"][2]


# ---------------------------------------------------------------- real processes

BUILDER = textwrap.dedent(
    """
    import os, sys, time
    import weightatlas.snapshot as snapshot
    stop_at = int(sys.argv[3])
    real = {name: getattr(os, name) for name in ("rename", "replace")}
    count = [0]
    def pause_then(name):
        def op(*args, **kwargs):
            if count[0] == stop_at:
                print("paused", flush=True)
                time.sleep(600)
            count[0] += 1
            return real[name](*args, **kwargs)
        return op
    if stop_at >= 0:
        os.rename, os.replace = pause_then("rename"), pause_then("replace")
    if stop_at == -1:
        def slow(msg):
            if msg.startswith("importing"):
                print("paused", flush=True)
                time.sleep(600)
        snapshot.build_snapshot(sys.argv[1], sys.argv[2], on_step=slow)
    else:
        snapshot.build_snapshot(sys.argv[1], sys.argv[2])
    """
)


def _start_builder(data: Path, target: Path, stop_at: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", BUILDER, str(data), str(target), str(stop_at)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "paused", line
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.stdout:
        proc.stdout.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_during_build_leaves_a_stale_folder_that_is_cleaned_only_once_the_builder_is_gone(variants: dict, tmp_path: Path) -> None:
    target = _arrange(variants, tmp_path, current=True, previous=True)
    proc = _start_builder(variants["new"][0], target, stop_at=-1)
    try:
        building = sorted(tmp_path.glob(".snapshot-new-*"))
        assert building, "the builder writes into a .snapshot-new-* folder"
        open_store(target).close()  # recovery while the builder is alive must leave its folder alone
        assert all(p.exists() for p in building)
    finally:
        _kill(proc)
    assert _assert_consistent(variants, target, had_current=True, had_previous=True) == variants["old"][2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_in_the_middle_of_the_swap_recovers(variants: dict, tmp_path: Path) -> None:
    target = _arrange(variants, tmp_path, current=True, previous=True)
    # Pause (then kill) before the second rename or replace of the build: inside the swap.
    proc = _start_builder(variants["new"][0], target, stop_at=1)
    _kill(proc)
    result = CliRunner().invoke(main, ["snapshot", "info", "--json", "--snapshot", str(target)])
    assert result.exit_code == 0, result.output
    _assert_consistent(variants, target, had_current=True, had_previous=True)
