"""A fake Hugging Face Hub speaking the real wire format, for tests and benchmarks.

:class:`FakeHub` is a WSGI application (werkzeug) serving a dataset of model records:
an explicit list of wire-format dicts (tests) or a virtual
:class:`~weightatlas.testing.synthetic.SyntheticHub` that computes records on demand
(benchmarks; a ``sort=createdAt`` listing without filters streams in O(page) time and
memory). Serve it with ``with hub.serve() as base_url:`` (threaded werkzeug server on
127.0.0.1, in this process) or :func:`serve_in_subprocess` / :func:`subprocess_hub` (a
separate process, so a benchmark client does not share the GIL with the server).

Endpoints (hub-api.md §1-§7, §11, §14):

``GET /api/models``
    ``filter`` (repeated, ANDed, exact tag match, so ``base_model:X`` and
    ``base_model:<relation>:X`` work), ``author`` (exact, case-sensitive), ``search``
    (case-insensitive substring of the id), ``pipeline_tag``, ``gated`` (``true``/``false``),
    ``sort`` (``createdAt``, ``lastModified``, ``downloads``, ``likes``, ``trendingScore``;
    always descending; default ``trendingScore``), ``limit`` (page size, capped at
    ``max_page_size``), ``expand`` / ``expand[]`` (repeated; each value checked against
    :data:`EXPAND_PROPERTIES`, an unknown one gives HTTP 400 with a JSON error).
    With ``expand`` an item holds ``_id``, ``id`` and only the requested keys the record
    has (absent is not 0). Without it, the default fields :data:`DEFAULT_LIST_FIELDS`;
    the legacy switches ``full=true`` (adds ``sha``, ``lastModified``, ``siblings``),
    ``cardData=true`` and ``config=true`` (add those keys) are honoured, and combining any
    of them with ``expand`` gives 400 (the real client refuses that combination; what the
    real server does is unknown). Ties are broken by ``_id`` ascending and pages follow
    keyset semantics: the opaque ``cursor`` (base64url JSON of the last item's sort key and
    ``_id``) makes the next page start strictly after that key, so a record whose sort
    value changes between pages is skipped or repeated exactly as on the Hub. When more
    results exist the response has ``Link: <absolute next URL>; rel="next"``, the URL
    repeating every original query parameter (order kept) plus ``cursor``; the last page
    has no ``Link``. ``direction`` other than ``-1`` gives 400.
``GET /api/models/{repo_id}`` and ``/api/models/{repo_id}/revision/{rev}``
    The full record plus ``baseModels`` (``{"relation", "models": [{"_id", "id"}]}``,
    computed from the ``base_model:`` tags; parents missing from the dataset are left out)
    and ``childrenModelCount`` (records naming this repo in a plain ``base_model:`` tag),
    or the ``expand`` projection. A record may also carry literal ``baseModels`` /
    ``childrenModelCount`` values, which win (e.g. a list-of-strings ``baseModels``).
    Unknown repo: 404 ``X-Error-Code: RepoNotFound``; unknown revision: 404
    ``RevisionNotFound`` (known revisions: ``main``, the current ``sha`` and every
    earlier ``sha`` replaced through :meth:`FakeHub.update`).
``HEAD``/``GET /{repo_id}/resolve/{rev}/{filename}``
    ``config.json`` (from ``configs={repo_id: dict}``, else synthesised from the
    record's ``config.model_type``, see :func:`~weightatlas.testing.synthetic.config_json_for`)
    and ``adapter_config.json`` for PEFT repos, with ``ETag`` (git blob sha1, quoted),
    ``X-Repo-Commit`` and ``Content-Length``, enough for ``hf_hub_download``. Repos in
    ``gguf_only``, and repos whose ``siblings`` list no such file, give 404
    ``EntryNotFound``; repos in ``gated`` or whose record has a truthy ``gated`` give 401
    ``GatedRepo`` unless an ``Authorization: Bearer ...`` header is sent (any token passes).
``GET /_fakehub/stats``
    The counters of :class:`Stats` as JSON (for a server in another process). Not counted,
    not rate limited.

Every counted response carries ``RateLimit: "<bucket>";r=<remaining>;t=<reset>`` and
``RateLimit-Policy: "fixed window";"<bucket>";q=<quota>;w=<window>`` (buckets ``api`` for
``/api/``, ``resolvers`` for ``/resolve/``, ``pages`` otherwise) and ``X-Request-Id``.
With ``rate_limit=RateLimit(quota, window_seconds)`` each bucket is a real fixed window
(starting at its first request): over quota gives 429 with ``Retry-After: <t>`` and
``r=0``. With ``rate_limit=None`` nothing is refused, but the headers show q=1000000.

Fault injection (:meth:`FakeHub.inject`): ``429``, ``500``, ``503``, ``drop`` (connection
closed without a response), ``truncated`` (200, body cut in the middle of the JSON,
``Content-Length`` of the cut body; the ``Link`` header of the full page is kept),
``stale_cursor`` (400 on a request carrying a ``cursor``), ``repeat_item`` (the page of a
cursor request starts with the last item of the previous page) and ``mutate`` (before a
cursor page is computed, a record changes; by default the first item of that page gets
more downloads than the cursor and a new ``lastModified``, so a ``sort=downloads`` crawl
skips it). Everything is counted in :attr:`FakeHub.stats`.

Faithful to the real Hub (per hub-api.md): JSON array bodies, repeated query keys, the
``Link`` header format, keyset pagination on (sort key, ``_id``), descending-only sorts,
the projection rule, 400 on unknown ``expand``, ``X-Error-Code`` values, the ``RateLimit``
header grammar that ``huggingface_hub`` parses, HEAD metadata headers, timestamps with
milliseconds. ``huggingface_hub.HfApi(endpoint=base_url)`` lists, paginates and reads
``model_info`` against it.

Simplified or assumed (the "unverified" points of hub-api.md are marked *):

* default list fields include ``createdAt`` (*§7.1); ``expand=baseModels`` and
  ``expand=childrenModelCount`` are accepted on the list endpoint (*§3); ``other=`` is
  treated like ``filter=`` (*§2); cursors never expire unless a ``stale_cursor`` fault is
  injected (*§4, §15); the default page size is 1000 (*§4); ``author`` is case-sensitive
  (*§2); GGUF-only repos may lack ``library_name`` (*§13); ``_id`` survives an ``id``
  change made through :meth:`FakeHub.update` on an explicit dataset (*§5; synthetic
  records cannot be renamed); ``baseModels`` leaves out parents that are not on the Hub;
* the cursor is base64url JSON, not the Hub's base64 Mongo query (it is opaque either
  way); the next link does not add ``direction=-1`` as the real one does;
* ``num_parameters``, ``apps``, ``inference``, ``inference_provider`` are ignored;
  ``search`` only matches the id;
* private repos are not hidden and tokens are not checked (any bearer token opens any
  gated repo); there is one rate-limit counter per bucket, not per token or IP;
* the ``api`` bucket also covers ``/api/models/{id}``; redirects (``/resolve`` -> CDN) and
  renames (301) are not simulated; only ``config.json`` and ``adapter_config.json``
  resolve;
* the in-process server is werkzeug's development server: it closes the connection
  after each response (no keep-alive) and keeps each handler thread ~10 ms after the
  response is sent (it drains the socket); ``drop`` shuts the socket down through
  ``environ["werkzeug.socket"]`` and raises ``ConnectionAbortedError`` (which other WSGI
  servers or test clients will see as an error).

Speed: a synthetic record costs ~40 us to compute and ~10 us to encode, so the server
produces roughly 17-20 pages of 1000 items per second on one core (a 1,000,000-model
``sort=createdAt`` listing with the crawler's expand set takes about a minute);
with ``page_cache_dir`` a repeated run is served from disk at several hundred pages/s.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import fnmatch
import gzip as gzip_module
import hashlib
import json
import math
import multiprocessing
import re
import socket
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from weightatlas.testing.synthetic import (
    ALL_FIELDS,
    GENERATOR_VERSION,
    SyntheticHub,
    config_json_for,
    iso_ms,
    ms_iso,
)

__all__ = [
    "DEFAULT_LIST_FIELDS",
    "EXPAND_PROPERTIES",
    "FAULT_KINDS",
    "SORT_KEYS",
    "FakeHub",
    "FakeHubSpec",
    "Fault",
    "ListDataset",
    "RateLimit",
    "Stats",
    "serve_in_subprocess",
    "subprocess_hub",
]

#: ``ExpandModelProperty_T`` of huggingface_hub 2.4.0 (hub-api.md §3).
EXPAND_PROPERTIES: frozenset[str] = frozenset(
    "author baseModels cardData childrenModelCount config createdAt disabled downloads downloadsAllTime "
    "evalResults gated gguf inference inferenceProviderMapping lastModified library_name likes mask_token "
    "model-index pipeline_tag private resourceGroup safetensors sha siblings spaces tags transformersInfo "
    "trendingScore usedStorage widgetData".split()
)
#: Keys of a list item without ``expand`` (hub-api.md §7.1; ``createdAt`` assumed).
DEFAULT_LIST_FIELDS: tuple[str, ...] = (
    "_id", "id", "modelId", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
    "library_name", "createdAt",
)  # fmt: skip
SORT_KEYS: tuple[str, ...] = ("createdAt", "lastModified", "downloads", "likes", "trendingScore")
FAULT_KINDS: tuple[str, ...] = (
    "429", "500", "503", "drop", "truncated", "stale_cursor", "repeat_item", "mutate",
)  # fmt: skip
_DATE_SORTS = frozenset({"createdAt", "lastModified"})
_CURSOR_FAULTS = frozenset({"stale_cursor", "repeat_item", "mutate"})
_COMPUTED = frozenset({"baseModels", "childrenModelCount"})
_UNLIMITED_QUOTA = 1_000_000
_TRUE = frozenset({"true", "True", "1", "yes"})
_LIST_PATH = "/api/models"
_MODEL_RE = re.compile(r"^/api/models/(?P<repo>[^/]+(?:/[^/]+)?)(?:/revision/(?P<rev>.+))?$")
_RESOLVE_RE = re.compile(r"^/(?P<repo>[^/]+(?:/[^/]+)?)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


# --------------------------------------------------------------------------- small types


@dataclass(frozen=True)
class RateLimit:
    """A fixed-window quota: ``quota`` requests per ``window_seconds``, per bucket."""

    quota: int
    window_seconds: float = 300.0


@dataclass
class Fault:
    """One injected fault; see :meth:`FakeHub.inject`."""

    kind: str
    at_request: int | None = None
    on_path: str | None = None
    times: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times

    def matches(self, n: int, path: str, has_cursor: bool) -> bool:
        if self.exhausted:
            return False
        if self.at_request is not None and n < self.at_request:
            return False
        if self.on_path is not None and not (path == self.on_path or fnmatch.fnmatchcase(path, self.on_path)):
            return False
        if self.kind in _CURSOR_FAULTS:
            if not has_cursor:
                return False
            if self.kind != "stale_cursor" and path != _LIST_PATH:
                return False
        return True


@dataclass
class Stats:
    """Request counters. ``resolver_hits`` counts every request to a resolve path."""

    requests: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0  # 429 responses sent (quota and injected)
    resolver_hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    faults_fired: Counter[str] = field(default_factory=Counter)
    pages: int = 0  # 200 responses of GET /api/models
    items: int = 0  # items in those pages
    mutations: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_path": dict(self.by_path),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "rate_limited": self.rate_limited,
            "resolver_hits": [[r, v, c] for (r, v), c in self.resolver_hits.items()],
            "faults_fired": dict(self.faults_fired),
            "pages": self.pages,
            "items": self.items,
            "mutations": self.mutations,
        }


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


# --------------------------------------------------------------------------- explicit dataset


class ListDataset:
    """An in-memory dataset of wire-format records (deep-copied; order irrelevant).

    Records without ``_id`` get a deterministic one; non-object items are kept as they are
    (they appear, unfiltered and last, in listings).
    """

    created_order = False

    def __init__(self, records: Iterable[Any]) -> None:
        self._items: list[Any] = []
        self._oids: list[str] = []
        self._index: dict[str, int] = {}
        self.version = 0
        self._children: tuple[int, dict[str, int]] | None = None
        for rec in records:
            self.add(copy.deepcopy(rec), _bump=False)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return (r for r in self._items if r is not None)

    def record(self, pos: int, want: frozenset[str] | None = None) -> Any:
        return self._items[pos]

    def oid(self, pos: int) -> str:
        return self._oids[pos]

    def index_of(self, repo_id: str) -> int | None:
        return self._index.get(repo_id)

    def lookup(self, repo_id: str) -> Any:
        pos = self._index.get(repo_id)
        return None if pos is None else self._items[pos]

    def oid_for(self, repo_id: str) -> str | None:
        """``_id`` of the repo, or None if it is not in the dataset."""
        pos = self._index.get(repo_id)
        return None if pos is None else self._oids[pos]

    def children_count(self, repo_id: str) -> int:
        if self._children is None or self._children[0] != self.version:
            counts: Counter[str] = Counter()
            for rec in self._items:
                if isinstance(rec, dict):
                    for parent, _rel in _parse_base_model_tags(rec.get("tags")):
                        counts[parent] += 1
            self._children = (self.version, dict(counts))
        return self._children[1].get(repo_id, 0)

    def update(self, repo_id: str, fields: dict[str, Any]) -> None:
        pos = self._index.get(repo_id)
        if pos is None:
            raise KeyError(repo_id)
        rec = self._items[pos]
        rec.update(fields)
        if "_id" in fields:
            self._oids[pos] = str(fields["_id"])
        if "id" in fields and fields["id"] != repo_id:
            del self._index[repo_id]
            self._index[fields["id"]] = pos
        self.version += 1

    def add(self, record: Any, *, _bump: bool = True) -> None:
        pos = len(self._items)
        if isinstance(record, dict):
            rid = record.get("id")
            if rid is not None and rid in self._index:
                raise ValueError(f"duplicate id {rid}")
            oid = record.get("_id") or hashlib.sha1(f"{rid}:{pos}".encode()).hexdigest()[:24]
            if rid is not None:
                self._index[rid] = pos
        else:
            oid = hashlib.sha1(f"non-object:{pos}".encode()).hexdigest()[:24]
        self._items.append(record)
        self._oids.append(str(oid))
        if _bump:
            self.version += 1

    def remove(self, repo_id: str) -> None:
        pos = self._index.pop(repo_id, None)
        if pos is None:
            raise KeyError(repo_id)
        self._items[pos] = None
        self.version += 1

    def is_deleted(self, pos: int) -> bool:
        return self._items[pos] is None


_BASE_TAG = "base_model:"


def _parse_base_model_tags(tags: Any) -> list[tuple[str, str | None]]:
    """(parent, relation) pairs from tags; plain ``base_model:X`` gives relation None."""
    if not isinstance(tags, list):
        return []
    plain: list[str] = []
    rel: dict[str, str] = {}
    for t in tags:
        if not isinstance(t, str) or not t.startswith(_BASE_TAG):
            continue
        rest = t[len(_BASE_TAG) :]
        head, sep, tail = rest.partition(":")
        if sep and "/" not in head:
            rel.setdefault(tail, head)
        else:
            plain.append(rest)
    return [(p, rel.get(p)) for p in plain]


# --------------------------------------------------------------------------- the app


class FakeHub:
    """The fake Hub: a WSGI app over a dataset, with rate limits, faults and counters.

    ``dataset``: a list of wire-format model dicts, a :class:`ListDataset` or a
    :class:`~weightatlas.testing.synthetic.SyntheticHub`.
    ``page_size``: items per page without ``limit``; ``max_page_size`` caps ``limit``.
    ``rate_limit``: a :class:`RateLimit` applied to each bucket separately, a
    ``{bucket: RateLimit}`` dict, or ``None`` (never refuse; headers show q=1000000).
    ``configs``: ``{repo_id: dict | str | bytes}`` bodies of ``config.json``.
    ``gated``: repos whose files need a bearer token (in addition to records whose
    ``gated`` is truthy). ``gguf_only``: repos without ``config.json``.
    ``gzip``: gzip ``/api`` bodies for clients sending ``Accept-Encoding: gzip``.
    ``prefetch``: render the next listing page in a worker thread while the client
    handles the current one. ``page_cache_dir``: keep rendered pages of an unmodified
    synthetic dataset on disk (gzip) and serve them from there on later runs.
    ``resolve_counts_download``: each ``config.json`` HEAD/GET adds 1 to the repo's
    ``downloads`` and ``downloadsAllTime`` (hub-api.md §9; the real counters lag).
    ``clock``: a monotonic clock in seconds, replaceable to test rate-limit windows.

    The hub stays usable while served: :meth:`inject`, :meth:`update`, :meth:`add`,
    :meth:`remove` and :attr:`stats` are thread-safe.
    """

    def __init__(
        self,
        dataset: Iterable[Any] | ListDataset | SyntheticHub,
        *,
        page_size: int = 1000,
        max_page_size: int = 1000,
        rate_limit: RateLimit | dict[str, RateLimit] | None = None,
        configs: dict[str, Any] | None = None,
        gated: Iterable[str] = (),
        gguf_only: Iterable[str] = (),
        gzip: bool = False,
        gzip_level: int = 5,
        prefetch: bool = False,
        page_cache_dir: str | Path | None = None,
        resolve_counts_download: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(dataset, (ListDataset, SyntheticHub)):
            self.dataset = dataset
        else:
            self.dataset = ListDataset(dataset)
        self.page_size = int(page_size)
        self.max_page_size = int(max_page_size)
        if isinstance(rate_limit, RateLimit):
            rate_limit = {"api": rate_limit, "resolvers": rate_limit, "pages": rate_limit}
        self.rate_limits: dict[str, RateLimit] = dict(rate_limit or {})
        self.configs: dict[str, Any] = dict(configs or {})
        self.gated: set[str] = set(gated)
        self.gguf_only: set[str] = set(gguf_only)
        self.gzip = bool(gzip)
        self.gzip_level = int(gzip_level)
        self.resolve_counts_download = resolve_counts_download
        self.clock = clock
        self.stats = Stats()
        self.faults: list[Fault] = []
        self.base_url: str | None = None
        self._lock = threading.RLock()
        self._windows: dict[str, list[float]] = {}
        self._sorted_cache: OrderedDict[tuple, tuple[list, list[int]]] = OrderedDict()
        self._sha_history: dict[str, set[str]] = {}
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fakehub-prefetch") if prefetch else None
        self._prefetched: dict[tuple, Future] = {}
        self.page_cache_dir = Path(page_cache_dir) if page_cache_dir is not None else None
        if self.page_cache_dir is not None:
            self.page_cache_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ public hooks

    def inject(
        self,
        kind: str,
        *,
        at_request: int | None = None,
        on_path: str | None = None,
        times: int = 1,
        **options: Any,
    ) -> Fault:
        """Schedule a fault; returns it (its ``fired`` counter shows whether it happened).

        ``at_request=N``: not before the N-th counted request (1-based, as in
        ``stats.requests``; the first eligible request from N on fires). ``on_path``: only
        requests whose path equals it or matches it as a glob (``/api/models/*``).
        ``times``: how many requests it hits (consecutive eligible ones, so ``times=2``
        also fails the first retry). Cursor faults (``stale_cursor``, ``repeat_item``,
        ``mutate``) only fire on requests that carry a ``cursor``. One fault per request,
        in injection order. Options: ``429``: ``retry_after=1``, ``headers="both"`` (or
        ``"retry-after"``, ``"ratelimit"``); ``mutate``: ``repo_id``, ``fields``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        fault = Fault(kind, at_request, on_path, int(times), dict(options))
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()

    def update(self, repo_id: str, **fields: Any) -> None:
        """Change fields of a record (camelCase keys; use ``**{"model-index": ...}`` for odd ones)."""
        with self._lock:
            rec = self.dataset.lookup(repo_id)
            if isinstance(rec, dict) and "sha" in fields and rec.get("sha"):
                self._sha_history.setdefault(fields.get("id", repo_id), set()).add(rec["sha"])
            self.dataset.update(repo_id, fields)
            self._sorted_cache.clear()

    def add(self, record: dict[str, Any]) -> None:
        """Add a record (a new repo; with ``sort=createdAt`` it lands where its date puts it)."""
        with self._lock:
            self.dataset.add(copy.deepcopy(record))
            self._sorted_cache.clear()

    def remove(self, repo_id: str) -> None:
        """Delete a repo: it vanishes from listings and lookups."""
        with self._lock:
            self.dataset.remove(repo_id)
            self._sorted_cache.clear()

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """The WSGI callable."""
        req = Request(environ)
        path = req.path
        if path.startswith("/_fakehub/"):
            return self._internal(req)(environ, start_response)
        has_cursor = b"cursor=" in req.query_string
        with self._lock:
            self.stats.requests += 1
            n = self.stats.requests
            self.stats.by_path[path] += 1
            m = _RESOLVE_RE.match(path)
            if m:
                self.stats.resolver_hits[(m["repo"], m["rev"])] += 1
            fault = next((f for f in self.faults if f.matches(n, path, has_cursor)), None)
            if fault is not None:
                fault.fired += 1
                self.stats.faults_fired[fault.kind] += 1
        bucket = "resolvers" if m else "api" if path.startswith("/api/") else "pages"
        request_id = f"fakehub-{n}"

        if fault is not None and fault.kind == "drop":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("fakehub: injected dropped connection")

        remaining, reset, quota, window, allowed = self._take_quota(bucket)
        headers: dict[str, str] = {"X-Request-Id": request_id}
        gz_body: bytes | None = None
        force_r0 = not allowed
        status = 200
        body = b""
        content_type = "application/json; charset=utf-8"
        try:
            if fault is not None and fault.kind == "429":
                ra = int(fault.options.get("retry_after", 1))
                mode = fault.options.get("headers", "both")
                if mode in ("both", "retry-after"):
                    headers["Retry-After"] = str(ra)
                if mode in ("both", "ratelimit"):
                    force_r0, reset = True, ra
                raise _HTTPError(429, "You have been rate-limited (injected).")
            if not allowed:
                headers["Retry-After"] = str(reset)
                raise _HTTPError(429, "You have been rate-limited; retry later.")
            if fault is not None and fault.kind in ("500", "503"):
                raise _HTTPError(int(fault.kind), "Internal Error (injected)." if fault.kind == "500" else
                                 "Service Unavailable (injected).")  # fmt: skip
            if fault is not None and fault.kind == "stale_cursor":
                raise _HTTPError(400, "Invalid or expired cursor (injected).")
            if req.method not in ("GET", "HEAD"):
                raise _HTTPError(405, "Method Not Allowed")
            if path == _LIST_PATH:
                body, extra, gz_body = self._list_models(req, fault)
                headers.update(extra)
            elif m:
                body, extra = self._resolve(req, m["repo"], m["rev"], m["file"])
                content_type = extra.pop("Content-Type", content_type)
                headers.update(extra)
            elif (mm := _MODEL_RE.match(path)) is not None:
                body = self._model_info(req, mm["repo"], mm["rev"])
            else:
                raise _HTTPError(404, "Not Found")
        except _HTTPError as err:
            status = err.status
            body = json.dumps({"error": err.message}).encode()
            if err.code:
                headers["X-Error-Code"] = err.code
            headers["X-Error-Message"] = err.message
        if force_r0:
            remaining = 0
        if status == 429:
            with self._lock:
                self.stats.rate_limited += 1
        headers["RateLimit"] = f'"{bucket}";r={remaining};t={reset}'
        headers["RateLimit-Policy"] = f'"fixed window";"{bucket}";q={quota};w={window}'
        if status != 200:
            gz_body = None
        if fault is not None and fault.kind == "truncated" and (body or gz_body):
            if not body:
                body = gzip_module.decompress(gz_body)  # type: ignore[arg-type]
            body, gz_body = body[: max(1, len(body) // 2)], None
        if self.gzip and bucket == "api" and (body or gz_body) and _accepts_gzip(req):
            body = gz_body or gzip_module.compress(body, compresslevel=self.gzip_level, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        with self._lock:
            self.stats.by_status[status] += 1
        resp = Response(body, status=status, headers=headers, content_type=content_type)
        return resp(environ, start_response)

    # ------------------------------------------------------------------ rate limiting

    def _take_quota(self, bucket: str) -> tuple[int, int, int, int, bool]:
        limit = self.rate_limits.get(bucket)
        quota = limit.quota if limit else _UNLIMITED_QUOTA
        window = limit.window_seconds if limit else 300.0
        now = self.clock()
        with self._lock:
            st = self._windows.get(bucket)
            if st is None or now >= st[0] + window:
                st = self._windows[bucket] = [now, 0]
            reset = max(1, math.ceil(st[0] + window - now))
            if limit is not None and st[1] >= quota:
                return 0, reset, quota, _num(window), False
            st[1] += 1
            return max(0, quota - int(st[1])), reset, quota, _num(window), True

    # ------------------------------------------------------------------ /api/models

    def _list_models(self, req: Request, fault: Fault | None) -> tuple[bytes, dict[str, str], bytes | None]:
        pairs = parse_qsl(req.query_string.decode("utf-8", "replace"), keep_blank_values=True)
        multi: dict[str, list[str]] = {}
        for k, v in pairs:
            multi.setdefault(k, []).append(v)

        def one(key: str) -> str | None:
            vals = multi.get(key)
            return vals[-1] if vals else None

        expand = _check_expand(multi.get("expand", []) + multi.get("expand[]", []))
        legacy = {k for k in ("full", "cardData", "config") if one(k) in _TRUE}
        if expand is not None and legacy:
            raise _HTTPError(400, "`expand` cannot be combined with `full`, `cardData` or `config`.")
        sort = one("sort") or "trendingScore"
        if sort not in SORT_KEYS:
            raise _HTTPError(400, f'"sort" must be one of {list(SORT_KEYS)}, got "{sort}"')
        direction = one("direction")
        if direction not in (None, "-1"):
            raise _HTTPError(400, 'Only descending sorts are supported ("direction" must be -1).')
        limit = self.page_size
        if (raw_limit := one("limit")) is not None:
            try:
                limit = int(raw_limit)
            except ValueError:
                raise _HTTPError(400, '"limit" must be an integer') from None
            if limit < 1:
                raise _HTTPError(400, '"limit" must be positive')
        limit = min(limit, self.max_page_size)
        cursor = _decode_cursor(one("cursor"), sort)
        gated_raw = one("gated")
        query = _Query(
            filters=tuple(multi.get("filter", []) + multi.get("other", [])),
            author=one("author"),
            search=(one("search") or None),
            pipeline_tag=one("pipeline_tag"),
            gated=None if gated_raw is None else gated_raw in _TRUE,
            sort=sort,
        )
        repeat = fault is not None and fault.kind == "repeat_item"

        if fault is not None and fault.kind == "mutate":
            self._mutate(fault, self._page(query, cursor, limit, False)[0], cursor, sort)

        gz = self.gzip and _accepts_gzip(req)
        legacy_t = tuple(sorted(legacy))
        key = (query, cursor, limit, repeat, expand, legacy_t, gz, self.dataset.version)
        fut = None
        if self._prefetch is not None:
            with self._lock:
                fut = self._prefetched.pop(key, None)
        page = fut.result() if fut is not None else self._get_page(query, cursor, limit, repeat, expand, legacy_t, gz)
        headers: dict[str, str] = {}
        if page.more and page.last_key is not None:
            token = _encode_cursor(sort, page.last_key)
            next_pairs = [(k, v) for k, v in pairs if k != "cursor"] + [("cursor", token)]
            headers["Link"] = f'<{req.host_url.rstrip("/")}{req.path}?{urlencode(next_pairs)}>; rel="next"'
            if self._prefetch is not None:
                nkey = (query, page.last_key, limit, False, expand, legacy_t, gz, self.dataset.version)
                with self._lock:
                    self._prefetched = {nkey: self._prefetch.submit(
                        self._get_page, query, page.last_key, limit, False, expand, legacy_t, gz)}  # fmt: skip
        with self._lock:
            self.stats.pages += 1
            self.stats.items += page.count
        if page.raw is None and not gz:
            return gzip_module.decompress(page.gz or b""), headers, None
        return page.raw or b"", headers, page.gz

    def _get_page(self, query, cursor, limit, repeat, expand, legacy_t, gz) -> _Page:
        """Render one listing page (through the disk page cache when it applies)."""
        ds = self.dataset
        path = None
        if self.page_cache_dir is not None and isinstance(ds, SyntheticHub) and ds.version == 0 and not repeat:
            ident = repr((ds.n, ds.seed, ds.bad_fraction, query, cursor, limit, expand, legacy_t,
                          _CACHE_FORMAT, GENERATOR_VERSION))  # fmt: skip
            path = self.page_cache_dir / (hashlib.sha1(ident.encode()).hexdigest() + ".page")
            try:
                blob = path.read_bytes()
            except OSError:
                pass
            else:
                head, _, gz_body = blob.partition(b"\n")
                meta = json.loads(head)
                last = meta["last_key"]
                last_key = None if last is None else (math.inf if last[0] is None else last[0], last[1])
                return _Page(None, gz_body, last_key, meta["more"], meta["count"])
        positions, keys, more = self._page(query, cursor, limit, repeat)
        legacy = set(legacy_t)
        want = _want(expand, legacy)
        items = [self._project(ds.record(p, want), expand, legacy) for p in positions]
        raw = json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode()
        last_key = keys[-1] if keys else None
        gz_body = gzip_module.compress(raw, compresslevel=self.gzip_level, mtime=0) if (gz or path) else None
        if path is not None:
            lk = None if last_key is None else [None if last_key[0] == math.inf else last_key[0], last_key[1]]
            meta = json.dumps({"last_key": lk, "more": more, "count": len(items)}).encode()
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(meta + b"\n" + (gz_body or b""))
            tmp.replace(path)
        return _Page(raw, gz_body if gz else None, last_key, more, len(items))

    def _page(
        self, query: _Query, cursor: tuple | None, limit: int, repeat: bool
    ) -> tuple[list[int], list[tuple], bool]:
        """Positions and keyset keys of one page, and whether more results follow."""
        ds = self.dataset
        if ds.created_order and query.sort == "createdAt" and query.unfiltered:
            n = ds.n  # type: ignore[union-attr]
            if cursor is None:
                start = 0
            else:
                start = bisect.bisect_right(range(n), cursor, key=lambda i: (-ds.created_ms(i), ds.oid(i)))
            if repeat and start > 0:
                start -= 1
                while start > 0 and ds.is_deleted(start):
                    start -= 1
            positions: list[int] = []
            i = start
            while i < n and len(positions) < limit:
                if not ds.is_deleted(i):
                    positions.append(i)
                i += 1
            more = i < n
            keys = [(-ds.created_ms(p), ds.oid(p)) for p in positions[-1:]]
            return positions, keys, more
        keys_all, pos_all = self._sorted(query)
        start = 0 if cursor is None else bisect.bisect_right(keys_all, cursor)
        if repeat and start > 0:
            start -= 1
        end = start + limit
        return pos_all[start:end], keys_all[start:end], end < len(pos_all)

    def _sorted(self, query: _Query) -> tuple[list[tuple], list[int]]:
        with self._lock:
            ck = (query, self.dataset.version)
            hit = self._sorted_cache.get(ck)
            if hit is not None:
                self._sorted_cache.move_to_end(ck)
                return hit
        ds = self.dataset
        want = frozenset({"_id", "id", "author", "tags", "pipeline_tag", "gated", query.sort})
        rows: list[tuple[tuple, int]] = []
        for pos in range(len(ds)):
            rec = ds.record(pos, want)
            if rec is None or not query.matches(rec):
                continue
            rows.append(((_neg_key(rec, query.sort), ds.oid(pos)), pos))
        rows.sort(key=lambda r: r[0])
        result = ([r[0] for r in rows], [r[1] for r in rows])
        with self._lock:
            self._sorted_cache[ck] = result
            while len(self._sorted_cache) > 8:
                self._sorted_cache.popitem(last=False)
        return result

    def _mutate(self, fault: Fault, positions: list[int], cursor: tuple | None, sort: str) -> None:
        repo_id = fault.options.get("repo_id")
        if repo_id is None:
            for p in positions:
                rec = self.dataset.record(p)
                if isinstance(rec, dict) and rec.get("id"):
                    repo_id = rec["id"]
                    break
        if repo_id is None:
            return
        fields = fault.options.get("fields")
        if fields is None:
            rec = self.dataset.lookup(repo_id) or {}
            old = rec.get("downloads") if isinstance(rec.get("downloads"), int) else 0
            ceiling = -cursor[0] if (cursor and sort == "downloads" and cursor[0] != math.inf) else 0
            fields = {"downloads": 2 * max(old, int(ceiling)) + 1000, "lastModified": ms_iso(time.time() * 1000)}
        self.update(repo_id, **fields)
        with self._lock:
            self.stats.mutations += 1

    # ------------------------------------------------------------------ projection

    def _project(self, rec: Any, expand: tuple[str, ...] | None, legacy: set[str]) -> Any:
        if not isinstance(rec, dict):
            return rec
        out: dict[str, Any] = {}
        if "_id" in rec:
            out["_id"] = rec["_id"]
        if "id" in rec:
            out["id"] = rec["id"]
        keys: Iterable[str] = _listing_keys(legacy) if expand is None else expand
        for k in keys:
            if k in out:
                continue
            if k in _COMPUTED:
                v = self._computed(rec, k)
                if v is not None:
                    out[k] = v
            elif k in rec:
                out[k] = rec[k]
        return out

    def _computed(self, rec: dict[str, Any], key: str) -> Any:
        if key in rec:
            return rec[key]
        if key == "childrenModelCount":
            return self.dataset.children_count(rec["id"]) if isinstance(rec.get("id"), str) else 0
        parents = _parse_base_model_tags(rec.get("tags"))
        if not parents:
            return None
        models = []
        for pid, _ in parents:
            oid = self.dataset.oid_for(pid)
            if oid is not None:
                models.append({"_id": oid, "id": pid})
        if not models:
            return None
        relation = next((r for _, r in parents if r), None)
        if relation is None:
            card = rec.get("cardData") if isinstance(rec.get("cardData"), dict) else {}
            relation = card.get("base_model_relation") or ("merge" if len(parents) > 1 else "finetune")
        return {"relation": relation, "models": models}

    # ------------------------------------------------------------------ /api/models/{id}

    def _model_info(self, req: Request, repo_id: str, revision: str | None) -> bytes:
        rec = self.dataset.lookup(repo_id)
        if not isinstance(rec, dict):
            raise _HTTPError(404, "Repository not found", "RepoNotFound")
        if revision is not None:
            self._check_revision(repo_id, rec, revision)
        expand = _check_expand(req.args.getlist("expand") + req.args.getlist("expand[]"))
        if expand is None:
            out = dict(rec)
            for k in ("baseModels", "childrenModelCount"):
                v = self._computed(rec, k)
                if v is not None:
                    out[k] = v
        else:
            out = self._project(rec, expand, set())
        return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode()

    def _check_revision(self, repo_id: str, rec: dict[str, Any], revision: str) -> None:
        known = {"main", _record_sha(rec)} | self._sha_history.get(repo_id, set())
        if revision not in known:
            raise _HTTPError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    # ------------------------------------------------------------------ resolve

    def _resolve(self, req: Request, repo_id: str, revision: str, filename: str) -> tuple[bytes, dict[str, str]]:
        rec = self.dataset.lookup(repo_id)
        if not isinstance(rec, dict):
            raise _HTTPError(404, "Repository not found", "RepoNotFound")
        gated = repo_id in self.gated or bool(rec.get("gated"))
        auth = req.headers.get("Authorization", "")
        if gated and not (auth.startswith("Bearer ") and auth[7:].strip()):
            raise _HTTPError(
                401,
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated "
                "to access it. Please log in.",
                "GatedRepo",
            )
        self._check_revision(repo_id, rec, revision)
        content: Any = None
        if filename == "config.json":
            if repo_id in self.gguf_only:
                content = None
            elif repo_id in self.configs:
                content = self.configs[repo_id]
            else:
                content = config_json_for(rec)
        elif filename == "adapter_config.json":
            content = _adapter_config(rec)
        if content is None:
            raise _HTTPError(404, f"Entry not found: {filename}", "EntryNotFound")
        if isinstance(content, (bytes, bytearray)):
            body = bytes(content)
        elif isinstance(content, str):
            body = content.encode()
        else:
            body = json.dumps(content, indent=2).encode()
        etag = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()
        if self.resolve_counts_download and filename == "config.json" and req.method in ("GET", "HEAD"):
            dl = rec.get("downloads") if isinstance(rec.get("downloads"), int) else 0
            at = rec.get("downloadsAllTime") if isinstance(rec.get("downloadsAllTime"), int) else dl
            self.update(repo_id, downloads=dl + 1, downloadsAllTime=at + 1)
        return body, {
            "ETag": f'"{etag}"',
            "X-Repo-Commit": _record_sha(rec),
            "Accept-Ranges": "bytes",
            "Content-Type": "application/json",
        }

    # ------------------------------------------------------------------ internal

    def _internal(self, req: Request) -> Response:
        if req.path == "/_fakehub/stats":
            with self._lock:
                data = self.stats.to_dict()
            return Response(json.dumps(data), content_type="application/json")
        return Response(json.dumps({"error": "Not Found"}), status=404, content_type="application/json")

    # ------------------------------------------------------------------ serving

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve on a threaded werkzeug server in a background thread; yields the base URL."""
        server = make_server(host, port, self.wsgi_app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True,
                                  name="fakehub-server")  # fmt: skip
        thread.start()
        self.base_url = f"http://{host}:{server.port}"
        try:
            yield self.base_url
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self.base_url = None

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Query:
    filters: tuple[str, ...]
    author: str | None
    search: str | None
    pipeline_tag: str | None
    gated: bool | None
    sort: str

    @property
    def unfiltered(self) -> bool:
        return not (self.filters or self.author or self.search or self.pipeline_tag or self.gated is not None)

    def matches(self, rec: Any) -> bool:
        if self.unfiltered:
            return True
        if not isinstance(rec, dict):
            return False
        rid = rec.get("id")
        if self.author is not None:
            author = rec.get("author", rid.split("/")[0] if isinstance(rid, str) else None)
            if author != self.author:
                return False
        if self.search and not (isinstance(rid, str) and self.search.lower() in rid.lower()):
            return False
        if self.pipeline_tag is not None and rec.get("pipeline_tag") != self.pipeline_tag:
            return False
        if self.gated is not None and bool(rec.get("gated")) != self.gated:
            return False
        if self.filters:
            tags = rec.get("tags")
            tagset = set(tags) if isinstance(tags, list) else set()
            if not all(f in tagset for f in self.filters):
                return False
        return True


class _Page(NamedTuple):
    raw: bytes | None  # JSON body (None when only the gzip form is at hand)
    gz: bytes | None  # gzip body, when asked for or read from the page cache
    last_key: tuple | None
    more: bool
    count: int


_CACHE_FORMAT = 1


def _accepts_gzip(req: Request) -> bool:
    return "gzip" in req.headers.get("Accept-Encoding", "")


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _check_expand(values: list[str]) -> tuple[str, ...] | None:
    if not values:
        return None
    bad = [v for v in values if v not in EXPAND_PROPERTIES]
    if bad:
        raise _HTTPError(
            400,
            f'"expand" must be one of {sorted(EXPAND_PROPERTIES)}; got {bad[0]!r}',
        )
    return tuple(dict.fromkeys(values))


def _listing_keys(legacy: set[str]) -> tuple[str, ...]:
    """The keys of a listing without ``expand``: the defaults plus what ``full``, ``cardData`` and ``config`` add, in order."""
    keys: tuple[str, ...] = DEFAULT_LIST_FIELDS
    if "full" in legacy:
        keys = (*keys, "author", "sha", "lastModified", "siblings")
    return (*keys, *(k for k in ("cardData", "config") if k in legacy))


def _want(expand: tuple[str, ...] | None, legacy: set[str]) -> frozenset[str] | None:
    """Record sections a (synthetic) dataset must compute for this projection."""
    if expand is None:
        keys = set(_listing_keys(legacy))
    else:
        keys = {"_id", "id", *expand}
        if "baseModels" in keys:
            keys |= {"tags", "cardData"}
    return frozenset(keys & ALL_FIELDS | {"_id", "id"})


def _neg_key(rec: Any, sort: str) -> float:
    if not isinstance(rec, dict):
        return math.inf
    v = rec.get(sort)
    if sort in _DATE_SORTS:
        v = iso_ms(v)
    elif isinstance(v, bool) or not isinstance(v, (int, float)):
        v = None
    return math.inf if v is None else -v


def _encode_cursor(sort: str, key: tuple) -> str:
    neg, oid = key
    payload = {"s": sort, "k": None if neg == math.inf else neg, "i": oid}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(token: str | None, sort: str) -> tuple | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        neg, oid, s = payload["k"], payload["i"], payload["s"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _HTTPError(400, "Invalid cursor") from None
    if s != sort:
        raise _HTTPError(400, "Cursor does not match the sort")
    return (math.inf if neg is None else neg, str(oid))


def _record_sha(rec: dict[str, Any]) -> str:
    sha = rec.get("sha")
    if isinstance(sha, str) and sha:
        return sha
    return hashlib.sha1(f"sha:{rec.get('id')}".encode()).hexdigest()


def _adapter_config(rec: dict[str, Any]) -> dict[str, Any] | None:
    cfg = rec.get("config") if isinstance(rec.get("config"), dict) else {}
    peft = cfg.get("peft") if isinstance(cfg.get("peft"), dict) else None
    siblings = rec.get("siblings")
    listed = isinstance(siblings, list) and any(
        isinstance(s, dict) and s.get("rfilename") == "adapter_config.json" for s in siblings
    )
    if peft is None and not listed:
        return None
    base = (peft or {}).get("base_model_name_or_path")
    return {
        "base_model_name_or_path": base,
        "peft_type": "LORA",
        "task_type": (peft or {}).get("task_type", "CAUSAL_LM"),
        "r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.05,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    }


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without per-request access logs."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        if type == "error":
            super().log(type, message, *args)


# --------------------------------------------------------------------------- subprocess serving


@dataclass(frozen=True)
class FakeHubSpec:
    """A picklable description of a fake Hub, for :func:`serve_in_subprocess`.

    Either ``records`` (explicit wire-format dicts) or a synthetic population ``n``/``seed``.
    ``faults``: ``(kind, {options incl. at_request/on_path/times})`` pairs injected at start.
    ``prefetch`` renders the next listing page while the client handles the current one;
    ``page_cache_dir`` keeps rendered pages of an unmodified synthetic population on disk
    (gzip), so repeated benchmark runs are served at disk speed.
    """

    n: int = 1000
    seed: int = 0
    bad_fraction: float = 0.0
    records: tuple[dict[str, Any], ...] | None = None
    page_size: int = 1000
    max_page_size: int = 1000
    rate_limit: RateLimit | None = None
    gzip: bool = False
    gated: tuple[str, ...] = ()
    gguf_only: tuple[str, ...] = ()
    configs: tuple[tuple[str, Any], ...] = ()
    faults: tuple[tuple[str, dict[str, Any]], ...] = ()
    prefetch: bool = True
    page_cache_dir: str | None = None
    host: str = "127.0.0.1"
    port: int = 0

    def build(self) -> FakeHub:
        dataset: Any
        if self.records is not None:
            dataset = list(self.records)
        else:
            dataset = SyntheticHub(self.n, self.seed, bad_fraction=self.bad_fraction)
        hub = FakeHub(
            dataset,
            page_size=self.page_size,
            max_page_size=self.max_page_size,
            rate_limit=self.rate_limit,
            configs=dict(self.configs),
            gated=self.gated,
            gguf_only=self.gguf_only,
            gzip=self.gzip,
            prefetch=self.prefetch,
            page_cache_dir=self.page_cache_dir,
        )
        for kind, opts in self.faults:
            hub.inject(kind, **opts)
        return hub


def _subprocess_main(spec: FakeHubSpec, conn: Any) -> None:
    try:
        hub = spec.build()
        server = make_server(spec.host, spec.port, hub.wsgi_app, threaded=True, request_handler=_QuietHandler)
    except BaseException as exc:  # report start-up failures to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        conn.close()
        raise
    conn.send(("ok", server.port))
    conn.close()
    server.serve_forever(poll_interval=0.2)


def serve_in_subprocess(spec: FakeHubSpec, *, timeout: float = 120.0) -> tuple[str, multiprocessing.Process]:
    """Start a fake Hub in a separate (spawned) process; returns ``(base_url, process)``.

    The caller stops it with ``process.terminate(); process.join()`` (or use
    :func:`subprocess_hub`). Counters are at ``{base_url}/_fakehub/stats``. The child is
    started with the ``spawn`` method (safe with threads, same on every OS), so a calling
    script needs the ``if __name__ == "__main__":`` guard; the spec must be picklable.
    """
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_subprocess_main, args=(spec, child), daemon=True, name="fakehub")
    proc.start()
    child.close()
    if not parent.poll(timeout):
        proc.terminate()
        proc.join(5)
        raise TimeoutError(f"fake Hub subprocess did not start within {timeout} s")
    try:
        status, value = parent.recv()
    except EOFError:
        proc.join(5)
        raise RuntimeError(
            f"fake Hub subprocess exited before it started serving (exit code {proc.exitcode}); with the "
            "'spawn' start method the calling script must guard its entry point with "
            "`if __name__ == '__main__':`"
        ) from None
    finally:
        parent.close()
    if status != "ok":
        proc.join(5)
        raise RuntimeError(f"fake Hub subprocess failed to start: {value}")
    return f"http://{spec.host}:{value}", proc


@contextmanager
def subprocess_hub(spec: FakeHubSpec, *, timeout: float = 120.0) -> Iterator[str]:
    """Context manager around :func:`serve_in_subprocess`; yields the base URL."""
    url, proc = serve_in_subprocess(spec, timeout=timeout)
    try:
        yield url
    finally:
        proc.terminate()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)

