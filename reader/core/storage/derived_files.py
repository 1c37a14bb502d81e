"""Derived files: a feed's data worked out from its records (quotations, archive
terms, search postings), one compressed file per kind and feed, large arrays in a
sidecar. Rebuildable, so written without a last good copy."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reader.core.errors import StoreCorrupt, StoreError
from reader.core.storage.atomic import AtomicStorage, atomic_write
from reader.core.storage.codecs import _PACKED_AUX, _aux_file, _unpack_aux
from reader.core.storage.sidecar import _SIDECAR, _join_arrays, _split_arrays


def derived_path(root: Path, kind: str, feed_id: str) -> Path:
    if not (kind.isidentifier() and kind not in ("feeds", "bodies")):
        raise StoreError(f"bad auxiliary data kind {kind!r}")
    return root / kind / f"{feed_id}.json"


def read_derived(path: Path) -> tuple[dict[str, Any] | None, bool]:
    """The file's document (None when missing), and whether it was written before
    files were compressed (so it is worth writing again); StoreCorrupt if unreadable."""
    data = AtomicStorage(str(path), readonly=True).read() or {}
    document = data.get("aux", {}).get("1")
    old_format = False
    if isinstance(document, dict) and isinstance(document.get(_PACKED_AUX), str):
        document = _unpack_aux(document[_PACKED_AUX], path)
    elif isinstance(document, dict):
        old_format = True
    if isinstance(document, dict) and _SIDECAR in document:
        document = _join_arrays(document, path)
    return (document if isinstance(document, dict) else None), old_format


def write_derived(path: Path, mapping: dict[str, Any], feed_id: str) -> str:
    """Write ``mapping`` (its arrays to a sidecar first); the sidecar's name or ""."""
    path.parent.mkdir(exist_ok=True)
    plain, arrays, sidecar = _split_arrays(mapping, feed_id)
    if sidecar:  # before the JSON that names it
        atomic_write(path.parent / sidecar, arrays, sync_dir=False)
    atomic_write(path, _aux_file(plain), sync_dir=False)
    return sidecar


def repack_derived(path: Path) -> bool:
    """Compress a file written before derived files were; whether it was rewritten."""
    with contextlib.suppress(StoreCorrupt):
        data = AtomicStorage(str(path), readonly=True).read() or {}
        stored = data.get("aux", {}).get("1")
        if isinstance(stored, dict) and _PACKED_AUX not in stored:
            atomic_write(path, _aux_file(stored), sync_dir=False)
            return True
    return False


class DerivedWrites:
    """The derived files one flush writes, as writes to run at once (``write_all``),
    and what they leave: the (kind, feed) files written and the sidecars named."""

    def __init__(self) -> None:
        self.writes: list[Callable[[], object]] = []
        self.written: list[tuple[str, str]] = []
        self.sidecars: list[tuple[Path, str, str]] = []  # (folder, feed id, sidecar's name)

    def write(self, path: Path, mapping: dict[str, Any], kind: str, feed_id: str) -> None:
        def run() -> None:
            sidecar = write_derived(path, mapping, feed_id)
            self.sidecars.append((path.parent, feed_id, sidecar))
            self.written.append((kind, feed_id))

        self.writes.append(run)

    def repack(self, path: Path, kind: str, feed_id: str) -> None:
        def run() -> None:
            if repack_derived(path):
                self.written.append((kind, feed_id))

        self.writes.append(run)

    def superseded(self) -> list[Path]:
        """The sidecars of the feeds written that their JSON no longer names: each
        folder listed once (listing it for each feed cost O(feeds) at 2,000 feeds)."""
        named: dict[Path, dict[str, str]] = {}
        for folder, feed_id, sidecar in self.sidecars:
            named.setdefault(folder, {})[feed_id] = sidecar
        found: list[Path] = []
        for folder, feeds in named.items():
            with contextlib.suppress(OSError):
                for name in os.listdir(folder):
                    feed_id, dot, rest = name.partition(".")
                    if (
                        dot
                        and rest.endswith(".bin")
                        and feed_id in feeds
                        and name != feeds[feed_id]
                    ):
                        found.append(folder / name)
        return found
