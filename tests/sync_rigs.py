"""The two servers the sync scenarios run against, behind one face, and a proxy that
stops answering on demand (a server stopped mid-sync, or down).

- :class:`GreaderRig`: the in-repo Google Reader API fake (always available).
- :class:`TtrssRig`: the real tt-rss of ``scripts/ttrss-up`` (``TTRSS_URL`` set).
"""

from __future__ import annotations

import fcntl
import http.client
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from reader.core.settings import SyncAccount
from reader.core.sync.ttrss import TtrssClient
from tests.conftest import rss
from tests.sync_server import GreaderFake, ServerModel


class Proxy:
    """Forwards HTTP to ``upstream``; ``down`` refuses every request (the connection is
    dropped unanswered), ``fail_after`` N forwarded requests does the same from then on,
    ``delay`` slows each request (to kill a sync in the middle)."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.down = False
        self.fail_after: int | None = None
        self.delay = 0.0
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def _forward(self, method: str) -> None:
                if proxy.down or (
                    proxy.fail_after is not None and proxy.forwarded >= proxy.fail_after
                ):
                    self.close_connection = True
                    return  # no answer at all: the client sees the connection dropped
                proxy.forwarded += 1
                time.sleep(proxy.delay)
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() in ("content-type", "authorization", "content-length")
                }
                connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
                connection.request(method, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._forward("GET")

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self._forward("POST")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.path = parts.path or "/"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{self.path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class GreaderRig:
    kind = "greader"

    def __init__(self) -> None:
        self.model = ServerModel()
        self.fake = GreaderFake(self.model)
        self.proxy = Proxy(self.fake.url)
        self.url = self.proxy.url

    def account(self, password: str = "secret") -> SyncAccount:
        return SyncAccount("greader", self.url, "alice", password=password)

    def new_feed(self, name: str, count: int) -> list[str]:
        feed = self.model.add_feed(f"https://news.example/{name}.xml", name.title())
        return [
            self.model.add_article(feed, f"{name} story {n}", f"<p>“Yes,” said Ann Lee. {n}</p>")
            for n in range(count)
        ]

    def set_flag(self, remote_id: str, flag: str, value: bool) -> None:
        self.model.set_flag("web", remote_id, flag, value)

    def flags(self) -> tuple[set[str], set[str]]:
        return set(self.model.unread), set(self.model.starred)

    def forget_sessions(self) -> None:
        self.fake.forget_sessions()

    def push_requests(self) -> int:
        return sum(p == "reader/api/0/edit-tag" for p in self.fake.requests)

    def close(self) -> None:
        self.proxy.close()
        self.fake.close()


class TtrssRig:
    kind = "ttrss"

    def __init__(self) -> None:
        # One tt-rss for every test: one test at a time holds it (xdist workers wait).
        self.lock = open(Path(os.environ.get("TTRSS_STATE", "/var/tmp/reader-ttrss")) / "lock", "w")  # noqa: SIM115
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.api_root = os.environ["TTRSS_URL"]
        self.feeds_dir = Path(os.environ["TTRSS_FEEDS_DIR"])
        self.feeds_url = os.environ.get("TTRSS_FEEDS_URL", "http://[::1]/")
        self.password = os.environ.get("TTRSS_PASSWORD", "password")
        self.user = os.environ.get("TTRSS_USER", "admin")
        self.web = TtrssClient(self.api_root, self.user, self.password)  # "another machine"
        self.web.mark_starred(self.web.starred_ids(), False)  # a clean slate: earlier
        for feed in self.web.subscriptions():  # tests' stars and feeds go
            self.web.unsubscribe(feed.id)
        self.proxy = Proxy(self.api_root)
        self.url = self.proxy.url

    def account(self, password: str | None = None) -> SyncAccount:
        return SyncAccount("ttrss", self.url, self.user, password=password or self.password)

    def new_feed(self, name: str, count: int) -> list[str]:
        name = f"{name}-{time.monotonic_ns()}"  # a fresh URL each time (tt-rss caches by URL)
        path = self.feeds_dir / f"{name}.xml"
        path.write_bytes(
            rss(
                name,
                [
                    (f"urn:{name}:{n}", f"{name} story {n}", f"<p>“Yes,” said Ann Lee. {n}</p>")
                    for n in range(count)
                ],
            )
        )
        for cached in Path("/var/cache/tt-rss/feeds").glob("*.xml"):  # its 30 s body cache
            cached.unlink(missing_ok=True)
        self.web.subscribe(self.feeds_url + path.name, "")  # subscribes and updates it
        feed = next(f for f in self.web.subscriptions() if f.url.endswith(path.name))
        rows = self.web.call("getHeadlines", feed_id=int(feed.id), limit=200, show_content=False)
        return sorted((str(r["id"]) for r in rows), key=int)

    def set_flag(self, remote_id: str, flag: str, value: bool) -> None:
        if flag == "read":
            self.web.mark_read([remote_id], value)
        else:
            self.web.mark_starred([remote_id], value)

    def flags(self) -> tuple[set[str], set[str]]:
        return self.web.unread_ids(), self.web.starred_ids()

    def forget_sessions(self) -> None:
        subprocess.run(
            [
                "psql",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                os.environ.get("TTRSS_PGPORT", "54329"),
                "-U",
                "postgres",
                "-d",
                "ttrss",
                "-c",
                "delete from ttrss_sessions",
            ],
            check=True,
            capture_output=True,
        )

    def push_requests(self) -> int:
        return -1  # counted by the client in the tests that need it

    def close(self) -> None:
        self.proxy.close()
        self.web.close()
        self.lock.close()  # and the next test may have the server
