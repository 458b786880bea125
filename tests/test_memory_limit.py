"""DuckDB's memory limit: 1 GB by default, raised with $WEIGHTATLAS_MEMORY_LIMIT, a bad value refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from weightatlas.cli import main
from weightatlas.errors import InputError
from weightatlas.hub.schema import MEMORY_LIMIT_ENV, memory_limit
from weightatlas.store import Store


def _limit(store: Store) -> str:
    return store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_default_is_one_gigabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    assert memory_limit() == "1GB"
    with Store.open() as store:
        assert _limit(store) == "953.6 MiB"  # DuckDB shows 1 GB (10^9 bytes) in MiB


def test_environment_raises_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "3GB")
    with Store.open() as store:
        assert _limit(store) == "2.7 GiB"


@pytest.mark.parametrize("value", ["lots", "3", "-1GB", "3GB; SET threads=64"])
def test_bad_value_is_refused_with_exit_2(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, value)
    with pytest.raises(InputError, match=MEMORY_LIMIT_ENV):
        memory_limit()
    result = CliRunner().invoke(main, ["indicators", "--json"])
    assert result.exit_code == 2
    assert MEMORY_LIMIT_ENV in result.output and repr(value) in result.output
