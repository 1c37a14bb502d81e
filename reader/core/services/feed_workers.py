"""A large refresh parses its feeds in worker processes.

Parsing (lxml and our fields), the entries' ids and hashes and the summary check
hold the interpreter lock, so in the fetching threads they take turns with the
fetching and the storing. A refresh that has many feeds to parse hands them,
after the first few, to a worker process (two from four cores) and gets back
each feed parsed with that work done; a small refresh never starts a process.
Compression stays in the fetching threads: zlib lets go of the lock there.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.records import ParsedFeed, article_ids, content_hash
from reader.core.services.work import start_resource_tracker

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from reader.core.ingest.fetch import FetchResult
    from reader.core.models import Feed

PROCESSES_AFTER = 8  # feeds parsed in the fetching threads before the processes start
WORKERS = max(1, min(2, (os.cpu_count() or 2) - 1))  # beside the process that stores


@dataclass
class Ready:
    """What a worker worked out of one parsed feed, entry by entry (by article id)."""

    ids: list[str]
    hashes: list[str]
    stubs: dict[str, bool]  # whether each entry's content is only a summary (full text)


def parse_ready(
    data: bytes, url: str, headers: dict[str, str], feed_id: str
) -> tuple[ParsedFeed, Ready]:
    """In a worker process: the feed parsed, and its entries' ids, hashes and stubs."""
    from reader.core.analysis.extract import is_stub

    parsed = parse_feed(data, url, headers)
    entries = parsed.entries
    ids = article_ids(feed_id, entries)
    stubs = {
        article_id: is_stub(entry.body.content, entry.body.content_type)
        for entry, article_id in zip(entries, ids, strict=True)
    }
    return parsed, Ready(ids, [content_hash(entry) for entry in entries], stubs)


def warm_up() -> None:
    """In a new worker: import what parsing needs while the first feeds download."""
    import fastfeedparser  # noqa: F401
    import lxml.etree  # noqa: F401

    from reader.core.analysis import extract  # noqa: F401


class FeedParsers:
    """Parses one refresh's feeds: in the calling thread until ``processes_after``
    feeds were parsed, then in worker processes (none once one has died).

    ``expected``: how many feeds the refresh will surely parse (those never
    fetched); when that is more than ``processes_after`` the workers start at
    once, so their start-up overlaps the first downloads.
    """

    def __init__(
        self, processes_after: int = PROCESSES_AFTER, workers: int = WORKERS, expected: int = 0
    ) -> None:
        self.processes_after = processes_after
        self.workers = workers
        self._lock = threading.Lock()
        self._parsed = 0
        self._pool: Executor | None = None
        self._broken = False
        self._closed = False
        if expected > processes_after and workers > 0:
            try:
                with self._lock:
                    pool = self._start()
                for _ in range(workers):
                    pool.submit(warm_up)
            except OSError:  # no processes here: the threads parse
                self._broken = True

    def __call__(self, feed: Feed, result: FetchResult) -> tuple[ParsedFeed, Ready | None]:
        from concurrent.futures.process import BrokenProcessPool

        pool = self._next_pool()
        if pool is not None:
            try:
                return pool.submit(
                    parse_ready, result.content, feed.url, result.headers, feed.id
                ).result()
            except (BrokenProcessPool, RuntimeError):  # a worker died, or the pool closed
                self._broken = True
        return parse_feed(result.content, feed.url, result.headers), None

    def _next_pool(self) -> Executor | None:
        with self._lock:
            self._parsed += 1
            if self._broken or self._closed or self.workers < 1:
                return None
            if self._pool is None and self._parsed > self.processes_after:
                self._start()
            return self._pool

    def _start(self) -> Executor:
        """The workers (under the lock)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        start_resource_tracker()
        # spawn: a fork of a threaded process (the app) could inherit a held lock.
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        return self._pool

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
