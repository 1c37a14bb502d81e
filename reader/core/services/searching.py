"""Full-text search: the postings of every feed, loaded once and kept in line with the store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from reader.core.analysis import search as fulltext
from reader.core.analysis.quotes import find_quotes
from reader.core.errors import ReaderError
from reader.core.models import Article, Document, Quote
from reader.core.services.derived import Derived, FoundQuotes
from reader.core.services.documents import Documents
from reader.core.services.work import Pacer, long_lived
from reader.core.storage.store import Store


def article_terms(
    article: Article, doc: Document, quotes: Iterable[Quote]
) -> fulltext.ArticleTerms:
    return fulltext.article_terms(article.title, article.author, doc.text, quotes)


class Search:
    """Queries over postings counted when articles are analysed."""

    def __init__(self, store: Store, documents: Documents, derived: Derived, pacer: Pacer) -> None:
        self.store = store
        self.documents = documents
        self.derived = derived
        self.pacer = pacer
        self._index: fulltext.SearchIndex | None = None
        self._lock = threading.Lock()

    def search(self, query: fulltext.Query, limit: int) -> list[fulltext.SearchHit]:
        """Articles matching ``query``, best first (title hits, then BM25)."""
        boost: Callable[[str], float] | None = None
        if query.phrases:
            feed_quotes: dict[str, FoundQuotes] = {}

            def phrase_boost(article_id: str) -> float:
                article = self.store.article(article_id)
                if article is None:
                    return 0.0
                if article.feed_id not in feed_quotes:
                    feed_quotes[article.feed_id] = self.derived.quotes(article.feed_id)
                summary, quotes = feed_quotes[article.feed_id].get(article_id, ("", ()))
                texts = [article.title, summary, *(q.text for q in quotes)]
                return sum(
                    fulltext.PHRASE_BONUS
                    for phrase in query.phrases
                    if any(fulltext.phrase_in(text, phrase) for text in texts)
                )

            boost = phrase_boost

        wanted = limit
        while True:
            with self._lock:
                ranked = self._loaded().search(query, wanted, boost)
            hits: list[fulltext.SearchHit] = []
            for hit in ranked:
                article = self.store.article(hit.article_id)
                if article is not None:  # else removed since (retention, a removed feed)
                    hits.append(fulltext.SearchHit(article, hit.score, hit.matched, hit.where))
            if len(hits) >= limit or len(ranked) < wanted:
                return hits[:limit]
            wanted *= 2

    def prepare(self) -> None:
        """Load the index now (in a worker at start-up) so the first query is quick."""
        with self._lock:
            self._loaded()

    def forget(self) -> None:
        """Load the index again at the next query, as at the next start."""
        with self._lock:
            self._index = None

    def _feed_postings(self, feed_id: str) -> fulltext.FeedPostings:
        """A feed's postings as persisted (or pending a flush); empty if unreadable."""
        try:
            return fulltext.FeedPostings.from_aux(self.store.aux(fulltext.AUX_KIND, feed_id))
        except ReaderError:
            return fulltext.FeedPostings()  # derived data: rebuilt from the stored articles

    def index(
        self,
        feed_id: str,
        articles: list[Article],
        counted: dict[str, fulltext.ArticleTerms] | None = None,
    ) -> None:
        """Add analysed articles (``counted``: their terms, if analysis counted them)."""
        if not articles:
            return
        counted = counted or {}
        with self._lock:
            postings = self._feed_postings(feed_id)
            put = []
            for article in articles:
                found = counted.pop(article.id, None)
                if found is None:
                    doc = self.documents.document(article.id)
                    found = article_terms(article, doc, self.documents.quotes(article.id))
                put.append((article.id, article.content_hash, found))
            # Articles removed since (retention) go too; one dict lookup each.
            gone = [a for a in postings.live if self.store.article(a) is None]
            postings.update(put, gone)
            self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
            if self._index is not None:
                self._index.set_feed(feed_id, postings)

    def _loaded(self) -> fulltext.SearchIndex:
        """The loaded index (caller holds the lock), brought in line with the store.

        Feeds removed since are dropped; a feed whose persisted postings miss
        articles (stored before search existed, or an unreadable file) has them
        counted from their bodies once and written back.
        """
        feeds = {feed.id for feed in self.store.feeds()}
        if self._index is not None:
            for gone in self._index.feed_ids() - feeds:
                self._index.remove_feed(gone)
            return self._index
        with long_lived():
            self._index = self._load(feeds)
        return self._index

    def _load(self, feeds: set[str]) -> fulltext.SearchIndex:
        by_feed: dict[str, list[Article]] = {}
        for article in self.store.articles():
            by_feed.setdefault(article.feed_id, []).append(article)
        index = fulltext.SearchIndex()
        repaired = False
        for feed_id in sorted(feeds):
            self.pacer.pause()
            postings = self._feed_postings(feed_id)
            stored = by_feed.get(feed_id, [])
            stale = set(postings.live) - {article.id for article in stored}
            missing = [  # pending articles are indexed by their analysis
                a for a in stored if not a.pending and postings.content_hash(a.id) != a.content_hash
            ]
            put = []
            for article in missing:
                doc = self.documents.build(article)
                put.append(
                    (
                        article.id,
                        article.content_hash,
                        article_terms(article, doc, find_quotes(doc)),
                    )
                )
            if stale or missing:
                postings.update(put, stale)
                self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
                repaired = True
            elif postings.inline:  # written before the arrays were read a slice at a time
                self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
                repaired = True
            postings.share({s: s for a in stored for s in (a.id, a.content_hash)})
            index.set_feed(feed_id, postings)
        if repaired:
            self.store.flush()
        return index
