"""Fetching and refreshing against a real HTTP server on 127.0.0.1 (issue 5).

Every failure mode a hostile or broken server can produce is checked for its
outcome and for the one promise that matters most: stored articles survive.
"""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from reader.cli import main
from reader.core.errors import SourceError
from reader.core.ingest.discover import AmbiguousFeeds, discover_feeds
from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.fetch import USER_AGENT, Fetcher, FetchError, parse_retry_after
from reader.core.library import Library, open_library
from tests.conftest import FROZEN_NOW, FeedServer, rss

ITEMS = [("a1", "First story", "<p>One.</p>"), ("a2", "Second story", "<p>Two.</p>")]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = FROZEN_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    # Short limits keep the hostile cases quick; the defaults are 30 s and 16 MiB.
    with Fetcher(timeout=1.0, max_bytes=1024 * 1024, retry_delay=0.05) as shared:
        yield shared


@pytest.fixture
def lib(db_path: Path, fetcher: Fetcher, clock: Clock) -> Iterator[Library]:
    library = open_library(db_path, seed=False, fetcher=fetcher, clock=clock)
    yield library
    library.close()


def subscribed(lib: Library, server: FeedServer, path: str = "/feed.xml") -> str:
    """Subscribe to a two-article feed at ``path``; returns the feed id."""
    server.serve(path, rss("Harbour news", ITEMS), ETag='"v1"')
    outcome = lib.add(server.url(path))
    assert outcome.new == 2 and outcome.error is None
    return outcome.feed_id


def fail_with(server: FeedServer, path: str, status: int, **headers: str) -> None:
    server.routes[path] = lambda handler: (status, dict(headers), b"nope")


def assert_survived(lib: Library, feed_id: str, error: str) -> None:
    """The failure is recorded on the feed, with its time, and no article was lost."""
    feed = lib.feed(feed_id)
    assert feed.error is not None and error in feed.error
    assert feed.error_at == FROZEN_NOW.isoformat(timespec="seconds")
    assert {a.title for a in lib.articles(feed_id)} == {"First story", "Second story"}


# -- conditional GET, redirects -------------------------------------------------


def test_200_then_304_sends_the_etag_and_changes_nothing(
    lib: Library, feed_server: FeedServer
) -> None:
    feed_id = subscribed(lib, feed_server)
    first = feed_server.hits("/feed.xml")[0]
    assert first["User-Agent"] == USER_AGENT and "reader-tui/" in USER_AGENT
    [outcome] = lib.refresh()
    assert outcome.not_modified and outcome.new == 0 and outcome.error is None
    assert feed_server.hits("/feed.xml")[-1]["If-None-Match"] == '"v1"'
    assert len(lib.articles(feed_id)) == 2


def test_same_bytes_without_validators_are_not_parsed_again(
    lib: Library, feed_server: FeedServer
) -> None:
    feed_server.serve("/plain.xml", rss("Plain", ITEMS))  # no ETag, no Last-Modified
    feed_id = lib.add(feed_server.url("/plain.xml")).feed_id
    [outcome] = lib.refresh()
    assert outcome.not_modified and lib.feed(feed_id).content_digest
    feed_server.serve("/plain.xml", rss("Plain", [*ITEMS, ("a3", "Third", "<p>3</p>")]))
    [outcome] = lib.refresh()
    assert outcome.new == 1 and not outcome.not_modified


def test_301_updates_the_stored_url(lib: Library, feed_server: FeedServer) -> None:
    feed_id = subscribed(lib, feed_server, "/old.xml")
    feed_server.serve("/new.xml", rss("Harbour news", ITEMS))
    feed_server.serve("/old.xml", b"", 301, Location="/new.xml")
    [outcome] = lib.refresh()
    assert outcome.error is None and outcome.moved_to == feed_server.url("/new.xml")
    assert lib.feed(feed_id).url == feed_server.url("/new.xml")


def test_302_does_not_update_the_stored_url(lib: Library, feed_server: FeedServer) -> None:
    feed_id = subscribed(lib, feed_server, "/home.xml")
    feed_server.serve("/away.xml", rss("Harbour news", [*ITEMS, ("a3", "Third", "<p>3</p>")]))
    feed_server.serve("/home.xml", b"", 302, Location="/away.xml")
    [outcome] = lib.refresh()
    assert outcome.new == 1 and outcome.moved_to is None
    assert lib.feed(feed_id).url == feed_server.url("/home.xml")


# -- failures: each recorded, nothing lost ------------------------------------------


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors_keep_the_articles(lib: Library, feed_server: FeedServer, status: int) -> None:
    feed_id = subscribed(lib, feed_server)
    fail_with(feed_server, "/feed.xml", status)
    [outcome] = lib.refresh()
    assert outcome.error is not None and f"HTTP {status}" in outcome.error
    assert_survived(lib, feed_id, f"HTTP {status}")
    lib.close()
    reopened = open_library(lib.store.path, seed=False)  # the failure was persisted too
    try:
        assert f"HTTP {status}" in (reopened.feed(feed_id).error or "")
        assert len(reopened.articles(feed_id)) == 2
    finally:
        reopened.close()


def test_429_retry_after_is_honoured(lib: Library, feed_server: FeedServer, clock: Clock) -> None:
    feed_id = subscribed(lib, feed_server)
    fail_with(feed_server, "/feed.xml", 429, **{"Retry-After": "120"})
    [outcome] = lib.refresh()
    until = (FROZEN_NOW + timedelta(seconds=120)).isoformat(timespec="seconds")
    assert outcome.error and "429" in outcome.error and outcome.retry_after == until
    assert_survived(lib, feed_id, "HTTP 429")
    asked = len(feed_server.hits("/feed.xml"))
    clock.now = FROZEN_NOW + timedelta(seconds=60)
    [outcome] = lib.refresh()  # too early: no request at all
    assert len(feed_server.hits("/feed.xml")) == asked
    assert outcome.error and outcome.retry_after == until
    clock.now = FROZEN_NOW + timedelta(seconds=121)
    feed_server.serve("/feed.xml", rss("Harbour news", ITEMS), ETag='"v1"')
    [outcome] = lib.refresh()
    assert outcome.error is None and len(feed_server.hits("/feed.xml")) == asked + 1
    assert lib.feed(feed_id).retry_after is None and lib.feed(feed_id).error is None


def test_503_with_an_http_date_and_other_feeds_go_on(lib: Library, feed_server: FeedServer) -> None:
    busy = subscribed(lib, feed_server, "/busy.xml")
    calm = subscribed(lib, feed_server, "/calm.xml")
    in_an_hour = FROZEN_NOW + timedelta(hours=1)
    fail_with(feed_server, "/busy.xml", 503, **{"Retry-After": http_date(in_an_hour)})
    outcomes = {o.feed_id: o for o in lib.refresh()}
    assert outcomes[calm].not_modified
    # The wait is an hour of the library's clock, whatever the wall clock says.
    assert outcomes[busy].retry_after == in_an_hour.isoformat(timespec="seconds")
    assert "retry after" in (outcomes[busy].error or "")


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def test_retry_after_parsing() -> None:
    assert parse_retry_after("120", FROZEN_NOW) == 120
    assert parse_retry_after(http_date(FROZEN_NOW + timedelta(minutes=10)), FROZEN_NOW) == 600
    assert parse_retry_after(http_date(FROZEN_NOW - timedelta(hours=1)), FROZEN_NOW) == 0
    assert parse_retry_after("99999999999", FROZEN_NOW) == 7 * 24 * 3600  # capped at a week
    assert parse_retry_after("soon", FROZEN_NOW) is None
    assert parse_retry_after(None, FROZEN_NOW) is None


def drip(handler: BaseHTTPRequestHandler, *, in_headers: bool = False) -> None:
    """Send a byte every 0.2 s, forever (until the client hangs up)."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        if not in_headers:
            handler.wfile.write(b"Content-Type: application/rss+xml\r\n")
            handler.wfile.write(b"Content-Length: 100000\r\n\r\n<rss>")
        for _ in range(200):
            handler.wfile.write(b"X-Slow: y\r\n" if in_headers else b" ")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_a_slow_drip_is_cut_off_at_the_deadline(
    lib: Library, feed_server: FeedServer, in_headers: bool
) -> None:
    feed_id = subscribed(lib, feed_server)
    feed_server.raw_routes["/feed.xml"] = lambda h: drip(h, in_headers=in_headers)
    [outcome] = lib.refresh()
    assert outcome.error and "timed out after 1 s" in outcome.error
    assert_survived(lib, feed_id, "timed out")


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_a_gzip_bomb_stops_at_the_cap_without_inflating(
    lib: Library, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_id = subscribed(lib, feed_server)
    bomb = gzip.compress(b"<rss>" + b" " * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100 * 1024
    feed_server.serve("/feed.xml", bomb, **{"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than 1 MiB"):
            fetcher(feed_server.url("/feed.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the cap plus one decoded slice, not 64 MiB
    [outcome] = lib.refresh()
    assert outcome.error and "larger than 1 MiB" in outcome.error
    assert_survived(lib, feed_id, "larger than")


def test_gzip_within_the_cap_is_decoded(fetcher: Fetcher, feed_server: FeedServer) -> None:
    body = rss("Zipped", ITEMS)
    feed_server.serve("/z.xml", gzip.compress(body), **{"Content-Encoding": "gzip"})
    assert fetcher(feed_server.url("/z.xml")).content == body


def test_a_redirect_loop_fails(lib: Library, feed_server: FeedServer) -> None:
    feed_id = subscribed(lib, feed_server)
    feed_server.serve("/feed.xml", b"", 302, Location="/feed.xml")
    [outcome] = lib.refresh()
    assert outcome.error and "more than 10 redirects" in outcome.error
    assert len(feed_server.hits("/feed.xml")) == 1 + 11  # the add, then 11 hops
    assert_survived(lib, feed_id, "redirects")


def test_a_redirect_to_file_is_refused(lib: Library, feed_server: FeedServer) -> None:
    feed_id = subscribed(lib, feed_server)
    feed_server.serve("/feed.xml", b"", 301, Location="file:///etc/passwd")
    [outcome] = lib.refresh()
    assert outcome.error and "http/https only" in outcome.error
    assert_survived(lib, feed_id, "http/https only")
    assert lib.feed(feed_id).url == feed_server.url("/feed.xml")


def test_a_dropped_connection_is_retried_once(fetcher: Fetcher, feed_server: FeedServer) -> None:
    body = rss("Flaky", ITEMS)
    attempts: list[int] = []

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            handler.close_connection = True  # hang up without a response
            return
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    feed_server.raw_routes["/flaky.xml"] = flaky
    assert fetcher(feed_server.url("/flaky.xml")).content == body
    assert len(attempts) == 2


def test_an_unreachable_host_fails_after_one_retry(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="127.0.0.1:9"):
        fetcher("http://127.0.0.1:9/feed.xml")  # the discard port: connection refused


def test_at_most_two_requests_per_host(
    lib: Library, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    body = rss("Slowish", ITEMS)
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def slow(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.1)
        with lock:
            state["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    for n in range(6):
        feed_server.raw_routes[f"/s{n}.xml"] = slow
    lib.import_opml(
        b'<opml version="2.0"><body>'
        + b"".join(
            f'<outline text="s{n}" xmlUrl="{feed_server.url(f"/s{n}.xml")}"/>'.encode()
            for n in range(6)
        )
        + b"</body></opml>"
    )
    outcomes = lib.refresh()
    assert [o.new for o in outcomes] == [2] * 6
    assert 1 <= state["most"] <= 2


def test_progress_reports_every_feed_and_store_is_written_once(
    lib: Library, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        subscribed(lib, feed_server, f"/p{n}.xml")
    flushes: list[int] = []
    original = lib.store.flush
    monkeypatch.setattr(lib.store, "flush", lambda: (flushes.append(1), original())[1])
    seen: list[tuple[int, int]] = []
    lib.refresh(progress=lambda done, total, outcome: seen.append((done, total)))
    assert sorted(seen) == [(1, 3), (2, 3), (3, 3)] and len(flushes) == 1


def test_local_files_and_folders_still_refresh(lib: Library, tmp_path: Path) -> None:
    feed_file = tmp_path / "local.rss"
    feed_file.write_bytes(rss("Local", ITEMS))
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("A title\n\nSome text.\n")
    lib.add(str(feed_file))
    lib.add(str(folder))
    feed_file.unlink()
    outcomes = {o.title: o for o in lib.refresh()}
    assert outcomes["docs"].error is None
    assert outcomes["Local"].error and "local.rss" in outcomes["Local"].error


# -- parsing: JSON Feed, recovered feeds, non-feeds -------------------------------


JSON_FEED = b"""{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Quay Notes", "home_page_url": "https://quay.example/",
  "authors": [{"name": "Ines Quist"}],
  "items": [
    {"id": "1", "url": "https://quay.example/1", "title": "Ferry fares",
     "content_html": "<p>\\u201cToo high,\\u201d Marsh said.</p>",
     "date_published": "2026-11-20T10:00:00+01:00",
     "attachments": [{"url": "https://quay.example/a.mp3", "mime_type": "audio/mpeg"}]},
    {"id": 2, "content_text": "A note with no title."}
  ]
}"""


def test_json_feed_is_read(lib: Library, feed_server: FeedServer) -> None:
    parsed = parse_feed(JSON_FEED, "quay.json")
    first, second = parsed.entries
    assert parsed.title == "Quay Notes" and parsed.site_url == "https://quay.example/"
    assert first.published == "2026-11-20T09:00:00+00:00" and first.author == "Ines Quist"
    assert first.body.content_type == "html" and first.entry_links[0].rel == "enclosure"
    assert second.guid == "2" and second.body.content_type == "text"
    feed_server.serve("/quay.json", JSON_FEED, **{"Content-Type": "application/feed+json"})
    outcome = lib.add(feed_server.url("/quay.json"))
    assert outcome.new == 2 and outcome.title == "Quay Notes"


def test_a_malformed_feed_keeps_its_entries_and_is_marked_recovered(
    lib: Library, tmp_path: Path
) -> None:
    broken = rss("Broken & bent", ITEMS).replace(b"Broken &amp; bent", b"Broken & bent")
    path = tmp_path / "broken.rss"
    path.write_bytes(broken)
    parsed = parse_feed(broken, "broken.rss")
    assert parsed.recovered and len(parsed.entries) == 2
    outcome = lib.add(str(path))
    assert outcome.recovered and lib.feed(outcome.feed_id).recovered


@pytest.mark.parametrize("data", [b"", b"   \n", b"<html><body>hi</body></html>", b"{}"])
def test_empty_or_non_feed_documents_are_errors(data: bytes) -> None:
    with pytest.raises(SourceError):
        parse_feed(data, "x")


# -- subscribing: discovery, folders, rename ----------------------------------------


PAGE = b"""<!doctype html><html><head><title>Quay</title>
<link rel="alternate" type="application/rss+xml" title="All news" href="/all.xml">
<link rel="alternate" type="application/atom+xml" title="Harbour only" href="harbour.atom">
<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
<link rel="stylesheet" href="/s.css"></head><body>Hello</body></html>"""


def test_discovery_finds_alternate_links() -> None:
    links = discover_feeds(PAGE, "https://quay.example/news/")
    assert [(link.url, link.title, link.kind) for link in links] == [
        ("https://quay.example/all.xml", "All news", "RSS"),
        ("https://quay.example/news/harbour.atom", "Harbour only", "Atom"),
    ]


def test_add_a_page_with_several_feeds_needs_a_pick(lib: Library, feed_server: FeedServer) -> None:
    feed_server.serve("/", PAGE, **{"Content-Type": "text/html"})
    feed_server.serve("/all.xml", rss("All news", ITEMS))
    feed_server.serve("/harbour.atom", rss("Harbour only", ITEMS[:1]))
    with pytest.raises(AmbiguousFeeds) as raised:
        lib.add(feed_server.url("/"))
    assert len(raised.value.candidates) == 2 and not lib.store.feeds()
    outcome = lib.add(feed_server.url("/"), pick=2, folder="Local")
    feed = lib.feed(outcome.feed_id)
    assert feed.url == feed_server.url("/harbour.atom") and feed.folder == "Local"
    assert outcome.new == 1


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_cli_add_lists_the_feeds_of_a_page_and_exits_1(
    db_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.serve("/", PAGE, **{"Content-Type": "text/html"})
    feed_server.serve("/all.xml", rss("All news", ITEMS))
    assert main(["--db", str(db_path), "add", feed_server.url("/")]) == 1
    err = capsys.readouterr().err
    assert "offers 2 feeds" in err and "1. [RSS]" in err and "2. [Atom]" in err
    assert main(["--db", str(db_path), "add", feed_server.url("/"), "--pick", "1"]) == 0
    assert "added All news" in capsys.readouterr().out


def test_a_page_without_feeds_is_an_error(lib: Library, feed_server: FeedServer) -> None:
    feed_server.serve("/plain", b"<!doctype html><p>nothing</p>", **{"Content-Type": "text/html"})
    with pytest.raises(SourceError, match="links to no feed"):
        lib.add(feed_server.url("/plain"))


def test_rename_and_folder(lib: Library, feed_server: FeedServer) -> None:
    feed_id = subscribed(lib, feed_server)
    lib.rename(feed_id, "  My harbour\n")
    lib.set_folder(feed_id, "News / Local")
    lib.refresh()
    feed = lib.feed(feed_id)
    assert feed.title == "My harbour" and feed.folder == "News/Local"


def test_cli_refresh_summary_and_json(
    db_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.serve("/feed.xml", rss("Harbour news", ITEMS), ETag='"v1"')
    assert main(["--db", str(db_path), "add", feed_server.url("/feed.xml")]) == 0
    fail_with(feed_server, "/gone.xml", 404)
    capsys.readouterr()
    assert main(["--db", str(db_path), "refresh", "--json"]) == 0
    out, err = capsys.readouterr()
    assert '"not_modified": true' in out and "refreshed " in err
    assert main(["--db", str(db_path), "rename", "nope", "x"]) == 1
