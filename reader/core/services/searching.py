"""Full-text search: the postings of every feed, loaded once and kept in line with the store."""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from collections.abc import Iterable

import orjson

from reader.core.analysis import search as fulltext
from reader.core.errors import ReaderError
from reader.core.models import Article, Document, Quote
from reader.core.services.derived import Derived
from reader.core.services.documents import Documents
from reader.core.services.work import Pacer, long_lived
from reader.core.storage.search_db import Snapshot, View, build
from reader.core.storage.store import Store


def article_terms(
    article: Article, doc: Document, quotes: Iterable[Quote]
) -> fulltext.ArticleTerms:
    return fulltext.article_terms(article.title, article.author, doc.text, quotes)


REBUILD_AT = 50  # feeds indexed since the merged file was built (or a tenth of all) ...
REBUILD_SHARE = 10  # ... before the next start or ``reader index`` builds it again
MADE_HELD = 32 << 20  # bytes of compressed phrase texts held for the next merge, at most


class Search:
    """Queries over postings counted when articles are analysed.

    Each feed's postings file is the record; queries read the merged file
    (``storage.search_db``) and, in place of their rows there, the feeds
    indexed since it was built (``_fresh``, held in memory).
    """

    def __init__(self, store: Store, documents: Documents, derived: Derived, pacer: Pacer) -> None:
        self.store = store
        self.documents = documents
        self.derived = derived
        self.pacer = pacer
        self._snapshot: Snapshot | None = None
        self._fresh: dict[str, fulltext.FeedPostings] = {}
        self._view: View | None = None
        self._gone: set[str] = set()
        self._texts: dict[str, dict[str, str]] = {}  # feed id -> phrase texts (fresh feeds)
        self._made: dict[str, bytes] = {}  # feed id -> phrase texts analysis made, compressed
        self._made_size = 0
        self._lock = threading.Lock()

    def search(self, query: fulltext.Query, limit: int) -> list[fulltext.SearchHit]:
        """Articles matching ``query``, best first (title hits, then BM25)."""
        wanted = limit
        while True:
            with self._lock:
                ranked = fulltext.SearchIndex(self._loaded()).search(query, wanted)
            hits: list[fulltext.SearchHit] = []
            for hit in ranked:
                article = self.store.article(hit.article_id)
                if article is not None:  # else removed since (retention, a removed feed)
                    hits.append(fulltext.SearchHit(article, hit.score, hit.matched, hit.where))
            if len(hits) >= limit or len(ranked) < wanted:
                return hits[:limit]
            wanted *= 2

    def prepare(self, *, queries: bool = True) -> None:
        """Check the index now (in a worker at start-up, and after indexing) so the
        first query is quick; merge the feeds indexed since the last build when many.
        ``queries``: queries will follow (the app), so ranking's numpy is imported here,
        in a worker, not at a keystroke (~0.1 s); ``reader index`` asks none."""
        if queries:
            fulltext.numpy()
        with self._lock:
            self._loaded()
            if self._many(len(self._fresh), len(self.store.feeds())):
                self._drop()
                self._loaded(rebuild=True)

    @staticmethod
    def _many(changed: int, feeds: int) -> bool:
        return changed > max(REBUILD_AT, feeds // REBUILD_SHARE)

    def forget(self) -> None:
        """Check the index again at the next query, as at the next start."""
        with self._lock:
            self._drop()

    def rebuild(self) -> None:
        """Merge every feed's postings into the merged file now (``reader index``)."""
        with self._lock:
            self._drop()
            self._loaded(rebuild=True)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
        self._snapshot, self._fresh, self._view = None, {}, None
        self._texts.clear()

    def _phrase_texts(self, feed_id: str) -> dict[str, str]:
        """A feed's phrase texts by article id: titles, then summaries and quotations
        (the merged file holds them; a feed indexed since has them made once here)."""
        found = self._texts.get(feed_id)
        if found is None:
            found = self._texts[feed_id] = self._read_phrase_texts(feed_id)
        return found

    def _read_phrase_texts(self, feed_id: str) -> dict[str, str]:
        """Made from each article's title, summary and quotations, unless analysis made
        it (under the same title) and it is held."""
        made = self._made_texts(feed_id)
        found = {}
        held = None
        for article in self.store.articles(feed_id):
            entry = made.get(article.id)
            if entry is not None and entry[0] == article.title:
                text = entry[1]
            else:
                if held is None:
                    held = self.derived.quotes(feed_id)
                summary, quotes = held.get(article.id, ("", ()))
                texts = (quote.text for quote in quotes)
                text = fulltext.phrase_text(article.title, summary, texts)
            found[article.id] = text
        return found

    def _made_texts(self, feed_id: str) -> dict[str, list[str]]:
        blob = self._made.get(feed_id)
        return {} if blob is None else orjson.loads(zlib.decompress(blob))

    def _hold_made(self, feed_id: str, articles: list[Article], phrases: dict[str, str]) -> None:
        """Keep the phrase texts analysis made, compressed, for the merge that follows
        a large analysis; up to :data:`MADE_HELD` bytes in all."""
        made = self._made_texts(feed_id)
        for article in articles:  # analysed again: an older text made of it is stale
            text = phrases.pop(article.id, None)
            if text is None:
                made.pop(article.id, None)
            else:
                made[article.id] = [article.title, text]
        self._forget_made(feed_id)
        blob = zlib.compress(orjson.dumps(made), 1) if made else b""
        if blob and self._made_size + len(blob) <= MADE_HELD:
            self._made[feed_id] = blob
            self._made_size += len(blob)

    def _forget_made(self, feed_id: str) -> None:
        blob = self._made.pop(feed_id, None)
        if blob is not None:
            self._made_size -= len(blob)

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
        phrases: dict[str, str] | None = None,
    ) -> None:
        """Add analysed articles (``counted``: their terms, if analysis counted them;
        ``phrases``: their phrase texts, if it made them)."""
        if not articles:
            return
        counted = counted or {}
        with self._lock:
            self._hold_made(feed_id, articles, phrases or {})
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
            self._texts.pop(feed_id, None)
            if self._snapshot is not None:
                self._fresh[feed_id] = postings
                self._view = None

    def _loaded(self, rebuild: bool = False) -> View:
        """What queries read (caller holds the lock), brought in line with the store.

        Feeds removed since are left out. The first time, a feed whose
        postings changed since the merged file was built is read from its own
        file, and one whose postings miss articles (stored before search
        existed, or an unreadable file) has them counted from their bodies
        once and written back; with many such feeds the merged file is built
        again.
        """
        feeds = {feed.id for feed in self.store.feeds()}
        if self._snapshot is None:
            with long_lived():
                self._load(feeds, rebuild)
            assert self._snapshot is not None
        for removed in set(self._made) - feeds:
            self._forget_made(removed)
        for removed in set(self._fresh) - feeds:
            del self._fresh[removed]
            self._view = None
        gone = set(self._snapshot.feeds) - feeds
        if self._view is None or gone != self._gone:
            self._view = View(self._snapshot, self._fresh, gone, self._phrase_texts)
            self._gone = gone
        return self._view

    def _sidecars(self) -> dict[str, str]:
        """Each feed's postings sidecar on disk; "" where a feed has two (a flush cut short)."""
        found: dict[str, str] = {}
        with contextlib.suppress(OSError):
            for name in os.listdir(self.store.path / fulltext.AUX_KIND):
                if name.endswith(".bin"):
                    feed_id = name.split(".", 1)[0]
                    found[feed_id] = "" if feed_id in found else name
        return found

    def _load(self, feeds: set[str], rebuild: bool) -> None:
        snapshot = Snapshot(self.store.path)
        sidecars = self._sidecars()
        changed = sorted(
            feed_id
            for feed_id in feeds
            if not sidecars.get(feed_id)
            or snapshot.feeds.get(feed_id, (0, ""))[1] != sidecars[feed_id]
        )
        rebuild = rebuild or not snapshot.ready or self._many(len(changed), len(feeds))
        fresh: dict[str, fulltext.FeedPostings] = {}
        repaired = False
        for feed_id in sorted(feeds) if rebuild else changed:
            self.pacer.pause()
            postings = self._feed_postings(feed_id)
            stored = self.store.articles(feed_id)  # a lazily opened store: this feed only
            stale = set(postings.live) - {article.id for article in stored}
            missing = [  # pending articles are indexed by their analysis
                a for a in stored if not a.pending and postings.content_hash(a.id) != a.content_hash
            ]
            put = []
            for article in missing:
                from reader.core.analysis.quotes import find_quotes  # seldom needed

                doc = self.documents.build(article)
                put.append(
                    (
                        article.id,
                        article.content_hash,
                        article_terms(article, doc, find_quotes(doc)),
                    )
                )
            if stale or missing or postings.inline:  # inline: written by older versions
                if stale or missing:
                    postings.update(put, stale)
                self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
                repaired = True
            fresh[feed_id] = postings
        if rebuild and not self.store.readonly:
            self.store.flush()  # the sidecars the merged file names are the ones on disk
            snapshot.close()
            sidecars = self._sidecars()
            merged = build(
                self.store.path,
                {f: (p, sidecars[f]) for f, p in fresh.items() if sidecars.get(f)},
                self.pacer.pause,
                self._read_phrase_texts,
            )
            self._texts.clear()
            for feed_id in merged:
                self._forget_made(feed_id)
            snapshot = Snapshot(self.store.path)
            fresh = {f: p for f, p in fresh.items() if f not in merged}
        elif repaired:
            self.store.flush()
        elif rebuild:  # read-only: every feed from its own file, as before the merged file
            snapshot.close()
            snapshot = Snapshot(None)
        for feed_id, postings in fresh.items():
            articles = self.store.articles(feed_id)
            postings.share({s: s for a in articles for s in (a.id, a.content_hash)})
        self._snapshot, self._fresh, self._view = snapshot, fresh, None
