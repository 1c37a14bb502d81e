"""Start-up on a lazily opened store: the first screen from a few feeds, the rest after it."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from textual.worker import WorkerCancelled

from reader.core.errors import Interrupted
from reader.core.library import NewestFirst, open_library
from reader.core.storage.catalogue import FILE_NAME, read_catalogue
from reader.ui import pacer as pacer_module
from reader.ui.app import ReaderApp
from reader.ui.main_screen import MainScreen
from reader.ui.pacer import KeyPacer
from tests.conftest import frozen_clock, wait_until

FEEDS, ENTRIES = 24, 6


def _feed(index: int) -> bytes:
    """Feed ``index``: its items' days spread so each feed's newest differs."""
    items = "".join(
        f"<item><guid>https://news.example/f{index}/a{n}</guid>"
        f"<title>Story {n} of feed {index}</title>"
        f"<link>https://news.example/f{index}/a{n}</link>"
        f"<pubDate>Tue, {1 + (index * 7 + n * 5) % 28:02d} Sep 2026 {n:02d}:00:00 GMT</pubDate>"
        f"<description>{escape(f'<p>Body {n} of feed {index}.</p>')}</description></item>"
        for n in range(ENTRIES)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {index}</title><link>https://news.example/f{index}/</link>"
        f"<description>Generated</description>{items}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def many_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("many")
    db = base / "db"
    library = open_library(db, clock=frozen_clock, seed=False)
    for index in range(FEEDS):
        source = base / f"feed{index}.rss"
        source.write_bytes(_feed(index))
        library.add(str(source))
    library.close()
    return db


@pytest.fixture
def db(tmp_path: Path, many_feeds: Path) -> Path:
    import shutil

    shutil.copytree(many_feeds, tmp_path / "db")
    return tmp_path / "db"


def test_the_newest_articles_need_only_the_feeds_that_hold_them(db: Path) -> None:
    full = open_library(db, readonly=True)
    lazy = open_library(db, readonly=True, lazy=True)
    try:
        every = full.articles()
        head, total = lazy.store.newest(5)
        assert head == every[:5]
        assert total == len(every) == FEEDS * ENTRIES
        loaded = {a.feed_id for a in lazy.store._articles.values()}
        assert len(loaded) < FEEDS, "a screenful came from a few feeds"
        listed = lazy.newest(5)
        assert isinstance(listed, NewestFirst) and len(listed) == total
        assert listed[4] == every[4] and not listed.loaded
        assert listed[-1] == every[-1], "past the first rows: the whole list"
        assert list(listed) == every and lazy.store.fully_loaded()
    finally:
        full.close()
        lazy.close()


def _write_an_older_catalogue(db: Path) -> None:
    """The catalogue as a version before the newest keys wrote it."""
    path = db / FILE_NAME
    data = json.loads(path.read_bytes())
    data["feeds"] = {f: entry[:4] for f, entry in data["feeds"].items()}
    path.write_text(json.dumps(data))


def test_a_catalogue_without_newest_keys_still_answers_and_is_rewritten(db: Path) -> None:
    _write_an_older_catalogue(db)
    full = open_library(db, readonly=True)
    every = full.articles()
    full.close()
    lazy = open_library(db, lazy=True)
    assert lazy.store.newest(3)[0] == every[:3]
    lazy.close()  # a flush with nothing changed writes the catalogue again
    assert all(entry[2] is not None for entry in read_catalogue(db).values())


def test_marking_one_article_read_loads_only_its_feed(db: Path) -> None:
    full = open_library(db, readonly=True)
    some = full.articles()[7]
    full.close()
    lazy = open_library(db, lazy=True)
    try:
        assert lazy.mark([some.id]) == [some.id]
        assert {a.feed_id for a in lazy.store._articles.values()} == {some.feed_id}
        assert lazy.is_read(some.id)
    finally:
        lazy.close()


def test_a_whole_archive_load_stops_between_feeds_when_the_app_quits(db: Path) -> None:
    """The app loads the rest in the background; at 100k that took ~1 s, and quitting
    waited for all of it. The library's pause hook raises on quit: the load stops."""
    lazy = open_library(db, lazy=True)
    calls: list[bool] = []

    def quitting_at_the_third_feed() -> None:
        calls.append(True)
        if len(calls) == 3:
            raise Interrupted

    lazy.background_pause = quitting_at_the_third_feed
    try:
        with pytest.raises(Interrupted):
            lazy.articles()
        assert len(lazy.store._by_feed) == 2
        assert len(lazy.articles()) == FEEDS * ENTRIES, "what was loaded stays; the rest loads"
    finally:
        lazy.close()


def test_the_key_pacer_waits_in_workers_but_never_on_the_ui_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacer_module.time, "sleep", slept.append)
    quitting = False
    pacer = KeyPacer(lambda: quitting)
    pacer.active()  # a key just came
    pacer.pause()  # the UI thread (a key needing the whole list): no wait
    assert slept == []
    outcome: list[object] = []

    def worker() -> None:
        try:
            pacer.pause()
            outcome.append("went on")
        except Interrupted:
            outcome.append(Interrupted)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert slept and outcome == ["went on"], "a worker gives the key its quiet first"
    quitting = True
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome[-1] is Interrupted


async def _settle(app: ReaderApp, pilot: object) -> None:
    await pilot.pause(0.2)  # type: ignore[attr-defined]
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


async def test_the_app_opens_the_newest_before_the_rest_loads_then_counts_every_feed(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = open_library(db, readonly=True)
    every, counts = full.articles(), {s.feed.id: (s.unread, s.total) for s in full.feeds()}
    full.close()
    started: list[bool] = []
    later = MainScreen.load_rest
    monkeypatch.setattr(MainScreen, "load_rest", lambda self: started.append(True))
    library = open_library(db, clock=frozen_clock, lazy=True)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 16)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.shown_id == every[0].id)
        screen = app.main_screen
        assert screen.article_list.current == every[0]
        assert not library.store.fully_loaded(), "shown before every feed was loaded"
        await wait_until(pilot, lambda: bool(started))  # once the first article is drawn
        assert screen.article_list.border_subtitle == str(len(every))
        await pilot.press("j", "j")
        assert screen.article_list.current == every[2]
        later(screen)  # the background load the app starts
        await _settle(app, pilot)
        assert library.store.fully_loaded()
        assert {s.feed.id: (s.unread, s.total) for s in library.feeds()} == counts
        assert list(screen.article_list.articles) == every
        assert screen.article_list.current == every[2], "the cursor stays where it was"
    library.close()


async def test_a_key_past_the_first_screen_acts_on_the_whole_list(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = open_library(db, readonly=True)
    every = full.articles()
    full.close()
    monkeypatch.setattr(MainScreen, "load_rest", lambda self: None)  # never in the background
    library = open_library(db, clock=frozen_clock, lazy=True)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 16)) as pilot:
        await wait_until(pilot, lambda: app.main_screen.shown_id == every[0].id)
        assert not library.store.fully_loaded()
        await pilot.press("G")  # the last article of all, not of the rows loaded first
        await _settle(app, pilot)
        assert app.main_screen.article_list.current == every[-1]
        assert app.main_screen.shown_id == every[-1].id
        await pilot.press("k")
        assert app.main_screen.article_list.current == every[-2]
    library.close()


async def test_the_feed_list_shows_each_feeds_count_beside_its_scrollbar(db: Path) -> None:
    library = open_library(db, clock=frozen_clock, lazy=True)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 16)) as pilot:  # more feeds than rows: a scrollbar
        await _settle(app, pilot)
        feeds = app.main_screen.feed_list
        assert feeds.show_vertical_scrollbar
        lines = [feeds.render_line(y).text for y in range(feeds.size.height)]
        shown = [line for line in lines if line.strip().startswith("Feed ")]
        assert shown and all(line.rstrip().endswith(str(ENTRIES)) for line in shown), lines
    library.close()


def test_an_older_catalogue_is_rewritten_whole_by_a_flush_that_loaded_nothing(db: Path) -> None:
    # Before: unloaded feeds kept their old entries, so the newest keys stayed missing
    # and every later launch loaded every feed for its first screen.
    _write_an_older_catalogue(db)
    lazy = open_library(db, lazy=True)
    lazy.close()
    assert all(entry[2] is not None for entry in read_catalogue(db).values())


async def test_a_key_in_the_app_tells_the_background_worker_processes_to_wait(
    db: Path,
) -> None:
    """The background pass's worker processes read a shared clock between articles;
    the app's keys set it to the end of their quiet."""
    import multiprocessing

    keys = multiprocessing.get_context("spawn").RawValue("d", 0.0)
    library = open_library(db, clock=frozen_clock, lazy=True)
    library.pacer.clocks.append(keys)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 16)) as pilot:
        await _settle(app, pilot)
        pressed = time.monotonic()
        await pilot.press("j")
        assert pressed + 0.2 < keys.value <= time.monotonic() + 0.3
    library.close()
