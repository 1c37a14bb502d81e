"""The one facade the UI and the CLI call.

Built by :func:`open_library` from injectable parts (store, fetcher, clock),
so tests swap them without patching.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

from reader.core import config
from reader.core.analysis import search as fulltext
from reader.core.analysis.document import build_document
from reader.core.analysis.links import (
    BacklinkIndex,
    KeyIndex,
    RelatedLink,
    archive_links,
    backlink_links,
    normalise_url,
    outbound_urls,
    related_links,
)
from reader.core.analysis.quotes import find_quotes
from reader.core.analysis.similarity import SimilarityIndex, index_terms
from reader.core.errors import NotFound, ReaderError, SourceError
from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.local import read_document
from reader.core.ingest.records import (
    ParsedEntry,
    ParsedFeed,
    article_id_for,
    content_hash,
    feed_id_for,
)
from reader.core.models import Article, Bookmark, Document, Feed, Quote
from reader.core.sanitize import clean_line, url_scheme
from reader.core.storage.atomic import atomic_write
from reader.core.storage.codecs import quotes_from_aux, quotes_to_aux
from reader.core.storage.schema import LINKS_KIND, QUOTES_KIND
from reader.core.storage.store import Store

_T = TypeVar("_T")

if TYPE_CHECKING:
    from reader.core.ingest.fetch import FetchResult
    from reader.core.ingest.refresh import Fetched

# Fetching, parsing, OPML and bookmark formats are imported where they are used:
# the app's first screen needs none of them (~90 ms of imports).
Fetcher = Callable[..., "FetchResult"]
Clock = Callable[[], datetime]
SEED_FOLDER_TITLE = "Sample articles"
_DOCUMENT_CACHE = 64
_ANALYSIS_CHUNK = 25  # articles analysed between two background pauses (~60 ms)
_ANALYSIS_FLUSH_EVERY = 3.0  # seconds of analysis between flushes
MAX_OUT_LINKS = 200
# What analysis leaves in an Article until its feed's derived file takes it.
HeldField: TypeAlias = Literal["terms", "out_links"]
_NOTHING_HELD: dict[str, Any] = {"terms": {}, "out_links": ()}  # shared, only ever replaced
QUICK_OPEN_BYTES = 2_000_000  # a feed's bodies file this size reads in ~4 ms
QUICK_OPEN_BODY = 40_000  # a packed (~3x compressed) body this size lays out in a few ms
TERMS_KIND = "terms"  # store aux files: index terms of each feed's articles
ARCHIVE_MIN_SCORE = 0.03  # below this, shared words are chance, not a shared story


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FeedSummary:
    """A feed with its counts, as the feed list and ``reader feeds`` show it."""

    feed: Feed
    unread: int
    total: int


@dataclass(frozen=True)
class SpeakerQuote:
    """A stored quotation with where it came from, for the Speakers view."""

    article: Article
    position: int  # index into article.quotes
    quote: Quote
    feed_title: str


@dataclass(frozen=True)
class RefreshOutcome:
    feed_id: str
    title: str
    new: int = 0
    not_modified: bool = False  # a 304, or the same bytes as last time (nothing parsed)
    error: str | None = None
    retry_after: str | None = None  # ISO time before which the feed will not be fetched
    recovered: bool = False  # the document was malformed; feedparser repaired it
    moved_to: str | None = None  # the new URL after a permanent redirect


def source_kind(source: str) -> str:
    scheme = url_scheme(source)
    if scheme in ("http", "https"):
        return "http"
    if scheme and len(scheme) > 1:  # "c:" would be a Windows drive, not a scheme
        raise SourceError(f"{clean_line(source)}: only http(s) URLs, feed files and folders")
    return "folder" if Path(source).expanduser().is_dir() else "file"


def normalise_source(source: str) -> str:
    if source_kind(source) == "http":
        return source.strip()
    return str(Path(source).expanduser().resolve())


class _CollectorOff:
    """Around index builds: no cyclic garbage collection while any runs, then freeze.

    A build makes ~10^6 objects that live as long as the library. Each full
    collection pass over them stopped every thread for 80-200 ms at 100k
    articles (keys and opens included); frozen, later passes skip them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = True

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.freeze()
                    if self._was_enabled:
                        gc.enable()


_long_lived = _CollectorOff().during


def _newest_first(article: Article) -> tuple[str, str]:
    """Sort key (with ``reverse=True``): an article with no date sorts by when it was added."""
    return (article.published or article.added_at, article.id)


def _reading_minutes(doc: Document) -> int:
    return max(1, round(len(doc.text.split()) / 230))


class Library:
    """Subscriptions, articles, read marks and bookmarks over one store."""

    def __init__(
        self,
        store: Store,
        *,
        fetcher: Fetcher | None = None,
        clock: Clock = utc_now,
        retention: int = 0,
        concurrency: int = 8,
    ) -> None:
        self.store = store
        self.concurrency = concurrency  # feeds fetched at once
        self.fetcher = fetcher  # None: reader.core.ingest.fetch, over the network
        self.clock = clock
        self.retention = retention  # most articles kept per feed; 0 keeps everything
        self._documents: OrderedDict[str, Document] = OrderedDict()
        self._quotes: OrderedDict[str, tuple[Quote, ...]] = OrderedDict()
        self._doc_lock = threading.Lock()
        self._indexes: tuple[SimilarityIndex, BacklinkIndex, KeyIndex] | None = None
        self._index_lock = threading.Lock()
        self._search: fulltext.SearchIndex | None = None
        self._search_lock = threading.Lock()
        self._search_terms: dict[str, fulltext.ArticleTerms] = {}  # analysed, not yet indexed
        self._analysis_lock = threading.RLock()
        # Called between pieces of long background work (analysis, index builds);
        # the app makes it wait while keys are coming in, so they get the CPU.
        self.background_pause: Callable[[], None] = lambda: None

    def close(self) -> None:
        self.store.flush()
        self.store.close()

    def now_iso(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    # -- feeds -------------------------------------------------------------------

    def feeds(self) -> list[FeedSummary]:
        """Every feed with its counts; O(feeds), the store keeps the counts."""
        counts = self.store.counts()
        return [
            FeedSummary(feed, *counts.get(feed.id, (0, 0)))
            for feed in sorted(self.store.feeds(), key=lambda f: f.title.casefold())
        ]

    def feed(self, feed_id: str) -> Feed:
        feed = self.store.feed(feed_id)
        if feed is None:
            raise NotFound(f"no feed with id {clean_line(feed_id)!r}")
        return feed

    def add(
        self,
        source: str,
        *,
        title: str | None = None,
        folder: str = "",
        pick: int | None = None,
    ) -> RefreshOutcome:
        """Subscribe to a URL, feed file or folder and fetch it at once.

        A web page is searched for the feeds it advertises (``<link
        rel="alternate">``): one is taken, several need ``pick`` (from 1) or
        raise AmbiguousFeeds with the list. Nothing is stored when it fails.
        """
        from reader.core.ingest.discover import choose, discover_feeds
        from reader.core.ingest.refresh import read_local

        kind = source_kind(source)
        url = normalise_source(source)
        if kind != "http" and not Path(url).exists():
            raise SourceError(f"{clean_line(source)}: no such file or folder")
        existing = self.store.feed(feed_id_for(url))
        if existing is not None:
            return RefreshOutcome(existing.id, existing.title, error="already subscribed")
        result: FetchResult | None = None
        if kind != "http":
            parsed = read_local(url, kind)
        else:
            fetcher, done = self._shared_fetcher()
            try:
                result = fetcher(url)
                parsed_or_page = self._feed_or_page(url, result)
                if parsed_or_page is None:  # a web page: find the feed it links to
                    link = choose(discover_feeds(result.content, result.url), source, pick)
                    url = link.url
                    existing = self.store.feed(feed_id_for(url))
                    if existing is not None:
                        return RefreshOutcome(
                            existing.id, existing.title, error="already subscribed"
                        )
                    result = fetcher(url)
                    parsed_or_page = parse_feed(result.content, url, result.headers)
                parsed = parsed_or_page
            finally:
                done()
        feed = Feed(
            id=feed_id_for(url),
            url=url,
            title=clean_line(title or "") or parsed.title,
            kind=kind,  # type: ignore[arg-type]
            added_at=self.now_iso(),
            folder=clean_line(folder),
        )
        outcome = self._ingest(feed, parsed, result)
        feed.recovered = parsed.recovered
        feed.content_digest = result.digest if result is not None else None
        self.store.save_feed(feed)
        self.store.flush()
        return RefreshOutcome(
            outcome.feed_id, outcome.title, new=outcome.new, recovered=parsed.recovered
        )

    def remove(self, feed_id: str) -> Feed:
        feed = self.feed(feed_id)
        self.store.remove_feed(feed_id)
        self.store.flush()
        return feed

    def refresh(
        self,
        feed_ids: Iterable[str] | None = None,
        *,
        progress: Callable[[int, int, RefreshOutcome], None] | None = None,
    ) -> list[RefreshOutcome]:
        """Fetch and ingest feeds; a failure is recorded on its feed and loses nothing.

        Feeds are fetched and parsed concurrently (reader.core.ingest.refresh) and
        ingested here one at a time as each completes; the store is written
        once, at the end. A feed whose server asked to wait (Retry-After) is
        not requested before then. ``progress(done, total, outcome)`` is called
        after each feed; outcomes come back in the order of the feeds.
        """
        from reader.core.ingest.refresh import due, refresh_feeds

        chosen = self.store.feeds() if feed_ids is None else [self.feed(f) for f in feed_ids]
        feeds = list({feed.id: feed for feed in chosen}.values())
        now = self.clock()
        outcomes: dict[str, RefreshOutcome] = {}

        def report(outcome: RefreshOutcome) -> None:
            outcomes[outcome.feed_id] = outcome
            if progress is not None:
                progress(len(outcomes), len(feeds), outcome)

        for feed in feeds:
            if not due(feed, now):
                report(
                    RefreshOutcome(
                        feed.id,
                        feed.title,
                        error=f"{clean_line(feed.url)}: not fetched before {feed.retry_after}, "
                        "as the server asked",
                        retry_after=feed.retry_after,
                    )
                )
        fetcher, done = self._shared_fetcher()
        try:
            due_feeds = [f for f in feeds if due(f, now)]
            for fetched in refresh_feeds(due_feeds, fetcher, workers=self.concurrency):
                report(self._ingest_fetched(fetched))
        finally:
            done()
            self.store.flush()
        return [outcomes[feed.id] for feed in feeds if feed.id in outcomes]

    def _ingest(self, feed: Feed, parsed: ParsedFeed, result: FetchResult | None) -> RefreshOutcome:
        now = self.now_iso()
        if result is not None:
            feed.etag, feed.last_modified = result.etag, result.last_modified
            if result.permanent_url:
                feed.url = result.permanent_url
        if parsed.description:
            feed.description = parsed.description
        feed.site_url = parsed.site_url or feed.site_url
        feed.checked_at, feed.error, feed.error_at = now, None, None
        self.store.save_feed(feed)
        batch = []
        for entry in parsed.entries:
            article_id = article_id_for(feed.id, entry)
            digest = content_hash(entry)
            old = self.store.article(article_id)
            if old is not None and old.content_hash == digest or self.store.is_gone(article_id):
                continue
            batch.append((self._stub(feed, article_id, entry, digest, now), entry.body))
        new = self.store.put_articles(feed.id, batch)
        self._prune(feed.id)
        with self._doc_lock:
            for article, _ in batch:
                self._documents.pop(article.id, None)
                self._quotes.pop(article.id, None)
        return RefreshOutcome(feed.id, feed.title, new=len(new))

    def _feed_derived(self, kind: str, feed_id: str, field: HeldField) -> dict[str, Any]:
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

    def _store_derived(self, kind: str, feed_id: str, field: HeldField) -> None:
        """Move what a feed's articles hold in ``field`` to its ``kind`` file: read only
        to build the archive's indexes, one feed at a time, it need not stay in memory
        (terms were most of an article's metadata; links ~28 MiB at 100k articles)."""
        articles = self.store.articles(feed_id)
        kept = {article.id for article in articles}
        found = self._feed_derived(kind, feed_id, field)
        self.store.put_aux(kind, feed_id, {k: v for k, v in found.items() if k in kept})
        for article in articles:
            setattr(article, field, _NOTHING_HELD[field])

    def _prune(self, feed_id: str) -> list[str]:
        """Keep at most ``retention`` articles of a feed: the oldest read ones go first.

        Unread and bookmarked articles are never removed, so a feed may stay over
        the limit rather than lose something the reader still wants.
        """
        if self.retention <= 0:
            return []
        articles = self.store.articles(feed_id)
        excess = len(articles) - self.retention
        if excess <= 0:
            return []
        read = self.store.read_ids()
        kept = {b.article_id for b in self.store.bookmarks()}
        candidates = sorted(
            (a for a in articles if a.id in read and a.id not in kept),
            key=lambda a: (a.published or a.added_at, a.id),
        )
        gone = [a.id for a in candidates[:excess]]
        if gone:
            self.store.remove_articles(gone, forget=True)
            with self._index_lock:
                self._indexes = None
        return gone

    def _stub(
        self, feed: Feed, article_id: str, entry: ParsedEntry, digest: str, now: str
    ) -> Article:
        """What a refresh stores at once; :meth:`analyse_pending` derives the rest later.

        Deriving quotes, index terms and search terms costs ~2 ms an article,
        ten times the fetch and parse, so a refresh does not wait for it.
        """
        return Article(
            id=article_id,
            feed_id=feed.id,
            title=entry.title,
            link=entry.link,
            author=entry.author,
            published=entry.published,
            guid=entry.guid,
            content_hash=digest,
            entry_links=entry.entry_links,
            added_at=now,
            pending=True,
        )

    def pending_count(self) -> int:
        """Articles stored by a refresh whose quotes and index terms are not derived yet."""
        return sum(article.pending for article in self.store.articles())

    def analyse_pending(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Derive summary, quotes, index terms and search terms of every pending article.

        In chunks, so another thread can open an article in between; each feed's
        derived files are updated once, after its last chunk (3.03 -> 2.88 ms an
        article at 500 a feed), and flushed every few seconds, so what is pending
        in memory stays small (100,000 articles are ~5 minutes of work).
        ``progress(done, total)`` after each chunk.
        Returns how many articles were analysed.
        """
        by_feed: dict[str, list[Article]] = {}
        for article in self.store.articles():
            if article.pending:
                by_feed.setdefault(article.feed_id, []).append(article)
        total = sum(len(items) for items in by_feed.values())
        done = 0
        flushed = time.monotonic()
        for feed_id, items in by_feed.items():
            if time.monotonic() - flushed > _ANALYSIS_FLUSH_EVERY:
                self.store.flush()
                flushed = time.monotonic()
            analysed: list[Article] = []
            found: dict[str, tuple[str, tuple[Quote, ...]]] = {}
            try:
                for start in range(0, len(items), _ANALYSIS_CHUNK):
                    self.background_pause()
                    chunk = items[start : start + _ANALYSIS_CHUNK]
                    with self._analysis_lock:
                        found.update(self._analyse_each(chunk, analysed))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            finally:  # stopped early too: what was analysed is stored, not lost
                with self._analysis_lock:
                    self._store_analysis(feed_id, analysed, found)
        if total:
            self.store.flush()
        return total

    def _analyse_each(
        self, articles: list[Article], analysed: list[Article]
    ) -> dict[str, tuple[str, tuple[Quote, ...]]]:
        """Analyse those still pending (caller holds the lock); appends them to ``analysed``."""
        todo = [a for a in articles if a.pending and self.store.article(a.id) is a]
        analysed += todo
        return {article.id: self._analyse(article) for article in todo}

    def _store_analysis(
        self,
        feed_id: str,
        analysed: list[Article],
        found: dict[str, tuple[str, tuple[Quote, ...]]],
    ) -> None:
        """Put analysed articles in the archive indexes and their feed's derived files."""
        if analysed:
            self._add_to_archive_indexes(analysed)
            self.store.articles_changed(feed_id)
            self._store_quotes(feed_id, found)
            self._store_derived(TERMS_KIND, feed_id, "terms")
            self._store_derived(LINKS_KIND, feed_id, "out_links")
            self._index_for_search(feed_id, analysed)

    def _analyse(self, article: Article) -> tuple[str, tuple[Quote, ...]]:
        """Derive what the archive needs (index terms, links, search terms) from the body.

        Returns the summary and quotations, kept in the feed's quotes file.
        """
        doc = self._build_document(article)
        quotes = tuple(find_quotes(doc))
        article.terms = index_terms(doc.title or article.title, doc.text)
        article.out_links = tuple(outbound_urls(doc)[:MAX_OUT_LINKS])
        article.pending = False
        self._search_terms[article.id] = self._article_terms(article, doc, quotes)
        return " ".join(doc.text.split())[:280], quotes

    def _feed_quotes(self, feed_id: str) -> dict[str, tuple[str, tuple[Quote, ...]]]:
        """A feed's summaries and quotations by article id; empty if unreadable (derived)."""
        try:
            return quotes_from_aux(self.store.aux(QUOTES_KIND, feed_id))
        except ReaderError:
            return {}

    def _store_quotes(self, feed_id: str, found: dict[str, tuple[str, tuple[Quote, ...]]]) -> None:
        stored = {article.id for article in self.store.articles(feed_id)}
        merged = {k: v for k, v in self._feed_quotes(feed_id).items() if k in stored}
        merged.update(found)
        self.store.put_aux(QUOTES_KIND, feed_id, quotes_to_aux(merged))

    def _archive_quotes(self) -> list[tuple[Article, int, Quote]]:
        """Every stored quotation, newest article first, once pending articles are analysed."""
        self.analyse_pending()
        found = []
        for feed in self.store.feeds():
            for article_id, (_, quotes) in self._feed_quotes(feed.id).items():
                article = self.store.article(article_id)
                if article is not None:
                    found += [(article, position, quote) for position, quote in enumerate(quotes)]
        found.sort(key=lambda item: _newest_first(item[0]), reverse=True)
        return found

    # -- articles ----------------------------------------------------------------

    def articles(self, feed_id: str | None = None, *, unread_only: bool = False) -> list[Article]:
        """Newest first; an article with no date sorts by when it was added."""
        if feed_id is not None:
            self.feed(feed_id)
        read = self.store.read_ids()
        items = [a for a in self.store.articles(feed_id) if not (unread_only and a.id in read)]
        items.sort(key=_newest_first, reverse=True)
        return items

    def article(self, article_id: str) -> Article:
        article = self.store.article(article_id)
        if article is None:
            raise NotFound(f"no article with id {clean_line(article_id)!r}")
        return article

    def document(self, article_id: str) -> Document:
        """The laid-out article, cached for the articles opened most recently."""
        with self._doc_lock:
            cached = self._documents.get(article_id)
            if cached is not None:
                self._documents.move_to_end(article_id)
                return cached
        doc = self._build_document(self.article(article_id))
        with self._doc_lock:
            self._documents[article_id] = doc
            while len(self._documents) > _DOCUMENT_CACHE:
                self._documents.popitem(last=False)
        return doc

    def _build_document(self, article: Article) -> Document:
        """An article's document, not cached: for work over many articles (analysis,
        indexing), which would otherwise push out the ones the reader opened."""
        body = self.store.body(article.id)
        if body is None:
            return Document(title=article.title)
        return build_document(body, title=article.title, base_url=article.link)

    def quotes(self, article_id: str) -> tuple[Quote, ...]:
        """The article's quotations, found in its document (cached with it)."""
        with self._doc_lock:
            cached = self._quotes.get(article_id)
        if cached is not None:
            return cached
        found = tuple(find_quotes(self.document(article_id)))
        with self._doc_lock:
            self._quotes[article_id] = found
            while len(self._quotes) > _DOCUMENT_CACHE:
                self._quotes.popitem(last=False)
        return found

    def analysed(self, article_id: str) -> Article:
        """The article with its quotes and terms derived (now, if a refresh left it pending)."""
        article = self.article(article_id)
        if article.pending:
            with self._analysis_lock:
                analysed: list[Article] = []
                found = self._analyse_each([article], analysed)
                self._store_analysis(article.feed_id, analysed, found)
        return article

    def quick_to_open(self, article_id: str) -> bool:
        """Whether opening costs a few milliseconds, so the UI thread can do it itself:
        its document cached, or its feed's bodies file small and its own body short.

        Reads that (small) file when it is not in memory yet: the open needs it next.
        """
        with self._doc_lock:
            if article_id in self._documents:
                return True
        if not 0 <= self.store.body_bytes_to_read(article_id) <= QUICK_OPEN_BYTES:
            return False
        return 0 <= self.store.packed_body_size(article_id) <= QUICK_OPEN_BODY

    def reading_minutes(self, article_id: str) -> int:
        return _reading_minutes(self.document(article_id))

    def quotes_by_speaker(self, name: str) -> list[tuple[Article, Quote]]:
        """Every stored quotation whose speaker's name contains ``name`` (case-insensitive)."""
        needle = name.casefold().strip()
        return [
            (article, quote)
            for article, _, quote in self._archive_quotes()
            if quote.speaker and needle in quote.speaker.casefold()
        ]

    def speakers(self) -> list[tuple[str, list[SpeakerQuote]]]:
        """Everyone quoted in the archive, most quoted first, each with their quotations.

        Reads each feed's quotes file, once articles a refresh left pending are analysed.
        """
        titles = self.feed_titles()
        found: dict[str, list[SpeakerQuote]] = {}
        for article, position, quote in self._archive_quotes():
            if quote.speaker:
                found.setdefault(quote.speaker, []).append(
                    SpeakerQuote(article, position, quote, titles.get(article.feed_id, ""))
                )
        return sorted(found.items(), key=lambda item: (-len(item[1]), item[0].casefold()))

    def is_read(self, article_id: str) -> bool:
        return self.store.is_read(article_id)

    def read_ids(self) -> frozenset[str]:
        return self.store.read_ids()

    def mark(self, article_ids: Iterable[str], read: bool = True) -> list[str]:
        """Mark read or unread and persist at once; returns the ids that changed."""
        ids = list(article_ids)
        for article_id in ids:
            self.article(article_id)
        changed = self.store.set_read(ids, read)
        self.store.flush()
        return changed

    def mark_later(self, article_ids: Iterable[str], read: bool = True) -> list[str]:
        """Mark in memory only; the caller flushes off the UI thread."""
        return self.store.set_read(article_ids, read)

    def flush(self) -> None:
        self.store.flush()

    # -- related links -------------------------------------------------------------

    def _archive_indexes(
        self, *, wait: bool = True
    ) -> tuple[SimilarityIndex, BacklinkIndex, KeyIndex] | None:
        """Similarity, backlink and URL/title indexes, built from stored terms on first use.

        ``wait=False``: None at once if another thread is building them (a
        build takes seconds at 100k articles; waiting threads would pile up).
        """
        if not self._index_lock.acquire(blocking=wait):
            return None
        try:
            if self._indexes is None:
                with _long_lived():
                    # Built a few milliseconds at a time: the UI thread waits for
                    # the interpreter lock while a worker holds it.
                    paced = self._paced
                    lookup = KeyIndex(paced((a.id, _lookup_keys(a)) for a in self.store.articles()))

                    def feed_by_feed() -> Iterator[tuple[str, dict[str, float]]]:
                        """One feed's terms file in memory at a time (~700 B an article)."""
                        for feed in self.store.feeds():
                            terms = self._feed_derived(TERMS_KIND, feed.id, "terms")
                            for article in self.store.articles(feed.id):
                                yield article.id, terms.get(article.id, {})

                    def links_by_feed() -> Iterator[tuple[str, list[str]]]:
                        for feed in self.store.feeds():
                            yield from self._feed_derived(LINKS_KIND, feed.id, "out_links").items()

                    self._indexes = (
                        SimilarityIndex(paced(feed_by_feed(), 50), pause=self.background_pause),
                        BacklinkIndex(paced(links_by_feed(), 200)),
                        lookup,
                    )
            return self._indexes
        finally:
            self._index_lock.release()

    def _paced(self, items: Iterable[_T], every: int = 500) -> Iterator[_T]:
        """``items``, with a :attr:`background_pause` before each ``every`` of them."""
        for n, item in enumerate(items):
            if n % every == 0:
                self.background_pause()
            yield item

    def archive_ready(self) -> bool:
        """Whether the archive indexes are built (related stories, backlinks, ◆ marks)."""
        return self._indexes is not None

    def _add_to_archive_indexes(self, articles: list[Article]) -> None:
        """Newly analysed articles join indexes already built (else they are built with them)."""
        with self._index_lock:
            if self._indexes is None:
                return
            similar, backlinks, lookup = self._indexes
            for article in articles:
                similar.add(article.id, article.terms)
                backlinks.add(article.id, article.out_links)
                lookup.add(article.id, _lookup_keys(article))

    def find_article(self, url_or_title: str) -> str | None:
        """The stored article a URL or a title names, if any."""
        indexes = self._archive_indexes()
        if indexes is None:  # only without waiting
            return None
        _, _, lookup = indexes
        found = lookup.get(normalise_url(url_or_title)) or lookup.get(
            "title:" + url_or_title.casefold().strip()
        )
        return found[0] if found else None

    def related(self, article_id: str) -> list[RelatedLink]:
        """Everything the sidebar shows for an article, in its groups' order."""
        article = self.analysed(article_id)
        return self.related_for(self.document(article_id), article)

    def related_for(
        self, doc: Document, article: Article, *, wait: bool = True
    ) -> list[RelatedLink]:
        """The sidebar's links; with ``wait=False``, while another thread builds the
        archive indexes, only what the article itself holds (no archive groups)."""
        indexes = self._archive_indexes(wait=wait)
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
        )
        links += backlink_links(backlinks, article, self.store.article)
        return links

    # -- bookmarks -------------------------------------------------------------------

    def bookmarks(self) -> list[Bookmark]:
        """Newest first; made in the same second, the later one first (not by random id)."""
        stored = self.store.bookmarks()  # in the order they were made
        order = sorted(range(len(stored)), key=lambda n: (stored[n].created_at, n), reverse=True)
        return [stored[n] for n in order]

    def bookmark(
        self,
        article_id: str,
        *,
        quote: int | None = None,
        link: int | None = None,
        url: str | None = None,
        title: str | None = None,
        tags: Iterable[str] = (),
        note: str = "",
        persist: bool = True,
    ) -> Bookmark:
        """Bookmark an article, its quotation ``quote``, its inline link ``link``, or ``url``.

        Quotation and link numbers count from 1, as the article pane shows them.
        ``persist=False`` leaves the write to the caller's :meth:`flush` (the app
        flushes in a worker, off the UI thread).
        """
        from reader.core import bookmarks as bookmark_formats

        article = self.article(article_id)
        common = {
            "article_id": article.id,
            "article_title": article.title,
            "feed_title": self.feed_title(article.feed_id),
            "published": article.published,
            "tags": tuple(dict.fromkeys(clean_line(t) for t in tags if clean_line(t))),
            "note": note,
            "created_at": self.now_iso(),
        }
        if quote is not None:
            quotes = self.quotes(article.id)
            if not 1 <= quote <= len(quotes):
                raise NotFound(
                    f"article {article.id} has no quotation {quote} (it has {len(quotes)})"
                )
            found = quotes[quote - 1]
            key = f"{found.paragraph}:{found.start}"
            kind, made_title, made_url, speaker = "quote", found.text, article.link, found.speaker
        elif link is not None or url is not None:
            if link is not None:
                links = {item.number: item for item in self.document(article.id).links}
                if link not in links:
                    raise NotFound(f"article {article.id} has no link {link} (it has {len(links)})")
                url, title = links[link].url, title or links[link].text
            assert url is not None
            key, kind, made_title, made_url, speaker = url, "link", title or url, url, None
        else:
            key, kind, made_title, made_url, speaker = (
                "",
                "article",
                article.title,
                article.link,
                None,
            )
        made = Bookmark(
            id=bookmark_formats.bookmark_id(kind, article.id, key),
            kind=kind,  # type: ignore[arg-type]
            title=clean_line(made_title) if kind != "quote" else made_title,
            url=made_url,
            speaker=speaker,
            **common,  # type: ignore[arg-type]
        )
        made = bookmark_formats.clean_bookmark(made)
        self.store.put_bookmark(made)
        if persist:
            self.store.flush()
        return made

    def article_bookmark(self, article_id: str) -> Bookmark | None:
        """The bookmark of the article itself, if it has one."""
        from reader.core import bookmarks as bookmark_formats

        wanted = bookmark_formats.bookmark_id("article", article_id, "")
        return next((b for b in self.store.bookmarks() if b.id == wanted), None)

    def put_bookmark(self, bookmark: Bookmark, *, persist: bool = True) -> None:
        from reader.core import bookmarks as bookmark_formats

        self.store.put_bookmark(bookmark_formats.clean_bookmark(bookmark))
        if persist:
            self.store.flush()

    def remove_bookmark(self, bookmark_id: str, *, persist: bool = True) -> Bookmark:
        removed = self.store.remove_bookmark(bookmark_id)
        if removed is None:
            raise NotFound(f"no bookmark with id {clean_line(bookmark_id)!r}")
        if persist:
            self.store.flush()
        return removed

    def export_bookmarks(self, fmt: str, group_by: str | None = None) -> str:
        """All bookmarks in one of the export formats: html, md, json or csv."""
        from reader.core import bookmarks as bookmark_formats

        items = self.bookmarks()
        if fmt == "html":
            return bookmark_formats.to_netscape_html(items, group_by=group_by or "tag")  # type: ignore[arg-type]
        if fmt == "md":
            return bookmark_formats.to_markdown(items, group_by=group_by or "tag")  # type: ignore[arg-type]
        if fmt == "json":
            return bookmark_formats.to_json(items, self.now_iso())
        if fmt == "csv":
            return bookmark_formats.to_csv(items)
        raise ReaderError(f"unknown export format {clean_line(fmt)!r} (html, md, json, csv)")

    def transient_article(self, title: str, doc: Document) -> Article:
        """An unstored Article for a document read from a file, to ask the archive about."""
        return Article(
            id="",
            feed_id="",
            title=title,
            terms=index_terms(doc.title or title, doc.text),
        )

    def bookmarked_article_ids(self) -> set[str]:
        return {b.article_id for b in self.store.bookmarks() if b.kind == "article"}

    def import_bookmarks(self, text: str, source: str = "") -> int:
        """Merge bookmarks from a JSON export; returns how many were new."""
        from reader.core import bookmarks as bookmark_formats

        try:
            incoming = bookmark_formats.from_json(text)
        except ValueError as error:
            raise SourceError(f"{clean_line(source) or 'bookmarks'}: {error}") from None
        known = {b.id for b in self.store.bookmarks()}
        new = [b for b in incoming if b.id not in known]
        # Exports list the newest first; stored oldest first, so same-second ties keep order.
        for bookmark in reversed(new):
            self.store.put_bookmark(bookmark)
        self.store.flush()
        return len(new)

    def feed_titles(self) -> dict[str, str]:
        return {feed.id: feed.title for feed in self.store.feeds()}

    def feed_title(self, feed_id: str) -> str:
        feed = self.store.feed(feed_id)
        return feed.title if feed else ""

    # -- subscriptions: refresh plumbing, rename, folders, OPML ----------------------

    def _shared_fetcher(self) -> tuple[Fetcher, Callable[[], None]]:
        """One pooled, rate-limited fetcher for a whole refresh (and its closer).

        The default ``fetch`` opens a client per call; an injected fetcher is
        used as it is.
        """
        if self.fetcher is None:
            from reader.core.ingest.fetch import Fetcher as HttpFetcher

            shared = HttpFetcher(concurrency=self.concurrency)
            return shared, shared.close
        return self.fetcher, lambda: None

    @staticmethod
    def _feed_or_page(url: str, result: FetchResult) -> ParsedFeed | None:
        """The parsed feed, or None when the URL is a web page (to look for feed links in)."""
        from reader.core.ingest.discover import looks_like_html

        content_type = result.headers.get("content-type", "")
        if looks_like_html(result.content):
            return None
        try:
            return parse_feed(result.content, url, result.headers)
        except SourceError:
            if looks_like_html(result.content, content_type):
                return None
            raise

    def _ingest_fetched(self, fetched: Fetched) -> RefreshOutcome:
        """Store one feed's refresh: new entries, or the error and when it happened."""
        from reader.core.ingest.fetch import parse_retry_after
        from reader.core.ingest.refresh import retry_until

        feed, result = fetched.feed, fetched.result
        now = self.clock()
        stamp = now.isoformat(timespec="seconds")
        if fetched.error is not None:
            wait = parse_retry_after(fetched.retry_after, now)
            feed.error, feed.error_at = str(fetched.error), stamp
            feed.retry_after = retry_until(now, wait) if wait else None
            self.store.save_feed(feed)
            return RefreshOutcome(
                feed.id, feed.title, error=str(fetched.error), retry_after=feed.retry_after
            )
        feed.retry_after = None
        moved = None
        if result is not None and result.permanent_url and result.permanent_url != feed.url:
            moved = result.permanent_url
        if fetched.unchanged or fetched.parsed is None:
            if result is not None:
                feed.etag = result.etag or feed.etag
                feed.last_modified = result.last_modified or feed.last_modified
                feed.url = moved or feed.url
            feed.checked_at, feed.error, feed.error_at = stamp, None, None
            self.store.save_feed(feed)
            return RefreshOutcome(feed.id, feed.title, not_modified=True, moved_to=moved)
        outcome = self._ingest(feed, fetched.parsed, result)
        feed.recovered = fetched.parsed.recovered
        feed.content_digest = fetched.digest
        self.store.save_feed(feed)
        return RefreshOutcome(
            outcome.feed_id,
            outcome.title,
            new=outcome.new,
            recovered=feed.recovered,
            moved_to=moved,
        )

    def rename(self, feed_id: str, title: str) -> Feed:
        """Give a feed a title of the reader's choosing (kept across refreshes)."""
        feed = self.feed(feed_id)
        title = clean_line(title)
        if not title:
            raise SourceError("a feed title cannot be empty")
        feed.title = title
        self.store.save_feed(feed)
        self.store.flush()
        return feed

    def set_folder(self, feed_id: str, folder: str) -> Feed:
        """Put a feed in a folder ("" for the top level; "a/b" nests)."""
        feed = self.feed(feed_id)
        feed.folder = "/".join(p for p in (clean_line(x) for x in folder.split("/")) if p)
        self.store.save_feed(feed)
        self.store.flush()
        return feed

    def import_opml(self, data: bytes, source: str = "OPML") -> list[Feed]:
        """Subscribe to every new http(s) feed of an OPML file, without fetching them.

        A broken file raises SourceError before anything is stored. Returns the
        feeds added (ones already subscribed are left as they are).
        """
        from reader.core.ingest.opml import parse_opml

        items = parse_opml(data, source)
        added: list[Feed] = []
        now = self.now_iso()
        for item in items:
            feed_id = feed_id_for(item.url)
            if self.store.feed(feed_id) is not None:
                continue
            feed = Feed(
                id=feed_id,
                url=item.url,
                title=item.title or item.url,
                kind="http",
                site_url=item.site_url,
                added_at=now,
                folder=item.folder,
            )
            self.store.save_feed(feed)
            added.append(feed)
        self.store.flush()
        return added

    def export_opml(self) -> str:
        """Every http(s) subscription as OPML 2.0, folders as nested outlines."""
        from reader.core.ingest.opml import OpmlFeed, write_opml

        return write_opml(
            [
                OpmlFeed(f.url, f.title, f.folder, f.site_url)
                for f in self.store.feeds()
                if f.kind == "http"
            ],
            self.clock(),
        )

    # -- full-text search ------------------------------------------------------------

    def search(self, query: str, limit: int = 500) -> list[fulltext.SearchHit]:
        """Articles matching every word of ``query`` (the last as a prefix), best first.

        Title hits come first, then BM25 score. Runs on postings counted at
        ingest; the first call loads them (and indexes any article stored
        before search existed).
        """
        parsed = fulltext.parse_query(query)
        if parsed.empty or limit <= 0:
            return []
        self.analyse_pending()  # new articles are searchable once analysed
        boost: Callable[[str], float] | None = None
        if parsed.phrases:
            feed_quotes: dict[str, dict[str, tuple[str, tuple[Quote, ...]]]] = {}

            def phrase_boost(article_id: str) -> float:
                article = self.store.article(article_id)
                if article is None:
                    return 0.0
                if article.feed_id not in feed_quotes:
                    feed_quotes[article.feed_id] = self._feed_quotes(article.feed_id)
                summary, quotes = feed_quotes[article.feed_id].get(article_id, ("", ()))
                texts = [article.title, summary, *(q.text for q in quotes)]
                return sum(
                    fulltext.PHRASE_BONUS
                    for phrase in parsed.phrases
                    if any(fulltext.phrase_in(text, phrase) for text in texts)
                )

            boost = phrase_boost

        wanted = limit
        while True:
            with self._search_lock:
                ranked = self._search_index().search(parsed, wanted, boost)
            hits: list[fulltext.SearchHit] = []
            for hit in ranked:
                article = self.store.article(hit.article_id)
                if article is not None:  # else removed since (retention, a removed feed)
                    hits.append(fulltext.SearchHit(article, hit.score, hit.matched, hit.where))
            if len(hits) >= limit or len(ranked) < wanted:
                return hits[:limit]
            wanted *= 2

    def prepare_search(self) -> None:
        """Load the search index now (in a worker at start-up) so the first query is quick."""
        with self._search_lock:
            self._search_index()

    def _article_terms(
        self, article: Article, doc: Document, quotes: Iterable[Quote]
    ) -> fulltext.ArticleTerms:
        return fulltext.article_terms(article.title, article.author, doc.text, quotes)

    def _feed_postings(self, feed_id: str) -> fulltext.FeedPostings:
        """A feed's postings as persisted (or pending a flush); empty if unreadable."""
        try:
            return fulltext.FeedPostings.from_aux(self.store.aux(fulltext.AUX_KIND, feed_id))
        except ReaderError:
            return fulltext.FeedPostings()  # derived data: rebuilt from the stored articles

    def _index_for_search(self, feed_id: str, articles: list[Article]) -> None:
        """At ingest: add the terms ``_analyse`` counted; written by the same flush."""
        if not articles:
            return
        with self._search_lock:
            postings = self._feed_postings(feed_id)
            put = []
            for article in articles:
                found = self._search_terms.pop(article.id, None)
                if found is None:
                    doc = self.document(article.id)
                    found = self._article_terms(article, doc, self.quotes(article.id))
                put.append((article.id, article.content_hash, found))
            # Articles removed since (retention) go too; one dict lookup each.
            gone = [a for a in postings.live if self.store.article(a) is None]
            postings.update(put, gone)
            self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
            if self._search is not None:
                self._search.set_feed(feed_id, postings)

    def _search_index(self) -> fulltext.SearchIndex:
        """The loaded index (caller holds ``_search_lock``), brought in line with the store.

        Feeds removed since are dropped; a feed whose persisted postings miss
        articles (stored before search existed, or an unreadable file) has them
        counted from their bodies once and written back.
        """
        feeds = {feed.id for feed in self.store.feeds()}
        if self._search is not None:
            for gone in self._search.feed_ids() - feeds:
                self._search.remove_feed(gone)
            return self._search
        with _long_lived():
            self._search = self._load_search_index(feeds)
        return self._search

    def _load_search_index(self, feeds: set[str]) -> fulltext.SearchIndex:
        by_feed: dict[str, list[Article]] = {}
        for article in self.store.articles():
            by_feed.setdefault(article.feed_id, []).append(article)
        index = fulltext.SearchIndex()
        repaired = False
        for feed_id in sorted(feeds):
            self.background_pause()
            postings = self._feed_postings(feed_id)
            stored = by_feed.get(feed_id, [])
            stale = set(postings.live) - {article.id for article in stored}
            missing = [  # pending articles are indexed by their analysis
                a for a in stored if not a.pending and postings.content_hash(a.id) != a.content_hash
            ]
            put = []
            for article in missing:
                doc = self._build_document(article)
                found = self._article_terms(article, doc, find_quotes(doc))
                put.append((article.id, article.content_hash, found))
            if stale or missing:
                postings.update(put, stale)
                self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
                repaired = True
            elif postings.inline:  # written before the arrays were memory-mapped
                self.store.put_aux(fulltext.AUX_KIND, feed_id, postings.to_aux())
                repaired = True
            postings.share({s: s for a in stored for s in (a.id, a.content_hash)})
            index.set_feed(feed_id, postings)
        if repaired:
            self.store.flush()
        return index


def write_export(path: Path, text: str, *, force: bool = False) -> Path:
    """Write an export atomically; an existing file is kept unless ``force``."""
    path = path.expanduser()
    if path.exists() and not force:
        raise ReaderError(f"{path} exists; use --force to overwrite it")
    if path.is_dir():
        raise ReaderError(f"{path} is a folder")
    try:
        atomic_write(path, text.encode("utf-8", "replace"))
    except OSError as error:
        raise ReaderError(f"{path}: {error.strerror}") from None
    return path


def documents_of_file(path: Path) -> list[tuple[str, Document]]:
    """A document file or feed file as (title, Document) pairs, without storing it."""
    if path.suffix.lower() in (".txt", ".html", ".htm", ".md"):
        entries = [read_document(path)]
    else:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SourceError(f"{path}: {error.strerror}") from None
        entries = parse_feed(data, str(path)).entries
    return [
        (entry.title, build_document(entry.body, title=entry.title, base_url=entry.link))
        for entry in entries
    ]


def load_seeds(library: Library) -> list[RefreshOutcome]:
    """Subscribe a new database to the bundled sample content (no network needed)."""
    seeds = config.seeds_dir()
    outcomes = [library.add(str(seeds), title=SEED_FOLDER_TITLE)]
    for path in sorted(seeds.iterdir()):
        if path.suffix.lower() in (".rss", ".atom", ".xml", ".rdf"):
            outcomes.append(library.add(str(path)))
    library.analyse_pending()  # a few dozen articles: the first screen has them complete
    return outcomes


def _lookup_keys(article: Article) -> tuple[str, str]:
    """What :meth:`Library.find_article` finds an article by: its URL and its title."""
    return normalise_url(article.link), "title:" + article.title.casefold()


def open_library(
    db: str | Path | None = None,
    *,
    readonly: bool = False,
    seed: bool = True,
    fetcher: Fetcher | None = None,
    clock: Clock = utc_now,
    retention: int = 0,
    concurrency: int = 8,
) -> Library:
    """Open (or create, with the seeds loaded) the database at ``db``."""
    path = config.db_dir(db)
    if readonly and not (path / "library.json").exists():
        readonly = False  # a new database has to be created first
    store = Store(path, readonly=readonly)
    library = Library(
        store, fetcher=fetcher, clock=clock, retention=retention, concurrency=concurrency
    )
    if store.created and seed:
        try:
            load_seeds(library)
        except BaseException:
            store.close()
            raise
    return library
