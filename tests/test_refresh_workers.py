"""A large refresh parses its feeds in a worker process (issue 20): what it stores,
and what it queues for full text, is what parsing in the fetching threads gives."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from reader.core.library import open_library
from reader.core.services.feed_workers import FeedParsers
from reader.core.services.fulltext import queued_ids
from tests.conftest import FeedServer, rss

pytestmark = pytest.mark.slow  # spawns a worker process

FEEDS = 14  # more than FeedParsers' first few, parsed in the threads


def _long(n: int) -> str:
    return "<p>" + " ".join(f"word{i}" for i in range(n)) + "</p>"


def _serve(server: FeedServer) -> bytes:
    for f in range(FEEDS):
        items = [
            (f"f{f}-a{i}", f"Story {i} of feed {f}", _long(30) if i % 3 else _long(400))
            for i in range(6)
        ]
        items.append((f"f{f}-more", "A teaser", _long(200) + "<p><a href='/x'>Read more</a></p>"))
        server.serve(f"/feed{f}.xml", rss(f"Feed {f}", items))
    outlines = "".join(
        f'<outline type="rss" text="f{f}" xmlUrl="{escape(server.url(f"/feed{f}.xml"))}"/>'
        for f in range(FEEDS)
    )
    return f'<opml version="2.0"><body>{outlines}</body></opml>'.encode()


def _refreshed(db: Path, opml: bytes, workers: int) -> tuple[dict[str, tuple], list[str]]:
    lib = open_library(db, seed=False)
    try:
        lib.import_opml(opml)
        lib.subscriptions.parse_workers = workers
        outcomes = lib.refresh()
        assert not [o.error for o in outcomes if o.error]
        stored = {
            a.id: (a.title, a.link, a.content_hash, lib.store.body(a.id))
            for a in lib.store.articles()
        }
        return stored, sorted(queued_ids(lib.store))
    finally:
        lib.close()


def test_a_refresh_parsed_in_a_worker_stores_what_the_threads_store(tmp_path: Path) -> None:
    server = FeedServer()
    try:
        opml = _serve(server)
        in_threads = _refreshed(tmp_path / "threads", opml, workers=0)
        in_worker = _refreshed(tmp_path / "worker", opml, workers=1)
    finally:
        server.close()
    assert len(in_threads[0]) == FEEDS * 7
    assert in_worker[0] == in_threads[0]
    # The summaries (short, or ending in "Read more") are queued for their pages alike.
    assert in_threads[1] and in_worker[1] == in_threads[1]
    assert len(in_threads[1]) == FEEDS * 5


def test_the_parsers_start_a_process_only_for_a_large_refresh() -> None:
    server = FeedServer()
    try:
        server.serve("/f.xml", rss("F", [("a", "A", "<p>One.</p>")]))
        from reader.core.ingest.fetch import fetch

        result = fetch(server.url("/f.xml"))
    finally:
        server.close()
    from reader.core.models import Feed

    feed = Feed(id="f", url=server.url("/f.xml"), title="F")
    parsers = FeedParsers(processes_after=2, workers=1)
    try:
        answers = [parsers(feed, result) for _ in range(4)]
    finally:
        parsers.close()
    # The first two in the calling thread (nothing worked out ahead), then the worker's.
    assert [ready is None for _, ready in answers] == [True, True, False, False]
    assert {parsed.entries[0].title for parsed, _ in answers} == {"A"}


async def test_the_apps_refresh_parses_in_a_worker(tmp_path: Path) -> None:
    """Inside the app (stderr captured by Textual) the refresh still starts its worker
    process, and every feed's articles arrive."""
    import multiprocessing

    from reader.ui.app import ReaderApp
    from tests.conftest import wait_until

    server = FeedServer()
    try:
        opml = _serve(server)
        library = open_library(tmp_path / "db", seed=False)
        library.import_opml(opml)
        app = ReaderApp(library)
        seen: list[int] = []

        def stored() -> bool:
            seen.append(len(multiprocessing.active_children()))
            return len(library.store.articles()) == FEEDS * 7

        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await wait_until(pilot, stored, seconds=120)
            failed = [n.message for n in app._notifications if "failed" in n.message]
            assert failed == []
        library.close()
    finally:
        server.close()
    assert max(seen, default=0) >= 1, "the refresh used a worker process"
