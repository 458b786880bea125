"""Declarative schemas for the curated tables, with one strict loader.

Each curated CSV in ``data/curated`` that is not loaded by a specialised module
(attribution, model aliases, config keys) is described here by a
:class:`TableSpec`: its columns and their kinds, the columns that must be unique
together, and row-level checks. :func:`load_table` validates a file against its
spec and returns typed rows; any problem is an :class:`~weightatlas.errors.InputError`
naming the file, the line and the field. ``weightatlas validate`` runs every spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry

from weightatlas.attribution import CURATED_DIR
from weightatlas.errors import InputError
from weightatlas.sources.base import read_csv

URL = re.compile(r"https?://[^\s/]+\.[^\s]+$")
REGIONS = (
    "Southeast Asia",
    "South Asia",
    "Middle East",
    "Africa",
    "Latin America",
    "Central Asia",
    "Europe",
    "East Asia",
    "North America",
    "Oceania",
    "Global",
)
TODAY_LIMIT = date(2026, 12, 31)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # str, text, date, iso2, url, bool, int, float, enum, list
    required: bool = False
    choices: tuple[str, ...] = ()
    extra_codes: tuple[str, ...] = ()  # non-ISO codes allowed for iso2 columns (EU, INTL, US-XX patterns)


Check = Callable[[dict[str, Any]], tuple[str, str] | None]  # row -> (field, message) or None


@dataclass(frozen=True)
class TableSpec:
    file: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    also_unique: tuple[tuple[str, ...], ...] = ()  # further column sets that must be unique
    checks: tuple[Check, ...] = field(default_factory=tuple)
    min_rows: int = 1


def _parse(col: Column, raw: str, path: Path, line: int) -> Any:
    text = raw.strip()
    if not text:
        if col.required:
            raise InputError(path, "value is required", line=line, field=col.name)
        return None
    kind = col.kind
    try:
        if kind in ("str", "text"):
            return text
        if kind == "date":
            parsed = date.fromisoformat(text)
            if not date(1990, 1, 1) <= parsed <= TODAY_LIMIT:
                raise ValueError(f"date out of range: {text}")
            return parsed
        if kind == "iso2":
            if text in col.extra_codes or re.fullmatch(r"US-[A-Z]{2}", text) and "US-XX" in col.extra_codes:
                return text
            if pycountry.countries.get(alpha_2=text) is None:
                raise ValueError(f"not an ISO 3166-1 alpha-2 code: {text!r}")
            return text
        if kind == "url":
            if not URL.match(text):
                raise ValueError(f"not an http(s) URL: {text!r}")
            return text
        if kind == "bool":
            if text.lower() not in ("true", "false"):
                raise ValueError(f"expected true or false, got {text!r}")
            return text.lower() == "true"
        if kind == "int":
            return int(text.replace(",", "").replace("_", ""))
        if kind == "float":
            return float(text.replace(",", "").replace("_", ""))
        if kind == "enum":
            if text not in col.choices:
                raise ValueError(f"{text!r} is not one of {', '.join(col.choices)}")
            return text
        if kind == "list":
            items = [p.strip() for p in text.split(";") if p.strip()]
            bad = [p for p in items if col.choices and p not in col.choices]
            if bad:
                raise ValueError(f"{bad[0]!r} is not one of {', '.join(col.choices)}")
            return items
    except ValueError as exc:
        raise InputError(path, str(exc), line=line, field=col.name) from None
    raise AssertionError(f"unknown column kind {kind}")


def load_table(spec: TableSpec, path: Path | None = None) -> list[dict[str, Any]]:
    """Validate a curated CSV against its spec; return typed rows (each with ``_line``).

    The minimum row count is a coverage requirement of the shipped table, so it is
    only checked when no other ``path`` is given.
    """
    shipped = path is None
    path = path or CURATED_DIR / spec.file
    rows: list[dict[str, Any]] = []
    key_sets = [k for k in (spec.unique, *spec.also_unique) if k]
    seen: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {k: {} for k in key_sets}
    for line, raw in read_csv(path, tuple(c.name for c in spec.columns)):
        row: dict[str, Any] = {"_line": line}
        for col in spec.columns:
            row[col.name] = _parse(col, raw[col.name], path, line)
        for columns in key_sets:
            key = tuple(str(row[c]).casefold() for c in columns)
            if key in seen[columns]:
                raise InputError(path, f"duplicate of line {seen[columns][key]} ({', '.join(columns)})", line=line, field=columns[0])
            seen[columns][key] = line
        for check in spec.checks:
            problem = check(row)
            if problem:
                raise InputError(path, problem[1], line=line, field=problem[0])
        rows.append(row)
    if shipped and len(rows) < spec.min_rows:
        raise InputError(path, f"expected at least {spec.min_rows} rows, found {len(rows)}")
    return rows


def _scratch_vs_base(row: dict[str, Any]) -> tuple[str, str] | None:
    if row["from_scratch"] and row["base_model"]:
        return ("base_model", "a from-scratch project names no base model")
    if not row["from_scratch"] and not row["base_country"]:
        return ("base_country", "a project built on a base model needs the base's country")
    return None


SOVEREIGN_PROJECTS = TableSpec(
    file="sovereign_projects.csv",
    columns=(
        Column("project", "str", required=True),
        Column("country", "iso2", required=True),
        Column("region", "enum", required=True, choices=REGIONS),
        Column("organization", "str", required=True),
        Column("org_id", "str"),
        Column("release_date", "date", required=True),
        Column("date_precision", "enum", required=True, choices=("day", "month", "year")),
        Column("base_model", "str"),
        Column("base_developer", "str"),
        Column("base_country", "iso2"),
        Column("from_scratch", "bool", required=True),
        Column("hf_repo", "str"),
        Column("source_url", "url", required=True),
        Column("note", "text"),
    ),
    unique=("project", "release_date"),
    checks=(_scratch_vs_base,),
    min_rows=20,
)

EXTERNAL_USAGE = TableSpec(
    file="external_usage.csv",
    columns=(
        Column("report", "str", required=True),
        Column("publisher", "str", required=True),
        Column("published", "date", required=True),
        Column("period", "str", required=True),
        Column("country", "iso2", required=True, extra_codes=("WORLD",)),
        Column("metric", "str", required=True),
        Column("value", "float", required=True),
        Column("unit", "str", required=True),
        Column("source_url", "url", required=True),
        Column("note", "text"),
    ),
    unique=("report", "period", "country", "metric"),
)

LANGUAGE_REGIONS = TableSpec(
    file="language_regions.csv",
    columns=(
        Column("language", "str", required=True),
        Column("name", "str", required=True),
        Column("region", "enum", required=True, choices=REGIONS),
        Column("source_url", "url", required=True),
    ),
    unique=("language",),
)


def _known_org(column: str, *, required: bool = True) -> Check:
    """Row check: the column names an organisation id from organizations.csv."""

    def check(row: dict[str, Any]) -> tuple[str, str] | None:
        from weightatlas.attribution import load_organizations

        value = row.get(column)
        if not value:
            return (column, "an organisation id is required") if required else None
        ids = _org_ids(load_organizations)
        if value not in ids:
            return (column, f"unknown organisation id {value!r} (not in organizations.csv)")
        return None

    return check


_ORG_IDS: set[str] | None = None


def _org_ids(loader: Callable[[Path], dict[str, Any]]) -> set[str]:
    global _ORG_IDS
    if _ORG_IDS is None:
        _ORG_IDS = set(loader(CURATED_DIR / "organizations.csv"))
    return _ORG_IDS


def _mla_has_no_gqa_ratio(row: dict[str, Any]) -> tuple[str, str] | None:
    if row["mla"] and row["gqa_ratio"] not in (None, 1.0) and row["attention"] == "MLA":
        return ("gqa_ratio", "an MLA model has no GQA ratio")
    if row["attention"] == "MLA" and row["mla"] is False:
        return ("mla", "attention is MLA but mla is false")
    return None


ARCHITECTURE_FACTS = TableSpec(
    file="architecture_facts.csv",
    columns=(
        Column("model", "str", required=True),
        Column("hf_repo", "str"),
        Column("org_id", "str", required=True),
        Column("release_date", "date", required=True),
        Column("moe", "bool"),
        Column("routed_experts", "int"),
        Column("active_experts", "int"),
        Column("shared_experts", "int"),
        Column("fine_grained_moe", "bool"),
        Column("mla", "bool"),
        Column("mtp", "bool"),
        Column("attention", "enum", choices=("MLA", "GQA", "MQA", "MHA")),
        Column("gqa_ratio", "float"),
        Column("sliding_window", "int"),
        Column("hybrid_attention", "enum", choices=("none", "linear", "ssm", "sliding+global", "sparse")),
        Column("qk_norm", "bool"),
        Column("rope_scaling", "enum", choices=("none", "linear", "dynamic", "yarn", "longrope", "llama3", "ntk", "mrope")),
        Column("context_length", "int"),
        Column("aux_loss_free", "bool"),
        Column("source_url", "url", required=True),
        Column("source_kind", "enum", required=True, choices=("config", "card", "paper", "report")),
        Column("note", "text"),
    ),
    unique=("model",),
    checks=(_known_org("org_id"), _mla_has_no_gqa_ratio),
    min_rows=80,
)

TRAINING_BUDGETS = TableSpec(
    file="training_budgets.csv",
    columns=(
        Column("model", "str", required=True),
        Column("org_id", "str", required=True),
        Column("release_date", "date", required=True),
        Column("gpu_type", "str"),
        Column("gpu_count", "int"),
        Column("gpu_hours", "float"),
        Column("training_tokens", "float"),
        Column("stated_cost_usd", "float"),
        Column("training_compute_flop", "float"),
        Column("disclosure", "enum", required=True, choices=("self-reported", "third-party estimate")),
        Column("source_url", "url", required=True),
        Column("note", "text"),
    ),
    unique=("model",),
    checks=(_known_org("org_id"),),
    min_rows=20,
)

ARCHITECTURE_CLASSES = TableSpec(
    file="architecture_classes.csv",
    columns=(
        Column("architecture", "str", required=True),
        Column("org_id", "str", required=True),
        Column("model_type", "str", required=True),
        Column("source_url", "url", required=True),
        Column("note", "text"),
    ),
    unique=("architecture",),
    checks=(_known_org("org_id"),),
)


INSTRUMENT_TYPES = (
    "law",
    "regulation",
    "executive_order",
    "export_rule",
    "entity_list",
    "device_ban",
    "app_ban",
    "guidance",
    "bill",
    "evaluation",
    "strategy",
    "funding",
    "enforcement",
    "agreement",
)
POLICY_TARGETS = ("chips", "model_weights", "apps", "data", "entities", "open_source_exemption", "compute", "general")
DIRECTIONS = ("restrict", "enable", "neutral", "mixed")


def _policy_event_rules(row: dict[str, Any]) -> tuple[str, str] | None:
    if not re.fullmatch(r"P\d{3,}", row["id"]):
        return ("id", f"expected an id like P001, got {row['id']!r}")
    if row["date_precision"] == "month" and row["date"].day != 1:
        return ("date", "a month-precision date is written as the first of the month")
    if row["date"] < date(2019, 1, 1):
        return ("date", "the log starts in 2019")
    if row["checked_on"] and row["checked_on"] < row["date"]:
        return ("checked_on", "checked before the event happened")
    if row["source_url_2"] and row["source_url_2"] == row["source_url"]:
        return ("source_url_2", "the second source repeats the first")
    if row["lead_id"] and not re.fullmatch(r"E\d+", row["lead_id"]):
        return ("lead_id", f"expected a lead id like E01, got {row['lead_id']!r}")
    if not row["target"]:
        return ("target", "at least one target is required")
    if len(set(row["target"])) != len(row["target"]):
        return ("target", "a target is listed twice")
    return None


# One row per dated government action. Low-confidence rows may stay in the file while
# a second source is sought; the regulation indicator leaves them out of every figure
# until ``source_url_2`` is filled.
POLICY_EVENTS = TableSpec(
    file="policy_events.csv",
    columns=(
        Column("id", "str", required=True),
        Column("date", "date", required=True),
        Column("date_precision", "enum", required=True, choices=("day", "month")),
        Column("jurisdiction", "iso2", required=True, extra_codes=("EU", "INTL", "US-XX")),
        Column("actor", "str", required=True),
        Column("instrument_type", "enum", required=True, choices=INSTRUMENT_TYPES),
        Column("target", "list", required=True, choices=POLICY_TARGETS),
        Column("direction", "enum", required=True, choices=DIRECTIONS),
        Column("description", "text", required=True),
        Column("source_url", "url", required=True),
        Column("source_url_2", "url"),
        Column("confidence", "enum", required=True, choices=("high", "medium", "low")),
        Column("lead_id", "str"),
        Column("checked_on", "date", required=True),
        Column("note", "text"),
    ),
    unique=("date", "jurisdiction", "actor", "instrument_type"),
    also_unique=(("id",),),
    checks=(_policy_event_rules,),
    min_rows=70,
)


def _benchmark_rules(row: dict[str, Any]) -> tuple[str, str] | None:
    if not re.fullmatch(r"[a-z0-9_]+", row["id"]):
        return ("id", f"id must be lower-case letters, digits and _, got {row['id']!r}")
    if row["min_models_per_bloc"] < 0:
        return ("min_models_per_bloc", f"not a whole number: {row['min_models_per_bloc']!r}")
    return None


BENCHMARKS = TableSpec(
    file="benchmarks.csv",
    columns=(
        Column("id", "str", required=True),
        Column("name", "str", required=True),
        Column("unit", "str", required=True),
        Column("comparison", "enum", required=True, choices=("release", "snapshot")),
        Column("min_models_per_bloc", "int", required=True),
        Column("description", "text"),
        Column("url", "url", required=True),
        Column("primary_source", "str"),
    ),
    unique=("id",),
    checks=(_benchmark_rules,),
)


# Every table ``weightatlas validate`` checks through this module.
ALL_SPECS: tuple[TableSpec, ...] = (
    BENCHMARKS,
    POLICY_EVENTS,
    SOVEREIGN_PROJECTS,
    EXTERNAL_USAGE,
    LANGUAGE_REGIONS,
    ARCHITECTURE_FACTS,
    TRAINING_BUDGETS,
    ARCHITECTURE_CLASSES,
)
