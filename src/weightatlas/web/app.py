"""The local dashboard: a FastAPI app serving a read-only JSON API and a static page.

``create_app`` opens the snapshot (and an optional crawl database, attached read-only)
once, registers the two tables the dashboard derives, and serves:

* ``/api/...`` — GET routes only, described at ``/api/openapi.json``. Figures come from the
  library (indicator documents cached per bloc map, see :mod:`weightatlas.web.documents`);
  tables are fixed, parameterised queries (:mod:`weightatlas.web.tables`), one DuckDB
  cursor per request.
* ``/`` and ``/static/...`` — the page (plain HTML, JS and CSS, no build step) and
  ``/assets/vega-<version>.js``, the Vega libraries from ``vl_convert`` (no CDN).

A Host-header allow-list (localhost, 127.0.0.1, ::1 and the host it was told to bind)
refuses DNS-rebinding requests with 400. Data from input files reaches the browser as
JSON only (``application/json``, ``nosniff``); the page inserts it as text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from ipaddress import IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal

import vl_convert
from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from weightatlas import __version__
from weightatlas.errors import WeightatlasError
from weightatlas.web import documents, tables

STATIC = Path(__file__).resolve().parent / "static"
VEGA_PATH = f"/assets/vega-{vl_convert.__version__}.js"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
# The page loads its own script, style and the Vega bundle only. Vega runs its expressions through its
# interpreter (app.js embeds with ast: true), so no 'unsafe-eval'; its tooltips and embed set inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

BlocsParam = Annotated[str, Query(description="Bloc map: `default` or a shipped variant (see /api/filters)", max_length=64)]
DateParam = Annotated[date | None, Query(description="ISO date (YYYY-MM-DD)")]
Text = Annotated[str | None, Query(max_length=200)]
PageParam = Annotated[int, Query(ge=1, le=1_000_000)]
PerPageParam = Annotated[int, Query(ge=1, le=tables.MAX_PER_PAGE)]
ScoresKind = Literal["independent", "self_reported"]


def json_response(value: Any, status: int = 200) -> Response:
    """JSON encoded once with the standard library (dates as ISO text): FastAPI's generic encoder walks every
    value in Python first, which costs tens of milliseconds on a 500-row page or a whole document."""
    body = json.dumps(value, default=str, separators=(",", ":"), ensure_ascii=False)
    return Response(body.encode("utf-8"), status_code=status, media_type="application/json")


def allowed_hosts(host: str) -> list[str]:
    """The Host-header values accepted: the loopback names and the address it binds."""
    hosts = list(LOOPBACK_HOSTS)
    if host not in ("0.0.0.0", "::", ""):
        try:
            IPv6Address(host)
            hosts.append(f"[{host}]")
        except ValueError:
            hosts.append(host)
    return list(dict.fromkeys(hosts))


def create_app(
    *,
    snapshot_dir: Path | None = None,
    db: Path | None = None,
    bloc_map: Path | None = None,
    host: str = "127.0.0.1",
    extra_hosts: tuple[str, ...] = (),
    count_cache_size: int = 256,
    late_rows_from: int | None = None,
) -> FastAPI:
    """The dashboard app. Opening the snapshot or database fails here, in one line, before anything is served.

    ``count_cache_size=0`` counts every table request afresh and ``late_rows_from`` past any offset reads
    every page with a plain wide ``LIMIT ... OFFSET`` (together: the benchmark's naive side).
    """
    from weightatlas.api import open_store

    store = open_store(snapshot_dir, db)
    tables.register_derived_tables(store.con)
    cache = documents.DocumentCache(snapshot_dir=snapshot_dir, db=db, bloc_maps=documents.bloc_map_choices(bloc_map))
    counts = tables.CountCache(count_cache_size)

    app = FastAPI(
        title="weightatlas dashboard API",
        version=__version__,
        description="Read-only JSON API over the weightatlas indicators, chart specs and tables. GET only.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the Swagger and ReDoc pages load their assets from a CDN: left out
        redoc_url=None,
    )
    app.state.store = store
    app.state.documents = cache
    app.state.counts = counts
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*allowed_hosts(host), *extra_hosts])

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(tables.TableQueryError)
    async def table_error(_: Request, exc: tables.TableQueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(WeightatlasError)
    async def library_error(_: Request, exc: WeightatlasError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @contextmanager
    def cursor() -> Iterator[Any]:
        cur = store.con.cursor()  # one cursor per request: DuckDB connections are not shared across threads
        try:
            yield cur
        finally:
            cur.close()

    def not_found(message: str) -> JSONResponse:
        return JSONResponse({"detail": message}, status_code=404)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness, what is served, and how long each indicator document took to compute."""
        return {
            "status": "ok",
            "version": __version__,
            "snapshot_date": store.manifest.get("snapshot_date"),
            "hub_source": f"crawl database {store.db.name}" if store.db else "embedded snapshot",
            "bloc_maps": list(cache.bloc_maps),
            "computed": cache.computed,
        }

    @app.get("/api/snapshot", tags=["meta"])
    def snapshot() -> dict[str, Any]:
        """The snapshot's manifest: sources, licences, snapshot date, tables and their checksums."""
        return store.manifest

    @app.get("/api/filters", tags=["meta"])
    def filters(blocs: BlocsParam = "default") -> dict[str, Any]:
        """The values each filter accepts."""
        document = cache.get(blocs).document
        gap = document["indicators"].get("capability_gap", {})
        with cursor() as cur:
            relations = [r[0] for r in cur.execute("SELECT DISTINCT relation FROM hub_edges ORDER BY 1").fetchall()]
        pops = document["indicators"].get("adoption", {}).get("hub_sample", {}).get("populations", {})
        return {
            "bloc_maps": list(cache.bloc_maps),
            "benchmarks": sorted({sid.split(".")[0] for sid in gap}),
            "scores": ["independent", "self_reported"],
            "populations": sorted({"all_modalities", "llm_only", *pops}),
            "relations": relations,
            "tables": {name: {"title": t.title, "columns": list(t.columns), "sortable": list(t.sort), "filters": list(t.filters), "dates": t.date_column} for name, t in tables.TABLES.items()},
        }

    @app.get("/api/indicators", tags=["indicators"])
    def indicators(blocs: BlocsParam = "default") -> Response:
        """The whole indicators document (``weightatlas indicators --json``) under the bloc map asked for."""
        entry = cache.get(blocs)
        if entry.encoded is None:  # encoded once per cached document
            entry.encoded = json_response(entry.document).body
        return Response(entry.encoded, media_type="application/json")

    @app.get("/api/indicators/{key}", tags=["indicators"])
    def indicator(key: str, blocs: BlocsParam = "default") -> Any:
        """One indicator's block of the document."""
        document = cache.get(blocs).document
        if key not in document["indicators"]:
            return not_found(f"no indicator {key!r}; indicators: {', '.join(document['indicators'])}")
        return json_response(document["indicators"][key])

    @app.get("/api/verdict", tags=["indicators"])
    def verdict(blocs: BlocsParam = "default") -> Any:
        """The verdict cards and overall reading (``document["verdict"]``), derived from the indicators."""
        document = cache.get(blocs).document
        if "verdict" not in document:
            return not_found("this version of the library puts no verdict in the document")
        return document["verdict"]

    @app.get("/api/charts", tags=["charts"])
    def charts(
        blocs: BlocsParam = "default",
        benchmark: Text = None,
        scores: ScoresKind | None = None,
    ) -> dict[str, Any]:
        """The chart ids and titles (the report's charts), optionally only those of a benchmark or score kind."""
        entry = cache.get(blocs)
        listed = [
            {"id": cid, "title": documents.chart_title(spec, cid)}
            for cid, spec in entry.specs.items()
            if documents.chart_matches(cid, entry.document, benchmark=benchmark, scores=scores)
        ]
        return {"charts": listed, "total": len(listed)}

    def _spec(chart_id: str, blocs: str) -> dict[str, Any] | None:
        return cache.get(blocs).specs.get(chart_id)

    @app.get("/api/charts/{chart_id}", tags=["charts"])
    def chart(
        chart_id: str,
        blocs: BlocsParam = "default",
        date_from: DateParam = None,
        date_to: DateParam = None,
        population: Text = None,
    ) -> Any:
        """A chart's Vega-Lite spec, its data trimmed to the date range and population asked for."""
        spec = _spec(chart_id, blocs)
        if spec is None:
            return not_found(f"no chart {chart_id!r}; /api/charts lists them")
        return documents.filtered_spec(spec, **_trim(date_from, date_to, population))

    @app.get("/api/charts/{chart_id}/rows", tags=["charts"])
    def chart_rows(
        chart_id: str,
        blocs: BlocsParam = "default",
        date_from: DateParam = None,
        date_to: DateParam = None,
        population: Text = None,
        page: PageParam = 1,
        per_page: PerPageParam = 100,
    ) -> Any:
        """The rows behind a chart (the same trimming as the chart), a page at a time."""
        spec = _spec(chart_id, blocs)
        if spec is None:
            return not_found(f"no chart {chart_id!r}; /api/charts lists them")
        rows = documents.chart_rows(documents.filtered_spec(spec, **_trim(date_from, date_to, population)))
        columns = list(dict.fromkeys(k for r in rows for k in r))
        start = (page - 1) * per_page
        return json_response({"chart": chart_id, "title": documents.chart_title(spec, chart_id), "columns": columns, "total": len(rows), "page": page, "per_page": per_page, "rows": rows[start : start + per_page]})

    @app.get("/api/tables", tags=["tables"])
    def table_list() -> dict[str, Any]:
        """The tables, their columns, sortable columns and filters."""
        return {name: {"title": t.title, "columns": list(t.columns), "sortable": list(t.sort), "filters": list(t.filters), "dates": t.date_column} for name, t in tables.TABLES.items()}

    def _table(name: str) -> tables.Table:
        if name not in tables.TABLES:
            raise tables.TableQueryError(f"no table {name!r}; tables: {', '.join(tables.TABLES)}", status=404)
        return tables.TABLES[name]

    @app.get("/api/tables/{name}", tags=["tables"])
    def table_page(
        name: str,
        q: Text = None,
        sort: Annotated[str | None, Query(max_length=64)] = None,
        order: Literal["asc", "desc"] | None = None,
        page: PageParam = 1,
        per_page: PerPageParam = 50,
        date_from: DateParam = None,
        date_to: DateParam = None,
        benchmark: Text = None,
        independent: bool | None = None,
        source_id: Text = None,
        bloc: Text = None,
        country: Text = None,
        accessibility: Text = None,
        relation: Text = None,
        role: Text = None,
        modality: Text = None,
        author: Text = None,
        pipeline_tag: Text = None,
        library_name: Text = None,
        jurisdiction: Text = None,
        direction: Text = None,
        instrument_type: Text = None,
    ) -> Response:
        """A page of a table: search (`q`), whitelisted sort, filters, date range; `total` counts every match."""
        given = {
            "benchmark": benchmark, "independent": independent, "source_id": source_id, "bloc": bloc, "country": country,
            "accessibility": accessibility, "relation": relation, "role": role, "modality": modality, "author": author,
            "pipeline_tag": pipeline_tag, "library_name": library_name, "jurisdiction": jurisdiction, "direction": direction,
            "instrument_type": instrument_type,
        }
        req = tables.PageRequest(
            _table(name), q=q or None, sort=sort, order=order, page=page, per_page=per_page,
            filters={k: v for k, v in given.items() if v is not None}, date_from=date_from, date_to=date_to,
        )
        with cursor() as cur:
            return json_response(tables.page(cur, req, counts, late_rows_from=late_rows_from))

    @app.get("/api/tables/{name}/{row_id:path}", tags=["tables"])
    def table_row(name: str, row_id: str) -> Response:
        """One row by its id (`row_id` in the page's rows)."""
        table = _table(name)
        with cursor() as cur:
            return json_response(tables.row(cur, table, row_id))

    @app.get(VEGA_PATH, include_in_schema=False)
    def vega_bundle() -> Response:
        from weightatlas.report import vega_bundle as bundle

        return Response(bundle(), media_type="application/javascript", headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{VEGA_PATH}}", VEGA_PATH)
        return Response(html, media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _trim(date_from: date | None, date_to: date | None, population: str | None) -> dict[str, Any]:
    if date_from and date_to and date_from > date_to:
        raise tables.TableQueryError(f"date_from {date_from} is after date_to {date_to}")
    return {"date_from": date_from.isoformat() if date_from else None, "date_to": date_to.isoformat() if date_to else None, "population": population}


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    snapshot_dir: Path | None = None,
    db: Path | None = None,
    bloc_map: Path | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Run the dashboard with uvicorn (its standard server) until interrupted."""
    import uvicorn

    app = create_app(snapshot_dir=snapshot_dir, db=db, bloc_map=bloc_map, host=host)
    if on_start is not None:
        on_start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
