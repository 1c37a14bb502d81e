"""Similar stories in the archive: the terms of an article, and the index that finds others.

Three sources feed the sidebar. The document itself (a lifted "Related" section and
its inline links), the feed entry's own links (enclosures, comments, rel=related),
and the local archive: stories sharing rare words and, above all, the same named
people and places, each with a short reason ("also mentions Putin, Kursk").

Similarity is cheap by design: :func:`index_terms` runs once per article at ingest
and keeps only ~40 weighted terms in ``Article.terms``; :class:`SimilarityIndex`
keeps an inverted index over those so a query walks a few short posting lists
instead of the whole archive.

Entity terms are stored in their display form ("Putin", "NATO") and ordinary words
in lower case ("ceasefire"), so a reason can be written straight from the keys.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

# --------------------------------------------------------------------------- terms

MAX_TERMS = 40
MAX_INDEXED_CHARS = 100_000  # ~15,000 words: past that, more text names no new story
ENTITY_BOOST = 2.0
TITLE_BOOST = 1.5

# Function words, reporting verbs and calendar words: frequent in every story, so
# they would only add noise to similarity and to reasons.
_STOPWORD_TEXT = """
    a about above across after afterwards again against ago all almost alone along
    already also although always am among amongst an and another any anybody anyone
    anything anyway anywhere are around as at back be became because become becomes
    been before beforehand behind being below beside besides between beyond both but
    by can cannot could did do does doing done down during each either else
    elsewhere enough etc even ever every everybody everyone everything everywhere
    except few first for former formerly from further had has have having he her
    here hers herself him himself his how however i if in indeed into is it its
    itself just last later latter least less let like made make makes many may me
    meanwhile might mine more moreover most mostly much must my myself near nearly
    neither never nevertheless new news next no nobody none nor not nothing now
    nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps rather really same several she should since
    so some somebody someone something sometime sometimes somewhere still such than
    that the their theirs them themselves then there thereby therefore these they
    this those though through throughout thus to together too toward towards two
    under until up upon us very via was we well were what whatever when whenever
    where whereas whether which while who whoever whole whom whose why will with
    within without would yet you your yours yourself yourselves
    able added adds according announced asked ask asks called comes come came did
    get gets getting got go goes going gone know known including include includes
    told tell tells say says said saying stated states stating noted reported
    reports reporting see seen seems seem take takes took taken think thought use
    used using want wants wanted way ways week weeks year years day days time times
    today tonight yesterday tomorrow month months people thing things lot lots part
    three four five six seven eight nine ten hundred thousand million billion
    monday tuesday wednesday thursday friday saturday sunday january february march
    april june july august september october november december
    mr mrs ms dr sir st prof jr sr vs am pm
"""
# Titles and roles are capitalised before names ("President Vladimir Putin"), so
# they would pass for entities and make weak reasons ("also mentions President").
_ROLE_TEXT = """
    president minister prime chancellor secretary spokesman spokeswoman spokesperson
    mayor governor senator councillor councilor director chief chairman chairwoman
    chair head leader general officer professor doctor dr mr mrs ms sir lord lady
    king queen prince princess pope ambassador envoy commissioner deputy vice
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split()) | frozenset(_ROLE_TEXT.split())

# An abbreviation whose full stop does not end the sentence ("Mr. Putin").
_ABBREVIATION_TEXT = "mr mrs ms dr st gen sen rep gov lt col capt sgt prof jr sr vs no"
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())

# Letters with inner apostrophes ("O'Brien", "don't"), or a dotted acronym ("U.S.").
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = frozenset(".!?:;\n")
_OPENING_QUOTES = frozenset("“«„‘\"'")


def is_entity(term: str) -> bool:
    """Whether an index key names a person, place or organisation (display form)."""
    return term[:1].isupper()


def _singular(word: str) -> str:
    """Crude plural stripping: consistent across articles matters more than correct."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(slots=True)
class _Token:
    form: str  # as written, possessive stripped
    capital: bool
    acronym: bool
    sure: bool  # capitalised where only a name would be (not sentence-initial)
    initial: bool  # opens a sentence or line: capital says nothing
    in_title: bool


def _tokens(text: str, *, in_title: bool) -> Iterator[_Token]:
    """Tokens of ``text`` line by line, marking where a capital letter means a name."""
    for line in text.splitlines():
        matches = list(_WORD.finditer(line))
        if not matches:
            continue
        raw: list[tuple[str, bool, str]] = []  # (form, initial, gap before it)
        prev_end, prev_word = 0, ""
        for index, match in enumerate(matches):
            gap = line[prev_end : match.start()]
            initial = index == 0 or bool(_SENTENCE_END.intersection(gap))
            if initial and index and gap.strip() == "." and prev_word.lower() in _ABBREVIATIONS:
                initial = False
            if gap[-1:] in _OPENING_QUOTES and (len(gap) == 1 or gap[-2].isspace()):
                initial = True
            form = match.group()
            if form[-2:] in ("'s", "’s") and len(form) > 3:
                form = form[:-2]
            raw.append((form, initial, gap))
            prev_end, prev_word = match.end(), match.group()
        # A Title Case Headline Capitalises Everything: there capitals prove nothing.
        words = [f for f, _, _ in raw if f.lower() not in STOPWORDS]
        capitals = sum(1 for f in words if f[:1].isupper())
        title_case = len(words) >= 3 and capitals >= 0.8 * len(words)
        for index, (form, initial, _) in enumerate(raw):
            dotted = "." in form
            if dotted:
                form = form.replace(".", "").upper()
            acronym = dotted or (2 <= len(form) <= 5 and form.isupper() and form.isalpha())
            capital = form[:1].isupper()
            sure = capital and not initial and not title_case
            if capital and initial and not title_case and index + 1 < len(raw):
                # "Vladimir Putin said": a capital followed by a sure name is a name.
                after, after_initial, gap = raw[index + 1]
                if gap == " " and after[:1].isupper() and not after.isupper() and not after_initial:
                    sure = form.lower() not in STOPWORDS
            yield _Token(form, capital, acronym, sure, initial or title_case, in_title)


def index_terms(title: str, text: str) -> dict[str, float]:
    """The ~40 weighted terms that stand for an article in the similarity index.

    Run once at ingest. Named people and places count double and title words half
    again, because those are what make two stories the same story; weights are
    sublinear in frequency so one repeated word cannot dominate.
    """
    tokens = [
        *_tokens(title[:MAX_INDEXED_CHARS], in_title=True),
        *_tokens(text[:MAX_INDEXED_CHARS], in_title=False),
    ]
    sure_names = {t.form for t in tokens if t.sure or t.acronym}
    counts: dict[str, int] = {}
    entities: set[str] = set()
    titled: set[str] = set()
    for token in tokens:
        lower = token.form.lower()
        if len(token.form) < 2:
            continue
        if token.acronym:
            key = token.form
        elif lower in STOPWORDS:
            continue
        elif token.capital and (token.sure or token.form in sure_names):
            key = token.form
        elif "'" in lower or "’" in lower or len(lower) < 3:
            continue
        else:
            key = _singular(lower)
        counts[key] = counts.get(key, 0) + 1
        if key[:1].isupper():
            entities.add(key)
        if token.in_title:
            titled.add(key)
    weights: dict[str, float] = {}
    for key, count in counts.items():
        weight = 1.0 + math.log(count)
        if key in entities:
            weight *= ENTITY_BOOST
        if key in titled:
            weight *= TITLE_BOOST
        weights[key] = round(weight, 3)
    best = sorted(weights, key=lambda k: (-weights[k], -counts[k], -len(k), k))[:MAX_TERMS]
    return {key: weights[key] for key in best}


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
    term is found by bisecting that term's slots. A removed article leaves a
    dead slot that walks skip and that still counts in the document
    frequencies; slots are renumbered once a quarter are dead.
    """

    def __init__(
        self,
        items: Iterable[tuple[str, Mapping[str, float]]] = (),
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
        self._post_slots: list[array[int]] = []  # term number -> article slots, ascending
        self._post_weights: list[array[float]] = []
        self._slots: dict[str, int] = {}  # article id -> slot
        self._ids: list[str | None] = []  # slot -> article id; None once removed
        self._norms = array("d")
        self._norm_size = 0
        for article_id, terms in items:
            self._insert(article_id, terms)
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
        for number, slots in enumerate(self._post_slots):
            at = bisect_left(slots, slot)
            if at < len(slots) and slots[at] == slot:
                found[self._words[number]] = self._post_weights[number][at]
        return found

    def idf(self, term: str) -> float:
        """Smoothed idf; a term no stored article has counts as if one had it."""
        number = self._vocab.get(term)
        df = (len(self._post_slots[number]) if number is not None else 0) or 1
        return math.log(1.0 + len(self._ids) / df)

    def add(self, article_id: str, terms: Mapping[str, float]) -> None:
        """Index an article, replacing what was indexed under the same id."""
        if article_id in self._slots:
            self.remove(article_id)
        slot = self._insert(article_id, terms)
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
    ) -> list[tuple[str, float, str]]:
        """The ``k`` stored articles most like ``query``, as (id, score, reason).

        ``query`` is a stored article id (never returned itself) or a terms mapping
        from :func:`index_terms`. Scores are cosines in (0, 1].
        """
        skip = set(exclude)
        if isinstance(query, str):
            skip.add(query)
            terms: Mapping[str, float] = self.terms_of(query)
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
        strongest = sorted(known, key=weights.__getitem__, reverse=True)[: self.query_terms]

        partial: dict[int, float] = {}
        common: list[str] = []
        for term in strongest:
            if len(self._post_slots[known[term]]) > self.walk_cap:
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

        scored: list[tuple[float, str, list[tuple[float, str]]]] = []
        for slot in shortlist:
            found = self._ids[slot]
            if found is None:
                continue
            shared = [
                (weights[t] * w * idf[t], t) for t, w in self._weights_of(slot, known.items())
            ]
            score = sum(c for c, _ in shared) / (query_norm * (norms[slot] or 1.0))
            if score > min_score:
                scored.append((score, found, shared))
        best = heapq.nlargest(k, scored, key=lambda s: (s[0], s[1]))
        return [(a, round(score, 4), _reason(shared)) for score, a, shared in best]

    # -- internals

    def _weights_of(
        self, slot: int, terms: Iterable[tuple[str, int]]
    ) -> Iterator[tuple[str, float]]:
        """The slot's weight for each of ``terms`` (term, number) it has."""
        for term, number in terms:
            slots = self._post_slots[number]
            at = bisect_left(slots, slot)
            if at < len(slots) and slots[at] == slot:
                yield term, self._post_weights[number][at]

    def _accumulate(
        self, partial: dict[int, float], number: int, q: float, limit: int | None = None
    ) -> None:
        get, ids = partial.get, self._ids
        pairs = zip(self._post_slots[number], self._post_weights[number], strict=True)
        live = ((s, w) for s, w in pairs if ids[s] is not None)
        for slot, weight in live if limit is None else islice(live, limit):
            partial[slot] = get(slot, 0.0) + q * weight

    def _insert(self, article_id: str, terms: Mapping[str, float]) -> int:
        slot = len(self._ids)
        self._slots[article_id] = slot
        self._ids.append(article_id)
        for term, weight in terms.items():
            if not weight > 0:
                continue
            number = self._vocab.get(term)
            if number is None:
                number = self._vocab[term] = len(self._words)
                self._words.append(term)
                self._post_slots.append(array("I"))
                self._post_weights.append(array("f"))
            self._post_slots[number].append(slot)
            self._post_weights[number].append(weight)
        self._norms.append(0.0)
        return slot

    def _compact(self) -> None:
        """Renumber the live slots and drop the dead ones from every posting list."""
        live = sorted(self._slots.values())
        renumber = {old: new for new, old in enumerate(live)}
        self._ids = [self._ids[old] for old in live]
        self._slots = {article_id: i for i, article_id in enumerate(self._ids) if article_id}
        vocab: dict[str, int] = {}
        words: list[str] = []
        post_slots: list[array[int]] = []
        post_weights: list[array[float]] = []
        for number, word in enumerate(self._words):
            kept = [
                (renumber[s], w)
                for s, w in zip(self._post_slots[number], self._post_weights[number], strict=True)
                if s in renumber
            ]
            if kept:
                vocab[word] = len(words)
                words.append(word)
                post_slots.append(array("I", (s for s, _ in kept)))
                post_weights.append(array("f", (w for _, w in kept)))
        self._vocab, self._words = vocab, words
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
        for slots, weights in zip(self._post_slots, self._post_weights, strict=True):
            since_pause += len(slots)
            if since_pause > 20_000:  # ~5 ms
                self.pause()
                since_pause = 0
            idf = math.log(1.0 + size / (len(slots) or 1))
            for slot, weight in zip(slots, weights, strict=True):
                squares[slot] += (weight * idf) ** 2
        self._norms = array("d", (math.sqrt(total) or 1.0 for total in squares))
        self._norm_size = len(self._slots)


def _reason(shared: list[tuple[float, str]], limit: int = 3) -> str:
    """'also mentions Putin, Kursk, ceasefire': strongest shared terms, names first."""
    top = sorted(shared, reverse=True)[: limit * 2]
    names = [t for _, t in top if is_entity(t)]
    words = [t for _, t in top if not is_entity(t)]
    chosen = (names + words)[:limit]
    return "also mentions " + ", ".join(chosen) if chosen else ""
