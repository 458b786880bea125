"""Which URLs can serve as a row's source: the one rule, applied to every curated table.

A source URL has to lead a reader to the page that states the fact. Two kinds of page
do not:

* **Tag, author, category, topic, search and listing pages** (``/tag/``,
  ``/author/``, ``/category/``, ``/topics/``, ``/search``, ``?s=``, ``?q=``,
  ``/page/3``, ``?page=5``): their content is whatever was posted most recently, so
  the item that was read there moves off the page or drops out of it. Rejected in
  every table.
* **Site roots and organisation pages** (``https://example.gov/``,
  ``huggingface.co/<org>``, ``github.com/<org>``): they say who an organisation is,
  which is what ``organizations.csv`` uses them for, but they date nothing and show
  only the newest items. Rejected in tables whose rows are dated claims (a table with
  a date column other than ``checked_on``).

``weightatlas validate`` calls :func:`source_url_errors` for each curated CSV; every
rejected URL is its own :class:`~weightatlas.errors.InputError` naming file, line and
column.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from weightatlas.errors import InputError
from weightatlas.sources.base import read_csv

# Path segments that introduce a list of items rather than one item.
LISTING_SEGMENTS = frozenset({"tag", "tags", "author", "authors", "category", "categories", "topics", "search"})
# Query keys that run a search, filter by tag or author, or page through a list.
# (WordPress's ``?p=123`` is one post and stays allowed.)
LISTING_QUERY_KEYS = frozenset({"s", "q", "query", "search", "tag", "author", "category", "cat", "page", "paged"})
# Hosts whose one-segment paths are an account (organisation or user) or a site section.
ORGANISATION_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co", "github.com", "www.github.com"})
# Columns that hold a URL: source_url, source_url_2, url.
URL_COLUMN = re.compile(r"(^|_)url(_\d+)?$")
# Date columns that do not make a row a dated claim: ``checked_on`` dates the check.
UNDATED_COLUMNS = frozenset({"checked_on"})


def url_problem(url: str, *, dated: bool) -> str | None:
    """Why ``url`` cannot be a source (``None`` when it can). ``dated``: the row states a dated fact."""
    parts = urlsplit(url.strip())
    segments = [s.lower() for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment in LISTING_SEGMENTS:
            return f"a /{segment}/ page lists items, it does not state the fact: cite the item's own page"
        if segment == "page" and i + 1 < len(segments) and segments[i + 1].isdigit():
            return "a numbered listing page changes as items are added: cite the item's own page"
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in LISTING_QUERY_KEYS:
            return f"'?{key}=' makes this a search or listing page: cite the item's own page"
    if not dated:
        return None
    if not segments and not parts.query:
        return "a site root dates nothing: cite the page that states the fact"
    if parts.netloc.lower() in ORGANISATION_HOSTS and len(segments) == 1:
        return "an organisation's page dates nothing: cite the model card, release note or paper"
    return None


def source_url_errors(path: Path, *, dated: bool) -> list[InputError]:
    """Every URL cell of the CSV at ``path`` that :func:`url_problem` rejects, as errors with line and column."""
    errors = []
    for line, row in read_csv(path):
        for column, value in row.items():
            if column and URL_COLUMN.search(column) and value and value.strip():
                problem = url_problem(value, dated=dated)
                if problem:
                    errors.append(InputError(path, f"{problem} ({value.strip()})", line=line, field=column))
    return errors


def is_dated(columns: list[tuple[str, str]]) -> bool:
    """Whether a table with these ``(name, kind)`` columns states dated facts."""
    return any(kind == "date" and name not in UNDATED_COLUMNS for name, kind in columns)
