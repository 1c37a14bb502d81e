"""The write lock, and the way out of an unreadable file: check and restore."""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
from pathlib import Path
from typing import IO

from reader.core.errors import StoreCorrupt, StoreError, StoreLocked
from reader.core.storage.atomic import (
    AtomicStorage,
    atomic_write,
    backup_path,
)
from reader.core.storage.schema import (
    CORRUPT_SUFFIX,
)

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
