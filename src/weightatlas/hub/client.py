"""A small Hugging Face Hub client for crawling: cursors, rate limits, retries.

Why not ``huggingface_hub.HfApi.list_models``: it hides the pagination cursor,
so a multi-thousand-page crawl cannot resume (huggingface_hub#2741, #4257), and
it builds a Python object per model. This client returns each page's raw bytes
and its ``rel="next"`` URL, which the crawler checkpoints.

Behaviour (hub-api.md §4, §6):

* The next-page URL is used as the server sent it (cursor is opaque), resolved
  against the page's URL, **only if it is on the endpoint's own origin** (scheme,
  host and port, exactly): a link elsewhere is refused with :class:`UnsafeURL`, so
  neither the token nor the crawl's checkpoint ever leaves the endpoint. Userinfo
  (``user:pass@``) in a next link is dropped; in the endpoint it is refused.
* The token (``HF_TOKEN``) is sent as a bearer header on requests to the endpoint's
  origin only, and is never logged or stored. Redirects are followed here, not by
  httpx2, so that rule holds on every hop (a redirect to another origin, even the
  http→https upgrade httpx2 would pass it to, goes without the token); a redirect
  loop or more than :data:`MAX_REDIRECTS` hops stops with :class:`RedirectError`.
* ``RateLimit: "api";r=<remaining>;t=<reset seconds>`` is read on every response:
  when the remaining quota falls to a small margin the client waits for the window
  to reset instead of provoking a 429, so it uses the whole quota and no more.
* A configured budget (``max_per_second``) spaces requests evenly on top of that.
* 429: wait ``Retry-After`` (or the ``RateLimit`` reset) and retry. Every wait longer
  than a second or two is announced through ``notify``; a wait longer than
  ``max_wait`` is not made: :class:`WaitTooLong` stops the crawl instead.
* 5xx, 408, timeouts, dropped connections and truncated bodies: exponential backoff
  with full jitter, up to ``max_tries``; then :class:`GaveUp` is raised.
* Every HTTP request counts against ``max_requests`` (retries and redirect hops
  included); running out in the middle of retries raises :class:`BudgetSpent`.
* Bodies are streamed: a page over ``max_page_bytes`` (decoded) stops with
  :class:`PageTooLarge`; a request that has not completed within ``deadline``
  seconds (a server dripping bytes stays under any per-read timeout) is abandoned
  as a timeout, which is retried like one.
* Text from the server (error messages, URLs) is stripped of control characters
  before it goes into an exception message; the CLI escapes Rich markup on top.

Every :class:`CrawlStopped` leaves the caller's committed state as it was, so
rerunning resumes (the CLI exits with code 3). The HTTP layer is replaceable: pass
``transport=httpx2.MockTransport(handler)`` for unit tests (the request deadline is
then only checked between body chunks, as it is for requests through a proxy taken
from the environment), or point ``endpoint`` at a loopback fake Hub.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpcore2
import httpx2

from weightatlas.errors import WeightatlasError
from weightatlas.safe_text import strip_control

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_MAX_WAIT = 300.0  # seconds; one full rate-limit window of the Hub (hub-api.md §6)
DEFAULT_MAX_PAGE_BYTES = 32 * 2**20  # a 1000-item page with the crawler's expand set is ~2-5 MB
DEFAULT_DEADLINE = 120.0  # seconds for one whole request, headers and body
MAX_REDIRECTS = 10
NOTIFY_AFTER = 2.0  # announce waits at least this long
ERROR_BODY_BYTES = 64 * 1024  # an error body is only read for its message
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
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


class CrawlStopped(WeightatlasError):
    """The crawl stopped before its end; everything committed so far is kept (CLI exit code 3)."""


class GaveUp(CrawlStopped):
    """Retries exhausted; everything committed so far is kept, rerun to resume."""


class UnsafeURL(CrawlStopped):
    """A URL the server handed over points outside the endpoint's origin: refused, never fetched or saved."""


class RedirectError(CrawlStopped):
    """A redirect loop, too many redirects, or a redirect to something that is not http(s)."""


class WaitTooLong(CrawlStopped):
    """The server asked for a wait longer than ``max_wait``."""


class PageTooLarge(CrawlStopped):
    """A response body over ``max_page_bytes``."""


class BudgetSpent(CrawlStopped):
    """``max_requests`` ran out in the middle of retries or redirects."""


class RepeatedLink(CrawlStopped):
    """A next-page link back to a page already fetched in this crawl (it would loop forever)."""


class EndpointError(WeightatlasError):
    """The endpoint is not an http(s) URL with a host, or carries credentials (CLI exit code 2)."""


class HubError(WeightatlasError):
    """The Hub answered with an error that retrying will not fix (e.g. 400 or 404)."""

    def __init__(self, status: int, url: str, message: str, error_code: str | None = None) -> None:
        self.status, self.url, self.error_code = status, url, error_code
        super().__init__(f"Hub returned {status} for {redact_url(url)}: {strip_control(message)}")


def redact_url(url: object) -> str:
    # Cursors are long base64 blobs; they add nothing to a message. Userinfo never shows.
    text = re.sub(r"cursor=[^&]+", "cursor=…", str(url))
    return strip_control(re.sub(r"//[^/@?#]*@", "//", text))


def normalize_endpoint(raw: str) -> str:
    """``scheme://host[:port][/path]`` of an http(s) endpoint, lower-cased, no trailing slash; else :class:`EndpointError`."""
    text = raw.strip()
    parts = urlsplit(text)
    shown = redact_url(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"endpoint {shown!r} is not an http:// or https:// URL with a host (e.g. https://huggingface.co)")
    if "@" in parts.netloc:
        raise EndpointError(f"endpoint {shown!r} carries credentials (user:password@); they would be stored with the crawl, so they are refused: put a token in $HF_TOKEN instead")
    try:
        port = parts.port
    except ValueError:
        raise EndpointError(f"endpoint {shown!r} has an invalid port") from None
    host = parts.hostname
    if not host:
        raise EndpointError(f"endpoint {shown!r} has no host")
    if parts.query or parts.fragment:
        raise EndpointError(f"endpoint {shown!r} must not carry a query or a fragment")
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    try:
        httpx2.URL(f"{scheme}://{netloc}")
    except httpx2.InvalidURL as exc:
        raise EndpointError(f"endpoint {shown!r} is not a valid URL ({exc})") from None
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _origin(url: httpx2.URL) -> tuple[str, str, int | None]:
    # httpx2's URL.origin fills in the default port, so http://h and http://h:80 match.
    o = url.origin
    return (o.scheme, o.host, o.port)


def _without_userinfo(url: httpx2.URL) -> httpx2.URL:
    return url.copy_with(username=None, password=None) if url.userinfo else url


@dataclass
class Page:
    url: str
    body: bytes
    next_url: str | None


@dataclass
class _Reply:
    url: httpx2.URL
    status: int
    headers: httpx2.Headers
    body: bytes
    links: dict[str | None, dict[str, str]]


@dataclass
class RateLimiter:
    """Spaces requests: a configured budget, and a pause when the server's quota runs out."""

    max_per_second: float | None = None
    margin: int = 1  # keep this many requests in hand before the window resets
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next_allowed: float = 0.0
    _hold_reason: str = ""
    waited: float = 0.0

    def wait(self, max_wait: float | None = None, notify: Callable[[str], None] | None = None) -> None:
        """Sleep until the next request may go; a hold longer than ``max_wait`` raises :class:`WaitTooLong`."""
        now = self.clock()
        if now < self._next_allowed:
            delay = self._next_allowed - now
            reason = self._hold_reason or "request pacing"
            if max_wait is not None and delay > max_wait:
                raise WaitTooLong(
                    f"{reason}: that is a wait of {delay:,.0f} s, more than --max-wait {max_wait:,.0f} s; "
                    "stopping instead, the crawl state is saved: rerun the same command later to resume"
                )
            if notify is not None and delay >= NOTIFY_AFTER:
                notify(f"waiting {delay:,.0f} s: {reason}")
            self.waited += delay
            self.sleep(delay)
        self._hold_reason = ""
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
            self.hold(reset + 0.05, f"the server's rate-limit quota is spent (RateLimit r={remaining}), its window resets in {reset:,} s")

    def hold(self, seconds: float, reason: str = "") -> None:
        until = self.clock() + seconds
        if until > self._next_allowed:
            self._next_allowed = until
            self._hold_reason = reason


# -- a deadline for a whole request ---------------------------------------------------------
#
# httpx2's timeouts bound each socket operation, so a server that sends one byte every few
# seconds is never timed out. The network backend below clamps every socket operation's
# timeout to what is left of the request's deadline (held per thread: the crawler fetches
# the next page in a worker thread), so headers dripped byte by byte time out as well.

_DEADLINE = threading.local()


@contextmanager
def _request_deadline(deadline: float) -> Iterator[None]:
    previous = getattr(_DEADLINE, "at", None)
    _DEADLINE.at = deadline
    try:
        yield
    finally:
        _DEADLINE.at = previous


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    at = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise exc("request deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamp(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore2.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore2.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore2.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore2.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options: Any = None) -> httpcore2.NetworkStream:
        stream = self._backend.connect_tcp(host, port, _clamp(timeout, httpcore2.ConnectTimeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore2.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _clamp(timeout, httpcore2.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _deadline_transport() -> httpx2.HTTPTransport:
    transport = httpx2.HTTPTransport()
    # httpx2 offers no way to pass a network backend, so its pool is replaced by an
    # equivalent one that has ours (test_crawl_hostile's dripping-server tests guard this).
    transport._pool = httpcore2.ConnectionPool(
        ssl_context=httpx2.create_ssl_context(), max_connections=10, max_keepalive_connections=10, keepalive_expiry=5.0,
        network_backend=_DeadlineBackend(),
    )  # fmt: skip
    return transport


class _Transient(Exception):
    """A failure worth retrying (timeout, dropped connection, deadline)."""


@dataclass
class HubClient:
    """Minimal Hub API client. ``endpoint`` defaults to ``HF_ENDPOINT`` or the public Hub."""

    endpoint: str | None = None
    token: str | None = field(default=None, repr=False)
    transport: httpx2.BaseTransport | None = None
    max_tries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    timeout: float = 60.0  # per socket operation
    deadline: float = DEFAULT_DEADLINE  # per request, in total
    max_wait: float = DEFAULT_MAX_WAIT
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    max_requests: int | None = None
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sleep: Callable[[float], None] = time.sleep
    notify: Callable[[str], None] | None = None
    requests: int = 0
    retries: int = 0

    def __post_init__(self) -> None:
        self.endpoint = normalize_endpoint(self.endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
        self._origin = _origin(httpx2.URL(self.endpoint))
        if self.token is None:
            self.token = os.environ.get("HF_TOKEN") or None
        # No Authorization here: it is added per request, for the endpoint's origin only.
        headers = {"User-Agent": "weightatlas-crawler", "Accept-Encoding": "gzip"}
        self._http = httpx2.Client(
            headers=headers, timeout=self.timeout, transport=self.transport or _deadline_transport(), follow_redirects=False
        )
        self._count_lock = threading.Lock()

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

    def is_own_origin(self, url: str | httpx2.URL) -> bool:
        try:
            return _origin(httpx2.URL(url)) == self._origin
        except (httpx2.InvalidURL, ValueError):
            return False

    def get_page(self, url: str) -> Page:
        """GET one listing page; the body must be a JSON array (truncated bodies are retried)."""
        reply = self._request(url, expect_json_array=True)
        return Page(url=url, body=reply.body, next_url=self._next_url(reply))

    def iter_pages(self, url: str) -> Iterator[Page]:
        fetched: set[str] = set()
        while url:
            fetched.add(url)
            page = self.get_page(url)
            yield page
            url = page.next_url or ""
            if url in fetched:
                raise RepeatedLink(f"the server's next-page link repeats a page already fetched ({redact_url(url)}); stopping so the listing does not loop")

    def get_file(self, repo_id: str, filename: str, revision: str = "main") -> tuple[int, bytes, dict[str, str]]:
        """Fetch a repo file via ``/resolve/``; returns (status, body, headers). 401/403/404 are not errors here."""
        # The revision (a sha from the listing) and the id come from the server: quoted, so
        # they cannot reshape the path or add a query.
        url = f"{self.endpoint}/{quote(repo_id, safe='/')}/resolve/{quote(revision, safe='')}/{quote(filename)}"
        reply = self._request(url, ok_status=frozenset({401, 403, 404}))
        return reply.status, reply.body, {k.lower(): v for k, v in reply.headers.items()}

    def _next_url(self, reply: _Reply) -> str | None:
        link = reply.links.get("next", {}).get("url")
        if not link:
            return None
        try:
            target = _without_userinfo(reply.url.join(link))
        except (httpx2.InvalidURL, ValueError):
            raise UnsafeURL(f"the server's next-page link {redact_url(link)!r} is not a valid URL; stopping, the crawl state is saved") from None
        if _origin(target) != self._origin:
            raise UnsafeURL(
                f"the server's next-page link {redact_url(target)} is on another origin than the endpoint {self.endpoint} "
                "(scheme, host and port must match exactly); refused so the token and the crawl stay on the endpoint. "
                "The crawl state is saved; if the server moved, rerun with --endpoint set to its new address"
            )
        return str(target)

    def _request(self, url: str, *, expect_json_array: bool = False, ok_status: frozenset[int] = frozenset()) -> _Reply:
        if not self.is_own_origin(url):
            raise UnsafeURL(f"refusing to fetch {redact_url(url)}: it is not on the endpoint's origin ({self.endpoint})")
        tries = 0
        while True:
            tries += 1
            problem: str
            reply: _Reply | None
            try:
                reply = self._follow(url)
            except _Transient as exc:
                problem, reply = str(exc), None
            else:
                status = reply.status
                if status < 400 or status in ok_status:
                    if not expect_json_array or _is_json_array(reply.body):
                        return reply
                    problem = f"truncated or malformed JSON page ({len(reply.body)} bytes)"
                elif status == 429:
                    wait = _retry_after(reply.headers)
                    self.limiter.hold(wait, f"the server answered 429 Too Many Requests (Retry-After {wait:,.0f} s) for {redact_url(url)}")
                    problem = f"429 rate limited, waiting {wait:,.0f} s"
                elif status in RETRY_STATUS:
                    problem = f"HTTP {status}"
                else:
                    raise HubError(status, url, _error_message(reply), reply.headers.get("x-error-code"))
            if tries >= self.max_tries:
                raise GaveUp(f"gave up after {tries} tries on {redact_url(url)} ({problem}); everything fetched so far is saved, rerun the same command to resume")
            self._check_budget(url, problem)
            self.retries += 1
            if reply is None or reply.status != 429:
                # Full jitter: uniform in [0, min(cap, base * 2^n)].
                delay = random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (tries - 1)))
                if self.notify is not None and delay >= NOTIFY_AFTER:
                    self.notify(f"waiting {delay:,.0f} s before retrying {redact_url(url)} ({problem}; try {tries + 1} of {self.max_tries})")
                self.sleep(delay)

    def _check_budget(self, url: str | httpx2.URL, problem: str | None = None) -> None:
        if self.max_requests is not None and self.requests >= self.max_requests:
            during = f" while retrying {redact_url(url)} ({problem})" if problem else f" before {redact_url(url)}"
            raise BudgetSpent(
                f"the request budget (--max-requests {self.max_requests:,}) is spent{during}; "
                "everything fetched so far is saved, rerun the same command to continue"
            )

    def _follow(self, url: str) -> _Reply:
        """One request and its redirects (each hop a counted request; the token only on the endpoint's origin)."""
        current = httpx2.URL(url)
        visited = {str(current)}
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._send(current)
            location = reply.headers.get("location")
            if reply.status not in REDIRECT_STATUS or not location:
                return reply
            try:
                target = _without_userinfo(current.join(location))
            except (httpx2.InvalidURL, ValueError):
                raise RedirectError(f"{redact_url(current)} redirects to an invalid URL {redact_url(location)!r}; stopping, the crawl state is saved") from None
            if target.scheme not in ("http", "https"):
                raise RedirectError(f"{redact_url(current)} redirects to a non-HTTP URL ({redact_url(target)}); stopping, the crawl state is saved")
            if str(target) in visited:
                raise RedirectError(f"redirect loop: {redact_url(target)} redirects back to a URL already visited; stopping, the crawl state is saved")
            visited.add(str(target))
            current = target
        raise RedirectError(f"more than {MAX_REDIRECTS} redirects starting at {redact_url(url)}; stopping, the crawl state is saved")

    def _send(self, url: httpx2.URL) -> _Reply:
        """One HTTP exchange: budget, pacing, the token rule, a streamed body with a size cap and a deadline."""
        self._check_budget(url)
        self.limiter.wait(self.max_wait, self.notify)
        with self._count_lock:
            self.requests += 1
        headers = {"Authorization": f"Bearer {self.token}"} if self.token and _origin(url) == self._origin else None
        deadline = time.monotonic() + self.deadline
        deadline_problem = f"no complete response within {self.deadline:,.0f} s (--request-deadline)"
        try:
            with _request_deadline(deadline), self._http.stream("GET", url, headers=headers) as response:
                self.limiter.observe(response.headers)
                status = response.status_code
                if status in REDIRECT_STATUS:
                    body = b""
                else:
                    body = self._read_body(response, url, deadline, deadline_problem)
                return _Reply(url=response.url, status=status, headers=response.headers, body=body, links=response.links)
        except httpx2.TimeoutException as exc:
            raise _Transient(deadline_problem if time.monotonic() >= deadline - 0.05 else f"{type(exc).__name__}: {strip_control(exc)}") from None
        except (httpx2.TransportError, httpx2.DecodingError) as exc:
            raise _Transient(f"{type(exc).__name__}: {strip_control(exc)}") from None

    def _read_body(self, response: httpx2.Response, url: httpx2.URL, deadline: float, deadline_problem: str) -> bytes:
        is_error = response.status_code >= 400
        cap = ERROR_BODY_BYTES if is_error else self.max_page_bytes
        declared = response.headers.get("content-length", "")
        if not is_error and declared.isdigit() and int(declared) > cap and "content-encoding" not in response.headers:
            raise self._too_large(url, int(declared), "declared")
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > cap:
                if is_error:  # only the start of an error body is ever shown
                    chunks.append(chunk[: max(0, cap - (total - len(chunk)))])
                    break
                raise self._too_large(url, total, "read")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _Transient(deadline_problem)
        return b"".join(chunks)

    def _too_large(self, url: httpx2.URL, size: int, how: str) -> PageTooLarge:
        size_text = f"{size:,} bytes {'declared' if how == 'declared' else 'read so far'}"
        return PageTooLarge(
            f"{redact_url(url)} is larger than --max-page-bytes {self.max_page_bytes:,} ({size_text}); "
            "stopping, the crawl state is saved (raise --max-page-bytes to accept it)"
        )


def _is_json_array(body: bytes) -> bool:
    """Cheap completeness check: a listing page is one JSON array.

    A truncated body fails it; full validation happens once, in ingestion, which
    raises :class:`~weightatlas.hub.ingest.MalformedPage` for the rare page that
    passes this check but does not parse.
    """
    stripped = body.strip()
    return stripped.startswith(b"[") and stripped.endswith(b"]")


def _retry_after(headers: httpx2.Headers) -> float:
    value = headers.get("retry-after")
    if value:
        try:
            wait = float(value)
        except ValueError:
            pass
        else:
            if wait == wait:  # not NaN
                return max(0.0, wait)
    match = _RATELIMIT.search(headers.get("ratelimit", ""))
    return float(match["t"]) + 1 if match else 1.0


def _error_message(reply: _Reply) -> str:
    message = reply.headers.get("x-error-message")
    if message:
        return strip_control(message)[:200]
    text = reply.body.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        return strip_control(text[:200])
    if isinstance(body, dict):
        return strip_control(str(body.get("error") or body))[:200]
    return strip_control(str(body))[:200]
