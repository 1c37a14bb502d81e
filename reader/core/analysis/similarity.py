"""Similar stories in the archive: the index that finds the same story, and its reasons.

Three sources feed the sidebar. The document itself (a lifted "Related" section and
its inline links), the feed entry's own links (enclosures, comments, rel=related),
and the local archive: stories sharing whole names and phrases that are rare in
this archive, reported within days of each other, each with a reason that quotes
what they share ("same day; also on Lindsay Lohan, Betty Ford Center").

Similarity is cheap by design: :func:`~reader.core.analysis.story_terms.index_terms`
runs once per article at analysis and keeps ~40 weighted terms in ``Article.terms``;
:class:`SimilarityIndex` keeps an inverted index over those so a query walks a few
short posting lists instead of the whole archive. The terms are display forms, so a
reason is written straight from the keys.

What makes the same story rather than the same subject:

- rarity: TF-IDF over this archive, so a name on every story counts for little;
- at least two shared terms: one shared name ("Coast Guard") is a subject;
- time: within days counts up to 1.6 times, months apart down to 0.65 times
  (undated articles are neither);
- hubs: an article naming very many people and places (a live blog, a list)
  matches everything a little, so its score is damped by how many it names;
- people: a surname shared by two stories that each give a different full name
  ("Chidi Okafor", "Ngozi Okafor") counts for nothing.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import islice

from reader.core.analysis.story_terms import is_entity, is_phrase

NO_DAY = -1  # an article without a publication date
HUB_NAMES = 20  # names an ordinary story holds at most; past that, scores are damped
MIN_SHARED = 2  # terms two stories must share to be suggested
Item = tuple[str, Mapping[str, float], int | None]  # article id, terms, day number


def day_number(published: str | None) -> int | None:
    """The proleptic day number of an ISO 8601 date (its first ten characters), or None."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def time_factor(days_apart: int | None) -> float:
    """How much closeness in time adds: 1.6 the same day, ~1.1 a week apart, 0.65 at
    six months or more; 1 when either date is unknown."""
    if days_apart is None:
        return 1.0
    apart = abs(days_apart)
    return (1.0 + 0.6 * math.exp(-apart / 4.0)) * (1.0 - 0.35 * min(1.0, apart / 180.0))


def hub_factor(names: int) -> float:
    """1 for an ordinary story; less for one that names more than ``HUB_NAMES``."""
    return 1.0 if names <= HUB_NAMES else math.sqrt(HUB_NAMES / names)


# --------------------------------------------------------------------------- index


class SimilarityIndex:
    """TF-IDF cosine similarity over stored ``Article.terms``, with an inverted index.

    A query walks only the posting lists of its strongest terms, skips lists longer
    than ``walk_cap`` (such common terms have a low idf anyway), then scores the best
    ``candidates`` exactly against every query term. Document norms depend on idf, so
    they are cached and recomputed when the archive has grown or shrunk by a tenth.

    Held compactly, for 100,000 articles of ~40 terms each: terms are numbered
    once, and each term's postings are two flat arrays (article slot, ascending;
    float32 weight). There is no per-article copy: a candidate's weight for a
    term is found by bisecting that term's slots. Most terms (a name in one
    story) have one posting, held inline in two flat arrays rather than in
    arrays of their own (~200 bytes a term less). A removed article leaves a
    dead slot that walks skip and that still counts in the document
    frequencies; slots are renumbered once a quarter are dead.
    """

    def __init__(
        self,
        items: Iterable[Item] = (),
        *,
        walk_cap: int = 2000,
        query_terms: int = 25,
        candidates: int = 200,
        pause: Callable[[], None] = lambda: None,
    ) -> None:
        self.walk_cap = walk_cap
        self.pause = pause  # called every few milliseconds of a long recount (norms)
        self.query_terms = query_terms
        self.candidates = candidates
        self._vocab: dict[str, int] = {}  # term -> term number
        self._words: list[str] = []  # term number -> term
        # term number -> article slots (ascending) and weights; None while the term has
        # one posting, which is then in _one_slot and _one_weight
        self._post_slots: list[array[int] | None] = []
        self._post_weights: list[array[float] | None] = []
        self._one_slot = array("I")
        self._one_weight = array("f")
        self._slots: dict[str, int] = {}  # article id -> slot
        self._ids: list[str | None] = []  # slot -> article id; None once removed
        self._norms = array("d")
        self._days = array("i")  # slot -> day number, NO_DAY when unknown
        self._names = array("H")  # slot -> how many names its terms hold (hubs)
        self._full_names: dict[str, list[int]] = {}  # "Okafor" -> numbers of "Chidi Okafor"...
        self._norm_size = 0
        for article_id, terms, day in items:
            self._insert(article_id, terms, day)
        self._refresh_norms()

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._slots

    def terms_of(self, article_id: str) -> dict[str, float]:
        """An article's terms, gathered from every posting list (a bisect per term)."""
        slot = self._slots.get(article_id)
        if slot is None:
            return {}
        found = {}
        one_slot, one_weight, weights_of = self._one_slot, self._one_weight, self._post_weights
        for number, slots in enumerate(self._post_slots):
            if slots is None:
                if one_slot[number] == slot:
                    found[self._words[number]] = one_weight[number]
                continue
            at = bisect_left(slots, slot)
            if at < len(slots) and slots[at] == slot:
                weights = weights_of[number]
                if weights is not None:
                    found[self._words[number]] = weights[at]
        return found

    def idf(self, term: str) -> float:
        """Smoothed idf; a term no stored article has counts as if one had it."""
        number = self._vocab.get(term)
        df = (self._df(number) if number is not None else 0) or 1
        return math.log(1.0 + len(self._ids) / df)

    def add(self, article_id: str, terms: Mapping[str, float], day: int | None = None) -> None:
        """Index an article, replacing what was indexed under the same id."""
        if article_id in self._slots:
            self.remove(article_id)
        slot = self._insert(article_id, terms, day)
        if self._stale():
            self._refresh_norms()
        else:
            self._norms[slot] = self._norm((t, w) for t, w in terms.items() if w > 0)

    def remove(self, article_id: str) -> None:
        """Forget an article; unknown ids are ignored."""
        slot = self._slots.pop(article_id, None)
        if slot is None:
            return
        self._ids[slot] = None
        if (len(self._ids) - len(self._slots)) * 4 > len(self._ids) + 100:
            self._compact()

    def similar(
        self,
        query: str | Mapping[str, float],
        k: int = 5,
        exclude: Iterable[str] = (),
        *,
        min_score: float = 0.0,
        day: int | None = None,
    ) -> list[tuple[str, float, str]]:
        """The ``k`` stored articles most like ``query``, as (id, score, reason), best first.

        ``query`` is a stored article id (never returned itself; its own day is used)
        or a terms mapping from :func:`index_terms` with the query's ``day``. A
        score is a TF-IDF cosine times :func:`time_factor` and :func:`hub_factor`.
        """
        skip = set(exclude)
        if isinstance(query, str):
            skip.add(query)
            terms: Mapping[str, float] = self.terms_of(query)
            slot = self._slots.get(query)
            if slot is not None and self._days[slot] != NO_DAY:
                day = self._days[slot]
        else:
            terms = query
        if not terms or k <= 0 or not self._slots:
            return []
        if self._stale():
            self._refresh_norms()
        idf = {term: self.idf(term) for term in terms}
        weights = {term: weight * idf[term] for term, weight in terms.items()}
        query_norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        known = {t: self._vocab[t] for t in weights if t in self._vocab}
        people: dict[str, set[str]] = {}  # the query's surnames -> its full names
        for term in known:
            if is_entity(term) and is_phrase(term):
                people.setdefault(term.rsplit(" ", 1)[1], set()).add(term)
        strongest = sorted(known, key=weights.__getitem__, reverse=True)[: self.query_terms]

        partial: dict[int, float] = {}
        common: list[str] = []
        for term in strongest:
            if self._df(known[term]) > self.walk_cap:
                common.append(term)
                continue
            self._accumulate(partial, known[term], weights[term] * idf[term])
        if not partial:  # every shared term is common: walk a capped slice of each
            for term in common:
                q = weights[term] * idf[term]
                self._accumulate(partial, known[term], q, limit=self.walk_cap)
        for article_id in skip:
            slot = self._slots.get(article_id)
            if slot is not None:
                partial.pop(slot, None)
        norms = self._norms
        shortlist = heapq.nlargest(
            self.candidates, partial, key=lambda s: partial[s] / (norms[s] or 1.0)
        )

        scored: list[tuple[float, str, list[tuple[float, str]], int | None]] = []
        postings = [(t, *self._postings(number)) for t, number in known.items()]
        for slot in shortlist:
            found = self._ids[slot]
            if found is None:
                continue
            shared = [(weights[t] * w * idf[t], t) for t, w in _weights_of(slot, postings)]
            if people:
                shared = self._same_people(slot, shared, people)
            if len(shared) < MIN_SHARED:
                continue
            cosine = sum(c for c, _ in shared) / (query_norm * (norms[slot] or 1.0))
            apart = None
            if day is not None and self._days[slot] != NO_DAY:
                apart = self._days[slot] - day
            score = cosine * time_factor(apart) * hub_factor(self._names[slot])
            if score > min_score:
                scored.append((score, found, shared, apart))
        best = heapq.nlargest(k, scored, key=lambda s: (s[0], s[1]))
        rare_idf = math.log(1.0 + len(self._ids) / max(3.0, 0.02 * len(self._ids)))
        return [
            (a, round(score, 4), reason(shared, apart, lambda t: idf.get(t, 0.0) > rare_idf))
            for score, a, shared, apart in best
        ]

    # -- internals

    def _same_people(
        self, slot: int, shared: list[tuple[float, str]], people: dict[str, set[str]]
    ) -> list[tuple[float, str]]:
        """``shared`` without a surname the slot holds for someone else: a query
        about "Chidi Okafor" and a story about "Ngozi Okafor" share no one."""
        terms = {t for _, t in shared}
        kept = []
        for contribution, term in shared:
            full = people.get(term)
            someone_else = full and not full & terms
            if someone_else and any(self._holds(slot, n) for n in self._full_names.get(term, ())):
                continue
            kept.append((contribution, term))
        return kept

    def _postings(self, number: int) -> tuple[Sequence[int], Sequence[float]]:
        """A term's article slots (ascending) and weights."""
        slots, weights = self._post_slots[number], self._post_weights[number]
        if slots is None or weights is None:
            return (self._one_slot[number],), (self._one_weight[number],)
        return slots, weights

    def _df(self, number: int) -> int:
        slots = self._post_slots[number]
        return 1 if slots is None else len(slots)

    def _holds(self, slot: int, number: int) -> bool:
        slots = self._postings(number)[0]
        at = bisect_left(slots, slot)
        return at < len(slots) and slots[at] == slot

    def _accumulate(
        self, partial: dict[int, float], number: int, q: float, limit: int | None = None
    ) -> None:
        get, ids = partial.get, self._ids
        pairs = zip(*self._postings(number), strict=True)
        live = ((s, w) for s, w in pairs if ids[s] is not None)
        for slot, weight in live if limit is None else islice(live, limit):
            partial[slot] = get(slot, 0.0) + q * weight

    def _insert(self, article_id: str, terms: Mapping[str, float], day: int | None) -> int:
        slot = len(self._ids)
        self._slots[article_id] = slot
        self._ids.append(article_id)
        self._days.append(NO_DAY if day is None else day)
        self._names.append(min(65535, sum(1 for term in terms if term[:1].isupper())))
        for term, weight in terms.items():
            if not weight > 0:
                continue
            number = self._vocab.get(term)
            if number is None:
                number = self._vocab[term] = len(self._words)
                self._words.append(term)
                if " " in term and term[:1].isupper():  # a whole name: is_entity, is_phrase
                    self._full_names.setdefault(term.rsplit(" ", 1)[1], []).append(number)
                self._post_slots.append(None)
                self._post_weights.append(None)
                self._one_slot.append(slot)
                self._one_weight.append(weight)
                continue
            slots, weights = self._post_slots[number], self._post_weights[number]
            if slots is None or weights is None:
                self._post_slots[number] = array("I", (self._one_slot[number], slot))
                self._post_weights[number] = array("f", (self._one_weight[number], weight))
            else:
                slots.append(slot)
                weights.append(weight)
        self._norms.append(0.0)
        return slot

    def _compact(self) -> None:
        """Renumber the live slots and drop the dead ones from every posting list."""
        live = sorted(self._slots.values())
        renumber = {old: new for new, old in enumerate(live)}
        self._ids = [self._ids[old] for old in live]
        self._slots = {article_id: i for i, article_id in enumerate(self._ids) if article_id}
        self._days = array("i", (self._days[old] for old in live))
        self._names = array("H", (self._names[old] for old in live))
        vocab: dict[str, int] = {}
        words: list[str] = []
        post_slots: list[array[int] | None] = []
        post_weights: list[array[float] | None] = []
        one_slot, one_weight = array("I"), array("f")
        for number, word in enumerate(self._words):
            pairs = zip(*self._postings(number), strict=True)
            kept = [(renumber[s], w) for s, w in pairs if s in renumber]
            if not kept:
                continue
            vocab[word] = len(words)
            words.append(word)
            one_slot.append(kept[0][0])
            one_weight.append(kept[0][1])
            if len(kept) == 1:
                post_slots.append(None)
                post_weights.append(None)
            else:
                post_slots.append(array("I", (s for s, _ in kept)))
                post_weights.append(array("f", (w for _, w in kept)))
        self._vocab, self._words = vocab, words
        self._one_slot, self._one_weight = one_slot, one_weight
        self._full_names = {}
        for number, word in enumerate(words):
            if is_entity(word) and is_phrase(word):
                self._full_names.setdefault(word.rsplit(" ", 1)[1], []).append(number)
        self._post_slots, self._post_weights = post_slots, post_weights
        self._refresh_norms()

    def _norm(self, items: Iterable[tuple[str, float]]) -> float:
        return math.sqrt(sum((w * self.idf(t)) ** 2 for t, w in items)) or 1.0

    def _stale(self) -> bool:
        return abs(len(self._slots) - self._norm_size) > 0.1 * max(self._norm_size, 10)

    def _refresh_norms(self) -> None:
        size = len(self._ids)
        squares = array("d", bytes(8 * size))
        since_pause = 0
        one_slot, one_weight, weights_of = self._one_slot, self._one_weight, self._post_weights
        single = math.log(1.0 + size) ** 2  # idf squared of a term with one posting
        for number, slots in enumerate(self._post_slots):
            weights = weights_of[number]
            if slots is None or weights is None:
                squares[one_slot[number]] += one_weight[number] ** 2 * single
                since_pause += 1
                continue
            since_pause += len(slots)
            if since_pause > 20_000:  # ~5 ms
                self.pause()
                since_pause = 0
            idf = math.log(1.0 + size / (len(slots) or 1))
            for slot, weight in zip(slots, weights, strict=True):
                squares[slot] += (weight * idf) ** 2
        self._norms = array("d", (math.sqrt(total) or 1.0 for total in squares))
        self._norm_size = len(self._slots)


def _weights_of(
    slot: int, postings: Iterable[tuple[str, Sequence[int], Sequence[float]]]
) -> Iterator[tuple[str, float]]:
    """The slot's weight for each term of ``postings`` (term, slots, weights) it has."""
    for term, slots, weights in postings:
        at = bisect_left(slots, slot)
        if at < len(slots) and slots[at] == slot:
            yield term, weights[at]


def when(days_apart: int) -> str:
    """'same day', '2 days earlier', '3 weeks later', '5 months earlier': the other
    story's date against this one's."""
    apart = abs(days_apart)
    side = "earlier" if days_apart < 0 else "later"
    if apart == 0:
        return "same day"
    if apart == 1:
        return f"a day {side}"
    if apart < 14:
        return f"{apart} days {side}"
    if apart < 60:
        return f"{apart // 7} weeks {side}"
    return f"{apart // 30} months {side}"


def reason(
    shared: list[tuple[float, str]],
    days_apart: int | None,
    rare: Callable[[str], bool],
    limit: int = 3,
) -> str:
    """'same day; also on Lindsay Lohan, Betty Ford Center, drunk driving'.

    The strongest shared specifics as written: names and phrases, and a single
    word only where it is rare in this archive; a name already inside a longer
    one ("Lohan" beside "Lindsay Lohan") is not repeated. Never a lone common word.
    """
    chosen: list[str] = []
    for _, term in sorted(shared, reverse=True):
        if not (is_phrase(term) or rare(term)):
            continue
        words = set(term.split())
        if any(words <= set(other.split()) for other in chosen):
            continue
        chosen = [other for other in chosen if not set(other.split()) <= words]
        chosen.append(term)
        if len(chosen) == limit:
            break
    if len(chosen) == 1 and not (is_phrase(chosen[0]) or is_entity(chosen[0])):
        chosen = []  # one ordinary word is no reason to believe it
    parts = []
    if days_apart is not None:
        parts.append(when(days_apart))
    if chosen:
        parts.append("also on " + ", ".join(chosen))
    return "; ".join(parts)
