"""Every user-facing problem is one clear line (exit 2, or 3 for "stopped, state saved"), never a traceback.

Covers: undecodable input files (CSV, JSON, TOML, YAML) in the adapters and the
curated loaders, byte-order marks, repeated CSV column names, untrusted text that
would be read as Rich markup or drive the terminal, ``--db`` files that are not
crawl databases (or are locked), ``report --out`` paths that cannot be written,
and operating-system errors inside a command.
"""

from __future__ import annotations

import codecs
import importlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from conftest import edit_line

from weightatlas import cli
from weightatlas.cli import main
from weightatlas.curated import ALL_SPECS, load_table
from weightatlas.errors import InputError
from weightatlas.snapshot import build_snapshot
from weightatlas.sources.base import read_csv

HOSTILE = "[/] [red]x[/red] \x1b[31mred\x1b[0m"
ECI = "peterhurford__metr_graph/history/5c4780a_2026-03-09/epoch_capabilities_index.csv"


@pytest.fixture
def data_copy(fixture_data: Path, tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    return root


def _insert_bad_byte(path: Path, line: int) -> int:
    """Put an undecodable byte (0xff) after the first two bytes of ``line``; return its byte offset."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    offset = sum(len(x) for x in lines[: line - 1]) + 2
    path.write_bytes(data[:offset] + b"\xff" + data[offset:])
    return offset


def _assert_one_line_error(result: Any, exit_code: int | tuple[int, ...] = 2) -> str:
    assert result.exit_code in ((exit_code,) if isinstance(exit_code, int) else exit_code), (result.output, result.exception)
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.startswith("error:") or line.startswith("stopped:")]
    assert len(lines) == 1, result.output
    return lines[0]


# --- 1. undecodable input names file, line and byte offset; a UTF-8 BOM is accepted -----------------


@pytest.mark.parametrize(
    ("adapter", "relpath", "line"),
    [
        ("epoch_eci", ECI, 3),  # CSV through read_csv
        ("lmarena_fboulnois", "fboulnois__llm-leaderboard-csv/csv/lmarena_text.csv", 2),  # CSV header sniffing
        ("lmarena_nakasyou", "nakasyou__lmarena-history/output/result.csv", 2),
        ("livebench", "LiveBench__livebench.github.io/public/table_2025_05_30.csv", 2),  # CSV record widths
        ("livebench", "LiveBench__livebench.github.io/public/categories_2025_05_30.json", 2),  # JSON
        ("llm_stats", "JonathanChavezTamales__llm-leaderboard/data/organizations/qwen/models/qwen3-32b/model.json", 3),
        ("lmarena_catalog", "lmarena__arena-catalog/data/leaderboard-text.json", 4),
        ("lmarena_catalog", "lmarena__arena-catalog/history/leaderboard-text-full_2025-03-07.json", 1),
        ("models_dev", "anomalyco__models.dev/models/alibaba/qwen3-235b-a22b.toml", 5),  # TOML
        ("aider", "Aider-AI__aider/aider/website/_data/polyglot_leaderboard.yml", 4),  # YAML
    ],
)
def test_undecodable_source_file_names_file_line_and_byte_offset(data_copy: Path, adapter: str, relpath: str, line: int) -> None:
    path = data_copy / relpath
    offset = _insert_bad_byte(path, line)
    module = importlib.import_module(f"weightatlas.sources.{adapter}")
    with pytest.raises(InputError) as info:
        list(module.read(data_copy))
    assert (info.value.path, info.value.line) == (str(path), line)
    assert f"byte offset {offset}" in info.value.message and "UTF-8" in info.value.message


def test_undecodable_source_in_snapshot_build_is_one_line_exit_2(data_copy: Path, tmp_path: Path) -> None:
    _insert_bad_byte(data_copy / ECI, 3)
    result = CliRunner().invoke(main, ["snapshot", "build", "--from", str(data_copy), "--out", str(tmp_path / "snap")])
    message = _assert_one_line_error(result)
    assert "epoch_capabilities_index.csv, line 3" in message and "UTF-8" in message
    assert not (tmp_path / "snap").exists()


def test_undecodable_curated_table_in_validate_is_reported_exit_2(curated: Path) -> None:
    offset = _insert_bad_byte(curated / "architecture_facts.csv", 4)
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert f"architecture_facts.csv, line 4: not UTF-8 text: byte 0xff at byte offset {offset}" in result.output
    assert "failed validation" in result.output


def test_latin1_bloc_map_is_one_line_exit_2(tmp_path: Path) -> None:
    blocs = tmp_path / "blocs.csv"
    blocs.write_bytes("country,bloc\nCN,China\nUS,États-Unis\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["indicators", "--json", "--blocs", str(blocs)])
    message = _assert_one_line_error(result)
    assert "blocs.csv, line 3" in message and "byte offset 25" in message


def test_read_text_drops_a_utf8_bom_and_counts_offsets_from_the_file_start(tmp_path: Path) -> None:
    from weightatlas.sources.base import read_text

    path = tmp_path / "x.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\n')
    assert json.loads(read_text(path)) == {"a": 1}
    path.write_bytes(codecs.BOM_UTF8 + b'{"a":\n "\xe9"}\n')
    with pytest.raises(InputError) as info:
        read_text(path)
    assert info.value.line == 2 and "byte offset 11" in info.value.message


@pytest.mark.parametrize(
    ("adapter", "relpath"),
    [
        ("epoch_eci", ECI),
        ("lmarena_fboulnois", "fboulnois__llm-leaderboard-csv/csv/lmarena_text.csv"),
        ("lmarena_nakasyou", "nakasyou__lmarena-history/output/result.csv"),
        ("livebench", "LiveBench__livebench.github.io/public/categories_2025_05_30.json"),
        ("llm_stats", "JonathanChavezTamales__llm-leaderboard/data/organizations/qwen/models/qwen3-32b/model.json"),
        ("lmarena_catalog", "lmarena__arena-catalog/data/leaderboard-text.json"),
        ("models_dev", "anomalyco__models.dev/models/alibaba/qwen3-235b-a22b.toml"),
        ("aider", "Aider-AI__aider/aider/website/_data/polyglot_leaderboard.yml"),
    ],
)
def test_a_utf8_bom_is_accepted_in_every_format(data_copy: Path, adapter: str, relpath: str) -> None:
    module = importlib.import_module(f"weightatlas.sources.{adapter}")
    before = [type(row).__name__ + row.ref for row in module.read(data_copy)]
    path = data_copy / relpath
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    after = [type(row).__name__ + row.ref for row in module.read(data_copy)]
    assert after == before


# --- 2. a repeated CSV column name is rejected -------------------------------------------------------


def test_repeated_csv_column_is_rejected_in_the_shared_reader(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b, a\n1,2,3\n")
    with pytest.raises(InputError) as info:
        list(read_csv(path))
    assert (info.value.line, info.value.field) == (1, "a")
    assert "more than once" in info.value.message


def test_repeated_column_in_a_source_fails_the_build(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / ECI
    header, rest = path.read_text().split("\n", 1)
    column = header.split(",")[-1]
    path.write_text(f"{header},{column}\n{rest}")
    with pytest.raises(InputError) as info:
        build_snapshot(data_copy, tmp_path / "snap")
    assert (Path(info.value.path).name, info.value.line, info.value.field) == (path.name, 1, column.strip())


def test_repeated_column_in_a_curated_table_names_file_line_field(curated: Path) -> None:
    spec = next(s for s in ALL_SPECS if s.file == "training_budgets.csv")
    path = curated / spec.file
    header = path.read_text().splitlines()[0]
    edit_line(path, 1, header, header + ",org_id")
    with pytest.raises(InputError) as info:
        load_table(spec, path)
    assert (info.value.line, info.value.field) == (1, "org_id")
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2 and "training_budgets.csv, line 1, field 'org_id'" in result.output


# --- 3. untrusted text is printed literally, never as markup or escape codes ---------------------------


def test_markup_and_escape_codes_in_a_source_value_are_printed_literally(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / ECI
    text = path.read_text()
    assert text.count("2025-02-24") >= 1
    path.write_text(text.replace("2025-02-24", HOSTILE, 1))
    result = CliRunner().invoke(main, ["snapshot", "build", "--from", str(data_copy), "--out", str(tmp_path / "snap")])
    message = _assert_one_line_error(result)
    assert "[/] [red]x[/red]" in message
    assert "\x1b" not in result.output


def test_markup_in_a_curated_value_is_printed_literally_by_validate(curated: Path) -> None:
    edit_line(curated / "architecture_facts.csv", 2, "2023-04-03", "[/][red]x[/red]\x1b[2J")
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "[/][red]x[/red]" in result.output and "\x1b" not in result.output


def test_markup_in_a_file_name_is_printed_literally(tmp_path: Path) -> None:
    blocs = tmp_path / "[red]b[/red][/]"
    blocs.mkdir(parents=True)
    (blocs / "blocs.csv").write_text("country,bloc\nCN\n")  # no bloc on line 2
    result = CliRunner().invoke(main, ["indicators", "--json", "--blocs", str(blocs / "blocs.csv")])
    message = _assert_one_line_error(result)
    assert "[red]b[/red][/]" in message


def _hostile_document() -> dict[str, Any]:
    """The smallest document ``_print_summary`` renders, every data-derived name hostile."""
    bloc = f"Bloc {HOSTILE}"
    return {
        "meta": {"bloc_map": {"blocs": ["China", bloc]}},
        "indicators": {
            "capability_gap": {
                f"series {HOSTILE}": {
                    "latest": {"month": "2025-01", "gap": {"leader": bloc, "points": 1.0, "percent": 2.0}, "frontier": {}},
                    "catch_up": {"mean_lag_months": None, "n_records": 0, "n_open": 0},
                    "population": {"models_by_bloc": {}},
                }
            },
            "adoption": {
                "download_history": {
                    "available": True,
                    "variants": {"llm_only": {"balanced_panel": {"repos": 1, "start": "2024-09-01", "monthly": []}}},
                    "quality": {"flagged_runs": [{"repo_id": f"repo {HOSTILE}", "start": "2024-09-01", "end": "2024-09-02", "days": 2, "downloads": 1}]},
                },
                "hub_sample": {
                    "source": f"db {HOSTILE}",
                    "populations": {f"p_{HOSTILE}": {"models": 1, "share_30d": None}},
                    "derivative_share": {
                        "variants": {"all_relations": {"derivatives": 1.0, "overall": {"China": {"share": 1.0}, bloc: {"share": 0.0}}}}
                    },
                },
            },
            "regional": {"sovereign": {"projects": 1, "by_origin": {f"origin {HOSTILE}": {"share": 1.0}}}},
            "diffusion": {
                "population": {"releases": 1, "scope": f"scope {HOSTILE}"},
                "features": [
                    {
                        "feature": f"feature {HOSTILE}",
                        "originator": {"model": f"model {HOSTILE}", "bloc": bloc},
                        "first_adopters": {bloc: {"lag_months": 1.0}},
                    }
                ],
                "direction": {"counts": {f"k {HOSTILE}": 1}, "statements": [f"k {HOSTILE}"]},
            },
        },
    }


def test_names_from_data_in_summary_tables_are_printed_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", cli.Console(file=buffer, width=400, force_terminal=False, color_system=None))
    cli._print_summary(_hostile_document())
    printed = buffer.getvalue()
    assert "\x1b" not in printed
    for name in ("series", "Bloc", "db", "p_", "origin", "feature", "model", "k", "repo"):
        assert f"{name} [/] [red]x[/red]" in printed or f"{name}[/] [red]x[/red]" in printed, name


def test_markup_in_a_snapshot_manifest_is_printed_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    from weightatlas.store import SNAPSHOT_DIR

    manifest = json.loads((SNAPSHOT_DIR / "manifest.json").read_text())
    manifest["sources"][0]["licence"] = HOSTILE
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", cli.Console(file=buffer, width=400, force_terminal=False, color_system=None))
    cli._print_manifest(manifest)
    assert "[/] [red]x[/red]" in buffer.getvalue() and "\x1b" not in buffer.getvalue()


# --- 4. --db and --out are checked before anything is computed -----------------------------------------


@pytest.fixture
def no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("computed before the inputs were checked")

    monkeypatch.setattr("weightatlas.api.build_document", fail)


def _not_a_crawl_db(tmp_path: Path) -> Path:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    return path


def _partial_crawl_db(tmp_path: Path) -> Path:
    from weightatlas.hub.schema import ensure_schema

    path = tmp_path / "partial.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    con.execute("ALTER TABLE hub_edges DROP COLUMN relation")
    con.close()
    return path


@pytest.mark.parametrize("command", ["indicators", "report"])
@pytest.mark.parametrize(
    ("make_db", "expected"),
    [
        (lambda tmp: tmp / "missing.duckdb", "no crawl database"),
        (lambda tmp: (tmp / "text.duckdb").write_text("not a database\n" * 50) and tmp / "text.duckdb", "not a DuckDB database"),
        (_not_a_crawl_db, "not a crawl database (no table crawl_snapshots"),
        (_partial_crawl_db, "not a crawl database (table hub_edges lacks column relation"),
    ],
)
def test_db_that_is_not_a_crawl_database_is_one_line_before_computing(
    tmp_path: Path, no_computing: None, command: str, make_db: Any, expected: str
) -> None:
    db = make_db(tmp_path)
    args = [command, "--db", str(db)] + (["--out", str(tmp_path / "r")] if command == "report" else ["--json"])
    message = _assert_one_line_error(CliRunner().invoke(main, args))
    assert expected in message and str(db) in message
    assert not (tmp_path / "r").exists()


def test_report_out_that_cannot_be_written_fails_before_computing(tmp_path: Path, no_computing: None) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["report", "--out", str(blocker / "report")])
    message = _assert_one_line_error(result)
    assert str(blocker) in message and "cannot write" in message


# --- 5. operating-system errors and locked databases are one line, real bugs still traceback -----------


_HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER)")
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def locked_db(tmp_path: Path) -> Any:
    from weightatlas.hub.schema import ensure_schema

    path = tmp_path / "hub.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    con.close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield path
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait()


def test_locked_crawl_database_is_one_line_for_crawl(locked_db: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", "--db", str(locked_db), "--endpoint", "http://127.0.0.1:9", "--max-requests", "1"])
    message = _assert_one_line_error(result, (2, 3))  # 3 where the crawl reports it as stopped, state kept
    assert str(locked_db) in message


def test_locked_crawl_database_is_one_line_for_indicators(locked_db: Path, no_computing: None) -> None:
    message = _assert_one_line_error(CliRunner().invoke(main, ["indicators", "--json", "--db", str(locked_db)]))
    assert str(locked_db) in message and "lock" in message


def test_os_error_inside_a_command_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(tmp_path / "x[/]\x1b[31m\ny"))

    monkeypatch.setattr("weightatlas.api.indicators_document", fail)
    result = CliRunner().invoke(main, ["indicators", "--json"])
    message = _assert_one_line_error(result)
    assert "Permission denied" in message and "x[/] y" in message and "\x1b" not in result.output


def test_an_unknown_exception_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a real bug")

    monkeypatch.setattr("weightatlas.api.indicators_document", fail)
    result = CliRunner().invoke(main, ["indicators", "--json"])
    assert isinstance(result.exception, KeyError)
