"""Full text: an article's web page fetched, its article extracted and stored as its body.

The feed's own content is kept beside the extracted body (``Store.feed_body``),
so a reader can compare them. The extracted body is stored as the small HTML
``analysis.page_html`` writes (headings, lists, block quotes and links kept, read
like any feed's HTML) and the article marked pending, so analysis
finds its quotations, speakers, archive terms and search terms like any other.

Which articles: a refresh hands over what it stored (:meth:`FullText.consider`),
and each feed's ``full_text`` mode decides: ``always``, ``never``, or ``auto``
(only entries that are a summary: short, or ending in "Read more" or an
ellipsis). They queue here and are fetched by :meth:`FullText.fetch_queued`,
after the feeds, on a pool of their own: two pages per host at a time, 15 s
and 5 MiB per page (``ingest.pages``). A server's Retry-After holds back its
host's other pages for this session.

A page that is not the article keeps the summary, with a one-line reason on
the article (``Article.full_text_error``): an HTTP error, not HTML, no article
found, or less text than the summary (a paywall or consent page).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from reader.core.errors import NotFound, ReaderError, SourceError
from reader.core.models import (
    Article,
    Body,
    BodyVersions,
    Clock,
    Feed,
    FullTextOutcome,
    FullTextPolicy,
    newest_first,
)
from reader.core.sanitize import SAFE_SCHEMES, clean_line, url_scheme
from reader.core.services.documents import Documents
from reader.core.services.work import start_resource_tracker
from reader.core.storage.store import Store

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from reader.core.analysis.extract import ExtractedPage
    from reader.core.ingest.pages import PageFetcher

Progress = Callable[[int, int, FullTextOutcome], None]
PROCESSES_FROM = 16  # pages in a batch from which extraction runs in processes
MAX_PER_FEED = 50  # pages a refresh queues per feed: the newest (a new feed may hold thousands)
PAGES_PER_HOST = 2  # as the page fetcher allows
UNREACHABLE_WAIT = 300.0  # seconds a host that could not be reached is not asked again
QUEUE_KEY = "full_text_queue"  # the store's meta key: the queue survives quitting


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class FullText:
    """Fetches articles' pages and keeps their extracted text as the articles' bodies."""

    def __init__(
        self,
        store: Store,
        documents: Documents,
        clock: Clock,
        *,
        policy: FullTextPolicy | None = None,
        fetcher: PageFetcher | None = None,
        concurrency: int = 8,
        lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self.store = store
        self.documents = documents
        self.clock = clock
        self.policy = policy or FullTextPolicy()
        self.fetcher = fetcher  # None: a page fetcher of our own per batch (ingest.pages)
        self.concurrency = concurrency
        self._lock = lock or nullcontext()  # analysis's: a body never changes mid-analysis
        # Article ids, in the order they came; kept in the store (QUEUE_KEY) as it
        # changes, so pages a refresh or sync queued are fetched after a restart.
        self._queue: dict[str, None] = dict.fromkeys(queued_ids(store))
        self._queue_lock = threading.Lock()
        # host -> (monotonic time until which it is not asked, why): Retry-After, or unreachable
        self._host_wait: dict[str, tuple[float, str]] = {}
        self._host_turns: dict[str, threading.Semaphore] = {}
        self.processes_from = PROCESSES_FROM

    # -- which articles -------------------------------------------------------------

    def mode(self, feed: Feed, *, force: bool = False) -> str:
        """``always``, ``never`` or ``auto`` (when the entry is a stub) for ``feed`` now."""
        if force:
            return "always"
        if feed.kind != "http":
            return "never"  # a feed file or a folder is read offline; --full-text asks anyway
        return self.policy.mode(feed)

    def consider(
        self,
        feed: Feed,
        stored: Iterable[tuple[Article, Body | None]],
        *,
        force: bool = False,
        stubs: Mapping[str, bool] | None = None,
    ) -> int:
        """Queue the articles a refresh stored that the feed's mode wants; how many.
        ``stubs`` says of some whether they are only summaries (found while parsing)."""
        mode = self.mode(feed, force=force)
        if mode == "never":
            return 0
        from reader.core.analysis.extract import is_stub  # not needed to start the app

        stubs = stubs or {}
        chosen = [
            article
            for article, body in stored
            if url_scheme(article.link) in SAFE_SCHEMES
            and not article.full_text
            and (
                mode == "always"
                or body is None
                or (
                    stubs[article.id]
                    if article.id in stubs
                    else is_stub(body.content, body.content_type)
                )
            )
        ]
        chosen.sort(key=newest_first, reverse=True)
        chosen = chosen[:MAX_PER_FEED]
        with self._queue_lock:
            self._queue.update(dict.fromkeys(a.id for a in chosen))
            self._keep_queue()
        return len(chosen)

    def queued(self) -> int:
        with self._queue_lock:
            return len(self._queue)

    def _keep_queue(self) -> None:
        """Write the queue to the store (the next flush saves it); under the queue lock."""
        if not self.store.readonly and list(self._queue) != queued_ids(self.store):
            self.store.set_meta(QUEUE_KEY, list(self._queue))

    # -- fetching -----------------------------------------------------------------

    def fetch_queued(self, progress: Progress | None = None) -> list[FullTextOutcome]:
        """Fetch every queued article's page (see the module docstring); flushes once.
        Each leaves the kept queue when its page is done: pages not reached before
        the app quits are fetched after the next start."""
        with self._queue_lock:
            ids = list(self._queue)

        def done(count: int, total: int, outcome: FullTextOutcome) -> None:
            with self._queue_lock:
                self._queue.pop(outcome.article_id, None)
                self._keep_queue()
            if progress is not None:
                progress(count, total, outcome)

        return self.fetch_many(ids, done)

    def fetch_many(
        self, article_ids: Iterable[str], progress: Progress | None = None
    ) -> list[FullTextOutcome]:
        """Fetch several articles' pages concurrently (hosts interleaved); outcomes in
        the order given, ``progress(done, total, outcome)`` as each completes."""
        from concurrent.futures import ThreadPoolExecutor

        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        order = _interleave(ids, {i: _host(self._link(i)) for i in ids})
        fetcher, close = self._page_fetcher()
        processes = self._extraction_processes(len(ids))
        outcomes: dict[str, FullTextOutcome] = {}
        done_lock = threading.Lock()

        def one(article_id: str) -> None:
            outcome = self._fetch_one(article_id, fetcher, processes, metadata=len(ids) == 1)
            with done_lock:
                outcomes[article_id] = outcome
                if progress is not None:
                    progress(len(outcomes), len(ids), outcome)

        try:
            workers = max(1, min(self.concurrency, len(ids)))
            with ThreadPoolExecutor(workers, thread_name_prefix="fulltext") as pool:
                for future in [pool.submit(one, i) for i in order]:
                    future.result()
        finally:
            close()
            if processes is not None:
                processes.shutdown(wait=True, cancel_futures=True)
            self.store.flush()
        return [outcomes[i] for i in ids]

    def _extraction_processes(self, pages: int) -> Executor | None:
        """Processes to extract a large batch in: extraction is pure Python work
        (~50 ms a page), so threads would take turns on one core. A few pages are
        extracted in the fetching threads (a process costs ~0.3 s to start)."""
        if pages < self.processes_from:
            return None
        import multiprocessing
        import os
        from concurrent.futures import ProcessPoolExecutor

        workers = max(1, min(os.cpu_count() or 1, self.concurrency, pages // 8 or 1))
        # spawn: a fork of a threaded process (the app) could inherit a held lock.
        start_resource_tracker()
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def fetch(self, article_id: str) -> FullTextOutcome:
        """Fetch one article's page now (the app's key); the store is flushed."""
        self.documents.article(article_id)  # NotFound for an unknown id
        outcome = self.fetch_many([article_id])[0]
        with self._queue_lock:  # not fetched again by the queue
            if self._queue.pop(article_id, 0) is None:
                self._keep_queue()
        return outcome

    def _link(self, article_id: str) -> str:
        article = self.store.article(article_id)
        return article.link if article is not None else ""

    def _page_fetcher(self) -> tuple[PageFetcher, Callable[[], None]]:
        if self.fetcher is not None:
            return self.fetcher, lambda: None
        from reader.core.ingest.pages import make_page_fetcher

        fetcher = make_page_fetcher(self.concurrency)
        return fetcher, getattr(fetcher, "close", lambda: None)

    def _fetch_one(
        self,
        article_id: str,
        fetcher: PageFetcher,
        processes: Executor | None = None,
        *,
        metadata: bool = True,
    ) -> FullTextOutcome:
        """One article's page; ``metadata`` (byline, date, the page's title) costs a
        third more extraction time, so a batch goes without it."""
        article = self.store.article(article_id)
        if article is None:
            return FullTextOutcome(article_id, False, f"no article with id {article_id!r}")
        url = article.link
        if url_scheme(url) not in SAFE_SCHEMES:
            return self._keep(article, "the article has no web page (no http(s) link)")
        host = _host(url)
        with self._host_turn(host):  # a host found down meanwhile is not tried again
            until, why = self._host_wait.get(host, (0.0, ""))
            if until > time.monotonic():
                return self._keep(article, f"{clean_line(url)}: not fetched, {why}")
            try:
                page, extracted = self._read(url, fetcher, processes, metadata)
            except ReaderError as error:
                self._note_retry_after(host, error)
                if getattr(error, "unreachable", False):  # its other pages would fail alike
                    self._host_wait[host] = (
                        time.monotonic() + UNREACHABLE_WAIT,
                        f"{host} could not be reached a moment ago",
                    )
                return self._keep(article, str(error))
        summary = self._summary_words(article)
        if extracted.words <= summary:
            return self._keep(
                article,
                f"{clean_line(page.url)}: the page has less text than the feed's summary "
                f"({extracted.words} words, summary {summary}): a paywall or consent page? "
                "Kept the summary",
            )
        return self._store(article, page.url, extracted)

    def _host_turn(self, host: str) -> threading.Semaphore:
        """Two pages of a host at a time, as the fetcher allows: the others wait here,
        and see what the first two found (a host down, a Retry-After)."""
        with self._queue_lock:
            return self._host_turns.setdefault(host, threading.Semaphore(PAGES_PER_HOST))

    def _read(
        self, url: str, fetcher: PageFetcher, processes: Executor | None, metadata: bool
    ) -> tuple[Page, ExtractedPage]:
        from concurrent.futures.process import BrokenProcessPool

        from reader.core.analysis.extract import extract_page
        from reader.core.ingest.pages import fetch_page

        page = fetch_page(url, fetcher)
        if processes is None:
            return page, extract_page(page.html, page.url, metadata=metadata)
        try:
            job = processes.submit(extract_page, page.html, page.url, metadata=metadata)
            return page, job.result()
        except BrokenProcessPool:
            raise SourceError(f"{clean_line(url)}: the extraction process died") from None

    def _note_retry_after(self, host: str, error: ReaderError) -> None:
        from reader.core.ingest.fetch import parse_retry_after

        wait = parse_retry_after(getattr(error, "retry_after", None), self.clock())
        if wait:
            self._host_wait[host] = (
                time.monotonic() + wait,
                f"{host} asked to wait {wait:.0f} s",
            )

    def _summary_words(self, article: Article) -> int:
        from reader.core.analysis.extract import word_count

        body = self.store.feed_body(article.id) or self.store.body(article.id)
        if body is None:
            return 0
        from reader.core.analysis.document import build_document

        return word_count(build_document(body, title=article.title).text)

    def _keep(self, article: Article, reason: str) -> FullTextOutcome:
        reason = clean_line(reason)
        with self._lock:
            if self.store.article(article.id) is article:
                article.full_text_error = reason
                self.store.articles_changed(article.feed_id)
        return FullTextOutcome(article.id, False, reason)

    def _store(self, article: Article, url: str, extracted: ExtractedPage) -> FullTextOutcome:
        with self._lock:
            if self.store.article(article.id) is not article:  # removed or replaced meanwhile
                return FullTextOutcome(article.id, False, "the article changed meanwhile")
            # Its structure (headings, lists, quotes, links) as our own small HTML
            # (analysis.page_html), read like any feed's HTML: no markup reaches the screen.
            body = Body(extracted.html, "html") if extracted.html else Body(extracted.text, "text")
            self.store.put_extracted_body(article.id, body)
            article.full_text = clean_line(url)
            article.full_text_error = ""
            if not article.author and extracted.author:
                article.author = extracted.author
            article.pending = True  # analysed again: quotations, terms, links, search
            self.store.articles_changed(article.feed_id)
            self.documents.forget([article.id])
        return FullTextOutcome(
            article.id,
            True,
            url=article.full_text,
            words=extracted.words,
            title=extracted.title,
            author=extracted.author,
            published=extracted.published,
            text=extracted.text,
        )

    # -- the two bodies -----------------------------------------------------------

    def versions(self, article_id: str) -> BodyVersions:
        """The feed's content and the extracted one (None until a fetch stored it)."""
        article = self.documents.article(article_id)
        original = self.store.feed_body(article_id)
        if original is None or not article.full_text:
            return BodyVersions(self.store.body(article_id), None)
        return BodyVersions(original, self.store.body(article_id), article.full_text)


def extract_source(source: str, fetcher: PageFetcher | None = None) -> ExtractedPage:
    """The article of a web page (an http(s) URL) or of an HTML file."""
    from pathlib import Path

    from reader.core.analysis.extract import extract_page
    from reader.core.ingest.pages import fetch_page, make_page_fetcher, read_page_file

    if url_scheme(source) in SAFE_SCHEMES:
        own = fetcher or make_page_fetcher(1)
        try:
            page = fetch_page(source, own)
        finally:
            if fetcher is None:
                getattr(own, "close", lambda: None)()
        return extract_page(page.html, page.url)
    path = Path(source).expanduser()
    if not path.is_file():
        raise NotFound(f"{clean_line(source)}: no such article, file or http(s) URL")
    return extract_page(read_page_file(path).html, None)


def queued_ids(store: Store) -> list[str]:
    """The kept queue's article ids that are still in the store."""
    kept = store.meta(QUEUE_KEY)
    if not isinstance(kept, list):
        return []
    return [i for i in kept if isinstance(i, str) and store.article(i) is not None]


def _interleave(ids: list[str], hosts: dict[str, str]) -> list[str]:
    """Round-robin by host, so the pool is not all queued on one host's two slots."""
    by_host: dict[str, list[str]] = {}
    for article_id in ids:
        by_host.setdefault(hosts[article_id], []).append(article_id)
    queues = [list(reversed(q)) for q in by_host.values()]
    ordered: list[str] = []
    while queues:
        for queue in queues:
            ordered.append(queue.pop())
        queues = [q for q in queues if q]
    return ordered


if TYPE_CHECKING:
    from reader.core.ingest.pages import Page
