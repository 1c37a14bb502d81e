"""Articles and their documents over the store, with the cache of recently opened ones."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from reader.core.errors import NotFound
from reader.core.models import Article, Document, Quote
from reader.core.sanitize import clean_line
from reader.core.storage.store import Store

_DOCUMENT_CACHE = 64
QUICK_OPEN_BYTES = 2_000_000  # a feed's bodies file this size reads in a few ms
QUICK_OPEN_BODY = 40_000  # a packed (~3x compressed) body this size lays out in a few ms


def lookup_keys(article: Article) -> tuple[str, str]:
    """What the archive finds an article by: its URL and its title."""
    from reader.core.analysis.links import normalise_url  # imported on first use (start-up)

    return normalise_url(article.link), "title:" + article.title.casefold()


class Documents:
    """The stored articles, their laid-out documents and their quotations."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._documents: OrderedDict[str, Document] = OrderedDict()
        self._quotes: OrderedDict[str, tuple[Quote, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def article(self, article_id: str) -> Article:
        article = self.store.article(article_id)
        if article is None:
            raise NotFound(f"no article with id {clean_line(article_id)!r}")
        return article

    def document(self, article_id: str) -> Document:
        """The laid-out article, cached for the articles opened most recently."""
        with self._lock:
            cached = self._documents.get(article_id)
            if cached is not None:
                self._documents.move_to_end(article_id)
                return cached
        doc = self.build(self.article(article_id))
        with self._lock:
            self._documents[article_id] = doc
            while len(self._documents) > _DOCUMENT_CACHE:
                self._documents.popitem(last=False)
        return doc

    def build(self, article: Article) -> Document:
        """An article's document, not cached: for work over many articles (analysis,
        indexing), which would otherwise push out the ones the reader opened."""
        body = self.store.body(article.id)
        if body is None:
            return Document(title=article.title)
        from reader.core.analysis.document import build_document  # on first use

        return build_document(body, title=article.title, base_url=article.link)

    def quotes(self, article_id: str) -> tuple[Quote, ...]:
        """The article's quotations, found in its document (cached with it)."""
        with self._lock:
            cached = self._quotes.get(article_id)
        if cached is not None:
            return cached
        from reader.core.analysis.quotes import find_quotes  # on first use

        found = tuple(find_quotes(self.document(article_id)))
        with self._lock:
            self._quotes[article_id] = found
            while len(self._quotes) > _DOCUMENT_CACHE:
                self._quotes.popitem(last=False)
        return found

    def forget(self, article_ids: Iterable[str]) -> None:
        """Articles whose stored content changed: their cached pages go."""
        with self._lock:
            for article_id in article_ids:
                self._documents.pop(article_id, None)
                self._quotes.pop(article_id, None)

    def quick_to_open(self, article_id: str) -> bool:
        """Whether opening costs a few milliseconds, so the UI thread can do it itself:
        its document cached, or its feed's bodies file small and its own body short.

        Reads that (small) file when it is not in memory yet: the open needs it next.
        """
        with self._lock:
            if article_id in self._documents:
                return True
        if not 0 <= self.store.body_bytes_to_read(article_id) <= QUICK_OPEN_BYTES:
            return False
        return 0 <= self.store.packed_body_size(article_id) <= QUICK_OPEN_BODY

    def reading_minutes(self, article_id: str) -> int:
        return max(1, round(len(self.document(article_id).text.split()) / 230))
