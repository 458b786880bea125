"""What every source adapter yields, and strict helpers to read raw files.

An adapter is a module in ``weightatlas.sources`` with:

* ``SOURCE``: a :class:`SourceInfo` describing the upstream data and licence;
* ``read(root: Path) -> Iterator[ModelRow | ScoreRow]``: parses the files under
  ``root / SOURCE.folder`` and yields one row per fact, each naming where it came
  from (``ref`` = ``"<folder>/<path>:<line>"``, or ``#<key>`` for JSON/TOML items).

Adapters only parse and normalise units. They never decide which canonical model
a name belongs to or which country a developer is in: that is done once, in
``weightatlas.resolve`` and ``weightatlas.attribution``.

Anything malformed raises :class:`~weightatlas.errors.InputError` naming file,
line and field. Rows that are well-formed but out of scope (an untracked
benchmark, a model outside the source's domain) are yielded as :class:`SkippedRow`
so the build can count them.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from weightatlas.errors import InputError

Accessibility = Literal["open", "api", "hosted", "unreleased", "unknown"]


@dataclass(frozen=True)
class SourceInfo:
    """One upstream dataset, as credited in the README and the report."""

    id: str  # short stable id, e.g. "epoch_eci"
    title: str
    url: str  # upstream page or repository
    licence: str
    snapshot_date: date  # date the upstream copy was taken
    folder: str  # folder under the data root, e.g. "peterhurford__metr_graph"
    files: tuple[str, ...]  # paths (relative to folder) the adapter reads; globs allowed
    description: str  # one sentence, our own words
    independent: bool  # default: are its scores third-party measurements?


@dataclass(frozen=True)
class ModelRow:
    """What one source row says about a model (metadata, not scores).

    ``org_names`` are raw developer-organisation strings as written in the source.
    ``org_countries``, when the source declares them (Epoch files), are raw country
    strings aligned with ``org_names``.
    """

    source_id: str
    ref: str
    name: str
    display_name: str | None = None
    variant: str | None = None  # e.g. reasoning-effort or provider variant id
    org_names: tuple[str, ...] = ()
    org_countries: tuple[str, ...] = ()
    release_date: date | None = None
    accessibility: Accessibility | None = None
    params_total: float | None = None  # raw count, not billions
    params_active: float | None = None
    licence: str | None = None
    hf_repo: str | None = None  # "namespace/name"
    training_compute_flop: float | None = None
    # Epoch's ``Confidence`` column: how far to trust ``training_compute_flop`` (Confident,
    # Likely, Speculative, Unknown, Unverified). It rates the compute estimate, never a score.
    training_compute_confidence: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class ScoreRow:
    """One score of one model on one benchmark, as the source reports it.

    ``value`` is in the benchmark's canonical unit (percent 0-100 for accuracy
    benchmarks, index points for ECI, rating points for Arena).
    ``snapshot_date`` is the date the score was observed: the leaderboard
    snapshot for Arena/LiveBench, else the source snapshot date.
    """

    source_id: str
    ref: str
    model_name: str
    benchmark: str
    value: float
    snapshot_date: date
    independent: bool
    metric_version: str
    ci_low: float | None = None
    ci_high: float | None = None
    variant: str | None = None
    org_names: tuple[str, ...] = ()  # org as the score row itself names it, if any
    licence: str | None = None  # licence as the score row names it (Arena files)
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class SkippedRow:
    """A well-formed row deliberately left out, with the reason (counted in the manifest)."""

    source_id: str
    ref: str
    reason: str
    name: str | None = None  # the model the row was about, when it matters


Row = ModelRow | ScoreRow | SkippedRow


def ref(folder: str, relpath: str, line: int | str) -> str:
    return f"{folder}/{relpath}:{line}"


def read_text(path: Path) -> str:
    """The whole of an input file as text: UTF-8, a leading byte-order mark dropped.

    Every adapter and curated loader reads its files through here (the inputs are
    tens of megabytes at most), so an undecodable file is always one
    :class:`InputError` naming the line and the byte offset of its first bad byte,
    never a ``UnicodeDecodeError``.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot open file: {exc.strerror or exc}") from exc
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start  # from the start of the file, BOM included
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(
            path,
            f"not UTF-8 text: byte 0x{data[offset]:02x} at byte offset {offset} ({exc.reason}); save the file as UTF-8",
            line=line,
        ) from None


def open_text(path: Path) -> io.StringIO:
    """:func:`read_text` as a file object for :mod:`csv` (line endings kept, as ``newline=""`` does)."""
    return io.StringIO(read_text(path), newline="")


def csv_header(path: Path) -> list[str]:
    """The column names on the first line of a CSV file, stripped (empty list for an empty file)."""
    with open_text(path) as handle:
        try:
            return [h.strip() for h in next(csv.reader(handle), [])]
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV header: {exc}", line=1) from exc


def read_csv(path: Path, required: tuple[str, ...] = (), *, comment: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for each record of a CSV file.

    The line number is the physical line where the record *starts*, so quoted
    multi-line fields still point at the right place. Missing required columns
    raise :class:`InputError` naming the first missing one; so does a column name
    that appears twice (the row dict would silently keep only the last one).
    """
    with open_text(path) as handle:
        lines: Iterator[str] = handle
        skipped = 0
        if comment is not None:
            # Leading comment lines (ATOM's release_date_corrections.csv has them).
            all_lines = handle.readlines()
            while skipped < len(all_lines) and all_lines[skipped].startswith(comment):
                skipped += 1
            lines = iter(all_lines[skipped:])
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(path, "file is empty (no header row)", line=1) from None
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV header: {exc}", line=skipped + 1) from exc
        header = [h.strip() for h in header]
        seen: set[str] = set()
        for col in header:
            if col in seen:
                raise InputError(path, f"column {col!r} appears more than once in the header", line=skipped + 1, field=col)
            seen.add(col)
        for col in required:
            if col not in header:
                raise InputError(path, f"missing column {col!r} in header", line=skipped + 1, field=col)
        while True:
            start = reader.line_num + 1 + skipped
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(path, f"malformed CSV: {exc}", line=start) from exc
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise InputError(path, f"{len(values)} fields but the header has {len(header)}", line=start)
            values += [""] * (len(header) - len(values))
            yield start, dict(zip(header, values, strict=True))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")


def parse_date(value: str | None, path: Path | str, line: int | None, field: str, *, required: bool = False) -> date | None:
    """Parse an ISO-like date; empty gives None (or an error if ``required``)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InputError(path, "date is empty", line=line, field=field)
        return None
    text = re.sub(r"(Z|[+-]\d\d:\d\d)$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not (1950 <= parsed.year <= 2100):
            break
        return parsed
    raise InputError(path, f"not a date: {value!r} (expected YYYY-MM-DD)", line=line, field=field)


def parse_float(value: str | float | int | None, path: Path | str, line: int | None, field: str, *, required: bool = False) -> float | None:
    """Parse a finite number; empty gives None (or an error if ``required``)."""
    if isinstance(value, bool):
        raise InputError(path, f"not a number: {value!r}", line=line, field=field)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = (value or "").strip().replace(",", "") if isinstance(value, str) else ""
        if not text:
            if required:
                raise InputError(path, "number is empty", line=line, field=field)
            return None
        try:
            number = float(text)
        except ValueError:
            raise InputError(path, f"not a number: {value!r}", line=line, field=field) from None
    if not math.isfinite(number):
        raise InputError(path, f"not a finite number: {value!r}", line=line, field=field)
    return number


def split_list(value: str | None) -> tuple[str, ...]:
    """Split Epoch-style comma-separated lists, dropping blanks."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def epoch_accessibility(value: str | None) -> Accessibility | None:
    """Map Epoch's ``Model accessibility`` vocabulary (methods.md §3.4)."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text.startswith("open weights"):
        return "open"
    if text == "api access":
        return "api"
    if text.startswith("hosted access"):
        return "hosted"
    if text == "unreleased":
        return "unreleased"
    return "unknown"
