"""Shared fixtures: a temp database folder, a frozen clock, a real HTTP server."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.launch import keep_bytecode

# Under PYTHONDONTWRITEBYTECODE every run compiled reader and rewrote every test
# module again (~8 s a worker before the first test); kept as the app keeps its own.
keep_bytecode()

from reader.core.library import Library, open_library  # noqa: E402

# The suite's one clock. CI runs the suite again with READER_TEST_NOW years ahead, so a
# test that leans on a date literal (or on today) fails there instead of some day.
FROZEN_NOW = datetime.fromisoformat(os.environ.get("READER_TEST_NOW", "2026-11-27T12:00:00+00:00"))
if FROZEN_NOW.tzinfo is None:
    FROZEN_NOW = FROZEN_NOW.replace(tzinfo=UTC)
SHARED_SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_f9c39cc6b21bc300.txt"


def frozen_clock() -> datetime:
    return FROZEN_NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db"


@pytest.fixture
def library(db_path: Path) -> Iterator[Library]:
    lib = open_library(db_path, clock=frozen_clock)
    yield lib
    lib.close()


Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class FeedServer:
    """A real HTTP server on 127.0.0.1; tests set ``routes`` and read ``requests``."""

    def __init__(self, *, keep_alive: bool = False) -> None:
        """``keep_alive``: HTTP/1.1 connections kept open, as most feed servers keep them."""
        self.routes: dict[str, Route] = {}
        # Handlers that write the whole response themselves (drips, dropped connections).
        self.raw_routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.connections = 0  # accepted so far
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append((self.path, dict(self.headers)))
                raw = server.raw_routes.get(self.path)
                if raw is not None:
                    raw(self)
                    return
                route = server.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {}, b"not found"
                else:
                    status, headers, body = route(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the stdlib default of 5 stalls under load
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            args=(0.05,),
            daemon=True,  # a quick shutdown
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> None:
        """Serve ``body``; with an ``ETag`` header, a matching If-None-Match gets a 304."""

        def route(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            etag = headers.get("ETag")
            if etag and handler.headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, b""
            return status, dict(headers), body

        self.routes[path] = route

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of every request made to ``path``, in order."""
        return [headers for got, headers in self.requests if got == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """A small RSS 2.0 document; items are (guid, title, html body)."""
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(t)}</title>"
        f"<link>https://news.example/{escape(guid)}</link>"
        f"<pubDate>Tue, 10 Nov 2026 0{i % 10}:00:00 GMT</pubDate>"
        f"<description>{escape(body)}</description></item>"
        for i, (guid, t, body) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example/</link>"
        f"<description>Fictional test feed</description>{entries}</channel></rss>"
    ).encode()


@pytest.fixture(autouse=True)
def related_stories_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app defers the first article's related stories (the archive's indexes) by a
    second at start-up, so the first frames are not drawn beside that build; tests of
    what the sidebar shows take them at once (the deferral has its own test)."""
    opening = sys.modules.get("reader.ui.flows.opening")
    if opening is not None:
        monkeypatch.setattr(opening, "RELATED_WARMUP_DELAY", 0.0)


async def wait_until(pilot: object, done: Callable[[], bool], seconds: float = 20.0) -> None:
    """Let the app run until ``done()`` (a worker's result on screen), or fail."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError(f"still not done after {seconds:g} s")


def static_text(screen: object, width: int) -> str:
    """What a screen's Static widgets say, as plain text (the help screen's table)."""
    import io

    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=width, record=True, file=io.StringIO())
    for widget in screen.query(Static):  # type: ignore[attr-defined]
        console.print(widget.content)
    return console.export_text()
