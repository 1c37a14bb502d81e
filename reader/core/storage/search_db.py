"""The search postings merged across feeds in one SQLite file, read a term at a time.

Each feed's postings file (``search/<feed>.json`` and its sidecar) stays the
record that analysis updates. A query at 100,000 articles in 2,000 feeds
cannot afford to read all of them (a second), so this file keeps one row per
term with the postings of every feed (``search.sqlite3``): a query reads the
rows of its own words. Feeds indexed since the file was built are read from
their own files and take the place of their rows (:class:`View`); the file is
rebuilt when many have changed. Derived data: deleted or damaged, it is built
again. Keys are ``feed number << KEY_SHIFT | local index``.

Quoted phrases are looked up in an FTS5 table of each article's phrase text
(title, summary and quotations as folded words, ``analysis.search.phrase_text``),
keyed the same way: a phrase is checked in C, not by reading every candidate's
quotations (24 s a query at 100,000 articles).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson

from reader.core.analysis.search import KEY_SHIFT, FeedPostings, numpy

FILE_NAME = "search.sqlite3"
VERSION = 4
_TOP = "\U0010ffff"  # above every character: the end of a prefix's range
_FRESH_BASE = 1 << 20  # feed numbers of feeds read from their own files start here
_MERGED_MAX = 0xFFFF  # feed numbers and local indexes in the merged file are 16-bit
# The build goes through the vocabulary in ranges, so its arrays stay small.
_RANGES = ("", "c", "e", "g", "j", "m", "p", "s", "u", "\u0080")

PhraseTexts = Callable[[str], Mapping[str, str]]  # a feed's phrase texts by article id
# Per feed in key order: base key, size; every article's length; the replaced ones
# (their places in the lengths).
DocTable = tuple[list[int], list[int], "array[int]", list[int]]

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE feeds(no INTEGER PRIMARY KEY, feed_id TEXT UNIQUE NOT NULL,
    sidecar TEXT NOT NULL, ids BLOB NOT NULL, lengths BLOB NOT NULL,
    live INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE TABLE terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL,
    nos BLOB NOT NULL, locals BLOB NOT NULL, vals BLOB NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE phrases USING fts5(text, content='', columnsize=0,
    tokenize="ascii tokenchars '_'");
"""
# The ascii tokenizer splits phrase texts exactly where they hold a space (their words
# are folded already, non-ASCII letters stay in words) and keeps the "_" between texts.


def _pack(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return zlib.compress(values.tobytes(), 1)


def _unpack(typecode: str, raw: bytes) -> array[int]:
    values = array(typecode)
    values.frombytes(zlib.decompress(raw))
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Snapshot:
    """The merged file: per term, every feed's postings as of its build."""

    def __init__(self, folder: Path | None) -> None:
        """The file in ``folder``; None (or a missing or damaged file): an empty one."""
        self.path = folder / FILE_NAME if folder is not None else None
        self._db: sqlite3.Connection | None = None
        self.feeds: dict[str, tuple[int, str]] = {}  # feed id -> (number, sidecar name)
        self._docs: dict[int, tuple[list[str], array[int]]] = {}
        self._table: DocTable | None = None
        self.live = self.total = 0
        with contextlib.suppress(sqlite3.Error, OSError, ValueError):
            self._open()

    def _open(self) -> None:
        if self.path is None or not self.path.exists():
            return
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        try:
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version is None or version[0] != VERSION:
                raise ValueError(version)
            rows = db.execute("SELECT no, feed_id, sidecar, live, total FROM feeds").fetchall()
        except BaseException:
            db.close()
            raise
        self._db = db
        for no, feed_id, sidecar, live, total in rows:
            self.feeds[feed_id] = (no, sidecar)
            self.live += live
            self.total += total

    @property
    def ready(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def feed_live(self, no: int) -> tuple[int, int]:
        assert self._db is not None
        row = self._db.execute("SELECT live, total FROM feeds WHERE no = ?", (no,)).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def df(self, term: str) -> int:
        if self._db is None:
            return 0
        row = self._db.execute("SELECT df FROM terms WHERE term = ?", (term,)).fetchone()
        return int(row[0]) if row else 0

    def starting_with(self, prefix: str) -> list[tuple[str, int]]:
        if self._db is None:
            return []
        rows = self._db.execute(
            "SELECT term, df FROM terms WHERE term >= ? AND term < ? ORDER BY term",
            (prefix, prefix + _TOP),
        )
        return [(term, df) for term, df in rows if term.startswith(prefix)]

    def postings(self, term: str) -> tuple[Any, array[int]]:
        """The term's keys (ascending, a numpy array) and packed values across every feed."""
        np = numpy()
        row = None
        if self._db is not None:
            row = self._db.execute(
                "SELECT nos, locals, vals FROM terms WHERE term = ?", (term,)
            ).fetchone()
        if row is None:
            return np.zeros(0, np.uint64), array("H")
        nos = np.frombuffer(_unpack("H", row[0]), np.uint16).astype(np.uint64)
        locals_ = np.frombuffer(_unpack("H", row[1]), np.uint16).astype(np.uint64)
        return nos << np.uint64(KEY_SHIFT) | locals_, _unpack("H", row[2])

    def doc_table(self) -> DocTable:
        """Every merged feed's base key, size, lengths and replaced articles (see View)."""
        if self._table is None:
            self._table = ([], [], array("I"), [])
            if self._db is not None:
                rows = dict(
                    self._db.execute(
                        "SELECT key, value FROM meta WHERE key IN ('sizes', 'lengths', 'dead')"
                    )
                )
                sizes = _unpack("I", rows["sizes"]).tolist()
                bases = [no << KEY_SHIFT for no in range(1, len(sizes) + 1)]
                lengths, dead = _unpack("I", rows["lengths"]), _unpack("I", rows["dead"])
                self._table = (bases, sizes, lengths, dead.tolist())
        return self._table

    def phrase_keys(self, phrase: tuple[str, ...]) -> Any:
        """Keys (a numpy array) of the articles whose phrase text holds ``phrase`` (folded
        words) verbatim; read as one text, as rows they took twice as long at 100,000."""
        np = numpy()
        found = None
        if self._db is not None:
            (found,) = self._db.execute(
                "SELECT group_concat(rowid) FROM phrases WHERE phrases MATCH ?",
                ('"' + " ".join(phrase) + '"',),
            ).fetchone()
        return np.fromstring(found, np.uint64, sep=",") if found else np.zeros(0, np.uint64)

    def documents(self, no: int) -> tuple[list[str], array[int]]:
        found = self._docs.get(no)
        if found is None and self._db is not None:
            row = self._db.execute("SELECT ids, lengths FROM feeds WHERE no = ?", (no,)).fetchone()
            found = (orjson.loads(row[0]), _unpack("I", row[1])) if row else ([], array("I"))
            self._docs[no] = found
        return found or ([], array("I"))


def build(
    folder: Path,
    segments: Mapping[str, tuple[FeedPostings, str]],
    pause: Callable[[], None] = lambda: None,
    texts: PhraseTexts = lambda feed_id: {},
) -> set[str]:
    """Write the merged file from every feed's postings (and its sidecar's name) and
    their articles' phrase texts (``texts``: a feed's, by article id); the feeds it
    holds (not one with more than 65,535 articles, nor past the 65,535th feed).

    Written to a temporary file and moved into place: a reader holding the old
    one keeps reading it.
    """
    chosen = sorted(
        (feed_id, postings, sidecar)
        for feed_id, (postings, sidecar) in segments.items()
        if len(postings.ids) <= _MERGED_MAX
    )[:_MERGED_MAX]
    temporary = folder / f".{FILE_NAME}.tmp"
    with contextlib.suppress(OSError):
        temporary.unlink()
    db = sqlite3.connect(temporary)
    try:
        with db:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
            sizes, lengths, dead = array("I"), array("I"), array("I")
            for no, (feed_id, postings, sidecar) in enumerate(chosen, start=1):
                live = postings.live.values()
                dead.extend(len(lengths) + i for i, a in enumerate(postings.ids) if not a)
                sizes.append(len(postings.ids))
                lengths.extend(postings.lengths)
                db.execute(
                    "INSERT INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        no,
                        feed_id,
                        sidecar,
                        orjson.dumps(postings.ids),
                        _pack(array("I", postings.lengths)),
                        len(postings.live),
                        sum(postings.lengths[i] for i in live),
                    ),
                )
            db.executemany(  # what ranking reads of every article, in one read
                "INSERT INTO meta VALUES (?, ?)",
                (("sizes", _pack(sizes)), ("lengths", _pack(lengths)), ("dead", _pack(dead))),
            )
            for low, high in zip(_RANGES, (*_RANGES[1:], _TOP), strict=True):
                table: dict[str, tuple[array[int], array[int], array[int]]] = {}
                for no, (_, postings, _) in enumerate(chosen, start=1):
                    pause()
                    _gather_range(table, no, postings, low, high)
                db.executemany(
                    "INSERT INTO terms VALUES (?, ?, ?, ?, ?)",
                    (
                        (term, len(nos), _pack(nos), _pack(locals_), _pack(values))
                        for term, (nos, locals_, values) in sorted(table.items())
                    ),
                )
            for no, (feed_id, postings, _) in enumerate(chosen, start=1):
                pause()
                held = texts(feed_id)
                db.executemany(
                    "INSERT INTO phrases(rowid, text) VALUES (?, ?)",
                    (
                        (no << KEY_SHIFT | local, held[article_id])
                        for local, article_id in enumerate(postings.ids)
                        if article_id in held
                    ),
                )
            db.execute("INSERT INTO phrases(phrases) VALUES ('optimize')")
    finally:
        db.close()
    temporary.replace(folder / FILE_NAME)
    return {feed_id for feed_id, _, _ in chosen}


def _gather_range(
    table: dict[str, tuple[array[int], array[int], array[int]]],
    no: int,
    postings: FeedPostings,
    low: str,
    high: str,
) -> None:
    """Add a feed's postings of the terms in [low, high) to ``table`` (one read of each array)."""
    terms, starts = postings.terms, postings.starts
    first, last = bisect_left(terms, low), bisect_left(terms, high)
    if first == last:
        return
    offset = starts[first]
    locals_ = postings.locals[offset : starts[last]]
    values = postings.values[offset : starts[last]]
    for i in range(first, last):
        start, end = starts[i] - offset, starts[i + 1] - offset
        entry = table.get(terms[i])
        if entry is None:
            entry = table[terms[i]] = (array("H"), array("H"), array("H"))
        entry[0].extend(repeat(no, end - start))
        entry[1].extend(locals_[start:end])
        entry[2].extend(values[start:end])


class View:
    """What a query reads: the merged file, with each feed indexed since (``fresh``) read
    from its own postings in place of its rows, and feeds removed since (``gone``) left out.

    Document frequencies count the merged rows of replaced feeds too, which moves
    scores a little until the next build (as tombstones did before).
    """

    def __init__(
        self,
        snapshot: Snapshot,
        fresh: Mapping[str, FeedPostings],
        gone: Iterable[str],
        texts: PhraseTexts = lambda feed_id: {},
    ) -> None:
        self.snapshot = snapshot
        self._texts = texts  # the fresh feeds' phrase texts, asked once a phrase is searched
        self._table: DocTable | None = None
        self.cache: dict[str, object] = {}  # what queries derive from this view, kept with it
        self.fresh = [(feed_id, fresh[feed_id]) for feed_id in sorted(fresh)]
        hidden = {snapshot.feeds[f][0] for f in (*fresh, *gone) if f in snapshot.feeds}
        self.hidden = sorted(hidden)  # merged feed numbers whose rows are left out
        live, total = snapshot.live, snapshot.total
        for no in self.hidden:
            hidden_live, hidden_total = snapshot.feed_live(no)
            live, total = live - hidden_live, total - hidden_total
        for _, postings in self.fresh:
            live += len(postings.live)
            total += sum(postings.lengths[i] for i in postings.live.values())
        self._stats = (live, total)

    def stats(self) -> tuple[int, int]:
        return self._stats

    def df(self, term: str) -> int:
        found = self.snapshot.df(term)
        for _, postings in self.fresh:
            start, end = postings.span(term)
            found += end - start
        return found

    def starting_with(self, prefix: str) -> list[tuple[str, int]]:
        found = dict(self.snapshot.starting_with(prefix))
        for _, postings in self.fresh:
            at = bisect_left(postings.terms, prefix)
            while at < len(postings.terms) and postings.terms[at].startswith(prefix):
                term = postings.terms[at]
                found[term] = found.get(term, 0) + postings.starts[at + 1] - postings.starts[at]
                at += 1
        return sorted(found.items())

    def postings(self, term: str) -> list[tuple[int, Any, array[int]]]:
        keys, values = self.snapshot.postings(term)
        found: list[tuple[int, Any, array[int]]] = []
        start = 0
        for no in self.hidden:  # a hidden feed's keys are one run: cut it out
            low = max(start, int(keys.searchsorted(no << KEY_SHIFT)))
            high = max(low, int(keys.searchsorted((no + 1) << KEY_SHIFT)))
            if high > low:
                found.append((0, keys[start:low], values[start:low]))
                start = high
        found.append((0, keys[start:] if start else keys, values[start:] if start else values))
        for n, (_, postings) in enumerate(self.fresh):
            base = (_FRESH_BASE + n) << KEY_SHIFT
            low, high = postings.span(term)
            if high > low:
                found.append((base, postings.locals[low:high], postings.values[low:high]))
        return found

    def doc_table(self) -> DocTable:
        """The merged feeds' table, then the fresh feeds' (kept while this view lives)."""
        if self._table is None:
            bases, sizes, lengths, dead = self.snapshot.doc_table()
            bases, sizes, lengths, dead = list(bases), list(sizes), array("I", lengths), list(dead)
            for n, (_, postings) in enumerate(self.fresh):
                offset = len(lengths)
                lengths.extend(postings.lengths)
                bases.append((_FRESH_BASE + n) << KEY_SHIFT)
                sizes.append(len(postings.lengths))
                ids = postings.ids
                dead.extend(offset + i for i, article_id in enumerate(ids) if not article_id)
            self._table = (bases, sizes, lengths, dead)
        return self._table

    def phrase_keys(self, phrase: tuple[str, ...]) -> Any:
        needle = " " + " ".join(phrase) + " "
        fresh: list[int] = []
        for n, (feed_id, postings) in enumerate(self.fresh):
            held = self._texts(feed_id)
            base = (_FRESH_BASE + n) << KEY_SHIFT
            fresh.extend(
                base | local
                for local, article_id in enumerate(postings.ids)
                if article_id and needle in f" {held.get(article_id, '')} "
            )
        np = numpy()
        return np.concatenate((self.snapshot.phrase_keys(phrase), np.array(fresh, np.uint64)))

    def documents(self, base: int) -> tuple[list[str], array[int]]:
        no = base >> KEY_SHIFT
        if no >= _FRESH_BASE:
            postings = self.fresh[no - _FRESH_BASE][1]
            return postings.ids, array("I", postings.lengths)
        return self.snapshot.documents(no)
