"""Full-text search over the whole archive: titles, authors, bodies and quotations.

Bodies stay on disk, so a query cannot scan text. Each article's terms are
counted once, when it is analysed (:func:`article_terms`), and kept per feed in
a :class:`FeedPostings` (its arrays in the store's sidecar, read a slice at a time).

Terms are case- and diacritic-folded words (``Zürich`` -> ``zurich``). A posting
packs the term's count with the fields it occurs in, so one small integer per
(article, term) gives both the BM25 count and what to highlight where. A
finished word also matches the indexed words that share its English stem
(found at query time, so the index stays one of plain words).
Phrases in quotes are matched as all of their words; a phrase found verbatim
in a title, summary or quotation ranks higher (body positions are not indexed,
which would triple the index for a rarely used feature; the merged file keeps
each article's :func:`phrase_text` in an FTS5 table instead).
"""

from __future__ import annotations

import base64
import math
import os
import re
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Protocol, cast

from reader.core.analysis.search_words import indexable, stem, terms, words
from reader.core.models import Article, Quote

AUX_KIND = "search"
FORMAT = 2

TITLE, AUTHOR, BODY, QUOTE = 1, 2, 4, 8
FIELDS = ((TITLE, "title"), (AUTHOR, "author"), (BODY, "body"), (QUOTE, "quote"))
_TF_SHIFT = 4
_FIELD_MASK = (1 << _TF_SHIFT) - 1
_MAX_TF = 0xFFF  # so a packed value fits 16 bits
MIN_PREFIX = 2  # a last word shorter than this is not expanded (it would match everything)
MAX_EXPANSIONS = 40  # the most frequent completions of a prefix that take part
MIN_FORM_PREFIX = 3  # a stem shorter than this is matched only as the word itself
PREFIX_BUDGET = 40_000  # postings a prefix alone may touch (see SearchIndex.completions)
TITLE_RANK = 1000.0  # added per title hit while ranking, so title hits come first
K1, B = 1.2, 0.75
PHRASE_BONUS = 5.0  # a quoted phrase found verbatim in a title, summary or quotation

_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]*)(?:[\"“”„«»]|$)")

ArticleTerms = tuple[int, dict[str, int]]  # (length in words, term -> packed count|fields)


def article_terms(title: str, author: str, text: str, quotes: Iterable[Quote] = ()) -> ArticleTerms:
    """Count an article's terms once, at ingest, with the fields each occurs in.

    Title, author and body are counted (the length is the title's and body's
    words); quotations and speakers only add their field, being body text.
    """
    title_terms, body_terms = terms(title), terms(text)
    counts = Counter(title_terms)  # C counting; keys in order of first occurrence
    fields = dict.fromkeys(body_terms, BODY)  # most terms: the few others' bits added
    get = fields.get
    for term in title_terms:
        fields[term] = get(term, 0) | TITLE
    for term in terms(author):
        fields[term] = get(term, 0) | AUTHOR
        counts[term] += 1
    counts.update(body_terms)
    # All quotations and speakers at once: no word runs across the space between two.
    quoted = " ".join(s for q in quotes for s in ((q.text, q.speaker) if q.speaker else (q.text,)))
    for term in dict.fromkeys(terms(quoted)):  # each once
        fields[term] = get(term, 0) | QUOTE
        if term not in counts:
            counts[term] = 1
    cap = _MAX_TF  # a conditional, not a call of min() per term
    packed = {t: (n if n < cap else cap) << _TF_SHIFT | fields[t] for t, n in counts.items()}
    return len(title_terms) + len(body_terms), packed


# -- one feed's postings ---------------------------------------------------------


def _unpack(typecode: str, text: str) -> array[int]:
    values = array(typecode)
    values.frombytes(base64.b64decode(text, validate=True))
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Postings(Protocol):
    """A feed's postings: an array, or the store's read-on-demand ``StoredArray``.

    Only ``len`` and contiguous slices (which give arrays) are used on them.
    """

    @property
    def typecode(self) -> str: ...

    def __len__(self) -> int: ...
    def __getitem__(self, where: slice, /) -> array[Any]: ...


def _typed(values: Any, typecodes: str) -> Postings:
    """``values`` if it is a sliceable array of one of ``typecodes``; else ValueError."""
    if str(getattr(values, "typecode", "?")) in typecodes and hasattr(values, "__getitem__"):
        return cast(Postings, values)
    raise ValueError(f"not an array of {typecodes}")


def _narrow(locals_: array[int], size: int) -> array[int]:
    """Local indexes as 16-bit values when the feed allows (15.9 M postings at 100k: -30 MiB)."""
    return array("H", locals_) if size <= 0xFFFF and locals_.typecode != "H" else locals_


class FeedPostings:
    """One feed's inverted index: a segment, persisted and replaced as a whole.

    Terms are kept sorted with the offsets of their postings (``starts``) in
    two flat arrays: local article indexes (ascending within a term) and packed
    count|fields values. Loading is a few C calls per feed, with no Python work
    per posting, which keeps the first search fast on a large archive.

    Local indexes are never reused while the segment lives: a replaced or
    removed article leaves a tombstone (an empty id) that queries skip, and
    :meth:`freeze` drops tombstones once they pile up.
    """

    __slots__ = (
        "ids",
        "hashes",
        "lengths",
        "terms",
        "starts",
        "locals",
        "values",
        "live",
        "dead",
        "inline",
    )

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.lengths = array("I")
        self.terms: list[str] = []  # sorted
        self.starts = array("I", [0])  # postings of terms[i]: starts[i] to starts[i + 1]
        self.locals: Postings = array("I")
        self.values: Postings = array("H")
        self.live: dict[str, int] = {}
        self.dead = 0
        self.inline = False

    @classmethod
    def from_aux(cls, data: dict[str, Any] | None) -> FeedPostings:
        """Read the persisted form; anything unexpected gives an empty segment to rebuild.

        The arrays come memory-mapped from the store's sidecar; older files carry
        them inline as base64 (``inline``: worth writing back in the new form).
        """
        made = cls()
        if not data or data.get("v") != FORMAT:
            return made
        try:
            made.ids = [str(i) for i in data["ids"]]
            made.hashes = [str(h) for h in data["hashes"]]
            counts: dict[str, int] = data["terms"]
            # Feeds share most of their words: one string each, not one per feed
            # (at 100k articles this is most of the index's memory).
            made.terms = list(map(sys.intern, counts))
            made.starts = array("I", accumulate(counts.values(), initial=0))
            made.inline = isinstance(data["locals"], str)
            if made.inline:
                made.lengths = _unpack("I", data["lengths"])
                made.locals = _narrow(_unpack("I", data["locals"]), len(made.ids))
                made.values = _unpack("H", data["values"])
            else:
                made.lengths = _typed(data["lengths"], "I")[:]
                made.locals = _typed(data["locals"], "HI")
                made.values = _typed(data["values"], "H")
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
            return cls()
        size = len(made.ids)
        if (
            not size == len(made.hashes) == len(made.lengths)
            or not made.starts[-1] == len(made.locals) == len(made.values)
            or (made.inline and max(made.locals[:], default=0) >= size)  # else: in search()
            or made.terms != sorted(made.terms)
        ):
            return cls()
        made.live = {article_id: i for i, article_id in enumerate(made.ids) if article_id}
        made.dead = size - len(made.live)
        return made

    def to_aux(self) -> dict[str, Any]:
        starts = self.starts
        return {
            "v": FORMAT,
            "ids": self.ids,
            "hashes": self.hashes,
            "lengths": array("I", self.lengths),
            "terms": {t: starts[i + 1] - starts[i] for i, t in enumerate(self.terms)},
            "locals": _narrow(array("I", self.locals[:]), len(self.ids)),
            "values": self.values[:],
        }

    def share(self, canonical: Mapping[str, str]) -> None:
        """Hold the given copies of equal id and hash strings (the store's: ~15 MiB at 100k)."""
        self.ids = [canonical.get(i, i) for i in self.ids]
        self.hashes = [canonical.get(h, h) for h in self.hashes]
        self.live = {article_id: i for i, article_id in enumerate(self.ids) if article_id}

    def span(self, term: str) -> tuple[int, int]:
        """Where ``term``'s postings are in ``locals``/``values``; (0, 0) if absent."""
        at = bisect_left(self.terms, term)
        if at < len(self.terms) and self.terms[at] == term:
            return self.starts[at], self.starts[at + 1]
        return 0, 0

    def content_hash(self, article_id: str) -> str | None:
        local = self.live.get(article_id)
        return None if local is None else self.hashes[local]

    def update(
        self, put: Iterable[tuple[str, str, ArticleTerms]] = (), drop: Iterable[str] = ()
    ) -> None:
        """Add or replace articles (id, content hash, terms) and remove others, then re-pack."""
        table: dict[str, tuple[array[int], array[int]]] = {}
        locals_, values = array("I", self.locals[:]), self.values[:]  # one read each
        for i, term in enumerate(self.terms):
            start, end = self.starts[i], self.starts[i + 1]
            table[term] = (locals_[start:end], values[start:end])
        for article_id in drop:
            self._tombstone(article_id)
        for article_id, content_hash, (length, packed) in put:
            self._tombstone(article_id)
            local = len(self.ids)
            self.ids.append(article_id)
            self.hashes.append(content_hash)
            self.lengths.append(min(length, 0xFFFFFFFF))
            self.live[article_id] = local
            for term, value in packed.items():
                entry = table.get(term)
                if entry is None:
                    table[term] = (array("I", (local,)), array("H", (value,)))
                else:
                    entry[0].append(local)
                    entry[1].append(value)
        self._freeze(table)

    def _tombstone(self, article_id: str) -> None:
        local = self.live.pop(article_id, None)
        if local is not None:
            self.ids[local] = ""
            self.dead += 1

    def _freeze(self, table: dict[str, tuple[array[int], array[int]]]) -> None:
        renumber: dict[int, int] | None = None
        if self.dead and self.dead * 4 >= len(self.ids):
            renumber = {old: new for new, old in enumerate(self.live.values())}
            self.ids = [self.ids[old] for old in renumber]
            self.hashes = [self.hashes[old] for old in renumber]
            self.lengths = array("I", (self.lengths[old] for old in renumber))
            self.live = {article_id: i for i, article_id in enumerate(self.ids)}
            self.dead = 0
        terms: list[str] = []
        starts, locals_, values = array("I", [0]), array("I"), array("H")
        for term in sorted(table):
            term_locals, term_values = table[term]
            if renumber is not None:
                kept = [
                    (renumber[o], v)
                    for o, v in zip(term_locals, term_values, strict=True)
                    if o in renumber
                ]
                if not kept:
                    continue
                term_locals = array("I", (o for o, _ in kept))
                term_values = array("H", (v for _, v in kept))
            terms.append(term)
            locals_.extend(term_locals)
            values.extend(term_values)
            starts.append(len(locals_))
        self.terms, self.starts, self.values = terms, starts, values
        self.locals = _narrow(locals_, len(self.ids))


# -- queries ----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A parsed query: words that must all occur, the last one maybe as a prefix."""

    terms: tuple[str, ...] = ()
    prefix: str | None = None  # the word being typed
    phrases: tuple[tuple[str, ...], ...] = ()  # quoted phrases, as folded words

    @property
    def empty(self) -> bool:
        return not self.terms and not self.prefix


def parse_query(text: str) -> Query:
    """Split what the user typed: ``"quoted phrases"``, words, and a last word being typed.

    The last word counts as a prefix unless the query ends in a space or a
    closing quote (then the user has finished it).
    """
    phrases: list[tuple[str, ...]] = []
    for match in _QUOTED.finditer(text):
        phrase = tuple(words(match.group(1)))
        if len(phrase) > 1:
            phrases.append(phrase)
    all_words = words(text)
    finished = not text or text[-1].isspace() or text[-1] in '"“”„«»'
    prefix: str | None = None
    if all_words and not finished:
        last = all_words.pop()
        if len(last) >= MIN_PREFIX or last.isdigit():
            prefix = last
        elif indexable(last):
            all_words.append(last)
    required = tuple(dict.fromkeys(w for w in all_words if indexable(w) and w != prefix))
    return Query(required, prefix, tuple(phrases))


@dataclass(frozen=True)
class RankedHit:
    """One article a query found, before the library attaches the Article."""

    article_id: str
    score: float  # BM25, plus any boost; title hits are ranked first regardless
    title_hits: int  # how many of the query's words occur in the title
    matched: tuple[str, ...]  # indexed words that matched (prefix completions included)
    where: tuple[str, ...]  # "title", "author", "body", "quote"


def _fields(bits: int) -> tuple[str, ...]:
    return tuple(name for bit, name in FIELDS if bits & bit)


# While a query runs, a value also carries, above its 16 packed bits, one bit per
# completion of a prefix that matched (so the hit can name the words to highlight).
_PACKED = 0xFFFF
_KEEP_ON_MERGE = ~_PACKED | _FIELD_MASK
KEY_SHIFT = 32  # an article's key: its feed's number << KEY_SHIFT | its local index
_LOCAL = (1 << KEY_SHIFT) - 1


class PostingSource(Protocol):
    """Where a query reads the index a term at a time (``storage.search_db.SearchDb``)."""

    def stats(self) -> tuple[int, int]:
        """Live articles and their total length in words."""
        ...

    def df(self, term: str) -> int: ...

    def starting_with(self, prefix: str) -> list[tuple[str, int]]:
        """Indexed words (with their document frequencies) starting with ``prefix``, sorted."""
        ...

    def postings(self, term: str) -> list[tuple[int, Any, array[int]]]:
        """Runs of ``term``'s postings in key order: a base key, keys less the base (each
        run ascending; an array or a numpy array) and packed values; replaced feeds'
        runs left out."""
        ...

    def doc_table(self) -> tuple[list[int], list[int], array[int], list[int]]:
        """Per feed in key order its base key and size; every article's length, feed
        after feed; the places in those lengths of replaced articles."""
        ...

    def documents(self, base: int) -> tuple[list[str], array[int]]:
        """Ids ("" where replaced) and lengths of the feed whose keys start at ``base``."""
        ...

    def phrase_keys(self, phrase: tuple[str, ...]) -> Any:
        """Keys (a numpy array) of the articles whose :func:`phrase_text` holds ``phrase``
        verbatim."""
        ...


class SearchIndex:
    """Queries over a :class:`PostingSource`: the rarest word first, BM25, title hits first.

    Reads only the postings of the query's words (and of the forms or
    completions that take part), so its cost follows the query, not the archive.
    """

    def __init__(self, source: PostingSource) -> None:
        self.source = source
        self._df: dict[str, int] = {}  # this query's lookups

    def df(self, term: str) -> int:
        found = self._df.get(term)
        if found is None:
            found = self._df[term] = self.source.df(term)
        return found

    def completions(self, prefix: str, budget: int | None = None) -> list[str]:
        """Indexed words starting with ``prefix``: the word itself, then the most frequent.

        At most MAX_EXPANSIONS; with ``budget``, rarer completions are left out
        once their postings would pass it (a two-letter prefix on its own would
        otherwise touch most of the index on every keystroke).
        """
        found = self.source.starting_with(prefix)
        self._df.update(found)
        found.sort(key=lambda item: (item[0] != prefix, -item[1]))
        chosen: list[str] = []
        total = 0
        for term, df in found[:MAX_EXPANSIONS]:
            if budget is not None and chosen and total + df > budget:
                continue
            chosen.append(term)
            total += df
        return chosen

    def forms(self, term: str) -> list[str]:
        """The word and the indexed words that share its stem: 'flood' also finds
        'flooding', 'floods' and 'flooded' (the word first, then the most frequent)."""
        root = stem(term)
        start = os.path.commonprefix([root, term])
        if len(start) < MIN_FORM_PREFIX:
            return [term]
        candidates = self.source.starting_with(start)
        self._df.update(candidates)
        found = [(t, df) for t, df in candidates if t != term and stem(t) == root]
        found.sort(key=lambda item: -item[1])
        return [term, *(t for t, _ in found[: MAX_EXPANSIONS - 1])]

    def _gather(self, group: list[str]) -> tuple[Any, Any]:
        """The keys (ascending) of the articles holding a term of ``group`` and their packed
        values: the larger count, every field bit and, for several terms, a bit per term."""
        np = numpy()
        keys, values = [], []
        for n, term in enumerate(group):
            flag = 0 if len(group) == 1 else 1 << (16 + n)
            for base, local_keys, packed in self.source.postings(term):
                if not len(local_keys):
                    continue
                if isinstance(local_keys, array):
                    local_keys = np.frombuffer(local_keys, dtype=local_keys.typecode)
                found = local_keys.astype(np.uint64)
                keys.append(found | np.uint64(base) if base else found)
                values.append(np.frombuffer(packed, dtype=packed.typecode).astype(np.int64) | flag)
        if not keys:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        all_keys, all_values = np.concatenate(keys), np.concatenate(values)
        if len(group) == 1:  # one run per feed, feeds in key order: ascending already
            return all_keys, all_values
        order = np.argsort(all_keys, kind="stable")
        all_keys, all_values = all_keys[order], all_values[order]
        starts = np.flatnonzero(np.concatenate(([True], all_keys[1:] != all_keys[:-1])))
        larger = np.maximum.reduceat(all_values & _PACKED, starts)
        either = np.bitwise_or.reduceat(all_values, starts) & _KEEP_ON_MERGE
        return all_keys[starts], larger | either

    def search(self, query: Query, limit: int = 500) -> list[RankedHit]:
        """The best ``limit`` hits: title hits first, then by BM25 score (plus PHRASE_BONUS
        for each of the query's phrases an article's title, summary or quotations hold)."""
        self._df = {}
        if query.empty or not self.source.stats()[0] or limit <= 0:
            return []
        # Each finished word matches its forms, the rarest word's first.
        groups = sorted(
            (self.forms(term) for term in query.terms),
            key=lambda group: sum(map(self.df, group)),
        )
        if groups and not sum(map(self.df, groups[0])):
            return []
        if query.prefix:
            completions = self.completions(query.prefix, None if groups else PREFIX_BUDGET)
            if not completions:
                return []
            groups.append(completions)
        np = numpy()
        gathered = []
        candidates = None
        for group in groups:
            keys, values = self._gather(group)
            gathered.append((keys, values))
            candidates = keys if candidates is None else np.intersect1d(candidates, keys, True)
            if not len(candidates):
                return []
        assert candidates is not None
        matches = [values[np.searchsorted(keys, candidates)] for keys, values in gathered]
        return self._rank(candidates, groups, matches, limit, query.phrases)

    def _table(self) -> tuple[Any, Any, Any, Any]:
        """Each feed's base key, size and first place, and every article's length, with
        replaced articles' lengths as -1 (numpy arrays, kept with the source's view)."""
        cache = getattr(self.source, "cache", {})
        found = cache.get("table")
        if found is None:
            np = numpy()
            bases, sizes, lengths, dead = self.source.doc_table()
            firsts = np.concatenate(([0], np.cumsum(np.array(sizes, np.int64))))[:-1]
            every = np.array(lengths, np.int64) if len(lengths) else np.zeros(0, np.int64)
            every[np.array(dead, np.int64)] = -1
            found = cache["table"] = (np.array(bases, np.uint64), np.array(sizes), firsts, every)
        return found

    def _rank(
        self,
        candidates: Any,
        groups: list[list[str]],
        matches: list[Any],
        limit: int,
        phrases: tuple[tuple[str, ...], ...] = (),
    ) -> list[RankedHit]:
        """The best ``limit`` by score (title hits counting TITLE_RANK each), ties to the
        lower key; numpy does each step for every candidate at once (100,000 at a common
        word), with the same floating-point operations as one article at a time."""
        np = numpy()
        documents, total_length = self.source.stats()
        average = (total_length / documents if documents else 1.0) or 1.0
        bases, sizes, firsts, lengths = self._table()
        feed = np.searchsorted(bases, candidates, side="right") - 1
        local = (candidates - bases[np.maximum(feed, 0)]).astype(np.int64)
        kept = (feed >= 0) & (local < sizes[np.maximum(feed, 0)])  # else a damaged file
        length = np.where(kept, lengths[firsts[np.maximum(feed, 0)] + np.where(kept, local, 0)], -1)
        kept &= length >= 0  # replaced articles hold no place
        candidates, length = candidates[kept], length[kept]
        matches = [found[kept] for found in matches]
        norm = K1 * (1 - B + B * length / average)
        k1_plus = K1 + 1
        total = np.zeros(len(candidates))
        for group, found in zip(groups, matches, strict=True):
            df = max(self.df(term) for term in group)
            idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
            tf = (found & _PACKED) >> _TF_SHIFT
            total = total + (idf * tf * k1_plus / (tf + norm) + TITLE_RANK * (found & 1))
        if phrases:  # added at once, as one article's bonus was
            bonus = np.zeros(len(candidates))
            for phrase in phrases:
                holding = np.sort(self.source.phrase_keys(phrase))
                at = np.minimum(np.searchsorted(holding, candidates), max(len(holding) - 1, 0))
                held = holding[at] == candidates if len(holding) else np.zeros(len(at), bool)
                bonus = bonus + np.where(held, PHRASE_BONUS, 0.0)
            total = total + bonus
        if len(total) > limit:
            cut = -np.partition(-total, limit - 1)[limit - 1]
            chosen = np.flatnonzero(total >= cut)
        else:
            chosen = np.arange(len(total))
        chosen = chosen[np.lexsort((candidates[chosen], -total[chosen]))][:limit]
        hits: list[RankedHit] = []
        for at in chosen.tolist():
            key = int(candidates[at])
            bits = title_hits = 0
            matched: list[str] = []
            for group, found in zip(groups, matches, strict=True):
                value = int(found[at])
                bits |= value & _FIELD_MASK
                title_hits += value & TITLE
                if len(group) == 1:
                    matched.append(group[0])
                else:
                    matched.extend(t for n, t in enumerate(group) if value >> (16 + n) & 1)
            score = round(float(total[at]) - TITLE_RANK * title_hits, 4)
            hits.append(
                RankedHit(self._article_id(key), score, title_hits, tuple(matched), _fields(bits))
            )
        return hits

    def _article_id(self, key: int) -> str:
        ids = self.source.documents(key & ~_LOCAL)[0]
        local = key & _LOCAL
        return ids[local] if local < len(ids) else ""


def numpy() -> Any:
    """numpy, imported on the first query (~0.1 s): ranking 100,000 candidates a Python
    call each took 250 ms."""
    import numpy

    return numpy


@dataclass(frozen=True)
class SearchHit:
    """What ``Library.search`` returns: the article and what to highlight where."""

    article: Article
    score: float
    matched_terms: tuple[str, ...]
    where: tuple[str, ...]


PHRASE_BREAK = " _ "  # between an article's texts: a phrase never runs across it


def phrase_text(title: str, summary: str, quotes: Iterable[str]) -> str:
    """The texts a quoted phrase is looked for in, as folded words joined by spaces."""
    return PHRASE_BREAK.join(" ".join(words(text)) for text in (title, summary, *quotes))
