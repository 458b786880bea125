"""The Hub's naming rule for repo ids, for checking ids that servers send.

The rule is huggingface_hub's ``validate_repo_id`` (huggingface_hub 2.4.0,
``huggingface_hub/utils/_validators.py``: ``REPO_ID_REGEX`` plus its checks), which
mirrors the Hub's own validation (moon-landing ``server/lib/Names.ts``, cited there):

* ``name`` (legacy, no namespace) or ``namespace/name``;
* each part 1 to 96 characters from ``[A-Za-z0-9_.-]`` (ASCII only), starting and
  ending with a letter, digit or ``_`` (the regex's ``\\b`` word boundaries);
* no ``--`` and no ``..`` anywhere, and no ``.git`` at the end.

:data:`REPO_ID_PATTERN` is written so that RE2 (DuckDB's ``regexp_full_match``) and
Python's ``re`` read it the same way; ingestion applies it in SQL, the client in Python.
"""

from __future__ import annotations

import re

_PART = "[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
REPO_ID_PATTERN = f"{_PART}(?:/{_PART})?"
_REPO_ID = re.compile(REPO_ID_PATTERN)


def is_valid_repo_id(repo_id: object) -> bool:
    """True if ``repo_id`` follows the Hub's naming rule (see the module docstring)."""
    return (
        isinstance(repo_id, str)
        and _REPO_ID.fullmatch(repo_id) is not None
        and "--" not in repo_id
        and ".." not in repo_id
        and not repo_id.endswith(".git")
    )


def sql_is_valid_repo_id(expr: str) -> str:
    """The same test as a DuckDB SQL expression over ``expr`` (NULL stays NULL)."""
    return (
        f"(regexp_full_match({expr}, '{REPO_ID_PATTERN}') AND NOT contains({expr}, '--') "
        f"AND NOT contains({expr}, '..') AND NOT ends_with({expr}, '.git'))"
    )
