"""Which articles each feed holds, so a command that reads a little of a large
database (``reader feeds``, ``reader search``) need not load every article record.

``catalogue.idx`` (JSON; derived, rebuilt by any flush that writes a feed file, but
once at the end of an analysis pass, which flushes a few feeds at a time) lists
each feed's article ids, how many are pending analysis and its newest article's
sort key, with the size and time of the feed file it was read from. An entry
whose feed file has changed since (another version wrote it) is not used: that
feed is loaded as usual.
A store opened ``lazy`` keeps the feeds it could take from here unloaded
(:class:`LazyFeeds`) until something needs their records; counts, one
article, one feed's articles and "anything pending?" need only the catalogue or
the feeds concerned; the newest articles of all (the app's first screen) need only
the feeds whose newest article could be among them (:meth:`Catalogued.newest`).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reader.core.models import newest_first
from reader.core.storage.atomic import atomic_write
from reader.core.storage.schema import SCHEMA_VERSION

_PENDING = attrgetter("pending")

if TYPE_CHECKING:
    from reader.core.models import Article, Feed

FILE_NAME = "catalogue.idx"  # not .json: `reader db check` reads those as TinyDB files
VERSION = 1

# article ids, how many are pending, the newest's sort key (None: not known, an entry
# written before it was kept; "": no articles)
Entry = tuple[list[str], int, str | None]


def _feed_file(root: Path, feed_id: str) -> str:
    """A feed file's path as a string: 2,000 pathlib joins cost more than the stats."""
    return f"{root}{os.sep}feeds{os.sep}{feed_id}.json"


def write_catalogue(root: Path, feeds: Mapping[str, Entry]) -> None:
    entries: dict[str, list[Any]] = {}
    for feed_id, (ids, pending, newest) in feeds.items():
        with contextlib.suppress(OSError):
            stat = os.stat(_feed_file(root, feed_id))
            entries[feed_id] = [stat.st_mtime_ns, stat.st_size, ids, pending]
            if newest is not None:  # (an older reader skips an entry of five: it loads it)
                entries[feed_id].append(newest)
    data = orjson.dumps({"v": VERSION, "feeds": entries})
    atomic_write(root / FILE_NAME, data, sync_dir=False)


def read_catalogue(root: Path, feeds: Container[str] | None = None) -> dict[str, Entry]:
    """The entries whose feed file is the one they were read from (of ``feeds`` only,
    when given: a feed removed since is not counted); {} if unreadable."""
    try:
        data = orjson.loads((root / FILE_NAME).read_bytes())
        entries = data["feeds"] if data.get("v") == VERSION else {}
    except (OSError, orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return {}
    found: dict[str, Entry] = {}
    for feed_id, entry in entries.items() if isinstance(entries, dict) else ():
        if feeds is not None and feed_id not in feeds:
            continue
        try:
            mtime, size, ids, pending, *newest = entry
            stat = os.stat(_feed_file(root, feed_id))
        except (OSError, TypeError, ValueError):
            continue
        if (stat.st_mtime_ns, stat.st_size) == (mtime, size) and isinstance(ids, list):
            key = str(newest[0]) if len(newest) == 1 else None
            found[feed_id] = (ids, int(pending), key)  # (ids as written: strings)
    return found


class LazyFeeds:
    """The store's feeds not loaded yet, and the article -> feed map to find them by."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        self.entries = entries
        self._where: dict[str, str] | None = None

    def __bool__(self) -> bool:
        return bool(self.entries)

    def feed_of(self, article_id: str) -> str | None:
        if self._where is None:
            self._where = {i: f for f, (ids, _, _) in self.entries.items() for i in ids}
        found = self._where.get(article_id)
        return found if found in self.entries else None

    def pop(self, feed_id: str) -> bool:
        """Forget a feed (the caller loads it); whether it was unloaded."""
        return self.entries.pop(feed_id, None) is not None

    def counts(self, read: set[str]) -> dict[str, tuple[int, int]]:
        """(unread, total) of each unloaded feed."""
        return {
            feed_id: (sum(i not in read for i in ids), len(ids))
            for feed_id, (ids, _, _) in self.entries.items()
        }

    def pending(self) -> bool:
        return any(pending for _, pending, _ in self.entries.values())

    def missing(self, feeds: Iterable[str]) -> bool:
        """Whether any of ``feeds`` has no entry, or one without its newest key."""
        return any(self.entries.get(f, ([], 0, None))[2] is None for f in feeds)

    def total(self) -> int:
        return sum(len(ids) for ids, _, _ in self.entries.values())

    def by_newest(self) -> list[tuple[str, str]]:
        """(newest key, feed id), the feed that may hold the newest article first
        (a feed whose newest is not known counts as holding it)."""
        return sorted(
            (
                (key if key is not None else "\U0010ffff", feed_id)
                for feed_id, (_, _, key) in self.entries.items()
            ),
            reverse=True,
        )


def entry_of(articles: Mapping[str, Article]) -> Entry:
    newest = max(map(newest_first, articles.values()), default="")
    return list(articles), sum(a.pending for a in articles.values()), newest


class Catalogued:
    """The store's side of a lazy open: loading what is asked for, and the catalogue."""

    path: Path
    readonly: bool
    _lock: threading.RLock
    _unloaded: LazyFeeds
    _feeds: dict[str, Feed]
    _articles: dict[str, Article]
    _by_feed: dict[str, dict[str, Article]]
    _dirty_feeds: set[str]
    _catalogue_holds = 0  # catalogue_held() blocks open
    _catalogue_stale = False  # feed files were written since the catalogue was
    # Called before each feed a whole-archive load reads (the library's background
    # pause): keys go first, and a load in the app's background stops on quit.
    between_loads: Callable[[], None] = staticmethod(lambda: None)

    def _load_feed(self, feed_id: str, version: int = SCHEMA_VERSION) -> None:
        raise NotImplementedError

    def _need(self, article_id: str | None = None) -> None:
        """Load the unloaded feed holding ``article_id`` (None: every unloaded feed).

        The lock is taken a feed at a time: the app loads the rest in the background
        while its other threads read what is loaded. ``between_loads`` may raise
        (``Interrupted``: the app is quitting); what is loaded stays."""
        if self._unloaded and not (article_id and article_id in self._articles):
            unloaded = self._unloaded
            wanted = [unloaded.feed_of(article_id)] if article_id else list(unloaded.entries)
            for feed_id in wanted:
                if article_id is None:
                    self.between_loads()
                with self._lock:
                    if feed_id is not None and self._unloaded.pop(feed_id):
                        self._load_feed(feed_id)

    def _need_feed(self, feed_id: str) -> None:
        with self._lock:
            if self._unloaded.pop(feed_id):
                self._load_feed(feed_id)

    def fully_loaded(self) -> bool:
        return not self._unloaded

    def newest(self, count: int) -> tuple[list[Article], int]:
        """The ``count`` newest articles of all (newest first) and how many there are.

        Loads only the unloaded feeds whose newest article (the catalogue's) could be
        among them: at 2,000 feeds a screenful is a few dozen feed files, not 2,000.
        """
        with self._lock:
            top = heapq.nlargest(count, self._articles.values(), key=newest_first)
            order = self._unloaded.by_newest()
        for key, feed_id in order:
            if len(top) >= count and newest_first(top[-1]) > key:
                break
            with self._lock:
                if self._unloaded.pop(feed_id):
                    self._load_feed(feed_id)
                feed = self._by_feed.get(feed_id, {}).values()
                top = heapq.nlargest(count, [*top, *feed], key=newest_first)
        with self._lock:
            return top, len(self._articles) + self._unloaded.total()

    def _feeds_written(self, written: bool) -> None:
        """After a flush (``written``: it wrote feed files), the catalogue made current,
        unless a hold defers it. Caller holds the lock."""
        if written or self._catalogue_stale or not (self.path / FILE_NAME).exists():
            if self._catalogue_holds:
                self._catalogue_stale = True
            else:
                write_catalogue(self.path, self._catalogue())
                self._catalogue_stale = False

    @contextlib.contextmanager
    def catalogue_held(self) -> Iterator[None]:
        """Flushes inside write no catalogue; it is written once at the end.

        Analysis flushes a few feeds at a time, and each catalogue holds every
        article id (2 MB at 100k articles). Meanwhile the one on disk is stale,
        which is safe: a lazy open loads the feeds written since as usual. Left
        with feeds unwritten (stopped early), the next flush writes it.
        """
        with self._lock:
            self._catalogue_holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._catalogue_holds -= 1
                if not (self._catalogue_holds or self._dirty_feeds or self.readonly):
                    self._feeds_written(False)

    def _catalogue(self) -> dict[str, Entry]:
        """Every feed's entry (under the lock); an unloaded feed whose entry an older
        version wrote, without its newest key, is loaded to make its entry whole."""
        for feed_id, (_, _, newest) in list(self._unloaded.entries.items()):
            if newest is None and self._unloaded.pop(feed_id):
                self._load_feed(feed_id)
        return {
            feed_id: self._unloaded.entries.get(feed_id) or entry_of(self._by_feed.get(feed_id, {}))
            for feed_id in self._feeds
        }

    def has_pending(self) -> bool:
        """Whether any article waits for analysis (an unloaded feed says so in the catalogue)."""
        with self._lock:
            # In C: asked before every search, over 100,000 loaded articles (was ~30 ms).
            return self._unloaded.pending() or any(map(_PENDING, self._articles.values()))
