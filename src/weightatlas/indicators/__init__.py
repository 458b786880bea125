"""Indicators: one module per indicator, each a function ``compute(context) -> dict``.

``REGISTRY`` lists them in report order. Each result is plain JSON-able data
(built from typed records in the module) carrying its own population, sources,
snapshot date and caveats: the report and the dashboard only render it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weightatlas.attribution import Attribution, BlocMap, load_attribution
from weightatlas.indicators import capability_gap
from weightatlas.store import Store


@dataclass
class Context:
    """What every indicator gets: the opened store and the attribution tables."""

    store: Store
    attribution: Attribution

    @property
    def blocs(self) -> BlocMap:
        return self.attribution.blocs


REGISTRY: dict[str, Callable[[Context], dict[str, Any]]] = {
    "capability_gap": capability_gap.compute,
}


def build_document(store: Store, attribution: Attribution | None = None, *, only: list[str] | None = None) -> dict[str, Any]:
    """The JSON contract: ``{"snapshot": manifest, "indicators": {...}, "meta": {...}}``."""
    ctx = Context(store=store, attribution=attribution or load_attribution())
    indicators: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for name, compute in REGISTRY.items():
        if only and name not in only:
            continue
        result = compute(ctx)
        meta[name] = result.pop("_meta", {})
        indicators[name] = result
    meta["bloc_map"] = {"source": ctx.blocs.source, "digest": ctx.blocs.digest(), "blocs": list(ctx.blocs.blocs)}
    meta["attribution_digest"] = ctx.attribution.digest
    return {"snapshot": store.manifest, "indicators": indicators, "meta": meta}
