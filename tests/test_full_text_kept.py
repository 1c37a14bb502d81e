"""Full text, the pieces a demanding reader notices (issue 17): the page's structure
kept (headings, lists, block quotes, links) with no markup reaching the screen, the
queue of pages surviving a quit, and articles pulled by a sync queued like a refresh's.
Real HTTP server on 127.0.0.1, real database folders, the real app."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.core.library import Library, open_library
from reader.core.settings import SyncAccount
from reader.ui.app import ReaderApp
from tests.conftest import FeedServer, frozen_clock, wait_until
from tests.sync_server import MemoryBackend, ServerModel
from tests.test_full_text import PARAGRAPHS, SUMMARY, article_page, subscribe

STRUCTURED = (
    "<h2>What happens next</h2>"
    "<ol><li>The county surveys the breakwater again in the spring, section by section.</li>"
    "<li>The council publishes the timetable and the engineering report on its website.</li></ol>"
    "<blockquote><p>This wall has kept the town alive for a century, and it will again.</p>"
    "</blockquote>"
    "<p>The full report is on <a href='/reports/breakwater'>the council's site</a>, and an "
    "<a href='javascript:alert(1)'>old map</a> shows the wall in 1920, "
    "<b onclick='alert(2)'>before the storms</b>.<script>document.title='pwned'</script></p>"
)


@pytest.fixture
def lib(db_path: Path) -> Iterator[Library]:
    library = open_library(db_path, seed=False, clock=frozen_clock)
    yield library
    library.close()


def test_the_extracted_body_keeps_headings_lists_quotes_and_links(
    lib: Library, feed_server: FeedServer
) -> None:
    page = article_page("Council backs breakwater", extra=STRUCTURED)
    feed_id = subscribe(lib, feed_server, {"/news/wall": page})
    (outcome,) = lib.fetch_full_texts()
    assert outcome.stored, outcome.reason
    (article,) = lib.articles(feed_id)
    document = lib.document(article.id)
    kinds = {(b.kind, "".join(s.text for s in b.spans)) for b in document.blocks}
    assert ("heading", "What happens next") in kinds
    items = [text for kind, text in kinds if kind == "list_item"]
    assert any("county surveys the breakwater" in t for t in items), kinds
    assert any(kind == "blockquote" and "kept the town alive" in t for kind, t in kinds)
    # The page's links are numbered in the article (and go to the sidebar's list).
    assert feed_server.url("/reports/breakwater") in [link.url for link in document.links]
    everything = " ".join(t for _, t in kinds)
    assert "before the storms" in everything and "old map" in everything
    for hostile in ("<", "javascript", "alert", "pwned", "onclick"):
        assert hostile not in everything and all(hostile not in x.url for x in document.links)
    # The pinned JSON's text stays plain paragraphs.
    assert "<" not in outcome.text and "What happens next" in outcome.text.split("\n\n")


def test_the_queue_of_pages_survives_quitting(db_path: Path, feed_server: FeedServer) -> None:
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    feed_id = subscribe(
        lib,
        feed_server,
        {"/one": article_page("Council backs breakwater"), "/two": article_page("Wall vote")},
    )
    assert lib.full_texts_queued() == 2
    lib.close()  # quit before the pages were fetched
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    try:
        assert lib.full_texts_queued() == 2
        outcomes = lib.fetch_full_texts()
        assert [o.stored for o in outcomes] == [True, True]
    finally:
        lib.close()
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    try:
        assert lib.full_texts_queued() == 0, "fetched pages are not fetched again"
        assert all(a.full_text for a in lib.articles(feed_id))
    finally:
        lib.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_app_fetches_the_pages_left_queued_at_the_last_quit(
    db_path: Path, feed_server: FeedServer
) -> None:
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    feed_id = subscribe(lib, feed_server, {"/wall": article_page("Council backs breakwater")})
    lib.close()
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    try:
        app = ReaderApp(lib)
        async with app.run_test(size=(120, 40)) as pilot:
            view = app.main_screen.article_view
            await wait_until(pilot, lambda: view.article is not None)
            await wait_until(pilot, lambda: "fishing town of Porthmere" in view.document.text)  # type: ignore[union-attr]
        (article,) = lib.articles(feed_id)
        assert article.full_text == feed_server.url("/wall")
    finally:
        lib.close()


@pytest.mark.slow  # spawns worker processes
async def test_the_app_extracts_a_batch_of_pages_in_worker_processes(
    db_path: Path, feed_server: FeedServer
) -> None:
    """A batch big enough for extraction processes, inside the app (whose stderr
    has no descriptor: spawning failed with 'bad value(s) in fds_to_keep')."""
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    feed_id = subscribe(
        lib,
        feed_server,
        {"/one": article_page("Council backs breakwater"), "/two": article_page("Wall vote")},
    )
    lib.close()
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    lib.full_text.processes_from = 2
    try:
        app = ReaderApp(lib)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: all(a.full_text for a in lib.articles(feed_id)))
    finally:
        lib.close()


def test_articles_pulled_by_a_sync_are_queued_for_their_pages(
    db_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ServerModel()
    summaries = model.add_feed(feed_server.url("/feed.xml"), "Gazette")
    whole = model.add_feed(feed_server.url("/whole.xml"), "Whole")
    for path, feed, content in (
        ("/sync/wall", summaries, f"<p>{SUMMARY}</p>"),
        ("/sync/long", whole, "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 2)),
    ):
        feed_server.serve(
            path, article_page("Council backs breakwater").encode(), **{"Content-Type": "text/html"}
        )
        remote = model.add_article(feed, "Council backs breakwater", content)
        model.articles[remote] = dataclasses.replace(
            model.articles[remote], link=feed_server.url(path), key=feed_server.url(path)
        )
    monkeypatch.setattr(
        "reader.core.sync.account.open_backend", lambda account: MemoryBackend(model)
    )
    account = SyncAccount(kind="greader", url="http://127.0.0.1:9/", user="u", password="p")
    lib = open_library(db_path, seed=False, clock=frozen_clock, sync=account)
    try:
        lib.sync()
        # "auto": the summary-only entry is queued, the whole article is not.
        assert lib.full_texts_queued() == 1
        (outcome,) = lib.fetch_full_texts()
        assert outcome.stored and outcome.url == feed_server.url("/sync/wall"), outcome.reason
        assert "fishing town of Porthmere" in lib.document(outcome.article_id).text
    finally:
        lib.close()


def test_the_stored_html_holds_only_our_few_tags_and_web_links() -> None:
    import re

    from reader.core.analysis.extract import extract_page

    story = "<p>" + "The harbour council voted on Tuesday to rebuild the breakwater. " * 6 + "</p>"
    page = (
        "<html><head><title>Harbour | Site</title></head><body><article><h1>Harbour</h1>"
        f"{story}<p onclick='alert(1)' style='color:red'>Read <a href='javascript:alert(2)'>"
        "this</a>, <a href='data:text/html,x'>that</a> and <a href='/next' onmouseover='x()'>"
        "the next</a> \x1b[31mstory\x1b[0m &lt;script&gt;.</p><iframe src='/f'></iframe>"
        f"<svg><script>alert(3)</script></svg><img src='/t.gif' onerror='alert(4)'>{story}"
        "</article></body></html>"
    )
    found = extract_page(page, "https://harbour.example/news/a")
    tags = re.findall(r"<(/?)([a-z0-9]+)([^>]*)>", found.html)
    assert tags and {name for _, name, _ in tags} <= {
        "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "br", "a",
        "em", "strong",
    }  # fmt: skip
    assert {attrs for _, _, attrs in tags if attrs} == {' href="https://harbour.example/next"'}
    assert "alert" not in found.html and "\x1b" not in found.html
    assert "&lt;script&gt;" in found.html  # the page's text, escaped: shown as text
