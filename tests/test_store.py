"""The store: atomic files, stable ids, read state, one writer, unreadable files kept."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reader.core.errors import StoreCorrupt, StoreLocked
from reader.core.library import Library, open_library
from reader.core.models import Article, Body
from reader.core.storage.store import Store
from tests.conftest import frozen_clock, rss

WRITER = textwrap.dedent(
    """
    import sys
    from reader.core.models import Article, Body
    from reader.core.storage.store import Store
    from reader.core.models import Feed

    store = Store(sys.argv[1])
    store.save_feed(Feed(id="f1", url="https://a.example/feed", title="A"))
    store.flush()
    round = 0
    print("ready", flush=True)
    while True:
        round += 1
        batch = [
            (Article(id=f"a{round}-{i}", feed_id="f1", title=f"t{round} {i}" * 20),
             Body("<p>" + "x" * 3000 + "</p>"))
            for i in range(40)
        ]
        store.put_articles("f1", batch)
        store.set_read([f"a{round}-0"])
        store.flush()
    """
)


@pytest.mark.slow
def test_sigkill_during_writes_never_leaves_an_unreadable_file(tmp_path: Path) -> None:
    db = tmp_path / "db"
    rng = random.Random(7)
    for _trial in range(30):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = Store(db)  # raises StoreCorrupt if any file was torn
        assert store.feeds()[0].title == "A"
        store.close()
    for path in [db / "library.json", db / "state.json", *db.glob("*/*.json")]:
        json.loads(path.read_bytes())
    assert not list(db.glob("**/.*.tmp")), "stale temp files are removed at start-up"


def test_reingest_keeps_ids_and_read_state(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_bytes(rss("Local", [("g1", "One", "<p>first</p>"), ("g2", "Two", "<p>b</p>")]))
    library = open_library(tmp_path / "db", seed=False, clock=frozen_clock)
    outcome = library.add(str(feed))
    assert outcome.new == 2
    ids = sorted(a.id for a in library.articles())
    library.mark([ids[0]])
    feed.write_bytes(
        rss(
            "Local",
            [
                ("g1", "One, edited", "<p>first</p>"),
                ("g2", "Two", "<p>b</p>"),
                ("g3", "Three", "<p>c</p>"),
            ],
        )
    )
    library.refresh()
    library.close()

    reopened = open_library(tmp_path / "db", clock=frozen_clock)
    articles = {a.id: a for a in reopened.articles()}
    assert len(articles) == 3
    assert set(ids) <= set(articles)
    assert reopened.is_read(ids[0])
    assert not reopened.is_read(ids[1])
    assert any(a.title == "One, edited" for a in articles.values())
    reopened.close()


def test_second_writer_is_told_which_process_holds_the_database(db_path: Path) -> None:
    first = Store(db_path)
    with pytest.raises(StoreLocked, match=str(os.getpid())):
        Store(db_path)
    first.close()
    Store(db_path).close()


def test_unreadable_file_is_reported_and_left_as_it_was(db_path: Path) -> None:
    Store(db_path).close()
    library_file = db_path / "library.json"
    library_file.write_bytes(b'{"feeds": {"1": {"id": "x"')
    before = library_file.read_bytes()
    with pytest.raises(StoreCorrupt, match="library.json"):
        Store(db_path)
    assert library_file.read_bytes() == before
    # the lock was released, so the user can fix the file and retry
    library_file.write_bytes(b"{}")
    Store(db_path).close()


def test_bodies_live_apart_and_load_on_demand(db_path: Path) -> None:
    store = Store(db_path)
    from reader.core.models import Feed

    store.save_feed(Feed(id="f", url="/x", title="F"))
    store.put_articles("f", [(Article(id="a", feed_id="f", title="T"), Body("<p>hello</p>"))])
    store.flush()
    store.close()
    meta = (db_path / "feeds" / "f.json").read_text()
    assert "hello" not in meta
    assert "hello" in (db_path / "bodies" / "f.json").read_text()
    reopened = Store(db_path)
    assert reopened._bodies == {}  # nothing read until an article opens
    assert reopened.body("a") == Body("<p>hello</p>")
    reopened.close()


def test_one_write_per_action_not_per_article(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.core.storage.atomic as atomic_module
    import reader.core.storage.derived_files as derived_module

    writes: list[Path] = []
    real = atomic_module.atomic_write
    for module in (atomic_module, derived_module):  # TinyDB files, and derived files
        monkeypatch.setattr(
            module,
            "atomic_write",
            lambda path, data, **kw: (writes.append(path), real(path, data, **kw)),
        )
    store = Store(db_path)
    from reader.core.models import Feed

    store.save_feed(Feed(id="f", url="/x", title="F"))
    store.put_articles(
        "f", [(Article(id=f"a{i}", feed_id="f", title="T"), Body("b")) for i in range(200)]
    )
    store.flush()
    assert sorted(p.name for p in writes) == ["f.json", "f.json", "library.json"]
    writes.clear()
    store.set_read(["a1", "a2"])
    store.flush()
    assert [p.name for p in writes] == ["state.json"]
    store.close()


def test_retention_drops_the_oldest_read_articles_but_never_unread_or_bookmarked(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed.rss"
    items = [(f"g{i}", f"Story {i}", f"<p>body {i}</p>") for i in range(6)]
    feed.write_bytes(rss("Local", items))
    library = open_library(tmp_path / "db", seed=False, clock=frozen_clock, retention=2)
    library.add(str(feed))
    by_title = {a.title: a.id for a in library.articles()}
    # read all but Story 5; bookmark the oldest read one
    library.mark([by_title[f"Story {i}"] for i in range(5)])
    library.bookmark(by_title["Story 0"])
    feed.write_bytes(rss("Local", [*items, ("g6", "Story 6", "<p>new</p>")]))
    library.refresh()
    left = {a.title for a in library.articles()}
    # 7 stored, limit 2: unread (5, 6) and bookmarked (0) stay; read ones go first
    assert left == {"Story 0", "Story 5", "Story 6"}
    library.refresh()  # the feed still carries the removed entries: they stay removed
    assert {a.title for a in library.articles()} == left
    library.close()
    reopened = open_library(tmp_path / "db", clock=frozen_clock)
    assert {a.title for a in reopened.articles()} == left
    reopened.close()


def test_feed_counts_stay_equal_to_a_recount(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_bytes(rss("Local", [(f"g{i}", f"T{i}", "<p>x</p>") for i in range(8)]))
    library = open_library(tmp_path / "db", clock=frozen_clock)
    library.add(str(feed))

    def recount() -> dict[str, tuple[int, int]]:
        read = library.read_ids()
        found: dict[str, list[int]] = {}
        for article in library.store.articles():
            entry = found.setdefault(article.feed_id, [0, 0])
            entry[1] += 1
            entry[0] += article.id not in read
        return {k: (v[0], v[1]) for k, v in found.items()}

    ids = [a.id for a in library.articles()]
    library.mark(ids[:5])
    library.mark(ids[2:4], read=False)
    library.store.remove_articles(ids[:1])
    expected = recount()
    assert {k: v for k, v in library.store.counts().items() if v[1]} == expected
    library.close()
    reopened = open_library(tmp_path / "db", clock=frozen_clock)
    assert {k: v for k, v in reopened.store.counts().items() if v[1]} == expected
    reopened.close()


def test_long_bodies_are_stored_compressed_and_read_back(db_path: Path) -> None:
    from reader.core.models import Feed

    long_body = "<p>" + "The harbour wall held through the night. " * 200 + "</p>"
    store = Store(db_path)
    store.save_feed(Feed(id="f", url="/x", title="F"))
    store.put_articles(
        "f",
        [
            (Article(id="long", feed_id="f", title="T"), Body(long_body)),
            (Article(id="tricky", feed_id="f", title="T"), Body("z:not packed", "text")),
        ],
    )
    store.flush()
    store.close()
    on_disk = (db_path / "bodies" / "f.json").stat().st_size
    assert on_disk < len(long_body) / 3
    reopened = Store(db_path)
    assert reopened.body("long") == Body(long_body)
    assert reopened.body("tricky") == Body("z:not packed", "text")
    reopened.close()


def aux_file(path: Path) -> dict[str, Any]:
    """What a derived-data file holds: compressed JSON inside a one-document TinyDB file."""
    packed = json.loads(path.read_text())["aux"]["1"]["zjson"]
    return json.loads(zlib.decompress(base64.b64decode(packed)))


def test_derived_files_are_compressed(db_path: Path) -> None:
    open_library(db_path, clock=frozen_clock).close()
    files = [*(db_path / "terms").glob("*.json"), *(db_path / "quotes").glob("*.json")]
    assert files
    for path in files:
        assert '"Putin' not in path.read_text()  # not plain JSON
        assert aux_file(path)


def test_index_terms_live_apart_from_the_metadata_kept_in_memory(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    seed = next(a for a in library.articles() if a.title.startswith("Putin Does Not"))
    assert seed.terms == {}  # not held in memory once stored
    library.close()
    meta = (db_path / "feeds" / f"{seed.feed_id}.json").read_text()
    assert '"terms"' not in meta
    stored = aux_file(db_path / "terms" / f"{seed.feed_id}.json")
    assert "Putin" in stored[seed.id]
    reopened = open_library(db_path, clock=frozen_clock)
    archive = [link for link in reopened.related(seed.id) if link.kind == "archive"]
    assert archive and "ceasefire" in (archive[0].reason or "")
    reopened.close()


def _fold_back(
    db_path: Path, kind: str, values: Callable[[dict[str, Any], dict[str, Any]], Any], *keys: str
) -> None:
    """Undo a migration: each ``kind`` file's data back into its feed's metadata records."""
    for derived in (db_path / kind).glob("*.json"):
        moved = aux_file(derived)
        meta_file = db_path / "feeds" / derived.name
        meta = json.loads(meta_file.read_text())
        for doc in meta["articles"].values():
            doc.update(zip(keys, values(doc, moved), strict=True))
        meta_file.write_text(json.dumps(meta))
        derived.unlink()


def _set_schema(db_path: Path, version: int) -> Path:
    library_file = db_path / "library.json"
    data = json.loads(library_file.read_text())
    data["meta"] = {"1": {"schema": version}}
    library_file.write_text(json.dumps(data))
    return library_file


def test_a_schema_1_database_moves_its_quotations_out_of_the_metadata(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    before = {name: len(quotes) for name, quotes in library.speakers()}
    library.close()
    assert before, "the seeds have quoted speakers"
    # Put the database back as schema 1 wrote it: quotations, summaries and links in the metadata.
    _fold_back(db_path, "quotes", lambda doc, moved: moved[doc["id"]], "summary", "quotes")
    _fold_back(db_path, "links", lambda doc, moved: (moved.get(doc["id"], []),), "out_links")
    library_file = _set_schema(db_path, 1)

    readonly = open_library(db_path, clock=frozen_clock, readonly=True)  # migrates in memory
    assert {name: len(quotes) for name, quotes in readonly.speakers()} == before
    readonly.close()
    for _ in range(2):  # the second open must not migrate again (and lose them)
        library = open_library(db_path, clock=frozen_clock)
        assert {name: len(quotes) for name, quotes in library.speakers()} == before
        library.close()
        assert all('"quotes"' not in f.read_text() for f in (db_path / "feeds").glob("*.json"))
        assert json.loads(library_file.read_text())["meta"]["1"]["schema"] == 3


def _backlinks(library: Library) -> set[tuple[str, str | None]]:
    return {
        (article.id, link.article_id)
        for article in library.articles()
        for link in library.related(article.id)
        if link.kind == "backlink"
    }


def test_a_schema_2_database_moves_outbound_links_out_of_the_metadata(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    before = _backlinks(library)
    assert all(not a.out_links for a in library.articles()), "not held in memory"
    library.close()
    assert before, "seed articles link to each other"
    # Put the database back as schema 2 wrote it: outbound links in the metadata.
    _fold_back(db_path, "links", lambda doc, moved: (moved.get(doc["id"], []),), "out_links")
    library_file = _set_schema(db_path, 2)

    readonly = open_library(db_path, clock=frozen_clock, readonly=True)  # migrates in memory
    assert _backlinks(readonly) == before
    readonly.close()
    for _ in range(2):  # the second open must not migrate again (and lose them)
        library = open_library(db_path, clock=frozen_clock)
        assert _backlinks(library) == before
        assert all(not a.out_links for a in library.articles())
        library.close()
        assert all('"out_links"' not in f.read_text() for f in (db_path / "feeds").glob("*.json"))
        assert json.loads(library_file.read_text())["meta"]["1"]["schema"] == 3


def test_derived_files_from_before_compression_are_rewritten_compressed(db_path: Path) -> None:
    open_library(db_path, clock=frozen_clock).close()
    path = next((db_path / "terms").glob("*.json"))
    plain = aux_file(path)
    path.write_text(json.dumps({"aux": {"1": plain}}))  # as written before compression
    library = open_library(db_path, clock=frozen_clock)
    feed_id = path.stem
    assert library.store.aux("terms", feed_id) == plain  # read as it is
    library.flush()
    library.close()
    assert "zjson" in path.read_text() and aux_file(path) == plain


def test_records_from_older_versions_still_load() -> None:
    """A record missing fields added later loads with their defaults."""
    from reader.core.storage.codecs import article_from_doc, article_to_doc

    old = article_from_doc({"id": "a1", "feed_id": "f1", "title": "Old", "summary": "s"})
    assert (old.id, old.title, old.link, old.entry_links, old.pending) == (
        "a1",
        "Old",
        "",
        (),
        False,
    )
    new = Article(id="a2", feed_id="f1", title="New", link="https://x.example/", pending=True)
    assert article_from_doc(article_to_doc(new)) == new


def test_the_list_order_is_newest_date_first_then_id_whatever_the_dates_look_like() -> None:
    """The one-string sort key orders as (date, id) would: undated articles by when
    they were added, a date that is a prefix of another (no seconds' fraction) first."""
    from reader.core.models import newest_first

    rng = random.Random(7)
    dates = [
        "2026-09-28T03:00:00+00:00",
        "2026-09-28T03:00:00",
        "2026-09-28T03:00:00.5+00:00",
        "2026-09-28T03:00:0",
        "2025-01-01",
        None,
    ]
    articles = [
        Article(
            f"id{rng.randrange(50)}-{n}",
            "f",
            "t",
            published=rng.choice(dates),
            added_at=rng.choice(dates[:5]) or "",
        )
        for n in range(400)
    ]
    by_pair = sorted(articles, key=lambda a: (a.published or a.added_at, a.id), reverse=True)
    assert sorted(articles, key=newest_first, reverse=True) == by_pair


def _two_feeds(tmp_path: Path) -> Path:
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    for name, items in (
        ("port.xml", [("h1", "Harbour reopens", "<p>The quay is open.</p>"), ("h2", "Tide", "")]),
        ("food.xml", [("b1", "Bakery wins", "<p>Sourdough again.</p>")]),
    ):
        (tmp_path / name).write_bytes(rss(name, items))
        lib.add(str(tmp_path / name))
    lib.analyse_pending()
    lib.prepare_search()  # the merged search file, as `reader index` leaves it
    lib.mark([lib.articles()[0].id])
    lib.close()
    return tmp_path / "db"


def test_a_lazy_open_counts_and_finds_articles_without_loading_every_feed(
    tmp_path: Path,
) -> None:
    db = _two_feeds(tmp_path)
    full = open_library(db, readonly=True)
    lazy = open_library(db, readonly=True, lazy=True)
    try:
        assert lazy.store._articles == {}, "nothing loaded: the catalogue answers"
        assert [(s.feed.id, s.unread, s.total) for s in lazy.feeds()] == [
            (s.feed.id, s.unread, s.total) for s in full.feeds()
        ]
        assert not lazy.has_pending()
        hit = full.search("sourdough ")[0].article
        assert lazy.search("sourdough ")[0].article == hit
        assert {a.feed_id for a in lazy.store._articles.values()} == {hit.feed_id}
        assert sorted(a.id for a in lazy.articles()) == sorted(a.id for a in full.articles())
    finally:
        full.close()
        lazy.close()


def test_analysis_writes_the_catalogue_once_and_leaves_it_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Analysis flushes a few feeds at a time; the catalogue (every article id) is
    written once, at the end, not at each flush (2 MB a time at 100k articles)."""
    import reader.core.services.analysis as analysis
    import reader.core.storage.catalogue as catalogue

    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    for n in range(4):
        name = f"feed{n}.xml"
        items = [(f"a{n}{i}", f"Story {n}.{i}", f"<p>Harbour news {n} {i}.</p>") for i in range(3)]
        (tmp_path / name).write_bytes(rss(name, items))
        lib.add(str(tmp_path / name))
    written: list[Path] = []
    write = catalogue.atomic_write
    monkeypatch.setattr(
        catalogue,
        "atomic_write",
        lambda path, *a, **k: written.append(path) or write(path, *a, **k),
    )
    monkeypatch.setattr(analysis, "_FLUSH_EVERY", -1.0)  # a flush after every feed
    flushes: list[int] = []
    flush = lib.store.flush
    monkeypatch.setattr(lib.store, "flush", lambda: flushes.append(1) or flush())
    assert lib.analyse_pending() == 12
    lib.close()
    assert len(flushes) >= 4
    assert written == [tmp_path / "db" / catalogue.FILE_NAME]
    lazy = open_library(tmp_path / "db", readonly=True, lazy=True)
    try:
        assert len(lazy.feeds()) == 4 and not lazy.has_pending()
        assert lazy.store._articles == {}, "the catalogue is current: nothing loaded"
    finally:
        lazy.close()


def test_a_feed_file_written_since_the_catalogue_is_loaded_as_usual(tmp_path: Path) -> None:
    db = _two_feeds(tmp_path)
    lib = open_library(db, clock=frozen_clock)
    port = next(f.id for f in lib.store.feeds() if f.url.endswith("port.xml"))
    lib.close()
    path = db / "feeds" / f"{port}.json"
    data = json.loads(path.read_text())  # as another version would: one article fewer
    data["articles"] = dict(list(data["articles"].items())[:1])
    path.write_text(json.dumps(data))
    lazy = open_library(db, readonly=True, lazy=True)
    try:
        counts = {s.feed.id: s.total for s in lazy.feeds()}
        assert counts[port] == 1, "the stale catalogue entry is not used"
        assert {a.feed_id for a in lazy.store._articles.values()} == {port}
    finally:
        lazy.close()
