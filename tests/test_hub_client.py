"""The Hub client through httpx2's MockTransport: pacing, 429, 5xx, give-up, token handling."""

from __future__ import annotations

import httpx2
import pytest

from weightatlas.hub.client import GaveUp, HubClient, HubError, RateLimiter
from fake_clock import FakeClock


def client_for(handler, clock: FakeClock | None = None, **kw) -> HubClient:
    clock = clock or FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, max_per_second=kw.pop("max_rps", None))
    return HubClient(endpoint="http://hub.test", transport=httpx2.MockTransport(handler), limiter=limiter, sleep=clock.sleep, backoff_base=0.5, **kw)


def test_pages_follow_the_link_header_verbatim() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(str(request.url))
        if "cursor" not in request.url.params:
            return httpx2.Response(200, json=[{"id": "a/b"}], headers={"Link": '<http://hub.test/api/models?sort=createdAt&cursor=XYZ%3D>; rel="next"'})
        return httpx2.Response(200, json=[{"id": "c/d"}])

    c = client_for(handler)
    pages = list(c.iter_pages(c.list_url({"sort": "createdAt", "expand": ["author", "tags"]})))
    assert [p.next_url for p in pages] == ["http://hub.test/api/models?sort=createdAt&cursor=XYZ%3D", None]
    assert seen[0] == "http://hub.test/api/models?sort=createdAt&expand=author&expand=tags"  # repeated keys
    assert seen[1] == "http://hub.test/api/models?sort=createdAt&cursor=XYZ%3D"


def test_429_waits_for_retry_after_then_succeeds() -> None:
    calls = {"n": 0}
    clock = FakeClock()

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx2.Response(429, headers={"Retry-After": "7", "RateLimit": '"api";r=0;t=7'})
        return httpx2.Response(200, json=[])

    c = client_for(handler, clock)
    c.get_page("http://hub.test/api/models")
    assert calls["n"] == 2 and c.retries == 1
    assert sum(clock.slept) >= 7


def test_ratelimit_headers_let_requests_run_until_the_margin() -> None:
    clock = FakeClock()
    remaining = iter([5, 4, 3, 2, 1, 60])

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=[], headers={"RateLimit": f'"api";r={next(remaining)};t=10'})

    c = client_for(handler, clock)
    for _ in range(6):
        c.get_page("http://hub.test/api/models")
    # No waiting while quota is left; one pause to the reset when it falls to the margin (1).
    assert clock.slept == pytest.approx([10.05])


def test_exhausted_quota_holds_until_reset() -> None:
    clock = FakeClock()

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=[], headers={"RateLimit": '"api";r=1;t=30'})

    c = client_for(handler, clock)
    c.get_page("http://hub.test/api/models")
    c.get_page("http://hub.test/api/models")
    assert clock.slept and clock.slept[0] >= 30


def test_configured_budget_spaces_requests() -> None:
    clock = FakeClock()
    c = client_for(lambda r: httpx2.Response(200, json=[]), clock, max_rps=4)
    for _ in range(5):
        c.get_page("http://hub.test/api/models")
    assert clock.slept == pytest.approx([0.25] * 4)


def test_5xx_and_dropped_connections_back_off_then_give_up() -> None:
    clock = FakeClock()
    attempts = {"n": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts["n"] += 1
        if attempts["n"] % 2:
            raise httpx2.ConnectError("connection reset")
        return httpx2.Response(503)

    c = client_for(handler, clock, max_tries=4)
    with pytest.raises(GaveUp, match="gave up after 4 tries"):
        c.get_page("http://hub.test/api/models?cursor=secret-cursor")
    assert attempts["n"] == 4 and len(clock.slept) == 3
    assert all(0 <= s <= 0.5 * 2**i for i, s in enumerate(clock.slept))  # full jitter within the cap


def test_truncated_page_is_retried() -> None:
    bodies = [b'[{"id": "a/b"}, {"id"', b'[{"id": "a/b"}]']

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=bodies.pop(0))

    page = client_for(handler).get_page("http://hub.test/api/models")
    assert page.body == b'[{"id": "a/b"}]'


def test_client_errors_are_not_retried() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(400, json={"error": "Invalid expand value: nonsense"})

    c = client_for(handler)
    with pytest.raises(HubError, match="Invalid expand value") as exc:
        c.get_page("http://hub.test/api/models?expand=nonsense")
    assert exc.value.status == 400 and c.requests == 1


def test_token_goes_in_the_header_and_nowhere_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret_value")
    seen: dict[str, str] = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.update(request.headers)
        return httpx2.Response(500)

    c = HubClient(endpoint="http://hub.test", transport=httpx2.MockTransport(handler), max_tries=1, sleep=lambda s: None)
    assert seen == {} and "hf_secret_value" not in repr(c)
    with pytest.raises(GaveUp) as exc:
        c.get_page(c.list_url({"sort": "createdAt"}))
    assert seen["authorization"] == "Bearer hf_secret_value"
    assert "hf_secret_value" not in str(exc.value)


def test_endpoint_comes_from_hf_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://mirror.test/")
    assert HubClient().endpoint == "http://mirror.test"
