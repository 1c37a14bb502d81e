"""Analysis: what a refresh leaves for later (summary, quotations, archive terms,
outbound links, search terms), derived in chunks that give way to the reader."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reader.core.analysis import search as fulltext
from reader.core.analysis.links import outbound_urls
from reader.core.analysis.quotes import find_quotes
from reader.core.analysis.story_terms import TERMS_VERSION, index_terms
from reader.core.models import Article, Quote, SpeakerQuote
from reader.core.services.archive import Archive
from reader.core.services.derived import Derived, FoundQuotes
from reader.core.services.documents import Documents, newest_first
from reader.core.services.searching import Search, article_terms
from reader.core.services.work import Pacer
from reader.core.storage.schema import LINKS_KIND, TERMS_KIND
from reader.core.storage.store import Store

_CHUNK = 25  # articles analysed between two background pauses (~60 ms)
_FLUSH_EVERY = 3.0  # seconds of analysis between flushes
MAX_OUT_LINKS = 200


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
    ) -> None:
        self.store = store
        self.documents = documents
        self.derived = derived
        self.archive = archive
        self.search = search
        self.pacer = pacer
        self.lock = threading.RLock()
        self._counted: dict[str, fulltext.ArticleTerms] = {}  # analysed, not yet indexed

    def pending_count(self) -> int:
        """Articles stored by a refresh whose quotes and index terms are not derived yet."""
        return sum(article.pending for article in self.store.articles())

    def analyse_pending(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Derive summary, quotes, index terms and search terms of every pending article.

        In chunks, so another thread can open an article in between; each feed's
        derived files are updated once, after its last chunk, and flushed every
        few seconds, so what is pending in memory stays small.
        ``progress(done, total)`` after each chunk. Returns how many were analysed.
        """
        by_feed: dict[str, list[Article]] = {}
        for article in self.store.articles():
            if article.pending:
                by_feed.setdefault(article.feed_id, []).append(article)
        total = sum(len(items) for items in by_feed.values())
        done = 0
        flushed = time.monotonic()
        for feed_id, items in by_feed.items():
            if time.monotonic() - flushed > _FLUSH_EVERY:
                self.store.flush()
                flushed = time.monotonic()
            analysed: list[Article] = []
            found: FoundQuotes = {}
            try:
                for start in range(0, len(items), _CHUNK):
                    self.pacer.pause()
                    chunk = items[start : start + _CHUNK]
                    with self.lock:
                        found.update(self._each(chunk, analysed))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            finally:  # stopped early too: what was analysed is stored, not lost
                with self.lock:
                    self._store(feed_id, analysed, found)
        if total:
            self.store.flush()
        fresh = {a.id for items in by_feed.values() for a in items}
        return total + self._refresh_terms(progress, fresh)

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

    def _each(self, articles: list[Article], analysed: list[Article]) -> FoundQuotes:
        """Analyse those still pending (caller holds the lock); appends them to ``analysed``."""
        todo = [a for a in articles if a.pending and self.store.article(a.id) is a]
        analysed += todo
        return {article.id: self._analyse(article) for article in todo}

    def _store(self, feed_id: str, analysed: list[Article], found: FoundQuotes) -> None:
        """Put analysed articles in the archive indexes and their feed's derived files."""
        if analysed:
            self.archive.add(analysed)
            self.store.articles_changed(feed_id)
            self.derived.store_quotes(feed_id, found)
            self.derived.store_held(TERMS_KIND, feed_id, "terms")
            self.derived.store_held(LINKS_KIND, feed_id, "out_links")
            self.search.index(feed_id, analysed, self._counted)

    def _analyse(self, article: Article) -> tuple[str, tuple[Quote, ...]]:
        """Derive what the archive needs (index terms, links, search terms) from the body.

        Returns the summary and quotations, kept in the feed's quotes file.
        """
        doc = self.documents.build(article)
        quotes = tuple(find_quotes(doc))
        article.terms = index_terms(doc.title or article.title, doc.text)
        article.out_links = tuple(outbound_urls(doc)[:MAX_OUT_LINKS])
        article.pending = False
        self._counted[article.id] = article_terms(article, doc, quotes)
        return " ".join(doc.text.split())[:280], quotes

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
