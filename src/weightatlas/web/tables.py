"""The dashboard's tables: fixed, parameterised SQL over the opened store.

Every table is declared once (:data:`TABLES`): the SQL it reads from, the columns a
user may sort by, search in and filter on, its row id, the row's source reference and
source URL. A request only ever chooses among these names and passes its values as
bound parameters: no SQL is built from user text. Sort columns and orders are
whitelisted; a filter value is compared with ``=``, a search term with ``contains``
(no wildcard meaning), dates with ``BETWEEN``.

Totals are counted once per (table, filters) and kept in a small LRU
(:class:`CountCache`): the page query itself is a single ``ORDER BY ... LIMIT ... OFFSET``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from weightatlas.errors import WeightatlasError

MAX_PER_PAGE = 500
# From this offset on a page is found by ranking narrow rows first (measured on a 1,000,000-repo crawl:
# about 1.4x faster at offset 75,000, but 3x slower on a first page, hence the threshold).
LATE_ROWS_FROM = 10_000
# Downloads per repo summed over the months in a date range, with the months listed.
HISTORY_MONTHS_SQL = """SELECT repo_id, sum(downloads) AS downloads, count(*) AS months,
    list({'month': month, 'downloads': downloads, 'days': days} ORDER BY month) AS monthly
    FROM web_history_monthly WHERE month BETWEEN $date_from_month AND $date_to_month GROUP BY repo_id"""
HF = "'https://huggingface.co/'"


class TableQueryError(WeightatlasError):
    """A request named a table, column or row that does not exist (the API answers 400/404)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Table:
    """One table of the dashboard and what a request may do with it."""

    name: str
    title: str
    select: str  # a SELECT producing the columns below plus row_id, source_ref, source_url
    columns: tuple[str, ...]  # shown, in order
    sort: tuple[str, ...]  # whitelisted sort columns (the first is the default)
    default_order: str
    search: tuple[str, ...]  # columns `q` searches (case-insensitive substring)
    filters: dict[str, str] = field(default_factory=dict)  # query parameter -> column compared with =
    date_column: str | None = None  # what `date_from` / `date_to` bound
    source_note: str = ""


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "models",
            "Models (resolved across the capability sources)",
            f"""SELECT model_id AS row_id, model_id, display_name, family, array_to_string(org_ids, ', ') AS organisations,
                array_to_string(countries, ', ') AS countries, release_date, accessibility, params_total, licence, hf_repo,
                training_compute_flop, array_to_string(sources, ', ') AS sources, release_date_ref AS source_ref,
                CASE WHEN hf_repo IS NOT NULL THEN {HF} || hf_repo END AS source_url FROM models""",
            ("model_id", "display_name", "family", "organisations", "countries", "release_date", "accessibility", "params_total", "licence", "hf_repo", "training_compute_flop", "sources"),
            ("release_date", "model_id", "display_name", "params_total", "training_compute_flop"),
            "desc",
            ("model_id", "display_name", "family", "organisations"),
            {"accessibility": "accessibility"},
            "release_date",
            "release_date_ref names the source row the release date came from",
        ),
        Table(
            "organizations",
            "Organisations (curated, with entity and parent countries)",
            """SELECT id AS row_id, id, name, country_entity, country_parent, country, bloc, org_type, parent,
                'data/curated/organizations.csv' AS source_ref, source_url FROM organizations""",
            ("id", "name", "country_entity", "country_parent", "country", "bloc", "org_type", "parent"),
            ("name", "id", "country", "bloc"),
            "asc",
            ("id", "name"),
            {"bloc": "bloc", "country": "country"},
            None,
            "bloc under the default bloc map",
        ),
        Table(
            "scores",
            "Benchmark scores (one row per source row)",
            """SELECT s.ref || '#' || s.benchmark AS row_id, s.model_id, s.benchmark, s.value, s.ci_low, s.ci_high, s.source_id,
                s.independent, s.variant, s.raw_model_name, s.release_date, s.snapshot_date, s.metric_version,
                s.ref AS source_ref, src.url AS source_url
                FROM scores s LEFT JOIN sources src ON src.id = s.source_id""",
            ("model_id", "benchmark", "value", "ci_low", "ci_high", "source_id", "independent", "variant", "raw_model_name", "release_date", "snapshot_date", "metric_version"),
            ("value", "release_date", "model_id", "benchmark", "snapshot_date"),
            "desc",
            ("model_id", "raw_model_name", "benchmark"),
            {"benchmark": "benchmark", "independent": "independent", "source_id": "source_id"},
            "release_date",
        ),
        Table(
            "hub_models",
            "Hub repos (the embedded family trees, or the crawl database)",
            f"""SELECT id AS row_id, id, author, created_at::DATE AS created_at, downloads, downloads_all_time, likes, pipeline_tag,
                library_name, licence, model_type, params_total, is_gguf, 'hub_models:' || id AS source_ref, {HF} || id AS source_url
                FROM hub_models""",
            ("id", "author", "created_at", "downloads", "downloads_all_time", "likes", "pipeline_tag", "library_name", "licence", "model_type", "params_total", "is_gguf"),
            ("downloads", "likes", "created_at", "id", "downloads_all_time"),
            "desc",
            ("id",),
            {"author": "author", "pipeline_tag": "pipeline_tag", "library_name": "library_name"},
            "created_at",
        ),
        Table(
            "hub_edges",
            "Lineage edges (child built on parent)",
            f"""SELECT child || ' <- ' || parent AS row_id, child, parent, relation, relation_hub, evidence, snapshot_id,
                'hub_edges:' || child AS source_ref, {HF} || child AS source_url FROM hub_edges""",
            ("child", "parent", "relation", "relation_hub", "evidence", "snapshot_id"),
            ("child", "parent", "relation"),
            "asc",
            ("child", "parent"),
            {"relation": "relation"},
            None,
        ),
        Table(
            "download_histories",
            "Download histories (KBhandari11 cohort): repo with its monthly downloads",
            """SELECT r.repo_id AS row_id, r.repo_id, r.org_id, r.bloc, r.role, r.modality, r.created_at, r.counter_start,
                coalesce(m.downloads, 0) AS downloads, m.months, m.monthly, r.ref AS source_ref,
                'https://huggingface.co/' || r.repo_id AS source_url
                FROM history_repos r LEFT JOIN (""" + HISTORY_MONTHS_SQL + """) m ON m.repo_id = r.repo_id""",
            ("repo_id", "org_id", "bloc", "role", "modality", "created_at", "counter_start", "downloads", "months", "monthly"),
            ("downloads", "repo_id", "created_at", "counter_start"),
            "desc",
            ("repo_id", "org_id"),
            {"bloc": "bloc", "role": "role", "modality": "modality"},
            None,  # the date range bounds the months summed, not the repos
            "monthly downloads from the daily cumulative counts under the library's rules (counter start is not a day's downloads; a decrease counts 0)",
        ),
        Table(
            "policy_events",
            "Policy events (curated, one source URL per row)",
            """SELECT id AS row_id, id, date, date_precision, jurisdiction, actor, instrument_type, target, direction, description,
                confidence, 'data/curated/policy_events.csv:' || id AS source_ref, source_url, source_url_2 FROM web_policy_events""",
            ("id", "date", "date_precision", "jurisdiction", "actor", "instrument_type", "target", "direction", "description", "confidence", "source_url_2"),
            ("date", "id", "jurisdiction", "direction"),
            "desc",
            ("id", "description", "actor", "jurisdiction"),
            {"jurisdiction": "jurisdiction", "direction": "direction", "instrument_type": "instrument_type"},
            "date",
        ),
    )
}


def register_derived_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the two tables the dashboard derives, once, at startup, in the store's in-memory database.

    Tables rather than registered Arrow views: a registration is visible to its own connection
    only, and every request reads through a cursor of its own. Nothing is written to any file.

    ``web_history_monthly``: downloads per repo and month, from the daily cumulative counts
    through :mod:`weightatlas.indicators.history_quality` (the same increments as the indicator).
    ``web_policy_events``: the curated policy event log as loaded (and validated) by the library.
    """
    from weightatlas.curated import POLICY_EVENTS, load_table
    from weightatlas.indicators import download_history as dh
    from weightatlas.indicators import history_quality as hq

    ids = [r[0] for r in con.execute("SELECT repo_id FROM history_repos ORDER BY repo_id").fetchall()]
    cum, days, kept = dh._matrix(con, ids)
    rows: dict[str, list[Any]] = {"repo_id": [], "month": [], "downloads": [], "days": []}
    if len(kept):
        inc, _, _ = hq.increments_matrix(cum)
        for label, cols in dh._periods(days, lambda d: f"{d.year}-{d.month:02d}"):
            sums = inc[:, cols].sum(axis=1)
            rows["repo_id"] += list(kept)
            rows["month"] += [label] * len(kept)
            rows["downloads"] += [int(v) for v in np.asarray(sums)]
            rows["days"] += [len(cols)] * len(kept)
    _create_from_arrow(con, "web_history_monthly", pa.table(rows, schema=pa.schema([("repo_id", pa.string()), ("month", pa.string()), ("downloads", pa.int64()), ("days", pa.int32())])))
    totals = HISTORY_MONTHS_SQL.replace("$date_from_month", "'0000-00'").replace("$date_to_month", "'9999-99'")
    con.execute(f"CREATE OR REPLACE TABLE web_history_totals AS {totals}")
    events = load_table(POLICY_EVENTS)
    cols = ("id", "date", "date_precision", "jurisdiction", "actor", "instrument_type", "target", "direction", "description", "confidence", "source_url", "source_url_2")
    data = {c: [(", ".join(e[c]) if isinstance(e.get(c), list) else e.get(c)) for e in events] for c in cols}
    schema = pa.schema([(c, pa.date32() if c == "date" else pa.string()) for c in cols])
    _create_from_arrow(con, "web_policy_events", pa.table(data, schema=schema))


def _create_from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register("wa_web_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM wa_web_arrow")
    finally:
        con.unregister("wa_web_arrow")


@dataclass
class PageRequest:
    """A table request after validation: only whitelisted names, values kept apart as parameters."""

    table: Table
    q: str | None = None
    sort: str | None = None
    order: str | None = None
    page: int = 1
    per_page: int = 50
    filters: dict[str, Any] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        t = self.table
        if self.sort is not None and self.sort not in t.sort:
            raise TableQueryError(f"cannot sort {t.name} by {self.sort!r}; sortable columns: {', '.join(t.sort)}")
        if self.order is not None and self.order not in ("asc", "desc"):
            raise TableQueryError(f"order must be 'asc' or 'desc', not {self.order!r}")
        unknown = [k for k in self.filters if k not in t.filters]
        if unknown:
            allowed = ", ".join(t.filters) or "none"
            raise TableQueryError(f"table {t.name} has no filter {unknown[0]!r}; its filters: {allowed}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise TableQueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if self.page < 1:
            raise TableQueryError("page must be 1 or more")

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (fixed text naming whitelisted columns) and its bound parameters."""
        t = self.table
        clauses: list[str] = []
        params: list[Any] = []
        if self.q:
            clauses.append("(" + " OR ".join(f"contains(lower(coalesce(CAST({c} AS VARCHAR), '')), lower(?))" for c in t.search) + ")")
            params += [self.q] * len(t.search)
        for key, value in sorted(self.filters.items()):
            clauses.append(f"{t.filters[key]} = ?")
            params.append(value)
        if t.date_column and self.date_from:
            clauses.append(f"{t.date_column} >= ?")
            params.append(self.date_from)
        if t.date_column and self.date_to:
            clauses.append(f"{t.date_column} <= ?")
            params.append(self.date_to)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def source(self) -> tuple[str, dict[str, Any]]:
        """The table's SELECT and its named parameters (only the download histories take any: the months summed)."""
        named: dict[str, Any] = {}
        if "$date_from_month" in self.table.select and not (self.date_from or self.date_to):
            # The whole window: the per-repo totals aggregated once at startup (register_derived_tables).
            return self.table.select.replace(HISTORY_MONTHS_SQL, "SELECT * FROM web_history_totals"), named
        if "$date_from_month" in self.table.select:
            named = {
                "date_from_month": self.date_from.strftime("%Y-%m") if self.date_from else "0000-00",
                "date_to_month": self.date_to.strftime("%Y-%m") if self.date_to else "9999-99",
            }
        return self.table.select, named

    def count_key(self) -> tuple[Any, ...]:
        return (self.table.name, self.q, tuple(sorted(self.filters.items())), self.date_from, self.date_to)


def _bind(sql: str, named: dict[str, Any], params: list[Any]) -> tuple[str, list[Any]]:
    """One positional parameter list in order of appearance (DuckDB cannot mix ``$name`` and ``?``).

    ``?`` takes the next of ``params``, ``$name`` the named value (a table's SELECT may appear twice).
    The SQL here is the fixed text of this module: neither marker occurs inside its literals.
    """
    ordered: list[Any] = []
    positional = iter(params)

    def take(match: re.Match[str]) -> str:
        token = match.group(0)
        ordered.append(next(positional) if token == "?" else named[token[1:]])
        return "?"

    out = re.sub(r"\?|\$[a-z_]+", take, sql)
    return out, ordered


class CountCache:
    """Totals per (table, search, filters, dates), least recently used dropped first."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> int | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key: tuple[Any, ...], value: int) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


def _fetch(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = cursor.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def page(
    cursor: duckdb.DuckDBPyConnection, req: PageRequest, counts: CountCache | None = None, *, late_rows_from: int | None = None
) -> dict[str, Any]:
    """One page of a table: rows, total count, the page asked for and how it was sorted.

    ``late_rows_from`` overrides :data:`LATE_ROWS_FROM` (the benchmark's naive side passes a value
    no offset reaches: every page is a plain wide ``LIMIT ... OFFSET``).
    """
    t = req.table
    select, named = req.source()
    where, params = req.where()
    key = (req.count_key(), tuple(named.items()))
    total = counts.get(key) if counts else None
    if total is None:
        sql, bound = _bind(f"SELECT count(*) AS n FROM ({select}) AS t{where}", named, params)
        total = int(cursor.execute(sql, bound).fetchone()[0])
        if counts:
            counts.put(key, total)
    sort = req.sort or t.sort[0]
    order = req.order or t.default_order
    offset = (req.page - 1) * req.per_page
    # Column and direction come from the whitelist above; NULLS LAST and the row id make pages stable.
    ordering = f"ORDER BY {sort} {order.upper()} NULLS LAST, row_id"
    if offset < (LATE_ROWS_FROM if late_rows_from is None else late_rows_from):
        sql, bound = _bind(f"SELECT * FROM ({select}) AS t{where} {ordering} LIMIT ? OFFSET ?", named, [*params, req.per_page, offset])
    else:
        # A deep page: rank only the sort key and row id (narrow rows), then read the page's full rows.
        sql, bound = _bind(
            f"WITH page_ids AS (SELECT row_id FROM ({select}) AS t{where} {ordering} LIMIT ? OFFSET ?) "
            f"SELECT t.* FROM ({select}) AS t SEMI JOIN page_ids USING (row_id) {ordering}",
            named,
            [*params, req.per_page, offset],
        )
    rows = _fetch(cursor, sql, bound)
    return {
        "table": t.name,
        "title": t.title,
        "columns": list(t.columns),
        "sortable": list(t.sort),
        "filters": list(t.filters),
        "sort": sort,
        "order": order,
        "page": req.page,
        "per_page": req.per_page,
        "total": total,
        "pages": max(1, -(-total // req.per_page)),
        "rows": rows,
        "note": t.source_note,
    }


def row(cursor: duckdb.DuckDBPyConnection, table: Table, row_id: str) -> dict[str, Any]:
    """One row by its id, or :class:`TableQueryError` (404)."""
    select, named = PageRequest(table).source()
    sql, bound = _bind(f"SELECT * FROM ({select}) AS t WHERE row_id = ? LIMIT 1", named, [row_id])
    found = _fetch(cursor, sql, bound)
    if not found:
        raise TableQueryError(f"no row {row_id!r} in table {table.name}", status=404)
    return found[0]
