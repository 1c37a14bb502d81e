"""Full text for summary-only feeds (issue 17), against a real HTTP server on 127.0.0.1.

A feed whose entries are a sentence and a link gets each article's page fetched,
its article extracted and stored as the body (the feed's summary kept beside it),
analysed like any other. Pages that are not the article keep the summary and say why.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from reader.cli import main
from reader.core.library import Library, open_library
from reader.ui.app import ReaderApp
from tests.conftest import FeedServer, frozen_clock, wait_until

PARAGRAPHS = [
    "The harbour council voted on Tuesday to rebuild the northern breakwater, ending "
    "a dispute that has divided the fishing town of Porthmere for almost a decade.",
    '"We have waited long enough for this wall," said Maria Kessler, who chairs the '
    "fishermen's association and has lobbied for the repairs since the storms of 2019.",
    "The plan, which will cost an estimated 14 million pounds, was approved by seven "
    "votes to two after a four-hour meeting in the old customs house on the quay.",
    "Engineers from the county surveyed the breakwater last spring and found that "
    "several sections had shifted by more than a metre during the winter gales.",
    '"Without the work, the inner harbour would not survive another bad winter," the '
    "county engineer, Tomas Lindqvist, told the meeting, showing photographs of the cracks.",
    "Opponents argued that the money would be better spent on the town's ageing school "
    "buildings and on the coastal path, which has been closed since a landslip in March.",
    "Construction is expected to begin next summer and to take about two years, during "
    "which the fish market will move temporarily to the southern quay.",
    "The council will publish the full engineering report on its website next week, "
    "along with a timetable for public consultations on the temporary arrangements.",
]


def article_page(title: str, paragraphs: list[str] = PARAGRAPHS, *, extra: str = "") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)} | "
        f"Porthmere Gazette</title></head><body><nav><a href='/'>Home</a> <a href='/news'>"
        f"News</a> <a href='/sport'>Sport</a></nav><article><h1>{escape(title)}</h1>"
        f"<p class='byline'>By Ana Ruiz</p>{body}{extra}</article><footer><p>Copyright "
        f"Porthmere Gazette. All rights reserved.</p></footer></body></html>"
    )


def summary_feed(server: FeedServer, items: list[tuple[str, str, str]]) -> bytes:
    """RSS whose entries link to pages on ``server``: (path, title, summary)."""
    entries = "".join(
        f"<item><guid>{escape(path)}</guid><title>{escape(title)}</title>"
        f"<link>{escape(server.url(path))}</link>"
        f"<pubDate>Tue, 10 Nov 2026 0{i}:00:00 GMT</pubDate>"
        f"<description>{escape(summary)}</description></item>"
        for i, (path, title, summary) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Gazette</title><link>{server.url('/')}</link><description>d</description>"
        f"{entries}</channel></rss>"
    ).encode()


SUMMARY = (
    "Porthmere's council has voted to rebuild the northern breakwater, ending a decade of "
    "dispute in the fishing town. Engineers say the inner harbour would not survive "
    "another bad winter without it. Read more…"
)


@pytest.fixture
def server(feed_server: FeedServer) -> FeedServer:
    return feed_server


@pytest.fixture
def lib(db_path: Path) -> Iterator[Library]:
    library = open_library(db_path, seed=False, clock=frozen_clock)
    yield library
    library.close()


def subscribe(lib: Library, server: FeedServer, pages: dict[str, bytes | str]) -> str:
    """A summary-only feed of one entry per page; returns the feed id."""
    for path, page in pages.items():
        data = page.encode() if isinstance(page, str) else page
        server.serve(path, data, **{"Content-Type": "text/html; charset=utf-8"})
    items = [(path, f"Story {i}", SUMMARY) for i, path in enumerate(pages)]
    server.serve(
        "/feed.xml", summary_feed(server, items), **{"Content-Type": "application/rss+xml"}
    )
    return lib.add(server.url("/feed.xml")).feed_id


def only_article(lib: Library, feed_id: str) -> str:
    (article,) = lib.articles(feed_id)
    return article.id


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_a_summary_only_feed_gets_the_full_text(lib: Library, server: FeedServer) -> None:
    feed_id = subscribe(lib, server, {"/breakwater": article_page("Council backs breakwater")})
    article_id = only_article(lib, feed_id)
    assert lib.full_texts_queued() == 1
    (outcome,) = lib.fetch_full_texts()
    assert outcome.stored and outcome.url == server.url("/breakwater"), outcome.reason
    article = lib.article(article_id)
    assert article.full_text == server.url("/breakwater") and article.pending
    text = lib.document(article_id).text
    assert "fishing town of Porthmere" in text and "Copyright" not in text and "Sport" not in text
    # The feed's own summary is kept beside the page's text.
    summary = lib.feed_document(article_id)
    assert summary is not None and "decade of dispute" in summary.text
    # Analysed like any other body: quotations and speakers, and search.
    speakers = {q.speaker for q in lib.quotes(article_id)}
    assert {"Maria Kessler", "Tomas Lindqvist"} <= speakers
    assert [hit.article.id for hit in lib.search("breakwater gales")] == [article_id]
    # A quotation of the page is bookmarked and exported like any other.
    lib.bookmark(article_id, quote=1)
    exported = json.loads(lib.export_bookmarks("json"))
    assert "We have waited long enough for this wall" in json.dumps(exported)


def test_the_extracted_body_survives_a_reopen_and_an_unchanged_refresh(
    db_path: Path, server: FeedServer
) -> None:
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    feed_id = subscribe(lib, server, {"/kept": article_page("Council backs breakwater")})
    lib.fetch_full_texts()
    lib.refresh()
    assert lib.full_texts_queued() == 0  # unchanged entries are not fetched again
    lib.close()
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    try:
        article_id = only_article(lib, feed_id)
        assert "northern breakwater" in lib.document(article_id).text
        assert lib.feed_document(article_id) is not None
        assert lib.article(article_id).full_text == server.url("/kept")
    finally:
        lib.close()


@pytest.mark.parametrize(
    ("page", "status", "headers", "reason"),
    [
        (b"gone", 404, {}, "HTTP 404"),
        (
            article_page("Before you continue", ["We use cookies. Accept all or manage."]),
            200,
            {},
            "less text than the feed's summary",
        ),
        (b"%PDF-1.4 not a page", 200, {"Content-Type": "application/pdf"}, "not a web page"),
        (b"", 302, {"Location": "file:///etc/passwd"}, "http/https only"),
        (b"", 301, {"Location": "javascript:alert(1)"}, "invalid URL"),  # httpx refuses first
    ],
    ids=["404", "consent", "pdf", "file-redirect", "javascript-redirect"],
)
def test_a_page_that_is_not_the_article_keeps_the_summary(
    lib: Library,
    server: FeedServer,
    page: bytes | str,
    status: int,
    headers: dict[str, str],
    reason: str,
) -> None:
    data = page.encode() if isinstance(page, str) else page
    server.serve("/feed.xml", summary_feed(server, [("/p", "Story", SUMMARY)]))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    server.serve("/p", data, status, **{"Content-Type": "text/html", **headers})
    article_id = only_article(lib, feed_id)
    outcome = lib.fetch_full_text(article_id)
    assert not outcome.stored and reason in outcome.reason
    assert server.url("/p") in outcome.reason and "\n" not in outcome.reason
    article = lib.article(article_id)
    assert article.full_text == "" and article.full_text_error == outcome.reason
    assert "decade of dispute" in lib.document(article_id).text
    assert lib.feed_document(article_id) is None


@pytest.mark.parametrize(
    ("encoding", "content_type", "meta"),
    [
        ("windows-1252", "text/html; charset=windows-1252", ""),
        ("iso-8859-7", "text/html", '<meta http-equiv="Content-Type" content="text/html; '
         'charset=iso-8859-7">'),
        ("koi8-r", "text/html", '<meta charset="koi8-r">'),
        ("utf-8", "text/html", ""),  # no declaration: the content decodes as UTF-8
        ("windows-1252", "text/html", ""),  # no declaration, not UTF-8: Windows-1252
    ],
)  # fmt: skip
def test_the_charset_comes_from_the_header_the_meta_or_the_content(
    lib: Library, server: FeedServer, encoding: str, content_type: str, meta: str
) -> None:
    words = {
        "windows-1252": "Café owners in Münster say the façade’s repair",
        "iso-8859-7": "Η δημοτική αρχή της πόλης αποφάσισε",
        "koi8-r": "Городской совет проголосовал за новый волнорез",
        "utf-8": "Le conseil a voté pour la digue, à l’unanimité",
    }[encoding]
    paragraphs = [f"{words}, reported on Tuesday. {p}" for p in PARAGRAPHS]
    page = article_page("Harbour", paragraphs).replace("<meta charset='utf-8'>", meta)
    server.serve("/feed.xml", summary_feed(server, [("/c", "Story", SUMMARY)]))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    server.serve("/c", page.encode(encoding), **{"Content-Type": content_type})
    outcome = lib.fetch_full_text(only_article(lib, feed_id))
    assert outcome.stored, outcome.reason
    assert words in outcome.text


def test_a_page_over_5_mib_after_decompression_is_refused(lib: Library, server: FeedServer) -> None:
    padding = "<p>" + "x" * (6 * 1024 * 1024) + "</p>"
    bomb = gzip.compress(article_page("Big", extra=padding).encode(), 9)
    assert len(bomb) < 100_000  # small on the wire: the cap counts what it inflates to
    server.serve("/feed.xml", summary_feed(server, [("/big", "Story", SUMMARY)]))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    server.serve("/big", bomb, **{"Content-Type": "text/html", "Content-Encoding": "gzip"})
    outcome = lib.fetch_full_text(only_article(lib, feed_id))
    assert not outcome.stored and "larger than 5 MiB" in outcome.reason


def test_retry_after_holds_back_the_hosts_other_pages(lib: Library, server: FeedServer) -> None:
    items = [(f"/r{i}", f"Story {i}", SUMMARY) for i in range(3)]
    server.serve("/feed.xml", summary_feed(server, items))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    for path, _, _ in items:
        server.serve(path, b"busy", 429, **{"Retry-After": "600", "Content-Type": "text/html"})
    lib.full_text.concurrency = 1  # one at a time, so the first answer is heard first
    outcomes = lib.fetch_full_texts()
    assert len(outcomes) == 3 and not any(o.stored for o in outcomes)
    asked = sum(len(server.hits(path)) for path, _, _ in items)
    assert asked == 1, "after a Retry-After, the host's other pages wait"
    assert sum("asked to wait" in o.reason for o in outcomes) == 2
    assert any("retry after 600 s" in o.reason for o in outcomes)
    assert len(lib.articles(feed_id)) == 3


def test_at_most_two_pages_per_host_at_once(lib: Library, server: FeedServer) -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    page = article_page("Council backs breakwater").encode()

    def slow(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.15)
        with lock:
            running -= 1
        return 200, {"Content-Type": "text/html"}, page

    items = [(f"/s{i}", f"Story {i}", SUMMARY) for i in range(8)]
    server.serve("/feed.xml", summary_feed(server, items))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    for path, _, _ in items:
        server.routes[path] = slow
    outcomes = lib.fetch_full_texts()
    assert all(o.stored for o in outcomes) and len(outcomes) == 8
    assert most == 2
    assert all(a.full_text for a in lib.articles(feed_id))


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_the_feed_setting_decides_which_articles(db_path: Path, server: FeedServer) -> None:
    long_entry = " ".join(PARAGRAPHS * 2)  # over 150 words, no "Read more": not a stub
    items = [("/short", "Short", SUMMARY), ("/long", "Long", long_entry)]
    server.serve("/feed.xml", summary_feed(server, items))
    server.serve("/other.xml", summary_feed(server, [("/o", "Other", SUMMARY)]))
    url = server.url("/feed.xml")

    def queued(default: str, feeds: dict[str, str]) -> int:
        lib = open_library(
            db_path / default / str(len(feeds)),
            seed=False,
            clock=frozen_clock,
            full_text=default,
            full_text_feeds=feeds,
        )
        try:
            lib.add(url)
            lib.add(server.url("/other.xml"))
            return lib.full_texts_queued()
        finally:
            lib.close()

    assert queued("auto", {}) == 2  # the short entries of both feeds
    assert queued("never", {}) == 0
    assert queued("always", {}) == 3
    assert queued("never", {url: "always"}) == 2  # by URL
    assert queued("auto", {url: "never"}) == 1


def test_a_mode_set_on_the_feed_wins_and_refresh_full_text_forces(
    lib: Library, server: FeedServer
) -> None:
    long_entry = " ".join(PARAGRAPHS * 2)
    server.serve("/feed.xml", summary_feed(server, [("/a", "A", long_entry)]))
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    assert lib.full_texts_queued() == 0
    assert lib.set_full_text(feed_id, "never").full_text == "never"
    items = [("/a", "A", long_entry), ("/b", "B", SUMMARY)]
    server.serve("/feed.xml", summary_feed(server, items))
    lib.refresh()
    assert lib.full_texts_queued() == 0
    server.serve("/feed.xml", summary_feed(server, [*items, ("/c", "C", long_entry)]))
    lib.refresh(full_text=True)
    assert lib.full_texts_queued() == 1  # what this refresh stored, whatever the setting


def test_reader_extract_prints_the_pinned_json(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = article_page("Council backs breakwater")
    server.serve("/x", page.encode(), **{"Content-Type": "text/html"})
    html_file = tmp_path / "page.html"
    html_file.write_text(page, encoding="utf-8")
    for source in (server.url("/x"), str(html_file)):
        assert main(["--db", str(tmp_path / "db"), "extract", source, "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert list(data) == ["title", "author", "published", "text"]
        assert data["title"] == "Council backs breakwater"
        assert data["text"].split("\n\n")[0] == PARAGRAPHS[0]
        assert "\n\n\n" not in data["text"] and "<" not in data["text"]
    assert not (tmp_path / "db").exists()  # a URL or a file needs no database


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_reader_refresh_full_text_stores_the_pages(
    db_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    long_entry = " ".join(PARAGRAPHS[:6])  # not a summary (over 150 words), shorter than the page
    page = article_page("Council backs breakwater").encode()
    server.serve("/p", page, **{"Content-Type": "text/html"})
    server.serve("/feed.xml", summary_feed(server, [("/p", "Story", long_entry)]))
    db = str(db_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("READER_CONFIG", str(db_path.parent / "none.toml"))
        assert main(["--db", db, "add", server.url("/feed.xml")]) == 0
        assert "full text:" not in capsys.readouterr().out  # a long entry: auto leaves it
        server.serve("/feed.xml", summary_feed(server, [("/p", "Story", long_entry + " More.")]))
        assert main(["--db", db, "refresh", "--full-text"]) == 0
    out, err = capsys.readouterr()
    assert "full text: 1 pages stored, 0 kept the summary" in out, err
    lib = open_library(db_path, seed=False, clock=frozen_clock)
    try:
        (article,) = [a for a in lib.articles() if a.link == server.url("/p")]
        assert article.full_text == server.url("/p")
    finally:
        lib.close()


@pytest.mark.slow  # starts extraction processes (~0.5 s each)
def test_a_large_batch_is_extracted_in_processes(lib: Library, server: FeedServer) -> None:
    pages = {f"/batch{i}": article_page(f"Council backs breakwater {i}") for i in range(3)}
    feed_id = subscribe(lib, server, pages)
    lib.full_text.processes_from = 2
    outcomes = lib.fetch_full_texts()
    assert [o.stored for o in outcomes] == [True, True, True], [o.reason for o in outcomes]
    assert all("fishing town" in lib.document(a.id).text for a in lib.articles(feed_id))


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_reader_add_fetches_the_pages_of_a_summary_only_feed(
    db_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = article_page("Council backs breakwater").encode()
    server.serve("/s", page, **{"Content-Type": "text/html"})
    server.serve("/feed.xml", summary_feed(server, [("/s", "Story", SUMMARY)]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("READER_CONFIG", str(db_path.parent / "none.toml"))
        assert main(["--db", str(db_path), "add", server.url("/feed.xml")]) == 0
    out = capsys.readouterr().out
    assert "added Gazette" in out and "full text: 1 pages stored, 0 kept the summary" in out


# -- in the app ------------------------------------------------------------------------


def pane_text(app: ReaderApp) -> str:
    """The article pane as drawn: its header (with the note line) and its text."""
    view = app.main_screen.article_view
    lines = [view.render_line(y).text for y in range(view.size.height)]
    return "\n".join(lines)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_f_fetches_the_page_and_switches_back_to_the_summary(
    lib: Library, server: FeedServer
) -> None:
    feed_id = subscribe(lib, server, {"/breakwater": article_page("Council backs breakwater")})
    article_id = only_article(lib, feed_id)
    app = ReaderApp(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.main_screen.article_view
        await wait_until(pilot, lambda: view.article is not None)
        assert "decade of dispute" in view.document.text, "the feed's summary first"  # type: ignore[union-attr]
        await pilot.press("F")
        await wait_until(pilot, lambda: "fishing town of Porthmere" in view.document.text)  # type: ignore[union-attr]
        assert "Full text of the web page" in pane_text(app)
        assert {q.speaker for q in view.quotes} >= {"Maria Kessler", "Tomas Lindqvist"}
        await pilot.press("F")  # back to the feed's summary
        await wait_until(pilot, lambda: "decade of dispute" in view.document.text)  # type: ignore[union-attr]
        assert "The feed's summary" in pane_text(app)
        await pilot.press("F")
        await wait_until(pilot, lambda: "fishing town of Porthmere" in view.document.text)  # type: ignore[union-attr]
    assert lib.article(article_id).full_text == server.url("/breakwater")


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_f_on_a_missing_page_keeps_the_summary_and_says_why(
    lib: Library, server: FeedServer
) -> None:
    feed_id = subscribe(lib, server, {"/gone": article_page("Gone")})
    server.serve("/gone", b"not here", status=404)
    only_article(lib, feed_id)
    app = ReaderApp(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.main_screen.article_view
        await wait_until(pilot, lambda: view.article is not None)
        await pilot.press("F")
        said = lambda: [n.message for n in app._notifications]  # noqa: E731
        await wait_until(pilot, lambda: any("404" in m for m in said()))
        assert "decade of dispute" in view.document.text  # type: ignore[union-attr]
        assert app.sub_title == "", "the progress line is gone"


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_refresh_in_the_app_fetches_the_pages_it_queued(
    lib: Library, server: FeedServer
) -> None:
    feed_id = subscribe(lib, server, {"/breakwater": article_page("Council backs breakwater")})
    article_id = only_article(lib, feed_id)
    app = ReaderApp(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.main_screen.article_view
        await wait_until(pilot, lambda: view.article is not None)
        await pilot.press("R")  # the page waits in the queue: the refresh's background work
        await wait_until(pilot, lambda: "fishing town of Porthmere" in view.document.text)  # type: ignore[union-attr]
        assert lib.article(article_id).full_text


async def test_the_palette_sets_a_feeds_full_text_mode(lib: Library, server: FeedServer) -> None:
    from reader.ui.commands import ReaderCommands

    feed_id = subscribe(lib, server, {"/breakwater": article_page("Council backs breakwater")})
    app = ReaderApp(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_screen.go_to_feed(feed_id)
        await pilot.pause()
        offered = {title: run for title, _, run in ReaderCommands(app.screen)._commands()}
        offered["Full text for Gazette: never"]()
        await wait_until(pilot, lambda: lib.find_feed(feed_id).full_text == "never")  # type: ignore[union-attr]
        offered["Full text for Gazette: as in the settings"]()
        await wait_until(pilot, lambda: lib.find_feed(feed_id).full_text == "")  # type: ignore[union-attr]


def test_a_feed_file_is_read_offline_and_a_big_new_feed_queues_its_newest(
    lib: Library, server: FeedServer, tmp_path: Path
) -> None:
    """A local feed file's links are not fetched (unless asked: --full-text); a feed
    added with 5,000 summaries queues the newest MAX_PER_FEED pages, not 5,000."""
    from reader.core.services.fulltext import MAX_PER_FEED

    items = [(f"/p{i}", f"Story {i}", SUMMARY) for i in range(MAX_PER_FEED + 30)]
    data = summary_feed(server, items)
    local = tmp_path / "saved.xml"
    local.write_bytes(data)
    lib.add(str(local))
    assert lib.full_texts_queued() == 0, "a feed file stays offline"
    server.serve("/feed.xml", data)
    feed_id = lib.add(server.url("/feed.xml")).feed_id
    assert lib.full_texts_queued() == MAX_PER_FEED
    newest = lib.articles(feed_id)  # newest first, as the list shows them
    outcomes = lib.fetch_full_texts()
    assert {o.article_id for o in outcomes} == {a.id for a in newest[:MAX_PER_FEED]}


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_a_host_that_cannot_be_reached_is_not_asked_again_for_its_other_pages(
    lib: Library, server: FeedServer
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    items = "".join(
        f"<item><guid>d{i}</guid><title>Dead {i}</title><link>{dead}/p{i}</link>"
        f"<description>{escape(SUMMARY)}</description></item>"
        for i in range(20)
    )
    feed = f'<rss version="2.0"><channel><title>Dead</title>{items}</channel></rss>'
    server.serve("/dead.xml", feed.encode())
    lib.add(server.url("/dead.xml"))
    outcomes = lib.fetch_full_texts()
    assert len(outcomes) == 20 and not any(o.stored for o in outcomes)
    skipped = [o for o in outcomes if "could not be reached a moment ago" in o.reason]
    assert len(skipped) >= 20 - 2, "at most two connections tried (two per host at once)"
