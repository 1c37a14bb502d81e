"""Pass 2: the narrative with every quotation masked, its sentences, and the people and
organisations it names (full names, genders, who each sentence is about)."""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, islice
from operator import itemgetter

from reader.core.analysis.quotes.first_names import PRONOUN_OF, first_name_gender, given_name
from reader.core.analysis.quotes.marks import _final_mark, _Span
from reader.core.analysis.quotes.words import (
    _ABBREVIATIONS,
    _COMMON,
    _CONNECTORS,
    _GENDERED,
    _HE_WORDS,
    _HONORIFICS,
    _MODIFIERS,
    _NATIONALITIES,
    _NOT_NAMES,
    _ORG_NOUNS,
    _PARTICLES,
    _PHRASAL,
    _PLACE_WORDS,
    _PREPOSITIONS,
    _QUOTED,
    _QUOTED_NAMES_BUDGET,
    _ROLES,
    _SENTENCE_END,
    _SENTINEL,
    _SHE_WORDS,
    _SPEECH_VERBS,
    _SUFFIXES,
    _TITLES,
    _TO_VERBS,
    _TOKEN,
    _describes,
)
from reader.core.models import Block, Document


@dataclass(slots=True)
class _Chunk:
    """A run of capitalised words, read as a person, an organisation or a bare name."""

    first: int  # token index of the first word
    last: int  # token index of the last word
    words: list[str]
    possessive: bool
    kind: str = "name"  # "person" | "org" | "name"
    name: str = ""
    roles: tuple[str, ...] = ()


@dataclass(slots=True)
class _Entity:
    name: str
    kind: str  # "person" | "org" | "name"


# Who a rule found: an entity, a pronoun ("he", "she", "they", "it") to resolve by
# position, one of the two markers below, or None.
_COORD = "<coordinated>"  # 'but emphasized': the subject is an earlier verb's
_UNNAMED = "<unnamed>"  # 'a spokesperson said': someone spoke, we cannot name them


@dataclass(frozen=True, slots=True)
class _The:
    """'said the production company', 'the “Pose” actor said': a description to match."""

    words: tuple[str, ...]


_Found = _Entity | _The | str | None

_TRAILING = _CONNECTORS | _PARTICLES  # never the last word of a name
# A capital that starts no name (past a sentence's first word) and continues none.
_NOT_IN_RUN = _NOT_NAMES | _SPEECH_VERBS | (_COMMON - _TITLES)
_NOT_FIRST = _NOT_NAMES | _SPEECH_VERBS | _COMMON  # and the same at a sentence's first word

_DETERMINERS = frozenset({"the", "a", "an", "one", "another", "some", "several", "many", "two"})


def _mask(texts: Sequence[str], spans: Sequence[_Span]) -> list[str]:
    """Block texts with each top-level quotation replaced by sentinels of equal length."""
    cuts: dict[int, list[tuple[int, int]]] = {}
    for span in spans:
        if span.depth == 0:
            for block, start, end in span.extents:
                cuts.setdefault(block, []).append((start, end))
    masked = list(texts)
    for block, ranges in cuts.items():
        text = texts[block]
        parts: list[str] = []
        at = 0
        for start, end in sorted(ranges):
            start = max(start, at)
            if end <= start:
                continue
            parts.append(text[at:start])
            parts.append(_SENTINEL * (end - start))
            at = end
        parts.append(text[at:])
        masked[block] = "".join(parts)
    return masked


_STOPS_AND_CLOSERS = ".!?\u2026)]'\"\u2019\u201d"  # what _SENTENCE_END has before its space


def _sentence_starts(masked: str, ending: Sequence[_Span]) -> list[int]:
    """Offsets where sentences start; a quote ending in .?! can end one too (``ending``:
    the top-level quotations that end in this block)."""
    starts = [0]
    # A sentence end is a stop with a space after it: a block's own last stop (and the
    # marks closing on it) has none, so a block with no other stop is not searched.
    inner = masked.rstrip(_STOPS_AND_CLOSERS)
    stopped = "." in inner or "!" in inner or "?" in inner or "\u2026" in inner
    for match in _SENTENCE_END.finditer(masked) if stopped else ():
        nxt = masked[match.end() : match.end() + 1]
        if not nxt or not (
            nxt.isupper()
            or nxt.isdigit()
            or nxt in "\u201c\"\u2018'\u00ab\u201e("
            or nxt == _SENTINEL
        ):
            continue
        word = masked[max(0, match.start() - 6) : match.start()].split()
        last = word[-1].lower() if word else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        starts.append(match.end())
    for span in ending:
        if _final_mark(span.text) in (".", "!", "?", "\u2026"):
            rest = masked[span.end : span.end + 3]
            stripped = rest.lstrip()
            if (
                rest[:1].isspace()
                and stripped
                and (stripped[0].isupper() or stripped[0] == _SENTINEL)
            ):
                starts.append(span.end + (len(rest) - len(stripped)))
    starts.sort()
    return starts


_SPLIT = re.compile(f"({_TOKEN.pattern})")
# The same tokens of an ASCII text, its classes spelt out as ranges the regex engine
# looks up in a table instead of asking Unicode of each character (a third faster):
# \w is [a-zA-Z0-9_] there, and \s the space, \t to \r and \x1c to \x1f.
_SPLIT_ASCII = re.compile(
    r"(\d{1,3}(?:,\d{3})+\b|[a-zA-Z0-9]++(?:[-'.][a-zA-Z0-9]++)*+|[^a-zA-Z0-9_ \t-\r\x1c-\x1f])"
)
_POSSESSIVE_ENDS = ("'s", "’s", "'", "’")  # _POSSESSIVE, on a token (no line break)


def _tokens(text: str) -> tuple[list[int], list[str]]:
    """(offset, token) of each token: split, not matched (no match object per token);
    a token's offset is the length of all the parts before it."""
    parts = (_SPLIT_ASCII if text.isascii() else _SPLIT).split(text)  # gap, token, ..., tail
    return list(islice(accumulate(map(len, parts)), 0, len(parts) - 1, 2)), parts[1::2]


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _is_word(word: str) -> bool:
    return word[:1].isalnum()


def _is_verb(words: Sequence[str], i: int) -> bool:
    word = words[i]
    if not word.islower():
        return False
    if word in _SPEECH_VERBS:
        # 'continued to sign up', 'promised to act': an intention, not speech
        return not (word in _TO_VERBS and i + 1 < len(words) and words[i + 1] == "to")
    follow = _PHRASAL.get(word)
    return follow is not None and i + 1 < len(words) and words[i + 1] == follow


def _given_name_at(words: Sequence[str]) -> int:
    """Where a person's name starts inside a run of capitals led by a place or a thing
    ('Ukraine Kurt Volker', 'Britain Liu Xiaming'); 0 when it does not."""
    if len(words) < 3 or given_name(words[0]) != "unknown":
        return 0
    if any(w.lower() in _ORG_NOUNS for w in words):
        return 0  # 'Hollis Marine Institute' is an institute, not Marine's
    for k in range(1, len(words) - 1):
        low = words[k - 1].lower().rstrip(".")
        if _is_title(low) or low in _PARTICLES or low in _CONNECTORS or low in _ORG_NOUNS:
            return 0
        if given_name(words[k]) != "unknown":
            return k
    return 0


def _looks_like_a_person(words: Sequence[str]) -> bool:
    """'Mary Steenburgen', 'C. J. Mbeki' are people; 'Iceberg Passages' is not known to be."""
    first = words[0]
    return (len(first) == 2 and first.endswith(".")) or given_name(first) != "unknown"


def _abbreviated(words: Sequence[str], i: int) -> bool:
    """The full stop at ``i`` ends an abbreviation or initial ('U.S.', 'Corp.', 'J.')."""
    if i == 0:
        return False
    before = words[i - 1]
    return len(before) == 1 or "." in before or before.lower() in _ABBREVIATIONS


def _is_modifier(word: str) -> bool:
    return word.islower() and (word in _MODIFIERS or (word.endswith("ly") and len(word) > 4))


def _is_title(low: str) -> bool:
    """'President', 'spokesman', 'Secretary-General', 'Vice-Chancellor'."""
    if low in _TITLES or low in _ROLES:
        return True
    parts = low.split("-")
    return len(parts) > 1 and all(part in _TITLES or part in _ROLES for part in parts)


def _joins(previous: str, low: str, following: str, in_org: bool = False) -> bool:
    """A lower-case word inside a name: 'van Gogh', 'Bank of England', 'Secretary of State',
    'Joint Committee on Transport and Housing' (inside an organisation's name)."""
    if low in _PARTICLES and following.lower() in _PARTICLES:
        return True
    if not _is_cap(following):
        return False
    if low in _PARTICLES or (low == "for" and _is_cap(previous)):
        return True  # 'van der Berg'; 'Doctors for Camp Closure' (people are 'of' places)
    if in_org and low in _CONNECTORS:
        return given_name(following) == "unknown"  # not 'the Ministry and Ana Ruiz'
    return low in _CONNECTORS and (previous.lower() in _ORG_NOUNS or previous.lower() in _TITLES)


@functools.lru_cache(maxsize=8192)
def _classified(words: tuple[str, ...]) -> tuple[str | None, str, tuple[str, ...] | None]:
    """(kind, name, roles) of a run of capitalised words; None: left as the chunk had it.
    Memoised: a function of the words alone (and fixed tables), and names recur."""
    kind: str | None = None
    roles: tuple[str, ...] | None = None
    lows = [w.lower().rstrip(".") for w in words]
    # A title word last, after a name, is a surname: 'Ken Doctor', 'Anna King'.
    titled = [
        _is_title(low) and not (0 < k == len(lows) - 1 and not _is_title(lows[k - 1]))
        for k, low in enumerate(lows)
    ]
    title_at = max((k for k, t in enumerate(titled) if t), default=-1)
    tail = lows[title_at + 1 :]
    if 0 <= title_at < len(words) - 1 and not any(low in _ORG_NOUNS for low in tail):
        kind = "person"
        named = words[title_at + 1 :]
        cut = max((k + 1 for k, w in enumerate(named) if w in _CONNECTORS), default=0)
        if cut:  # 'Director of Public Prosecution Eva-Marie Persson': after the office
            named = named[cut:]
            given = _given_name_at(["", *named]) - 1 if len(named) > 1 else -1
            if given < 0:
                kind, named = "name", words  # 'Vice President of Sales for X'
            else:
                named = named[given:]
        name = " ".join(named)
        roles = tuple(low for low in lows[: title_at + 1] if low in _ROLES)
    elif any(low in _ORG_NOUNS for low in lows) or (
        len(words) == 1 and len(words[0]) > 1 and words[0].replace(".", "").isupper()
    ):
        kind = "org"
        name = " ".join(words)
    elif (
        len(words) >= 2
        and lows[0] not in _NATIONALITIES
        and not any(t for t in titled)
        and (
            not any(low in _PLACE_WORDS for low in lows)
            # 'Fiona Hill', 'Linda Park': a first name makes the place word a surname
            or (
                given_name(words[0]) != "unknown"
                and lows[-1] in _PLACE_WORDS
                and not any(low in _PLACE_WORDS for low in lows[:-1])
            )
        )
    ):
        # Two capitalised words may be a person or a thing; a known first name decides.
        kind = "person" if _looks_like_a_person(words) else "name"
        name = " ".join(words)
    else:
        name = " ".join(w for w, t in zip(words, titled, strict=True) if not t) or " ".join(words)
    return kind, name, roles


def _classify(chunk: _Chunk) -> None:
    kind, chunk.name, roles = _classified(tuple(chunk.words))
    if kind is not None:
        chunk.kind = kind
    if roles is not None:
        chunk.roles = roles


@functools.lru_cache(maxsize=8192)
def _shaped(run: tuple[str, ...], label: bool) -> tuple[int, str, str, tuple[str, ...]]:
    """(words dropped from its front, kind, name, roles) of a run of capitalised words;
    ``label``: its first word is a label ('Harbourmaster Idris Fenwick-Lowe').
    Memoised: a function of the words alone (and fixed tables), and names recur."""
    chunk = _Chunk(0, 0, list(run), False)
    _classify(chunk)
    skip = 0
    if label:
        chunk.words, chunk.name = chunk.words[1:], " ".join(run[1:])
        skip = 1
        _classify(chunk)
    given = _given_name_at(chunk.words)
    if given:  # 'envoy to Ukraine Kurt Volker': the name starts at 'Kurt'
        skip += given
        chunk.words = chunk.words[given:]
        chunk.name = " ".join(chunk.words)
        _classify(chunk)
    elif chunk.kind == "person":
        parts = chunk.name.split()
        given = _given_name_at(parts)
        if given:  # 'Miss Universe Ana Ruiz': the title's tail is not her name
            chunk.name = " ".join(parts[given:])
    return skip, chunk.kind, chunk.name, chunk.roles


class _Names:
    """What the article says about its people and organisations."""

    def __init__(self) -> None:
        self.known_caps: set[str] = set()  # capitalised somewhere mid-sentence
        self.lower_words: set[str] = set()
        self.surnames: dict[str, str] = {}
        self.firsts: dict[str, str | None] = {}  # None: ambiguous
        self.roles: dict[str, str] = {}
        self.orgs: dict[str, str] = {}
        self.org_heads: dict[str, str] = {}  # first word -> the organisation's whole name
        self.genders: dict[str, str] = {}  # full name -> "he" | "she", from 'Mr', 'Ms'
        self.pronoun_genders: dict[str, str] = {}  # from the article's own pronouns

    def is_surely(self, pronoun: str, entity: _Entity) -> bool:
        """Whether ``he``/``she`` is known to fit this person (unknown does not count)."""
        return pronoun in ("he", "she") and self.gender(entity) == pronoun

    def gender(self, entity: _Entity) -> str | None:
        parts = entity.name.split()
        if entity.kind != "person" or not parts:
            return None
        found = given_name(parts[0])
        return (
            self.genders.get(entity.name)  # 'Ms Ruiz'
            or (PRONOUN_OF.get(found) if not found.startswith("mostly") else None)  # 'Mary'
            or self.pronoun_genders.get(entity.name)  # 'Swift said her …'
            or PRONOUN_OF.get(found)  # 'Taylor' (mostly male)
        )

    def may_be(self, pronoun: str, entity: _Entity) -> bool:
        """Whether ``he`` or ``she`` can stand for this person (an unknown gender can)."""
        if pronoun not in ("he", "she"):
            return True
        gender = self.gender(entity)
        return gender is None or gender == pronoun

    # -- chunking --------------------------------------------------------

    def _name_word(self, words: Sequence[str], i: int, initial: bool) -> bool:
        word = words[i]
        if not word[:1].isupper():  # _is_cap, inlined: called for every capital
            return False
        low = word.lower()
        if low in _NOT_NAMES or low in _SPEECH_VERBS:
            return False
        if low in _COMMON and not (low in _TITLES and not initial):
            return False
        if initial:
            if low in self.lower_words:
                return False
            nxt = words[i + 1] if i + 1 < len(words) else ""
            return word in self.known_caps or (
                _is_cap(nxt) and nxt.lower() not in _COMMON and nxt.lower() not in _SPEECH_VERBS
            )
        return True

    def chunks(
        self, words: Sequence[str], initial_at: int = 0, capitals: Iterable[int] | None = None
    ) -> list[_Chunk]:
        """Capitalised runs of ``words``; ``initial_at`` is the sentence's first token.

        ``capitals``: the indices of the words that start with a capital, in order, when
        the caller has them already.
        """
        found: list[_Chunk] = []
        i, n = 0, len(words)
        # A name starts with a capital: most words are not even looked at.
        if capitals is None:
            capitals = compress(count(), map(str.isupper, map(itemgetter(0), words)))
        for capital in capitals:
            if capital < i:
                continue  # inside the run before
            i = capital
            if i == initial_at:
                if not self._name_word(words, i, True):
                    continue  # (so the run below need not ask again of its first word)
            elif words[i].lower() in _NOT_IN_RUN:  # _name_word, past the first word
                continue
            start, possessive = i, False
            run: list[str] = []
            at: list[int] = []  # the token index of each word of ``run``
            while i < n:
                word = words[i]
                low = word.lower()
                # _joins holds only of a particle or a connector; 'in_org': a word of the
                # run so far is an organisation's noun
                if (
                    run
                    and low in _TRAILING
                    and _joins(
                        run[-1],
                        low,
                        words[i + 1] if i + 1 < n else "",
                        any(w.lower() in _ORG_NOUNS for w in run),
                    )
                ):
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
                    run.append(words[i + 1])  # 'Coach (Frank) Vogel': the name, unbracketed
                    at.append(i + 1)
                    i += 3
                    continue
                elif (
                    not run  # its first word: asked above
                    or (
                        word[:1].isupper()  # _name_word, or a capital that is no common word
                        and low not in (_NOT_FIRST if i == initial_at else _NOT_IN_RUN)
                    )
                ):
                    if len(word) > 2 and word.endswith(_POSSESSIVE_ENDS):  # 'Smith's'
                        run.append(word[:-2] if word[-1] == "s" else word[:-1])
                        at.append(i)
                        possessive = True
                        i += 1
                        break
                    run.append(word)
                    at.append(i)
                    if i + 1 < n and words[i + 1] == ".":
                        dotted = ("." in word and len(word) <= 5) or low in _SUFFIXES  # 'U.S'
                        if len(word) == 1 or low in _TITLES or dotted:
                            i += 1  # "J." or "Dr.": an initial keeps its period, as written
                            if len(word) == 1 or dotted:
                                run[-1] = word + "."
                else:
                    break
                i += 1
            last = i - 1
            while run and run[-1].lower() in _TRAILING:
                run.pop()
                at.pop()
            if run:
                label = (
                    start == initial_at
                    and len(run) >= 3
                    and run[0] not in self.known_caps
                    and first_name_gender(run[0]) is None
                    and not any(w.lower() in _ORG_NOUNS for w in run)  # 'Hollis Marine Institute'
                )
                skip, kind, name, roles = _shaped(tuple(run), label)
                found.append(_Chunk(at[skip], last, run[skip:], possessive, kind, name, roles))
        for before, after in zip(found, found[1:], strict=False) if len(found) > 1 else ():
            # "Kremlin spokesman Dmitry Peskov": the first name is who they work for
            if after.first == before.last + 2 and words[before.last + 1] in _ROLES:
                before.kind = "org"
        for chunk in found:
            # 'coach Halvard Quist': a job makes two capitalised words a person's name
            if (
                chunk.kind == "name"
                and len(chunk.words) >= 2
                and chunk.first > 0
                and (
                    words[chunk.first - 1] in _ROLES
                    # 'The shop's new owner, Caitríona O'Neill, is …'
                    or (
                        chunk.first > 1
                        and words[chunk.first - 1] == ","
                        and words[chunk.first - 2] in _ROLES
                    )
                )
            ):
                chunk.kind = "person"
        return found

    # -- tables ----------------------------------------------------------

    def learn(self, chunk: _Chunk, role_before: str | None) -> None:
        """Record a full name or organisation the first time the article uses it."""
        if chunk.kind == "person":
            honorific = _HONORIFICS.get(chunk.words[0].lower().rstrip("."))
            parts = chunk.name.split()
            surname = parts[-1]
            if surname.lower().rstrip(".") in _SUFFIXES and len(parts) > 2:
                surname = parts[-2]
            if len(parts) == 1:
                self.surnames.setdefault(surname, chunk.name)  # 'Prince Andrew' -> 'Andrew'
            if len(parts) >= 2:
                self.surnames.setdefault(surname, chunk.name)
                first = parts[0]
                if self.firsts.get(first, chunk.name) != chunk.name:
                    self.firsts[first] = None
                else:
                    self.firsts[first] = chunk.name
            for role in (*chunk.roles, *([role_before] if role_before else [])):
                self.roles.setdefault(role, self.surnames.get(surname, chunk.name))
            if honorific:
                self.genders.setdefault(self.surnames.get(surname, chunk.name), honorific)
        elif chunk.kind == "org":
            for low in reversed([w.lower() for w in chunk.words]):
                if low in _ORG_NOUNS:
                    self.orgs.setdefault(low, chunk.name)
                    break
            if len(chunk.words) >= 2 and chunk.words[0].lower() not in _ORG_NOUNS:
                self.org_heads.setdefault(chunk.words[0], chunk.name)  # 'GateHouse'
        elif 2 <= len(chunk.words) <= 3 and all(_is_cap(w) for w in chunk.words):
            # Perhaps a person whose first name the table lacks: 'Figgins' -> 'Montell Figgins'
            self.surnames.setdefault(chunk.words[-1], chunk.name)

    def entity(self, chunk: _Chunk) -> _Entity:
        """The chunk as a speaker: short names expanded to the full first mention."""
        if chunk.kind == "org":
            return _Entity(chunk.name, "org")
        parts = chunk.name.split()
        if len(parts) == 1:
            word = parts[0]
            if word in self.surnames:
                return _Entity(self.surnames[word], "person")
            first = self.firsts.get(word)
            if first:
                return _Entity(first, "person")
            if word in self.org_heads:
                return _Entity(self.org_heads[word], "org")
            return _Entity(word, "person" if chunk.kind == "person" else "name")
        if parts[-1] in self.surnames:
            full = self.surnames[parts[-1]]
            if full.endswith(" " + chunk.name):  # "Mr Putin" -> "Vladimir Putin"
                return _Entity(full, "person")
        return _Entity(chunk.name, chunk.kind)

    def common_noun(self, words: Sequence[str], j: int) -> _Entity | None:
        """'the institute' / 'the Russian president' -> the one the article introduced."""
        low = words[j].lower()
        if not words[j].islower() or (
            low not in _ORG_NOUNS and low not in _ROLES and low not in self.roles
        ):
            return None
        for k in range(j - 1, max(-1, j - 5), -1):
            det = words[k].lower()
            if det in ("a", "an", "one", "another"):
                return None
            if det == "the":
                if low in _ORG_NOUNS and low in self.orgs:
                    return _Entity(self.orgs[low], "org")
                if low in self.roles:
                    return _Entity(self.roles[low], "person")
                return None
            if not _is_cap(words[k]) and not words[k].islower() and words[k][0] != _SENTINEL:
                return None
        return None


@dataclass(slots=True)
class _Event:
    """Someone became the topic at (block, offset): used to resolve pronouns."""

    where: tuple[int, int]
    entity: _Entity
    others: list[_Entity] = field(default_factory=list)  # the sentence's other people
    opens: bool = False  # the sentence begins with this name: its subject, surely


class _Article:
    """Narrative of a document with everything attribution needs, built once."""

    def __init__(
        self, doc: Document, spans: list[_Span], blocks: Sequence[Block], texts: list[str]
    ) -> None:
        """``texts``: each block's text, as its blocks give it."""
        self.kinds = [block.kind for block in blocks]
        self.attributions = [block.attribution for block in blocks]
        self.texts = texts
        self.masked = _mask(self.texts, spans)
        ending: dict[int, list[_Span]] = {}  # each block's, not every span for every block
        for span in spans:
            if not span.depth:
                ending.setdefault(span.last_block, []).append(span)
        self.starts = [_sentence_starts(m, ending.get(bi, ())) for bi, m in enumerate(self.masked)]
        self.tokens = [_tokens(m) for m in self.masked]
        self.names = _Names()
        self.events: list[_Event] = []
        self.mentions: list[tuple[tuple[int, int], _Entity]] = []  # organisations, in order
        self._raw: dict[int, tuple[list[int], list[str]]] = {}
        self.spans = spans
        self._learn()
        self._learn_quoted(spans)
        self._learn_headline(doc.title)

    def raw_tokens(self, bi: int) -> tuple[list[int], list[str]]:
        """Tokens of the unmasked text, for quotes nested inside quotes."""
        if bi not in self._raw:
            self._raw[bi] = _tokens(self.texts[bi])
        return self._raw[bi]

    def _sentences(self, bi: int) -> list[tuple[int, int]]:
        """Token index ranges of each sentence of block ``bi``."""
        positions = self.tokens[bi][0]
        starts = self.starts[bi]
        if len(starts) == 1:  # one sentence: the whole block
            return [(0, len(positions))] if positions else []
        found = []
        lo = 0
        for boundary in [*starts[1:], len(self.masked[bi]) + 1]:
            hi = bisect_left(positions, boundary, lo)
            if hi > lo:
                found.append((lo, hi))
            lo = hi
        return found

    def _learn(self) -> None:
        names = self.names
        narrative = [bi for bi, kind in enumerate(self.kinds) if kind != "heading"]
        sentences = [self._sentences(bi) for bi in narrative]
        vocabulary: set[str] = set()
        for bi in narrative:  # whole blocks at C speed: their sentences partition them
            vocabulary.update(self.tokens[bi][1])
        # each distinct word asked once whether it is capitalised, then looked up
        distinct = list(vocabulary)
        capital = set(compress(distinct, map(str.isupper, map(itemgetter(0), distinct))))
        capitals = [  # each block's capitals, in order
            list(compress(count(), map(capital.__contains__, self.tokens[bi][1])))
            for bi in narrative
        ]
        for bi, ranges, caps in zip(narrative, sentences, capitals, strict=True):
            words = self.tokens[bi][1]
            firsts = {lo for lo, _ in ranges}
            names.known_caps.update(
                words[i] for i in caps if i not in firsts and words[i - 1] not in ("\u2014", ":")
            )
        names.lower_words.update(filter(str.islower, vocabulary))

        found: list[tuple[int, int, list[str], list[_Chunk]]] = []
        for bi, ranges, caps in zip(narrative, sentences, capitals, strict=True):
            words = self.tokens[bi][1]
            a = 0
            for lo, hi in ranges:
                sentence = words[lo:hi]
                b = bisect_left(caps, hi, a)
                if a == b:  # no capital: no name
                    found.append((bi, lo, sentence, []))
                    continue
                chunks = names.chunks(sentence, 0, [c - lo for c in caps[a:b]] if lo else caps[a:b])
                a = b
                for chunk in chunks:
                    before = sentence[chunk.first - 1].lower() if chunk.first else ""
                    described = before in _ROLES or (chunk.kind == "person" and _describes(before))
                    names.learn(chunk, before if described else None)  # 'actor James Van Der Beek'
                found.append((bi, lo, sentence, chunks))
        # Who a sentence is about is looked up only before a quotation: the last one's
        # start is as far as topics are needed.
        reach = max(((s.block, s.start) for s in self.spans if not s.depth), default=(-1, 0))
        for bi, lo, sentence, chunks in found:
            if (bi, self.tokens[bi][0][lo]) >= reach:
                break
            if chunks:
                self._topics(bi, lo, sentence, chunks)
        self.mention_keys = [where for where, _ in self.mentions]
        self._learn_genders(found)

    def _learn_genders(self, found: list[tuple[int, int, list[str], list[_Chunk]]]) -> None:
        """'he' or 'she' for a person from the article's own pronouns: sentences naming
        only them ('Swift said her label …'). Outweighs the first-name table, not 'Ms'."""
        tally: dict[str, list[int]] = {}
        for _, _, sentence, chunks in found:
            if not chunks or _GENDERED.isdisjoint(sentence):
                continue
            people = {
                self.names.entity(c).name
                for c in chunks
                if c.kind == "person" or self.names.entity(c).kind == "person"
            }
            if len(people) != 1:
                continue
            he = sum(w.lower() in _HE_WORDS for w in sentence)
            she = sum(w.lower() in _SHE_WORDS for w in sentence)
            counts = tally.setdefault(people.pop(), [0, 0])
            counts[0] += he
            counts[1] += she
        for name, (he, she) in tally.items():
            if he > 2 * she:
                self.names.pronoun_genders[name] = "he"
            elif she > 2 * he:
                self.names.pronoun_genders[name] = "she"

    def _learn_quoted(self, spans: Sequence[_Span]) -> None:
        """Full names the quotations give ('Coach (Frank) Vogel came in'): for expanding
        a 'Vogel said' later, never as speakers. The narrative's own mentions win."""
        budget = _QUOTED_NAMES_BUDGET  # characters read: hostile text holds thousands
        for span in spans:
            if budget <= 0:
                break
            if span.depth == 0 and span.text[1:] != span.text[1:].lower():
                text = span.text[:budget]
                budget -= len(text)
                for chunk in self.names.chunks(_tokens(text)[1], -1):
                    if chunk.kind == "person" and len(chunk.name.split()) >= 2:
                        chunk.roles = ()  # 'the coach said' must not find a name quoted
                        self.names.learn(chunk, None)

    def _learn_headline(self, title: str) -> None:
        """Full names the headline gives ('Clinton' in the body is its 'Hillary Clinton').

        Learned after the body, which wins; a headline in Title Case is all capitals, so
        its runs are not names.
        """
        words = _tokens(_QUOTED.sub(" ", title))[1]
        longer = [w for w in words if len(w) > 3 and w.isalpha()]
        if not longer or sum(_is_cap(w) for w in longer) > len(longer) / 2:
            return
        for chunk in self.names.chunks(words):
            if chunk.kind == "person" and not chunk.possessive:
                self.names.learn(chunk, None)

    def _topics(self, bi: int, lo: int, sentence: list[str], chunks: list[_Chunk]) -> None:
        """The first person and organisation a sentence is about (not 'with Putin')."""
        seen: set[str] = set()
        positions = self.tokens[bi][0]
        first_person: _Event | None = None
        people: list[_Entity] = []
        for chunk in chunks:
            before = sentence[chunk.first - 1].lower() if chunk.first else ""
            if chunk.kind != "person" and " " in chunk.name:
                where = (bi, positions[lo + chunk.first])
                self.mentions.append((where, _Entity(chunk.name, "org")))
            entity = named = self.names.entity(chunk)
            if named.kind == "person":
                people.append(named)  # 'his editor Teresa …', 'Taylor Swift's albums' for a 'she'
            if chunk.possessive or before in _PREPOSITIONS:
                continue
            if entity.kind == "name" and chunk.first == 0 and " " in entity.name:
                entity = _Entity(entity.name, "person")  # 'Montell Figgins, who …, said'
            elif entity.kind == "name" and " " in entity.name and before != "the":
                entity = _Entity(entity.name, "org")  # 'Big Machine': what 'it said' may be
            kind = "person" if entity.kind == "person" else "org"
            if entity.kind == "name" or kind in seen:
                continue
            seen.add(kind)
            self.events.append(
                _Event((bi, positions[lo + chunk.first]), entity, [], chunk.first == 0)
            )
            if kind == "person":
                first_person = self.events[-1]
        if first_person is not None:
            first_person.others = [p for p in people if p.name != first_person.entity.name]
