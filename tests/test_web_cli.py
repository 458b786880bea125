"""`weightatlas serve`: the command exists, binds loopback by default and fails in one line on a bad --db."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from weightatlas.cli import main


def test_serve_help_names_its_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--host", "--port", "--db", "--snapshot", "--blocs"):
        assert option in result.output
    assert "127.0.0.1" in result.output


def test_serve_with_a_missing_database_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.duckdb"), "--port", "0"])
    assert result.exit_code == 2
    assert "no crawl database" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_serve_passes_its_options_to_the_library(monkeypatch) -> None:
    seen = {}
    monkeypatch.setattr("weightatlas.web.app.serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123 and seen["db"] is None
