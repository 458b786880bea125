"""Architecture features read from a model's ``config.json`` (hub-api.md §11-13, methods.md §7).

The features feed the architecture-diffusion measure: does an innovation that first shipped
in a Chinese open model (multi-head latent attention, fine-grained MoE with shared experts,
multi-token prediction, ...) show up later in other blocs' base models?

Three curated tables drive the extraction; they are data, edited in
``src/weightatlas/data/curated/``, never in this module:

``config_keys.csv``
    The key alias table of hub-api.md §12. For every *feature slot* the code consumes it
    lists the raw keys in priority order (dotted paths for nested keys such as
    ``ffn_config.moe_num_experts``), the value kind, the model types where each key is known
    to apply, a note and a source URL. :func:`load_key_table` validates it.
``model_type_defaults.csv``
    Facts implied by a ``model_type`` that no config key states (QK-norm, hybrid
    linear/SSM attention families, Llama 4's shared expert, ...). Used only when the config
    itself says nothing about that feature.
``gguf_architectures.csv``
    llama.cpp architecture names (the Hub's ``gguf.architecture``) to ``model_type``.

Where a value is searched
    The top level of the config first, then the nested language-model configs named by the
    ``language_config`` slot (``text_config``, ``llm_config``, ``language_config``), in
    that order; within one level, keys in their table priority. ``provenance`` records
    where each feature came from: ``"config.json"`` or ``"api_config"`` (the top level,
    per ``origin``), the name of the nested config (``"text_config"``, ...), ``"gguf"`` or
    ``"model_type_defaults"``.

Evidence, and what ``None`` means
    ``None`` means unknown: no evidence either way. A feature is decided by, in order:

    1. a key in the config (a present key with JSON ``null``, such as ``num_experts: null``
       or ``sliding_window: null``, counts as evidence of absence);
    2. the model-type defaults table;
    3. absence, but only in a *full* ``config.json`` of a transformer (``origin ==
       "config.json"`` and an attention-head count was found): a full file that declares no
       experts is dense, no ``kv_lora_rank`` is not MLA, and so on. The API's whitelisted
       ``config`` subset lacks all of these keys, so absence there proves nothing and the
       feature stays ``None``. QK-norm has no general key, so absence never decides it.

Rules per feature
    * ``moe``: true if the *largest* routed-expert count found (any key, any level) is
      > 1; dense configs carry the keys as null, 0 or 1. ``moe_routed_experts`` is that
      count; ``moe_active_experts`` the top-k. Both are ``None`` for dense models.
    * ``moe_shared_experts``: ``n_shared_experts`` (and aliases), else 1 if
      ``shared_expert_intermediate_size`` > 0 (0 if it is 0), else the defaults table
      (Llama 4: 1), else 0 for a full MoE config. Qwen3-MoE has none.
    * ``fine_grained_moe``: the rule shared with the curated table,
      :func:`weightatlas.architecture.is_fine_grained_moe` (>= 32 routed experts, each
      narrower than 1.25x ``hidden_size``; >= 64 when the widths are not in the config).
    * ``mla``: ``kv_lora_rank`` present and > 0 (unless ``use_mla`` is false). Checked
      *before* GQA, because MLA models report as many KV heads as query heads.
    * ``attention``: ``"MLA"`` if MLA, else from KV heads vs query heads: ``"MQA"`` when
      kv == 1, ``"GQA"`` when 1 < kv < heads, ``"MHA"`` when kv == heads or (full config)
      no KV key. Legacy layouts: Falcon's ``multi_query``/``num_kv_heads`` (the latter only
      with ``new_decoder_architecture``), ChatGLM's ``multi_query_group_num``, DBRX's
      ``attn_config.kv_n_heads``. ``gqa_ratio`` = heads / kv heads, ``None`` for MLA.
    * ``sliding_window``: see :func:`_sliding_window` (``layer_types`` schedule first,
      then ``use_sliding_window: false`` wins, then a window shorter than the context).
      Llama 4's chunked local attention counts as local attention, with
      ``local_attention = "chunked"``.
    * ``hybrid_attention``: linear, state-space, convolutional or indexer-sparse layers
      next to (or instead of part of) full attention: a ``layer_types`` schedule, Qwen's
      ``full_attention_interval``, MiniMax's ``attn_type_list``, DeepSeek's sparse
      indexer keys, or the model-type defaults (Jamba, Nemotron-H, ...). ``hybrid_kind``
      says which: ``linear`` | ``ssm`` | ``conv`` | ``sparse``.
    * ``mtp``: ``num_nextn_predict_layers`` (or ``mtp_num_hidden_layers``) > 0.
    * ``rope_scaling_type``: ``rope_scaling``/``rope_parameters`` under ``rope_type`` or
      the older ``type``. ``mrope`` (a ``mrope_section`` with no extension type) is a
      multimodal position encoding, *not* context extension, so it has no
      ``rope_factor``. ``default`` = RoPE without scaling.
    * ``qk_norm``: ``use_qk_norm``/``qk_layernorm``, else the defaults table.
    * ``quant_method``: ``quantization_config.quant_method``, or ``bitsandbytes`` when
      only ``load_in_4bit``/``load_in_8bit`` is set.

Malformed values (a string where a number belongs, a negative count, a list that should
be an object) never raise: the key is ignored and a line is added to ``warnings``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from weightatlas.architecture import is_fine_grained_moe
from weightatlas.attribution import CURATED_DIR, read_table
from weightatlas.errors import InputError

KEY_TABLE_PATH = CURATED_DIR / "config_keys.csv"
MODEL_TYPE_DEFAULTS_PATH = CURATED_DIR / "model_type_defaults.csv"
GGUF_ARCHITECTURES_PATH = CURATED_DIR / "gguf_architectures.csv"


#: ``origin`` values of :func:`extract_features`. Only a full ``config.json`` lets the
#: absence of a key count as evidence.
ORIGINS = ("config.json", "api_config")
FULL_CONFIG_ORIGINS = frozenset({"config.json"})

#: Value kinds a table row may declare, and what they accept.
KINDS = {
    "count": "a non-negative integer",
    "positive": "a positive integer",
    "number": "a positive number",
    "bool": "true or false",
    "string": "a non-empty string",
    "string_list": "a list of strings",
    "list": "a list",
    "object": "an object",
}

#: Feature slots the code consumes, with the kind every key of the slot must have.
SLOTS: dict[str, str] = {
    "model_type": "string",
    "architectures": "string_list",
    "language_config": "object",
    "moe_routed_experts": "count",
    "moe_active_experts": "count",
    "moe_shared_experts": "count",
    "moe_shared_expert_width": "count",
    "moe_expert_width": "count",
    "hidden_size": "count",
    "mla_kv_lora_rank": "count",
    "use_mla": "bool",
    "num_attention_heads": "positive",
    "num_key_value_heads": "positive",
    "multi_query_group_num": "positive",
    "multi_query_attention": "bool",
    "multi_query": "bool",
    "new_decoder_architecture": "bool",
    "num_hidden_layers": "count",
    "sliding_window": "positive",
    "use_sliding_window": "bool",
    "max_window_layers": "count",
    "sliding_window_pattern": "positive",
    "attention_chunk_size": "positive",
    "layer_types": "string_list",
    "full_attention_interval": "positive",
    "attn_type_list": "list",
    "sparse_indexer": "positive",
    "rope_scaling": "object",
    "rope_type": "string",
    "rope_factor": "number",
    "mrope_section": "list",
    "original_context_length": "positive",
    "rope_theta": "number",
    "context_length": "positive",
    "mtp_layers": "count",
    "qk_norm": "bool",
    "quant_method": "string",
    "quant_load_in_4bit": "bool",
    "quant_load_in_8bit": "bool",
    "dtype": "string",
}

#: ``layer_types`` vocabulary (transformers' ALLOWED_LAYER_TYPES plus legacy names) mapped
#: to classes: "full", "sliding", "chunked" (local attention), "linear", "ssm", "conv",
#: "sparse" (hybrid kinds), or "mlp" (MLP-only entries some hybrids list, e.g. nemotron_h).
LAYER_TYPE_CLASSES: dict[str, frozenset[str]] = {
    "full_attention": frozenset({"full"}),
    "attention": frozenset({"full"}),
    "full": frozenset({"full"}),
    "sliding_attention": frozenset({"sliding"}),
    "chunked_attention": frozenset({"chunked"}),
    "linear_attention": frozenset({"linear"}),
    "linear": frozenset({"linear"}),
    "mamba": frozenset({"ssm"}),
    "hybrid": frozenset({"ssm"}),  # attention + Mamba in one layer (zamba2, falcon_h1)
    "hybrid_sliding": frozenset({"ssm", "sliding"}),
    "conv": frozenset({"conv"}),  # LFM2 short convolutions
    "deepseek_sparse_attention": frozenset({"sparse"}),
    "indexed_attention": frozenset({"sparse"}),
    "qwen_sparse_attention": frozenset({"sparse"}),
    "compressed_sparse_attention": frozenset({"sparse"}),
    "heavily_compressed_attention": frozenset({"sparse"}),
    "minimax_m3_sparse": frozenset({"sparse"}),
    "moe": frozenset({"mlp"}),
    "sparse": frozenset({"mlp"}),
    "dense": frozenset({"mlp"}),
}
HYBRID_KINDS = ("ssm", "linear", "conv", "sparse")  # reporting order when several occur

#: RoPE scaling types as reported; older spellings are folded in.
ROPE_TYPES = frozenset({"default", "linear", "dynamic", "yarn", "longrope", "llama3", "mrope"})
ROPE_TYPE_ALIASES = {"su": "longrope"}  # early Phi-3 long-context files said "su"
NON_EXTENDING_ROPE_TYPES = frozenset({"default", "mrope"})

#: Features a row of model_type_defaults.csv may set, with their value kinds.
DEFAULTABLE: dict[str, str] = {
    "qk_norm": "bool",
    "hybrid_attention": "bool",
    "hybrid_kind": "hybrid_kind",
    "mla": "bool",
    "moe": "bool",
    "moe_shared_experts": "count",
    "mtp": "bool",
}


@dataclass(frozen=True)
class ArchFeatures:
    """Architecture features of one model. ``None`` = unknown (no evidence either way)."""

    model_type: str | None = None
    architecture: str | None = None  # first of `architectures`
    moe: bool | None = None
    moe_routed_experts: int | None = None
    moe_active_experts: int | None = None  # experts per token (top-k)
    moe_shared_experts: int | None = None
    fine_grained_moe: bool | None = None  # weightatlas.architecture.is_fine_grained_moe
    attention: str | None = None  # "MLA" | "GQA" | "MQA" | "MHA"
    num_attention_heads: int | None = None
    num_key_value_heads: int | None = None
    gqa_ratio: float | None = None  # heads / kv heads (None for MLA)
    mla: bool | None = None
    mtp: bool | None = None
    mtp_layers: int | None = None
    sliding_window: bool | None = None  # local attention on some or all layers
    sliding_window_size: int | None = None
    local_attention: str | None = None  # "sliding" | "chunked" when sliding_window is true
    hybrid_attention: bool | None = None  # linear/sparse/SSM layers mixed with full attention
    hybrid_kind: str | None = None  # "linear" | "ssm" | "conv" | "sparse"
    qk_norm: bool | None = None
    rope_scaling_type: str | None = None  # default/linear/dynamic/yarn/longrope/llama3/mrope
    rope_factor: float | None = None
    context_length: int | None = None
    original_context_length: int | None = None
    quant_method: str | None = None
    dtype: str | None = None  # torch_dtype or dtype
    gguf_architecture: str | None = None  # llama.cpp name, for GGUF summaries
    provenance: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (provenance and warnings included)."""
        return asdict(self)


# ---------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class KeyRow:
    """One row of ``config_keys.csv``: a raw key for a feature slot."""

    feature: str
    priority: int
    key: str
    kind: str
    model_types: tuple[str, ...]
    note: str
    source_url: str
    line: int

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


@dataclass(frozen=True)
class KeyTable:
    """The validated key alias table: slot -> rows in priority order."""

    path: str
    rows: tuple[KeyRow, ...]
    digest: str

    def keys(self, feature: str) -> tuple[KeyRow, ...]:
        return tuple(r for r in self.rows if r.feature == feature)


@dataclass(frozen=True)
class DefaultRow:
    model_type: str
    feature: str
    value: Any
    note: str
    source_url: str
    line: int


@dataclass(frozen=True)
class ModelTypeDefaults:
    """Per-``model_type`` facts that have no config key."""

    path: str
    rows: tuple[DefaultRow, ...]
    digest: str

    def get(self, model_type: str, feature: str) -> DefaultRow | None:
        for row in self.rows:
            if row.model_type == model_type and row.feature == feature:
                return row
        return None


@dataclass(frozen=True)
class GgufArchitectures:
    """llama.cpp architecture name -> Hugging Face ``model_type``."""

    path: str
    mapping: dict[str, str]
    digest: str


_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_MODEL_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _check_url(path: Path, line: int, value: str) -> str:
    url = value.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(path, f"source_url must be an http(s) URL, got {url!r}", line=line, field="source_url")
    return url


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def load_key_table(path: str | Path | None = None) -> KeyTable:
    """Load and validate ``config_keys.csv`` (the default when ``path`` is None).

    Every row needs a known feature slot, a unique positive priority within the slot, a
    key made of identifiers joined by dots, the slot's kind, a note and an http(s)
    ``source_url``; every slot needs at least one row. Problems raise
    :class:`~weightatlas.errors.InputError` with the line and field.
    """
    if path is None:
        return _default_key_table()
    return _load_key_table(Path(path))


def _load_key_table(path: Path) -> KeyTable:
    columns = ("feature", "priority", "key", "kind", "model_types", "note", "source_url")
    rows: list[KeyRow] = []
    seen_priority: dict[tuple[str, int], int] = {}
    seen_key: dict[tuple[str, str], int] = {}
    for line, raw in read_table(path, columns):
        feature = raw["feature"].strip()
        if feature not in SLOTS:
            raise InputError(path, f"unknown feature {feature!r} (the code reads: {', '.join(sorted(SLOTS))})", line=line, field="feature")
        text = raw["priority"].strip()
        if not text.isdigit() or int(text) < 1:
            raise InputError(path, f"priority must be a positive integer, got {text!r}", line=line, field="priority")
        priority = int(text)
        if (feature, priority) in seen_priority:
            raise InputError(path, f"priority {priority} of {feature!r} already used on line {seen_priority[feature, priority]}", line=line, field="priority")
        seen_priority[feature, priority] = line
        key = raw["key"].strip()
        if not _KEY_RE.match(key):
            raise InputError(path, f"key must be identifiers joined by dots, got {key!r}", line=line, field="key")
        if (feature, key) in seen_key:
            raise InputError(path, f"key {key!r} listed twice for {feature!r}", line=line, field="key")
        seen_key[feature, key] = line
        kind = raw["kind"].strip()
        if kind not in KINDS:
            raise InputError(path, f"unknown kind {kind!r} (one of {', '.join(KINDS)})", line=line, field="kind")
        if kind != SLOTS[feature]:
            raise InputError(path, f"feature {feature!r} is read as {SLOTS[feature]!r}, not {kind!r}", line=line, field="kind")
        note = raw["note"].strip()
        if not note:
            raise InputError(path, "note is empty: say what the key means and where it applies", line=line, field="note")
        url = _check_url(path, line, raw["source_url"])
        model_types = tuple(t.strip() for t in raw["model_types"].split(";") if t.strip())
        rows.append(KeyRow(feature, priority, key, kind, model_types, note, url, line))
    present = {r.feature for r in rows}
    for slot in SLOTS:
        if slot not in present:
            raise InputError(path, f"no key listed for feature {slot!r}", field="feature")
    rows.sort(key=lambda r: (r.feature, r.priority))
    return KeyTable(str(path), tuple(rows), _digest(path))


def load_model_type_defaults(path: str | Path | None = None) -> ModelTypeDefaults:
    """Load and validate ``model_type_defaults.csv`` (the default when ``path`` is None).

    ``hybrid_attention`` true and ``hybrid_kind`` must come together for a model type.
    """
    if path is None:
        return _default_defaults()
    return _load_defaults(Path(path))


def _parse_default(path: Path, line: int, feature: str, text: str) -> Any:
    kind = DEFAULTABLE[feature]
    value = text.strip().lower()
    if kind == "bool":
        if value not in ("true", "false"):
            raise InputError(path, f"{feature} must be true or false, got {text!r}", line=line, field="value")
        return value == "true"
    if kind == "count":
        if not value.isdigit():
            raise InputError(path, f"{feature} must be a non-negative integer, got {text!r}", line=line, field="value")
        return int(value)
    if value not in HYBRID_KINDS:
        raise InputError(path, f"hybrid_kind must be one of {', '.join(HYBRID_KINDS)}, got {text!r}", line=line, field="value")
    return value


def _load_defaults(path: Path) -> ModelTypeDefaults:
    rows: list[DefaultRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in read_table(path, ("model_type", "feature", "value", "note", "source_url")):
        model_type = raw["model_type"].strip()
        if not _MODEL_TYPE_RE.match(model_type):
            raise InputError(path, f"model_type must be a model-type id, got {model_type!r}", line=line, field="model_type")
        feature = raw["feature"].strip()
        if feature not in DEFAULTABLE:
            raise InputError(path, f"feature {feature!r} cannot be defaulted (one of {', '.join(DEFAULTABLE)})", line=line, field="feature")
        if (model_type, feature) in seen:
            raise InputError(path, f"{model_type}/{feature} already set on line {seen[model_type, feature]}", line=line, field="feature")
        seen[model_type, feature] = line
        value = _parse_default(path, line, feature, raw["value"])
        note = raw["note"].strip()
        if not note:
            raise InputError(path, "note is empty", line=line, field="note")
        rows.append(DefaultRow(model_type, feature, value, note, _check_url(path, line, raw["source_url"]), line))
    by_key = {(r.model_type, r.feature): r for r in rows}
    for r in rows:
        if r.feature == "hybrid_kind":
            partner = by_key.get((r.model_type, "hybrid_attention"))
            if partner is None or partner.value is not True:
                raise InputError(path, f"hybrid_kind for {r.model_type} needs a hybrid_attention true row", line=r.line, field="feature")
        if r.feature == "hybrid_attention" and r.value is True and (r.model_type, "hybrid_kind") not in by_key:
            raise InputError(path, f"hybrid_attention true for {r.model_type} needs a hybrid_kind row", line=r.line, field="feature")
    return ModelTypeDefaults(str(path), tuple(rows), _digest(path))


def load_gguf_architectures(path: str | Path | None = None) -> GgufArchitectures:
    """Load and validate ``gguf_architectures.csv`` (the default when ``path`` is None)."""
    if path is None:
        return _default_gguf()
    return _load_gguf(Path(path))


def _load_gguf(path: Path) -> GgufArchitectures:
    mapping: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, raw in read_table(path, ("gguf_architecture", "model_type", "note", "source_url")):
        arch = raw["gguf_architecture"].strip()
        if not _MODEL_TYPE_RE.match(arch):
            raise InputError(path, f"not a llama.cpp architecture name: {arch!r}", line=line, field="gguf_architecture")
        if arch in mapping:
            raise InputError(path, f"{arch!r} already mapped on line {lines[arch]}", line=line, field="gguf_architecture")
        model_type = raw["model_type"].strip()
        if not _MODEL_TYPE_RE.match(model_type):
            raise InputError(path, f"model_type must be a model-type id, got {model_type!r}", line=line, field="model_type")
        if not raw["note"].strip():
            raise InputError(path, "note is empty", line=line, field="note")
        _check_url(path, line, raw["source_url"])
        mapping[arch] = model_type
        lines[arch] = line
    return GgufArchitectures(str(path), mapping, _digest(path))


@lru_cache(maxsize=1)
def _default_key_table() -> KeyTable:
    return _load_key_table(KEY_TABLE_PATH)


@lru_cache(maxsize=1)
def _default_defaults() -> ModelTypeDefaults:
    return _load_defaults(MODEL_TYPE_DEFAULTS_PATH)


@lru_cache(maxsize=1)
def _default_gguf() -> GgufArchitectures:
    return _load_gguf(GGUF_ARCHITECTURES_PATH)


def tables_digest() -> str:
    """One hash of the three shipped tables, to store next to extracted features."""
    h = hashlib.sha256()
    for table in (_default_key_table(), _default_defaults(), _default_gguf()):
        h.update(table.digest.encode())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# Reading values


@dataclass(frozen=True)
class _Hit:
    value: Any
    source: str  # view label: "config.json", "api_config", "text_config", ...
    key: str


_MISSING = object()


def _coerce(value: Any, kind: str) -> Any:
    """The value converted to ``kind``, or ``_MISSING`` if it does not fit."""
    if kind in ("count", "positive"):
        if isinstance(value, list):
            # Per-layer lists (Hunyuan's moe_topk, moe_intermediate_size): the largest.
            items = [_coerce(v, kind) for v in value]
            if not items or any(v is _MISSING for v in items):
                return _MISSING
            return max(items)
        if isinstance(value, bool):
            return _MISSING
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return _MISSING
        return value if value >= (1 if kind == "positive" else 0) else _MISSING
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _MISSING
        return float(value) if math.isfinite(value) and value > 0 else _MISSING
    if kind == "bool":
        return value if isinstance(value, bool) else _MISSING
    if kind == "string":
        return value.strip() if isinstance(value, str) and value.strip() else _MISSING
    if kind == "string_list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        return _MISSING
    if kind == "list":
        return list(value) if isinstance(value, list) else _MISSING
    if kind == "object":
        return value if isinstance(value, dict) else _MISSING
    raise ValueError(f"unknown kind {kind!r}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Reader:
    """Every table key looked up in every view once, with warnings for bad values."""

    def __init__(self, views: list[tuple[str, dict]], table: KeyTable, warnings: list[str]) -> None:
        self.hits: dict[str, list[_Hit]] = {}
        self.nulls: dict[str, list[str]] = {}
        self.warnings = warnings
        for feature in SLOTS:
            rows = table.keys(feature)
            hits: list[_Hit] = []
            nulls: list[str] = []
            for label, view in views:
                for row in rows:
                    found, value = self._walk(label, view, row.path)
                    if not found:
                        continue
                    if value is None:
                        nulls.append(label)
                        continue
                    coerced = _coerce(value, row.kind)
                    if coerced is _MISSING:
                        self._warn(f"{label}: {row.key}: expected {KINDS[row.kind]}, got {_short(value)}; ignored")
                        continue
                    hits.append(_Hit(coerced, label, row.key))
            self.hits[feature] = hits
            self.nulls[feature] = nulls

    def _warn(self, message: str) -> None:
        _warn_once(self.warnings, message)

    def _walk(self, label: str, view: dict, path: tuple[str, ...]) -> tuple[bool, Any]:
        node: Any = view
        for depth, part in enumerate(path):
            if not isinstance(node, dict):
                if node is not None:
                    prefix = ".".join(path[:depth])
                    self._warn(f"{label}: {prefix}: expected {KINDS['object']}, got {_short(node)}; ignored")
                return False, None
            if part not in node:
                return False, None
            node = node[part]
        return True, node

    def first(self, feature: str, prefer: str | None = None) -> _Hit | None:
        """The first valid value: top level before nested configs, then by priority.

        ``prefer`` moves one view to the front (sizes read from the view that gave the
        expert count).
        """
        hits = self.hits[feature]
        if prefer is not None:
            for hit in hits:
                if hit.source == prefer:
                    return hit
        return hits[0] if hits else None

    def value(self, feature: str, prefer: str | None = None) -> Any:
        hit = self.first(feature, prefer)
        return None if hit is None else hit.value

    def null(self, feature: str) -> str | None:
        """The view where a key of this feature is present with JSON null, if any."""
        nulls = self.nulls[feature]
        return nulls[0] if nulls else None


def _normalise_view(view: dict) -> dict:
    """A shallow copy with per-layer-type RoPE blocks reduced to the global layers' block.

    transformers 5 writes ``rope_parameters`` as ``{"full_attention": {...},
    "sliding_attention": {...}}`` for models with local and global layers (Gemma 3); the
    full-attention (global) layers carry the context extension.
    """
    rope = view.get("rope_parameters")
    if (
        isinstance(rope, dict)
        and rope
        and set(rope) <= set(LAYER_TYPE_CLASSES)
        and isinstance(rope.get("full_attention"), dict)
    ):
        view = dict(view)
        view["rope_parameters"] = rope["full_attention"]
    return view


def _views(config: dict, top_label: str, table: KeyTable, warnings: list[str]) -> list[tuple[str, dict]]:
    """The top level, then each nested language-model config named in the table."""
    views = [(top_label, _normalise_view(config))]
    for row in table.keys("language_config"):
        nested: Any = config
        for part in row.path:
            nested = nested.get(part) if isinstance(nested, dict) else None
        if nested is None:
            continue
        if not isinstance(nested, dict):
            _warn_once(warnings, f"{top_label}: {row.key}: expected {KINDS['object']}, got {_short(nested)}; ignored")
            continue
        views.append((row.key, _normalise_view(nested)))
    return views


# ---------------------------------------------------------------------------------------
# Extraction


class _Builder:
    """Collects feature values with their provenance."""

    values: dict[str, Any]
    provenance: dict[str, str]

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.provenance: dict[str, str] = {}

    def set(self, feature: str, value: Any, source: str | None) -> None:
        self.values[feature] = value
        if value is not None and source is not None:
            self.provenance[feature] = source
        else:
            self.provenance.pop(feature, None)

    def get(self, feature: str) -> Any:
        return self.values.get(feature)


# decide(feature, value from a key or None, its source, value to use when absent)
_Decide = Callable[[str, Any, "str | None", Any], None]


def extract_features(
    config: Mapping[str, Any],
    *,
    origin: str = "config.json",
    keys: KeyTable | None = None,
    defaults: ModelTypeDefaults | None = None,
) -> ArchFeatures:
    """Architecture features of a raw ``config.json`` or of the API's ``config`` subset.

    ``origin`` is ``"config.json"`` for the raw file (absent keys count as evidence) or
    ``"api_config"`` for the Hub API's whitelisted subset (they do not). Never raises on
    bad values; see the module docstring for every rule.
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
    table = keys or load_key_table()
    fallback = defaults or load_model_type_defaults()
    warnings: list[str] = []
    if not isinstance(config, Mapping):
        warnings.append(f"{origin}: the config is {type(config).__name__}, not a JSON object; nothing extracted")
        return ArchFeatures(warnings=warnings)
    views = _views(dict(config), origin, table, warnings)
    reader = _Reader(views, table, warnings)
    out = _Builder()

    model_types = _model_types(reader)
    hit = reader.first("model_type")
    out.set("model_type", hit.value if hit else None, hit.source if hit else None)
    hit = reader.first("architectures")
    if hit is not None and hit.value:
        out.set("architecture", hit.value[0], hit.source)

    heads = reader.first("num_attention_heads")
    # Absence is evidence only in a full config.json that describes a transformer.
    full = origin in FULL_CONFIG_ORIGINS and heads is not None

    def default(feature: str) -> DefaultRow | None:
        for model_type in model_types:
            row = fallback.get(model_type, feature)
            if row is not None:
                return row
        return None

    def decide(feature: str, value: Any, source: str | None, absent_value: Any) -> None:
        """Key evidence, else the model-type default, else absence in a full config."""
        if value is not None:
            out.set(feature, value, source)
            return
        row = default(feature)
        if row is not None:
            out.set(feature, row.value, "model_type_defaults")
        elif full and absent_value is not None:
            out.set(feature, absent_value, origin)
        else:
            out.set(feature, None, None)

    _moe(reader, out, decide)
    _attention(reader, out, decide, heads, full, warnings)
    _sliding_window(reader, out, full, origin, warnings)
    _hybrid(reader, out, decide, default, warnings)
    _mtp(reader, out, decide)
    _rope(reader, out)

    hit = reader.first("qk_norm")
    decide("qk_norm", hit.value if hit else None, hit.source if hit else None, None)  # no absence rule

    hit = reader.first("quant_method")
    if hit is not None:
        out.set("quant_method", hit.value.lower(), hit.source)
    else:
        for flag in ("quant_load_in_4bit", "quant_load_in_8bit"):
            hit = reader.first(flag)
            if hit is not None and hit.value:
                out.set("quant_method", "bitsandbytes", hit.source)
                break
    hit = reader.first("dtype")
    if hit is not None:
        out.set("dtype", hit.value, hit.source)

    return _finish(out, warnings)


def _model_types(reader: _Reader) -> list[str]:
    """Model types to look up defaults for: top level first, then nested configs."""
    seen: list[str] = []
    for hit in reader.hits["model_type"]:
        if hit.value not in seen:
            seen.append(hit.value)
    return seen


def _moe(reader: _Reader, out: _Builder, decide: _Decide) -> None:
    counts = reader.hits["moe_routed_experts"]
    if counts:
        # The largest count found decides: dense configs carry null, 0 or 1.
        best = max(counts, key=lambda h: h.value)
        moe: bool | None = best.value > 1
        source: str | None = best.source
    elif reader.null("moe_routed_experts") is not None:
        moe, source, best = False, reader.null("moe_routed_experts"), None
    else:
        moe, source, best = None, None, None
    decide("moe", moe, source, False)
    if out.get("moe") is False:
        out.set("fine_grained_moe", False, out.provenance.get("moe"))  # dense is not fine-grained MoE
    if out.get("moe") is not True:
        return
    where = best.source if best is not None else None
    if best is not None and best.value > 1:
        out.set("moe_routed_experts", best.value, best.source)
    hit = reader.first("moe_active_experts", prefer=where)
    if hit is not None and hit.value > 0:
        out.set("moe_active_experts", hit.value, hit.source)

    hit = reader.first("moe_shared_experts", prefer=where)
    width = reader.first("moe_shared_expert_width", prefer=where)
    if hit is not None:
        shared: int | None = hit.value
        shared_source: str | None = hit.source
    elif width is not None:
        # Qwen MoE: one shared expert of this width, none if the width is 0.
        shared, shared_source = (1 if width.value > 0 else 0), width.source
    else:
        shared, shared_source = None, None
    decide("moe_shared_experts", shared, shared_source, 0)

    routed = out.get("moe_routed_experts")
    if routed is None:
        return
    # One rule for crawled configs and the curated table (weightatlas.architecture).
    expert = reader.first("moe_expert_width", prefer=where)
    hidden = reader.first("hidden_size", prefer=where)
    widths = expert is not None and hidden is not None and hidden.value > 0
    fine = is_fine_grained_moe(True, routed, expert.value if widths else None, hidden.value if widths else None)
    if fine is not None:
        out.set("fine_grained_moe", fine, expert.source if widths else out.provenance["moe_routed_experts"])


def _attention(reader: _Reader, out: _Builder, decide: _Decide, heads: _Hit | None, full: bool, warnings: list[str]) -> None:
    # MLA first: MLA configs report as many KV heads as query heads.
    rank = reader.first("mla_kv_lora_rank")
    switch = reader.first("use_mla")
    if switch is not None and switch.value is False:
        mla: bool | None = False
        mla_source: str | None = switch.source
    elif rank is not None:
        mla, mla_source = rank.value > 0, rank.source
    elif reader.null("mla_kv_lora_rank") is not None:
        mla, mla_source = False, reader.null("mla_kv_lora_rank")
    else:
        mla, mla_source = None, None
    decide("mla", mla, mla_source, False)

    if heads is not None:
        out.set("num_attention_heads", heads.value, heads.source)
    kv, kv_source = _kv_heads(reader, heads)
    if kv is not None:
        out.set("num_key_value_heads", kv, kv_source)

    if out.get("mla") is True:
        out.set("attention", "MLA", out.provenance.get("mla"))
        return
    if heads is None:
        return
    n = heads.value
    if kv is None:
        if full:
            out.set("attention", "MHA", heads.source)  # no KV key: every head has its own K/V
            out.set("gqa_ratio", 1.0, heads.source)
        return
    if kv > n or n % kv:
        warnings.append(f"{kv_source}: {kv} key/value heads do not divide {n} attention heads; attention type left unknown")
        return
    kind = "MHA" if kv == n else "MQA" if kv == 1 else "GQA"
    out.set("attention", kind, kv_source)
    out.set("gqa_ratio", n / kv, kv_source)


def _kv_heads(reader: _Reader, heads: _Hit | None) -> tuple[int | None, str | None]:
    """Key/value heads, including the legacy Falcon and ChatGLM layouts."""
    n = heads.value if heads is not None else None
    new_decoder = reader.first("new_decoder_architecture")
    multi_query = reader.first("multi_query")
    if new_decoder is not None and new_decoder.value is False and n is not None:
        # Old Falcon layout (7B): num_kv_heads is ignored, multi_query alone decides; a
        # re-saved Falcon-7B carries num_kv_heads == heads next to multi_query: true.
        if multi_query is not None:
            return (1 if multi_query.value else n), multi_query.source
        return n, new_decoder.source
    hit = reader.first("num_key_value_heads")
    if hit is not None:
        return hit.value, hit.source
    glm = reader.first("multi_query_attention")
    if glm is not None:
        groups = reader.first("multi_query_group_num")
        if glm.value and groups is not None:
            return groups.value, groups.source
        if not glm.value and n is not None:
            return n, glm.source
    if multi_query is not None:
        if multi_query.value:
            return 1, multi_query.source
        if n is not None:
            return n, multi_query.source
    return None, None


def _warn_once(warnings: list[str], message: str) -> None:
    if message not in warnings:
        warnings.append(message)


def _layer_classes(reader: _Reader, warnings: list[str]) -> tuple[set[str], str] | None:
    hit = reader.first("layer_types")
    if hit is None:
        return None
    classes: set[str] = set()
    for name in hit.value:
        found = LAYER_TYPE_CLASSES.get(name)
        if found is None:
            # Both the sliding-window and the hybrid rules read the schedule; warn once.
            _warn_once(warnings, f"{hit.source}: layer_types: unknown layer type {name!r}; ignored")
            continue
        classes |= found
    return classes, hit.source


def _sliding_window(reader: _Reader, out: _Builder, full: bool, origin: str, warnings: list[str]) -> None:
    window = reader.first("sliding_window")
    chunk = reader.first("attention_chunk_size")

    def local(kind: str, size: _Hit | None, source: str) -> None:
        out.set("sliding_window", True, source)
        out.set("local_attention", kind, source)
        if size is not None:
            out.set("sliding_window_size", size.value, size.source)

    # 1. An explicit per-layer schedule wins (gpt-oss alternates sliding and full layers).
    schedule = _layer_classes(reader, warnings)
    if schedule is not None:
        classes, source = schedule
        if "sliding" in classes:
            local("sliding", window, source)
        elif "chunked" in classes:
            local("chunked", chunk, source)
        else:
            out.set("sliding_window", False, source)
        return
    # 2. Qwen2/2.5/3 ship a window size (131072) with use_sliding_window: false: no SWA.
    switch = reader.first("use_sliding_window")
    if switch is not None and switch.value is False:
        out.set("sliding_window", False, switch.source)
        return
    if switch is not None and switch.value is True:
        layers = reader.first("num_hidden_layers")
        first_windowed = reader.first("max_window_layers")
        if window is None:
            out.set("sliding_window", False, switch.source)  # switched on, but no window
        elif first_windowed is not None and layers is not None and first_windowed.value >= layers.value:
            # Qwen: only layers with index >= max_window_layers slide, so none does.
            out.set("sliding_window", False, first_windowed.source)
        else:
            local("sliding", window, window.source)
        return
    # 3. A window shorter than the context is real (Mistral-7B-v0.1: 4096 of 32768; Gemma
    #    2/3 also give sliding_window_pattern); one as long as the context is no window.
    if window is not None:
        context = reader.value("context_length", prefer=window.source)
        if context is None or window.value < context:
            local("sliding", window, window.source)
        else:
            out.set("sliding_window", False, window.source)
        return
    # 4. Llama 4: chunked local attention on most layers.
    if chunk is not None:
        local("chunked", chunk, chunk.source)
        return
    # 5. `sliding_window: null` (Mixtral, Mistral v0.2+) or, in a full config, no key.
    null_at = reader.null("sliding_window")
    if null_at is not None:
        out.set("sliding_window", False, null_at)
    elif full:
        out.set("sliding_window", False, origin)


def _hybrid(reader: _Reader, out: _Builder, decide: _Decide, default: Callable[[str], DefaultRow | None], warnings: list[str]) -> None:
    value: bool | None = None
    kind: str | None = None
    source: str | None = None
    schedule = _layer_classes(reader, warnings)
    interval = reader.first("full_attention_interval")
    minimax = reader.first("attn_type_list")
    indexer = reader.first("sparse_indexer")
    if schedule is not None:
        # An explicit schedule decides; full/sliding/chunked alone is not hybrid.
        classes, source = schedule
        kinds = [k for k in HYBRID_KINDS if k in classes]
        value, kind = bool(kinds), (kinds[0] if kinds else None)
    elif interval is not None:
        # Qwen3-Next / Qwen3.5: full attention every n-th layer, Gated DeltaNet between.
        value, kind, source = interval.value > 1, ("linear" if interval.value > 1 else None), interval.source
    elif minimax is not None:
        # Raw MiniMax-Text-01: 0 = lightning (linear) attention layer, 1 = softmax layer.
        linear = any(v == 0 and not isinstance(v, bool) for v in minimax.value)
        value, kind, source = linear, ("linear" if linear else None), minimax.source
    elif indexer is not None:
        # DeepSeek sparse attention: a lightning indexer picks the keys each query sees.
        value, kind, source = True, "sparse", indexer.source
    if value is not None:
        out.set("hybrid_attention", value, source)
        out.set("hybrid_kind", kind, source if kind else None)
        return
    decide("hybrid_attention", None, None, False)
    if out.get("hybrid_attention") is True and out.provenance.get("hybrid_attention") == "model_type_defaults":
        row = default("hybrid_kind")
        if row is not None:
            out.set("hybrid_kind", row.value, "model_type_defaults")


def _mtp(reader: _Reader, out: _Builder, decide: _Decide) -> None:
    hit = reader.first("mtp_layers")
    if hit is not None:
        out.set("mtp", hit.value > 0, hit.source)
        out.set("mtp_layers", hit.value, hit.source)
        return
    decide("mtp", None, None, False)


def _rope(reader: _Reader, out: _Builder) -> None:
    block = reader.first("rope_scaling")
    rtype = reader.first("rope_type")
    mrope = reader.first("mrope_section")
    theta = reader.first("rope_theta")
    name: str | None = None
    source: str | None = None
    if rtype is not None:
        name = rtype.value.lower()
        name = ROPE_TYPE_ALIASES.get(name, name)
        source = rtype.source
    if name in (None, "default", "mrope") and mrope is not None:
        # Multimodal RoPE (Qwen2-VL): a position encoding for images and video, not a
        # context extension. An explicit yarn/linear type next to it still wins.
        name, source = "mrope", mrope.source
    if name is None:
        if block is not None:
            name, source = "default", block.source  # a block without a type
        elif reader.null("rope_scaling") is not None:
            name, source = "default", reader.null("rope_scaling")  # rope_scaling: null
        elif theta is not None:
            name, source = "default", theta.source  # RoPE with no scaling block
    if name is not None:
        out.set("rope_scaling_type", name, source)
    if name is not None and name not in NON_EXTENDING_ROPE_TYPES:
        factor = reader.first("rope_factor", prefer=source)
        if factor is not None:
            out.set("rope_factor", factor.value, factor.source)
    hit = reader.first("context_length")
    if hit is not None:
        out.set("context_length", hit.value, hit.source)
    if name is not None and name not in NON_EXTENDING_ROPE_TYPES:
        hit = reader.first("original_context_length", prefer=source)
        if hit is not None:
            out.set("original_context_length", hit.value, hit.source)


def _finish(out: _Builder, warnings: list[str]) -> ArchFeatures:
    values = {k: v for k, v in out.values.items() if v is not None}
    provenance = {k: v for k, v in out.provenance.items() if k in values}
    return ArchFeatures(**values, provenance=provenance, warnings=warnings)


def features_from_gguf(
    gguf: Mapping[str, Any],
    *,
    architectures: GgufArchitectures | None = None,
    defaults: ModelTypeDefaults | None = None,
) -> ArchFeatures:
    """Features of a GGUF-only repo from the Hub's ``gguf`` summary.

    The summary has only ``architecture`` (llama.cpp naming), ``context_length`` and
    ``total``: the model type comes from ``gguf_architectures.csv`` and everything else
    from the model-type defaults (provenance ``"model_type_defaults"``); the rest stays
    unknown and should be inherited from the resolved parent.
    """
    table = architectures or load_gguf_architectures()
    fallback = defaults or load_model_type_defaults()
    warnings: list[str] = []
    if not isinstance(gguf, Mapping):
        warnings.append(f"gguf: the summary is {type(gguf).__name__}, not a JSON object; nothing extracted")
        return ArchFeatures(warnings=warnings)
    out = _Builder()
    arch = gguf.get("architecture")
    model_type: str | None = None
    if isinstance(arch, str) and arch.strip():
        arch = arch.strip()
        out.set("gguf_architecture", arch, "gguf")
        model_type = table.mapping.get(arch)
        if model_type is None:
            warnings.append(f"gguf: architecture: {arch!r} is not in gguf_architectures.csv; model type unknown")
        else:
            out.set("model_type", model_type, "gguf")
    elif arch is not None:
        warnings.append(f"gguf: architecture: expected {KINDS['string']}, got {_short(arch)}; ignored")
    context = gguf.get("context_length")
    if context is not None:
        coerced = _coerce(context, "positive")
        if coerced is _MISSING:
            warnings.append(f"gguf: context_length: expected {KINDS['positive']}, got {_short(context)}; ignored")
        else:
            out.set("context_length", coerced, "gguf")
    if model_type is not None:
        for feature in DEFAULTABLE:
            row = fallback.get(model_type, feature)
            if row is not None:
                out.set(feature, row.value, "model_type_defaults")
        if out.get("mla") is True:
            out.set("attention", "MLA", "model_type_defaults")
    return _finish(out, warnings)
