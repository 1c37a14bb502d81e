"""Fetch and parse many feeds at once; the caller ingests each as it completes.

Network waits overlap in a thread pool (the fetcher itself limits requests
overall and per host); results are yielded one by one so the library can
store each feed and report progress, and flush the store once at the end.
Nothing here touches the store: deciding what to keep stays in the library.

Parsing happens in the fetching threads, or wherever the caller's ``parse``
sends it (the library's worker processes, for a large refresh).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader.core.config import DEFAULT_CONCURRENCY
from reader.core.errors import ReaderError, SourceError
from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.fetch import FetchError, FetchResult
from reader.core.ingest.local import (
    DOCUMENT_SUFFIXES,
    MAX_DOCUMENT_BYTES,
    read_document,
    read_folder,
)
from reader.core.ingest.records import ParsedFeed
from reader.core.models import Feed

Fetcher = Callable[..., FetchResult]
# A fetched feed's bytes parsed, and what else the parser worked out (Fetched.prepared).
Parser = Callable[[Feed, FetchResult], tuple[ParsedFeed, Any]]


def parse_fetched(feed: Feed, result: FetchResult) -> tuple[ParsedFeed, None]:
    return parse_feed(result.content, feed.url, result.headers), None


@dataclass
class Fetched:
    """One feed's fetch and parse, ready to ingest; exactly one of the outcomes holds.

    ``unchanged``: a 304, or a body with the same hash as the last one parsed,
    so nothing was parsed. ``error``: nothing was stored, the feed keeps its
    articles. Otherwise ``parsed`` holds the entries.
    """

    feed: Feed
    parsed: ParsedFeed | None = None
    result: FetchResult | None = None
    unchanged: bool = False
    digest: str | None = None
    error: ReaderError | None = None
    prepared: Any = None  # what the caller's ``prepare`` worked out in the fetching thread

    @property
    def retry_after(self) -> str | None:
        """The Retry-After header of a 429/503, as the server sent it."""
        return self.error.retry_after if isinstance(self.error, FetchError) else None


def read_local(url: str, kind: str) -> ParsedFeed:
    """A feed file, a single document, or a folder of documents."""
    path = Path(url)
    if kind == "folder":
        return read_folder(path)
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        entry = read_document(path)
        return ParsedFeed(title=entry.title, entries=[entry])
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: {error.strerror}") from None
    return parse_feed(data, url)


def local_digest(url: str, kind: str) -> str | None:
    """What says a feed file or folder changed: a hash of the file's bytes, or of each
    document's name, size and modification time; None when it cannot be read."""
    path = Path(url)
    digest = hashlib.blake2b(digest_size=16)
    try:
        if kind != "folder":
            if not path.is_file() or path.stat().st_size > MAX_DOCUMENT_BYTES:
                return None  # read as before, with its own limits and errors
            digest.update(path.read_bytes())
            return digest.hexdigest()
        for item in sorted(path.iterdir()):
            if item.suffix.lower() in DOCUMENT_SUFFIXES and item.is_file():
                stat = item.stat()
                digest.update(f"{item.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    except (OSError, UnicodeError):
        return None
    return digest.hexdigest()


def read_feed(feed: Feed, fetcher: Fetcher, parse: Parser = parse_fetched) -> Fetched:
    """Fetch (conditionally) and parse one feed; every failure is caught into the result."""
    try:
        if feed.kind != "http":
            # As a web feed's unchanged bytes, an unchanged file or folder is not parsed.
            digest = local_digest(feed.url, feed.kind)
            if digest is not None and digest == feed.content_digest:
                return Fetched(feed, unchanged=True, digest=digest)
            return Fetched(feed, parsed=read_local(feed.url, feed.kind), digest=digest)
        result = fetcher(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.not_modified:
            return Fetched(feed, result=result, unchanged=True)
        digest = result.digest
        if feed.content_digest and digest == feed.content_digest:
            return Fetched(feed, result=result, unchanged=True, digest=digest)
        parsed, prepared = parse(feed, result)
        return Fetched(feed, parsed=parsed, result=result, digest=digest, prepared=prepared)
    except ReaderError as error:
        return Fetched(feed, error=error)


def due(feed: Feed, now: datetime) -> bool:
    """False while a server's Retry-After for this feed has not expired."""
    if not feed.retry_after:
        return True
    try:
        until = datetime.fromisoformat(feed.retry_after)
    except ValueError:
        return True
    return now >= until


def retry_until(now: datetime, seconds: float) -> str:
    return (now + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _host(feed: Feed) -> str:
    if feed.kind != "http":
        return ""
    try:
        return (urlsplit(feed.url).hostname or "").lower()
    except ValueError:
        return ""


def interleave_hosts(feeds: Iterable[Feed]) -> list[Feed]:
    """Round-robin by host, so the pool's threads are not all queued on one host's limit."""
    by_host: dict[str, deque[Feed]] = defaultdict(deque)
    for feed in feeds:
        by_host[_host(feed)].append(feed)
    queues = list(by_host.values())
    ordered: list[Feed] = []
    while queues:
        for queue in queues:
            ordered.append(queue.popleft())
        queues = [q for q in queues if q]
    return ordered


def refresh_feeds(
    feeds: Iterable[Feed],
    fetcher: Fetcher,
    *,
    workers: int = DEFAULT_CONCURRENCY,
    prepare: Callable[[Fetched], None] | None = None,
    parse: Parser = parse_fetched,
) -> Iterator[Fetched]:
    """Yield each feed's :class:`Fetched` as soon as it is done, in completion order.

    ``prepare`` runs in the fetching thread on each parsed feed: the caller's work
    that needs no order (ids, hashes, compression), so the thread that takes the
    results one at a time has less to do; ``parse`` may do part of it already
    (what it returns beside the feed is the Fetched's ``prepared``). Closing the
    iterator early cancels what has not started.
    """
    ordered = interleave_hosts(feeds)
    if not ordered:
        return
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(ordered))), thread_name_prefix="refresh"
    )
    try:
        pending = {pool.submit(_read_and_prepare, f, fetcher, prepare, parse) for f in ordered}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_and_prepare(
    feed: Feed, fetcher: Fetcher, prepare: Callable[[Fetched], None] | None, parse: Parser
) -> Fetched:
    fetched = read_feed(feed, fetcher, parse)
    if prepare is not None and fetched.parsed is not None:
        prepare(fetched)
    return fetched
