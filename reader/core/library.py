"""The one facade the UI and the CLI call.

Built by :func:`open_library` from injectable parts (store, fetcher, clock), so
tests swap them without patching. Each job is a service of its own
(``reader.core.services``); this class builds them over one store and hands
each what it needs, and holds what spans them: reading state, and which
service must catch up before another answers (search and the Speakers view
analyse what a refresh left pending first).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, overload

from reader.core import config
from reader.core.models import (
    Article,
    Bookmark,
    Clock,
    Document,
    Feed,
    FeedSummary,
    FullTextMode,
    FullTextOutcome,
    FullTextPolicy,
    Quote,
    RefreshOutcome,
    SpeakerQuote,
    newest_first,
)
from reader.core.services.bookmarks import Bookmarks
from reader.core.services.derived import Derived
from reader.core.services.documents import Documents
from reader.core.services.work import Pacer
from reader.core.storage.store import Store

if TYPE_CHECKING:
    from reader.core.analysis import search as fulltext
    from reader.core.analysis.links import RelatedLink
    from reader.core.ingest.pages import PageFetcher
    from reader.core.services.analysis import Analysis
    from reader.core.services.archive import Archive
    from reader.core.services.fulltext import FullText
    from reader.core.services.searching import Search
    from reader.core.services.subscriptions import Fetcher, Subscriptions
    from reader.core.settings import SyncAccount
    from reader.core.sync.engine import SyncSummary
    from reader.core.sync.runner import Syncer
    from reader.core.sync.status import SyncStatus

SEED_FOLDER_TITLE = "Sample articles"


class NewestFirst(Sequence[Article]):
    """Every article newest first, of which the first few are known before the rest
    are loaded: anything past them (or a walk over all) waits for the whole list, so
    a list on screen never acts on half of the archive. ``load`` (the app's worker)
    makes the whole list; ``len`` is the catalogue's count until then."""

    def __init__(self, head: list[Article], total: int, load: Callable[[], list[Article]]):
        self.head, self.total = head, total
        self._load = load
        self._all: list[Article] | None = None
        self._lock = threading.Lock()

    def load(self) -> list[Article]:
        with self._lock:
            if self._all is None:
                self._all = self._load()
            return self._all

    @property
    def loaded(self) -> bool:
        return self._all is not None

    def __len__(self) -> int:
        return self.total if self._all is None else len(self._all)

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if self._all is None and isinstance(index, int) and 0 <= index < len(self.head):
            return self.head[index]
        return self.load()[index]

    def __iter__(self) -> Iterator[Article]:
        return iter(self.load())


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        sync: SyncAccount | None = None,
        full_text: FullTextPolicy | None = None,
        page_fetcher: PageFetcher | None = None,
    ) -> None:
        self.store = store
        self.sync_account = sync
        store.journaling = sync is not None  # changes are journaled from the start
        self._syncer: Syncer | None = None
        self.clock = clock
        self.pacer = Pacer()
        store.between_loads = self.pacer.pause
        self.documents = Documents(store)
        self.derived = Derived(store)
        # Built at the first refresh or full-text call: start-up does not import it.
        self._full_text: FullText | None = None
        self._full_text_parts = (full_text, page_fetcher, concurrency)
        self._full_text_lock = threading.Lock()
        self._subscription_parts = (fetcher, retention, concurrency)
        self.saved = Bookmarks(store, self.documents, clock)

    # The services below import the analysis (quotations, story terms, parsers) when
    # first used: `reader feeds` and `reader search` start without them.

    @cached_property
    def finder(self) -> Search:
        from reader.core.services.searching import Search

        return Search(self.store, self.documents, self.derived, self.pacer)

    @cached_property
    def archive(self) -> Archive:
        from reader.core.services.archive import Archive

        return Archive(self.store, self.derived, self.pacer)

    def _forget_related(self) -> None:
        if "archive" in self.__dict__:  # one not built yet has nothing to forget
            self.archive.forget()

    @cached_property
    def analysis(self) -> Analysis:
        from reader.core.services.analysis import Analysis

        return Analysis(
            self.store, self.documents, self.derived, self.archive, self.finder, self.pacer
        )

    @cached_property
    def subscriptions(self) -> Subscriptions:
        from reader.core.services.subscriptions import Subscriptions

        fetcher, retention, concurrency = self._subscription_parts
        return Subscriptions(
            self.store,
            self.documents,
            self.clock,
            fetcher=fetcher,
            retention=retention,
            concurrency=concurrency,
            offer_full_text=lambda feed, stored, force, stubs: self.full_text.consider(
                feed, stored, force=force, stubs=stubs
            ),
            pruned=self._forget_related,
        )

    @property
    def background_pause(self) -> Callable[[], None]:
        """Called between pieces of long background work (analysis, index builds);
        the app makes it wait while keys are coming in, so they get the CPU."""
        return self.pacer.pause

    @background_pause.setter
    def background_pause(self, hook: Callable[[], None]) -> None:
        self.pacer.hook = hook

    def keys_came(self, until: float) -> None:
        """A key came (the app): the background pass's worker processes wait until
        ``until`` (``time.monotonic``)."""
        self.pacer.keys_came(until)

    @property
    def path(self) -> Path:
        """The database folder (the app keeps its own small state beside it)."""
        return self.store.path

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    def close(self) -> None:
        self.store.flush()
        if "finder" in self.__dict__:  # built (search or analysis asked for it)
            self.finder.close()
        self.store.close()

    def now_iso(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def flush(self) -> None:
        self.store.flush()

    # -- subscriptions ---------------------------------------------------------------

    def feeds(self) -> list[FeedSummary]:
        """Every feed with its counts, by title (the store keeps the counts; as
        ``Subscriptions.feeds``, without building the subscriptions service)."""
        counts = self.store.counts()
        return [
            FeedSummary(feed, *counts.get(feed.id, (0, 0)))
            for feed in sorted(self.store.feeds(), key=lambda f: f.title.casefold())
        ]

    def feed(self, feed_id: str) -> Feed:
        return self.subscriptions.feed(feed_id)

    def feed_titles(self) -> dict[str, str]:
        return {feed.id: feed.title for feed in self.store.feeds()}

    def find_feed(self, feed_id: str) -> Feed | None:
        return self.store.feed(feed_id)

    def feed_title(self, feed_id: str) -> str:
        feed = self.store.feed(feed_id)
        return feed.title if feed else ""

    def add(
        self, source: str, *, title: str | None = None, folder: str = "", pick: int | None = None
    ) -> RefreshOutcome:
        return self.subscriptions.add(source, title=title, folder=folder, pick=pick)

    def remove(self, feed_id: str) -> Feed:
        return self.subscriptions.remove(feed_id)

    def refresh(
        self,
        feed_ids: Iterable[str] | None = None,
        *,
        progress: Callable[[int, int, RefreshOutcome], None] | None = None,
        full_text: bool = False,
    ) -> list[RefreshOutcome]:
        """Fetch and store feeds; the pages of the articles stored that their feed's
        ``full_text`` wants (all of them with ``full_text``) wait for
        :meth:`fetch_full_texts`."""
        return self.subscriptions.refresh(feed_ids, progress=progress, force_full_text=full_text)

    def rename(self, feed_id: str, title: str) -> Feed:
        return self.subscriptions.rename(feed_id, title)

    def set_folder(self, feed_id: str, folder: str) -> Feed:
        return self.subscriptions.set_folder(feed_id, folder)

    def import_opml(self, data: bytes, source: str = "OPML") -> list[Feed]:
        return self.subscriptions.import_opml(data, source)

    def export_opml(self) -> str:
        return self.subscriptions.export_opml()

    # -- full text: articles' web pages -------------------------------------------------

    @property
    def full_text(self) -> FullText:
        """The full-text service (``services.fulltext``), built when first needed."""
        with self._full_text_lock:
            if self._full_text is None:
                from reader.core.services.fulltext import FullText

                policy, page_fetcher, concurrency = self._full_text_parts
                self._full_text = FullText(
                    self.store,
                    self.documents,
                    self.clock,
                    policy=policy,
                    fetcher=page_fetcher,
                    concurrency=concurrency,
                    lock=self.analysis.lock,
                )
            return self._full_text

    def full_texts_queued(self) -> int:
        """Articles whose page a refresh or sync queued for :meth:`fetch_full_texts`
        (this session's, or a previous one's not fetched before it quit)."""
        if self._full_text is not None:
            return self.full_text.queued()
        from reader.core.services.fulltext import queued_ids  # light: no extractor

        return len(queued_ids(self.store))

    def fetch_full_texts(
        self, progress: Callable[[int, int, FullTextOutcome], None] | None = None
    ) -> list[FullTextOutcome]:
        """Fetch the queued pages (after a refresh, in the background); each stored
        text becomes its article's body, pending analysis. Flushes once."""
        return self.full_text.fetch_queued(progress)

    def fetch_full_text(self, article_id: str) -> FullTextOutcome:
        """Fetch one article's page now; ``stored`` False says why in ``reason``."""
        return self.full_text.fetch(article_id)

    def feed_document(self, article_id: str) -> Document | None:
        """The feed's own content as a Document when the article's body is the text
        extracted from its page (``Article.full_text`` is that page), else None."""
        versions = self.full_text.versions(article_id)
        if versions.extracted is None or versions.feed is None:
            return None
        article = self.article(article_id)
        from reader.core.analysis.document import build_document

        return build_document(versions.feed, title=article.title, base_url=article.link)

    def set_full_text(self, feed_id: str, mode: FullTextMode | None) -> Feed:
        """Set a feed's full_text mode (None: back to the config file's)."""
        return self.subscriptions.set_full_text(feed_id, mode)

    # -- articles and their analysis ---------------------------------------------------

    def articles(self, feed_id: str | None = None, *, unread_only: bool = False) -> list[Article]:
        """Newest first; an article with no date sorts by when it was added."""
        if feed_id is not None:
            self.feed(feed_id)
        read = self.store.read_ids()
        items = [a for a in self.store.articles(feed_id) if not (unread_only and a.id in read)]
        items.sort(key=newest_first, reverse=True)
        return items

    def newest(self, screenful: int) -> Sequence[Article]:
        """What :meth:`articles` gives, the first ``screenful`` known before the store
        has loaded every feed (a lazy open; see :class:`NewestFirst`)."""
        if self.store.fully_loaded():
            return self.articles()
        head, total = self.store.newest(screenful)
        return NewestFirst(head, total, self.articles)

    def load_all(self) -> None:
        """Load what a lazy open left on disk (a feed at a time, through the background
        pause: it raises ``Interrupted`` when the app quits)."""
        self.store.articles()

    def articles_in(self, feed_ids: Iterable[str]) -> list[Article]:
        """Several feeds' articles (a folder's), newest first, without sorting the archive."""
        items = [a for feed_id in feed_ids for a in self.store.articles(feed_id)]
        items.sort(key=newest_first, reverse=True)
        return items

    def article(self, article_id: str) -> Article:
        return self.documents.article(article_id)

    def find_stored(self, article_id: str) -> Article | None:
        """The article, or None when it is gone (removed since, or never stored)."""
        return self.store.article(article_id)

    def document(self, article_id: str) -> Document:
        return self.documents.document(article_id)

    def quotes(self, article_id: str) -> tuple[Quote, ...]:
        return self.documents.quotes(article_id)

    def quick_to_open(self, article_id: str) -> bool:
        return self.documents.quick_to_open(article_id)

    def reading_minutes(self, article_id: str) -> int:
        return self.documents.reading_minutes(article_id)

    def pending_count(self) -> int:
        return self.analysis.pending_count()

    def has_pending(self) -> bool:
        return self.store.has_pending()

    def analyse_pending(
        self, progress: Callable[[int, int], None] | None = None, *, background: bool = False
    ) -> int:
        """``background``: the app's pass, whose worker processes yield the CPU to keys."""
        return self.analysis.analyse_pending(progress, background=background)

    def analysed(self, article_id: str) -> Article:
        return self.analysis.analysed(article_id)

    def quotes_by_speaker(self, name: str) -> list[tuple[Article, Quote]]:
        return self.analysis.quotes_by_speaker(name)

    def speakers(self) -> list[tuple[str, list[SpeakerQuote]]]:
        """Everyone quoted in the archive, most quoted first (pending articles analysed)."""
        return self.analysis.speakers(self.feed_titles())

    # -- reading state -----------------------------------------------------------------

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

    # -- sync with a feed server -------------------------------------------------------

    @property
    def syncer(self) -> Syncer | None:
        """The account's syncs (built on first use: start-up imports no network code)."""
        if self._syncer is None and self.sync_account is not None:
            from reader.core.sync.runner import Syncer

            self._syncer = Syncer(
                self.store,
                self.sync_account,
                self.clock,
                # Pulled articles are queued for full text like a refresh's.
                offer=lambda feed, stored: self.full_text.consider(feed, stored),
            )
        return self._syncer

    def sync(self, progress: Callable[[SyncStatus], None] | None = None) -> SyncSummary:
        """Push the journal, pull the server's state; blocking (call it from a worker).
        Raises SyncError; a failed sync keeps the journal and changes nothing pulled."""
        from reader.core.errors import SyncError

        if self.syncer is None:
            raise SyncError(f"no [sync] account in {config.config_file()}")
        return self.syncer.run(progress)

    def sync_status(self) -> SyncStatus:
        """Whether a sync runs, its progress, offline or the last error, changes waiting."""
        if self._syncer is None:  # no sync yet: the sync code is not loaded for this
            from reader.core.sync.status import SyncStatus

            configured = self.sync_account is not None
            return SyncStatus(configured=configured, waiting=self.store.journal_size())
        return self._syncer.status()

    def sync_due(self) -> bool:
        """Whether the app's timer should start a sync now (interval, or backoff offline)."""
        return self.syncer is not None and self.syncer.due()

    # -- related links -----------------------------------------------------------------

    def archive_ready(self) -> bool:
        return self.archive.ready()

    def find_article(self, url_or_title: str) -> str | None:
        return self.archive.find_article(url_or_title)

    def related(self, article_id: str) -> list[RelatedLink]:
        """Everything the sidebar shows for an article, in its groups' order."""
        article = self.analysed(article_id)
        return self.archive.related_for(self.document(article_id), article)

    def related_for(
        self, doc: Document, article: Article, *, wait: bool = True, build: bool = True
    ) -> list[RelatedLink]:
        return self.archive.related_for(doc, article, wait=wait, build=build)

    def transient_article(self, title: str, doc: Document) -> Article:
        """An unstored Article for a document read from a file, to ask the archive about."""
        from reader.core.analysis.story_terms import index_terms

        return Article(
            id="", feed_id="", title=title, terms=index_terms(doc.title or title, doc.text)
        )

    # -- bookmarks ---------------------------------------------------------------------

    def bookmarks(self) -> list[Bookmark]:
        return self.saved.all()

    def bookmark_count(self) -> int:
        return len(self.store.bookmarks())

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
        """Bookmark an article, its quotation ``quote``, its inline link ``link``, or ``url``
        (numbers from 1); ``persist=False`` leaves the write to :meth:`flush`."""
        return self.saved.add(
            article_id,
            quote=quote,
            link=link,
            url=url,
            title=title,
            tags=tags,
            note=note,
            persist=persist,
        )

    def article_bookmark(self, article_id: str) -> Bookmark | None:
        return self.saved.of_article(article_id)

    def put_bookmark(self, bookmark: Bookmark, *, persist: bool = True) -> None:
        self.saved.put(bookmark, persist=persist)

    def remove_bookmark(self, bookmark_id: str, *, persist: bool = True) -> Bookmark:
        return self.saved.remove(bookmark_id, persist=persist)

    def export_bookmarks(self, fmt: str, group_by: str | None = None) -> str:
        return self.saved.export(fmt, group_by)

    def import_bookmarks(self, text: str, source: str = "") -> int:
        return self.saved.import_json(text, source)

    def bookmarked_article_ids(self) -> set[str]:
        return self.saved.article_ids()

    # -- full-text search --------------------------------------------------------------

    def search(self, query: str, limit: int = 500) -> list[fulltext.SearchHit]:
        """Articles matching every word of ``query`` (the last as a prefix), best first.

        New articles are searchable once analysed, so pending ones are analysed first.
        """
        from reader.core.analysis.search import parse_query  # (not at start-up)

        parsed = parse_query(query)
        if parsed.empty or limit <= 0:
            return []
        if self.store.has_pending():  # asked first: a lazily opened store stays unloaded
            self.analyse_pending()
        return self.finder.search(parsed, limit)

    def prepare_search(self, *, queries: bool = True) -> None:
        self.finder.prepare(queries=queries)


def load_seeds(library: Library) -> list[RefreshOutcome]:
    """Subscribe a new database to the bundled sample content (no network needed)."""
    seeds = config.seeds_dir()
    outcomes = [library.add(str(seeds), title=SEED_FOLDER_TITLE)]
    for path in sorted(seeds.iterdir()):
        if path.suffix.lower() in (".rss", ".atom", ".xml", ".rdf"):
            outcomes.append(library.add(str(path)))
    library.analyse_pending()  # a few dozen articles: the first screen has them complete
    return outcomes


def open_library(
    db: str | Path | None = None,
    *,
    readonly: bool = False,
    seed: bool = True,
    fetcher: Fetcher | None = None,
    clock: Clock = utc_now,
    retention: int = 0,
    concurrency: int = 8,
    sync: SyncAccount | None = None,
    full_text: str = "auto",
    full_text_feeds: Mapping[str, str] | None = None,
    page_fetcher: PageFetcher | None = None,
    lazy: bool = False,
) -> Library:
    """Open (or create, with the seeds loaded) the database at ``db``.

    ``lazy``: article records are loaded a feed at a time as they are asked for
    (``storage.catalogue``): for a command that reads a few of them.
    ``full_text`` and ``full_text_feeds`` are the config file's ``full_text`` and its
    ``[feeds."<id or url>"]`` tables (``Settings.full_text``, ``Settings.feeds``).
    """
    path = config.db_dir(db)
    if readonly and not (path / "library.json").exists():
        readonly = False  # a new database has to be created first
    store = Store(path, readonly=readonly, lazy=lazy)
    policy = FullTextPolicy(full_text, dict(full_text_feeds or {}))
    library = Library(
        store,
        fetcher=fetcher,
        clock=clock,
        retention=retention,
        concurrency=concurrency,
        sync=sync,
        full_text=policy,
        page_fetcher=page_fetcher,
    )
    if store.created and seed:
        try:
            load_seeds(library)
        except BaseException:
            store.close()
            raise
    return library
