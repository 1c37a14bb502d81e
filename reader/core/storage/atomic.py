"""Atomic files: write a temporary file, fsync, rename; keep the last good copy; the
TinyDB storage that writes that way, once per flush."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from reader.core.errors import ReaderError, StoreCorrupt, StoreError
from reader.core.storage.schema import (
    BACKUP_SUFFIX,
    TMP_SUFFIX,
)


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


WRITERS = 8  # files written at once by write_all


def write_all(writes: list[Callable[[], object]]) -> None:
    """Run independent file writes at once and wait for them all; the first failure
    is raised once every write has finished.

    Each write spends most of its time waiting for its fsync; a refresh writes two
    files a feed, and one after the other they cost ~5 ms each on a busy disk.
    """
    if len(writes) < 2:
        for write in writes:
            write()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(WRITERS, len(writes)), thread_name_prefix="write") as pool:
        futures = [pool.submit(write) for write in writes]
    for future in futures:
        future.result()


def backup_path(path: Path) -> Path:
    """Where the last good copy of a database file is kept: ``<name>.bak`` beside it."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def keep_good_copy(path: Path, *, link: bool = True) -> None:
    """Make ``<name>.bak`` the file as it is now (it parsed), before it is replaced.

    A hard link costs no copy: we only ever replace the file (``os.replace``),
    never write it in place, so the link keeps the old contents. ``link=False``
    copies, for a file that stays live (damage in place would reach a link).
    """
    # The thread in the name: the first copies (below) run beside the flush's links.
    tmp = path.with_name(
        f".{path.name}{BACKUP_SUFFIX}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}"
    )
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
        _first_copies.put(path)
    return db, storage


class _FirstCopies:
    """A first good copy of each file opened without one (``link=False``: it stays live),
    made by a background thread a few seconds after the open: right after a refresh of
    new feeds every feed file lacks one, and copying 2,000 of them beside the app's
    first frames cost ~0.7 s. :meth:`finish` (at close) makes the rest at once. The
    flush keeps its own copy (a link) before it replaces a file, so no write waits."""

    DELAY = 3.0  # seconds

    def __init__(self) -> None:
        self._paths: list[Path] = []
        self._lock = threading.Lock()
        self._now = threading.Event()
        self._thread: threading.Thread | None = None

    def put(self, path: Path) -> None:
        with self._lock:
            self._paths.append(path)
            if self._thread is None:
                self._now.clear()
                self._thread = threading.Thread(target=self._run, name="first-copies", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        self._now.wait(self.DELAY)
        while True:
            with self._lock:
                if not self._paths:
                    self._thread = None
                    return
                path = self._paths.pop()
            with contextlib.suppress(OSError):
                if not backup_path(path).exists():
                    keep_good_copy(path, link=False)

    def finish(self) -> None:
        """Make every copy asked for now, and wait for them."""
        with self._lock:
            thread = self._thread
        self._now.set()
        if thread is not None:
            thread.join()


_first_copies = _FirstCopies()
finish_first_copies = _first_copies.finish


def _replace_table(db: TinyDB, name: str, documents: Iterable[dict[str, Any]]) -> None:
    table = db.table(name)
    table.truncate()
    table.insert_multiple(documents)


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
