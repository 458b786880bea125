"""Indicators: one module per indicator, each a function ``compute(context) -> dict``.

``REGISTRY`` lists them in report order. Each result is plain JSON-able data
(built from typed records in the module) carrying its own population, sources,
snapshot date and caveats: the report and the dashboard only render it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from weightatlas.attribution import Attribution, BlocMap, load_attribution
from weightatlas.engine import HubConnection, hub_rows
from weightatlas.indicators import (
    adoption,
    capability_gap,
    collaboration,
    diffusion,
    efficiency,
    inference_usage,
    lineage,
    regional,
    regulation,
    verdict,
)
from weightatlas.store import Store

T = TypeVar("T")


HUB_SNAPSHOTS_SQL = "SELECT snapshot_id, started_at::DATE::VARCHAR AS date, mode, status, source FROM crawl_snapshots ORDER BY snapshot_id"


def hub_source(store: Store) -> str:
    """Where the Hub tables come from; the file name only, so the document does not depend on the folder it was built in."""
    return f"crawl database {store.db.name}" if store.db else "embedded snapshot (April 2025 Hub family-tree crawls)"


@dataclass
class HubData:
    """The prepared hub tables (``wa_repos``, ``wa_roots``, ...) and what they cover."""

    source: str
    snapshots: list[dict[str, Any]]
    repos: int
    lineage: dict[str, Any]


@dataclass
class Context:
    """What every indicator gets: the opened store and the attribution tables."""

    store: Store
    attribution: Attribution
    # The seam (weightatlas.engine): where the Hub queries run. None = the store's own DuckDB connection.
    hub_con: HubConnection | None = None
    _hub: HubData | None = field(default=None, repr=False)
    _repos_ready: bool = field(default=False, repr=False)
    _ns_ready: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.hub_con is None:
            self.hub_con = self.store.con

    @property
    def blocs(self) -> BlocMap:
        return self.attribution.blocs

    def hub_rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """A query over the Hub tables (``hub_*``, ``wa_*``) on the chosen engine, every row as a dict."""
        assert self.hub_con is not None
        return hub_rows(self.hub_con, sql, params)

    def namespaces(self) -> None:
        """Put the attribution into SQL once (``wa_ns``)."""
        if not self._ns_ready:
            lineage.register_namespaces(self.hub_con, self.attribution)
            self._ns_ready = True

    def repos(self) -> None:
        """Attribute every repo to its developer once (``wa_ns``, ``wa_repos``), without lineage."""
        if not self._repos_ready:
            self.namespaces()
            lineage.build_repos(self.hub_con)
            self._repos_ready = True

    def hub(self) -> HubData:
        """Attribute repos and resolve lineage once, for every Hub-based indicator."""
        if self._hub is None:
            con = self.hub_con
            self.repos()
            stats = self._resolve_roots()
            lineage.child_relations(con)
            lineage.flows_table(con)
            snaps = self.hub_rows(HUB_SNAPSHOTS_SQL)
            repos = self.hub_rows("SELECT count(*) AS n FROM wa_repos")[0]["n"]
            self._hub = HubData(source=hub_source(self.store), snapshots=snaps, repos=repos, lineage=stats.as_dict())
        return self._hub

    def _resolve_roots(self) -> lineage.LineageStats:
        def attempt(salt: int) -> lineage.LineageStats:
            if salt:
                lineage.build_repos(self.hub_con, salt=salt)
            return lineage.resolve_roots(self.hub_con, salt=salt)

        return self.with_salts(attempt)

    @staticmethod
    def with_salts(build: Callable[[int], T]) -> T:
        """``build(salt)`` for salt 0, 1, ...: joins run on hashed repo names, and after a (vanishingly
        rare) collision everything keyed is built again with another salt."""
        collision = lineage.KeyCollision("no attempt made")
        for salt in range(lineage.KEY_SALTS):
            try:
                return build(salt)
            except lineage.KeyCollision as error:
                collision = error
        raise collision


REGISTRY: dict[str, Callable[[Context], dict[str, Any]]] = {
    "capability_gap": capability_gap.compute,
    "adoption": adoption.compute,
    "collaboration": collaboration.compute,
    "regional": regional.compute,
    "diffusion": diffusion.compute,
    "efficiency": efficiency.compute,
    "regulation": regulation.compute,
    "inference_usage": inference_usage.compute,
}


def build_document(
    store: Store, attribution: Attribution | None = None, *, only: list[str] | None = None, hub_con: HubConnection | None = None
) -> dict[str, Any]:
    """The JSON contract: ``{"snapshot": manifest, "indicators": {...}, "meta": {...}, "verdict": {...}}``.

    ``hub_con`` runs the Hub queries elsewhere (``weightatlas.engine.get_engine``); default: the store's DuckDB.
    """
    ctx = Context(store=store, attribution=attribution or load_attribution(), hub_con=hub_con)
    indicators: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for name, compute in REGISTRY.items():
        if only and name not in only:
            continue
        result = compute(ctx)
        meta[name] = result.pop("_meta", {})
        indicators[name] = result
    meta["bloc_map"] = {"source": ctx.blocs.source, "sha256": ctx.blocs.sha256, "digest": ctx.blocs.digest(), "blocs": list(ctx.blocs.blocs)}
    meta["attribution_digest"] = ctx.attribution.digest
    document = {"snapshot": store.manifest, "indicators": indicators, "meta": meta}
    # Forecasts are derived from the document only and kept apart from the measured indicators.
    from weightatlas.forecasts import build_forecasts

    document["forecasts"] = build_forecasts(document)
    # Published figures recomputed the publishers' way: beside the indicators, never mixed into them.
    from weightatlas.literature import build_literature

    document["literature"] = build_literature(ctx, document)
    # What moved since the last snapshot, as recorded beside it (changes.json): never mixed with the measurements.
    from weightatlas.snapshot_diff import load_changes

    document["changes"] = load_changes(store.folder, store.manifest)
    # Last: the cards only read the figures above (and say so when an indicator was left out).
    document["verdict"] = verdict.build_verdict(document)
    return document
