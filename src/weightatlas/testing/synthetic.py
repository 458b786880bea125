"""A deterministic, virtual Hugging Face Hub model population for tests and benchmarks.

``synthetic_model(i, n, seed)`` returns record ``i`` of a population of ``n`` models, in
the Hub's wire format (camelCase keys, as ``GET /api/models/{repo_id}`` returns them).
Record 0 is the newest and record ``n - 1`` the oldest: the index order *is* the
``sort=createdAt`` order (``createdAt`` is strictly decreasing in ``i``), so a listing can
be streamed page by page without materialising the population.

:class:`SyntheticHub` wraps one population as a dataset for
:class:`weightatlas.testing.fakehub.FakeHub`: it computes records on demand and keeps only
a compact lineage plan (about 10 bytes per model in ``array`` objects, plus one small
tuple per root and per merge; built in ~2 s for n = 1,000,000), never a million dicts.

Population shape (all numbers are illustrative, not measurements; shares of records
for n = 200,000: 2 % roots, 0.7 % official instructs, 41 % fine-tunes, 29 %
quantizations, 15 % adapters, 4 % merges, 8 % without lineage):

* about 2 % roots (base models), published by real official namespaces (``Qwen``,
  ``meta-llama``, ``deepseek-ai``, ``mistralai``, ``google``, ``microsoft``, ``zai-org``,
  ``moonshotai``, ``CohereLabs``, ``allenai``, ``tiiuae``, ``LGAI-EXAONE``, ...), under real
  flagship names (``Qwen/Qwen2.5-7B``) for the first root of each template and ``-v<k>``
  variants after that;
* derivatives published by fictional ``fixture-<cc>-<k>`` namespaces (``cc`` is a country
  code, see :data:`FIXTURE_COUNTRIES` and :func:`synthetic_org_table`) and by the
  redistributors ``bartowski``, ``unsloth``, ``mlx-community``, ``lmstudio-community``,
  ``TheBloke``;
* family sizes follow a Zipf-like law over roots; within a family, chains run
  base -> official instruct -> community fine-tune -> (fine-tune) -> quantization, so the
  depth is at most 4; merges have 2-3 parents (sometimes across families); adapters carry
  ``library_name: peft`` and ``config.peft.base_model_name_or_path``; quantizations carry
  ``-GGUF`` / ``-AWQ`` / ``-GPTQ-Int4`` / ``-FP8`` / ``-4bit`` / ``-mlx-4bit`` /
  ``-bnb-4bit`` / ``-exl2-4.0bpw`` suffixes, ``gguf`` tags and fields and
  ``quantization_config``; exl2 repacks are tagged with the wrong relation (``finetune``)
  as on the real Hub; about 8 % of derivatives document no parent at all;
* derivative names are ``<root name><variant>-<index in hex><format suffix>``, e.g.
  ``fixture-kr-12/Qwen2.5-7B-Instruct-ko-1f3a`` or ``bartowski/Qwen3-8B-9c2-GGUF``: the
  hex token keeps ids unique and lets :meth:`SyntheticHub.index_of` find a record
  without an id index;
* every declared parent is an older record (larger index), except about 1.5 % dangling
  parents: an old namespace (``THUDM/...`` for ``zai-org``, ``CohereForAI/...`` for
  ``CohereLabs``), a wrongly cased id, or a deleted repo;
* tags as the Hub emits them: for each parent both ``base_model:<id>`` and
  ``base_model:<relation>:<id>``, plus library, format, ``model_type``, pipeline, language
  codes, ``license:...``, ``endpoints_compatible`` and ``region:us`` (GGUF repos and
  adapters have no ``config`` and hence no ``model_type`` tag, as on the Hub);
* heavy-tailed ``downloads`` (30 days) and ``downloadsAllTime >= downloads``; ``createdAt``
  from 2026-10-31 (record 0) back to 2023-01-01 (record ``n - 1``), denser in recent
  months; ``lastModified >= createdAt``.

``bad_fraction`` adds malformed records at deterministic positions: records dated 2099
(placed first, so the index order stays the ``createdAt`` order), and, spread over the
rest, records without ``id``, non-object items (a JSON string), an unknown relation tag
(``base_model:distill:X``) and negative ``downloads``.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import struct
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = [
    "FIXTURE_COUNTRIES",
    "OFFICIAL_ORGS",
    "REDISTRIBUTORS",
    "SyntheticHub",
    "config_json_for",
    "fixture_country",
    "iso_ms",
    "ms_iso",
    "synthetic_model",
    "synthetic_org_table",
]

# --------------------------------------------------------------------------- constants

#: Bump whenever generated records change (it keys the fake Hub's on-disk page cache).
GENERATOR_VERSION = 1

ROOT_SHARE = 0.02
DANGLING_SHARE = 0.015

T_START = 1672531200000  # 2023-01-01T00:00:00.000Z
T_END = 1793491199999  # 2026-10-31T23:59:59.999Z
T_NOW = 1793491200000  # 2026-11-01T00:00:00.000Z: "now" for lastModified
T_FUTURE = 4083955200000  # 2099-06-01T00:00:00.000Z: bad records

#: Fictional derivative namespaces ``fixture-<cc>-<k>``: ``cc`` -> ISO 3166-1 alpha-2.
FIXTURE_COUNTRIES: dict[str, str] = {
    "us": "US", "cn": "CN", "fr": "FR", "de": "DE", "kr": "KR", "jp": "JP", "in": "IN",
    "br": "BR", "gb": "GB", "ca": "CA", "sg": "SG", "vn": "VN", "ru": "RU", "tw": "TW",
}  # fmt: skip
_CC_WEIGHTS = {
    "us": 26, "cn": 20, "kr": 7, "jp": 6, "de": 6, "fr": 6, "in": 6, "br": 4, "gb": 5,
    "ca": 3, "sg": 2, "vn": 3, "ru": 3, "tw": 3,
}  # fmt: skip
_CC_LANG = {
    "us": "en", "cn": "zh", "fr": "fr", "de": "de", "kr": "ko", "jp": "ja", "in": "hi",
    "br": "pt", "gb": "en", "ca": "en", "sg": "en", "vn": "vi", "ru": "ru", "tw": "zh",
}  # fmt: skip

#: Official namespaces used for roots, with the country of the organisation.
OFFICIAL_ORGS: dict[str, str] = {
    "Qwen": "CN", "meta-llama": "US", "deepseek-ai": "CN", "mistralai": "FR", "google": "US",
    "microsoft": "US", "zai-org": "CN", "moonshotai": "CN", "CohereLabs": "CA",
    "allenai": "US", "tiiuae": "AE", "LGAI-EXAONE": "KR", "openai": "US",
    "ibm-granite": "US", "baidu": "CN", "tencent": "CN", "MiniMaxAI": "CN", "internlm": "CN",
    "01-ai": "CN", "nvidia": "US", "upstage": "KR",
}  # fmt: skip
#: Old namespaces that dangling parents may still name (the org moved).
_ORG_ALIASES = {"zai-org": "THUDM", "CohereLabs": "CohereForAI"}

#: Redistributors (repackagers) and the formats they publish, with weights.
REDISTRIBUTORS: dict[str, tuple[tuple[str, int], ...]] = {
    "bartowski": (("gguf", 1),),
    "unsloth": (("gguf", 3), ("bnb", 2)),
    "mlx-community": (("mlx4", 3), ("mlx8", 1)),
    "lmstudio-community": (("gguf", 1),),
    "TheBloke": (("gguf", 3), ("awq", 1), ("gptq", 1)),
}
_REDIST_WEIGHTS = {"bartowski": 30, "unsloth": 20, "mlx-community": 25, "lmstudio-community": 15, "TheBloke": 10}
_FIXTURE_QUANT_FMTS = (("gguf", 50), ("awq", 15), ("gptq", 12), ("fp8", 10), ("exl2", 8), ("mlx_named", 5))
_FMT_SUFFIX = {
    "gguf": "-GGUF", "awq": "-AWQ", "gptq": "-GPTQ-Int4", "fp8": "-FP8", "exl2": "-exl2-4.0bpw",
    "mlx4": "-4bit", "mlx8": "-8bit", "mlx_named": "-mlx-4bit", "bnb": "-bnb-4bit",
}  # fmt: skip

# kinds (plan codes)
ROOT, FINETUNE, QUANT, ADAPTER, MERGE, ORPHAN, OFFICIAL = range(7)
_RELATION = {FINETUNE: "finetune", OFFICIAL: "finetune", QUANT: "quantized", ADAPTER: "adapter", MERGE: "merge"}


@dataclass(frozen=True)
class _Tpl:
    org: str
    stem: str
    model_type: str
    arch: str
    params: int
    license: str
    languages: tuple[str, ...]
    pipeline: str
    gated: bool | str
    weight: float
    ctx: int
    gguf_arch: str


def _t(org, stem, mt, arch, params, lic, langs, weight, ctx, garch, *, pipe="text-generation", gated=False):
    return _Tpl(org, stem, mt, arch, params, lic, langs, pipe, gated, weight, ctx, garch)


_EN = ("en",)
_EN_ZH = ("en", "zh")
_ITT = "image-text-to-text"
#: Root templates: real official names with illustrative parameter counts.
TEMPLATES: tuple[_Tpl, ...] = (
    _t("Qwen", "Qwen2.5-0.5B", "qwen2", "Qwen2ForCausalLM", 494_032_768, "apache-2.0", _EN, 3, 32768, "qwen2"),
    _t("Qwen", "Qwen2.5-1.5B", "qwen2", "Qwen2ForCausalLM", 1_543_714_304, "apache-2.0", _EN, 3, 32768, "qwen2"),
    _t("Qwen", "Qwen2.5-7B", "qwen2", "Qwen2ForCausalLM", 7_615_616_512, "apache-2.0", _EN, 9, 131072, "qwen2"),
    _t("Qwen", "Qwen2.5-14B", "qwen2", "Qwen2ForCausalLM", 14_770_033_664, "apache-2.0", _EN, 3, 131072, "qwen2"),
    _t("Qwen", "Qwen2.5-32B", "qwen2", "Qwen2ForCausalLM", 32_763_876_352, "apache-2.0", _EN, 2, 131072, "qwen2"),
    _t("Qwen", "Qwen2.5-72B", "qwen2", "Qwen2ForCausalLM", 72_706_203_648, "other", _EN, 2, 131072, "qwen2"),
    _t("Qwen", "Qwen3-0.6B", "qwen3", "Qwen3ForCausalLM", 751_632_384, "apache-2.0", _EN, 3, 40960, "qwen3"),
    _t("Qwen", "Qwen3-4B", "qwen3", "Qwen3ForCausalLM", 4_022_468_096, "apache-2.0", _EN, 4, 40960, "qwen3"),
    _t("Qwen", "Qwen3-8B", "qwen3", "Qwen3ForCausalLM", 8_190_735_360, "apache-2.0", _EN, 6, 40960, "qwen3"),
    _t("Qwen", "Qwen3-14B", "qwen3", "Qwen3ForCausalLM", 14_768_307_200, "apache-2.0", _EN, 3, 40960, "qwen3"),
    _t("Qwen", "Qwen3-30B-A3B", "qwen3_moe", "Qwen3MoeForCausalLM", 30_532_122_624, "apache-2.0", _EN, 4, 40960,
       "qwen3moe"),
    _t("Qwen", "Qwen2.5-VL-7B-Instruct", "qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration", 8_292_166_656,
       "apache-2.0", _EN, 3, 128000, "qwen2vl", pipe=_ITT),
    _t("meta-llama", "Llama-3.1-8B", "llama", "LlamaForCausalLM", 8_030_261_248, "llama3.1",
       ("en", "de", "fr", "it", "pt", "hi", "es", "th"), 8, 131072, "llama", gated="manual"),
    _t("meta-llama", "Llama-3.2-1B", "llama", "LlamaForCausalLM", 1_235_814_400, "llama3.2", _EN, 4, 131072,
       "llama", gated="manual"),
    _t("meta-llama", "Llama-3.2-3B", "llama", "LlamaForCausalLM", 3_212_749_824, "llama3.2", _EN, 4, 131072,
       "llama", gated="manual"),
    _t("meta-llama", "Llama-3.3-70B-Instruct", "llama", "LlamaForCausalLM", 70_553_706_496, "llama3.3", _EN, 3,
       131072, "llama", gated="manual"),
    _t("meta-llama", "Llama-4-Scout-17B-16E", "llama4", "Llama4ForConditionalGeneration", 108_641_793_536, "other",
       _EN, 2, 10485760, "llama4", pipe=_ITT, gated="manual"),
    _t("meta-llama", "Llama-2-7b-hf", "llama", "LlamaForCausalLM", 6_738_415_616, "llama2", _EN, 4, 4096, "llama",
       gated="manual"),
    _t("deepseek-ai", "DeepSeek-V3", "deepseek_v3", "DeepseekV3ForCausalLM", 684_531_386_000, "mit", _EN, 3,
       163840, "deepseek2"),
    _t("deepseek-ai", "DeepSeek-R1", "deepseek_v3", "DeepseekV3ForCausalLM", 684_531_386_000, "mit", _EN, 4,
       163840, "deepseek2"),
    _t("deepseek-ai", "DeepSeek-V2-Lite", "deepseek_v2", "DeepseekV2ForCausalLM", 15_706_484_224, "other", _EN, 1,
       163840, "deepseek2"),
    _t("deepseek-ai", "deepseek-llm-7b-base", "llama", "LlamaForCausalLM", 6_910_365_696, "other", _EN, 1, 4096,
       "llama"),
    _t("deepseek-ai", "DeepSeek-R1-Distill-Qwen-7B", "qwen2", "Qwen2ForCausalLM", 7_615_616_512, "mit", _EN, 3,
       131072, "qwen2"),
    _t("mistralai", "Mistral-7B-v0.1", "mistral", "MistralForCausalLM", 7_241_732_096, "apache-2.0", _EN, 6, 32768,
       "llama"),
    _t("mistralai", "Mistral-Nemo-Base-2407", "mistral", "MistralForCausalLM", 12_247_782_400, "apache-2.0",
       ("en", "fr", "de", "es", "it", "pt", "ru", "zh", "ja"), 2, 1024000, "llama"),
    _t("mistralai", "Mixtral-8x7B-v0.1", "mixtral", "MixtralForCausalLM", 46_702_792_704, "apache-2.0",
       ("fr", "it", "de", "es", "en"), 2, 32768, "llama"),
    _t("mistralai", "Mistral-Small-24B-Base-2501", "mistral", "MistralForCausalLM", 23_572_403_200, "apache-2.0",
       _EN, 2, 32768, "llama"),
    _t("google", "gemma-2-9b", "gemma2", "Gemma2ForCausalLM", 9_241_705_984, "gemma", (), 3, 8192, "gemma2",
       gated="manual"),
    _t("google", "gemma-3-12b-pt", "gemma3", "Gemma3ForConditionalGeneration", 12_187_325_040, "gemma", (), 3,
       131072, "gemma3", pipe=_ITT, gated="manual"),
    _t("google", "gemma-3-1b-pt", "gemma3_text", "Gemma3ForCausalLM", 999_885_952, "gemma", (), 2, 32768, "gemma3",
       gated="manual"),
    _t("microsoft", "phi-4", "phi3", "Phi3ForCausalLM", 14_659_507_200, "mit", _EN, 3, 16384, "phi3"),
    _t("microsoft", "Phi-3.5-mini-instruct", "phi3", "Phi3ForCausalLM", 3_821_079_552, "mit", ("multilingual",), 2,
       131072, "phi3"),
    _t("zai-org", "glm-4-9b", "glm", "GlmForCausalLM", 9_399_951_360, "other", _EN_ZH, 2, 131072, "chatglm"),
    _t("zai-org", "GLM-4.5-Air", "glm4_moe", "Glm4MoeForCausalLM", 110_468_824_832, "mit", _EN_ZH, 2, 131072,
       "glm4moe"),
    _t("moonshotai", "Kimi-K2-Base", "kimi_k2", "DeepseekV3ForCausalLM", 1_026_470_000_000, "other", (), 1, 131072,
       "deepseek2"),
    _t("CohereLabs", "c4ai-command-r-v01", "cohere", "CohereForCausalLM", 34_980_831_232, "cc-by-nc-4.0",
       ("en", "fr", "de", "es", "it", "pt", "ja", "ko", "zh", "ar"), 1, 131072, "command-r"),
    _t("CohereLabs", "aya-expanse-8b", "cohere", "CohereForCausalLM", 8_028_033_024, "cc-by-nc-4.0",
       ("en", "fr", "de", "ja", "ko", "zh"), 1, 8192, "command-r"),
    _t("allenai", "OLMo-2-1124-7B", "olmo2", "Olmo2ForCausalLM", 7_298_617_344, "apache-2.0", _EN, 1, 4096, "olmo2"),
    _t("tiiuae", "Falcon3-7B-Base", "llama", "LlamaForCausalLM", 7_455_550_464, "other", ("en", "fr", "es", "pt"),
       1, 32768, "llama"),
    _t("LGAI-EXAONE", "EXAONE-3.5-7.8B-Instruct", "exaone", "ExaoneForCausalLM", 7_818_448_896, "other",
       ("en", "ko"), 1, 32768, "exaone"),
    _t("openai", "gpt-oss-20b", "gpt_oss", "GptOssForCausalLM", 21_511_953_984, "apache-2.0", (), 3, 131072,
       "gpt-oss"),
    _t("ibm-granite", "granite-3.3-8b-base", "granite", "GraniteForCausalLM", 8_170_864_640, "apache-2.0", (), 1,
       131072, "granite"),
    _t("baidu", "ERNIE-4.5-21B-A3B-PT", "ernie4_5_moe", "Ernie4_5_MoeForCausalLM", 21_825_437_440, "apache-2.0",
       _EN_ZH, 1, 131072, "ernie4_5-moe"),
    _t("tencent", "Hunyuan-A13B-Instruct", "hunyuan_v1_moe", "HunYuanMoEV1ForCausalLM", 80_393_183_232, "other",
       (), 1, 262144, "hunyuan-moe"),
    _t("MiniMaxAI", "MiniMax-M2", "minimax_m2", "MiniMaxM2ForCausalLM", 228_700_000_000, "mit", (), 1, 196608,
       "minimax-m2"),
    _t("internlm", "internlm3-8b-instruct", "internlm3", "InternLM3ForCausalLM", 8_804_241_408, "apache-2.0", (), 1,
       32768, "internlm3"),
    _t("01-ai", "Yi-1.5-9B", "llama", "LlamaForCausalLM", 8_829_407_232, "apache-2.0", (), 1, 4096, "llama"),
    _t("nvidia", "NVIDIA-Nemotron-Nano-9B-v2", "nemotron_h", "NemotronHForCausalLM", 8_888_227_328, "other",
       ("en", "es", "fr", "de", "ja", "it"), 1, 131072, "nemotron_h"),
    _t("upstage", "SOLAR-10.7B-v1.0", "llama", "LlamaForCausalLM", 10_731_524_096, "apache-2.0", _EN, 1, 4096,
       "llama"),
)  # fmt: skip

_FT_VARIANTS = ("-sft", "-dpo", "-chat", "-math", "-code", "-abliterated", "-reasoning", "-rp", "-orpo", "-grpo")
_ADAPTER_VARIANTS = ("-lora", "-qlora", "-LoRA", "-adapter")
_MERGE_VARIANTS = ("-merge", "-slerp", "-ties", "-dare-ties", "-della", "-model_stock")
_OTHER_LICENSES = ("apache-2.0", "mit", "cc-by-nc-4.0", "other", "openrail")


def _tok(i: int) -> str:
    """The unique token in derivative names: the record index in hex."""
    return format(i, "x")


def _cum(table: tuple[tuple[str, float], ...] | dict[str, float]) -> tuple[tuple[float, ...], tuple[str, ...]]:
    items = tuple(table.items()) if isinstance(table, dict) else tuple(table)
    total = float(sum(w for _, w in items))
    acc, cums = 0.0, []
    for _, w in items:
        acc += w / total
        cums.append(acc)
    return tuple(cums), tuple(k for k, _ in items)


def _weighted(u: float, cum: tuple[tuple[float, ...], tuple[str, ...]]) -> str:
    cums, keys = cum
    return keys[min(bisect.bisect_right(cums, u), len(keys) - 1)]


def _instruct_name(stem: str) -> str:
    if stem.endswith("-pt"):
        return stem[:-3] + "-it"
    if "-Base" in stem:
        return stem.replace("-Base", "-Instruct", 1)
    if stem.lower().endswith("-base"):
        return stem[:-5] + "-instruct"
    if "instruct" in stem.lower():
        return stem + "-2507"
    return stem + "-Instruct"


# --------------------------------------------------------------------------- time helpers


def ms_iso(ms: int) -> str:
    """Epoch milliseconds -> the Hub's ``2025-01-20T03:46:07.000Z`` format."""
    sec, milli = divmod(int(ms), 1000)
    day, rem = divmod(sec, 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    return f"{date}T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"


_DAYS: dict[int, str] = {}


def iso_ms(value: Any) -> int | None:
    """The Hub's ISO 8601 timestamp -> epoch milliseconds (``None`` if unparseable)."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(round(dt.timestamp() * 1000))


# --------------------------------------------------------------------------- the plan


class _Plan:
    """Compact lineage plan of one population: who is a root, family and parent of each index."""

    def __init__(self, n: int, seed: int, bad_fraction: float) -> None:
        if n < 1:
            raise ValueError("n must be >= 1")
        self.n, self.seed, self.bad_fraction = n, seed, float(bad_fraction)
        rng = random.Random(seed)
        rr = rng.random
        n_roots = max(1, min(n, round(n * ROOT_SHARE)))
        self.m_future = min(n - 1, round(n * self.bad_fraction / 5)) if self.bad_fraction > 0 else 0
        # Created-at mapping: exponential growth (doubling yearly), 1 ms guard for strictness.
        self._span = T_END - T_START - n
        self._tau_max = self._span / (365.25 * 86400000)
        self._gscale = 1.0 - 2.0 ** (-self._tau_max)

        # Roots: random positions; the oldest record is always a root.
        pos = sorted(rng.sample(range(n - 1), n_roots - 1)) + [n - 1] if n_roots > 1 else [n - 1]
        self.root_pos = pos
        self.root_of_pos = {p: k for k, p in enumerate(pos)}
        tw = _cum(tuple((str(t), tpl.weight) for t, tpl in enumerate(TEMPLATES)))
        counts: dict[int, int] = {}
        tpl_of = [0] * n_roots
        names = [""] * n_roots
        plain: list[int] = []
        for k in range(n_roots - 1, -1, -1):  # oldest first: it gets the plain flagship name
            t = int(_weighted(rr(), tw))
            c = counts.get(t, 0)
            counts[t] = c + 1
            tpl_of[k] = t
            names[k] = TEMPLATES[t].stem if c == 0 else f"{TEMPLATES[t].stem}-v{c + 1}"
            if c == 0:
                plain.append(k)
        self.root_tpl = array("H", tpl_of)
        self.root_name = names
        # Popularity: plain flagship roots rank first (by template weight), then the rest at random.
        plain.sort(key=lambda k: -TEMPLATES[tpl_of[k]].weight)
        plain_set = set(plain)
        others = [k for k in range(n_roots) if k not in plain_set]
        rng.shuffle(others)
        weights = [0.0] * n_roots
        for rank, k in enumerate(plain + others):
            weights[k] = TEMPLATES[tpl_of[k]].weight / (rank + 1) ** 0.9
        self.root_weight = weights
        self.max_weight = max(weights)
        prefix = [0.0] * (n_roots + 1)
        for k in range(n_roots):
            prefix[k + 1] = prefix[k] + weights[k]

        fam = array("i", bytes(4 * n))
        par = array("i", [-1]) * n
        kind = bytearray(n)
        depth = bytearray(n)
        merge_extra: dict[int, tuple[int, ...]] = {}
        official: dict[int, int] = {}
        pools: dict[int, list[list[int]]] = {}
        root_of_pos = self.root_of_pos
        total = prefix[n_roots]

        def pick_root(i: int) -> int:
            k0 = bisect.bisect_right(pos, i)
            lo = prefix[k0]
            t = lo + rr() * (total - lo)
            k = bisect.bisect_right(prefix, t, k0, n_roots + 1) - 1
            return min(max(k, k0), n_roots - 1)

        for i in range(n - 1, -1, -1):
            k = root_of_pos.get(i)
            if k is not None:
                fam[i] = k
                pools[k] = [[i], [], [], []]
                continue
            k = pick_root(i)
            fam[i] = k
            r = rr()
            if r < 0.08:
                kind[i] = ORPHAN
                continue
            kd = FINETUNE if r < 0.48 else QUANT if r < 0.78 else ADAPTER if r < 0.93 else MERGE
            pool = pools[k]
            r2 = rr()
            if kd in (FINETUNE, MERGE):
                pd = 0 if r2 < 0.6 else 1 if r2 < 0.9 else 2
            else:
                pd = 0 if r2 < 0.45 else 1 if r2 < 0.8 else 2 if r2 < 0.95 else 3
            while not pool[pd]:
                pd -= 1
            lst = pool[pd]
            j = lst[int(rr() * len(lst))]
            par[i] = j
            depth[i] = pd + 1
            if kd == MERGE:
                extras: list[int] = []
                want = 1 if rr() < 0.7 else 2
                for _ in range(4):
                    if len(extras) >= want:
                        break
                    if rr() < 0.15:
                        cand = pos[pick_root(i)]  # a cross-family merge
                    else:  # a member no deeper than the primary parent: depth stays pd + 1
                        lst2 = pool[int(rr() * (pd + 1))] or pool[0]
                        cand = lst2[int(rr() * len(lst2))]
                    if cand != j and cand not in extras:
                        extras.append(cand)
                if extras:
                    merge_extra[i] = tuple(extras)
                else:
                    kd = FINETUNE
            if kd == FINETUNE and pd == 0 and k not in official and rr() < 0.35:
                kd = OFFICIAL
                official[k] = i
                pool[1].extend((i, i, i, i))  # the official instruct attracts community work
            elif kd in (FINETUNE, MERGE) and pd + 1 <= 3:
                pool[pd + 1].append(i)
            kind[i] = kd
        self.fam, self.par, self.kind, self.depth = fam, par, kind, depth
        self.merge_extra = merge_extra
        # Clean (token-free) ids: roots and official instructs.
        self.clean: dict[str, int] = {}
        for k, p in enumerate(pos):
            self.clean[f"{TEMPLATES[tpl_of[k]].org}/{names[k]}"] = p
        for k, i in official.items():
            self.clean[f"{TEMPLATES[tpl_of[k]].org}/{_instruct_name(names[k])}"] = i

    # -- cheap per-index functions ------------------------------------------------------

    def created_ms(self, i: int) -> int:
        m = self.m_future
        if i < m:
            return T_FUTURE - i * 3600000
        x = (i - m) / max(1, self.n - m - 1)
        tau = -math.log2(1.0 - x * self._gscale)  # years before T_END
        return int(T_END - self._span * (tau / self._tau_max)) - (i - m)

    def oid(self, i: int, created: int | None = None) -> str:
        """A Mongo-ObjectId-like ``_id``: creation seconds, then 16 hash digits."""
        sec = (self.created_ms(i) if created is None else created) // 1000
        return f"{sec:08x}{hashlib.sha1(b'oid:%d:%d' % (self.seed, i)).hexdigest()[:16]}"

    def bad_kind(self, i: int) -> str | None:
        if self.bad_fraction <= 0:
            return None
        if i < self.m_future:
            return "future_created"
        if (_mix(self.seed, i, 11) >> 11) * 2.0**-53 < self.bad_fraction * 0.8:
            return ("missing_id", "non_object", "unknown_relation", "negative_downloads")[_mix(self.seed, i, 13) % 4]
        return None


_M64 = (1 << 64) - 1


def _mix(seed: int, i: int, salt: int) -> int:
    z = (seed * 0x9E3779B97F4A7C15 + i * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB + 0x632BE59BD9B4E019) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


@lru_cache(maxsize=4)
def _plan(n: int, seed: int, bad_fraction: float = 0.0) -> _Plan:
    return _Plan(n, seed, bad_fraction)


# --------------------------------------------------------------------------- identity

_CUM_CC = _cum(_CC_WEIGHTS)
_CUM_REDIST = _cum(_REDIST_WEIGHTS)
_CUM_REDIST_FMT = {k: _cum(v) for k, v in REDISTRIBUTORS.items()}
_CUM_FIXTURE_FMT = _cum(_FIXTURE_QUANT_FMTS)


_U16 = struct.Struct("<16I")


_U8 = struct.Struct("<8I")


def _uniforms(seed: int, i: int, salt: int) -> list[float]:
    """16 deterministic uniforms in [0, 1) (32-bit resolution) for record ``i``."""
    digest = hashlib.blake2b(b"%d:%d:%d" % (seed, i, salt), digest_size=64).digest()
    return [x * 2.3283064365386963e-10 for x in _U16.unpack(digest)]


def _uniforms8(seed: int, i: int, salt: int) -> list[float]:
    digest = hashlib.blake2b(b"%d:%d:%d" % (seed, i, salt), digest_size=32).digest()
    return [x * 2.3283064365386963e-10 for x in _U8.unpack(digest)]


class _Ident(NamedTuple):
    author: str
    name: str
    fmt: str | None  # quantization format, or None
    lang: str | None  # added language code
    dangling: str | None  # the dangling parent id replacing the primary parent, if any
    redistributor: bool


@lru_cache(maxsize=65536)
def _ident(plan: _Plan, i: int) -> _Ident:
    kd = plan.kind[i]
    k = plan.fam[i]
    tpl = TEMPLATES[plan.root_tpl[k]]
    if kd == ROOT:
        return _Ident(tpl.org, plan.root_name[k], None, None, None, False)
    if kd == OFFICIAL:
        return _Ident(tpl.org, _instruct_name(plan.root_name[k]), None, None, None, False)
    u = _uniforms8(plan.seed, i, 101)
    stem = _stem(plan, i)
    tok = _tok(i)
    fmt = lang = None
    redist = False
    big_k = max(3, plan.n // 1000)
    cc = _weighted(u[0], _CUM_CC)
    fixture = f"fixture-{cc}-{int(big_k ** u[1])}"
    if kd == QUANT or (kd == ORPHAN and u[2] < 0.5):
        if u[3] < 0.65:
            author = _weighted(u[4], _CUM_REDIST)
            fmt = _weighted(u[5], _CUM_REDIST_FMT[author])
            redist = True
        else:
            author = fixture
            fmt = _weighted(u[5], _CUM_FIXTURE_FMT)
        name = f"{stem}-{tok}{_FMT_SUFFIX[fmt]}"
    else:
        author = fixture
        if kd == ADAPTER:
            variant = _ADAPTER_VARIANTS[int(u[4] * len(_ADAPTER_VARIANTS))]
        elif kd == MERGE:
            variant = _MERGE_VARIANTS[int(u[4] * len(_MERGE_VARIANTS))]
        elif u[3] < 0.5 and _CC_LANG[cc] != "en":
            lang = _CC_LANG[cc]
            variant = "-" + lang
        else:
            variant = _FT_VARIANTS[int(u[4] * len(_FT_VARIANTS))]
        name = f"{stem}{variant}-{tok}"
    dangling = None
    p = plan.par[i]
    if p >= 0 and u[6] < DANGLING_SHARE:
        pid = _id_of(plan, p)
        ns, _, pname = pid.partition("/")
        if ns in _ORG_ALIASES and u[7] < 0.7:
            dangling = f"{_ORG_ALIASES[ns]}/{pname}"
        elif u[7] < 0.5 and pid.lower() != pid:
            dangling = pid.lower()
        else:
            dangling = f"{pid}-old"
    return _Ident(author, name, fmt, lang, dangling, redist)


def _stem(plan: _Plan, j: int) -> str:
    for _ in range(8):
        kd = plan.kind[j]
        k = plan.fam[j]
        if kd == ROOT:
            return plan.root_name[k]
        if kd == OFFICIAL:
            return _instruct_name(plan.root_name[k])
        p = plan.par[j]
        if p < 0:
            return plan.root_name[k]
        j = p
    return plan.root_name[plan.fam[j]]


def _id_of(plan: _Plan, i: int) -> str:
    idn = _ident(plan, i)
    return f"{idn.author}/{idn.name}"


def _parents(plan: _Plan, i: int) -> list[str]:
    """Declared parent ids of record i (dangling substitution applied)."""
    p = plan.par[i]
    if p < 0:
        return []
    idn = _ident(plan, i)
    out = [idn.dangling or _id_of(plan, p)]
    for e in plan.merge_extra.get(i, ()):
        out.append(_id_of(plan, e))
    return out


# --------------------------------------------------------------------------- records

_GGUF_QUANTS = ("Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "IQ4_XS", "f16")
_BASE_DL = {ROOT: 3000, OFFICIAL: 4000, FINETUNE: 25, QUANT: 40, ADAPTER: 8, MERGE: 12, ORPHAN: 6}
_QUANT_TAGS = {
    "awq": ("4-bit", "awq"), "gptq": ("4-bit", "gptq"), "bnb": ("4-bit", "bitsandbytes"), "mlx4": ("4-bit",),
    "mlx_named": ("4-bit",), "mlx8": ("8-bit",), "fp8": ("fp8", "compressed-tensors"), "exl2": ("exl2",),
}  # fmt: skip
#: Every key a synthetic record can hold (``want=None`` means all of them).
ALL_FIELDS = frozenset({
    "_id", "id", "modelId", "author", "sha", "createdAt", "lastModified", "private", "disabled", "gated",
    "downloads", "downloadsAllTime", "likes", "trendingScore", "tags", "pipeline_tag", "library_name", "config",
    "cardData", "transformersInfo", "safetensors", "gguf", "siblings", "usedStorage",
})  # fmt: skip


def synthetic_model(i: int, n: int, seed: int = 0, *, bad_fraction: float = 0.0) -> Any:
    """Record ``i`` (0 = newest) of the synthetic population ``(n, seed)``, wire format.

    Deterministic. Returns a dict, except for the ``non_object`` bad records (a string)
    when ``bad_fraction > 0``.
    """
    if not 0 <= i < n:
        raise IndexError(i)
    return _record(_plan(n, seed, float(bad_fraction)), i)


def _record(plan: _Plan, i: int, want: frozenset[str] | None = None) -> Any:
    """Record ``i``. ``want`` limits the (costly) sections computed; values never depend on it."""
    bad = plan.bad_kind(i)
    if bad == "non_object":
        return f"<malformed item {i}>"
    w = ALL_FIELDS if want is None else want
    seed = plan.seed
    kd = plan.kind[i]
    k = plan.fam[i]
    tpl = TEMPLATES[plan.root_tpl[k]]
    idn = _ident(plan, i)
    rid = f"{idn.author}/{idn.name}"
    u = _uniforms(seed, i, 211)
    created = plan.created_ms(i)
    rec: dict[str, Any] = {"_id": plan.oid(i, created), "id": rid}
    if "modelId" in w:
        rec["modelId"] = rid
    if "author" in w:
        rec["author"] = idn.author
    if "sha" in w:
        rec["sha"] = hashlib.sha1(b"sha:%d:%d" % (seed, i)).hexdigest()
    if "createdAt" in w:
        rec["createdAt"] = ms_iso(created)
    if "lastModified" in w:
        last_mod = created if created >= T_NOW else created + int((T_NOW - created) * u[0] ** 4)
        rec["lastModified"] = ms_iso(last_mod)
    if "private" in w:
        rec["private"] = False
    if "disabled" in w:
        rec["disabled"] = False
    if "gated" in w:
        rec["gated"] = tpl.gated if kd in (ROOT, OFFICIAL) else False

    fmt = idn.fmt
    is_gguf = fmt == "gguf"
    is_mlx = fmt in ("mlx4", "mlx8", "mlx_named")
    if kd == ADAPTER:
        library: str | None = "peft"
    elif is_gguf:
        library = "gguf" if u[1] < 0.7 else None
    elif is_mlx:
        library = "mlx"
    else:
        library = "transformers"
    if kd == ADAPTER or is_gguf:
        pipeline = tpl.pipeline if u[2] < 0.45 else None
    else:
        pipeline = tpl.pipeline

    if w & _POP_FIELDS:
        age_days = max(0.0, (T_NOW - created) / 86400000)
        pop = (plan.root_weight[k] / plan.max_weight) ** 0.35
        base = _BASE_DL[kd] * (6 if idn.redistributor else 1)
        if u[3] < (0.03 if kd in (ROOT, OFFICIAL) else 0.45):
            downloads = 0
        else:
            downloads = int(base * pop * ((1.0 - u[4]) ** (-1 / 1.15) - 0.8) * math.exp(-age_days / 500))
            downloads = min(downloads, 250_000_000)
        all_time = downloads + int(downloads * age_days / 30.4 * (0.2 + u[5])) + int(base * pop * u[6] * 3)
        likes = int((all_time**0.5) * 0.05 * u[7] * (3 if kd in (ROOT, OFFICIAL) else 1))
        if bad == "negative_downloads":
            downloads = -1 - int(u[8] * 1000)
        if "downloads" in w:
            rec["downloads"] = downloads
        if "downloadsAllTime" in w:
            rec["downloadsAllTime"] = all_time
        if "likes" in w:
            rec["likes"] = likes
        if "trendingScore" in w:
            rec["trendingScore"] = int(likes * math.exp(-age_days / 14) * 2) if age_days < 60 else 0

    need_lineage = w & _LINEAGE_FIELDS
    if need_lineage:
        parents = _parents(plan, i)
        relation = _RELATION.get(kd)
        if fmt == "exl2" and relation == "quantized":
            relation = "finetune"  # the Hub mislabels branch-stored exl2 quants (hub-api.md §10.5)
        if bad == "unknown_relation" and parents:
            relation = "distill"
        langs = list(tpl.languages)
        if idn.lang and idn.lang not in langs:
            langs.append(idn.lang)
        license_ = tpl.license if (kd in (ROOT, OFFICIAL) or u[9] < 0.85) else _OTHER_LICENSES[int(u[10] * 5)]
    if "tags" in w:
        model_type = None if (is_gguf or kd == ADAPTER) else tpl.model_type
        chatty = kd in (OFFICIAL, FINETUNE, MERGE) or "nstruct" in idn.name or "-it" in idn.name
        tags: list[str] = []
        if library:
            tags.append(library)
        if is_gguf and library != "gguf":
            tags.append("gguf")
        if not is_gguf:
            tags.append("safetensors")
        if model_type:
            tags.append(model_type)
        if pipeline:
            tags.append(pipeline)
        if kd == ADAPTER:
            tags.append("lora")
        elif kd == MERGE:
            tags += ("mergekit", "merge")
        if chatty:
            tags.append("conversational")
        if fmt in _QUANT_TAGS:
            tags += _QUANT_TAGS[fmt]
        elif is_gguf and idn.author == "bartowski":
            tags.append("imatrix")
        tags += langs
        tags += [f"base_model:{p}" for p in parents]
        tags += [f"base_model:{relation}:{p}" for p in parents]
        tags.append(f"license:{license_}")
        if library == "transformers" and pipeline == "text-generation":
            tags.append("text-generation-inference")
        tags += ("endpoints_compatible", "region:us")
        rec["tags"] = tags
    if pipeline and "pipeline_tag" in w:
        rec["pipeline_tag"] = pipeline
    if library and "library_name" in w:
        rec["library_name"] = library
    if "config" in w:
        if kd == ADAPTER:
            if parents:
                rec["config"] = {"peft": {"base_model_name_or_path": parents[0], "task_type": "CAUSAL_LM"}}
        elif not is_gguf:
            config: dict[str, Any] = {"architectures": [tpl.arch], "model_type": tpl.model_type}
            qc = _quant_config(fmt) or ({"quant_method": "mxfp4"} if tpl.model_type == "gpt_oss" else None)
            if qc:
                config["quantization_config"] = qc
            rec["config"] = config
    if "cardData" in w:
        card: dict[str, Any] = {}
        if parents:
            card["base_model"] = parents[0] if (len(parents) == 1 and u[11] < 0.6) else list(parents)
            if u[12] < 0.2 and relation in ("finetune", "adapter", "quantized", "merge") and fmt != "exl2":
                card["base_model_relation"] = relation
        if library:
            card["library_name"] = library
        card["license"] = license_
        if langs:
            card["language"] = langs if len(langs) > 1 else langs[0]
        if pipeline:
            card["pipeline_tag"] = pipeline
        if kd == MERGE:
            card["tags"] = ["mergekit", "merge"]
        rec["cardData"] = card
    if library == "transformers" and "transformersInfo" in w:
        rec["transformersInfo"] = {
            "auto_model": "AutoModelForImageTextToText" if pipeline == _ITT else "AutoModelForCausalLM",
            "pipeline_tag": pipeline or "text-generation",
            "processor": "AutoProcessor" if pipeline == _ITT else "AutoTokenizer",
        }
    if w & _FILE_FIELDS:
        params = tpl.params if kd in (ROOT, OFFICIAL, QUANT) else int(tpl.params * (1.0 + (u[13] - 0.5) * 0.002))
        want_sib = "siblings" in w
        siblings = [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}]
        if is_gguf:
            nq = 2 + int(u[14] * 6)
            if want_sib:
                stem = idn.name[: -len("-GGUF")] if idn.name.endswith("-GGUF") else idn.name
                siblings += [{"rfilename": f"{stem}-{q}.gguf"} for q in _GGUF_QUANTS[:nq]]
            if "gguf" in w:
                rec["gguf"] = {"total": params, "architecture": tpl.gguf_arch, "context_length": tpl.ctx}
            used = int(params * 0.6 * nq)
        elif kd == ADAPTER:
            siblings += [{"rfilename": "adapter_config.json"}, {"rfilename": "adapter_model.safetensors"}]
            used = int(params * 0.004)
        else:
            st = _safetensors(params, fmt)
            if "safetensors" in w:
                rec["safetensors"] = st
            nbytes = sum(v * _DTYPE_BYTES.get(d, 2) for d, v in st["parameters"].items())
            used = nbytes + 12_000_000
            if want_sib:
                siblings += [{"rfilename": "config.json"}, {"rfilename": "generation_config.json"}]
                shards = max(1, -(-nbytes // 4_900_000_000))
                if shards == 1:
                    siblings.append({"rfilename": "model.safetensors"})
                else:
                    siblings += [
                        {"rfilename": f"model-{s:05d}-of-{shards:05d}.safetensors"} for s in range(1, shards + 1)
                    ]
                    siblings.append({"rfilename": "model.safetensors.index.json"})
                siblings += [{"rfilename": "tokenizer.json"}, {"rfilename": "tokenizer_config.json"}]
        if want_sib:
            if tpl.license not in ("apache-2.0", "mit") and kd in (ROOT, OFFICIAL):
                siblings.insert(1, {"rfilename": "LICENSE"})
            rec["siblings"] = siblings
        if "usedStorage" in w:
            rec["usedStorage"] = used
    if bad == "missing_id":
        del rec["id"]
        rec.pop("modelId", None)
    elif bad == "future_created" and "lastModified" in rec:
        rec["lastModified"] = rec.get("createdAt", ms_iso(created))
    return rec


_POP_FIELDS = frozenset({"downloads", "downloadsAllTime", "likes", "trendingScore"})
_LINEAGE_FIELDS = frozenset({"tags", "config", "cardData"})
_FILE_FIELDS = frozenset({"siblings", "usedStorage", "safetensors", "gguf"})
_DTYPE_BYTES = {"I32": 4, "U32": 4, "F32": 4, "U8": 1, "F8_E4M3": 1, "I16": 2, "F16": 2, "BF16": 2}


def _quant_config(fmt: str | None) -> dict[str, Any] | None:
    if fmt == "awq":
        return {"bits": 4, "quant_method": "awq"}
    if fmt == "gptq":
        return {"bits": 4, "quant_method": "gptq"}
    if fmt == "bnb":
        return {"load_in_4bit": True, "load_in_8bit": False, "quant_method": "bitsandbytes"}
    if fmt == "fp8":
        return {"quant_method": "compressed-tensors"}
    if fmt == "exl2":
        return {"bits": 4.0, "quant_method": "exl2"}
    return None


def _safetensors(params: int, fmt: str | None) -> dict[str, Any]:
    if fmt in ("awq", "gptq"):
        p = {"I32": int(params * 0.11), "F16": int(params * 0.13)}
    elif fmt in ("mlx4", "mlx_named"):
        p = {"U32": int(params * 0.125), "BF16": int(params * 0.03)}
    elif fmt == "mlx8":
        p = {"U32": int(params * 0.25), "BF16": int(params * 0.03)}
    elif fmt == "bnb":
        p = {"U8": int(params * 0.46), "F16": int(params * 0.06)}
    elif fmt == "fp8":
        p = {"F8_E4M3": int(params * 0.97), "BF16": int(params * 0.03)}
    elif fmt == "exl2":
        p = {"I16": int(params * 0.3), "F16": int(params * 0.05)}
    else:
        p = {"BF16": params}
    return {"parameters": p, "total": sum(p.values())}


# --------------------------------------------------------------------------- config.json bodies

_DENSE = {"torch_dtype": "bfloat16", "tie_word_embeddings": False, "hidden_act": "silu", "rms_norm_eps": 1e-06}
_LLAMA31_ROPE = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                 "original_max_position_embeddings": 8192, "rope_type": "llama3"}  # fmt: skip
_DSV3 = {
    "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048, "num_hidden_layers": 61,
    "num_attention_heads": 128, "num_key_value_heads": 128, "kv_lora_rank": 512, "q_lora_rank": 1536,
    "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128, "n_routed_experts": 256,
    "n_shared_experts": 1, "num_experts_per_tok": 8, "first_k_dense_replace": 3, "moe_layer_freq": 1,
    "num_nextn_predict_layers": 1, "max_position_embeddings": 163840, "rope_theta": 10000,
    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "beta_fast": 32,
                     "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
    "vocab_size": 129280,
}  # fmt: skip
#: Illustrative raw ``config.json`` keys per ``model_type`` (architecture-feature keys of hub-api.md §12).
MODEL_TYPE_CONFIGS: dict[str, dict[str, Any]] = {
    "qwen2": {"hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
              "num_key_value_heads": 4, "max_position_embeddings": 131072, "sliding_window": 131072,
              "use_sliding_window": False, "max_window_layers": 28, "rope_theta": 1000000.0, "vocab_size": 152064},
    "qwen3": {"hidden_size": 4096, "intermediate_size": 12288, "num_hidden_layers": 36, "num_attention_heads": 32,
              "num_key_value_heads": 8, "head_dim": 128, "max_position_embeddings": 40960, "sliding_window": None,
              "use_sliding_window": False, "rope_theta": 1000000, "vocab_size": 151936},
    "qwen3_moe": {"hidden_size": 2048, "moe_intermediate_size": 768, "num_hidden_layers": 48,
                  "num_attention_heads": 32, "num_key_value_heads": 4, "num_experts": 128, "num_experts_per_tok": 8,
                  "decoder_sparse_step": 1, "mlp_only_layers": [], "max_position_embeddings": 40960,
                  "sliding_window": None, "use_sliding_window": False, "rope_theta": 1000000.0},
    "qwen2_5_vl": {"hidden_size": 3584, "num_hidden_layers": 28, "num_attention_heads": 28,
                   "num_key_value_heads": 4, "max_position_embeddings": 128000, "sliding_window": 32768,
                   "use_sliding_window": False, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
                   "vision_config": {"depth": 32, "hidden_size": 1280, "out_hidden_size": 3584}},
    "llama": {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
              "num_key_value_heads": 8, "max_position_embeddings": 131072, "rope_theta": 500000.0,
              "rope_scaling": _LLAMA31_ROPE, "vocab_size": 128256},
    "llama4": {"text_config": {"model_type": "llama4_text", "hidden_size": 5120, "num_hidden_layers": 48,
                               "num_attention_heads": 40, "num_key_value_heads": 8, "num_local_experts": 16,
                               "num_experts_per_tok": 1, "interleave_moe_layer_step": 1,
                               "attention_chunk_size": 8192, "max_position_embeddings": 10485760,
                               "rope_scaling": {"factor": 16.0, "rope_type": "llama3", "low_freq_factor": 1.0,
                                                "high_freq_factor": 1.0,
                                                "original_max_position_embeddings": 8192}},
               "vision_config": {"model_type": "llama4_vision_model", "num_hidden_layers": 34}},
    "deepseek_v3": _DSV3,
    "kimi_k2": {**_DSV3, "n_routed_experts": 384, "num_attention_heads": 64, "num_key_value_heads": 64,
                "first_k_dense_replace": 1, "num_nextn_predict_layers": 0,
                "rope_scaling": {"type": "yarn", "factor": 32.0, "original_max_position_embeddings": 4096,
                                 "beta_fast": 1.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0},
                "max_position_embeddings": 131072},
    "deepseek_v2": {"hidden_size": 2048, "num_hidden_layers": 27, "num_attention_heads": 16,
                    "num_key_value_heads": 16, "kv_lora_rank": 512, "q_lora_rank": None, "qk_rope_head_dim": 64,
                    "qk_nope_head_dim": 128, "v_head_dim": 128, "n_routed_experts": 64, "n_shared_experts": 2,
                    "num_experts_per_tok": 6, "first_k_dense_replace": 1, "max_position_embeddings": 163840,
                    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}},
    "mistral": {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
                "num_key_value_heads": 8, "max_position_embeddings": 32768, "sliding_window": 4096,
                "rope_theta": 10000.0, "vocab_size": 32000},
    "mixtral": {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                "num_local_experts": 8, "num_experts_per_tok": 2, "max_position_embeddings": 32768,
                "sliding_window": None, "rope_theta": 1000000.0},
    "gemma2": {"hidden_size": 3584, "num_hidden_layers": 42, "num_attention_heads": 16, "num_key_value_heads": 8,
               "head_dim": 256, "sliding_window": 4096, "max_position_embeddings": 8192,
               "hidden_activation": "gelu_pytorch_tanh", "query_pre_attn_scalar": 256},
    "gemma3": {"text_config": {"model_type": "gemma3_text", "hidden_size": 3840, "num_hidden_layers": 48,
                               "num_attention_heads": 16, "num_key_value_heads": 8, "sliding_window": 1024,
                               "sliding_window_pattern": 6, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                               "max_position_embeddings": 131072},
               "vision_config": {"model_type": "siglip_vision_model", "num_hidden_layers": 27}},
    "gemma3_text": {"hidden_size": 1152, "num_hidden_layers": 26, "num_attention_heads": 4, "num_key_value_heads": 1,
                    "sliding_window": 512, "sliding_window_pattern": 6, "max_position_embeddings": 32768},
    "phi3": {"hidden_size": 5120, "num_hidden_layers": 40, "num_attention_heads": 40, "num_key_value_heads": 10,
             "max_position_embeddings": 16384, "rope_scaling": None, "sliding_window": None},
    "glm": {"hidden_size": 4096, "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 2,
            "max_position_embeddings": 131072, "partial_rotary_factor": 0.5},
    "glm4_moe": {"hidden_size": 4096, "num_hidden_layers": 46, "num_attention_heads": 96, "num_key_value_heads": 8,
                 "n_routed_experts": 128, "n_shared_experts": 1, "num_experts_per_tok": 8,
                 "first_k_dense_replace": 1, "num_nextn_predict_layers": 1, "max_position_embeddings": 131072,
                 "partial_rotary_factor": 0.5},
    "cohere": {"hidden_size": 8192, "num_hidden_layers": 40, "num_attention_heads": 64, "num_key_value_heads": 64,
               "max_position_embeddings": 131072, "use_qk_norm": False},
    "olmo2": {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
              "max_position_embeddings": 4096},
    "exaone": {"hidden_size": 4096, "num_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
               "max_position_embeddings": 32768},
    "gpt_oss": {"hidden_size": 2880, "num_hidden_layers": 24, "num_attention_heads": 64, "num_key_value_heads": 8,
                "num_local_experts": 32, "num_experts_per_tok": 4, "experts_per_token": 4, "sliding_window": 128,
                "layer_types": ["sliding_attention", "full_attention"] * 12, "max_position_embeddings": 131072,
                "rope_scaling": {"rope_type": "yarn", "factor": 32.0, "original_max_position_embeddings": 4096,
                                 "beta_fast": 32.0, "beta_slow": 1.0},
                "quantization_config": {"quant_method": "mxfp4"}},
    "granite": {"hidden_size": 4096, "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8,
                "max_position_embeddings": 131072},
    "ernie4_5_moe": {"hidden_size": 2560, "num_hidden_layers": 28, "num_attention_heads": 20,
                     "num_key_value_heads": 4, "moe_num_experts": 64, "moe_k": 6, "max_position_embeddings": 131072},
    "hunyuan_v1_moe": {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                       "num_key_value_heads": 8, "num_experts": 64, "moe_topk": 8, "max_position_embeddings": 262144},
    "minimax_m2": {"hidden_size": 3072, "num_hidden_layers": 62, "num_attention_heads": 48,
                   "num_key_value_heads": 8, "num_local_experts": 256, "num_experts_per_tok": 8,
                   "max_position_embeddings": 196608},
    "internlm3": {"hidden_size": 4096, "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 2,
                  "max_position_embeddings": 32768},
    "nemotron_h": {"hidden_size": 4480, "num_hidden_layers": 56, "num_attention_heads": 40,
                   "num_key_value_heads": 8,
                   "hybrid_override_pattern": "M-M-M-MM-M-M-M*-M-M-M*-M-M-M-M*-M-M-M-M*-M-MM-M-M-M-M-M-",
                   "max_position_embeddings": 131072},
}  # fmt: skip


def config_json_for(record: dict[str, Any]) -> dict[str, Any] | None:
    """A plausible raw ``config.json`` for a wire record (``None``: the repo has none).

    Built from the record's API ``config`` subset (``model_type``, ``architectures``,
    ``quantization_config``) and the illustrative per-``model_type`` keys of
    :data:`MODEL_TYPE_CONFIGS`. Repos whose ``siblings`` list no ``config.json``, GGUF
    repos without a ``config`` and adapters have none.
    """
    siblings = record.get("siblings")
    if isinstance(siblings, list) and not any(
        isinstance(s, dict) and s.get("rfilename") == "config.json" for s in siblings
    ):
        return None
    api_cfg = record.get("config") if isinstance(record.get("config"), dict) else {}
    model_type = api_cfg.get("model_type")
    if not model_type:
        return None
    body: dict[str, Any] = {"architectures": api_cfg.get("architectures") or [], "model_type": model_type}
    body.update(_DENSE)
    body.update(MODEL_TYPE_CONFIGS.get(model_type, {}))
    if api_cfg.get("quantization_config"):
        body["quantization_config"] = api_cfg["quantization_config"]
    body["transformers_version"] = "4.57.1"
    return body


# --------------------------------------------------------------------------- orgs


def fixture_country(namespace: str) -> str | None:
    """ISO country of a ``fixture-<cc>-<k>`` namespace, or of an official org; else ``None``."""
    if namespace.startswith("fixture-"):
        parts = namespace.split("-")
        if len(parts) >= 3:
            return FIXTURE_COUNTRIES.get(parts[1])
        return None
    return OFFICIAL_ORGS.get(namespace)


def synthetic_org_table(n: int) -> list[dict[str, str | None]]:
    """Every namespace a population of size ``n`` can use, with its country (a test org table).

    Rows: ``{"namespace", "country", "kind"}``, kind in ``official`` / ``fixture`` /
    ``redistributor``. Redistributors have no country (they repackage; see methods.md).
    """
    rows: list[dict[str, str | None]] = [
        {"namespace": ns, "country": cc, "kind": "official"} for ns, cc in OFFICIAL_ORGS.items()
    ]
    rows += [{"namespace": ns, "country": None, "kind": "redistributor"} for ns in REDISTRIBUTORS]
    big_k = max(3, n // 1000)
    for cc, iso in FIXTURE_COUNTRIES.items():
        rows += [{"namespace": f"fixture-{cc}-{k}", "country": iso, "kind": "fixture"} for k in range(1, big_k + 1)]
    return rows


# --------------------------------------------------------------------------- the dataset


class SyntheticHub:
    """A virtual population of ``n`` models: record ``i`` is computed on demand.

    Index order is ``createdAt`` descending (record 0 newest). ``update``/``add``/``remove``
    keep small overlays; adding records or changing ``createdAt`` turns off the
    index-order fast path of :class:`~weightatlas.testing.fakehub.FakeHub` (listings then
    scan and sort, which is slow for large ``n`` but correct).
    """

    def __init__(self, n: int, seed: int = 0, *, bad_fraction: float = 0.0) -> None:
        self.n, self.seed, self.bad_fraction = int(n), int(seed), float(bad_fraction)
        self.plan = _plan(self.n, self.seed, self.bad_fraction)
        self.version = 0
        self._overlay: dict[int, dict[str, Any]] = {}
        self._extra: list[dict[str, Any]] = []
        self._extra_ids: dict[str, int] = {}
        self._deleted: set[int] = set()
        self._children: dict[int, int] | None = None
        self.created_order = True  # index order == createdAt order

    # -- sizes and records
    def __len__(self) -> int:
        return self.n + len(self._extra)

    def record(self, i: int, want: frozenset[str] | None = None) -> Any:
        """Record at position ``i`` (overlays applied); ``None`` if removed.

        ``want`` (a set of keys) lets the generator skip sections nobody will read; the
        values it does return never depend on it.
        """
        if i >= self.n:
            return self._extra[i - self.n]
        if i in self._deleted:
            return None
        rec = _record(self.plan, i, want)
        ov = self._overlay.get(i)
        if ov and isinstance(rec, dict):
            rec.update(ov)
        return rec

    def __getitem__(self, i: int) -> Any:
        return self.record(i)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            rec = self.record(i)
            if rec is not None:
                yield rec

    def oid(self, i: int) -> str:
        if i >= self.n:
            return str(self._extra[i - self.n].get("_id"))
        ov = self._overlay.get(i)
        if ov and "_id" in ov:
            return str(ov["_id"])
        return self.plan.oid(i)

    def created_ms(self, i: int) -> int:
        return self.plan.created_ms(i)

    def model_id(self, i: int) -> str:
        """The repo id of record ``i`` (even for bad records that do not show it)."""
        return _id_of(self.plan, i)

    def parent_ids(self, i: int) -> list[str]:
        """Declared parents of record ``i`` (before bad-record corruption)."""
        return _parents(self.plan, i)

    # -- lookup
    def index_of(self, repo_id: str) -> int | None:
        if repo_id in self._extra_ids:
            return self._extra_ids[repo_id]
        plan = self.plan
        i = plan.clean.get(repo_id)
        if i is None:
            _, _, name = repo_id.partition("/")
            for piece in reversed(name.split("-")):
                if not piece or len(piece) > 8 or not piece.isalnum() or piece != piece.lower():
                    continue
                try:
                    j = int(piece, 16)
                except ValueError:
                    continue
                if j < plan.n and plan.kind[j] not in (ROOT, OFFICIAL) and _id_of(plan, j) == repo_id:
                    i = j
                    break
        if i is None or i in self._deleted:
            return None
        return i

    def lookup(self, repo_id: str) -> Any:
        i = self.index_of(repo_id)
        return None if i is None else self.record(i)

    def oid_for(self, repo_id: str) -> str | None:
        """``_id`` of the repo (cheap: no record is generated), or None if absent."""
        i = self.index_of(repo_id)
        return None if i is None else self.oid(i)

    # -- lineage
    def children_count(self, repo_id: str) -> int:
        i = self.index_of(repo_id)
        if i is None:
            return 0
        if self._children is None:
            plan = self.plan
            counts: dict[int, int] = {}
            par = plan.par
            for c in range(plan.n):
                p = par[c]
                if p >= 0 and _ident(plan, c).dangling is None:
                    counts[p] = counts.get(p, 0) + 1
            for _c, extras in plan.merge_extra.items():
                for e in extras:
                    counts[e] = counts.get(e, 0) + 1
            self._children = counts
        return self._children.get(i, 0)

    # -- mutation hooks
    def update(self, repo_id: str, fields: dict[str, Any]) -> None:
        i = self.index_of(repo_id)
        if i is None:
            raise KeyError(repo_id)
        if i >= self.n:
            self._extra[i - self.n].update(fields)
            if "id" in fields:
                del self._extra_ids[repo_id]
                self._extra_ids[fields["id"]] = i
        else:
            if "id" in fields and fields["id"] != repo_id:
                raise ValueError("renaming a synthetic record is not supported")
            self._overlay.setdefault(i, {}).update(fields)
        if "createdAt" in fields or "_id" in fields:
            self.created_order = False
        self.version += 1

    def add(self, record: dict[str, Any]) -> None:
        if self.index_of(record["id"]) is not None:
            raise ValueError(f"duplicate id {record['id']}")
        self._extra_ids[record["id"]] = self.n + len(self._extra)
        self._extra.append(record)
        self.created_order = False
        self.version += 1

    def remove(self, repo_id: str) -> None:
        i = self.index_of(repo_id)
        if i is None:
            raise KeyError(repo_id)
        if i >= self.n:
            raise ValueError("removing added records is not supported")
        self._deleted.add(i)
        self.version += 1

    def is_deleted(self, i: int) -> bool:
        return i in self._deleted
