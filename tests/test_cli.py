"""The CLI surface: every command documented, with an example, in --help and the README."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from weightatlas.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    out: dict[str, click.Command] = {}
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            out.update(_commands(cmd, full + " "))
        else:
            out[full] = cmd
    return out


def test_every_command_has_help_with_an_example() -> None:
    for name, cmd in _commands(main).items():
        result = CliRunner().invoke(main, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example: weightatlas" in result.output, name
        assert cmd.help and cmd.help.strip(), name


def test_readme_documents_every_command() -> None:
    text = README.read_text()
    for name in _commands(main):
        assert f"weightatlas {name}" in text, f"README does not mention `weightatlas {name}`"


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "weightatlas" in result.output


def test_missing_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["indicators", "--snapshot", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no snapshot" in result.output and "snapshot build" in result.output
