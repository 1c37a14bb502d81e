"""Analysis: what a refresh leaves for later (summary, quotations, archive terms,
outbound links, search terms), derived in chunks that give way to the reader."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from reader.core.analysis import search as fulltext
from reader.core.analysis.pipeline import (
    STOP,
    Analysed,
    Pending,
    analyse_batch,
    analyse_document,
    start_worker,
)
from reader.core.analysis.story_terms import TERMS_VERSION, index_terms
from reader.core.models import Article, Quote, SpeakerQuote, newest_first
from reader.core.services.archive import Archive
from reader.core.services.derived import Derived, FoundQuotes
from reader.core.services.documents import Documents
from reader.core.services.searching import Search
from reader.core.services.work import Pacer, start_resource_tracker
from reader.core.storage.codecs import unpack_body
from reader.core.storage.schema import LINKS_KIND, TERMS_KIND
from reader.core.storage.store import Store

_CHUNK = 25  # articles analysed between two background pauses (~60 ms)
_FLUSH_EVERY = 3.0  # seconds of analysis between flushes
# In the app's pass: a flush holds the store's lock (a key's repaint may wait on it)
# for what was stored since the last, so it flushes a third as much at a time.
BACKGROUND_FLUSH_EVERY = 1.0
POOL_FROM = 200  # pending articles from which worker processes analyse them
WORKERS = 2  # this machine's cores: more would take the reader's CPU and memory
BACKGROUND_NICE = 19  # the app's workers at the lowest priority: keys win the CPU at once
_AHEAD = 2 * WORKERS  # chunks handed to the workers before their results are stored


class Analysis:
    """Derives each pending article once, and answers from what it derived."""

    def __init__(
        self,
        store: Store,
        documents: Documents,
        derived: Derived,
        archive: Archive,
        search: Search,
        pacer: Pacer,
        workers: int = WORKERS,
    ) -> None:
        self.workers = workers  # 0: analyse on the calling thread only
        self.store = store
        self.documents = documents
        self.derived = derived
        self.archive = archive
        self.search = search
        self.pacer = pacer
        self.lock = threading.RLock()
        self._counted: dict[str, fulltext.ArticleTerms] = {}  # analysed, not yet indexed
        self._phrases: dict[str, str] = {}  # the same articles' phrase texts, when made

    def pending_count(self) -> int:
        """Articles stored by a refresh whose quotes and index terms are not derived yet."""
        return sum(article.pending for article in self.store.articles())

    def analyse_pending(
        self, progress: Callable[[int, int], None] | None = None, *, background: bool = False
    ) -> int:
        """Derive summary, quotes, index terms and search terms of every pending article.

        In chunks, so another thread can open an article in between; each feed's
        derived files are updated once, after its last chunk, and flushed every
        few seconds, so what is pending in memory stays small. From
        :data:`POOL_FROM` articles on, the chunks are analysed in two worker
        processes (the work is pure Python: threads would take turns on one
        core) while this thread reads bodies and stores results.
        ``progress(done, total)`` after each chunk; ``background``: the workers run at
        a lower priority (the app's pass: keys come first). Returns how many were analysed.
        """
        by_feed: dict[str, list[Article]] = {}
        for article in self.store.articles():
            if article.pending:
                by_feed.setdefault(article.feed_id, []).append(article)
        total = sum(len(items) for items in by_feed.values())
        chunks = [
            (feed_id, items[start : start + _CHUNK], start + _CHUNK >= len(items))
            for feed_id, items in by_feed.items()
            for start in range(0, len(items), _CHUNK)
        ]
        pool, keys = self._pool(total, background)
        # Flushed every few seconds, the catalogue (every article id) written once
        with self.store.catalogue_held():
            try:
                every = BACKGROUND_FLUSH_EVERY if background else _FLUSH_EVERY
                self._analyse_chunks(chunks, total, pool, progress, every)
            finally:
                if keys is not None:  # the batch a worker is on ends at its next article
                    self.pacer.clocks.remove(keys)
                    keys.value = STOP
                if pool is not None:  # stopped (quit): queued chunks are dropped at once
                    pool.shutdown(wait=False, cancel_futures=True)
            if total:
                self.store.flush()
        fresh = {a.id for items in by_feed.values() for a in items}
        return total + self._refresh_terms(progress, fresh)

    def _pool(self, articles: int, background: bool) -> tuple[Executor | None, Any]:
        """Worker processes for a large batch; none for a few articles (a process
        costs ~0.3 s to start) or where ``workers`` is 0. In the background, with the
        clock of the last key they share with :attr:`pacer` (they wait while keys come)."""
        if articles < POOL_FROM or self.workers < 2:
            return None, None
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        start_resource_tracker()
        # spawn: a fork of a threaded process (the app) could inherit a held lock.
        context = multiprocessing.get_context("spawn")
        keys = context.RawValue("d", 0.0) if background else None
        if keys is not None:
            self.pacer.clocks.append(keys)
        pool = ProcessPoolExecutor(
            self.workers,
            context,
            initializer=start_worker,
            initargs=(BACKGROUND_NICE if background else 0, keys),
        )
        return pool, keys

    def _analyse_chunks(
        self,
        chunks: list[tuple[str, list[Article], bool]],
        total: int,
        pool: Executor | None,
        progress: Callable[[int, int], None] | None,
        flush_every: float,
    ) -> None:
        """Analyse ``chunks`` (feed, articles, the feed's last?) in order, storing each
        feed after its last chunk; with a pool, a few chunks run ahead in its workers."""
        ahead: deque[Future[list[tuple[str, Analysed]]]] = deque()
        queued = iter(chunks)
        done = 0
        flushed = time.monotonic()
        analysed: list[Article] = []
        found: FoundQuotes = {}
        feed_id = ""
        try:
            for feed_id, chunk, last in chunks:
                self.pacer.pause()
                results = None
                if pool is not None:
                    try:
                        while len(ahead) < _AHEAD:  # keep the workers fed, memory bounded
                            nxt = next(queued, None)
                            if nxt is None:
                                break
                            ahead.append(pool.submit(analyse_batch, self._bodies(nxt[1])))
                        results = dict(self._result(ahead.popleft()))
                    except BrokenProcessPool:  # a worker died (out of memory?): the rest here
                        pool = None
                        ahead.clear()
                    # Most of the wait was for the workers: a key that came meanwhile
                    # goes before the storing, as before the next chunk.
                    self.pacer.pause()
                with self.lock:
                    found.update(self._each(chunk, analysed, results))
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
                if last:
                    with self.lock:
                        self._store(feed_id, analysed, found)
                    analysed, found = [], {}
                    if time.monotonic() - flushed > flush_every:
                        self.pacer.pause()
                        self.store.flush()
                        flushed = time.monotonic()
        finally:  # stopped early too: what was analysed is stored, not lost
            if analysed:
                with self.lock:
                    self._store(feed_id, analysed, found)
            for future in ahead:
                future.cancel()

    def _result(self, future: Future[list[tuple[str, Analysed]]]) -> list[tuple[str, Analysed]]:
        """A chunk's results, pausing while they are awaited: the workers wait while
        keys come, and a quit (the pause raises) must not wait for them."""
        while True:
            try:
                return future.result(timeout=0.05)
            except TimeoutError:
                self.pacer.pause()

    def _bodies(self, chunk: list[Article]) -> list[Pending]:
        """What a worker needs of each article still pending: the body as stored, which
        the worker unpacks."""
        found: list[Pending] = []
        for a in chunk:
            if a.pending:
                packed = self.store.packed_body(a.id)
                body = None if packed is None else partial(unpack_body, *packed)
                found.append((a.id, a.title, a.author, a.link, body))
        return found

    def _refresh_terms(self, progress: Callable[[int, int], None] | None, fresh: set[str]) -> int:
        """Derive the archive terms again where an older reader derived them.

        Once per database (the version is kept in its meta table): stored terms
        made by another :func:`index_terms` would share too little with the open
        article's. A feed at a time, in chunks like analysis; stopped early, it
        starts over next time. ``fresh``: articles this run has just analysed.
        """
        if self.store.readonly or self.store.meta("terms") == TERMS_VERSION:
            return 0
        by_feed = [
            (feed.id, [a for a in self.store.articles(feed.id) if not (a.pending or a.id in fresh)])
            for feed in self.store.feeds()
        ]
        total = sum(len(items) for _, items in by_feed)
        done = 0
        for feed_id, items in by_feed:
            for start in range(0, len(items), _CHUNK):
                self.pacer.pause()
                with self.lock:
                    for article in items[start : start + _CHUNK]:
                        doc = self.documents.build(article)
                        article.terms = index_terms(doc.title or article.title, doc.text)
                done += len(items[start : start + _CHUNK])
                if progress is not None:
                    progress(done, total)
            with self.lock:
                self.archive.add(items)
                self.derived.store_held(TERMS_KIND, feed_id, "terms")
        self.store.set_meta("terms", TERMS_VERSION)
        self.store.flush()
        return total

    def analysed(self, article_id: str) -> Article:
        """The article with its quotes and terms derived (now, if a refresh left it pending)."""
        article = self.documents.article(article_id)
        if article.pending:
            with self.lock:
                analysed: list[Article] = []
                found = self._each([article], analysed)
                self._store(article.feed_id, analysed, found)
        return article

    def _each(
        self,
        articles: list[Article],
        analysed: list[Article],
        results: dict[str, Analysed] | None = None,
    ) -> FoundQuotes:
        """Analyse those still pending (caller holds the lock); appends them to ``analysed``.

        ``results``: what a worker derived, by id (an article it lacks is analysed here).
        """
        todo = [a for a in articles if a.pending and self.store.article(a.id) is a]
        analysed += todo
        found: FoundQuotes = {}
        for article in todo:
            result = results.get(article.id) if results is not None else None
            if result is None:
                result = analyse_document(
                    self.documents.build(article), article.title, article.author
                )
            found[article.id] = self._keep(article, result)
        return found

    def _store(self, feed_id: str, analysed: list[Article], found: FoundQuotes) -> None:
        """Put analysed articles in the archive indexes and their feed's derived files."""
        if analysed:
            self.archive.add(analysed)
            self.store.articles_changed(feed_id)
            self.derived.store_quotes(feed_id, found)
            self.derived.store_held(TERMS_KIND, feed_id, "terms")
            self.derived.store_held(LINKS_KIND, feed_id, "out_links")
            self.search.index(feed_id, analysed, self._counted, self._phrases)

    def _keep(self, article: Article, result: Analysed) -> tuple[str, tuple[Quote, ...]]:
        """Hold what was derived in the article until its feed is stored.

        Returns the summary and quotations, kept in the feed's quotes file.
        """
        article.terms = result.terms
        article.out_links = result.out_links
        article.pending = False
        self._counted[article.id] = result.search_terms
        if result.phrase is not None:
            self._phrases[article.id] = result.phrase
        return result.summary, result.quotes

    def archive_quotes(self) -> list[tuple[Article, int, Quote]]:
        """Every stored quotation, newest article first, once pending articles are analysed."""
        self.analyse_pending()
        found = []
        for feed in self.store.feeds():
            for article_id, (_, quotes) in self.derived.quotes(feed.id).items():
                article = self.store.article(article_id)
                if article is not None:
                    found += [(article, position, quote) for position, quote in enumerate(quotes)]
        found.sort(key=lambda item: newest_first(item[0]), reverse=True)
        return found

    def quotes_by_speaker(self, name: str) -> list[tuple[Article, Quote]]:
        """Every stored quotation whose speaker's name contains ``name`` (case-insensitive)."""
        needle = name.casefold().strip()
        return [
            (article, quote)
            for article, _, quote in self.archive_quotes()
            if quote.speaker and needle in quote.speaker.casefold()
        ]

    def speakers(self, titles: dict[str, str]) -> list[tuple[str, list[SpeakerQuote]]]:
        """Everyone quoted in the archive, most quoted first, each with their quotations."""
        found: dict[str, list[SpeakerQuote]] = {}
        for article, position, quote in self.archive_quotes():
            if quote.speaker:
                found.setdefault(quote.speaker, []).append(
                    SpeakerQuote(article, position, quote, titles.get(article.feed_id, ""))
                )
        return sorted(found.items(), key=lambda item: (-len(item[1]), item[0].casefold()))
