"""The database: a folder of TinyDB files, the only module that touches TinyDB.

Layout (see DESIGN.md, "Storage"):

- ``library.json``      feeds, bookmarks, meta (schema version), and the journal rows of
                        stars and subscriptions not yet acknowledged by a sync server
- ``feeds/<id>.json``   article metadata of one feed, loaded at start-up
- ``bodies/<id>.json``  article bodies of one feed, read when an article opens
- ``state.json``        read marks, so a keypress never rewrites article text, and the
                        journal rows of read marks (``storage.journal``)
- ``<kind>/<id>.json``  derived per-feed data another module owns (e.g. ``search``),
                        kept through :meth:`Store.put_aux` / :meth:`Store.aux`
- ``<kind>/<id>.<hash>.bin``  the flat arrays of such data, read a slice at a time
- ``lock``              held by the one process that may write

TinyDB rewrites a whole file on every write and writes in place, so each file
sits behind :class:`AtomicStorage`: it keeps the data in memory, and
:meth:`Store.flush` writes each changed file once, atomically (temporary file,
fsync, ``os.replace``). A kill at any moment leaves the old or the new file.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from tinydb import TinyDB

from reader.core.errors import StoreError
from reader.core.models import Article, Body, Bookmark, Feed
from reader.core.storage.atomic import (
    AtomicStorage,
    _open_db,
    _replace_table,
    backup_path,
    finish_first_copies,
    fsync_dir,
    write_all,
)
from reader.core.storage.catalogue import Catalogued, LazyFeeds, read_catalogue
from reader.core.storage.codecs import (
    _bookmark_from_doc,
    _bookmark_to_doc,
    _feed_to_doc,
    article_from_doc,
    article_to_doc,
    body_table,
    pack_text,
    unpack_body,
)
from reader.core.storage.derived_files import DerivedWrites, derived_path, read_derived
from reader.core.storage.journal import Change, Journal, Op
from reader.core.storage.migrate import move_out
from reader.core.storage.recovery import _allow_open_files, lock_database
from reader.core.storage.schema import (
    _BODY_CACHE_FEEDS,
    SCHEMA_VERSION,
    TMP_SUFFIX,
)

# -- the store ----------------------------------------------------------------

# A bodies file: TinyDB, storage, bodies (id -> packed, type), the feed's own of replaced ones
_BodyEntry = tuple[TinyDB, AtomicStorage, dict[str, tuple[str, str]], dict[str, tuple[str, str]]]


class Store(Catalogued):
    """All persisted state, held in memory and written back in batches.

    Every method takes the store's lock, so a UI thread and a worker may share it.
    """

    def __init__(self, path: Path, *, readonly: bool = False, lazy: bool = False) -> None:
        """``lazy``: leave the feeds ``catalogue.idx`` describes unloaded until needed."""
        self.path = Path(path)
        self.readonly, self.lazy = readonly, lazy
        self.created = False
        self.journaling = False  # a sync account is set: local changes go to the journal
        self._lock = threading.RLock()
        self._lock_file: IO[str] | None = None
        _allow_open_files()
        if not readonly:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / "feeds").mkdir(exist_ok=True)
            (self.path / "bodies").mkdir(exist_ok=True)
            self._acquire_process_lock()
            self._remove_stale_temp_files()
        elif not (self.path / "library.json").exists():
            raise StoreError(f"no database at {self.path}")
        collecting = gc.isenabled()
        gc.disable()  # loading makes ~10 objects an article, all kept: scans find nothing
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        finally:
            gc.freeze()  # the records live as long as the store: no scans over them
            if collecting:
                gc.enable()

    # -- opening ---------------------------------------------------------------

    def _acquire_process_lock(self) -> None:
        self._lock_file = lock_database(self.path)

    def _remove_stale_temp_files(self) -> None:
        folders = [self.path, *(p for p in self.path.iterdir() if p.is_dir())]
        for folder in folders:
            for tmp in folder.glob(f".*{TMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def _load(self) -> None:
        library_path = self.path / "library.json"
        self.created = not library_path.exists()
        self._library, self._library_storage = _open_db(library_path, self.readonly)
        meta = self._library.table("meta").all()
        version = meta[0].get("schema", 0) if meta else 0
        if self.created:
            self._library.table("meta").insert({"schema": SCHEMA_VERSION})
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"database {self.path} has schema {version}, newer than this reader-tui "
                f"understands ({SCHEMA_VERSION}); upgrade reader-tui"
            )
        elif version < SCHEMA_VERSION:
            self._migrate(version)
        self._feeds: dict[str, Feed] = {
            doc["id"]: Feed(**doc) for doc in self._library.table("feeds").all()
        }
        self._bookmarks: dict[str, Bookmark] = {
            doc["id"]: _bookmark_from_doc(doc) for doc in self._library.table("bookmarks").all()
        }
        self._state, self._state_storage = _open_db(self.path / "state.json", self.readonly)
        state = self._state.table("read").all()
        self._read: set[str] = set(state[0]["ids"]) if state else set()
        gone = self._state.table("gone").all()
        self._gone: set[str] = set(gone[0]["ids"]) if gone else set()
        state_rows = self._state.table("journal").all()
        library_rows = self._library.table("journal").all()
        self._journal = Journal(
            state_rows[0]["rows"] if state_rows else [],
            library_rows[0]["rows"] if library_rows else [],
        )
        self._articles: dict[str, Article] = {}
        self._by_feed: dict[str, dict[str, Article]] = {}
        self._read_in_feed: dict[str, int] = {}
        self._feed_dbs: dict[str, tuple[TinyDB, AtomicStorage]] = {}
        self._dirty_feeds: set[str] = set()
        self._pending_aux: dict[tuple[str, str], dict[str, Any]] = {}
        self._unloaded = LazyFeeds(read_catalogue(self.path, self._feeds) if self.lazy else {})
        self._stale = self.lazy and self._unloaded.missing(self._feeds)  # rewritten at a flush
        for feed_id in self._feeds:
            if feed_id not in self._unloaded.entries:
                self._load_feed(feed_id, version)
        self._bodies: OrderedDict[str, _BodyEntry] = OrderedDict()
        self._dirty_bodies: set[str] = set()
        self._library_dirty = self.created or version < SCHEMA_VERSION  # the migration
        self._state_dirty = False
        self._pending_unlink: list[Path] = []
        self._repack: set[tuple[str, str]] = set()  # derived files to rewrite compressed

    def _load_feed(self, feed_id: str, version: int = SCHEMA_VERSION) -> None:
        db, storage = _open_db(self._feed_meta_path(feed_id), self.readonly)
        self._feed_dbs[feed_id] = (db, storage)
        docs = (storage.read() or {}).get("articles", {}).values()
        for doc in docs:
            self._add_article(article_from_doc(doc))
        if version < 3 and docs:
            moved = move_out(docs, version, self._by_feed.get(feed_id, {}).values())
            self._pending_aux.update({(kind, feed_id): data for kind, data in moved.items()})
            self._dirty_feeds.add(feed_id)
        storage.release()  # the Article records are the copy kept in memory

    def _add_article(self, article: Article) -> None:
        """Index one article by id and by feed, keeping the feed's read count."""
        old = self._articles.get(article.id)
        if old is not None:
            self._drop_article(old)
        self._articles[article.id] = article
        self._by_feed.setdefault(article.feed_id, {})[article.id] = article
        if article.id in self._read:
            self._read_in_feed[article.feed_id] = self._read_in_feed.get(article.feed_id, 0) + 1

    def _drop_article(self, article: Article) -> None:
        self._articles.pop(article.id, None)
        self._by_feed.get(article.feed_id, {}).pop(article.id, None)
        if article.id in self._read:
            self._read_in_feed[article.feed_id] -= 1

    def _migrate(self, version: int) -> None:
        """Record the new schema; the data moves as it loads (``storage.migrate``).

        Read-only, the migration happens in memory and is written by the next writer.
        """
        if self.readonly:
            return
        table = self._library.table("meta")
        table.truncate()
        table.insert({"schema": SCHEMA_VERSION})
        self._library_dirty = True

    def meta(self, key: str) -> Any:
        """A value kept beside the schema version (what derived data was made by), or None."""
        with self._lock:
            rows = self._library.table("meta").all()
            return rows[0].get(key) if rows else None

    def set_meta(self, key: str, value: Any) -> None:
        """Keep ``value`` beside the schema version; written by the next flush."""
        with self._lock:
            rows = self._library.table("meta").all()
            _replace_table(self._library, "meta", [{**(rows[0] if rows else {}), key: value}])
            self._library_dirty = True

    def _feed_meta_path(self, feed_id: str) -> Path:
        return self.path / "feeds" / f"{feed_id}.json"

    def _feed_body_path(self, feed_id: str) -> Path:
        return self.path / "bodies" / f"{feed_id}.json"

    def close(self) -> None:
        finish_first_copies()
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- feeds -----------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        with self._lock:
            return list(self._feeds.values())

    def feed(self, feed_id: str) -> Feed | None:
        with self._lock:
            return self._feeds.get(feed_id)

    def save_feed(self, feed: Feed) -> None:
        with self._lock:
            if feed.id not in self._feed_dbs:
                self._feed_dbs[feed.id] = _open_db(self._feed_meta_path(feed.id), self.readonly)
            self._feeds[feed.id] = feed
            self._library_dirty = True

    def remove_feed(self, feed_id: str) -> None:
        self._need()
        with self._lock:
            self._feeds.pop(feed_id, None)
            self._feed_dbs.pop(feed_id, None)
            self._bodies.pop(feed_id, None)
            for article in list(self._by_feed.pop(feed_id, {}).values()):
                self._articles.pop(article.id, None)
                self._read.discard(article.id)
            self._read_in_feed.pop(feed_id, None)
            self._library_dirty = self._state_dirty = True
            self._dirty_feeds.discard(feed_id)
            self._dirty_bodies.discard(feed_id)
            self._pending_unlink += [
                path
                for file in (self._feed_meta_path(feed_id), self._feed_body_path(feed_id))
                for path in (file, backup_path(file))
            ]
            for kind, owner in list(self._pending_aux):
                if owner == feed_id:
                    del self._pending_aux[kind, owner]
            for folder in self.path.iterdir():
                if folder.is_dir() and folder.name not in ("feeds", "bodies"):
                    self._pending_unlink.append(folder / f"{feed_id}.json")
                    self._pending_unlink += folder.glob(f"{feed_id}.*.bin")

    # -- articles --------------------------------------------------------------

    def articles(self, feed_id: str | None = None) -> list[Article]:
        self._need() if feed_id is None else self._need_feed(feed_id)
        with self._lock:
            found = self._articles if feed_id is None else self._by_feed.get(feed_id, {})
            return list(found.values())

    def counts(self) -> dict[str, tuple[int, int]]:
        """(unread, total) for each feed, kept up to date rather than counted."""
        with self._lock:
            return {
                feed_id: (len(items) - self._read_in_feed.get(feed_id, 0), len(items))
                for feed_id, items in self._by_feed.items()
            } | self._unloaded.counts(self._read)

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            found = self._articles.get(article_id)
            if found is None and self._unloaded:
                self._need(article_id)
                found = self._articles.get(article_id)
            return found

    def put_articles(
        self,
        feed_id: str,
        articles: Iterable[tuple[Article, Body | None]],
        *,
        packed: dict[str, str] | None = None,
    ) -> list[str]:
        """Insert or update articles of one feed; returns the ids that were new.

        An existing article keeps its read and bookmark state (they live apart)
        and its first ``added_at``. ``packed`` holds bodies already compressed
        (``codecs.pack_text``), by article id.
        """
        self._need()
        packed = packed or {}
        with self._lock:
            new: list[str] = []
            bodies: dict[str, tuple[str, str]] = {}
            for article, body in articles:
                old = self._articles.get(article.id)
                if old is None:
                    new.append(article.id)
                else:
                    article.added_at = old.added_at or article.added_at
                self._add_article(article)
                if body is not None:
                    text = packed.get(article.id) or pack_text(body.content)
                    bodies[article.id] = (text, body.content_type)
            self._dirty_feeds.add(feed_id)
            if bodies:
                _, _, cache, originals = self._body_entry(feed_id)
                cache.update(bodies)
                for article_id in bodies:  # the feed sent new content: the page's text is stale
                    originals.pop(article_id, None)
                self._dirty_bodies.add(feed_id)
            return new

    def put_extracted_body(self, article_id: str, body: Body) -> None:
        """Make ``body`` (extracted from the article's page) its body; the feed's own
        content is kept beside it (:meth:`feed_body`), once, however often this runs."""
        self._need(article_id)
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return
            _, _, cache, originals = self._body_entry(article.feed_id)
            current = cache.get(article_id)
            if current is not None and article_id not in originals:
                originals[article_id] = current
            cache[article_id] = (pack_text(body.content), body.content_type)
            self._dirty_bodies.add(article.feed_id)
            self._dirty_feeds.add(article.feed_id)

    def feed_body(self, article_id: str) -> Body | None:
        """The content the feed sent, when an extracted body replaced it (else None)."""
        self._need(article_id)
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return None
            stored = self._body_entry(article.feed_id)[3].get(article_id)
        if stored is None:
            return None
        return unpack_body(*stored)

    def articles_changed(self, feed_id: str) -> None:
        """Articles of ``feed_id`` changed in place; the next flush writes their file."""
        self._need()
        with self._lock:
            if feed_id in self._by_feed:
                self._dirty_feeds.add(feed_id)

    def is_gone(self, article_id: str) -> bool:
        """Whether retention removed this article, so a refresh must not bring it back."""
        return article_id in self._gone

    def remove_articles(self, article_ids: Iterable[str], *, forget: bool = False) -> None:
        """Remove articles; with ``forget``, remember their ids so they stay removed."""
        self._need()
        article_ids = list(article_ids)
        with self._lock:
            if forget:
                self._gone.update(article_ids)
                self._state_dirty = True
            for article_id in article_ids:
                article = self._articles.get(article_id)
                if article is None:
                    continue
                self._drop_article(article)
                if article_id in self._read:
                    self._read.discard(article_id)
                    self._state_dirty = True
                self._dirty_feeds.add(article.feed_id)
                _, _, cache, originals = self._body_entry(article.feed_id)
                originals.pop(article_id, None)
                if cache.pop(article_id, None) is not None:
                    self._dirty_bodies.add(article.feed_id)

    def _body_entry(self, feed_id: str) -> _BodyEntry:
        """A feed's bodies as stored (packed), and the feed's own content of those that
        were replaced by their page's text; one is unpacked only when it is read."""
        entry = self._bodies.get(feed_id)
        if entry is None:
            # Bodies are the bulk of the disk and come back with a refresh: no .bak.
            db, storage = _open_db(self._feed_body_path(feed_id), self.readonly, backups=False)
            stored = storage.read() or {}
            cache, originals = (
                {d["id"]: (d["content"], d.get("content_type", "html")) for d in docs.values()}
                for docs in (stored.get("bodies", {}), stored.get("feed_bodies", {}))
            )
            entry = (db, storage, cache, originals)
            self._bodies[feed_id] = entry
            while len(self._bodies) > _BODY_CACHE_FEEDS:
                oldest = next(iter(self._bodies))
                if oldest in self._dirty_bodies:
                    break
                self._bodies.pop(oldest)
        self._bodies.move_to_end(feed_id)
        return entry

    def body_bytes_to_read(self, article_id: str) -> int:
        """What reading an article's body would read from disk first: 0 once its feed's
        bodies are in memory, else the size of that file (-1 if it cannot be told)."""
        self._need(article_id)
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return -1
            if article.feed_id in self._bodies:
                return 0
            path = self._feed_body_path(article.feed_id)
        try:
            return path.stat().st_size
        except OSError:
            return -1

    def packed_body_size(self, article_id: str) -> int:
        """The stored (compressed) size of an article's body: 0 if it has none, -1 for
        an unknown article. Reads its feed's bodies file if it is not in memory yet."""
        self._need(article_id)
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return -1
            stored = self._body_entry(article.feed_id)[2].get(article_id)
        return 0 if stored is None else len(stored[0])

    def body(self, article_id: str) -> Body | None:
        stored = self.packed_body(article_id)
        return None if stored is None else unpack_body(*stored)

    def packed_body(self, article_id: str) -> tuple[str, str] | None:
        """The body as stored (compressed text, type), for :func:`unpack_body` elsewhere:
        a worker process unpacks it, and less is sent to it."""
        self._need(article_id)
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return None
            return self._body_entry(article.feed_id)[2].get(article_id)

    # -- read state ------------------------------------------------------------

    def is_read(self, article_id: str) -> bool:
        return article_id in self._read

    def read_ids(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._read)

    def set_read(
        self, article_ids: Iterable[str], read: bool = True, *, journal: bool | None = None
    ) -> list[str]:
        """Mark articles; returns the ids whose state changed.

        With ``journal`` (by default, when :attr:`journaling`) each change is also a
        journal row, written by the same flush of ``state.json``.
        """
        for article_id in (article_ids := list(article_ids)):  # only the feeds holding them
            self._need(article_id)
        with self._lock:
            changed = [a for a in article_ids if a in self._articles and (a in self._read) != read]
            for article_id in changed:
                feed_id = self._articles[article_id].feed_id
                self._read_in_feed[feed_id] = self._read_in_feed.get(feed_id, 0) + (
                    1 if read else -1
                )
            if read:
                self._read.update(changed)
            else:
                self._read.difference_update(changed)
            if changed:
                self._state_dirty = True
            if self.journaling if journal is None else journal:
                for article_id in changed:
                    remote = self._articles[article_id].remote_id
                    self._journal.add("read" if read else "unread", article_id, remote_id=remote)
            return changed

    # -- bookmarks -------------------------------------------------------------

    def bookmarks(self) -> list[Bookmark]:
        with self._lock:
            return list(self._bookmarks.values())

    def put_bookmark(self, bookmark: Bookmark, *, journal: bool | None = None) -> None:
        """Keep a bookmark; a new article bookmark is a star for the sync journal."""
        with self._lock:
            new = bookmark.id not in self._bookmarks
            self._bookmarks[bookmark.id] = bookmark
            self._library_dirty = True
            if new and bookmark.kind == "article":
                self._journal_star("star", bookmark.article_id, journal)

    def remove_bookmark(self, bookmark_id: str, *, journal: bool | None = None) -> Bookmark | None:
        with self._lock:
            removed = self._bookmarks.pop(bookmark_id, None)
            self._library_dirty = True
            if removed is not None and removed.kind == "article":
                self._journal_star("unstar", removed.article_id, journal)
            return removed

    def _journal_star(self, op: Op, article_id: str, journal: bool | None) -> None:
        self._need(article_id)
        if self.journaling if journal is None else journal:
            article = self._articles.get(article_id)
            remote = article.remote_id if article is not None else ""
            self._journal.add(op, article_id, remote_id=remote)

    # -- the sync journal ------------------------------------------------------

    def journal(self) -> list[Change]:
        """Local changes no sync server has acknowledged, oldest first."""
        with self._lock:
            return self._journal.changes()

    def journal_size(self) -> int:
        with self._lock:
            return len(self._journal)

    def journal_feed(self, op: Op, feed: Feed) -> None:
        """Journal a subscribe, unsubscribe or move of ``feed`` (when :attr:`journaling`);
        written with the feed itself, in ``library.json``."""
        with self._lock:
            if self.journaling and feed.kind == "http":
                self._journal.add(
                    op, feed.id, remote_id=feed.remote_id, url=feed.url, folder=feed.folder
                )
                self._library_dirty = True

    def acknowledge(self, seqs: Iterable[int]) -> None:
        """The server has these changes: drop their rows (written by the next flush)."""
        with self._lock:
            state, library = self._journal.remove(set(seqs))
            self._state_dirty |= state
            self._library_dirty |= library

    def locked(self) -> threading.RLock:
        """The store's lock, for a caller that must read and write with nothing between
        (a sync applying the server's state while the UI thread marks articles)."""
        return self._lock

    def all_articles(self) -> Iterator[Article]:
        """Every article, without copying the list (call under :meth:`locked`)."""
        self._need()
        return iter(self._articles.values())

    # -- derived per-feed data --------------------------------------------------

    def _aux_path(self, kind: str, feed_id: str) -> Path:
        return derived_path(self.path, kind, feed_id)

    def put_aux(self, kind: str, feed_id: str, mapping: dict[str, Any]) -> None:
        """Keep ``mapping`` as the ``kind`` data of a feed; written by the next flush.

        For data derived from stored records (a search index): the caller can
        rebuild it, so it lives in a file of its own and costs no other file a write.
        Top-level ``array`` values go to a sidecar that :meth:`aux` reads from
        on demand (:class:`StoredArray`).
        """
        with self._lock:
            self._aux_path(kind, feed_id)
            if feed_id in self._feeds:
                self._pending_aux[kind, feed_id] = mapping

    def aux(self, kind: str, feed_id: str) -> dict[str, Any] | None:
        """A feed's ``kind`` data, or None; raises StoreCorrupt for an unreadable file.

        Read from disk on each call and not cached here: the caller keeps what it needs.
        """
        with self._lock:
            pending = self._pending_aux.get((kind, feed_id))
        if pending is not None:
            return pending
        document, old_format = read_derived(self._aux_path(kind, feed_id))  # (atomic: no lock)
        if old_format and not self.readonly:
            with self._lock:
                self._repack.add((kind, feed_id))
        return document

    # -- persisting ------------------------------------------------------------

    def _journal_rows(self, state: bool) -> list[list[Any]]:
        from reader.core.storage.journal import change_to_row

        rows = self._journal.state if state else self._journal.library
        return [change_to_row(rows[seq]) for seq in sorted(rows)]

    @property
    def dirty(self) -> bool:
        return bool(
            self._library_dirty
            or self._state_dirty
            or self._dirty_feeds
            or self._dirty_bodies
            or self._pending_aux
        )

    def flush(self) -> None:
        """Write every changed file once, atomically. Called once per action or refresh."""
        if self.readonly:
            return
        with self._lock:
            # Bodies and derived files, then metadata, then the library: a feed listed
            # in the library always has its files. Within each step the files are
            # written at once (write_all): each waits on the disk for its fsync.
            flushes: list[Callable[[], object]] = []
            for feed_id in sorted(self._dirty_bodies):
                _, storage, cache, originals = self._body_entry(feed_id)
                storage.write(
                    {
                        **(storage.read() or {}),
                        "bodies": body_table(cache),
                        "feed_bodies": body_table(originals),
                    }
                )
                flushes.append(partial(storage.flush, sync_dir=False))
            # Derived files before the metadata that no longer carries what they hold
            # (the schema 2 migration moves quotations out).
            derived = DerivedWrites()
            for (kind, feed_id), mapping in sorted(self._pending_aux.items()):
                derived.write(self._aux_path(kind, feed_id), mapping, kind, feed_id)
            for kind, feed_id in sorted(self._repack - set(self._pending_aux)):
                if feed_id in self._feeds:
                    derived.repack(self._aux_path(kind, feed_id), kind, feed_id)
            write_all(flushes + derived.writes)
            self._dirty_bodies.clear()
            self._pending_aux.clear()
            self._repack.clear()
            written: list[AtomicStorage] = []
            for feed_id in sorted(self._dirty_feeds):
                if feed_id not in self._feed_dbs:
                    continue
                _, storage = self._feed_dbs[feed_id]
                storage.replace_table(
                    "articles",
                    (article_to_doc(a) for a in self._by_feed.get(feed_id, {}).values()),
                )
                written.append(storage)
            write_all([partial(storage.flush, sync_dir=False) for storage in written])
            for storage in written:
                storage.release()
            self._feeds_written(bool(self._dirty_feeds) or self._stale)
            self._dirty_feeds.clear()
            self._stale = False
            # Per-feed files first, made durable once per folder; the library
            # last, so a feed it lists always has its files.
            for folder in {self.path / "feeds", self.path / "bodies"} | {
                self._aux_path(kind, feed_id).parent for kind, feed_id in derived.written
            }:
                if folder.exists():
                    fsync_dir(folder)
            if self._state_dirty:
                _replace_table(self._state, "read", [{"ids": sorted(self._read)}])
                _replace_table(self._state, "gone", [{"ids": sorted(self._gone)}])
                _replace_table(self._state, "journal", [{"rows": self._journal_rows(True)}])
                self._state_storage.flush()
                self._state_dirty = False
            if self._library_dirty:
                _replace_table(self._library, "feeds", map(_feed_to_doc, self._feeds.values()))
                _replace_table(
                    self._library, "bookmarks", map(_bookmark_to_doc, self._bookmarks.values())
                )
                _replace_table(self._library, "journal", [{"rows": self._journal_rows(False)}])
                self._library_storage.flush()
                self._library_dirty = False
            self._pending_unlink += derived.superseded()  # the JSON naming them is durable
            for path in self._pending_unlink:
                with contextlib.suppress(OSError):
                    path.unlink()
            self._pending_unlink = []
