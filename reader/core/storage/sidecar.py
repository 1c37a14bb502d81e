"""Flat arrays of a derived file kept beside it in a sidecar, read a slice at a time."""

from __future__ import annotations

import hashlib
import os
import sys
from array import array
from pathlib import Path
from typing import IO, Any

from reader.core.errors import StoreCorrupt

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
