"""llm-stats (JonathanChavezTamales/llm-leaderboard): models, organisations and reported scores.

Layout under ``data/``: ``organizations/<org>/organization.json`` (name, ISO
country), ``organizations/<org>/models/<model>/model.json`` (release date,
licence id, raw parameter count, weights link) and ``.../benchmarks.json`` (one
item per reported score, 0-1 scale), plus ``benchmarks/*.json`` definitions
(used only to look up ``max_score``). ``licenses/`` is not read: every
licence id except ``proprietary``/``unknown`` names an open-weights licence.

Judgement calls:

* Accessibility: a Hugging Face weights link means ``open`` (this overrides
  the ``proprietary`` licence llm-stats gives the Gemma 3n models); a
  proprietary licence without weights means ``api``. An open licence with no
  weights link is contradictory (Gemini 2.5 Flash-Lite is tagged CC BY 4.0,
  Magistral Medium Apache 2.0), so accessibility is left ``None``.
* llm-stats' ``gpqa`` is described as the 448-question main set, yet most
  items say "Diamond" in ``analysis_method`` and the rest do not say. All map
  to ``gpqa_diamond``; ``extra["gpqa_subset"]`` records whether the item says
  Diamond, so the ambiguity stays visible.
* ``humanity's-last-exam`` and ``hle`` are the same benchmark; both map to ``hle``.
* ``math-500`` and the LiveCodeBench version splits stay untracked: only the
  ids named below are mapped.
* ``independent`` is ``not is_self_reported`` as the source states it, even
  though the few non-self-reported items cite a placeholder link.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from weightatlas.errors import InputError
from weightatlas.sources.base import (
    Accessibility,
    ModelRow,
    Row,
    ScoreRow,
    SkippedRow,
    SourceInfo,
    parse_date,
    parse_float,
    read_text,
    ref,
)

SOURCE = SourceInfo(
    id="llm_stats",
    title="llm-stats (JonathanChavezTamales/llm-leaderboard)",
    url="https://github.com/JonathanChavezTamales/llm-leaderboard",
    licence="CC BY 4.0",
    snapshot_date=date(2025, 10, 16),
    folder="JonathanChavezTamales__llm-leaderboard",
    files=(
        "data/organizations/*/organization.json",
        "data/organizations/*/models/*/model.json",
        "data/organizations/*/models/*/benchmarks.json",
        "data/benchmarks/*.json",
    ),
    description="Community-maintained catalogue of models with developer, country, licence, size and mostly vendor-reported benchmark scores.",
    independent=False,
)

# llm-stats benchmark_id -> our benchmark id (benchmarks.csv).
BENCHMARKS = {
    "gpqa": "gpqa_diamond",
    "mmlu-pro": "mmlu_pro",
    "livecodebench": "livecodebench",
    "swe-bench-verified": "swe_bench_verified",
    "aime-2024": "aime_2024",
    "aime-2025": "aime_2025",
    "humaneval": "humaneval",
    "mmlu": "mmlu",
    "math": "math",
    "humanity's-last-exam": "hle",
    "hle": "hle",
    "aider-polyglot": "aider_polyglot",
}

_CLOSED_LICENCES = {"proprietary", "unknown"}
# Hugging Face paths that are not "<namespace>/<repo>" model repositories.
_HF_NON_MODEL = {"collections", "spaces", "datasets", "papers", "blog", "docs", "organizations"}


def read(root: Path) -> Iterator[Row]:
    base = root / SOURCE.folder / "data"
    max_scores = _benchmark_max_scores(base / "benchmarks")
    orgs = _organizations(base / "organizations")
    for model_file in sorted((base / "organizations").glob("*/models/*/model.json")):
        yield from _read_model(root, model_file, orgs, max_scores)


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root / SOURCE.folder).as_posix()


def _load_json(path: Path) -> tuple[Any, str]:
    text = read_text(path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON: {exc.msg}", line=exc.lineno) from exc


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _list_item_offsets(text: str) -> list[int]:
    """Character offsets where each item of a top-level JSON array starts (text already valid JSON)."""
    decoder = json.JSONDecoder()
    ws = " \t\r\n"
    i = len(text) - len(text.lstrip(ws)) + 1  # just past "["
    offsets: list[int] = []
    while True:
        while text[i] in ws:
            i += 1
        if text[i] == "]":
            return offsets
        offsets.append(i)
        _, i = decoder.raw_decode(text, i)
        while text[i] in ws:
            i += 1
        if text[i] == ",":
            i += 1


def _field_line(text: str, start: int, key: str) -> int:
    """Line of ``"key"`` inside the item starting at ``start`` (the item line if not found)."""
    pos = text.find(json.dumps(key), start)
    return _line_at(text, pos if pos >= 0 else start)


def _get(obj: dict[str, Any], key: str, kinds: tuple[type, ...], path: Path, text: str, start: int, *, nullable: bool) -> Any:
    if key not in obj:
        raise InputError(path, f"missing key {key!r}", line=_line_at(text, start), field=key)
    value = obj[key]
    if value is None and nullable:
        return None
    # bool is an int subclass: never accept it where a number or string is expected.
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        expected = " or ".join(k.__name__ for k in kinds) + (" or null" if nullable else "")
        raise InputError(path, f"{key} must be {expected}, got {value!r}", line=_field_line(text, start, key), field=key)
    return value.strip() if isinstance(value, str) else value


def _benchmark_max_scores(folder: Path) -> dict[str, tuple[Path, Any]]:
    """benchmark_id -> (file, raw max_score). Only ids we track are validated, when used."""
    found: dict[str, tuple[Path, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        data, _ = _load_json(path)
        if isinstance(data, dict) and isinstance(data.get("benchmark_id"), str):
            found[data["benchmark_id"]] = (path, data.get("max_score"))
    return found


def _organizations(folder: Path) -> dict[str, tuple[str, str | None]]:
    """organization_id -> (name, ISO country or None)."""
    orgs: dict[str, tuple[str, str | None]] = {}
    for path in sorted(folder.glob("*/organization.json")):
        data, text = _load_json(path)
        if not isinstance(data, dict):
            raise InputError(path, "expected a JSON object", line=1)
        org_id = _get(data, "organization_id", (str,), path, text, 0, nullable=False)
        name = _get(data, "name", (str,), path, text, 0, nullable=False)
        country = _get(data, "country", (str,), path, text, 0, nullable=True)
        orgs[org_id] = (name, country or None)
    return orgs


def _hf_repo(url: str | None) -> str | None:
    """``namespace/name`` from a Hugging Face model URL (None for org pages, spaces, ...)."""
    if not url or not _on_hugging_face(url):
        return None
    path = url.strip().split("://", 1)[-1].partition("/")[2]
    parts = [p for p in path.split("?")[0].split("#")[0].split("/") if p]
    if len(parts) < 2 or parts[0] in _HF_NON_MODEL:
        return None
    return f"{parts[0]}/{parts[1]}"


def _on_hugging_face(url: str | None) -> bool:
    host = (url or "").strip().split("://", 1)[-1].split("/", 1)[0].lower()
    return host in ("huggingface.co", "www.huggingface.co")


def _accessibility(licence: str | None, weights_link: str | None) -> Accessibility | None:
    # Any Hugging Face link counts, even an org page (Kimi K2 0905 links "huggingface.co/MoonshotAI").
    if _on_hugging_face(weights_link):
        return "open"
    if licence is None or licence in _CLOSED_LICENCES:
        return "api"
    return None  # open licence but no weights link: contradictory, leave undecided


def _read_model(root: Path, path: Path, orgs: dict[str, tuple[str, str | None]], max_scores: dict[str, tuple[Path, Any]]) -> Iterator[Row]:
    data, text = _load_json(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected a JSON object", line=1)

    def get(key: str, kinds: tuple[type, ...], *, nullable: bool = True) -> Any:
        return _get(data, key, kinds, path, text, 0, nullable=nullable)

    model_id = get("model_id", (str,), nullable=False)
    display = get("name", (str,), nullable=False)
    org_id = get("organization_id", (str,), nullable=False)
    if org_id not in orgs:
        raise InputError(path, f"unknown organization_id {org_id!r}", line=_field_line(text, 0, "organization_id"), field="organization_id")
    org_name, country = orgs[org_id]
    release = parse_date(get("release_date", (str,)), path, _field_line(text, 0, "release_date"), "release_date")
    params = parse_float(get("param_count", (int, float)), path, _field_line(text, 0, "param_count"), "param_count")
    licence = get("license_id", (str,)) or None
    weights_link = get("source_weights_link", (str,))
    hf_repo = _hf_repo(weights_link)
    yield ModelRow(
        source_id=SOURCE.id,
        ref=ref(SOURCE.folder, _rel(root, path), 1),
        name=model_id,
        display_name=display,
        org_names=(org_name,),
        org_countries=(country,) if country else (),
        release_date=release,
        accessibility=_accessibility(licence, weights_link),
        params_total=params,
        licence=licence,
        hf_repo=hf_repo,
    )
    scores_path = path.with_name("benchmarks.json")
    if scores_path.exists():
        yield from _read_scores(root, scores_path, model_id, max_scores)


def _read_scores(root: Path, path: Path, model_id: str, max_scores: dict[str, tuple[Path, Any]]) -> Iterator[Row]:
    data, text = _load_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected a JSON array", line=1)
    rel = _rel(root, path)
    for item, start in zip(data, _list_item_offsets(text), strict=True):
        line = _line_at(text, start)
        if not isinstance(item, dict):
            raise InputError(path, "expected a JSON object", line=line)
        bench_id = _get(item, "benchmark_id", (str,), path, text, start, nullable=False)
        row_ref = ref(SOURCE.folder, rel, line)
        ours = BENCHMARKS.get(bench_id)
        if ours is None:
            yield SkippedRow(SOURCE.id, row_ref, f"untracked benchmark: {bench_id}")
            continue
        score = _get(item, "score", (int, float), path, text, start, nullable=False)
        normalized = _get(item, "normalized_score", (int, float), path, text, start, nullable=True)
        self_reported = _get(item, "is_self_reported", (bool,), path, text, start, nullable=False)
        method = _get(item, "analysis_method", (str,), path, text, start, nullable=True) or ""
        value = _percent(bench_id, score, normalized, max_scores, path, _field_line(text, start, "score"))
        extra = {
            "analysis_method": method,
            "benchmark_name": str(item.get("benchmark_name") or ""),
            "self_reported_source_link": str(item.get("self_reported_source_link") or ""),
            "verified_by_llmstats": str(item.get("verified_by_llmstats")).lower(),
        }
        if ours == "gpqa_diamond":
            extra["gpqa_subset"] = "diamond" if "diamond" in method.lower() else "not stated"
        yield ScoreRow(
            source_id=SOURCE.id,
            ref=row_ref,
            model_name=model_id,
            benchmark=ours,
            value=value,
            snapshot_date=SOURCE.snapshot_date,
            independent=not self_reported,
            metric_version="llm-stats: " + (method if method not in ("", "-") else "unspecified"),
            extra=extra,
        )


def _percent(bench_id: str, score: float | int, normalized: float | int | None, max_scores: dict[str, tuple[Path, Any]], path: Path, line: int) -> float:
    """Convert a 0..max_score value to percent, cross-checking ``normalized_score``."""
    if bench_id not in max_scores:
        raise InputError(path, f"no benchmark definition for {bench_id!r} in data/benchmarks/", line=line, field="benchmark_id")
    def_path, raw_max = max_scores[bench_id]
    max_score = parse_float(raw_max, def_path, None, "max_score", required=True)
    if not max_score or max_score <= 0:
        raise InputError(def_path, f"max_score must be positive, got {raw_max!r}", field="max_score")
    if not 0 <= score <= max_score:
        raise InputError(path, f"score {score} outside 0..{max_score:g}", line=line, field="score")
    fraction = score / max_score
    # Both fields exist upstream; if they disagree we cannot tell which is right.
    if normalized is not None and abs(normalized - fraction) > 1e-6:
        raise InputError(path, f"normalized_score {normalized} disagrees with score/max_score {fraction:.6g}", line=line, field="normalized_score")
    return round(fraction * 100, 6)
