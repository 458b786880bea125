"""What `pip install weightatlas` (no extras) gives a user must run every command.

The test builds a clean virtual environment, installs the project into it without
extras, checks that the test-only packages are really absent there, and runs every
command from that environment: each `--help`, `snapshot build` into a temporary
folder, `validate`, `indicators --json`, `report`, and a short `crawl` against a fake
Hub that this (test) environment serves from a separate process on loopback.

It needs pip to reach the package index (or its cache) once per run; CI installs the
same packages just before, so they come from pip's cache there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import duckdb
import pytest

from weightatlas.cli import main as cli_main
from weightatlas.testing import FakeHubSpec, subprocess_hub

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DATA = Path(__file__).resolve().parent / "fixtures" / "shared_data"
TEST_ONLY = ("werkzeug", "pytest", "hypothesis", "pytest_httpserver", "huggingface_hub", "schemathesis", "pyspark", "sqlglot")


def _run(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding weightatlas and its runtime dependencies only."""
    home = tmp_path_factory.mktemp("runtime-venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    python = home / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)], env=env, cwd=home, timeout=1200)
    assert done.returncode == 0, f"pip install without extras failed:\n{done.stdout}\n{done.stderr}"
    return home


@pytest.fixture(scope="module")
def env(runtime_venv: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "HF_TOKEN")}
    out["PATH"] = f"{runtime_venv / 'bin'}{os.pathsep}{out.get('PATH', '')}"
    out["NO_COLOR"] = "1"
    return out


def test_test_only_packages_are_absent(runtime_venv: Path, env: dict[str, str], tmp_path: Path) -> None:
    python = str(runtime_venv / "bin" / "python")
    for module in TEST_ONLY:
        done = _run([python, "-c", f"import {module}"], env=env, cwd=tmp_path)
        assert done.returncode != 0, f"{module} is importable in the runtime-only venv: the test would prove nothing"


def _command_paths() -> list[list[str]]:
    """Every command and subcommand of the CLI, from the Click tree itself."""
    import click

    paths: list[list[str]] = [[]]

    def walk(cmd: click.Command, prefix: list[str]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                paths.append([*prefix, name])
                walk(sub, [*prefix, name])

    walk(cli_main, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "weightatlas")
def test_every_command_help_runs(runtime_venv: Path, env: dict[str, str], tmp_path: Path, path: list[str]) -> None:
    done = _run([str(runtime_venv / "bin" / "weightatlas"), *path, "--help"], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout


def test_commands_run_without_extras(runtime_venv: Path, env: dict[str, str], tmp_path: Path) -> None:
    exe = str(runtime_venv / "bin" / "weightatlas")

    built = _run([exe, "snapshot", "build", "--from", str(FIXTURE_DATA), "--out", str(tmp_path / "snap")], env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "snap" / "manifest.json").is_file()

    valid = _run([exe, "validate"], env=env, cwd=tmp_path)
    assert valid.returncode == 0, valid.stdout + valid.stderr

    doc = _run([exe, "indicators", "--json"], env=env, cwd=tmp_path)
    assert doc.returncode == 0, doc.stderr
    assert "capability_gap" in json.loads(doc.stdout)["indicators"]

    report = _run([exe, "report", "--out", str(tmp_path / "report")], env=env, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "index.html").stat().st_size > 10_000

    db = tmp_path / "crawl.duckdb"
    with subprocess_hub(FakeHubSpec(n=300, page_size=100)) as url:
        crawled = _run([exe, "crawl", "--endpoint", url, "--db", str(db), "--configs", "none", "--page-size", "100"], env=env, cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM hub_models").fetchone()[0] > 0

    hub_report = _run([exe, "report", "--db", str(db), "--out", str(tmp_path / "hub-report")], env=env, cwd=tmp_path)
    assert hub_report.returncode == 0, hub_report.stderr

    # The Spark engine is an extra: without it, a clear exit 2 naming the install command.
    spark = _run([exe, "indicators", "--engine", "spark", "--json"], env=env, cwd=tmp_path)
    assert spark.returncode == 2, spark.stdout + spark.stderr
    assert "pip install 'weightatlas[spark]'" in spark.stderr
    # Exporting a crawl to Parquet (for Spark) needs only DuckDB.
    exported = _run([exe, "export-parquet", "--db", str(db), "--out", str(tmp_path / "hub-parquet")], env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert list((tmp_path / "hub-parquet" / "hub_models").glob("*.parquet"))

    # `serve` (FastAPI + uvicorn are runtime dependencies) starts and answers /api/health on loopback.
    _serve_answers_health(exe, env=env, cwd=tmp_path)


def _serve_answers_health(exe: str, *, env: dict[str, str], cwd: Path) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"serve exited: {proc.communicate()[1]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
                    assert response.status == 200
                    assert json.loads(response.read())["status"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer /api/health within 120 s"
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_runtime_code_never_imports_the_test_doubles() -> None:
    """`weightatlas.testing` needs the test extras; nothing outside it may import it."""
    import ast

    offenders = []
    for path in (ROOT / "src" / "weightatlas").rglob("*.py"):
        if "testing" in path.relative_to(ROOT / "src" / "weightatlas").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}:{node.lineno}" for n in names if n.startswith("weightatlas.testing")]
    assert offenders == []


def test_testing_package_says_what_to_install_when_extras_are_missing(runtime_venv: Path, env: dict[str, str], tmp_path: Path) -> None:
    done = _run([str(runtime_venv / "bin" / "python"), "-c", "import weightatlas.testing"], env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "weightatlas[test]" in done.stderr
    assert sys.executable  # the test venv itself has the extras (it served the fake Hub above)
