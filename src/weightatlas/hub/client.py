"""A small Hugging Face Hub client for crawling: cursors, rate limits, retries.

Why not ``huggingface_hub.HfApi.list_models``: it hides the pagination cursor,
so a multi-thousand-page crawl cannot resume (huggingface_hub#2741, #4257), and
it builds a Python object per model. This client returns each page's raw bytes
and its ``rel="next"`` URL, which the crawler checkpoints.

Behaviour (hub-api.md §4, §6):

* The next-page URL is used exactly as the server sent it (cursor is opaque).
* ``RateLimit: "api";r=<remaining>;t=<reset seconds>`` is read on every response:
  when the remaining quota falls to a small margin the client waits for the window
  to reset instead of provoking a 429, so it uses the whole quota and no more.
* A configured budget (``max_per_second``) spaces requests evenly on top of that.
* 429: wait ``Retry-After`` (or the ``RateLimit`` reset) and retry.
* 5xx, 408, timeouts, dropped connections and truncated bodies: exponential backoff
  with full jitter, up to ``max_tries``; then :class:`GaveUp` is raised. The caller's
  state is whatever it committed before, so rerunning resumes.
* The token (``HF_TOKEN``) is sent as a bearer header and never logged or stored.

The HTTP layer is replaceable: pass ``transport=httpx2.MockTransport(handler)``
for unit tests, or point ``endpoint`` at a loopback fake Hub.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2

from weightatlas.errors import WeightatlasError

DEFAULT_ENDPOINT = "https://huggingface.co"
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# The expand set for universe crawls (hub-api.md §3): enough for adoption, lineage and
# architecture, nothing heavy (no siblings, spaces, widgetData).
LIST_EXPAND = (
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "tags",
    "pipeline_tag",
    "library_name",
    "gated",
    "sha",
    "config",
    "cardData",
    "safetensors",
    "gguf",
)
_RATELIMIT = re.compile(r'"?(?P<bucket>[a-z]+)"?\s*;\s*r=(?P<r>\d+)\s*;\s*t=(?P<t>\d+)')


class HubError(WeightatlasError):
    """The Hub answered with an error that retrying will not fix (e.g. 400 or 404)."""

    def __init__(self, status: int, url: str, message: str, error_code: str | None = None) -> None:
        self.status, self.url, self.error_code = status, url, error_code
        super().__init__(f"Hub returned {status} for {_redact(url)}: {message}")


class GaveUp(WeightatlasError):
    """Retries exhausted; everything committed so far is kept, rerun to resume."""


def _redact(url: str) -> str:
    # Cursors are long base64 blobs; they add nothing to a message.
    return re.sub(r"cursor=[^&]+", "cursor=…", url)


@dataclass
class Page:
    url: str
    body: bytes
    next_url: str | None


@dataclass
class RateLimiter:
    """Spaces requests: a configured budget, and a pause when the server's quota runs out."""

    max_per_second: float | None = None
    margin: int = 1  # keep this many requests in hand before the window resets
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next_allowed: float = 0.0
    waited: float = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self._next_allowed:
            delay = self._next_allowed - now
            self.waited += delay
            self.sleep(delay)
        self._next_allowed = self.clock() + (1.0 / self.max_per_second if self.max_per_second else 0.0)

    def observe(self, headers: httpx2.Headers) -> None:
        """Read ``RateLimit`` (remaining, reset) and pace the rest of the window."""
        value = headers.get("ratelimit")
        match = _RATELIMIT.search(value) if value else None
        if not match:
            return
        remaining, reset = int(match["r"]), int(match["t"])
        if remaining <= self.margin:
            # Quota spent (but for the margin): hold everything until the window resets,
            # rather than provoke a 429 (hub-api.md §6: pause when r falls below a margin).
            self._next_allowed = max(self._next_allowed, self.clock() + reset + 0.05)

    def hold(self, seconds: float) -> None:
        self._next_allowed = max(self._next_allowed, self.clock() + seconds)


@dataclass
class HubClient:
    """Minimal Hub API client. ``endpoint`` defaults to ``HF_ENDPOINT`` or the public Hub."""

    endpoint: str | None = None
    token: str | None = field(default=None, repr=False)
    transport: httpx2.BaseTransport | None = None
    max_tries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    timeout: float = 60.0
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    retries: int = 0

    def __post_init__(self) -> None:
        self.endpoint = (self.endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
        if self.token is None:
            self.token = os.environ.get("HF_TOKEN") or None
        headers = {"User-Agent": "weightatlas-crawler", "Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self._http = httpx2.Client(headers=headers, timeout=self.timeout, transport=self.transport, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ------------------------------------------------------------------
    def list_url(self, params: dict[str, Any]) -> str:
        """The first-page URL of a ``/api/models`` listing (repeated keys for lists)."""
        request = self._http.build_request("GET", f"{self.endpoint}/api/models", params=params)
        return str(request.url)

    def get_page(self, url: str) -> Page:
        """GET one listing page; the body must be a JSON array (truncated bodies are retried)."""
        response = self._request("GET", url, expect_json_array=True)
        next_link = response.links.get("next", {}).get("url")
        return Page(url=url, body=response.content, next_url=next_link)

    def iter_pages(self, url: str) -> Iterator[Page]:
        while url:
            page = self.get_page(url)
            yield page
            url = page.next_url or ""

    def get_file(self, repo_id: str, filename: str, revision: str = "main") -> tuple[int, bytes, dict[str, str]]:
        """Fetch a repo file via ``/resolve/``; returns (status, body, headers). 401/403/404 are not errors here."""
        url = f"{self.endpoint}/{repo_id}/resolve/{revision}/{filename}"
        response = self._request("GET", url, ok_status=frozenset({401, 403, 404}))
        return response.status_code, response.content, {k.lower(): v for k, v in response.headers.items()}

    def _request(self, method: str, url: str, *, expect_json_array: bool = False, ok_status: frozenset[int] = frozenset()) -> httpx2.Response:
        tries = 0
        while True:
            tries += 1
            self.limiter.wait()
            self.requests += 1
            problem: str
            try:
                response = self._http.request(method, url)
            except (httpx2.TransportError, httpx2.TimeoutException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                response = None
            else:
                self.limiter.observe(response.headers)
                status = response.status_code
                if status < 400 or status in ok_status:
                    if not expect_json_array or _is_json_array(response.content):
                        return response
                    problem = f"truncated or malformed JSON page ({len(response.content)} bytes)"
                elif status == 429:
                    wait = _retry_after(response)
                    self.limiter.hold(wait)
                    problem = f"429 rate limited, waiting {wait:.0f} s"
                elif status in RETRY_STATUS:
                    problem = f"HTTP {status}"
                else:
                    raise HubError(status, url, _error_message(response), response.headers.get("x-error-code"))
            if tries >= self.max_tries:
                raise GaveUp(f"gave up after {tries} tries on {_redact(url)} ({problem}); everything fetched so far is saved, rerun the same command to resume")
            self.retries += 1
            if response is None or response.status_code != 429:
                # Full jitter: uniform in [0, min(cap, base * 2^n)].
                self.sleep(random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (tries - 1))))


def _is_json_array(body: bytes) -> bool:
    """Cheap completeness check: a listing page is one JSON array.

    A truncated body fails it; full validation happens once, in ingestion, which
    raises :class:`~weightatlas.hub.ingest.MalformedPage` for the rare page that
    passes this check but does not parse.
    """
    stripped = body.strip()
    return stripped.startswith(b"[") and stripped.endswith(b"]")


def _retry_after(response: httpx2.Response) -> float:
    value = response.headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
    match = _RATELIMIT.search(response.headers.get("ratelimit", ""))
    return float(match["t"]) + 1 if match else 1.0


def _error_message(response: httpx2.Response) -> str:
    message = response.headers.get("x-error-message")
    if message:
        return message
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("error") or body)[:200]
    return str(body)[:200]
