"""The Hub client against hostile answers, through httpx2's MockTransport (no sockets, a fake clock)."""

from __future__ import annotations

import httpx2
import pytest

from weightatlas.errors import WeightatlasError
from weightatlas.hub.client import CrawlStopped, HubClient, HubError, RateLimiter
from fake_clock import FakeClock

TOKEN = "hf_unit_secret"


def client_for(handler, endpoint: str = "http://hub.test", clock: FakeClock | None = None, **kw) -> HubClient:
    clock = clock or FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    kw.setdefault("token", TOKEN)
    return HubClient(endpoint=endpoint, transport=httpx2.MockTransport(handler), limiter=limiter, sleep=clock.sleep, backoff_base=0.5, **kw)


# -- 1. origins ----------------------------------------------------------------------------


def test_https_endpoint_never_follows_a_plain_http_next_link() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=[], headers={"Link": '<http://hub.test/api/models?cursor=2>; rel="next"'})

    c = client_for(handler, endpoint="https://hub.test")
    with pytest.raises(CrawlStopped, match="origin"):
        c.get_page(c.list_url({"sort": "createdAt"}))
    with pytest.raises(CrawlStopped, match="origin"):
        c.get_page("http://hub.test/api/models?cursor=2")  # e.g. a checkpoint saved by an older version
    assert [str(r.url.scheme) for r in seen] == ["https"]


def test_redirect_upgrade_to_https_does_not_carry_the_token() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.scheme == "http":
            return httpx2.Response(301, headers={"Location": "https://hub.test/api/models"})
        return httpx2.Response(200, json=[])

    c = client_for(handler)
    c.get_page(c.list_url({}))
    assert [(r.url.scheme, "authorization" in r.headers) for r in seen] == [("http", True), ("https", False)]
    assert c.requests == 2  # each redirect hop is a request


def test_relative_next_link_resolves_against_the_page() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=[], headers={"Link": '</api/models?cursor=2>; rel="next"'})

    c = client_for(handler)
    assert c.get_page(c.list_url({})).next_url == "http://hub.test/api/models?cursor=2"


@pytest.mark.parametrize(
    "endpoint", ["ftp://hub.test", "127.0.0.1:8000", "http://", "hub.test", "http://user:pw@hub.test", "http://hub.test:0x1", "file:///etc"]
)
def test_invalid_endpoints_are_refused_up_front(endpoint: str) -> None:
    with pytest.raises(WeightatlasError, match="endpoint") as exc:
        HubClient(endpoint=endpoint, transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json=[])))
    assert "pw" not in str(exc.value)


def test_endpoint_is_normalised() -> None:
    c = HubClient(endpoint="HTTPS://Hub.Test:443/", transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json=[])))
    assert c.endpoint == "https://hub.test"


# -- 3. waits are capped and announced -----------------------------------------------------


def test_retry_after_beyond_max_wait_stops_instead_of_sleeping() -> None:
    clock = FakeClock()
    c = client_for(lambda r: httpx2.Response(429, headers={"Retry-After": "100000"}), clock=clock, max_wait=300)
    with pytest.raises(CrawlStopped, match=r"100,000 s.*--max-wait") as exc:
        c.get_page("http://hub.test/api/models")
    assert sum(clock.slept) < 300 and "state" in str(exc.value)


def test_ratelimit_reset_beyond_max_wait_stops_before_the_next_request() -> None:
    clock = FakeClock()
    calls = {"n": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        return httpx2.Response(200, json=[], headers={"RateLimit": '"api";r=0;t=86400'})

    c = client_for(handler, clock=clock, max_wait=300)
    c.get_page("http://hub.test/api/models")  # this page is fine and returned
    with pytest.raises(CrawlStopped, match="86,400 s"):
        c.get_page("http://hub.test/api/models?cursor=2")
    assert calls["n"] == 1 and sum(clock.slept) < 300


def test_waits_are_announced_with_reason_and_length() -> None:
    clock = FakeClock()
    told: list[str] = []
    replies = iter([httpx2.Response(429, headers={"Retry-After": "7"}), httpx2.Response(200, json=[])])
    c = client_for(lambda r: next(replies), clock=clock, notify=told.append)
    c.get_page("http://hub.test/api/models")
    assert any("7 s" in t and "Retry-After" in t for t in told), told


# -- 6. the request budget ------------------------------------------------------------------


def test_budget_counts_every_try() -> None:
    calls = {"n": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        return httpx2.Response(503)

    c = client_for(handler, max_requests=2)
    with pytest.raises(CrawlStopped, match="budget"):
        c.get_page("http://hub.test/api/models")
    assert calls["n"] == 2 and c.requests == 2


# -- 9. server text is data ----------------------------------------------------------------


def test_error_messages_carry_no_control_characters() -> None:
    c = client_for(lambda r: httpx2.Response(404, json={"error": "\x1b[31mnope\x1b[0m\x07"}))
    with pytest.raises(HubError) as exc:
        c.get_page("http://hub.test/api/models")
    assert "\x1b" not in str(exc.value) and "\x07" not in str(exc.value) and "nope" in str(exc.value)


def test_revision_from_the_server_is_quoted_in_the_file_url() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.raw_path.decode())
        return httpx2.Response(404)

    c = client_for(handler)
    c.get_file("org/name", "config.json", revision="../../api/x?y=1")
    assert seen == ["/org/name/resolve/..%2F..%2Fapi%2Fx%3Fy%3D1/config.json"]


# -- 7. page size cap, when no Content-Length announces it -----------------------------------


def test_a_streamed_page_over_the_cap_stops_while_reading() -> None:
    chunks_sent = {"n": 0}

    def body():
        for _ in range(100):
            chunks_sent["n"] += 1
            yield b"[" + b" " * 65536

    c = client_for(lambda r: httpx2.Response(200, content=body()), max_page_bytes=200_000)
    with pytest.raises(CrawlStopped, match=r"larger than --max-page-bytes 200,000 \(\d[\d,]* bytes read so far\)"):
        c.get_page("http://hub.test/api/models?cursor=abc")
    assert chunks_sent["n"] < 10  # stopped reading, did not buffer the whole body
