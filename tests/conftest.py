"""Shared fixtures.

Tests that read the raw inputs in ``../shared/data`` are marked ``shared_data``
and skipped, with the reason, where that folder is absent. Everything else runs
on the committed snapshot and on small fixture files under ``tests/fixtures``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from weightatlas.attribution import CURATED_DIR

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_DATA = FIXTURES / "shared_data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"raw source data not found at {SHARED_DATA} (CI always has it)")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture
def fixture_data() -> Path:
    """A miniature ``shared/data`` tree with hand-written files in the real formats."""
    return FIXTURE_DATA


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    """A writable copy of the curated tables, for tests that corrupt one of them."""
    folder = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, folder)
    return folder


def edit_line(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` once on one line of a file (1-based), failing if it is not there."""
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines))
