"""Indicator documents for the dashboard, computed once per (bloc map, snapshot, database).

The dashboard never computes a figure itself: it asks the library
(:func:`weightatlas.api.indicators_document`) for the whole document under the bloc
map a request names, and :func:`weightatlas.report.build_view` for the report's chart
specs. Both are kept in a small LRU; only one document is computed at a time (the
indicators are CPU-bound and the machine may have two cores), so a burst of requests
for a new bloc map computes it once.

Filters on charts (benchmark, independent vs self-reported, population, date range)
select and trim what the document already holds; they never recompute a figure.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weightatlas.errors import WeightatlasError

SHIPPED_BLOC_MAPS = Path(__file__).resolve().parent / "bloc_maps"
# Fields whose values are dates or months ("2024-07", "2024-07-15", "2024-07-15T00:00:00"): the date range trims them.
DATE_FIELDS = ("month", "week", "week_start", "date", "day", "released", "release_date", "created_at")


@dataclass
class CachedDocument:
    document: dict[str, Any]
    specs: dict[str, dict[str, Any]]
    seconds: float  # time to compute the document and the chart specs, once
    encoded: bytes | None = None  # the document as JSON, encoded on first request


def bloc_map_choices(custom: Path | None = None) -> dict[str, Path | None]:
    """Bloc maps a request may name: ``default`` (the curated map, or ``--blocs FILE``) and the shipped variants."""
    choices: dict[str, Path | None] = {"default": custom}
    for path in sorted(SHIPPED_BLOC_MAPS.glob("*.csv")):
        choices[path.stem] = path
    return choices


class DocumentCache:
    """LRU of computed documents keyed by bloc map name (snapshot and database are fixed per app)."""

    def __init__(self, *, snapshot_dir: Path | None, db: Path | None, bloc_maps: dict[str, Path | None], maxsize: int = 3) -> None:
        self.snapshot_dir = snapshot_dir
        self.db = db
        self.bloc_maps = bloc_maps
        self.maxsize = maxsize
        self._data: OrderedDict[str, CachedDocument] = OrderedDict()
        self._lock = threading.Lock()
        self.computed: list[dict[str, Any]] = []  # every computation: bloc map and seconds (the recompute time)

    def get(self, bloc_map: str = "default") -> CachedDocument:
        if bloc_map not in self.bloc_maps:
            raise WeightatlasError(f"unknown bloc map {bloc_map!r}; choose one of: {', '.join(self.bloc_maps)}")
        with self._lock:  # one computation at a time; the others wait and then find it cached
            if bloc_map in self._data:
                self._data.move_to_end(bloc_map)
                return self._data[bloc_map]
            from weightatlas.api import indicators_document
            from weightatlas.report import build_view

            started = time.perf_counter()
            document = indicators_document(snapshot_dir=self.snapshot_dir, bloc_map=self.bloc_maps[bloc_map], db=self.db)
            _, specs = build_view(document)
            entry = CachedDocument(document, specs, time.perf_counter() - started)
            self.computed.append({"bloc_map": bloc_map, "seconds": round(entry.seconds, 3)})
            self._data[bloc_map] = entry
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
            return entry


def chart_title(spec: dict[str, Any], chart_id: str = "") -> str:
    """The chart's title as text (a layered chart may carry it on its first titled layer), else its id in words."""
    for part in [spec, *spec.get("layer", [])]:
        title = part.get("title")
        if isinstance(title, dict):
            title = title.get("text")
        if isinstance(title, list):
            title = " ".join(str(t) for t in title)
        if title:
            return str(title)
    return chart_id.replace("-", " ").replace("_", " ")


def _in_range(value: Any, date_from: str | None, date_to: str | None) -> bool:
    if not isinstance(value, str) or len(value) < 7 or value[4] != "-":
        return True  # not a date: the range does not apply
    text = value[:10]
    if date_from and text < date_from[: len(text)]:
        return False
    if date_to and text > date_to[: len(text)]:
        return False
    return True


def _date_field(rows: list[dict[str, Any]]) -> str | None:
    for row in rows[:1]:
        for name in DATE_FIELDS:
            if name in row:
                return name
    return None


def trim_rows(rows: list[dict[str, Any]], *, date_from: str | None = None, date_to: str | None = None, population: str | None = None) -> list[dict[str, Any]]:
    """The rows inside the date range (by their first date field) and of the population asked for."""
    out = rows
    field = _date_field(rows)
    if field and (date_from or date_to):
        out = [r for r in out if _in_range(r.get(field), date_from, date_to)]
    if population and out and "population" in out[0]:
        # Charts label populations for readers ("all modalities"); the filter takes ids ("all_modalities").
        wanted = population.replace("_", " ")
        out = [r for r in out if str(r.get("population", "")).replace("_", " ") == wanted]
    return out


def filtered_spec(spec: dict[str, Any], **trim: Any) -> dict[str, Any]:
    """A copy of ``spec`` whose inline data (top level and layers) is trimmed; the encoding is untouched."""
    out = dict(spec)
    if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
        out["data"] = {**spec["data"], "values": trim_rows(spec["data"]["values"], **trim)}
    if "layer" in spec:
        out["layer"] = [filtered_spec(layer, **trim) for layer in spec["layer"]]
    return out


def chart_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows behind a chart: its inline data, each layer's rows marked with the layer's number."""
    rows: list[dict[str, Any]] = []
    if isinstance(spec.get("data"), dict):
        rows += list(spec["data"].get("values", []))
    for i, layer in enumerate(spec.get("layer", [])):
        data = layer.get("data")
        if isinstance(data, dict):
            rows += [{"layer": i, **r} for r in data.get("values", [])]
    return rows


def series_of_chart(chart_id: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """The capability-gap series a chart belongs to (chart ids start with the series id, dots as dashes)."""
    gap = document["indicators"].get("capability_gap", {})
    best = None
    for series_id, s in gap.items():
        cid = series_id.replace(".", "-")
        if chart_id.startswith(cid + "-") and (best is None or len(cid) > len(best[0])):
            best = (cid, s | {"id": series_id})
    return best[1] if best else None


def chart_matches(chart_id: str, document: dict[str, Any], *, benchmark: str | None, scores: str | None) -> bool:
    """Whether a chart passes the benchmark and independent/self-reported filters (charts of no series always do)."""
    if not benchmark and not scores:
        return True
    series = series_of_chart(chart_id, document)
    if series is None:
        return True
    if benchmark and series["id"].split(".")[0] != benchmark:
        return False
    if scores and series.get("kind") != scores:
        return False
    return True
