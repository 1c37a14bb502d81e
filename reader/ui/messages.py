"""App-level messages: requests are named as requests, worker results in past tense."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from reader.core.models import Article, Document, Quote, RefreshOutcome

if TYPE_CHECKING:  # (the analysis modules load after the first frame)
    from reader.core.analysis.links import RelatedLink
    from reader.core.analysis.search import SearchHit
    from reader.core.sync.status import SyncStatus


@dataclass
class ArticleLoaded(Message):
    """A worker has read and laid out an article."""

    article: Article
    document: Document
    feed_title: str
    minutes: int
    quotes: tuple[Quote, ...]
    note: str = ""  # where the text comes from, when that is not the feed's content


@dataclass
class RelatedLoaded(Message):
    """The sidebar's links for an article, worked out after the article showed."""

    article_id: str
    related: list[RelatedLink]
    inline_left_off: int = 0


@dataclass
class RefreshStarted(Message):
    """A refresh worker has begun fetching."""

    waiting: tuple[str, ...] = ()  # titles of the feeds not yet fetched, in order


@dataclass
class RefreshProgressed(Message):
    done: int
    total: int
    outcome: RefreshOutcome
    waiting: tuple[str, ...] = ()  # titles still outstanding: the slow ones show here

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgressed)  # only the newest count matters


@dataclass
class IndexingProgressed(Message):
    """Pending articles analysed so far."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexingProgressed)


@dataclass
class IndexingFinished(Message):
    """Indexing is over; ``analysed`` articles joined the archive."""

    analysed: int = 0


@dataclass
class FeedsRefreshed(Message):
    outcomes: list[RefreshOutcome]
    seconds: float


@dataclass
class SearchDone(Message):
    """A search worker has ranked the archive for ``query``."""

    query: str
    hits: list[SearchHit]


@dataclass
class ExportRequested(Message):
    """Export the bookmarks in ``fmt`` (html, md, json, csv): ask where, then write."""

    fmt: str


@dataclass
class FeedRequested(Message):
    """Show feed ``feed_id`` and its articles."""

    feed_id: str


@dataclass
class SyncProgressed(Message):
    """A sync moved on a stage (or a check found none due): the title bar's sync line."""

    status: SyncStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncProgressed)


@dataclass
class SyncFinished(Message):
    """A sync ended: ``pulled`` changes arrived, or ``error`` says why none did."""

    status: SyncStatus
    pulled: int = 0
    error: str | None = None


@dataclass
class FullTextFetched(Message):
    """The page of one article was fetched: stored as its body, or ``reason`` why not."""

    article_id: str
    stored: bool
    reason: str = ""
    words: int = 0


@dataclass
class FullTextsProgressed(Message):
    """Pages a refresh queued, fetched so far."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FullTextsProgressed)


@dataclass
class FullTextsFetched(Message):
    """The pages a refresh queued are in: these articles' bodies are now their pages."""

    stored: tuple[str, ...]
    kept: int  # pages that kept the feed's summary


@dataclass
class FullTextModeRequested(Message):
    """Set a feed's full_text mode ("auto", "always", "never"; None: the config's)."""

    feed_id: str
    mode: str | None
