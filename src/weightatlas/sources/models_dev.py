"""models.dev model registry (anomalyco/models.dev): one TOML file per model.

``models/<provider>/<model>.toml`` gives the display name, release date, an
``open_weights`` flag, weight links and a few ``[[benchmarks]]`` entries, each
citing the page it was copied from. ``models.json`` (an OpenRouter model-list
dump) is not used: it repeats provider listings, not facts about the models.

Judgement calls:

* The model name is the file stem (models.dev's id); the directory is the org.
* ``release_date`` given only as ``YYYY-MM`` (8 files) becomes ``None``: the
  contract has no date precision, and the 1st of the month would be a made-up day.
* ``hf_repo`` is taken only when ``open_weights`` is true:
  ``mistral-medium-latest`` is closed but links the weights of a newer model.
* ``independent`` follows the domain of the entry's ``source`` (see
  ``INDEPENDENT_DOMAINS``). Vendor pages, vendor consoles, model cards on
  Hugging Face and vendor papers on arXiv are self-reported; so are vendor
  pages quoting a competitor's number (anthropic.com listing Gemini), since
  they are not neutral measurements. Unknown domains default to self-reported.
* SWE-bench Pro entries on another dataset than the public set (Artificial
  Analysis' ``hard-aa`` subset) are a different test and are skipped.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from weightatlas.errors import InputError
from weightatlas.sources.base import ModelRow, Row, ScoreRow, SkippedRow, SourceInfo, parse_date, parse_float, read_text, ref

SOURCE = SourceInfo(
    id="models_dev",
    title="models.dev model registry",
    url="https://github.com/anomalyco/models.dev",
    licence="MIT",
    snapshot_date=date(2026, 7, 2),
    folder="anomalyco__models.dev",
    files=("models/*/*.toml",),
    description="Open registry of model specifications by provider, with release dates, open-weights flags and a few cited benchmark scores.",
    independent=False,
)

# models.dev benchmark name -> our benchmark id.
BENCHMARKS = {
    "SWE-Bench Verified": "swe_bench_verified",
    "GPQA Diamond": "gpqa_diamond",
    "LiveCodeBench": "livecodebench",
    "Humanity\u2019s Last Exam": "hle",
    "Humanity's Last Exam": "hle",
    "Aider Polyglot": "aider_polyglot",
    "SWE-Bench Pro": "swe_bench_pro",
    "SWE Bench Pro": "swe_bench_pro",
}

# Third parties that run the benchmark themselves (or host the benchmark's own leaderboard).
INDEPENDENT_DOMAINS = {
    "aider.chat",  # Aider's own leaderboard
    "artificialanalysis.ai",  # independent evaluator
    "labs.scale.com",  # SWE-bench Pro's maintainers, public leaderboard
    "openrouter.ai",  # benchmark tab republishing Artificial Analysis runs
    "swebench.com",  # SWE-bench maintainers' leaderboard
}
# Seen in the data and deliberately self-reported: huggingface.co (model cards),
# anthropic.com and mistral.ai (vendor news), console.sakana.ai (vendor console),
# arxiv.org (StepFun's own technical report).

_HF_NON_MODEL = {"collections", "spaces", "datasets", "papers", "blog", "docs", "organizations"}
_MONTH_ONLY = re.compile(r"^\d{4}-\d{2}$")


def read(root: Path) -> Iterator[Row]:
    folder = root / SOURCE.folder
    for path in sorted((folder / "models").glob("*/*.toml")):
        yield from _read_file(path, path.relative_to(folder).as_posix())


def _load(path: Path) -> tuple[dict[str, Any], list[str]]:
    text = read_text(path)
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"malformed TOML: {exc}") from exc


def _key_line(lines: list[str], key: str, start: int = 0, end: int | None = None) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(lines[start:end], start=start + 1):
        if pattern.match(line):
            return number
    return None


def _require(table: dict[str, Any], key: str, kinds: tuple[type, ...], path: Path, line: int | None) -> Any:
    if key not in table:
        raise InputError(path, f"missing key {key!r}", line=line, field=key)
    return _typed(table[key], key, kinds, path, line)


def _typed(value: Any, key: str, kinds: tuple[type, ...], path: Path, line: int | None) -> Any:
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise InputError(path, f"{key} must be {names}, got {value!r}", line=line, field=key)
    return value.strip() if isinstance(value, str) else value


def _release_date(value: Any, path: Path, line: int | None) -> date | None:
    if isinstance(value, date):  # a bare TOML date
        return value
    text = _typed(value, "release_date", (str,), path, line)
    if _MONTH_ONLY.match(text):
        return None  # month precision only; see module docstring
    return parse_date(text, path, line, "release_date", required=True)


def _hf_repo(weights: Any, path: Path, line: int | None) -> str | None:
    for entry in _typed(weights, "weights", (list,), path, line):
        url = _require(_typed(entry, "weights", (dict,), path, line), "url", (str,), path, line)
        parsed = urlparse(url)
        parts = [p for p in parsed.path.split("/") if p]
        if parsed.netloc.lower() in ("huggingface.co", "www.huggingface.co") and len(parts) >= 2 and parts[0] not in _HF_NON_MODEL:
            return f"{parts[0]}/{parts[1]}"
    return None


def _read_file(path: Path, rel: str) -> Iterator[Row]:
    data, lines = _load(path)

    def line_of(key: str) -> int | None:
        return _key_line(lines, key)

    name_line = line_of("name") or 1
    display = _require(data, "name", (str,), path, name_line)
    release = _release_date(_require(data, "release_date", (str, date), path, line_of("release_date")), path, line_of("release_date"))
    open_weights = _require(data, "open_weights", (bool,), path, line_of("open_weights"))
    licence = _typed(data["license"], "license", (str,), path, line_of("license")) if "license" in data else None
    hf_repo = _hf_repo(data.get("weights", []), path, line_of("url")) if open_weights else None
    model = path.stem
    yield ModelRow(
        source_id=SOURCE.id,
        ref=ref(SOURCE.folder, rel, name_line),
        name=model,
        display_name=display,
        org_names=(path.parent.name,),
        release_date=release,
        accessibility="open" if open_weights else "api",
        licence=licence or None,
        hf_repo=hf_repo,
    )
    entries = _typed(data.get("benchmarks", []), "benchmarks", (list,), path, line_of("benchmarks"))
    headers = [n for n, line in enumerate(lines, start=1) if line.strip() == "[[benchmarks]]"]
    for index, entry in enumerate(entries):
        # Array-of-tables headers give exact lines; an inline array falls back to an index.
        if len(headers) == len(entries):
            end = headers[index + 1] - 1 if index + 1 < len(headers) else None
            entry_lines = _EntryLines(lines, headers[index], end)
        else:
            entry_lines = _EntryLines(lines, None, None, f"#benchmarks[{index}]")
        yield _score(path, rel, model, entry, entry_lines)


class _EntryLines:
    """Where one ``[[benchmarks]]`` entry and its keys sit in the file."""

    def __init__(self, lines: list[str], start: int | None, end: int | None, locator: str | None = None) -> None:
        self.lines, self.start, self.end = lines, start, end
        self.locator: int | str = start if start is not None else (locator or "")

    def of(self, key: str) -> int | None:
        """Line of ``key`` inside the entry, else the entry's own line (None for inline arrays)."""
        if self.start is None:
            return None
        return _key_line(self.lines, key, self.start, self.end) or self.start


def _score(path: Path, rel: str, model: str, entry: Any, at: _EntryLines) -> Row:
    table = _typed(entry, "benchmarks", (dict,), path, at.start)
    row_ref = ref(SOURCE.folder, rel, at.locator)
    name = _require(table, "name", (str,), path, at.of("name"))
    ours = BENCHMARKS.get(name)
    if ours is None:
        return SkippedRow(SOURCE.id, row_ref, f"untracked benchmark: {name}")
    dataset = _typed(table.get("dataset", "public"), "dataset", (str,), path, at.of("dataset"))
    if dataset != "public":
        return SkippedRow(SOURCE.id, row_ref, f"untracked dataset: {name} ({dataset})")
    score = parse_float(_require(table, "score", (int, float), path, at.of("score")), path, at.of("score"), "score", required=True)
    if not 0 <= score <= 100:
        raise InputError(path, f"score {score} outside 0..100 (percent expected)", line=at.of("score"), field="score")
    source_url = _require(table, "source", (str,), path, at.of("source"))
    domain = urlparse(source_url).netloc.lower().removeprefix("www.")
    if not domain:
        raise InputError(path, f"source is not a URL: {source_url!r}", line=at.of("source"), field="source")
    observed = table.get("date")
    if observed is not None and not isinstance(observed, date):
        observed = parse_date(_typed(observed, "date", (str,), path, at.of("date")), path, at.of("date"), "date")
    extra = {key: str(table[key]).strip() for key in ("metric", "source", "harness", "dataset", "version", "variant") if key in table}
    return ScoreRow(
        source_id=SOURCE.id,
        ref=row_ref,
        model_name=model,
        benchmark=ours,
        value=score,
        snapshot_date=observed or SOURCE.snapshot_date,
        independent=domain in INDEPENDENT_DOMAINS,
        metric_version=f"models.dev via {domain}",
        variant=extra.get("variant") or None,
        extra=extra,
    )
