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
import string
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


#: Layer kinds ``hybrid_attention`` may list besides full attention (``none``: full only).
HYBRID_LAYER_KINDS = ("chunked", "linear", "sliding", "sparse", "ssm")
HF_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


def derive_fine_grained_moe(row: dict[str, Any]) -> bool | None:
    """``fine_grained_moe`` of a curated row: the shared rule where it decides, else the cell.

    The rule (:func:`weightatlas.architecture.is_fine_grained_moe`) reads
    ``routed_experts``, ``expert_ffn_size`` and ``hidden_size``; a source-stated value
    in the cell is kept only where those cannot decide.
    """
    rule, decisive = _fine_grained_by_rule(row)
    stated = row.get("fine_grained_moe")
    return rule if decisive or stated is None else stated


def _fine_grained_by_rule(row: dict[str, Any]) -> tuple[bool | None, bool]:
    """The rule's answer, and whether it overrules a source-stated value.

    It does when the widths are known, for a dense model, and below 32 routed experts;
    the count-only answer (>= 64 experts) only fills a blank cell.
    """
    from weightatlas.architecture import FINE_GRAINED_MIN_ROUTED_EXPERTS, is_fine_grained_moe

    routed, expert, hidden = row.get("routed_experts"), row.get("expert_ffn_size"), row.get("hidden_size")
    rule = is_fine_grained_moe(row.get("moe"), routed, expert, hidden)
    widths_known = routed is not None and expert is not None and hidden is not None
    decisive = rule is not None and (widths_known or row.get("moe") is False or (routed is not None and routed < FINE_GRAINED_MIN_ROUTED_EXPERTS))
    return rule, decisive


def _fine_grained_rule(row: dict[str, Any]) -> tuple[str, str] | None:
    """The cell agrees with the shared rule where the rule decides; a blank cell is derived."""
    stated = row["fine_grained_moe"]
    rule, decisive = _fine_grained_by_rule(row)
    if stated is not None and decisive and stated != rule:
        return ("fine_grained_moe", f"{str(stated).lower()} contradicts the fine-grained rule ({str(rule).lower()} from routed_experts, expert_ffn_size, hidden_size); leave it blank to derive it")
    row["fine_grained_moe"] = derive_fine_grained_moe(row)
    return None


def _hybrid_attention_set(row: dict[str, Any]) -> tuple[str, str] | None:
    kinds = row["hybrid_attention"]
    if kinds is None:
        return None
    if "none" in kinds and len(kinds) > 1:
        return ("hybrid_attention", "'none' cannot be combined with other layer kinds")
    if len(set(kinds)) != len(kinds) or kinds != sorted(kinds):
        return ("hybrid_attention", f"list the layer kinds once each, alphabetically sorted and ';'-joined (got {';'.join(kinds)})")
    if "sliding" in kinds and row["sliding_window"] == 0:
        return ("sliding_window", "hybrid_attention lists sliding layers but sliding_window is 0")
    if (row["sliding_window"] or 0) > 0 and "sliding" not in kinds:
        return ("hybrid_attention", "sliding_window is set, so the layer kinds must include 'sliding'")
    row["hybrid_attention"] = tuple(k for k in kinds if k != "none")  # () = full attention on every layer
    return None


def _derived_from_is_repo(row: dict[str, Any]) -> tuple[str, str] | None:
    value = row["derived_from"]
    if value is not None and not HF_REPO_ID.fullmatch(value):
        return ("derived_from", f"not a Hub repo id (owner/name): {value!r}")
    return None


#: Words in a note that name a feature, and the cell that must then be filled. A note may
#: name a feature to say it is absent ("no MLA") only when the cell says so (false).
#: Text after "Unread:" up to the end of the sentence lists cells left blank on purpose.
NOTE_FEATURE_KEYWORDS: dict[str, re.Pattern[str]] = {
    "aux_loss_free": re.compile(r"noaux_tc|aux(iliary)?[- ]loss[- ]free|loss-free balanc|expert[- ]bias|e_score_correction_bias", re.IGNORECASE),
    "qk_norm": re.compile(r"\bqk[_ -]?(layer)?norm|use_qk_norm", re.IGNORECASE),
    "mla": re.compile(r"\bMLA\b|latent attention", re.IGNORECASE),
    "sliding_window": re.compile(r"sliding[ -]window", re.IGNORECASE),
    "mtp": re.compile(r"multi-token prediction|\bMTP\b|nextn", re.IGNORECASE),
    "shared_experts": re.compile(r"shared[- ]experts?\b", re.IGNORECASE),
    "rope_scaling": re.compile(r"\bYaRN\b", re.IGNORECASE),
    "hybrid_attention": re.compile(r"linear attention|hybrid attention|\bMamba|state[- ]space|DeltaNet|lightning attention", re.IGNORECASE),
}
_UNREAD = re.compile(r"Unread:([^.]*)\.?")


def _cell_filled(row: dict[str, Any], column: str) -> bool:
    if column == "sliding_window" and row.get("hybrid_attention") and "sliding" in row["hybrid_attention"]:
        return True  # sliding layers recorded, window size not known
    return row.get(column) is not None


def note_feature_problems(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Every feature the note names while its cell is blank, as (field, message).

    A cell the note lists after ``Unread:`` (e.g. "Unread: mtp, aux_loss_free.") is blank
    on purpose and exempt; the rest of that sentence is not searched for feature names.
    """
    note = row.get("note") or ""
    unread = {w for m in _UNREAD.finditer(note) for w in re.findall(r"[a-z_]+", m.group(1))}
    text = _UNREAD.sub(" ", note)
    problems = []
    for column, pattern in NOTE_FEATURE_KEYWORDS.items():
        hit = pattern.search(text)
        if hit and column not in unread and not _cell_filled(row, column):
            problems.append((column, f"the note names this feature ({hit.group(0)!r}) but the cell is empty: fill it from a source, or list the cell after 'Unread:'"))
    return problems


def architecture_note_errors(path: Path) -> list[InputError]:
    """The note rule over every row of an architecture facts file (the loader stops at the first).

    Rows whose cells do not parse are skipped here: the loader reports them.
    """
    spec = ARCHITECTURE_FACTS
    errors = []
    try:
        lines = list(read_csv(path, tuple(c.name for c in spec.columns)))
    except InputError:
        return []
    for line, raw in lines:
        try:
            row = {c.name: _parse(c, raw[c.name], path, line) for c in spec.columns}
        except InputError:
            continue
        errors += [InputError(path, message, line=line, field=column) for column, message in note_feature_problems(row)]
    return errors


def _note_names_filled_features(row: dict[str, Any]) -> tuple[str, str] | None:
    problems = note_feature_problems(row)
    return problems[0] if problems else None


ARCHITECTURE_FACTS = TableSpec(
    file="architecture_facts.csv",
    columns=(
        Column("model", "str", required=True),
        Column("hf_repo", "str"),
        Column("org_id", "str", required=True),
        Column("release_date", "date", required=True),
        Column("family_sizes", "list"),
        Column("derived_from", "str"),
        Column("moe", "bool"),
        Column("routed_experts", "int"),
        Column("active_experts", "int"),
        Column("shared_experts", "int"),
        Column("hidden_size", "int"),
        Column("expert_ffn_size", "int"),
        Column("dense_ffn_size", "int"),
        Column("fine_grained_moe", "bool"),
        Column("mla", "bool"),
        Column("mtp", "bool"),
        Column("attention", "enum", choices=("MLA", "GQA", "MQA", "MHA")),
        Column("gqa_ratio", "float"),
        Column("sliding_window", "int"),
        Column("hybrid_attention", "list", choices=("none", *HYBRID_LAYER_KINDS)),
        Column("qk_norm", "bool"),
        Column("rope_scaling", "enum", choices=("none", "linear", "dynamic", "yarn", "longrope", "llama3", "ntk", "mrope")),
        Column("context_length", "int"),
        Column("aux_loss_free", "bool"),
        Column("source_url", "url", required=True),
        Column("source_kind", "enum", required=True, choices=("config", "card", "paper", "report")),
        Column("source_url_2", "url"),
        Column("read_from", "text", required=True),
        Column("verified", "bool", required=True),
        Column("note", "text"),
    ),
    unique=("model",),
    checks=(
        _known_org("org_id"),
        _mla_has_no_gqa_ratio,
        _derived_from_is_repo,
        _note_names_filled_features,  # before the set check turns hybrid_attention into a tuple
        _hybrid_attention_set,
        _fine_grained_rule,
    ),
    # The merged table (issue 9 §5b) covers every ATOM organisation; below this it is a sample.
    min_rows=250,
)

#: Reviewed prior art: earlier public uses of a feature outside the release table
#: (papers, non-LLM or pre-2023 models). An originator claim names them when they predate it.
ARCHITECTURE_PRIOR_ART = TableSpec(
    file="architecture_prior_art.csv",
    columns=(
        Column("feature", "enum", required=True, choices=("moe", "fine_grained_moe", "shared_experts", "mla", "mtp", "gqa", "sliding_window", "hybrid_attention", "qk_norm", "yarn", "aux_loss_free")),
        Column("model", "str", required=True),
        Column("org", "str", required=True),
        Column("date", "date", required=True),
        Column("source_url", "url", required=True),
        Column("read_from", "text", required=True),
        Column("note", "text"),
    ),
    unique=("feature", "model"),
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


def _open_weights_sourced(row: dict[str, Any]) -> tuple[str, str] | None:
    """A stated open-weight flag names where it was read; a blank one names nothing."""
    if row["open_weights"] is not None and not (row["source_url"] and row["read_from"]):
        return ("source_url", "an open_weights value needs the source_url and read_from where it was read")
    if row["open_weights"] is None and row["source_url"]:
        return ("open_weights", "a source_url is given but open_weights is blank")
    return None


#: OpenRouter models of the two ranking sources -> developer and open-weight flag (blank when not read).
INFERENCE_MODELS = TableSpec(
    file="inference_models.csv",
    columns=(
        Column("source", "enum", required=True, choices=("openrouter_johnbean393", "openrouter_kimstore")),
        Column("model_key", "str", required=True),
        Column("org_id", "str"),
        Column("open_weights", "bool"),
        Column("source_url", "url"),
        Column("read_from", "text"),
        Column("note", "text"),
    ),
    unique=("source", "model_key"),
    checks=(_known_org("org_id", required=False), _open_weights_sourced),
)


MODALITIES = ("llm", "vlm", "speech", "embedding", "image", "video", "timeseries", "other", "unknown")


def _valid_regex(row: dict[str, Any]) -> tuple[str, str] | None:
    try:
        re.compile(row["pattern"])
    except re.error as exc:
        return ("pattern", f"bad regular expression: {exc}")
    return None


#: Ordered rules (first match wins) giving every Hub-history repo a modality; see weightatlas.sources.hf_history_rules.
MODALITY_RULES = TableSpec(
    file="modality_rules.csv",
    columns=(
        Column("rule", "str", required=True),
        Column("field", "enum", required=True, choices=("repo_id", "pipeline_tag")),
        Column("pattern", "str", required=True),
        Column("modality", "enum", required=True, choices=MODALITIES),
        Column("note", "text"),
    ),
    unique=("rule",),
    checks=(_valid_regex,),
)


def _sourced_unless_unread(row: dict[str, Any]) -> tuple[str, str] | None:
    """A stated developer names its source; a blank one says why (``Unread:`` in the note)."""
    if row["org_id"] and not row["source_url"]:
        return ("source_url", "an org_id needs the source_url where it was read")
    if not row["org_id"] and not (row["note"] or "").startswith("Unread:"):
        return ("org_id", "a blank org_id needs a note starting 'Unread:'")
    return None


#: Namespace-less legacy Hub repos (bert-base-uncased, gpt2) -> developer, for the 2022 listing.
LEGACY_REPO_DEVELOPERS = TableSpec(
    file="legacy_repo_developers.csv",
    columns=(
        Column("repo_id", "str", required=True),
        Column("org_id", "str"),
        Column("source_url", "url"),
        Column("note", "text"),
    ),
    unique=("repo_id",),
    checks=(_known_org("org_id", required=False), _sourced_unless_unread),
)

HISTORY_ROLES = ("first_party", "first_party_outside_17", "repack", "individual", "excluded")


def _role_fields(row: dict[str, Any]) -> tuple[str, str] | None:
    role = row["role"]
    if role == "excluded" and not row["exclusion_reason"]:
        return ("exclusion_reason", "an excluded repo needs the reason")
    if role != "excluded" and row["exclusion_reason"]:
        return ("exclusion_reason", "only an excluded repo has an exclusion reason")
    if role in ("first_party", "first_party_outside_17") and not row["org_id"]:
        return ("org_id", "a first-party repo names its organisation")
    if role == "repack" and not row["root_repo"]:
        return ("root_repo", "a repack names the repo it repacks (read from its name or card)")
    if role != "repack" and (row["root_repo"] or row["root_org_id"]):
        return ("root_repo", "only a repack has a root")
    if row["repo_id"].count("/") != 1:
        return ("repo_id", "not a Hub repo id (namespace/name)")
    return None


#: Row-by-row decisions for Hub-history repos the namespace alone cannot decide (every repo of Other.csv).
HISTORY_REPO_ROLES = TableSpec(
    file="history_repo_roles.csv",
    columns=(
        Column("repo_id", "str", required=True),
        Column("role", "enum", required=True, choices=HISTORY_ROLES),
        Column("org_id", "str"),
        Column("root_repo", "str"),
        Column("root_org_id", "str"),
        Column("exclusion_reason", "text"),
        Column("source_url", "url", required=True),
        Column("note", "text"),
    ),
    unique=("repo_id",),
    checks=(_known_org("org_id", required=False), _known_org("root_org_id", required=False), _role_fields),
)


# The verdict cards, in report order (``weightatlas.indicators.verdict`` reads them).
VERDICT_CARDS = ("capability_gap", "adoption", "inference_usage", "collaboration", "regional", "regulation", "diffusion", "efficiency")
_VERDICT_NUMBER = re.compile(r"-?\d+(\.\d+)?$")


def _verdict_rule(row: dict[str, Any]) -> tuple[str, str] | None:
    """Kind-specific cells, figure names and template placeholders the card can fill."""
    from weightatlas.indicators.verdict import COMMON_PLACEHOLDERS, FIGURES

    names = FIGURES[row["indicator"]]
    kind, op = row["kind"], row["operator"]
    needed = {"finding": ("points_to", "finding_template"), "evidence": ("strength",), "stale": ("threshold",)}[kind]
    for column in needed:
        if row[column] in (None, ""):
            return (column, f"a {kind} rule needs {column}")
    if kind == "stale" and not _VERDICT_NUMBER.match(row["threshold"]):
        return ("threshold", "a stale rule's threshold is a number of months")
    if kind != "stale":
        if op != "always" and row["figure"] not in names:
            return ("figure", f"{row['figure']!r} is not a figure of the {row['indicator']} card ({', '.join(names)})")
        if op not in ("always", "missing") and not (row["threshold"] and (_VERDICT_NUMBER.match(row["threshold"]) or row["threshold"] in names)):
            return ("threshold", "expected a number or a figure name of the same card")
    if row["flip_figure"] is not None:
        if row["flip_figure"] not in names:
            return ("flip_figure", f"{row['flip_figure']!r} is not a figure of the {row['indicator']} card")
        if not row["flip_operator"]:
            return ("flip_operator", "a flip needs an operator")
        if not (row["flip_threshold"] and (_VERDICT_NUMBER.match(row["flip_threshold"]) or row["flip_threshold"] in names)):
            return ("flip_threshold", "expected a number or a figure name of the same card")
    allowed = set(names) | set(COMMON_PLACEHOLDERS)
    for column in ("finding_template", "flip_statement"):
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(row[column] or "") if f is not None}
        except ValueError as exc:
            return (column, f"bad template: {exc}")
        unknown = sorted(used - allowed)
        if unknown:
            return (column, f"unknown placeholder {{{unknown[0]}}} (allowed: {', '.join(sorted(allowed))})")
    citation = row["citation"]
    if not (URL.match(citation) or citation.startswith(("none read: ", "methods.md §"))):
        return ("citation", "expected an http(s) URL, 'methods.md §<section>' (the shared reference notes) or 'none read: <reason>'")
    return None


VERDICT_RULES = TableSpec(
    file="verdict_rules.csv",
    columns=(
        Column("rule_id", "str", required=True),
        Column("kind", "enum", required=True, choices=("finding", "evidence", "stale")),
        Column("indicator", "enum", required=True, choices=VERDICT_CARDS),
        Column("figure", "str"),
        Column("operator", "enum", required=True, choices=("<", "<=", ">", ">=", "missing", "always")),
        Column("threshold", "str"),
        Column("points_to", "enum", choices=("game_changer", "gambit", "mixed", "insufficient")),
        Column("strength", "enum", choices=("strong", "moderate", "weak")),
        Column("independent", "bool"),
        Column("missing", "list"),
        Column("finding_template", "text"),
        Column("flip_figure", "str"),
        Column("flip_operator", "enum", choices=("<", "<=", ">", ">=")),
        Column("flip_threshold", "str"),
        Column("flip_points_to", "enum", choices=("game_changer", "gambit", "mixed", "insufficient")),
        Column("flip_statement", "text"),
        Column("rationale", "text", required=True),
        Column("citation", "text", required=True),
    ),
    unique=("rule_id",),
    checks=(_verdict_rule,),
    min_rows=24,
)


_PERIOD = re.compile(r"\d{4}-\d{2}(-\d{2})?$")


def _literature_row(row: dict[str, Any]) -> tuple[str, str] | None:
    """A verified figure has a number, a quote and where it was read; an unverified one has no number;
    only a row with a recomputation has a tolerance, and a recomputed row expects a measured status."""
    if not _PERIOD.match(row["source_date"]):
        return ("source_date", "expected YYYY-MM or YYYY-MM-DD")
    if row["expected_status"] == "not_verified":
        if row["published_value"] is not None:
            return ("published_value", "a figure that could not be read gets no number")
        return None
    for column in ("published_value", "quote", "read_at"):
        if row[column] in (None, ""):
            return (column, f"a verified figure needs {column}")
    if row["recompute"]:
        if row["tolerance"] is None or row["tolerance"] < 0 or not row["tolerance_why"]:
            return ("tolerance", "a recomputed row needs a non-negative tolerance and its justification")
        if row["expected_status"] not in ("within_tolerance", "outside_tolerance"):
            return ("expected_status", "a recomputed row expects within_tolerance or outside_tolerance")
    elif row["expected_status"] != "data_not_held":
        return ("expected_status", "a row without a recomputation is data_not_held (or not_verified)")
    if row["expected_status"] != "within_tolerance" and not row["why_if_not"]:
        return ("why_if_not", "say why the figure is not reproduced")
    return None


LITERATURE = TableSpec(
    file="literature.csv",
    columns=(
        Column("id", "str", required=True),
        Column("quantity", "text", required=True),
        Column("definition", "text", required=True),
        Column("published_value", "float"),
        Column("unit", "str", required=True),
        Column("quote", "text"),
        Column("read_at", "text"),
        Column("source_url", "url", required=True),
        Column("source_date", "str", required=True),
        Column("publisher_method", "text", required=True),
        Column("inputs", "text", required=True),
        Column("recompute", "str"),
        Column("tolerance", "float"),
        Column("tolerance_why", "text"),
        Column("expected_status", "enum", required=True, choices=("within_tolerance", "outside_tolerance", "data_not_held", "not_verified")),
        Column("why_if_not", "text"),
    ),
    unique=("id",),
    checks=(_literature_row,),
    min_rows=8,
)


# Every table ``weightatlas validate`` checks through this module.
ALL_SPECS: tuple[TableSpec, ...] = (
    BENCHMARKS,
    POLICY_EVENTS,
    SOVEREIGN_PROJECTS,
    EXTERNAL_USAGE,
    LANGUAGE_REGIONS,
    ARCHITECTURE_FACTS,
    ARCHITECTURE_PRIOR_ART,
    TRAINING_BUDGETS,
    ARCHITECTURE_CLASSES,
    INFERENCE_MODELS,
    MODALITY_RULES,
    LEGACY_REPO_DEVELOPERS,
    HISTORY_REPO_ROLES,
    VERDICT_RULES,
    LITERATURE,
)
