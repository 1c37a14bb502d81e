"""The archive's indexes: similar stories, backlinks, and articles by URL or title."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from reader.core.analysis.links import (
    BacklinkIndex,
    KeyIndex,
    RelatedLink,
    archive_links,
    backlink_links,
    normalise_url,
    related_links,
)
from reader.core.analysis.similarity import Item, SimilarityIndex, day_number
from reader.core.analysis.story_terms import index_terms
from reader.core.models import Article, Document
from reader.core.services.derived import Derived
from reader.core.services.documents import lookup_keys
from reader.core.services.work import Pacer, long_lived
from reader.core.storage.schema import LINKS_KIND, TERMS_KIND
from reader.core.storage.store import Store

ARCHIVE_MIN_SCORE = 0.03  # below this, shared words are chance, not a shared story
Indexes = tuple[SimilarityIndex, BacklinkIndex, KeyIndex]


class Archive:
    """Built from the stored terms and links on first use; analysed articles join them."""

    def __init__(self, store: Store, derived: Derived, pacer: Pacer) -> None:
        self.store = store
        self.derived = derived
        self.pacer = pacer
        self._indexes: Indexes | None = None
        self.lock = threading.Lock()  # held while the indexes are built or changed

    def indexes(self, *, wait: bool = True) -> Indexes | None:
        """The indexes, built now if need be.

        ``wait=False``: None at once if another thread is building them (a
        build takes seconds at 100k articles; waiting threads would pile up).
        """
        if not self.lock.acquire(blocking=wait):
            return None
        try:
            if self._indexes is None:
                with long_lived():
                    self._indexes = self._build()
            return self._indexes
        finally:
            self.lock.release()

    def _build(self) -> Indexes:
        # Built a few milliseconds at a time: the UI thread waits for the
        # interpreter lock while a worker holds it.
        paced = self.pacer.paced
        lookup = KeyIndex(paced((a.id, lookup_keys(a)) for a in self.store.articles()))

        def feed_by_feed() -> Iterator[Item]:
            """One feed's terms file in memory at a time (~700 B an article)."""
            for feed in self.store.feeds():
                terms = self.derived.held(TERMS_KIND, feed.id, "terms")
                for article in self.store.articles(feed.id):
                    yield article.id, terms.get(article.id, {}), day_number(article.published)

        def links_by_feed() -> Iterator[tuple[str, list[str]]]:
            for feed in self.store.feeds():
                yield from self.derived.held(LINKS_KIND, feed.id, "out_links").items()

        return (
            SimilarityIndex(paced(feed_by_feed(), 50), pause=self.pacer.pause),
            BacklinkIndex(paced(links_by_feed(), 200)),
            lookup,
        )

    def ready(self) -> bool:
        """Whether the indexes are built (related stories, backlinks, ◆ marks)."""
        return self._indexes is not None

    def forget(self) -> None:
        """Articles were removed: the indexes are built again when next needed."""
        with self.lock:
            self._indexes = None

    def add(self, articles: list[Article]) -> None:
        """Newly analysed articles join indexes already built (else they are built with them)."""
        with self.lock:
            if self._indexes is None:
                return
            similar, backlinks, lookup = self._indexes
            for article in articles:
                similar.add(article.id, article.terms, day_number(article.published))
                backlinks.add(article.id, article.out_links)
                lookup.add(article.id, lookup_keys(article))

    def find_article(self, url_or_title: str) -> str | None:
        """The stored article a URL or a title names, if any."""
        indexes = self.indexes()
        if indexes is None:  # only without waiting
            return None
        _, _, lookup = indexes
        found = lookup.get(normalise_url(url_or_title)) or lookup.get(
            "title:" + url_or_title.casefold().strip()
        )
        return found[0] if found else None

    def related_for(
        self, doc: Document, article: Article, *, wait: bool = True, build: bool = True
    ) -> list[RelatedLink]:
        """The sidebar's links; with ``wait=False``, while another thread builds the
        indexes, only what the article itself holds (no archive groups); the same
        with ``build=False`` while they are not built yet."""
        indexes = self.indexes(wait=wait) if build or self._indexes is not None else None
        if indexes is None:
            return related_links(doc, article)
        similar, backlinks, _ = indexes
        links = related_links(doc, article, find_article=self.find_article)
        links += archive_links(
            similar,
            article,
            self.store.article,
            min_score=ARCHIVE_MIN_SCORE,
            terms=index_terms(doc.title or article.title, doc.text),  # as its analysis counts them
            day=day_number(article.published),
        )
        links += backlink_links(backlinks, article, self.store.article)
        return links
