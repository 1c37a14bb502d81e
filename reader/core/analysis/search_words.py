"""Search's words: folding (case, diacritics), English stems, and which words are indexed.

Shared by the index (:mod:`reader.core.analysis.search`) and the article list,
which highlights the words a hit matched.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from itertools import filterfalse
from typing import Any

MAX_TERM_LENGTH = 40

_WORD = re.compile(r"[^\W_]+")
_PLAIN_WORD = re.compile(r"\w++")  # the same words in a text without "_": one test a letter


def _words(folded: str) -> list[str]:
    return (_WORD if "_" in folded else _PLAIN_WORD).findall(folded)


# Words so common that a posting for them costs more than it finds.
_STOPWORD_TEXT = (
    "a an and are as at be but by for from has have he her his in is it its of on or "
    "she that the their them they this to was were will with"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _fold_whole(text: str) -> str:
    """Case folded, decomposed (NFKD), combining marks (diacritics once split off) removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _FoldTable(dict[int, str]):
    """Each character's fold, found when first met (``str.translate``'s table).

    Folding a character at a time is exact: case folding has no context, NFKD
    only decomposes (its reordering moves combining marks alone, and those are
    all removed). A whole text through NFKD and a pattern of the marks took ~3 ms.
    """

    def __missing__(self, code: int) -> str:
        if len(self) > _FOLD_TABLE_SIZE:  # a hostile text of every character: stay small
            self.clear()
        folded = self[code] = _fold_whole(chr(code))
        return folded


_FOLD_TABLE_SIZE = 20_000
_FOLD = _FoldTable()
_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")


@functools.lru_cache(maxsize=4096)
def _fold_run(run: str) -> str:
    """A run of non-ASCII characters folded: mostly the same few (curly quotes, dashes)."""
    return run.translate(_FOLD)


def fold(text: str) -> str:
    """Lower case without diacritics, so ``Zürich``, ``ZURICH`` and ``zurich`` meet."""
    if text.isascii():
        return text.lower()
    parts = _NON_ASCII.split(text)  # ascii, other, ascii, ...: mostly ascii, C speed
    parts[::2] = [part.lower() for part in parts[::2]]
    parts[1::2] = map(_fold_run, parts[1::2])
    return "".join(parts)


@functools.lru_cache(maxsize=65536)
def stem(term: str) -> str:
    """A folded word's English Snowball stem ('flooding' -> 'flood'); digits stay as they are."""
    if term.isdigit() or len(term) < 3:
        return term
    return _stemmer().stemWord(term)  # type: ignore[no-any-return]


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer  # ~12 ms, only once someone searches

    return snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Every folded word of ``text``, stopwords included (for phrases)."""
    return _words(fold(text))


def indexable(word: str) -> bool:
    return (
        (len(word) >= 2 or word.isdigit())
        and len(word) <= MAX_TERM_LENGTH
        and (word not in STOPWORDS)
    )


def _kept(char: str) -> bool:
    """Whether a character outside ASCII changes no word of a text when its fold (and
    its lower case) is not taken: no word character, and none in either form."""
    folded = _fold_whole(char)
    return (
        not _WORD_CHAR.match(char)
        and char.lower() == char
        and folded != ""
        and not _WORD_CHAR.search(folded)
    )


# Those characters among Latin-1's, general punctuation (curly quotes, dashes) and
# currency signs: a text with no other past ASCII has the words of its lower case,
# all ASCII, found in about two thirds of the time of a fold and a Unicode pattern.
_WORD_CHAR = re.compile(r"\w")
_KEPT = "".join(
    filter(_kept, map(chr, [*range(0x80, 0x100), *range(0x2000, 0x2070), *range(0x20A0, 0x20C1)]))
)
_NOT_KEPT = re.compile(f"[^\\x00-\\x7f{re.escape(_KEPT)}]")
_ASCII_WORD = re.compile(r"[a-z0-9]++")  # (lower case, and "_" splits a word either way)
# Of those words, the ones never indexed but for length: stopwords and single letters.
_ASCII_NOT_INDEXED = STOPWORDS | frozenset("abcdefghijklmnopqrstuvwxyz")


def terms(text: str) -> list[str]:
    """The folded words of ``text`` that are indexed (:func:`indexable`, inlined: hot)."""
    if text.isascii() or not _NOT_KEPT.search(text):
        found = list(
            filterfalse(_ASCII_NOT_INDEXED.__contains__, _ASCII_WORD.findall(text.lower()))
        )
        if found and max(map(len, found)) > MAX_TERM_LENGTH:
            found = [w for w in found if len(w) <= MAX_TERM_LENGTH]
        return found
    return [
        w
        for w in _words(fold(text))
        if (1 < len(w) <= MAX_TERM_LENGTH and w not in STOPWORDS) or (len(w) == 1 and w.isdigit())
    ]


def match_spans(text: str, matched: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) offsets in ``text`` of the words a hit matched, for highlighting.

    Works on the original text, folding word by word, so offsets stay true
    even where folding changes a word's length.
    """
    wanted = set(matched)
    if not wanted:
        return []
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if fold(m.group()) in wanted]
