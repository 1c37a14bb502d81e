"""Sync servers for the tests: an in-memory model of a feed server's state, a Backend over
it with outages on demand (for the engine's property tests), and a real HTTP server on
127.0.0.1 that speaks the Google Reader API over the same model, as FreshRSS
(``api/greader.php``) and Miniflux implement it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from reader.core.errors import SyncAuthError, SyncUnavailable
from reader.core.sync.remote import RemoteArticle, RemoteFeed

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL = "user/-/label/"


@dataclass
class ServerModel:
    """What a feed server holds for one user."""

    feeds: dict[str, RemoteFeed] = field(default_factory=dict)
    articles: dict[str, RemoteArticle] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)
    starred: set[str] = field(default_factory=set)
    writes: list[tuple[str, str, str, bool]] = field(default_factory=list)  # who, id, flag, value
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_feed(self, url: str, title: str, folder: str = "") -> str:
        feed_id = f"feed/{len(self.feeds) + 1}"
        self.feeds[feed_id] = RemoteFeed(feed_id, url, title, folder, "")
        return feed_id

    def add_article(self, feed_id: str, title: str, content: str = "<p>Text.</p>") -> str:
        article_id = str(len(self.articles) + 1)
        self.articles[article_id] = RemoteArticle(
            article_id,
            feed_id,
            title,
            link=f"https://news.example/{article_id}",
            published="2026-11-10T00:00:00+00:00",
            content=content,
            key=f"https://news.example/{article_id}",
        )
        self.unread.add(article_id)
        return article_id

    def set_flag(self, who: str, article_id: str, flag: str, value: bool) -> None:
        if article_id not in self.articles:
            return  # a server ignores ids it does not know (tt-rss: updated 0)
        with self.lock:
            if flag == "read":
                (self.unread.discard if value else self.unread.add)(article_id)
            else:
                (self.starred.add if value else self.starred.discard)(article_id)
            self.writes.append((who, article_id, flag, value))


class MemoryBackend:
    """A Backend over a ServerModel; ``fail_after`` calls, it is unreachable."""

    moves = True

    def __init__(self, model: ServerModel, who: str = "", fail_after: int | None = None) -> None:
        self.model, self.who, self.fail_after = model, who, fail_after
        self.calls = 0

    def _call(self) -> None:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise SyncUnavailable("memory server: cannot reach the server (outage)")

    def login(self) -> None:
        self._call()

    def subscriptions(self) -> list[RemoteFeed]:
        self._call()
        return list(self.model.feeds.values())

    def unread_ids(self) -> set[str]:
        self._call()
        return set(self.model.unread)

    def starred_ids(self) -> set[str]:
        self._call()
        return set(self.model.starred)

    def recent_ids(self, limit: int) -> set[str]:
        self._call()
        return set(sorted(self.model.articles, key=int)[-limit:])

    def articles(self, ids: Sequence[str]) -> list[RemoteArticle]:
        self._call()
        return [self.model.articles[i] for i in ids if i in self.model.articles]

    def mark_read(self, ids: Iterable[str], read: bool) -> None:
        self._call()
        for article_id in ids:
            self.model.set_flag(self.who, article_id, "read", read)

    def mark_starred(self, ids: Iterable[str], starred: bool) -> None:
        self._call()
        for article_id in ids:
            self.model.set_flag(self.who, article_id, "star", starred)

    def subscribe(self, url: str, folder: str) -> None:
        self._call()
        if all(f.url != url for f in self.model.feeds.values()):
            self.model.add_feed(url, url, folder)

    def unsubscribe(self, feed_id: str) -> None:
        self._call()
        self.model.feeds.pop(feed_id, None)

    def move(self, feed_id: str, folder: str) -> bool:
        self._call()
        feed = self.model.feeds.get(feed_id)
        if feed is not None:
            self.model.feeds[feed_id] = RemoteFeed(feed.id, feed.url, feed.title, folder)
        return True

    def close(self) -> None:
        pass


def _long(article_id: str) -> str:
    return f"tag:google.com,2005:reader/item/{int(article_id):016x}"


def _short(item: str) -> str:
    prefix = "tag:google.com,2005:reader/item/"
    return str(int(item[len(prefix) :], 16)) if item.startswith(prefix) else item


class GreaderFake:
    """The Google Reader API over a ServerModel, on a real HTTP server on 127.0.0.1.

    ``url`` is the API root, as FreshRSS's ``.../api/greader.php/``. ``forget_sessions``
    makes every token invalid (the next call gets a 401), ``requests`` counts calls.
    """

    def __init__(self, model: ServerModel, user: str = "alice", password: str = "secret") -> None:
        self.model, self.user, self.password = model, user, password
        self.sessions: set[str] = set()
        self.requests: list[str] = []
        self.ids_page = 1000  # items per stream/items/ids page (FreshRSS pages too)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, form: list[tuple[str, str]]) -> None:
                parts = urlsplit(self.path)
                path = parts.path.removeprefix("/api/greader.php/")
                fake.requests.append(path)
                query = parse_qsl(parts.query) + form
                status, body, kind = fake.answer(path, query, self.headers.get("Authorization"))
                self._reply(status, body, kind)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._handle([])

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                size = int(self.headers.get("Content-Length") or 0)
                self._handle(parse_qsl(self.rfile.read(size).decode()))

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/api/greader.php/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def forget_sessions(self) -> None:
        self.sessions.clear()

    def answer(
        self, path: str, query: list[tuple[str, str]], auth: str | None
    ) -> tuple[int, bytes, str]:
        params = dict(query)
        if path == "accounts/ClientLogin":
            if params.get("Email") != self.user or params.get("Passwd") != self.password:
                return 401, b"Error=BadAuthentication\n", "text/plain"
            token = f"{self.user}/{len(self.sessions) + 1:08x}"
            self.sessions.add(token)
            return 200, f"SID={token}\nLSID=null\nAuth={token}\n".encode(), "text/plain"
        if not auth or auth.removeprefix("GoogleLogin auth=") not in self.sessions:
            return 401, b"Unauthorized", "text/plain"
        model = self.model
        if path == "reader/api/0/token":
            return 200, b"T" * 57 + b"Z\n", "text/plain"
        if path in ("reader/api/0/edit-tag", "reader/api/0/subscription/edit") and (
            "T" not in params
        ):
            return 401, b"Unauthorized", "text/plain"
        if path == "reader/api/0/subscription/list":
            rows = [
                {
                    "id": f.id,
                    "title": f.title,
                    "url": f.url,
                    "htmlUrl": f.site_url,
                    "categories": [{"id": LABEL + f.folder, "label": f.folder}] if f.folder else [],
                }
                for f in model.feeds.values()
            ]
            return 200, json.dumps({"subscriptions": rows}).encode(), "application/json"
        if path == "reader/api/0/stream/items/ids":
            stream, exclude = params.get("s"), params.get("xt")
            if stream == STARRED:
                ids = sorted(model.starred, key=int, reverse=True)
            else:
                ids = sorted(model.articles, key=int, reverse=True)  # newest first
                if exclude == READ:
                    ids = [i for i in ids if i in model.unread]
            start = int(params.get("c") or 0)
            page = ids[start : start + min(int(params.get("n") or 20), self.ids_page)]
            data: dict[str, object] = {"itemRefs": [{"id": i} for i in page]}
            if start + len(page) < len(ids):
                data["continuation"] = str(start + len(page))
            return 200, json.dumps(data).encode(), "application/json"
        if path == "reader/api/0/stream/items/contents":
            items = []
            for item in (v for k, v in query if k == "i"):
                article = model.articles.get(_short(item))
                if article is None:
                    continue
                items.append(
                    {
                        "id": _long(article.id),
                        "title": article.title,
                        "published": 1762732800,
                        "canonical": [{"href": article.link}],
                        "alternate": [{"href": article.link, "type": "text/html"}],
                        "summary": {"content": article.content},
                        "author": article.author,
                        "origin": {"streamId": article.feed_id, "title": ""},
                        "categories": [READ] if article.id not in model.unread else [],
                    }
                )
            return 200, json.dumps({"items": items}).encode(), "application/json"
        if path == "reader/api/0/edit-tag":
            ids = [_short(v) for k, v in query if k == "i"]
            for key, flag in (("a", True), ("r", False)):
                tag = params.get(key)
                if tag in (READ, STARRED):
                    for article_id in ids:
                        model.set_flag(
                            "greader", article_id, "read" if tag == READ else "star", flag
                        )
            return 200, b"OK", "text/plain"
        if path == "reader/api/0/subscription/edit":
            action, stream = params.get("ac"), params.get("s", "")
            label = params.get("a", "").removeprefix(LABEL) if params.get("a") else ""
            if action == "subscribe":
                url = stream.removeprefix("feed/")
                if all(f.url != url for f in model.feeds.values()):
                    model.add_feed(url, url, label)
            elif action == "unsubscribe":
                model.feeds.pop(stream, None)
            elif action == "edit" and stream in model.feeds:
                feed = model.feeds[stream]
                model.feeds[stream] = RemoteFeed(feed.id, feed.url, feed.title, label)
            return 200, b"OK", "text/plain"
        return 404, b"not found", "text/plain"


__all__ = ["GreaderFake", "MemoryBackend", "ServerModel", "SyncAuthError"]
