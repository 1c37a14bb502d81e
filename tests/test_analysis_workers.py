"""Analysis in worker processes: the same derived data as one thread, and a prompt stop."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import unicodedata
from html import escape
from pathlib import Path

import pytest

from reader.core.analysis.search import phrase_text
from reader.core.analysis.search_words import fold
from reader.core.errors import Interrupted
from reader.core.library import Library, open_library
from reader.core.services import analysis as analysis_module
from reader.core.services import searching as searching_module
from tests.conftest import frozen_clock, rss

REAL_NEWS = Path(__file__).resolve().parent / "data" / "quotes_real"


def _real_news_feed(tmp_path: Path) -> Path:
    """The 40 real news articles of the quotation set as one feed (HTML paragraphs)."""
    items = []
    for path in sorted(REAL_NEWS.glob("r*.*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".txt":
            title, _, text = text.partition("\n")
            body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip())
            items.append((path.stem, title.strip() or path.stem, body))
        elif path.suffix == ".html":
            items.append((path.stem, path.stem, text))
    feed = tmp_path / "news.xml"
    feed.write_bytes(rss("Real news", items))
    return feed


def _derived_files(db: Path) -> dict[str, bytes]:
    kinds = ("quotes", "terms", "links", "search")
    return {
        str(path.relative_to(db)): path.read_bytes()
        for kind in kinds
        for path in sorted((db / kind).rglob("*"))
        if path.is_file()
    }


def _library(db: Path, feed: Path) -> Library:
    lib = open_library(db, clock=frozen_clock, seed=False)
    lib.add(str(feed))
    return lib


@pytest.mark.slow  # spawns worker processes
def test_workers_derive_what_one_thread_derives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotations, speakers, related terms, links and search postings are the same
    whether the archive was analysed in worker processes or on the calling thread."""
    feed = _real_news_feed(tmp_path)
    alone = _library(tmp_path / "alone", feed)
    try:
        assert alone.analyse_pending() == 40  # under POOL_FROM: this thread
        speakers = [name for name, _ in alone.speakers()]
    finally:
        alone.close()

    monkeypatch.setattr(analysis_module, "POOL_FROM", 10)
    pooled = _library(tmp_path / "pooled", feed)
    try:
        workers: list[int] = []
        pooled.background_pause = lambda: workers.append(len(multiprocessing.active_children()))
        assert pooled.analyse_pending() == 40
        assert max(workers) == 2, "two worker processes did the work"
        assert [name for name, _ in pooled.speakers()] == speakers and speakers
    finally:
        pooled.close()
    assert _derived_files(tmp_path / "pooled") == _derived_files(tmp_path / "alone")


@pytest.mark.slow  # spawns worker processes
def test_the_merge_after_pooled_analysis_makes_no_phrase_text_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers make each article's phrase text, so the merged search file that
    follows a large analysis (``reader index``) does not make them again on one core,
    and quoted phrases find what they find after analysis on one thread."""
    feed = _real_news_feed(tmp_path)
    libraries = {}
    for name, pool_from in (("alone", 1000), ("pooled", 10)):
        monkeypatch.setattr(analysis_module, "POOL_FROM", pool_from)
        libraries[name] = lib = _library(tmp_path / name, feed)
        assert lib.analyse_pending() == 40
    try:
        made: list[str] = []
        monkeypatch.setattr(
            searching_module.fulltext,
            "phrase_text",
            lambda *args: made.append(args[0]) or phrase_text(*args),
        )
        libraries["pooled"].finder.rebuild()
        assert made == [], "no phrase text was made in the merge"
        libraries["alone"].finder.rebuild()
        assert len(made) == 40
        quotations = [q.quote.text for _, qs in libraries["alone"].speakers() for q in qs]
        queries = ['"' + " ".join(text.split()[:3]) + '"' for text in quotations]
        assert len(queries) > 20

        def found(lib: Library) -> list[list[tuple[str, float]]]:
            return [[(h.article.id, h.score) for h in lib.search(q)] for q in queries]

        assert found(libraries["pooled"]) == found(libraries["alone"])
    finally:
        for lib in libraries.values():
            lib.close()


@pytest.mark.slow  # spawns worker processes
def test_quitting_stops_the_workers_and_keeps_what_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quit (the pause hook raises) mid-way: nothing queued runs on, the workers go,
    and the articles analysed so far keep their quotations."""
    monkeypatch.setattr(analysis_module, "POOL_FROM", 10)
    monkeypatch.setattr(analysis_module, "_CHUNK", 5)
    lib = _library(tmp_path / "db", _real_news_feed(tmp_path))
    try:

        def pause() -> None:
            if lib.pending_count() <= 30:  # quit once two chunks are analysed
                raise Interrupted

        lib.background_pause = pause
        with pytest.raises(Interrupted):
            lib.analyse_pending()
        assert lib.pending_count() == 30, "two chunks of five were stored, nothing more"
        deadline = time.monotonic() + 30
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert multiprocessing.active_children() == [], "the worker processes have ended"
        lib.background_pause = lambda: None
        lib.analyse_pending()  # the rest, next time
        assert lib.pending_count() == 0
    finally:
        lib.close()


def test_folding_a_character_at_a_time_is_folding_the_text() -> None:
    """Search folds case and diacritics through a per-character table: the words it
    indexes are those folding the whole text gives (ligatures, Turkish I, final sigma,
    combining accents split from their letter, Hangul)."""

    def whole(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    samples = [
        "Zürich’s ﬁnal, İSTANBUL and ΣΊΣΥΦΟΣ",
        "Cafe\u0301 cre\u0300me, Ångström, straße, Øresund",
        "서울 Ⅻ ½ ﬀ Kelvin \u212a, Cherokee \u13a0\uab70",
        "plain ascii only",
    ]
    for text in samples:
        assert fold(text) == whole(text)


@pytest.mark.slow  # spawns worker processes
def test_a_chunk_the_workers_finished_is_stored_after_a_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storing thread mostly waits for the workers; a key that comes meanwhile must
    go before that chunk's storing (it held the interpreter lock under the key's
    repaint), not only before the next chunk: a pause between each result and its store."""
    monkeypatch.setattr(analysis_module, "POOL_FROM", 10)
    monkeypatch.setattr(analysis_module, "_CHUNK", 5)
    lib = _library(tmp_path / "db", _real_news_feed(tmp_path))
    try:
        seen: list[int] = []
        lib.background_pause = lambda: seen.append(lib.pending_count())
        assert lib.analyse_pending() == 40
        stored = sorted(set(seen), reverse=True)
        assert stored == [40, 35, 30, 25, 20, 15, 10, 5]
        assert all(seen.count(pending) >= 2 for pending in stored), seen
    finally:
        lib.close()


@pytest.mark.slow  # spawns worker processes
async def test_the_apps_indexing_pass_runs_in_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the app (stderr captured by Textual, whose descriptor is -1) the pass
    still starts its worker processes; it failed with "bad value(s) in fds_to_keep".
    They run at the lowest CPU priority, so a key's repaint never waits behind them."""
    from reader.ui.app import ReaderApp
    from tests.conftest import wait_until

    monkeypatch.setattr(analysis_module, "POOL_FROM", 10)
    library = _library(tmp_path / "db", _real_news_feed(tmp_path))
    app = ReaderApp(library)
    seen: list[int] = []
    niceness: set[int] = set()

    def indexed() -> bool:
        children = multiprocessing.active_children()
        seen.append(len(children))
        for child in children:
            with contextlib.suppress(OSError):  # (it may have just ended)
                niceness.add(os.getpriority(os.PRIO_PROCESS, child.pid or 0))
        return library.pending_count() == 0

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, indexed, seconds=120)
        failed = [n.message for n in app._notifications if "failed" in n.message]
        assert failed == []
    library.close()
    assert max(seen, default=0) == 2, "the app's pass used two worker processes"
    assert max(niceness) == 19, "the workers run at the lowest CPU priority"


def test_a_worker_of_the_app_waits_while_keys_come_and_stops_on_quit(tmp_path: Path) -> None:
    """The app's key tells its worker processes (a shared clock) to wait until the keys'
    quiet ends, so no chunk's result lands during a repaint; on quit a batch ends at once."""
    from reader.core.analysis import pipeline
    from reader.core.models import Body

    keys = multiprocessing.get_context("spawn").RawValue("d", 0.0)
    items: list[pipeline.Pending] = [
        ("a", "Harbour news", "", "", Body("<p>“We will reopen,” said Anna Berg.</p>")),
        ("b", "Ferry news", "", "", Body("<p>The ferry runs again.</p>")),
    ]
    lib = open_library(tmp_path / "db", clock=frozen_clock, seed=False)
    try:
        lib.pacer.clocks.append(keys)
        pipeline.start_worker(0, keys)
        lib.keys_came(time.monotonic() + 0.3)  # what the app's KeyPacer does on a key
        started = time.monotonic()
        assert [a for a, _ in pipeline.analyse_batch(items)] == ["a", "b"]
        assert time.monotonic() - started >= 0.25, "the batch waited out the keys' quiet"

        keys.value = pipeline.STOP  # the app quits
        assert pipeline.analyse_batch(items) == []
    finally:
        pipeline.start_worker(0, None)
        lib.close()
