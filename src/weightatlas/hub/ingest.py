"""Turn a page of Hub model records into the ``hub_*`` tables, quarantining bad records.

Two ways into one typed staging table, then one set of SQL statements:

* **Fast path**: DuckDB parses the page bytes itself (``read_json`` with a fixed
  column schema), with no Python object per model. This is what makes a
  million-model crawl quick.
* **Checked path**: when the fast path refuses the page (an item that is not an
  object, a string where a number belongs, ...), the page is parsed in Python item
  by item; items that cannot be coerced are quarantined with the field at fault,
  the rest are staged. The family-tree importer uses this path too.

Each staged page is appended to ``hub_raw`` in the crawler's page transaction
(cheap: no index to maintain), and :func:`finalize` then does the rest in bulk, in
SQL, once per run: records with a missing id, an id (or a ``base_model:`` tag's parent
id) that breaks the Hub's naming rule (reason ``invalid_repo_id``, see ``repo_id.py``),
negative or absurd counts, impossible dates, or a lineage tag with an unknown relation
are quarantined with the reason; numbers outside the columns' range (e.g. ``2**70``
downloads) and non-finite numbers inside JSON fields are quarantined on staging,
with the field at fault. The rest are upserted into ``hub_models`` (deduplicated by id, the
last occurrence wins), their downloads are kept per snapshot in ``hub_downloads``,
and their lineage replaces their previous edges in ``hub_edges``. ``finalize`` is
idempotent: it consumes whatever ``hub_raw`` holds for the snapshot, so a run that
was killed before finalising is finalised by the next one.

Projection rule (hub-api.md §3): a field the server did not send is NULL, never 0,
and an upsert keeps the previously known value rather than overwrite it with NULL.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from weightatlas.errors import WeightatlasError
from weightatlas.hub.repo_id import sql_is_valid_repo_id
from weightatlas.hub.schema import RELATIONS

# Wire key -> DuckDB type of the staging table (and of the fast-path reader).
STAGING: dict[str, str] = {
    "_id": "VARCHAR",
    "id": "VARCHAR",
    "author": "VARCHAR",
    "createdAt": "TIMESTAMP",
    "lastModified": "TIMESTAMP",
    "downloads": "BIGINT",
    "downloadsAllTime": "BIGINT",
    "likes": "BIGINT",
    "trendingScore": "DOUBLE",
    "tags": "VARCHAR[]",
    "pipeline_tag": "VARCHAR",
    "library_name": "VARCHAR",
    "gated": "JSON",
    "sha": "VARCHAR",
    "config": "JSON",
    "cardData": "JSON",
    "safetensors": "JSON",
    "gguf": "JSON",
}
_ARROW = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR[]": pa.list_(pa.string()), "JSON": pa.string()}
MAX_COUNT = 10**12  # no repo has a trillion downloads; larger values are corrupt
INT64 = (-(2**63), 2**63 - 1)  # BIGINT columns; beyond it a value cannot even be staged
# Repack names (hub-api.md §10.5.2): quantised formats and low-precision re-exports.
QUANT_NAME = r"(?i)(-gguf|-awq|-gptq|-mlx|-exl2|-fp8|-fp4|-nvfp4|-mxfp4|-w4a16|-w8a8|-bnb|-int4|-int8|-[2-8]bit|-[2-8]-?bit|\.gguf$)"


class MalformedPage(WeightatlasError):
    """The page body is not a JSON array at all (e.g. truncated): refetch it."""


class Ingestor:
    """Stages pages into one DuckDB connection for one snapshot.

    Call :meth:`stage_bytes` (or :meth:`stage_records`) *outside* a transaction: a
    refused fast-path parse aborts the surrounding transaction in DuckDB. Then call
    :meth:`apply` inside the caller's transaction, next to its checkpoint write.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, snapshot_id: int, *, scratch_dir: Path | None = None, scratch_prefix: str = ".wa-page-"
    ) -> None:
        self.con = con
        self.snapshot_id = snapshot_id
        fd, name = tempfile.mkstemp(prefix=scratch_prefix, suffix=".json", dir=scratch_dir)
        os.close(fd)
        self._scratch = Path(name)
        self._columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in STAGING.items()) + "}"
        self._bad: list[tuple[int, str | None, str, str]] = []

    def close(self) -> None:
        self._scratch.unlink(missing_ok=True)

    def stage_bytes(self, body: bytes, page_no: int) -> None:
        """Stage one listing page (a JSON array of model records)."""
        self._scratch.write_bytes(body)
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE wa_stage AS SELECT (row_number() OVER () - 1)::INTEGER AS position, * "
                f"FROM read_json(?, format='array', columns={self._columns})",
                [str(self._scratch)],
            )
        except duckdb.InvalidInputException:
            try:
                records = json.loads(body)
            except ValueError as exc:
                raise MalformedPage(f"page {page_no} is not valid JSON: {exc}") from exc
            if not isinstance(records, list):
                raise MalformedPage(f"page {page_no} is not a JSON array") from None
            self.stage_records(records)
            return
        self._bad = []

    def stage_records(self, records: list[Any]) -> None:
        """Stage already-parsed records (checked path), setting aside those that cannot be coerced."""
        columns: dict[str, list[Any]] = {"position": [], **{k: [] for k in STAGING}}
        bad: list[tuple[int, str | None, str, str]] = []
        for position, item in enumerate(records):
            coerced, problem = _coerce(item)
            if problem is not None:
                model_id = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
                bad.append((position, model_id, problem, _raw(item)))
                continue
            columns["position"].append(position)
            for key in STAGING:
                columns[key].append(coerced[key])
        table = pa.table(
            {"position": pa.array(columns["position"], pa.int32()), **{k: pa.array(columns[k], _ARROW[t]) for k, t in STAGING.items()}}
        )
        casts = ", ".join(f'CAST("{k}" AS {t}) AS "{k}"' for k, t in STAGING.items())
        self.con.register("wa_arrow", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE wa_stage AS SELECT position, {casts} FROM wa_arrow")
        finally:
            self.con.unregister("wa_arrow")
        self._bad = bad

    def append(self, page_no: int) -> int:
        """Append the staged page to ``hub_raw`` (inside the caller's transaction); returns items read."""
        if self._bad:
            self.con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?)",
                [(self.snapshot_id, page_no, p, mid, reason, raw) for p, mid, reason, raw in self._bad],
            )
        inserted = self.con.execute("INSERT INTO hub_raw SELECT ?, ?, * FROM wa_stage", [self.snapshot_id, page_no]).fetchone()
        return (inserted[0] if inserted else 0) + len(self._bad)

    def drop_older(self, column: str, bound: datetime) -> None:
        """Leave out staged rows whose ``column`` (a quoted staging column) is before ``bound``."""
        self.con.execute(f"DELETE FROM wa_stage WHERE {column} < ?", [bound])

    def oldest(self) -> tuple[datetime | None, datetime | None]:
        """The oldest ``createdAt`` and ``lastModified`` among the staged rows."""
        row = self.con.execute('SELECT min("createdAt"), min("lastModified") FROM wa_stage').fetchone()
        assert row is not None
        return row[0], row[1]

    @property
    def rejected(self) -> int:
        """Items of the staged page set aside because they could not be coerced."""
        return len(self._bad)


@dataclass
class FinalizeResult:
    stored: int
    quarantined: int
    edges: int


def finalize(con: duckdb.DuckDBPyConnection, snapshot_id: int, *, source: str, now: datetime | None = None) -> FinalizeResult:
    """Validate, deduplicate and merge the snapshot's staged rows into the hub tables (one transaction)."""
    stamp = (now or _utcnow()).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_VALIDATE, [stamp, stamp, snapshot_id])
        con.execute(
            "INSERT INTO quarantine SELECT ?, b.page_no, b.position, b.id, b.reason, to_json(r)::VARCHAR "
            "FROM wa_bad b JOIN hub_raw r ON r.snapshot_id = ? AND r.page_no = b.page_no AND r.position = b.position",
            [snapshot_id, snapshot_id],
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE wa_ok AS
               SELECT r.* EXCLUDE (snapshot_id) FROM hub_raw r ANTI JOIN wa_bad b USING (page_no, position)
               WHERE r.snapshot_id = ?""",
            [snapshot_id],
        )
        repeated = con.execute("SELECT count(*) - count(DISTINCT id) FROM wa_ok").fetchone()[0]  # type: ignore[index]
        if repeated:
            # An item seen twice (keyset pages shift when values change mid-crawl): keep the last.
            con.execute(
                """CREATE OR REPLACE TEMP TABLE wa_ok AS SELECT * FROM wa_ok
                   QUALIFY row_number() OVER (PARTITION BY id ORDER BY page_no DESC, position DESC) = 1"""
            )
        _merge_models(con, snapshot_id, source)
        con.execute("DELETE FROM hub_downloads WHERE snapshot_id = ? AND model_id IN (SELECT id FROM wa_ok)", [snapshot_id])
        con.execute(
            """INSERT INTO hub_downloads
               SELECT ?, id, downloads, "downloadsAllTime", likes FROM wa_ok
               WHERE downloads IS NOT NULL OR "downloadsAllTime" IS NOT NULL OR likes IS NOT NULL""",
            [snapshot_id],
        )
        con.execute("DELETE FROM hub_edges WHERE child IN (SELECT id FROM wa_ok)")
        con.execute(_INSERT_EDGES, [snapshot_id])
        counts = con.execute(
            "SELECT (SELECT count(*) FROM wa_ok), (SELECT count(*) FROM wa_bad), "
            "(SELECT count(*) FROM hub_edges WHERE snapshot_id = ?)",
            [snapshot_id],
        ).fetchone()
        con.execute("DELETE FROM hub_raw WHERE snapshot_id = ?", [snapshot_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    assert counts is not None
    return FinalizeResult(stored=counts[0], quarantined=counts[1], edges=counts[2])


# Hub repo ids never contain ':', so a base_model tag with a second ':' carries a relation.
_RELATION_TAG = "starts_with(t, 'base_model:') AND contains(substr(t, 12), ':')"
_KNOWN_RELATION = " OR ".join(f"starts_with(t, 'base_model:{r}:')" for r in RELATIONS)
_RELATION_LIST = ", ".join(f"'{r}'" for r in RELATIONS)
# A GGUF file set: tagged, listed with GGUF metadata, or served by the gguf library.
_IS_GGUF = "list_contains(tags, 'gguf') OR gguf IS NOT NULL OR library_name = 'gguf'"
_UNKNOWN_RELATION = f"list_filter(tags, lambda t: {_RELATION_TAG} AND NOT ({_KNOWN_RELATION}))"
# The parent id a base_model tag names: after the relation when there is one.
_TAG_PARENT = f"CASE WHEN {_RELATION_TAG} THEN substr(t, 12 + length(split_part(substr(t, 12), ':', 1)) + 1) ELSE substr(t, 12) END"
_INVALID_PARENT = f"list_filter(tags, lambda t: starts_with(t, 'base_model:') AND NOT coalesce({sql_is_valid_repo_id(_TAG_PARENT)}, false))"

_VALIDATE = f"""
CREATE OR REPLACE TEMP TABLE wa_bad AS
SELECT page_no, position, id, reason FROM (
    SELECT page_no, position, id, CASE
        WHEN id IS NULL OR trim(id) = '' THEN 'missing id'
        WHEN NOT {sql_is_valid_repo_id('id')} THEN 'invalid_repo_id'
        WHEN downloads < 0 OR "downloadsAllTime" < 0 OR likes < 0 THEN 'absurd value: negative count'
        WHEN downloads > {MAX_COUNT} OR "downloadsAllTime" > {MAX_COUNT} OR likes > {MAX_COUNT} THEN 'absurd value: count above 1e12'
        WHEN "createdAt" > ?::TIMESTAMP + INTERVAL 2 DAY OR "createdAt" < TIMESTAMP '2000-01-01'
            THEN 'absurd value: createdAt ' || "createdAt"::VARCHAR
        WHEN "lastModified" > ?::TIMESTAMP + INTERVAL 2 DAY THEN 'absurd value: lastModified ' || "lastModified"::VARCHAR
        WHEN len({_UNKNOWN_RELATION}) > 0 THEN 'unknown lineage relation in tag ' || {_UNKNOWN_RELATION}[1]
        WHEN len({_INVALID_PARENT}) > 0 THEN 'invalid_repo_id in tag ' || {_INVALID_PARENT}[1]
    END AS reason
    FROM hub_raw WHERE snapshot_id = ?
) WHERE reason IS NOT NULL
"""


def _merge_models(con: duckdb.DuckDBPyConnection, snapshot_id: int, source: str) -> None:
    """Upsert ``wa_ok`` into ``hub_models``: merged rows replace old ones (no index needed)."""
    seen = con.execute("SELECT count(*) FROM hub_models WHERE id IN (SELECT id FROM wa_ok)").fetchone()[0]  # type: ignore[index]
    if not seen:
        con.execute(f"INSERT INTO hub_models BY NAME {_MODEL_ROWS}", [snapshot_id, snapshot_id, source])
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_new AS {_MODEL_ROWS}", [snapshot_id, snapshot_id, source])
    columns = [row[0] for row in con.execute("DESCRIBE hub_models").fetchall()]
    merged = ", ".join(_MERGE_RULE.get(c, f"coalesce(n.{c}, o.{c})") + f" AS {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE wa_new AS SELECT {merged} FROM wa_new n LEFT JOIN hub_models o USING (id)")
    con.execute("DELETE FROM hub_models WHERE id IN (SELECT id FROM wa_new)")
    con.execute("INSERT INTO hub_models BY NAME SELECT * FROM wa_new")


# How a re-seen model's columns combine with what was stored: the new value unless the
# server did not send it (projection rule), except for these.
_MERGE_RULE = {
    "id": "n.id",
    "first_seen_snapshot": "coalesce(o.first_seen_snapshot, n.first_seen_snapshot)",
    "last_seen_snapshot": "n.last_seen_snapshot",
    "is_gguf": "n.is_gguf OR coalesce(o.is_gguf, false)",
    "source": "n.source",
}

_MODEL_ROWS = f"""
SELECT
    id,
    "_id" AS hub_oid,
    coalesce(author, CASE WHEN contains(id, '/') THEN split_part(id, '/', 1) END) AS author,
    "createdAt" AS created_at,
    "lastModified" AS last_modified,
    downloads,
    "downloadsAllTime" AS downloads_all_time,
    likes,
    "trendingScore" AS trending_score,
    tags,
    pipeline_tag,
    library_name,
    coalesce(
        nullif(substr(list_filter(tags, lambda t: starts_with(t, 'license:'))[1], 9), ''),
        "cardData" ->> '$.license'
    ) AS licence,
    CASE
        WHEN json_type("cardData" -> '$.language') = 'ARRAY' THEN CAST("cardData" -> '$.language' AS VARCHAR[])
        WHEN json_type("cardData" -> '$.language') = 'VARCHAR' THEN ["cardData" ->> '$.language']
        ELSE nullif(list_filter(tags, lambda t: length(t) = 2 AND regexp_full_match(t, '[a-z]{{2}}') AND t NOT IN ('tf', 'ml')), [])
    END AS languages,
    CASE WHEN json_type(gated) = 'BOOLEAN' THEN CAST(gated AS VARCHAR) ELSE gated ->> '$' END AS gated,
    coalesce(TRY_CAST(safetensors ->> '$.total' AS BIGINT), TRY_CAST(gguf ->> '$.total' AS BIGINT)) AS params_total,
    ({_IS_GGUF}) AS is_gguf,
    sha,
    config ->> '$.model_type' AS model_type,
    CASE WHEN json_type(config -> '$.architectures') = 'ARRAY' THEN CAST(config -> '$.architectures' AS VARCHAR[]) END AS architectures,
    config ->> '$.quantization_config.quant_method' AS quant_method,
    ? AS first_seen_snapshot,
    ? AS last_seen_snapshot,
    ? AS source
FROM wa_ok
"""

# Lineage, in order of reliability (hub-api.md §10.1): the Hub's base_model tags (two per
# parent: plain and with relation; counted once), else the card's base_model, else the
# adapter's peft base. The relation is then checked against repack and adapter evidence
# (hub-api.md §10.5.2): the Hub's own label is kept in relation_hub.
_INSERT_EDGES = f"""
INSERT INTO hub_edges
WITH tagged AS (
    SELECT child,
           {_TAG_PARENT} AS parent,
           CASE WHEN {_RELATION_TAG} THEN split_part(substr(t, 12), ':', 1) END AS rel
    FROM (SELECT id AS child, unnest(list_filter(tags, lambda t: starts_with(t, 'base_model:'))) AS t FROM wa_ok)
),
tag_edges AS (
    SELECT child, parent, max(rel) AS relation_hub, 'tag' AS evidence FROM tagged GROUP BY child, parent
),
card_edges AS (
    SELECT id AS child, unnest(CASE
               WHEN json_type("cardData" -> '$.base_model') = 'ARRAY' THEN CAST("cardData" -> '$.base_model' AS VARCHAR[])
               WHEN json_type("cardData" -> '$.base_model') = 'VARCHAR' THEN ["cardData" ->> '$.base_model']
               ELSE []::VARCHAR[] END) AS parent,
           "cardData" ->> '$.base_model_relation' AS relation_hub,
           'card' AS evidence
    -- cheap string test first: most cards name no base model, and JSON paths are costly
    FROM wa_ok WHERE contains("cardData"::VARCHAR, '"base_model"') AND id NOT IN (SELECT child FROM tag_edges)
),
peft_edges AS (
    SELECT id AS child, config ->> '$.peft.base_model_name_or_path' AS parent, 'adapter' AS relation_hub, 'peft_config' AS evidence
    FROM wa_ok
    WHERE contains(config::VARCHAR, 'base_model_name_or_path')
      AND config ->> '$.peft.base_model_name_or_path' IS NOT NULL
      AND id NOT IN (SELECT child FROM tag_edges) AND id NOT IN (SELECT child FROM card_edges)
),
edges AS (
    SELECT child, parent, CASE WHEN relation_hub IN ({_RELATION_LIST}) THEN relation_hub END AS relation_hub, evidence
    FROM (SELECT * FROM tag_edges UNION ALL SELECT * FROM card_edges UNION ALL SELECT * FROM peft_edges)
    -- tag parents were checked in _VALIDATE; a card or adapter config may name a local path
    -- or a URL instead of a repo: that is no lineage edge
    WHERE parent IS NOT NULL AND {sql_is_valid_repo_id('parent')}
    QUALIFY row_number() OVER (PARTITION BY child, parent ORDER BY evidence) = 1
),
kinds AS (
    -- per child, once: does it look like a repack or an adapter? (only children with edges)
    SELECT id,
        {_IS_GGUF}
            OR (contains(config::VARCHAR, 'quant_method') AND config ->> '$.quantization_config.quant_method' IS NOT NULL)
            OR regexp_matches(id, '{QUANT_NAME}') AS is_repack,
        library_name = 'peft' OR contains(config::VARCHAR, 'base_model_name_or_path') AS is_adapter
    FROM wa_ok SEMI JOIN (SELECT DISTINCT child FROM edges) c ON c.child = wa_ok.id
),
counted AS (
    SELECT e.*, count(*) OVER (PARTITION BY e.child) AS n_parents, k.is_repack, k.is_adapter
    FROM edges e JOIN kinds k ON k.id = e.child
)
SELECT child, parent,
    CASE
        WHEN is_repack THEN 'quantized'
        WHEN is_adapter THEN 'adapter'
        WHEN relation_hub = 'merge' OR n_parents > 1 THEN 'merge'
        ELSE coalesce(relation_hub, 'finetune')
    END AS relation,
    relation_hub,
    evidence,
    ?
FROM counted
"""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _raw(item: Any) -> str:
    try:
        return json.dumps(item, default=str)[:4000]
    except (TypeError, ValueError):
        return repr(item)[:4000]


def _coerce(item: Any) -> tuple[dict[str, Any], str | None]:
    """One wire record -> staging values, or the reason it cannot be staged."""
    if not isinstance(item, dict):
        return {}, f"record is not a JSON object ({type(item).__name__})"
    out: dict[str, Any] = {}
    for key, kind in STAGING.items():
        value = item.get(key)
        if value is None:
            out[key] = None
            continue
        try:
            out[key] = _COERCE[kind](value)
        except (TypeError, ValueError) as exc:
            return {}, f"field {key!r}: {exc}"
    return out, None


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r:.60}")
    return value


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected an integer, got {value!r:.60}")
    if isinstance(value, float) and (not value.is_integer() or abs(value) > 2**62):
        raise ValueError(f"expected an integer, got {value!r}")
    if not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"absurd value: integer out of range ({str(value)[:30]})")
    return int(value)


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r:.60}")
    return float(value)


def _as_timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO timestamp, got {value!r:.60}")
    text = value.strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)  # also takes "2025-02-18 00:13:05+00:00" (snake_case dumps)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _as_str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of strings, got {value!r:.60}")
    return value


def _as_json(value: Any) -> str:
    # allow_nan=False: json.loads reads 1e400 as inf, which would be written back as the
    # non-JSON token Infinity and fail the JSON cast; it is quarantined as a ValueError instead.
    return json.dumps(value, allow_nan=False)


_COERCE = {"VARCHAR": _as_str, "BIGINT": _as_int, "DOUBLE": _as_float, "TIMESTAMP": _as_timestamp, "VARCHAR[]": _as_str_list, "JSON": _as_json}
