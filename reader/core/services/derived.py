"""Each feed's derived files: summaries and quotations, archive terms, outbound links.

Analysis writes them; the Speakers view, search and the archive indexes read them,
one feed at a time, so what they hold need not stay in memory.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from reader.core.errors import ReaderError
from reader.core.models import Quote
from reader.core.storage.codecs import quotes_from_aux, quotes_to_aux
from reader.core.storage.schema import QUOTES_KIND
from reader.core.storage.store import Store

# What analysis leaves in an Article until its feed's derived file takes it.
HeldField: TypeAlias = Literal["terms", "out_links"]
_NOTHING_HELD: dict[str, Any] = {"terms": {}, "out_links": ()}  # shared, only ever replaced
FoundQuotes: TypeAlias = dict[str, tuple[str, tuple[Quote, ...]]]  # id -> (summary, quotes)


class Derived:
    """Reads and writes a feed's derived files through the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def held(self, kind: str, feed_id: str, field: HeldField) -> dict[str, Any]:
        """A feed's ``kind`` file (index terms, outbound links) by article id, under what
        its articles still hold in ``field``: analysed since the file was written, or
        (older databases) kept in their metadata."""
        try:
            stored = self.store.aux(kind, feed_id) or {}
        except ReaderError:
            stored = {}  # derived data: an unreadable file is rebuilt from what is here
        found = {key: value for key, value in stored.items() if isinstance(value, dict | list)}
        for article in self.store.articles(feed_id):
            if held := getattr(article, field):
                found[article.id] = held
        return found

    def store_held(self, kind: str, feed_id: str, field: HeldField) -> None:
        """Move what a feed's articles hold in ``field`` to its ``kind`` file: read only
        to build the archive's indexes, one feed at a time."""
        articles = self.store.articles(feed_id)
        kept = {article.id for article in articles}
        found = self.held(kind, feed_id, field)
        self.store.put_aux(kind, feed_id, {k: v for k, v in found.items() if k in kept})
        for article in articles:
            setattr(article, field, _NOTHING_HELD[field])

    def quotes(self, feed_id: str) -> FoundQuotes:
        """A feed's summaries and quotations by article id; empty if unreadable (derived)."""
        try:
            return quotes_from_aux(self.store.aux(QUOTES_KIND, feed_id))
        except ReaderError:
            return {}

    def store_quotes(self, feed_id: str, found: FoundQuotes) -> None:
        stored = {article.id for article in self.store.articles(feed_id)}
        merged = {k: v for k, v in self.quotes(feed_id).items() if k in stored}
        merged.update(found)
        self.store.put_aux(QUOTES_KIND, feed_id, quotes_to_aux(merged))
