"""The database: a folder of TinyDB files, the only module that touches TinyDB.

Layout (see DESIGN.md, "Storage"):

- ``library.json``      feeds, bookmarks, meta (schema version)
- ``feeds/<id>.json``   article metadata of one feed, loaded at start-up
- ``bodies/<id>.json``  article bodies of one feed, read when an article opens
- ``state.json``        read marks, so a keypress never rewrites article text
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

import base64
import contextlib
import fcntl
import gc
import hashlib
import os
import resource
import shutil
import sys
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from reader.core.errors import StoreCorrupt, StoreError, StoreLocked
from reader.core.models import Article, Body, Bookmark, EntryLink, Feed, Quote

# 2: summaries and quotations left article metadata for quotes/<id>.json
# 3: the URLs an article links to left it for links/<id>.json
SCHEMA_VERSION = 3
QUOTES_KIND = "quotes"  # aux files: each article's summary and quotations
LINKS_KIND = "links"  # aux files: the web URLs each article links to ("Linked from")
TMP_SUFFIX = ".tmp"
BACKUP_SUFFIX = ".bak"
CORRUPT_SUFFIX = ".corrupt-"
_BODY_CACHE_FEEDS = 8


def fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file.

    ``sync_dir=False`` leaves the folder's fsync to the caller, who batches it.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    if sync_dir:
        fsync_dir(path.parent)


_PACKED = "z:"
_PACK_OVER = 512  # shorter texts are not worth compressing


def pack_text(text: str) -> str:
    """Article bodies compress about 3x; stored as "z:" + base64 of zlib data."""
    if len(text) < _PACK_OVER:
        return text if not text.startswith(_PACKED) else _PACKED + _b64(text)
    return _PACKED + _b64(text)


def _b64(text: str) -> str:
    packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
    return base64.b64encode(packed).decode("ascii")


def unpack_text(stored: str) -> str:
    if not stored.startswith(_PACKED):
        return stored  # written before bodies were compressed, or short
    try:
        raw = zlib.decompress(base64.b64decode(stored[len(_PACKED) :]))
    except (ValueError, zlib.error) as error:
        raise StoreCorrupt(f"a stored article body is damaged ({error})") from None
    return raw.decode("utf-8", "surrogatepass")


_PACKED_AUX = "zjson"


def _aux_file(mapping: dict[str, Any]) -> bytes:
    """A TinyDB-shaped file of one document, its JSON compressed: derived data
    is read back only to build an index, and is ~40% of the disk."""
    packed = base64.b64encode(zlib.compress(orjson.dumps(mapping), 6)).decode("ascii")
    return orjson.dumps({"aux": {"1": {_PACKED_AUX: packed}}})


def _unpack_aux(packed: str, path: Path) -> Any:
    try:
        return orjson.loads(zlib.decompress(base64.b64decode(packed)))
    except (ValueError, zlib.error, orjson.JSONDecodeError) as error:
        raise StoreCorrupt(f"database file {path} is damaged ({error})") from None


_ARRAY = "$array"  # an array's place in its sidecar: [typecode, byte offset, length]
_SIDECAR = "$arrays"  # the sidecar's file name
_TYPECODES = frozenset("BHIfd")


def _split_arrays(mapping: dict[str, Any], feed_id: str) -> tuple[dict[str, Any], bytes, str]:
    """The mapping with its top-level arrays replaced by places in one sidecar's bytes.

    The sidecar's name carries a hash of its bytes: a new one never overwrites
    the file an older JSON (or a running reader's open file) points to.
    """
    if not any(isinstance(v, array) for v in mapping.values()):
        return mapping, b"", ""
    chunks: list[bytes] = []
    offset = 0
    plain: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(value, array):
            plain[key] = value
            continue
        if sys.byteorder == "big":
            value = array(value.typecode, value)
            value.byteswap()
        raw = value.tobytes()
        plain[key] = {_ARRAY: [value.typecode, offset, len(value)]}
        chunks.append(raw)
        offset += len(raw)
    data = b"".join(chunks)
    name = f"{feed_id}.{hashlib.blake2b(data, digest_size=8).hexdigest()}.bin"
    plain[_SIDECAR] = name
    return plain, data, name


class StoredArray:
    """A read-only array in a sidecar file, read a slice at a time with ``pread``.

    Not memory-mapped: the kernel maps whole page-cache folios (~200 KiB here)
    on a touch, so a few searches would map most of the index into the
    process. Read this way, the postings stay in the page cache and never count
    toward the reader's memory; a slice costs a system call (~2 µs). The file
    stays open, so a sidecar replaced and unlinked by a flush is still readable.
    """

    __slots__ = ("typecode", "itemsize", "_file", "_offset", "_length")

    def __init__(self, file: IO[bytes], typecode: str, offset: int, length: int) -> None:
        self.typecode = typecode
        self.itemsize = array(typecode).itemsize
        self._file, self._offset, self._length = file, offset, length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, where: slice) -> array[Any]:
        start, stop, step = where.indices(self._length)
        if step != 1:
            raise ValueError("StoredArray slices are contiguous")
        values = array(self.typecode)
        if stop > start:
            size = self.itemsize
            raw = os.pread(self._file.fileno(), (stop - start) * size, self._offset + start * size)
            if len(raw) != (stop - start) * size:
                raise StoreCorrupt(f"database file {self._file.name} is truncated")
            values.frombytes(raw)
            if sys.byteorder == "big":
                values.byteswap()
        return values


def _join_arrays(document: dict[str, Any], named_in: Path) -> dict[str, Any]:
    """Arrays back in place, as :class:`StoredArray` views of the sidecar."""
    name = str(document.pop(_SIDECAR))
    path = named_in.parent / name
    if Path(name).name != name or not name.endswith(".bin"):
        raise StoreCorrupt(f"database file {named_in} is damaged (sidecar {name!r})")
    places = {k: v[_ARRAY] for k, v in document.items() if isinstance(v, dict) and _ARRAY in v}
    try:
        file = open(path, "rb")  # noqa: SIM115 - owned by the arrays, closed when they go
        size = os.fstat(file.fileno()).st_size
    except OSError as error:
        raise StoreCorrupt(f"database file {path} cannot be read ({error.strerror})") from None
    for key, place in places.items():
        try:
            typecode, offset, length = place
            end = offset + length * array(typecode).itemsize
            if typecode not in _TYPECODES or not 0 <= offset <= end <= size:
                raise ValueError(place)
        except (TypeError, ValueError) as error:
            file.close()
            raise StoreCorrupt(f"database file {path} is damaged ({error!r})") from None
        document[key] = StoredArray(file, typecode, offset, length)
    return document


def backup_path(path: Path) -> Path:
    """Where the last good copy of a database file is kept: ``<name>.bak`` beside it."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def keep_good_copy(path: Path, *, link: bool = True) -> None:
    """Make ``<name>.bak`` the file as it is now (it parsed), before it is replaced.

    A hard link costs no copy: we only ever replace the file (``os.replace``),
    never write it in place, so the link keeps the old contents. ``link=False``
    copies, for a file that stays live (damage in place would reach a link).
    """
    tmp = path.with_name(f".{path.name}{BACKUP_SUFFIX}.{os.getpid()}{TMP_SUFFIX}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        if not link:
            raise OSError("copy")
        os.link(path, tmp)
    except FileNotFoundError:
        return
    except OSError:  # asked to copy, or a file system without hard links
        try:
            shutil.copyfile(path, tmp)
        except FileNotFoundError:
            return
    os.replace(tmp, backup_path(path))


class AtomicStorage(Storage):
    """TinyDB storage that holds the file in memory and persists it on :meth:`flush`."""

    def __init__(self, path: str, readonly: bool = False, backups: bool = True) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.backups = backups  # keep <file>.bak; off for bodies and derived indexes
        self.dirty = False
        self._data: dict[str, dict[str, Any]] | None = None
        self._read_from_disk = False  # the file on disk parsed: a good copy to keep

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self._data = self._load()
        return self._data

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StoreCorrupt(f"cannot read database file {self.path}: {error.strerror}") from None
        if not raw.strip():
            raise StoreCorrupt(f"database file {self.path} is empty; it was left as it is")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise StoreCorrupt(
                f"database file {self.path} is not valid JSON ({error}); it was left as it is"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(f"database file {self.path} is not a TinyDB file; left as it is")
        self._read_from_disk = True
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.readonly:
            raise StoreError(f"database {self.path.parent} is open read-only")
        self._data = data
        self.dirty = True

    def flush(self, *, sync_dir: bool = True) -> None:
        if self.dirty and self._data is not None:
            if self._read_from_disk and self.backups:
                keep_good_copy(self.path)
            atomic_write(self.path, orjson.dumps(self._data), sync_dir=sync_dir)
            self.dirty = False
            self._read_from_disk = True

    def release(self) -> None:
        """Forget the parsed file once its records live elsewhere in memory."""
        if not self.dirty:
            self._data = None

    def replace_table(self, name: str, documents: Iterable[dict[str, Any]]) -> None:
        """Write one whole table without reading the file back first."""
        self.write({name: {str(i): doc for i, doc in enumerate(documents, 1)}})

    def close(self) -> None:
        pass


def _open_db(path: Path, readonly: bool, backups: bool = True) -> tuple[TinyDB, AtomicStorage]:
    db = TinyDB(str(path), storage=AtomicStorage, readonly=readonly, backups=backups)
    storage = db.storage
    assert isinstance(storage, AtomicStorage)
    storage.read()  # load now, so an unreadable file is reported at open
    if backups and not readonly and storage._read_from_disk and not backup_path(path).exists():
        keep_good_copy(path, link=False)  # a first good copy, before any write
    return db, storage


def _replace_table(db: TinyDB, name: str, documents: Iterable[dict[str, Any]]) -> None:
    table = db.table(name)
    table.truncate()
    table.insert_multiple(documents)


# -- record <-> document ------------------------------------------------------


def article_to_doc(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "feed_id": article.feed_id,
        "title": article.title,
        "link": article.link,
        "author": article.author,
        "published": article.published,
        "guid": article.guid,
        "content_hash": article.content_hash,
        "entry_links": [[e.url, e.rel, e.title, e.type] for e in article.entry_links],
        "added_at": article.added_at,
        **({"out_links": list(article.out_links)} if article.out_links else {}),
        **({"pending": True} if article.pending else {}),
    }


def article_from_doc(doc: dict[str, Any]) -> Article:
    """A stored record as an Article; strings many records repeat are kept once.

    (Every article of a feed names the same feed and often the same refresh
    time, and a guid is often the link: at 100,000 articles this is ~25 MiB.)
    Runs once per article at start-up, so the record's keys are read directly;
    a record missing one (written by an older version) takes the careful path.
    """
    try:
        link, guid, links = doc["link"], doc["guid"], doc["entry_links"]
        return Article(
            doc["id"],
            sys.intern(doc["feed_id"]),
            doc["title"],
            link,
            sys.intern(doc["author"]),
            doc["published"],
            link if guid == link else guid,
            doc["content_hash"],
            tuple(EntryLink(*e) for e in links) if links else (),
            sys.intern(doc["added_at"]),
            doc.get("terms") or _NO_TERMS,
            tuple(doc["out_links"]) if "out_links" in doc else (),
            "pending" in doc and bool(doc["pending"]),
        )
    except KeyError:
        return _article_from_old_doc(doc)


def _article_from_old_doc(doc: dict[str, Any]) -> Article:
    link = doc.get("link", "")
    guid = doc.get("guid", "")
    return Article(
        id=doc["id"],
        feed_id=sys.intern(doc["feed_id"]),
        title=doc["title"],
        link=link,
        author=sys.intern(doc.get("author", "")),
        published=doc.get("published"),
        guid=link if guid == link else guid,
        content_hash=doc.get("content_hash", ""),
        entry_links=tuple(EntryLink(*e) for e in doc.get("entry_links", ())),
        added_at=sys.intern(doc.get("added_at", "")),
        terms=doc.get("terms") or _NO_TERMS,
        out_links=tuple(doc.get("out_links", ())),
        pending=bool(doc.get("pending", False)),
    )


_NO_TERMS: dict[str, float] = {}  # shared and never mutated: Article.terms is only replaced


def quotes_to_aux(found: dict[str, tuple[str, tuple[Quote, ...]]]) -> dict[str, Any]:
    """{article id: (summary, quotations)} as stored in ``quotes/<feed id>.json``."""
    return {
        article_id: [
            summary,
            [[q.paragraph, q.start, q.end, q.text, q.speaker, q.last_paragraph] for q in quotes],
        ]
        for article_id, (summary, quotes) in found.items()
    }


def quotes_from_aux(stored: dict[str, Any] | None) -> dict[str, tuple[str, tuple[Quote, ...]]]:
    """The inverse of :func:`quotes_to_aux`; malformed entries are skipped (derived data)."""
    found: dict[str, tuple[str, tuple[Quote, ...]]] = {}
    for article_id, value in (stored or {}).items():
        try:
            summary, quotes = value
            found[article_id] = (str(summary), tuple(Quote(*q) for q in quotes))
        except (TypeError, ValueError):
            continue
    return found


def _feed_to_doc(feed: Feed) -> dict[str, Any]:
    return {name: getattr(feed, name) for name in Feed.__slots__}


def _bookmark_to_doc(bookmark: Bookmark) -> dict[str, Any]:
    doc = {name: getattr(bookmark, name) for name in Bookmark.__slots__}
    doc["tags"] = list(bookmark.tags)
    return doc


def _bookmark_from_doc(doc: dict[str, Any]) -> Bookmark:
    return Bookmark(**{**doc, "tags": tuple(doc.get("tags", ()))})


# -- the lock, and the way out of an unreadable file ------------------------------


def lock_database(path: Path) -> IO[str]:
    """Take the one-writer lock of the database at ``path``; the handle holds it."""
    handle = open(path / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - held open
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreLocked(
            f"database {path} is in use by process {holder}; close it first"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def database_files(path: Path) -> list[Path]:
    """Every data file of the database at ``path`` (not backups, temporary or set-aside files)."""
    return sorted(
        file
        for file in path.rglob("*.json")
        if file.is_file() and not any(part.startswith(".") for part in file.relative_to(path).parts)
    )


def check_database(path: Path) -> list[str]:
    """One line per database file that cannot be read (each names its path); [] when all can."""
    if not (path / "library.json").exists():
        return [f"no database at {path}"]
    problems = []
    for file in database_files(path):
        try:
            AtomicStorage(str(file), readonly=True).read()
        except StoreCorrupt as error:
            kept = backup_path(file)
            hint = "; `reader db restore` puts back its last good copy" if kept.exists() else ""
            problems.append(f"{error}{hint}")
    return problems


def restore_database(path: Path, now: str) -> list[str]:
    """Put back the last good copy of every unreadable file; readable files are not touched.

    The unreadable file is moved aside as ``<name>.corrupt-<now>``, never deleted.
    Returns one line per file, saying what was done. Holds the writer lock.
    """
    if not path.is_dir():
        raise StoreError(f"no database at {path}")
    lock = lock_database(path)
    try:
        done = []
        for file in database_files(path):
            try:
                AtomicStorage(str(file), readonly=True).read()
                continue
            except StoreCorrupt:
                pass
            kept = backup_path(file)
            try:
                AtomicStorage(str(kept), readonly=True).read()
                good = kept.read_bytes()
            except (StoreCorrupt, OSError):
                done.append(f"{file}: unreadable, and no readable copy to restore; left as it is")
                continue
            aside = file.with_name(f"{file.name}{CORRUPT_SUFFIX}{now}")
            os.replace(file, aside)
            atomic_write(file, good)
            done.append(f"{file}: restored its last good copy; the unreadable file is {aside}")
        return done
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _allow_open_files(wanted: int = 65536) -> None:
    """Each sidecar in use stays open (one per feed and kind, see StoredArray):
    lift the soft limit (often 1024) toward the hard one, as far as allowed."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# -- the store ----------------------------------------------------------------


class Store:
    """All persisted state, held in memory and written back in batches.

    Every method takes the store's lock, so a UI thread and a worker may share it.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.created = False
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
        self._articles: dict[str, Article] = {}
        self._by_feed: dict[str, dict[str, Article]] = {}
        self._read_in_feed: dict[str, int] = {}
        self._feed_dbs: dict[str, tuple[TinyDB, AtomicStorage]] = {}
        self._dirty_feeds: set[str] = set()
        self._pending_aux: dict[tuple[str, str], dict[str, Any]] = {}
        for feed_id in self._feeds:
            db, storage = _open_db(self._feed_meta_path(feed_id), self.readonly)
            self._feed_dbs[feed_id] = (db, storage)
            docs = (storage.read() or {}).get("articles", {}).values()
            for doc in docs:
                self._add_article(article_from_doc(doc))
            if version < 2 and docs:
                self._move_quotes_out(feed_id, docs)
            if version < 3 and docs:
                self._move_links_out(feed_id, docs)
            storage.release()  # the Article records are the copy kept in memory
        self._bodies: OrderedDict[str, tuple[TinyDB, AtomicStorage, dict[str, tuple[str, str]]]] = (
            OrderedDict()
        )
        self._dirty_bodies: set[str] = set()
        self._library_dirty = self.created or version < SCHEMA_VERSION  # the migration
        self._state_dirty = False
        self._pending_unlink: list[Path] = []
        self._repack: set[tuple[str, str]] = set()  # derived files to rewrite compressed

    def _move_quotes_out(self, feed_id: str, docs: Iterable[dict[str, Any]]) -> None:
        """Schema 1 -> 2: a feed's summaries and quotations move to their own file.

        Metadata is loaded at every start; quotations only for the Speakers view.
        """
        self._pending_aux[QUOTES_KIND, feed_id] = {
            doc["id"]: [doc.get("summary", ""), doc.get("quotes", [])]
            for doc in docs
            if not doc.get("pending")
        }
        self._dirty_feeds.add(feed_id)

    def _move_links_out(self, feed_id: str, docs: Iterable[dict[str, Any]]) -> None:
        """Schema 2 -> 3: the URLs articles link to move to their feed's links file.

        Only the backlink index reads them, one feed at a time: in memory they
        were ~28 MiB at 100,000 articles.
        """
        self._pending_aux[LINKS_KIND, feed_id] = {
            doc["id"]: doc["out_links"] for doc in docs if doc.get("out_links")
        }
        for article in self._by_feed.get(feed_id, {}).values():
            article.out_links = ()
        self._dirty_feeds.add(feed_id)

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
        """Record the new schema; the data moves as it loads (:meth:`_move_quotes_out`,
        :meth:`_move_links_out`).

        Read-only, the migration happens in memory and is written by the next writer.
        """
        if self.readonly:
            return
        table = self._library.table("meta")
        table.truncate()
        table.insert({"schema": SCHEMA_VERSION})
        self._library_dirty = True

    def _feed_meta_path(self, feed_id: str) -> Path:
        return self.path / "feeds" / f"{feed_id}.json"

    def _feed_body_path(self, feed_id: str) -> Path:
        return self.path / "bodies" / f"{feed_id}.json"

    def close(self) -> None:
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
        with self._lock:
            if feed_id is None:
                return list(self._articles.values())
            return list(self._by_feed.get(feed_id, {}).values())

    def counts(self) -> dict[str, tuple[int, int]]:
        """(unread, total) for each feed, kept up to date rather than counted."""
        with self._lock:
            return {
                feed_id: (len(items) - self._read_in_feed.get(feed_id, 0), len(items))
                for feed_id, items in self._by_feed.items()
            }

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            return self._articles.get(article_id)

    def put_articles(
        self, feed_id: str, articles: Iterable[tuple[Article, Body | None]]
    ) -> list[str]:
        """Insert or update articles of one feed; returns the ids that were new.

        An existing article keeps its read and bookmark state (they live apart)
        and its first ``added_at``.
        """
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
                    bodies[article.id] = (pack_text(body.content), body.content_type)
            self._dirty_feeds.add(feed_id)
            if bodies:
                _, _, cache = self._body_entry(feed_id)
                cache.update(bodies)
                self._dirty_bodies.add(feed_id)
            return new

    def articles_changed(self, feed_id: str) -> None:
        """Articles of ``feed_id`` changed in place; the next flush writes their file."""
        with self._lock:
            if feed_id in self._by_feed:
                self._dirty_feeds.add(feed_id)

    def is_gone(self, article_id: str) -> bool:
        """Whether retention removed this article, so a refresh must not bring it back."""
        return article_id in self._gone

    def remove_articles(self, article_ids: Iterable[str], *, forget: bool = False) -> None:
        """Remove articles; with ``forget``, remember their ids so they stay removed."""
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
                _, _, cache = self._body_entry(article.feed_id)
                if cache.pop(article_id, None) is not None:
                    self._dirty_bodies.add(article.feed_id)

    def _body_entry(self, feed_id: str) -> tuple[TinyDB, AtomicStorage, dict[str, tuple[str, str]]]:
        """A feed's bodies as stored (packed); one is unpacked only when it is read."""
        entry = self._bodies.get(feed_id)
        if entry is None:
            # Bodies are the bulk of the disk and come back with a refresh: no .bak.
            db, storage = _open_db(self._feed_body_path(feed_id), self.readonly, backups=False)
            cache = {
                doc["id"]: (doc["content"], doc.get("content_type", "html"))
                for doc in (storage.read() or {}).get("bodies", {}).values()
            }
            entry = (db, storage, cache)
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
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return -1
            stored = self._body_entry(article.feed_id)[2].get(article_id)
        return 0 if stored is None else len(stored[0])

    def body(self, article_id: str) -> Body | None:
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                return None
            stored = self._body_entry(article.feed_id)[2].get(article_id)
        if stored is None:
            return None
        packed, kind = stored
        return Body(unpack_text(packed), kind)  # type: ignore[arg-type]

    # -- read state ------------------------------------------------------------

    def is_read(self, article_id: str) -> bool:
        return article_id in self._read

    def read_ids(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._read)

    def set_read(self, article_ids: Iterable[str], read: bool = True) -> list[str]:
        """Mark articles; returns the ids whose state changed."""
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
            return changed

    # -- bookmarks -------------------------------------------------------------

    def bookmarks(self) -> list[Bookmark]:
        with self._lock:
            return list(self._bookmarks.values())

    def put_bookmark(self, bookmark: Bookmark) -> None:
        with self._lock:
            self._bookmarks[bookmark.id] = bookmark
            self._library_dirty = True

    def remove_bookmark(self, bookmark_id: str) -> Bookmark | None:
        with self._lock:
            removed = self._bookmarks.pop(bookmark_id, None)
            self._library_dirty = True
            return removed

    # -- derived per-feed data --------------------------------------------------

    def _aux_path(self, kind: str, feed_id: str) -> Path:
        if not (kind.isidentifier() and kind not in ("feeds", "bodies")):
            raise StoreError(f"bad auxiliary data kind {kind!r}")
        return self.path / kind / f"{feed_id}.json"

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
        # Outside the lock: files are replaced atomically, so this sees old or new.
        storage = AtomicStorage(str(self._aux_path(kind, feed_id)), readonly=True)
        data = storage.read() or {}
        document = data.get("aux", {}).get("1")
        if isinstance(document, dict) and isinstance(document.get(_PACKED_AUX), str):
            document = _unpack_aux(document[_PACKED_AUX], self._aux_path(kind, feed_id))
        elif isinstance(document, dict) and not self.readonly:
            with self._lock:
                self._repack.add((kind, feed_id))  # written before files were compressed
        if isinstance(document, dict) and _SIDECAR in document:
            document = _join_arrays(document, self._aux_path(kind, feed_id))
        return document if isinstance(document, dict) else None

    # -- persisting ------------------------------------------------------------

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
            # Bodies and metadata first, library last: a feed listed in the
            # library always has its files.
            for feed_id in sorted(self._dirty_bodies):
                db, storage, cache = self._body_entry(feed_id)
                _replace_table(
                    db,
                    "bodies",
                    (
                        {"id": key, "content": packed, "content_type": kind}
                        for key, (packed, kind) in cache.items()
                    ),
                )
                storage.flush(sync_dir=False)
            self._dirty_bodies.clear()
            # Derived files before the metadata that no longer carries what they hold
            # (the schema 2 migration moves quotations out).
            aux_written = list(self._pending_aux)
            sidecars: list[tuple[Path, str, str]] = []
            for (kind, feed_id), mapping in sorted(self._pending_aux.items()):
                path = self._aux_path(kind, feed_id)
                path.parent.mkdir(exist_ok=True)
                plain, arrays, sidecar = _split_arrays(mapping, feed_id)
                if sidecar:  # before the JSON that names it
                    atomic_write(path.parent / sidecar, arrays, sync_dir=False)
                atomic_write(path, _aux_file(plain), sync_dir=False)  # derived: no .bak
                sidecars.append((path.parent, feed_id, sidecar))
            self._pending_aux.clear()
            for kind, feed_id in sorted(self._repack - set(aux_written)):
                if feed_id in self._feeds:
                    path = self._aux_path(kind, feed_id)
                    with contextlib.suppress(StoreCorrupt):
                        data = AtomicStorage(str(path), readonly=True).read() or {}
                        stored = data.get("aux", {}).get("1")
                        if isinstance(stored, dict) and _PACKED_AUX not in stored:
                            atomic_write(path, _aux_file(stored), sync_dir=False)
                            aux_written.append((kind, feed_id))
            self._repack.clear()
            for feed_id in sorted(self._dirty_feeds):
                if feed_id not in self._feed_dbs:
                    continue
                _, storage = self._feed_dbs[feed_id]
                storage.replace_table(
                    "articles",
                    (article_to_doc(a) for a in self._by_feed.get(feed_id, {}).values()),
                )
                storage.flush(sync_dir=False)
                storage.release()
            self._dirty_feeds.clear()
            # Per-feed files first, made durable once per folder; the library
            # last, so a feed it lists always has its files.
            for folder in {self.path / "feeds", self.path / "bodies"} | {
                self._aux_path(kind, feed_id).parent for kind, feed_id in aux_written
            }:
                if folder.exists():
                    fsync_dir(folder)
            if self._state_dirty:
                _replace_table(self._state, "read", [{"ids": sorted(self._read)}])
                _replace_table(self._state, "gone", [{"ids": sorted(self._gone)}])
                self._state_storage.flush()
                self._state_dirty = False
            if self._library_dirty:
                _replace_table(self._library, "feeds", map(_feed_to_doc, self._feeds.values()))
                _replace_table(
                    self._library, "bookmarks", map(_bookmark_to_doc, self._bookmarks.values())
                )
                self._library_storage.flush()
                self._library_dirty = False
            for folder, feed_id, sidecar in sidecars:  # superseded, now the JSON is durable
                self._pending_unlink += [
                    old for old in folder.glob(f"{feed_id}.*.bin") if old.name != sidecar
                ]
            for path in self._pending_unlink:
                with contextlib.suppress(OSError):
                    path.unlink()
            self._pending_unlink = []
