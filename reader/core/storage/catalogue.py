"""Which articles each feed holds, so a command that reads a little of a large
database (``reader feeds``, ``reader search``) need not load every article record.

``catalogue.idx`` (JSON; derived, rebuilt by any flush that writes a feed file, but
once at the end of an analysis pass, which flushes a few feeds at a time) lists
each feed's article ids and how many are pending analysis, with the size and
time of the feed file it was read from. An entry whose feed file has changed
since (another version wrote it) is not used: that feed is loaded as usual.
A store opened ``lazy`` keeps the feeds it could take from here unloaded
(:class:`LazyFeeds`) until something needs their records; counts, one
article, one feed's articles and "anything pending?" need only the catalogue or
the feeds concerned.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reader.core.storage.atomic import atomic_write
from reader.core.storage.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from reader.core.models import Article, Feed

FILE_NAME = "catalogue.idx"  # not .json: `reader db check` reads those as TinyDB files
VERSION = 1

Entry = tuple[list[str], int]  # article ids, how many are pending


def _feed_file(root: Path, feed_id: str) -> Path:
    return root / "feeds" / f"{feed_id}.json"


def write_catalogue(root: Path, feeds: Mapping[str, Entry]) -> None:
    entries: dict[str, list[Any]] = {}
    for feed_id, (ids, pending) in feeds.items():
        with contextlib.suppress(OSError):
            stat = _feed_file(root, feed_id).stat()
            entries[feed_id] = [stat.st_mtime_ns, stat.st_size, ids, pending]
    data = orjson.dumps({"v": VERSION, "feeds": entries})
    atomic_write(root / FILE_NAME, data, sync_dir=False)


def read_catalogue(root: Path) -> dict[str, Entry]:
    """The entries whose feed file is the one they were read from; {} if unreadable."""
    try:
        data = orjson.loads((root / FILE_NAME).read_bytes())
        feeds = data["feeds"] if data.get("v") == VERSION else {}
    except (OSError, orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return {}
    found: dict[str, Entry] = {}
    for feed_id, entry in feeds.items() if isinstance(feeds, dict) else ():
        try:
            mtime, size, ids, pending = entry
            stat = _feed_file(root, feed_id).stat()
        except (OSError, TypeError, ValueError):
            continue
        if (stat.st_mtime_ns, stat.st_size) == (mtime, size) and isinstance(ids, list):
            found[feed_id] = ([str(i) for i in ids], int(pending))
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
            self._where = {i: f for f, (ids, _) in self.entries.items() for i in ids}
        found = self._where.get(article_id)
        return found if found in self.entries else None

    def pop(self, feed_id: str) -> bool:
        """Forget a feed (the caller loads it); whether it was unloaded."""
        return self.entries.pop(feed_id, None) is not None

    def counts(self, read: set[str]) -> dict[str, tuple[int, int]]:
        """(unread, total) of each unloaded feed."""
        return {
            feed_id: (sum(i not in read for i in ids), len(ids))
            for feed_id, (ids, _) in self.entries.items()
        }

    def pending(self) -> bool:
        return any(pending for _, pending in self.entries.values())


def entry_of(articles: Mapping[str, Article]) -> Entry:
    return list(articles), sum(a.pending for a in articles.values())


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

    def _load_feed(self, feed_id: str, version: int = SCHEMA_VERSION) -> None:
        raise NotImplementedError

    def _need(self, article_id: str | None = None) -> None:
        """Load the unloaded feed holding ``article_id`` (None: every unloaded feed)."""
        if self._unloaded:
            unloaded = self._unloaded
            wanted = [unloaded.feed_of(article_id)] if article_id else list(unloaded.entries)
            with self._lock:
                for feed_id in wanted:
                    if feed_id is not None and self._unloaded.pop(feed_id):
                        self._load_feed(feed_id)

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

    def _catalogue(self) -> dict[str, tuple[list[str], int]]:
        return {
            feed_id: self._unloaded.entries.get(feed_id) or entry_of(self._by_feed.get(feed_id, {}))
            for feed_id in self._feeds
        }

    def has_pending(self) -> bool:
        """Whether any article waits for analysis (an unloaded feed says so in the catalogue)."""
        with self._lock:
            return self._unloaded.pending() or any(a.pending for a in self._articles.values())
