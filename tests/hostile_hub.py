"""A loopback server that misbehaves on purpose, for the crawler's hardening tests.

It speaks the Hub's list wire format (a JSON array body, ``Link: <url>; rel="next"``)
but each test scripts what it answers: foreign next links, redirect loops, huge
pages, bodies dripped one byte at a time, endless 503s. Every request is recorded
(method, path with query, headers) so a test can check what reached which server,
e.g. that a token never left its origin.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


def record(i: int, **fields: Any) -> dict[str, Any]:
    """One list item in the crawler's expand projection (valid unless ``fields`` say otherwise)."""
    out: dict[str, Any] = {
        "_id": f"{i:024x}",
        "id": f"org{i % 3}/model-{i}",
        "author": f"org{i % 3}",
        "createdAt": "2025-06-01T00:00:00.000Z",
        "lastModified": "2025-06-02T00:00:00.000Z",
        "downloads": i,
        "downloadsAllTime": 2 * i,
        "likes": 0,
        "tags": ["transformers"],
    }
    out.update(fields)
    return out


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between single body bytes
    drip_headers: float | None = None  # seconds between single bytes of the status line and headers


def page(records: list[Any], next_url: str | None = None, **headers: str) -> Reply:
    h = {"Content-Type": "application/json", **headers}
    if next_url:
        h["Link"] = f'<{next_url}>; rel="next"'
    return Reply(200, json.dumps(records).encode(), h)


class HostileHub:
    """``with HostileHub(script) as hub:`` serves ``script(seen) -> Reply`` on 127.0.0.1."""

    def __init__(self, script: Callable[[Seen], Reply]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                with hub._lock:
                    hub.seen.append(seen)
                reply = hub.script(seen)
                head = f"HTTP/1.1 {reply.status} X\r\n"
                headers = {"Content-Length": str(len(reply.body)), "Connection": "close", **reply.headers}
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
                try:
                    if reply.drip_headers:
                        for b in head.encode():
                            self.wfile.write(bytes([b]))
                            self.wfile.flush()
                            time.sleep(reply.drip_headers)
                    else:
                        self.wfile.write(head.encode())
                    if reply.drip:
                        for b in reply.body:
                            self.wfile.write(bytes([b]))
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            do_HEAD = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileHub:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [s.path for s in self.seen]


@contextmanager
def serving(script: Callable[[Seen], Reply]) -> Iterator[HostileHub]:
    with HostileHub(script) as hub:
        yield hub
