"""The quotation finder's fast paths give what their plain forms give.

Each plain form below is the straightforward code a fast path replaced; the fast one
must agree with it on every input, since quotations and speakers are pinned
byte-for-byte by bench/analysis_parity.py.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from pathlib import Path

from reader.core.analysis.document import parse_text
from reader.core.analysis.quotes.first_names import first_name_gender
from reader.core.analysis.quotes.marks import _pair_marks
from reader.core.analysis.quotes.names import (
    _POSSESSIVE_ENDS,
    _SPLIT,
    _SPLIT_ASCII,
    _STOPS_AND_CLOSERS,
    _Article,
    _Chunk,
    _classify,
    _given_name_at,
    _is_cap,
    _joins,
    _Names,
)
from reader.core.analysis.quotes.names import _TRAILING as _TRAILING_WORDS
from reader.core.analysis.quotes.words import (
    _COMMON,
    _DOUBLE_MARK,
    _NOT_NAMES,
    _ORG_NOUNS,
    _ROLES,
    _SENTENCE_END,
    _SPEECH_VERBS,
    _SUFFIXES,
    _TITLES,
)

DATA = Path(__file__).parent / "data"

# Words that exercise every branch of the chunker: names, particles, connectors,
# titles, roles, organisations, places, common and speech words, initials,
# possessives, brackets and full stops.
VOCABULARY = [
    "Ana", "Ruiz", "Mary", "Kurt", "Volker", "Idris", "Fenwick-Lowe", "Harbourmaster",
    "Smith's", "Okafor’s", "Jones'", "J", "C", "U.S", "Jr", "III", "Dr", "Mr", "Ms",
    "President", "Vice", "Secretary", "Director", "Minister", "Coach", "Senior",
    "spokesman", "coach", "owner", "minister", "Miss", "Universe", "Prince", "Andrew",
    "Ministry", "Bank", "Institute", "Hollis", "Marine", "Kremlin", "Corp", "NASA",
    "Big", "Machine", "Ukraine", "Britain", "Fiona", "Hill", "Park", "City", "New",
    "van", "der", "de", "al", "of", "for", "on", "and", "Of", "And", "Van",
    "The", "But", "He", "She", "It", "Monday", "March", "I", "Said", "Told", "Also",
    "said", "told", "the", "a", "with", "to", "was", "Prosecution", "Public", "Sales",
    "(", ")", ".", ",", ":", "\u2014", "\ufffc", "2018", "Figgins", "Montell", "Doctors",
]  # fmt: skip


def _plain_name_word(names: _Names, words: Sequence[str], i: int, initial: bool) -> bool:
    word = words[i]
    if not _is_cap(word):
        return False
    low = word.lower()
    if low in _NOT_NAMES or low in _SPEECH_VERBS:
        return False
    if low in _COMMON and not (low in _TITLES and not initial):
        return False
    if initial:
        if low in names.lower_words:
            return False
        nxt = words[i + 1] if i + 1 < len(words) else ""
        return word in names.known_caps or (
            _is_cap(nxt) and nxt.lower() not in _COMMON and nxt.lower() not in _SPEECH_VERBS
        )
    return True


def _plain_chunks(names: _Names, words: Sequence[str], initial_at: int = 0) -> list[_Chunk]:
    """The chunker as first written: every word asked, every chunk classified anew."""
    found: list[_Chunk] = []
    i, n = 0, len(words)
    while i < n:
        if not _plain_name_word(names, words, i, i == initial_at):
            i += 1
            continue
        start, possessive = i, False
        run: list[str] = []
        at: list[int] = []
        in_org = False
        while i < n:
            word = words[i]
            low = word.lower()
            in_org = in_org or (bool(run) and run[-1].lower() in _ORG_NOUNS)
            if run and _joins(run[-1], low, words[i + 1] if i + 1 < n else "", in_org):
                run.append(word)
                at.append(i)
            elif (
                run
                and word == "("
                and i + 3 < n
                and words[i + 2] == ")"
                and _is_cap(words[i + 1])
                and _is_cap(words[i + 3])
            ):
                run.append(words[i + 1])
                at.append(i + 1)
                i += 3
                continue
            elif (
                not run
                or _plain_name_word(names, words, i, i == initial_at)
                or (
                    _is_cap(word)
                    and low not in _NOT_NAMES
                    and low not in _SPEECH_VERBS
                    and low not in _COMMON
                )
            ):
                if len(word) > 2 and word.endswith(_POSSESSIVE_ENDS):
                    run.append(word[:-2] if word[-1] == "s" else word[:-1])
                    at.append(i)
                    possessive = True
                    i += 1
                    break
                run.append(word)
                at.append(i)
                dotted = ("." in word and len(word) <= 5) or low in _SUFFIXES
                if (
                    i + 1 < n
                    and words[i + 1] == "."
                    and (len(word) == 1 or low in _TITLES or dotted)
                ):
                    i += 1
                    if len(word) == 1 or dotted:
                        run[-1] = word + "."
            else:
                break
            i += 1
        last = i - 1
        while run and run[-1].lower() in _TRAILING_WORDS:
            run.pop()
            at.pop()
        if run:
            chunk = _Chunk(start, last, run, possessive)
            _classify(chunk)
            if (
                start == initial_at
                and len(run) >= 3
                and run[0] not in names.known_caps
                and first_name_gender(run[0]) is None
                and not any(w.lower() in _ORG_NOUNS for w in run)
            ):
                chunk.words, chunk.name = run[1:], " ".join(run[1:])
                chunk.first = at[1]
                _classify(chunk)
            given = _given_name_at(chunk.words)
            if given:
                chunk.first = at[len(run) - len(chunk.words) + given]
                chunk.words = chunk.words[given:]
                chunk.name = " ".join(chunk.words)
                _classify(chunk)
            elif chunk.kind == "person":
                parts = chunk.name.split()
                given = _given_name_at(parts)
                if given:
                    chunk.name = " ".join(parts[given:])
            found.append(chunk)
    for before, after in zip(found, found[1:], strict=False):
        if after.first == before.last + 2 and words[before.last + 1] in _ROLES:
            before.kind = "org"
    for chunk in found:
        if (
            chunk.kind == "name"
            and len(chunk.words) >= 2
            and chunk.first > 0
            and (
                words[chunk.first - 1] in _ROLES
                or (
                    chunk.first > 1
                    and words[chunk.first - 1] == ","
                    and words[chunk.first - 2] in _ROLES
                )
            )
        ):
            chunk.kind = "person"
    return found


def test_chunks_are_the_plain_chunker_s() -> None:
    """Random runs of tricky words, with and without the capitals given."""
    rng = random.Random(20)
    for _ in range(6000):
        names = _Names()
        names.known_caps.update(rng.sample(VOCABULARY, 8))
        names.lower_words.update(w.lower() for w in rng.sample(VOCABULARY, 8))
        words = rng.choices(VOCABULARY, k=rng.randint(1, 14))
        for initial_at in (0, -1):
            plain = _plain_chunks(names, words, initial_at)
            assert names.chunks(words, initial_at) == plain, (words, initial_at)
            capitals = [i for i, w in enumerate(words) if w[0].isupper()]
            assert names.chunks(words, initial_at, capitals) == plain, words


def _articles() -> list[_Article]:
    found = []
    for path in sorted((DATA / "quotes").glob("*.txt"))[:12]:
        doc = parse_text(path.read_text(encoding="utf-8"))
        texts = [block.text for block in doc.blocks]
        spans = _pair_marks(texts, [block.kind for block in doc.blocks])
        found.append(_Article(doc, spans, doc.blocks, texts))
    return found


def _plain_sentences(article: _Article, bi: int) -> Iterator[tuple[int, int]]:
    positions = article.tokens[bi][0]
    lo = 0
    for boundary in [*article.starts[bi][1:], len(article.masked[bi]) + 1]:
        hi = bisect_left(positions, boundary, lo)
        if hi > lo:
            yield lo, hi
        lo = hi


def test_a_block_with_no_inner_stop_has_no_sentence_end() -> None:
    """_sentence_starts searches only a block with a stop before its last one."""
    pieces = ["a", "B", ".", "!", "\u2026", ")", "\u201d", "'", " ", "\n", "\ufffc"]
    for size in range(1, 6):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            inner = text.rstrip(_STOPS_AND_CLOSERS)
            if not any(stop in inner for stop in ".!?\u2026"):
                assert _SENTENCE_END.search(text) is None, text


def test_an_ascii_block_without_a_straight_mark_has_no_double_mark() -> None:
    """The pairer skips such a block: every other double mark is beyond ASCII."""
    ascii_text = "".join(map(chr, range(128))).replace('"', "")
    assert _DOUBLE_MARK.search(ascii_text * 2) is None
    assert _DOUBLE_MARK.search('a "b" c') is not None


def test_an_ascii_text_is_split_as_the_unicode_pattern_splits_it() -> None:
    """_tokens splits an ASCII text with table-driven classes: the same parts."""
    chars = list(map(chr, range(128)))
    texts = [a + b for a in chars for b in chars]
    pieces = ["a", "Z", "1", "0", ",", ".", "'", "-", "_", " ", "\t", "\x1c", "\x7f"]
    for size in range(3, 5):
        texts += map("".join, itertools.product(pieces, repeat=size))
    texts += ["1,000,000 and 12,34 or 1,234a x-ray O'Neill U.S. 5.5", "__a_b__ -'.'-"]
    for text in texts:
        assert _SPLIT_ASCII.split(text) == _SPLIT.split(text), repr(text)


def test_the_article_s_words_are_the_plain_loop_s() -> None:
    """Lower-case words and mid-sentence capitals, from one set and one capitals pass."""
    articles = _articles()
    assert articles
    for article in articles:
        lower: set[str] = set()
        caps: set[str] = set()
        for bi, kind in enumerate(article.kinds):
            if kind == "heading":
                continue
            words = article.tokens[bi][1]
            lower.update(w for w in words if w.islower())
            assert article._sentences(bi) == list(_plain_sentences(article, bi))
            firsts = {lo for lo, _ in article._sentences(bi)}
            caps.update(
                w
                for i, w in enumerate(words)
                if w[0].isupper() and i not in firsts and words[i - 1] not in ("\u2014", ":")
            )
        assert article.names.lower_words == lower
        assert article.names.known_caps == caps


def test_topics_stop_at_the_last_quotation_and_agree_before_it() -> None:
    """Who each sentence is about is found only up to the last quotation: up to there,
    the same events and mentions as from every sentence."""
    skipped = 0
    for article in _articles():
        events, mentions = article.events, article.mentions
        article.events, article.mentions = [], []
        for bi, kind in enumerate(article.kinds):
            if kind == "heading":
                continue
            words = article.tokens[bi][1]
            for lo, hi in _plain_sentences(article, bi):
                sentence = words[lo:hi]
                article._topics(bi, lo, sentence, article.names.chunks(sentence))
        reach = max((s.block, s.start) for s in article.spans if not s.depth)
        assert [e for e in events if e.where < reach] == [
            e for e in article.events if e.where < reach
        ]
        assert [m for m in mentions if m[0] < reach] == [
            m for m in article.mentions if m[0] < reach
        ]
        skipped += len(events) < len(article.events)
    assert skipped  # some article names someone after its last quotation
