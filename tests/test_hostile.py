"""Hostile input: every corpus file through `reader add` (file and HTTP), then audits.

After the adds: no control character in any stored string, the trailing
ordinary entry of each feed stored, only http(s)/mailto (or empty) URLs
stored, nothing stored before lost, the tripwire never requested, and a
refresh run twice changes nothing.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest

from reader.cli import main
from reader.core.ingest.feeds import parse_feed
from reader.core.library import Library, open_library
from reader.core.sanitize import url_scheme
from tests.conftest import FeedServer, frozen_clock
from tests.hostile_corpus import (
    CONTROL,
    ORDINARY_TITLE,
    REJECTED,
    TRIPWIRE_PATH,
    content_type,
    corpus,
)

URL_KEYS = {"link", "url", "site_url", "out_links"}
SAFE_URL_SCHEMES = {"http", "https", "mailto"}
ADD_TIMEOUT = 60
ADD_GROUPS = 4
# The real CLI in a real process, minus fsync: durability is the fault test's business.
NO_FSYNC_MAIN = (
    "import os, sys; os.fsync = lambda fd: None; "
    "from reader.cli import main; sys.exit(main(sys.argv[1:]))"
)


def stored_strings(db: Path) -> Iterator[tuple[Path, str]]:
    """Every string (keys too) in every TinyDB file of the database folder."""

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(key)
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for path in sorted(db.rglob("*.json")):
        for text in walk(read_db_file(path)):
            yield path, text


def read_db_file(path: Path) -> Any:
    """A database file's JSON, with a derived file's compressed document unpacked."""
    data = orjson.loads(path.read_bytes())
    packed = data.get("aux", {}).get("1", {}).get("zjson") if isinstance(data, dict) else None
    if isinstance(packed, str):
        data["aux"]["1"] = orjson.loads(zlib.decompress(base64.b64decode(packed)))
    return data


def stored_urls(db: Path) -> Iterator[tuple[str, str]]:
    """(field, url) for every URL-valued field; a feed's own ``url`` may be a local path."""

    def walk(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            is_feed = "kind" in value and "etag" in value
            for name, item in value.items():
                if name == "url" and is_feed:
                    continue
                yield from walk(item, name)
        elif isinstance(value, list):
            if key == "entry_links":
                for link in value:
                    yield key, link[0]
            else:
                for item in value:
                    yield from walk(item, key)
        elif isinstance(value, str) and key in URL_KEYS:
            yield key, value

    for path in sorted(db.rglob("*.json")):
        if path.parent.name in ("bodies", "search"):
            continue
        data = read_db_file(path)
        if path.parent.name == "links":  # {article id: [url, ...]}
            data = [{"out_links": urls} for urls in data["aux"]["1"].values()]
        yield from walk(data)


def snapshot(library: Library) -> dict[str, Any]:
    return {
        "articles": {a.id: a.title for a in library.store.articles()},
        "read": set(library.read_ids()),
        "bookmarks": {b.id for b in library.bookmarks()},
    }


def prepare(db: Path) -> dict[str, Any]:
    """A database with the seeds, one bookmark and one read mark: what must not be lost."""
    library = open_library(db, clock=frozen_clock)
    try:
        first = library.articles()[0]
        library.bookmark(first.id, note="keep me")
        library.mark([library.articles()[1].id])
        return snapshot(library)
    finally:
        library.close()


def audit(db: Path, before: dict[str, Any], accepted: dict[str, str]) -> None:
    """The checks every run ends with; ``accepted`` maps input name -> stored feed url.

    First the analysis a refresh leaves for later (quotes, terms, search), as the
    app runs it: it must survive the same input, and its files are checked too.
    """
    library = open_library(db, clock=frozen_clock)
    try:
        library.analyse_pending()
    finally:
        library.close()
    assert any((db / "quotes").glob("*.json")), "derived files were written"
    dirty = [(p.name, repr(s[:80])) for p, s in stored_strings(db) if CONTROL.search(s)]
    assert dirty == [], f"{len(dirty)} stored strings hold control characters"
    bad = [(k, u[:80]) for k, u in stored_urls(db) if u and url_scheme(u) not in SAFE_URL_SCHEMES]
    assert bad == [], "unsafe stored URLs"
    passwd = [s[:80] for _, s in stored_strings(db) if "root:x:0:0" in s]
    assert passwd == [], "an external entity was expanded"
    library = open_library(db, readonly=True)
    try:
        now = snapshot(library)
        assert before["articles"].items() <= now["articles"].items(), "an article was lost"
        assert before["read"] <= now["read"], "a read mark was lost"
        assert before["bookmarks"] <= now["bookmarks"], "a bookmark was lost"
        by_url = {feed.url: feed for feed in library.store.feeds()}
        missing = [
            name
            for name, url in accepted.items()
            if ORDINARY_TITLE not in {a.title for a in library.store.articles(by_url[url].id)}
        ]
        assert missing == [], "the ordinary closing entry was not stored"
        for feed in library.store.feeds():
            for article in library.store.articles(feed.id)[:40]:
                doc = library.document(article.id)
                links = [link.url for link in doc.links]
                links += [link.url or "" for link in library.related(article.id)]
                unsafe = [u for u in links if u and url_scheme(u) not in SAFE_URL_SCHEMES]
                assert unsafe == [], f"unsafe link in {article.title[:40]!r}"
                assert not CONTROL.search(doc.text) and not CONTROL.search(doc.title)
    finally:
        library.close()


def check_outcome(name: str, code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err and "internal error" not in err, f"{name}: {err[-500:]}"
    if name in REJECTED:
        assert code == 1, f"{name} was accepted: {out}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reader: "), err
        assert name.split(".")[0] in lines[0], f"the error does not name the input: {lines[0]}"
    else:
        assert code == 0, f"{name}: {err.strip()}"
        assert out.startswith("added "), out


@pytest.fixture(scope="module")
def tripwire_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def add_files(db: Path, paths: list[Path]) -> list[tuple[str, int, str, str]]:
    """``reader add`` each file in its own process, one after the other."""
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    env.pop("READER_DEBUG", None)
    results = []
    for path in paths:
        try:
            done = subprocess.run(
                [sys.executable, "-c", NO_FSYNC_MAIN, "--db", str(db), "add", str(path)],
                capture_output=True,
                text=True,
                timeout=ADD_TIMEOUT,
                env=env,
            )
        except subprocess.TimeoutExpired:
            results.append((path.name, -1, "", f"hung for {ADD_TIMEOUT} s"))
            continue
        results.append((path.name, done.returncode, done.stdout, done.stderr))
    return results


@pytest.mark.slow
def test_every_corpus_file_through_reader_add(tmp_path: Path, tripwire_server: FeedServer) -> None:
    """Real processes; the corpus is split over a few databases that fill side by side."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    paths = []
    for name, data in corpus(tripwire_server.url(TRIPWIRE_PATH)).items():
        (inputs / name).write_bytes(data)
        paths.append(inputs / name)
    groups = [paths[i::ADD_GROUPS] for i in range(ADD_GROUPS)]
    dbs = [tmp_path / f"db{i}" for i in range(ADD_GROUPS)]
    befores = [prepare(db) for db in dbs]
    with ThreadPoolExecutor(ADD_GROUPS) as pool:
        outcomes = list(pool.map(add_files, dbs, groups))
    for db, before, results in zip(dbs, befores, outcomes, strict=True):
        accepted = {}
        for name, code, out, err in results:
            assert code != -1, f"{name}: reader add {err}"
            check_outcome(name, code, out, err)
            if name not in REJECTED:
                accepted[name] = str((inputs / name).resolve())
        audit(db, before, accepted)
    assert sum(len(g) for g in groups) >= 44
    assert not [p for p, _ in tripwire_server.requests if p.startswith(TRIPWIRE_PATH)]


@pytest.mark.slow
def test_every_corpus_file_through_http(
    tmp_path: Path,
    feed_server: FeedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Durability is the fault test's business; here fsync only costs time.
    monkeypatch.setattr("reader.core.storage.atomic.os.fsync", lambda fd: None)
    db = tmp_path / "db"
    before = prepare(db)
    accepted: dict[str, str] = {}
    files = corpus(feed_server.url(TRIPWIRE_PATH))
    del files["entries_5000.rss"]  # read through `reader add FILE` and the fault test already
    # Encodings the server mis-declares as well.
    files["windows1251_header_says_utf8.rss"] = files["windows1251.rss"]
    files["utf16_header_says_latin1.rss"] = files["utf16_bom.rss"]
    for name, data in files.items():
        kind = content_type(name)
        if name == "windows1251_header_says_utf8.rss":
            kind = "application/rss+xml; charset=utf-8"
        elif name == "utf16_header_says_latin1.rss":
            kind = "text/xml; charset=iso-8859-1"
        feed_server.serve(f"/hostile/{name}", data, **{"Content-Type": kind})
        url = feed_server.url(f"/hostile/{name}")
        code = main(["--db", str(db), "add", url])
        out, err = capsys.readouterr()
        check_outcome(name, code, out, err)
        if name not in REJECTED:
            accepted[name] = url
    audit(db, before, accepted)
    assert not [p for p, _ in feed_server.requests if p.startswith(TRIPWIRE_PATH)]

    # Refresh twice: the first finds nothing new, the second changes nothing at all.
    library = open_library(db, clock=frozen_clock)
    try:
        first = library.refresh()
        assert [o.error for o in first if o.error] == []
        assert sum(o.new for o in first) == 0
        state = {a.id: a for a in library.store.articles()}
        second = library.refresh()
        assert sum(o.new for o in second) == 0
        assert {a.id: a for a in library.store.articles()} == state
    finally:
        library.close()
    files_after = {p: p.read_bytes() for p in db.rglob("*.json")}
    library = open_library(db, clock=frozen_clock)
    try:
        library.refresh()
    finally:
        library.close()
    assert {p: p.read_bytes() for p in db.rglob("*.json")} == files_after
    audit(db, before, accepted)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<rss><channel><title>x</title><item><title>&#99999999;</title></item>", "range"),
        (b"<rss><channel><item><title>&#xD800; &#x110000;</title></item>", "surrogate"),
    ],
)
def test_out_of_range_character_references_do_not_raise(data: bytes, reason: str) -> None:
    parsed = parse_feed(data, "refs.rss")
    assert [e.title for e in parsed.entries] and "\ufffd" in parsed.entries[0].title, reason


def test_a_huge_author_does_not_stall_feedparser() -> None:
    import time

    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        b"<title>x</title><author>" + b"A" * 200_000 + b"</author></item></channel></rss>"
    )
    started = time.thread_time()
    parsed = parse_feed(data, "author.rss")
    assert time.thread_time() - started < 2
    assert len(parsed.entries[0].author) <= 1000


def test_json_feed_with_1e400_and_a_far_future_date_is_read() -> None:
    data = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        b'{"id": 1e400, "title": "inf", "date_published": "9999-12-31T23:59:59-14:00"},'
        b'{"id": "ok", "title": "fine"}]}'
    )
    parsed = parse_feed(data, "j.json")
    assert [e.title for e in parsed.entries] == ["inf", "fine"]
    assert parsed.entries[0].published is None


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf \n"])
def test_a_bom_alone_is_an_empty_document(data: bytes) -> None:
    from reader.core.errors import SourceError

    with pytest.raises(SourceError, match="empty document"):
        parse_feed(data, "bom.xml")


def test_a_byte_order_mark_outranks_the_servers_charset() -> None:
    data = '<?xml version="1.0"?><rss version="2.0"><channel><title>Лента</title><item>'
    data += "<guid>1</guid><title>Новости</title></item></channel></rss>"
    parsed = parse_feed(
        data.encode("utf-16"), "u16.rss", {"Content-Type": "text/xml; charset=iso-8859-1"}
    )
    assert [e.title for e in parsed.entries] == ["Новости"]


def test_index_terms_of_a_huge_text_is_bounded() -> None:
    import time

    from reader.core.analysis.story_terms import index_terms

    started = time.thread_time()
    terms = index_terms("Big [b] " * 131072, "Word Ann Lee said. " * 60000)
    assert time.thread_time() - started < 2.5
    assert terms


# -- article pages (issue 17): extraction is bounded, and nothing from a page runs ------------

_STORY = "<p>" + "The harbour council voted on Tuesday to rebuild the breakwater. " * 6 + "</p>"


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("a million elements", "<html><body>" + "<b></b>" * 10**6 + _STORY + "</body></html>"),
        ("10k nesting", "<body>" + "<div>" * 10_000 + _STORY * 3 + "</div>" * 10_000),
        ("10k unclosed", "<body>" + "<i><b>" * 5_000 + _STORY * 3),
        ("a 50 MB comment", "<body>" + _STORY + "<!--" + "x" * 50_000_000 + "-->" + _STORY),
        ("a million comments", "<body>" + "<!-- -->" * 1_000_000 + _STORY),
        ("unclosed scripts", "<body>" + "<script>" * 500_000 + _STORY),
    ],
    ids=["elements", "nesting", "unclosed", "comment", "comments", "scripts"],
)
def test_a_page_built_to_hurt_is_bounded(name: str, page: str) -> None:
    import time

    from reader.core.analysis.extract import extract_page
    from reader.core.errors import SourceError

    started = time.monotonic()
    try:
        text = extract_page(page, "https://hostile.example/a").text
    except SourceError as error:
        text = str(error)
        assert "hostile.example" in text and "\n" not in text
    assert time.monotonic() - started < 10, name
    assert len(text) < 1_000_000


def test_page_text_carries_no_markup_escapes_or_scripts(feed_server: FeedServer) -> None:
    from reader.core.analysis.extract import extract_page

    bait = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[31mred\x1b[0m [bold]x[/"
    page = (
        f"<html><head><title>\x1b[2JTitle\u202e | Site</title>"
        f"<script>alert(1)</script><style>p{{color:red}}</style></head><body><article>"
        f"<h1>Harbour</h1>{_STORY}<p>{bait} &lt;script&gt;</p>"
        f"<img src='{feed_server.url('/tracker.gif')}'><script src='{feed_server.url('/x.js')}'>"
        f"</script><form action='{feed_server.url('/post')}'><input name=q></form>"
        f"<iframe src='{feed_server.url('/frame')}'></iframe>{_STORY}</article></body></html>"
    )
    found = extract_page(page, feed_server.url("/a"))
    for text in (found.text, found.title, found.author or ""):
        assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in text)
        assert "alert(1)" not in text and "color:red" not in text
    assert "[bold]x[/" in found.text  # text, shown as text by the UI
    assert found.title  # some headline, cleaned like the text
    assert feed_server.requests == []  # no image, script, form or frame was fetched


@pytest.mark.slow  # a fresh interpreter: pytest's own log handler would hide the output
def test_the_extractors_say_nothing_on_stderr() -> None:
    """readability logs a page it cannot read with a traceback; over the app's screen."""
    code = (
        "import logging\n"
        "from reader.core.analysis.extract import extract_page\n"
        "try:\n"
        "    extract_page('<html><body></body></html>', 'https://hostile.example/empty')\n"
        "except Exception:\n"
        "    pass\n"
        "logging.getLogger('readability.readability').exception('a page it could not read')\n"
        "logging.getLogger('trafilatura.core').warning('discarding data')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
