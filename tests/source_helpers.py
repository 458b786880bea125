"""Helpers shared by the source-adapter tests (``tests/test_source_*.py``).

The bad-input tests of every adapter follow one pattern: copy the adapter's
folder out of the fixture tree (``tests/fixtures/shared_data``) into
``tmp_path``, corrupt one string in one copied file, then check that reading
raises :class:`~weightatlas.errors.InputError` naming the right file, line and
field. These helpers are the three steps of that pattern.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

import pytest

from weightatlas.errors import InputError


class _NotChecked:
    """Type of :data:`NOT_CHECKED`."""

    def __repr__(self) -> str:
        return "NOT_CHECKED"


NOT_CHECKED: Final = _NotChecked()
"""Pass as ``line`` or ``field`` to :func:`assert_input_error` to leave that attribute unchecked."""


def copy_source(fixture_data: Path, tmp_path: Path, folder: str) -> Path:
    """Copy ``fixture_data / folder`` to ``tmp_path / folder`` and return ``tmp_path``.

    The result is a data root holding only that source, which an adapter's
    ``read`` accepts in place of the real ``shared/data``.
    """
    shutil.copytree(fixture_data / folder, tmp_path / folder)
    return tmp_path


def replace_once(path: Path, old: str, new: str, *, count: int | None = 1) -> Path:
    """Replace the first occurrence of ``old`` in the file at ``path`` by ``new``; return ``path``.

    ``count`` is how many times ``old`` must occur in the file before the edit
    (asserted): exactly once by default, so the edit is unambiguous. Pass
    ``count=None`` to require only that it occurs at all; the first occurrence
    is still the only one replaced.
    """
    text = path.read_text(encoding="utf-8")
    if count is None:
        assert old in text, old
    else:
        assert text.count(old) == count, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def assert_input_error(
    read: Callable[[], Iterable[object]],
    path: Path | str,
    line: int | None | _NotChecked,
    field: str | None | _NotChecked,
) -> InputError:
    """Assert that ``list(read())`` raises :class:`InputError` at ``path``, ``line`` and ``field``.

    ``path`` is compared as a string (``InputError.path`` always is one).
    ``None`` for ``line`` or ``field`` means the error must carry none; pass
    :data:`NOT_CHECKED` to skip that attribute. Returns the error for further
    checks.
    """
    with pytest.raises(InputError) as info:
        list(read())
    error = info.value
    actual: tuple[object, ...] = (error.path,)
    expected: tuple[object, ...] = (str(path),)
    for name, want in (("line", line), ("field", field)):
        if want is not NOT_CHECKED:
            actual += (getattr(error, name),)
            expected += (want,)
    assert actual == expected
    return error
