"""Subscriptions: adding and removing feeds, refreshing them, folders, titles and OPML."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.core.errors import NotFound, SourceError
from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.records import (
    ParsedEntry,
    ParsedFeed,
    article_ids,
    content_hash,
    feed_id_for,
)
from reader.core.models import (
    FULL_TEXT_MODES,
    Article,
    Body,
    Clock,
    Feed,
    FeedSummary,
    RefreshOutcome,
)
from reader.core.sanitize import clean_line, url_scheme
from reader.core.services.documents import Documents
from reader.core.services.feed_workers import WORKERS, FeedParsers, Ready
from reader.core.storage.codecs import pack_text
from reader.core.storage.store import Store

if TYPE_CHECKING:
    from reader.core.ingest.fetch import FetchResult
    from reader.core.ingest.refresh import Fetched

# Fetching, parsing, OPML and discovery are imported where they are used: the
# app's first screen needs none of them.
Fetcher = Callable[..., "FetchResult"]
# Called with each feed's stored articles and whether full text is forced (services.fulltext)
# What a refresh stored of a feed, whether it forces full text, and which entries a
# worker found to be only summaries.
OfferFullText = Callable[
    [Feed, Sequence[tuple[Article, Body | None]], bool, Mapping[str, bool]], object
]


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


class Subscriptions:
    """The feeds, and what a fetch of each changes in the store."""

    def __init__(
        self,
        store: Store,
        documents: Documents,
        clock: Clock,
        *,
        fetcher: Fetcher | None = None,
        retention: int = 0,
        concurrency: int = 8,
        offer_full_text: OfferFullText | None = None,
        pruned: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.offer_full_text = offer_full_text  # told what each ingest stored (their pages)
        self.documents = documents
        self.pruned = pruned  # told when articles were removed (the archive's indexes go stale)
        self.clock = clock
        self.fetcher = fetcher  # None: reader.core.ingest.fetch, over the network
        self.retention = retention  # most articles kept per feed; 0 keeps everything
        self.concurrency = concurrency  # feeds fetched at once
        self.parse_workers = WORKERS  # processes a large refresh parses in (0: none)

    def now_iso(self) -> str:
        return self.clock().isoformat(timespec="seconds")

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
        self, source: str, *, title: str | None = None, folder: str = "", pick: int | None = None
    ) -> RefreshOutcome:
        """Subscribe to a URL, feed file or folder and fetch it at once.

        A web page is searched for the feeds it advertises (``<link
        rel="alternate">``): one is taken, several need ``pick`` (from 1) or
        raise AmbiguousFeeds with the list. Nothing is stored when it fails.
        """
        from reader.core.ingest.discover import choose, discover_feeds
        from reader.core.ingest.refresh import local_digest, read_local

        kind = source_kind(source)
        url = normalise_source(source)
        if kind != "http" and not Path(url).exists():
            raise SourceError(f"{clean_line(source)}: no such file or folder")
        existing = self.store.feed(feed_id_for(url))
        if existing is not None:
            return RefreshOutcome(existing.id, existing.title, error="already subscribed")
        result: FetchResult | None = None
        digest = None
        if kind != "http":
            digest = local_digest(url, kind)  # read first: a change meanwhile is read next time
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
        feed.content_digest = result.digest if result is not None else digest
        self.store.save_feed(feed)
        self.store.journal_feed("subscribe", feed)
        self.store.flush()
        return RefreshOutcome(
            outcome.feed_id, outcome.title, new=outcome.new, recovered=parsed.recovered
        )

    def remove(self, feed_id: str) -> Feed:
        feed = self.feed(feed_id)
        self.store.journal_feed("unsubscribe", feed)
        self.store.remove_feed(feed_id)
        self.store.flush()
        return feed

    def refresh(
        self,
        feed_ids: Iterable[str] | None = None,
        *,
        progress: Callable[[int, int, RefreshOutcome], None] | None = None,
        force_full_text: bool = False,
    ) -> list[RefreshOutcome]:
        """Fetch and ingest feeds; a failure is recorded on its feed and loses nothing.

        Feeds are fetched and parsed concurrently (reader.core.ingest.refresh) and
        ingested here one at a time as each completes; the store is written
        once, at the end. A feed whose server asked to wait (Retry-After) is
        not requested before then. ``progress(done, total, outcome)`` is called
        after each feed; outcomes come back in the order of the feeds. The articles
        stored are offered to full text (queued, fetched later); ``force_full_text``
        queues every one with a web page, whatever its feed's setting.
        """
        from reader.core.ingest.refresh import due, refresh_feeds

        chosen = self.store.feeds() if feed_ids is None else [self.feed(f) for f in feed_ids]
        if self.store.journaling:  # the sync server fetches its feeds; a sync brings them
            chosen = [feed for feed in chosen if not feed.remote_id]
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
        due_feeds = [f for f in feeds if due(f, now)]
        never_fetched = sum(1 for f in due_feeds if f.kind == "http" and not f.content_digest)
        parsers = FeedParsers(workers=self.parse_workers, expected=never_fetched)
        fetcher, done = self._shared_fetcher()
        try:
            for fetched in refresh_feeds(
                due_feeds, fetcher, workers=self.concurrency, prepare=self._prepare, parse=parsers
            ):
                report(self._ingest_fetched(fetched, force_full_text))
        finally:
            parsers.close()
            done()
            self.store.flush()
        return [outcomes[feed.id] for feed in feeds if feed.id in outcomes]

    def _prepare(self, fetched: Fetched) -> None:
        """In a fetching thread: each entry's id and content hash (unless a worker
        process parsed the feed and worked them out), and the bodies of the entries
        that are new or changed, compressed (zlib lets go of the GIL).

        The ingest checks again what is new: this is only work done early.
        """
        assert fetched.parsed is not None
        entries = fetched.parsed.entries
        ready = fetched.prepared if isinstance(fetched.prepared, Ready) else None
        if ready is not None:
            ids, hashes, stubs = ready.ids, ready.hashes, ready.stubs
        else:
            ids = article_ids(fetched.feed.id, entries)
            hashes = [content_hash(entry) for entry in entries]
            stubs = {}
        packed: dict[str, str] = {}
        for entry, article_id, digest in zip(entries, ids, hashes, strict=True):
            old = self.store.article(article_id)
            if (old is None or old.content_hash != digest) and not self.store.is_gone(article_id):
                packed[article_id] = pack_text(entry.body.content)
        fetched.prepared = _Prepared(ids, hashes, packed, stubs)

    def _ingest(
        self,
        feed: Feed,
        parsed: ParsedFeed,
        result: FetchResult | None,
        force: bool = False,
        prepared: _Prepared | None = None,
    ) -> RefreshOutcome:
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
        if prepared is None:
            ids = article_ids(feed.id, parsed.entries)
            prepared = _Prepared(ids, [content_hash(entry) for entry in parsed.entries], {})
        batch = []
        for entry, article_id, digest in zip(
            parsed.entries, prepared.ids, prepared.hashes, strict=True
        ):
            old = self.store.article(article_id)
            if old is not None and old.content_hash == digest or self.store.is_gone(article_id):
                continue
            batch.append((_stub(feed, article_id, entry, digest, now), entry.body))
        new = self.store.put_articles(feed.id, batch, packed=prepared.packed)
        if self.offer_full_text is not None:
            self.offer_full_text(feed, batch, force, prepared.stubs)
        self._prune(feed.id)
        self.documents.forget(article.id for article, _ in batch)
        return RefreshOutcome(feed.id, feed.title, new=len(new))

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
            self.pruned()
        return gone

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

    def _ingest_fetched(self, fetched: Fetched, force_full_text: bool = False) -> RefreshOutcome:
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
        outcome = self._ingest(feed, fetched.parsed, result, force_full_text, fetched.prepared)
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

    def set_full_text(self, feed_id: str, mode: str | None) -> Feed:
        """A feed's own full_text mode, set in the app; None follows the config file."""
        if mode not in (None, *FULL_TEXT_MODES):
            raise SourceError(f'full_text: expected "auto", "always" or "never", not {mode!r}')
        feed = self.feed(feed_id)
        feed.full_text = mode or ""
        self.store.save_feed(feed)
        self.store.flush()
        return feed

    def set_folder(self, feed_id: str, folder: str) -> Feed:
        """Put a feed in a folder ("" for the top level; "a/b" nests)."""
        feed = self.feed(feed_id)
        feed.folder = "/".join(p for p in (clean_line(x) for x in folder.split("/")) if p)
        self.store.save_feed(feed)
        self.store.journal_feed("move", feed)
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
            self.store.journal_feed("subscribe", feed)
            added.append(feed)
        self.store.flush()
        return added

    def export_opml(self) -> str:
        """Every http(s) subscription as OPML 2.0, folders as nested outlines."""
        from reader.core.ingest.opml import OpmlFeed, write_opml

        http = [f for f in self.store.feeds() if f.kind == "http"]
        return write_opml(
            [OpmlFeed(f.url, f.title, f.folder, f.site_url) for f in http], self.clock()
        )

    def titles(self) -> dict[str, str]:
        return {feed.id: feed.title for feed in self.store.feeds()}


@dataclass
class _Prepared:
    """What :meth:`Subscriptions._prepare` worked out of a parsed feed."""

    ids: list[str]
    hashes: list[str]
    packed: dict[str, str]  # article id -> its body compressed (Store.put_articles)
    stubs: dict[str, bool] = field(default_factory=dict)  # article id -> only a summary?


def _stub(feed: Feed, article_id: str, entry: ParsedEntry, digest: str, now: str) -> Article:
    """What a refresh stores at once; analysis derives the rest later (it costs ten
    times the fetch and parse, so a refresh does not wait for it)."""
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
