"""Hostile HTTP servers through the real refresh path (issue 8).

A small threaded socket server on 127.0.0.1 plays servers that http.server
cannot: a body that never ends, a connection that never answers, 50 MB on
the fly, a body shorter than its Content-Length, a reset mid-body, and an
HTML page where a feed should be. Each case subscribes to a feed, refreshes
it once successfully, turns the server hostile and refreshes again beside
two well-behaved feeds on the same host. Every time: the refresh returns
(the fetcher's deadline holds), the feed gets a one-line error naming its
URL, its stored articles survive, the other feeds are updated, and the
tripwire path, offered in headers and bodies, is never requested.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reader.core.ingest.fetch import Fetcher
from reader.core.library import Library, open_library
from tests.conftest import FROZEN_NOW, frozen_clock, rss

TRIPWIRE = "/tripwire"
SANITY_BOUND = 15.0  # seconds; the fetcher's own deadline is 1 s
MAX_BYTES = 1024 * 1024
# Real servers that stall, drip and hang up: each case waits out real deadlines.
pytestmark = pytest.mark.slow

FIFTY_MB = 50 * 1024 * 1024
CHUNK = 64 * 1024
ONE = [("a1", "First story", "<p>One.</p>")]
TWO = [*ONE, ("a2", "Second story", "<p>Two.</p>")]
THREE = [*TWO, ("a3", "Third story", "<p>Three.</p>")]
CALM = ("/calm1.xml", "/calm2.xml")


@dataclass
class Request:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[socket.socket, Request], None]


class RawServer:
    """Accepts on 127.0.0.1 (backlog 128), reads one request, hands the socket to a route."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.sent: dict[str, int] = {}  # body bytes a streaming route managed to send
        self.sent_done = threading.Event()  # set once a streaming route has counted
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def tripped(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if r.path.startswith(TRIPWIRE)]

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = self._read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            route = self.routes.get(request.path, not_found)
            route(conn, request)
        except OSError:
            pass  # the client hung up: that is what hostile routes expect
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _read_request(self, conn: socket.socket) -> Request | None:
        conn.settimeout(5.0)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk or len(data) > 65536:
                return None
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        path = head[0].split(" ")[1] if len(head[0].split(" ")) > 1 else ""
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return Request(path, headers)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self._acceptor.join(timeout=2)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=2)


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(conn: socket.socket, body: bytes, content_type: str = "application/rss+xml") -> None:
    conn.sendall(
        head(
            "200 OK",
            {
                "Content-Type": content_type,
                "Content-Length": str(len(body)),
                "Connection": "close",
            },
        )
        + body
    )


def not_found(conn: socket.socket, request: Request) -> None:
    conn.sendall(head("404 Not Found", {"Content-Length": "0", "Connection": "close"}))


def feed(body: bytes) -> Handler:
    return lambda conn, request: respond(conn, body)


def bait(server: RawServer) -> dict[str, str]:
    """Headers that point at the tripwire: a client must not follow any of them on a 200."""
    return {
        "Location": server.url(TRIPWIRE + "/location"),
        "Content-Location": TRIPWIRE + "/content-location",
        "Link": f'<{TRIPWIRE}/link>; rel="alternate"; type="application/rss+xml"',
        "Refresh": f"0; url={TRIPWIRE}/refresh",
    }


def wait_for_hangup(conn: socket.socket, stop: threading.Event) -> None:
    """Say nothing; return when the client closes (or the server stops)."""
    conn.settimeout(0.1)
    while not stop.is_set():
        try:
            if not conn.recv(4096):
                return
        except TimeoutError:
            continue


# -- hostile routes ------------------------------------------------------------------


def endless_chunked(server: RawServer) -> Handler:
    """Chunked, as fast as the socket takes it, never a last chunk."""

    def route(conn: socket.socket, request: Request) -> None:
        headers = {"Content-Type": "application/rss+xml", "Transfer-Encoding": "chunked"}
        conn.sendall(head("200 OK", headers | bait(server)))
        piece = b"<rss><channel><item><link>" + server.url(TRIPWIRE).encode() + b"</link>"
        piece += b" " * (CHUNK - len(piece))
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while not server.stop.is_set():
            conn.sendall(frame)

    return route


def endless_paced(server: RawServer) -> Handler:
    """No length, no end: 16 KiB every 50 ms, under the cap before the deadline."""

    def route(conn: socket.socket, request: Request) -> None:
        conn.sendall(head("200 OK", {"Content-Type": "application/rss+xml"} | bait(server)))
        conn.sendall(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Forever')
        while not server.stop.is_set():
            conn.sendall(b"e" * 16384)
            time.sleep(0.05)

    return route


def no_answer(server: RawServer) -> Handler:
    return lambda conn, request: wait_for_hangup(conn, server.stop)


def fifty_megabytes(server: RawServer) -> Handler:
    """A declared 50 MB body, generated as it is sent; counts what actually went out."""

    def route(conn: socket.socket, request: Request) -> None:
        headers = {"Content-Type": "application/rss+xml", "Content-Length": str(FIFTY_MB)}
        conn.sendall(head("200 OK", headers | bait(server)))
        block = b"<!-- " + b"x" * (CHUNK - 9) + b" -->"
        sent = 0
        try:
            while sent < FIFTY_MB and not server.stop.is_set():
                conn.sendall(block)
                sent += len(block)
        finally:
            server.sent[request.path] = sent
            server.sent_done.set()

    return route


def truncated(server: RawServer) -> Handler:
    """A complete, valid feed with a new article, but Content-Length promises more."""

    def route(conn: socket.socket, request: Request) -> None:
        body = rss("Harbour news", THREE)
        headers = {"Content-Type": "application/rss+xml", "Content-Length": str(len(body) * 4)}
        conn.sendall(head("200 OK", headers | bait(server)) + body)
        conn.shutdown(socket.SHUT_WR)

    return route


def reset_mid_body(server: RawServer) -> Handler:
    """Half a feed, then an RST (SO_LINGER 0) instead of a FIN."""

    def route(conn: socket.socket, request: Request) -> None:
        body = rss("Harbour news", THREE)
        headers = {"Content-Type": "application/rss+xml", "Content-Length": str(len(body))}
        conn.sendall(head("200 OK", headers | bait(server)) + body[: len(body) // 2])
        time.sleep(0.05)  # let the head arrive, so the reset lands mid-body
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    return route


def html_page(server: RawServer) -> Handler:
    """A web page where the feed was, advertising a "feed" at the tripwire."""

    def route(conn: socket.socket, request: Request) -> None:
        page = (
            "<!doctype html><html><head><title>Harbour news</title>"
            f'<link rel="alternate" type="application/rss+xml" href="{TRIPWIRE}/alternate">'
            f'<meta http-equiv="refresh" content="0; url={TRIPWIRE}/meta">'
            f'</head><body><a href="{TRIPWIRE}/a">Our feed moved</a>'
            f'<img src="{TRIPWIRE}/img"></body></html>'
        ).encode()
        respond(conn, page, "text/html; charset=utf-8")

    return route


def drop_then_drip(server: RawServer) -> Handler:
    """Hang up at once (the fetcher retries that), then drip the retry's headers for 20 s."""
    calls: list[int] = []

    def route(conn: socket.socket, request: Request) -> None:
        calls.append(1)
        if len(calls) % 2:
            return  # closed without a byte: a "dropped connection", worth one retry
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            if server.stop.is_set():
                return
            conn.sendall(b"X-Slow: y\r\n")
            time.sleep(0.2)

    return route


HOSTILE: dict[str, Callable[[RawServer], Handler]] = {
    "endless_chunked": endless_chunked,
    "endless_paced": endless_paced,
    "no_answer": no_answer,
    "fifty_megabytes": fifty_megabytes,
    "truncated": truncated,
    "reset_mid_body": reset_mid_body,
    "html_page": html_page,
    "drop_then_drip": drop_then_drip,
}
EXPECTED: dict[str, tuple[str, ...]] = {
    "endless_chunked": ("larger than 1 MiB",),
    "endless_paced": ("timed out after 1 s",),
    "no_answer": ("timed out after 1 s",),
    "fifty_megabytes": ("larger than 1 MiB",),
    "truncated": ("peer closed connection without sending complete message body",),
    "reset_mid_body": ("reset by peer", "peer closed"),  # an RST may race the data
    "html_page": ("not a feed",),
    "drop_then_drip": ("timed out after 1 s",),
}


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RawServer]:
    raw = RawServer()
    raw.routes[TRIPWIRE] = feed(rss("Tripwire", [("t", "Never", "<p>never</p>")]))
    yield raw
    raw.close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(timeout=1.0, max_bytes=MAX_BYTES, retry_delay=0.05) as shared:
        yield shared


@pytest.fixture
def lib(db_path: Path, fetcher: Fetcher) -> Iterator[Library]:
    library = open_library(db_path, seed=False, fetcher=fetcher, clock=frozen_clock)
    yield library
    library.close()


def titles(lib: Library, feed_id: str) -> set[str]:
    return {a.title for a in lib.articles(feed_id)}


# -- the cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_server_costs_one_error_and_nothing_else(
    case: str, lib: Library, server: RawServer, fetcher: Fetcher
) -> None:
    paths = ("/hostile.xml", *CALM)
    for path in paths:
        server.routes[path] = feed(rss("Harbour news", ONE))
    ids = {path: lib.add(server.url(path)).feed_id for path in paths}
    for path in paths:  # a first, successful refresh stores a second article everywhere
        server.routes[path] = feed(rss("Harbour news", TWO))
    first = {o.feed_id: o for o in lib.refresh()}
    assert all(o.error is None and o.new == 1 for o in first.values()), first
    hostile_id = ids["/hostile.xml"]
    before = titles(lib, hostile_id)
    assert before == {"First story", "Second story"}

    server.routes["/hostile.xml"] = HOSTILE[case](server)
    for path in CALM:
        server.routes[path] = feed(rss("Harbour news", THREE))
    started = time.monotonic()
    outcomes = {o.feed_id: o for o in lib.refresh()}
    elapsed = time.monotonic() - started

    # (a) it returned, well inside the sanity bound (the fetcher's deadline is 1 s)
    assert elapsed < SANITY_BOUND, f"{case}: refresh took {elapsed:.1f} s"
    assert server.hits("/hostile.xml") >= 1
    # (b) one line, naming the URL, saying what went wrong
    url = server.url("/hostile.xml")
    error = outcomes[hostile_id].error
    assert error is not None, f"{case}: no error"
    assert "\n" not in error and "\r" not in error and len(error) < 500, error
    assert url in error, error
    assert any(word.lower() in error.lower() for word in EXPECTED[case]), error
    stored = lib.feed(hostile_id)
    assert stored.error == error and stored.error_at == FROZEN_NOW.isoformat(timespec="seconds")
    # (c) what was stored before survives, and nothing from the hostile answer was added
    assert titles(lib, hostile_id) == before
    # (d) the tripwire, offered in headers and bodies, was never requested
    assert server.tripped() == []
    # (e) the other feeds on the same host went on
    for path in CALM:
        calm = outcomes[ids[path]]
        assert calm.error is None and calm.new == 1, (path, calm)
        assert "Third story" in titles(lib, ids[path])
    if case == "fifty_megabytes":  # stopped at the cap: the client hung up long before 50 MB
        assert server.sent_done.wait(10), "the 50 MB route never noticed the hang-up"
        assert 0 < server.sent.get("/hostile.xml", 0) < FIFTY_MB // 2

    # and it was all persisted: a fresh open sees the error and every article
    db = lib.store.path
    lib.close()
    reopened = open_library(db, seed=False, clock=frozen_clock)
    try:
        assert reopened.feed(hostile_id).error == error
        assert titles(reopened, hostile_id) == before
    finally:
        reopened.close()


def test_all_the_hostile_servers_at_once(lib: Library, server: RawServer) -> None:
    """Every hostile route in one refresh: the slow ones overlap, the calm ones still land.

    All on one host, two requests at a time: the calm feeds queue behind hung ones, and
    that wait must not eat their deadline (it did: they failed "timed out after 1 s").
    """
    hostile = [f"/h/{case}.xml" for case in HOSTILE]
    for path in [*hostile, *CALM]:
        server.routes[path] = feed(rss("Harbour news", TWO))
    ids = {path: lib.add(server.url(path)).feed_id for path in [*hostile, *CALM]}
    for path, case in zip(hostile, HOSTILE, strict=True):
        server.routes[path] = HOSTILE[case](server)
    for path in CALM:
        server.routes[path] = feed(rss("Harbour news", THREE))
    started = time.monotonic()
    outcomes = {o.feed_id: o for o in lib.refresh()}
    assert time.monotonic() - started < SANITY_BOUND
    for path in hostile:
        error = outcomes[ids[path]].error
        assert error is not None and server.url(path) in error and "\n" not in error, path
        assert titles(lib, ids[path]) == {"First story", "Second story"}, path
    for path in CALM:
        assert outcomes[ids[path]].error is None and outcomes[ids[path]].new == 1
    assert server.tripped() == []
