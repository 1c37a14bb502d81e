"""Pass 3, the rules: who a window of narrative beside a quotation says spoke it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reader.core.analysis.quotes.names import (
    _COORD,
    _DETERMINERS,
    _UNNAMED,
    _abbreviated,
    _Chunk,
    _Entity,
    _Found,
    _is_cap,
    _is_modifier,
    _is_verb,
    _is_word,
    _Names,
    _The,
)
from reader.core.analysis.quotes.words import (
    _AGED,
    _BE,
    _COORDINATORS,
    _LABEL,
    _NAMING,
    _ORG_NOUNS,
    _PARTICIPLES,
    _PHRASAL,
    _POSSESSIVE,
    _POSSESSIVES,
    _PREPOSITIONS,
    _PRONOUNS,
    _RELATIVES,
    _ROLES,
    _SENTINEL,
    _SPEECH_VERBS,
    _TITLE_NOUNS,
    _TITLE_WORD,
    _TOLD,
    _VERB_AFTER_A_QUOTE,
    _WHEN,
    _describes,
)


@dataclass(slots=True)
class _Window:
    """Tokens of the narrative on one side of a quote, with its chunks."""

    words: list[str]
    names: _Names
    initial: int  # index of a sentence-initial token, or -1
    where: tuple[int, list[int]] = (0, [])  # the block, and each token's offset in it
    _chunks: list[_Chunk] | None = None

    def pronoun_at(self, pronoun: str, last: bool) -> tuple[int, int] | None:
        """Where the window says ``pronoun`` (its last or first use): what it refers back from."""
        block, positions = self.where
        order = range(len(self.words) - 1, -1, -1) if last else range(len(self.words))
        for k in order:
            if self.words[k].lower() == pronoun and k < len(positions):
                return block, positions[k]
        return None

    @property
    def chunks(self) -> list[_Chunk]:
        if self._chunks is None:
            self._chunks = self.names.chunks(self.words, self.initial)
        return self._chunks

    def _local(self, lo: int, hi: int) -> list[_Chunk]:
        """Chunks of words[lo:hi] only: a name is a few words, so look no further."""
        if self._chunks is not None:
            return self._chunks
        lo, hi = max(0, lo), min(len(self.words), hi)
        initial = self.initial - lo if self.initial >= lo else -1
        found = self.names.chunks(self.words[lo:hi], initial)
        for chunk in found:
            chunk.first += lo
            chunk.last += lo
        return found

    def chunk_ending(self, j: int) -> _Chunk | None:
        for chunk in self._local(j - 10, j + 2):
            if chunk.last == j or (chunk.last == j + 1 and self.words[j + 1] == "."):
                return chunk
        return None

    def chunk_starting(self, i: int) -> _Chunk | None:
        for chunk in self._local(i - 6, i + 12):
            if chunk.first == i:
                return chunk
        return None


def _skip_left(words: Sequence[str], j: int) -> int:
    """Step left over adverbs, times and a parenthesis: 'the CBI (UK) on Sunday also said'."""
    while j >= 0:
        low = words[j].lower()
        if (
            _is_modifier(words[j])
            or low in _WHEN
            or (
                low in ("on", "last", "this", "in")
                and j + 1 < len(words)
                and words[j + 1].lower() in _WHEN
            )
        ):
            j -= 1
        elif words[j] == ")":
            k = j - 1
            while k >= 0 and j - k < 10 and words[k] != "(":
                k -= 1
            if k < 0 or words[k] != "(":
                return j
            j = k - 1
        else:
            return j
    return j


def _subject_left(win: _Window, v: int, after_preposition: bool = False) -> tuple[_Found, int]:
    """Who does verb ``v``, reading leftwards: 'Putin (also) said', 'Peskov, ..., said'.

    Returns (_COORD, -1) for 'and said' / 'but emphasized', whose subject is earlier,
    and (_UNNAMED, -1) for 'a spokesperson said'. The int is where the subject starts.
    """
    words = win.words
    j = _skip_left(words, v - 1)
    if j < 0:
        return None, -1
    word = words[j]
    low = word.lower()
    if low in _PRONOUNS:
        return low, j
    if low in _RELATIVES and j > 0 and words[j - 1] == ",":
        return _appositive_subject(win, j - 1)
    if word == ",":
        return _appositive_subject(win, j)
    if low in _COORDINATORS:
        return _COORD, -1
    return _noun_phrase_ending(win, j, after_preposition)


def _noun_phrase_ending(
    win: _Window, j: int, after_preposition: bool = False
) -> tuple[_Found, int]:
    """The speaker named by the words ending at ``j``, if they name one."""
    words = win.words
    if words[j] == "." and j > 0:
        j -= 1  # 'Nimbus Corp. said'
    chunk = win.chunk_ending(j)
    if chunk is not None:
        if chunk.possessive:
            return _UNNAMED, -1
        p = chunk.first - 1
        article = p >= 0 and words[p].lower() == "the"
        if article:
            p -= 1
        if p >= 0 and words[p].lower() in _PREPOSITIONS and not after_preposition:
            # 'Lund of the Karolinska Institute said' / 'analysts at Goldman Sachs said'
            head = win.chunk_ending(p - 1) if p >= 1 else None
            if head is not None and not head.possessive:
                return win.names.entity(head), head.first
            return _UNNAMED, -1
        return win.names.entity(chunk), chunk.first - 1 if article else chunk.first
    if _AGED.fullmatch(words[j]) and j > 0 and words[j - 1].lower() == "the":
        return "he", j - 1  # resolved like a pronoun, to the person last in view
    noun = win.names.common_noun(words, j)
    if noun is not None:
        k = j
        while k > 0 and words[k].lower() != "the":
            k -= 1
        return noun, k
    if words[j].isalpha() and words[j].islower() and words[j] not in _RELATIVES:
        the = _after_the(words, j)
        if the >= 0:
            return _The(_described(words[the + 1 : j + 1])), -1  # 'the “Pose” actor said'
        return _UNNAMED, -1  # 'a spokesperson said', 'police said'
    return None, -1


def _after_the(words: Sequence[str], j: int) -> int:
    """Where 'the' is when words ``..j`` are it and a few describing words ('the “Pose”
    actor'); -1 when they are not."""
    for k in range(j - 1, max(-1, j - 4), -1):
        if words[k].lower() == "the":
            return k if k == 0 or not words[k - 1].isalpha() else -1  # not 'of the actor'
        if not (_describes(words[k]) or words[k][0] == _SENTINEL):
            return -1
    return -1


def _described(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w.lower() for w in words if w.isalpha())


def _appositive_subject(win: _Window, j: int) -> tuple[_Found, int]:
    """'Peskov, the Kremlin spokesman, said' / 'The manager, Rafe Dunmore, said'."""
    words = win.words
    k = j - 1
    while k >= 0 and words[k] != "," and j - k < 25 and words[k][0] != _SENTINEL:
        k -= 1
    if k <= 0 or words[k] != ",":
        return _COORD, -1
    before, start = _noun_phrase_ending(win, k - 1)
    if isinstance(before, _Entity):
        return before, start
    inside = win.chunk_ending(j - 1)
    if inside is not None and inside.first == k + 1 and not inside.possessive:
        return win.names.entity(inside), inside.first
    inside = win.chunk_starting(k + 1)  # ', Owen Falk of Tidemark Capital,'
    if (
        inside is not None
        and not inside.possessive
        and inside.kind == "person"
        and inside.last + 1 < j
        and words[inside.last + 1].lower() in _PREPOSITIONS
    ):
        return win.names.entity(inside), inside.first
    if before is not None:
        return before, start
    return _COORD, -1


def _subject_right(win: _Window, v: int) -> _Found:
    """'said Putin', 'said Kremlin spokesman Dmitry Peskov', 'said the institute'."""
    words = win.words
    best: _Found = None
    j = v + 1
    if j < len(words) and _PHRASAL.get(words[v]) == words[j]:
        j += 1
    first = j
    stop = min(len(words), j + 12)
    described = 0  # lower-case words of a job description: 'veteran industry analyst'
    definite = False
    while j < stop:
        word = words[j]
        low = word.lower()
        if low in _PRONOUNS and j == first:
            return low
        chunk = win.chunk_starting(j)
        if chunk is not None:
            if not chunk.possessive:
                best = win.names.entity(chunk)
            j = chunk.last + 1
            described = 0
            continue
        if word.islower() and (low in _ROLES or low in _ORG_NOUNS or low in win.names.roles):
            best = win.names.common_noun(words, j) or best or (None if definite else _UNNAMED)
            described += best is None
        elif low in _DETERMINERS or (word.islower() and j + 1 < stop and words[j + 1] in _ROLES):
            best = best or (_UNNAMED if low != "the" else None)
            definite = definite or (low == "the" and j == first)
        elif _describes(word) and described < 4:
            described += 1
        elif low in _POSSESSIVES and j == first:
            definite = False  # 'according to his aunt, Jane Starner'
        elif low in _PREPOSITIONS and described and best in (None, _UNNAMED) and described < 8:
            described += 1  # 'said another witness in the impeachment probe, …'
        elif word == "," and described and best in (None, _UNNAMED):
            named = _appositive_name(win, j + 1)
            if named is not None:
                return named  # '…, said her editor, Teresa Nielsen Hayden'
            break
        elif not (word == "." and j > 0 and len(words[j - 1]) == 1):
            break
        j += 1
    if best is None and definite and described:
        return _The(_described(words[first + 1 : j]))  # 'said the production company'
    return best


def _shares_a_stem(words: Sequence[str], name: str) -> bool:
    """'production' and 'Productions', 'doctors' and 'Doctors for Camp Closure'."""
    named = [w.lower() for w in name.split() if len(w) >= 4]
    return any(
        w[:5] == n[:5] and (w.startswith(n) or n.startswith(w))
        for w in words
        if len(w) >= 4
        for n in named
    )


def _appositive_name(win: _Window, k: int) -> _Entity | None:
    """The person named after a description's comma: ', former White House adviser
    Fiona Hill' (the last name before the phrase ends)."""
    words = win.words
    found: _Entity | None = None
    stop = min(len(words), k + 10)
    while k < stop:
        chunk = win.chunk_starting(k)
        if chunk is not None:
            if chunk.possessive:
                return None
            found = win.names.entity(chunk)
            k = chunk.last + 1
        elif _describes(words[k]):
            k += 1
        else:
            break
    return found if found is not None and found.kind == "person" else None


def _sentence_subject(win: _Window, before: int) -> _Found:
    """First named, non-possessive chunk not governed by a preposition."""
    words = win.words
    start = 0
    if win.initial == 0 and words and words[0].lower() in _PREPOSITIONS and "," in words[:before]:
        start = words.index(",") + 1  # 'In his initial Instagram announcement, Van Der Beek …'
    for chunk in win.chunks:
        if chunk.first >= before:
            break
        prev = words[chunk.first - 1].lower() if chunk.first else ""
        if chunk.first >= start and not chunk.possessive and prev not in _PREPOSITIONS:
            return win.names.entity(chunk)
    for j in range(min(before, len(win.words))):
        if win.words[j].lower() in _PRONOUNS:
            return win.words[j].lower()
    return None


def _earlier_verb_subject(win: _Window, v: int) -> _Found:
    """'Putin stated ... but emphasized': the subject of an earlier speech verb."""
    for u in range(v - 1, -1, -1):
        if _is_verb(win.words, u):
            return _verb_subject(win, u)
    return _sentence_subject(win, v)


def _verb_subject(win: _Window, v: int) -> _Found:
    """Subject of speech verb ``v`` in a pre-quote window."""
    words = win.words
    if words[v] in _PARTICIPLES:
        subject, _ = _subject_left(win, v, after_preposition=True)  # 'with Bailey warning'
        if isinstance(subject, _Entity) or subject in _PRONOUNS:
            return subject
        return _earlier_verb_subject(win, v)
    subject, _ = _subject_left(win, v)
    opener = win.chunk_starting(0) if win.initial == 0 else None
    if (
        not isinstance(subject, _Entity)
        and subject not in _PRONOUNS
        and opener is not None
        and opener.kind == "person"
        and not opener.possessive
        and opener.last + 1 < v
        and win.words[opener.last + 1] == ","
    ):
        return win.names.entity(opener)  # 'Omar Lamrani, a senior analyst at X, told …'
    if subject == _COORD:
        return _earlier_verb_subject(win, v)
    if subject is None and all(not _is_word(w) for w in words[:v]):
        return _subject_right(win, v)  # ', said Okafor, “…”'
    return subject


def _only_labels(words: Sequence[str], i: int, start: int) -> bool:
    """Between the quote and its subject only labels: 'the', 'board member', 'club coach'."""
    if start < i or start - i > 5:
        return False
    return all(
        _LABEL.fullmatch(w) is not None
        and w.lower() not in _COORDINATORS
        and w.lower() not in _SPEECH_VERBS
        and w.lower() not in _PRONOUNS
        for w in words[i:start]
    )  # 'the 14th-ranked', 'Oklahoma City coach'


def _ends_sentence(words: Sequence[str], v: int) -> bool:
    """Nothing but a few words of circumstance follow verb ``v``: '…, she said on Tuesday.'"""
    rest = [w for w in words[v + 1 :] if _is_word(w)]
    return len(rest) <= 8 and not any(w[0] == _SENTINEL for w in words[v + 1 :])


def _attribute_after(win: _Window) -> _Found:
    """'“…,” Putin said' / '“…,” said Putin' / '“…,” according to Peskov' / '“…” — Putin'."""
    words = win.words
    i = 0
    dash = False
    while i < len(words) and not _is_word(words[i]) and words[i][0] != _SENTINEL:
        dash = dash or words[i] in ("\u2014", "\u2013", "-")
        i += 1
    if i >= len(words) or words[i][0] == _SENTINEL:
        return None
    if _is_verb(words, i) or words[i] in _VERB_AFTER_A_QUOTE:
        return _subject_right(win, i)
    if words[i].lower() == "according" and i + 1 < len(words) and words[i + 1] == "to":
        return _subject_right(win, i + 1)
    named = win.chunk_starting(i) if _is_cap(words[i]) else None
    if dash and named is not None and all(not _is_word(w) for w in words[named.last + 1 :]):
        return win.names.entity(named)
    appositive = (
        named is not None
        and not named.possessive
        and named.kind != "org"
        and named.last + 1 < len(words)
        and words[named.last + 1] == ","
    )
    for v in range(i, min(len(words), i + 30)):
        if words[v][0] == _SENTINEL or words[v] in ("!", "?", ";"):
            break
        if words[v] == "." and not _abbreviated(words, v):
            break
        if _is_verb(words, v):
            subject, start = _subject_left(win, v)
            if (
                appositive
                and named is not None
                and (named.kind == "person" or not isinstance(subject, _Entity))
            ):
                return win.names.entity(named)  # '“…” Ana Ruiz, a research analyst at X told'
            if v > i and words[v - 1] == "," and words[v] not in _TOLD:
                named_after = _subject_right(win, v)
                if isinstance(named_after, _Entity) and named_after.kind == "person":
                    return named_after  # '“…” despite being an envoy, said Fiona Hill.'
            if (subject == _UNNAMED or isinstance(subject, _The)) and v - i <= 5:
                return subject
            if (
                subject not in (None, _COORD, _UNNAMED)
                and not isinstance(subject, _The)
                and (
                    _only_labels(words, i, start)
                    or (start > i and words[start - 1] == "," and _ends_sentence(words, v))
                )
            ):
                return subject  # '“We acted within the rules” of the charter, Ruiz said.'
            break
    return None


def _attribute_before(win: _Window) -> _Found:
    """'Peskov stated: “…”' / 'the institute said in a statement that “…”'."""
    words = win.words
    for v in range(len(words) - 1, -1, -1):
        word = words[v]
        if word.lower() == "according" and v + 1 < len(words) and words[v + 1] == "to":
            return _subject_right(win, v + 1)
        if _is_verb(words, v) or word in _PARTICIPLES:
            return _verb_subject(win, v)
    # 'Putin: “…”', the interview-transcript form
    if len(words) >= 2 and words[-1] == ":":
        chunk = win.chunk_ending(len(words) - 2)
        if chunk is not None and chunk.first == 0:
            return win.names.entity(chunk)
        # 'Wierzbicki was more modest: “…”': a whole sentence about a person leads in
        if win.initial == 0:
            subject = _sentence_subject(win, len(words) - 1)
            if isinstance(subject, _Entity) and subject.kind == "person":
                return subject
            if words[0].lower() in ("he", "she"):
                return words[0].lower()
    return None


def _is_title_text(text: str) -> bool:
    """“Broken Promises”, “War & Peace”, “factcheckUK”: short, capitalised, not shouted."""
    if text.rstrip()[-1:] in ("!", "?") or text.isupper() or ". " in text.strip():
        return False  # 'NO!' is shouted; 'Fog. Always fog.' is two sentences
    if " " not in text.strip() and any(c.isupper() for c in text.strip()[1:]):
        return True  # one word with capitals inside: a handle, a brand
    words = _TITLE_WORD.findall(text)
    if len(words) > 8 or len(words) < 2:
        return False
    long_words = [w for w in words if len(w) > 3]
    return (
        bool(long_words)
        and all(w[0].isupper() for w in long_words)
        and sum(w[0].isupper() for w in words) >= 2
    )


def _names_it(win: _Window) -> bool:
    """The quote is a title or a name: 'a report titled “…”', 'the film “…”'."""
    if win.words[-1:] == [":"]:
        return False  # 'he wrote in the guest book: “…”' introduces speech
    last = win.words[-1] if win.words else ""
    if len(last) > 2 and _is_cap(last) and _POSSESSIVE.search(last):
        return True  # 'CNN's “State of the Union”', 'Putin's “special operation”'
    words = [w for w in win.words[-4:] if _is_word(w)]
    tail = [w.lower() for w in words[-3:]]
    if any(w in _NAMING for w in tail):
        return True
    if len(tail) >= 2 and tail[-2:] == ["known", "as"]:
        return True
    if any(w in _BE for w in tail[:-1]) and tail[-1] in ("called", "termed", "used"):
        return True  # 'HP is called “feather duvet lung”', 'the term often used is'
    return bool(tail) and tail[-1] in _TITLE_NOUNS


def _modifies_a_noun(before: Sequence[str], after: Sequence[str]) -> bool:
    """'the “…” formula': between an article and its noun the quote names or labels."""
    return (
        bool(before)
        and before[-1].lower() in ("the", "a", "an")
        and bool(after)
        and _describes(after[0])
        and after[0] not in _COORDINATORS
    )


def _first_person_lead(words: Sequence[str]) -> bool:
    """The words leading into a nested quote make 'I' its speaker: 'I told myself:'."""
    for k in range(len(words) - 1, max(-1, len(words) - 25), -1):
        word = words[k]
        if word in (".", "!", "?") or word[0] == _SENTINEL:
            return False
        if word in ("I", "we", "We"):
            return True  # 'I told myself: ‘…’', 'we wound up with lines like: ‘…’'
        if word.lower() in ("he", "she", "they", "you") or (_is_cap(word) and k > 0):
            return False
    return False
