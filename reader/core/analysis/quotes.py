"""Find the quotations in an article and name who said each one.

Three passes keep this fast and predictable on hostile input:

1. A linear scanner pairs quote marks (double marks first, then single marks
   inside each region), so a text full of unbalanced marks stays O(n) and no
   regex can backtrack.
2. The narrative (every quotation masked out, so a name *inside* a quote can
   never become its speaker) is read for its people and organisations: full
   names (headline and quotations included, for expansion only), genders from
   honorifics, the article's own pronouns and a first-name table, and who each
   sentence is about.
3. Each quotation is attributed: sentence-local (a speech verb and its subject
   next to the quote), then follow-on (a quote with no attribution continues
   the last speaker), then the sentence or lead-in it stands in.

When no rule fires the quote keeps no speaker: better none than wrong.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from reader.core.models import Block, Document, Quote, Span

HEADLINE = -1  # the ``paragraph`` of a quotation in the headline

__all__ = ["HEADLINE", "find_quotes", "speakers"]


def _words(text: str) -> frozenset[str]:
    """A word list written as running text, so it reads (and diffs) as prose."""
    return frozenset(text.split())


# --------------------------------------------------------------------------
# Word lists. Lower-case; a word is looked up by ``word.lower()``.

_SENTINEL = "\ufffc"  # replaces every character of a masked quotation

_SPEECH_VERBS = _words(
    """
    said says say told tells stated states noted notes added adds emphasized emphasised
    emphasizes emphasises stressed stresses questioned wrote writes asked asks warned warns
    explained explains insisted insists replied replies argued argues claimed claims
    declared declares announced announces commented remarked observed observes recalled
    recalls admitted admits acknowledged acknowledges conceded concedes concluded concludes
    suggested suggests shouted shouts cried whispered tweeted posted responded responds
    answered countered counters confirmed confirms denied denies maintained maintains
    predicted predicts promised vowed vows urged urges reiterated reiterates recounted joked
    jokes quipped laughed sighed mused muses boasted complained complains lamented estimated
    reported highlighted underlined underscored underscores indicated assured assures agreed
    objected protested demanded pleaded begged exclaimed wondered continued cautioned
    cautions mentioned described describes called labelled labeled termed branded texted
    emailed yelled screamed murmured muttered snapped retorted opined affirmed alleged
    alleges ordered testified testifies written sings sang respond responded
    bemoans bemoaned
    dismissed denounced hailed slammed blasted criticized criticised condemned praised
    accused blamed
    """
)
# "-ing" forms whose subject is the sentence's (or an earlier verb's) subject.
_PARTICIPLES = _words(
    """
    saying adding noting explaining insisting warning telling writing arguing stressing
    concluding
    emphasizing emphasising calling describing recalling stating asking declaring citing
    """
)
_PHRASAL = {
    "pointed": "out", "points": "out", "went": "on", "goes": "on", "put": "it",
    "weighed": "in", "chimed": "in",
}  # fmt: skip
# Words that may sit between a subject and its verb: "Putin also said".
_MODIFIERS = _words(
    """
    also later then has have had was were is are would will could might may previously once
    recently earlier further again still repeatedly simply just even already often never
    always first last twice has had subsequently separately
    """
)
_PRONOUNS = frozenset({"he", "she", "they", "it"})
_POSSESSIVES = frozenset({"his", "her", "their", "its"})
# Verbs only right after a quotation ('“…,” comments Johnston'); elsewhere mostly nouns.
_VERB_AFTER_A_QUOTE = frozenset({"comments", "quips"})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "often", "also"})
_TO_VERBS = frozenset({"continued", "promised", "vowed", "vows", "agreed", "ordered"})
# After these verbs comes who was addressed, not who spoke: 'told NBC News'.
_TOLD = frozenset({"told", "tells", "asked", "asks", "urged", "urges"})
_HE_WORDS = frozenset({"he", "his", "him", "himself"})
_SHE_WORDS = frozenset({"she", "her", "hers", "herself"})
_GENDERED = frozenset(w for w in _HE_WORDS | _SHE_WORDS for w in (w, w.capitalize()))
_RELATIVES = frozenset({"who", "which", "that"})
_COORDINATORS = frozenset({"and", "but", "then", "or", "while", "before", "after"})
_PREPOSITIONS = _words(
    """
    with to of by for from at on in about against between than like into over under after
    before toward towards including among via per without behind beside alongside across
    through upon near around during despite amid
    """
)
# Capitalised at the start of a sentence but never part of a name.
_COMMON = _words(
    """
    the a an and but or nor so yet for of in on at to from by with as if when while after
    before since until because although though however meanwhile moreover furthermore
    additionally also then thus therefore still instead indeed later earlier now today
    yesterday tomorrow this that these those there here it its he she they we i you his her
    their our my your who what where why how which whose some many most several few all both
    each every any no not one two three another other such despite among amid during under
    over about against between within without according experts officials critics analysts
    observers residents people sources others last next first second new yes mr mrs ms dr
    once even only just what's it's there's monday tuesday wednesday thursday friday
    saturday sunday january february march april june july august september october november
    december maybe perhaps
    """
)
_NOT_NAMES = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december i
    """
)
_TITLES = _words(
    """
    mr mrs ms miss mx dr prof sir dame lord lady rev father president vice prime minister
    secretary chancellor senator sen rep representative congressman congresswoman governor
    gov mayor general gen colonel col lieutenant lt major maj captain capt commander admiral
    sergeant sgt chief judge justice king queen prince princess pope bishop archbishop
    cardinal rabbi imam sheikh professor doctor coach director chairman chairwoman ceo
    ambassador envoy deputy acting foreign defense defence interior finance state attorney
    commissioner inspector detective officer superintendent speaker premier emperor empress
    sultan emir crown former manager spokesman spokeswoman spokesperson mp mep senior
    majority minority leader whip chairperson councillor councilor alderman alderwoman
    """
)
_ROLES = _words(
    """
    president minister secretary chancellor senator governor mayor spokesman spokeswoman
    spokesperson ambassador envoy aide adviser advisor director chairman chairwoman chair
    ceo coach manager captain leader chief commander general founder professor judge
    prosecutor premier king queen pope prince superintendent commissioner principal dean
    treasurer owner striker midfielder goalkeeper defender curator
    """
)
_ORG_NOUNS = _words(
    """
    institute institution ministry department agency university college school council
    commission committee party union association federation foundation fund bank company
    corporation corp inc ltd llc group society trust authority bureau office court
    parliament congress senate assembly police service army navy league club board center
    centre hospital clinic museum organization organisation network alliance coalition
    movement church times post journal news herald tribune gazette chronicle guardian
    telegraph observer press media broadcasting television radio magazine airlines airways
    motors holdings laboratory laboratories observatory kremlin pentagon vatican government
    cabinet rovers wanderers athletic fc
    confederation industry industries chamber consortium cooperative tribunal
    staff productions records studios entertainment pictures partners ventures capital
    labs systems technologies solutions brands pharmaceuticals therapeutics
    """
)
_PLACE_WORDS = _words(
    """
    city county island islands bay river valley street avenue road square park bridge coast
    sea ocean mountains mountain hills hill beach harbour harbor province region state
    states republic kingdom emirates gulf peninsula airport station stadium arena north
    south east west northern southern eastern western new san los las saint st united lake
    mount port fort cape district oblast territory village town lane drive plaza palace hall
    tower castle forest desert canal strait falls heights springs point
    """
)
# A name chunk may run across these lower-case words ("Bank of England", "van Gogh").
_NATIONALITIES = _words(
    """
    american british english scottish welsh irish french german italian spanish portuguese
    dutch belgian swiss austrian polish czech slovak hungarian romanian bulgarian greek
    turkish russian ukrainian belarusian georgian armenian swedish norwegian danish finnish
    estonian latvian lithuanian chinese japanese korean indian pakistani iranian iraqi syrian
    israeli palestinian lebanese egyptian saudi african nigerian kenyan canadian mexican
    brazilian argentine australian european asian arab western eastern northern southern
    """
)
# Times that sit between a subject and its verb: 'Zelensky on Sunday urged'.
_WHEN = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight week
    month year morning afternoon evening night weekend
    """
)
_PARTICLES = frozenset(
    {
        "de",
        "van",
        "von",
        "der",
        "den",
        "al",
        "bin",
        "ibn",
        "da",
        "dos",
        "du",
        "la",
        "le",
        "del",
        "di",
        "ter",
        "zu",
    }
)
_CONNECTORS = frozenset({"of", "for", "on", "and"})
_HONORIFICS = {"mr": "he", "sir": "he", "lord": "he", "king": "he", "prince": "he",
               "mrs": "she", "ms": "she", "miss": "she", "dame": "she", "lady": "she",
               "queen": "she", "princess": "she"}  # fmt: skip
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Directly before a quote these make it a title or a name, never speech.
_NAMING = frozenset(
    {
        "titled",
        "entitled",
        "named",
        "nicknamed",
        "so-called",
        "dubbed",
        "headlined",
        "billed",
        "renamed",
    }
)
_TITLE_NOUNS = _words(
    """
    film movie book novel song album report study paper article series show play documentary
    podcast exhibition column essay poem programme program campaign initiative operation
    slogan hashtag headline phrase word term motto banner hit single track episode sign
    placard magazine newspaper blog
    """
)
_ABBREVIATIONS = _words(
    """
    mr mrs ms dr prof st jr sr gen col lt capt sgt gov sen rep rev vs etc inc ltd co corp no
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e
    """
)

# --------------------------------------------------------------------------
# Compiled patterns.

# ’’ (two right single marks) is how some wire copy closes a double quotation.
_DOUBLE_MARK = re.compile('\u2019\u2019|["\u201c\u201d\u201e\u00ab\u00bb]')
_SINGLE_MARK = re.compile("['\u2018\u2019\u201a\u2039\u203a]")
# After an opening single mark: '90s, 'n', 'tis ... are apostrophes, not quotes.
_ELISION = re.compile(
    r"(?:\d\d(?:s\b|\b)|n['\u2019]|(?:tis|twas|em|cause|til|bout|round|n)\b)", re.IGNORECASE
)
_FEET = re.compile(r"\d['\u2019\u2032]\s?\d{1,2}(?:\.\d+)?$")
_TOKEN = re.compile(r"\ufffc+|\d{1,3}(?:,\d{3})+\b|[^\W_]+(?:[-'\u2019.][^\W_]+)*|[^\w\s]")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[)\]'\"\u2019\u201d]*\s+")
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_WORDISH = re.compile(r"[^\W_]")
_QUOTED = re.compile("[\"\u201c\u2018'][^\"\u201d\u2019']*[\"\u201d\u2019']")
_LABEL = re.compile(r"[^\W_][\w-]*")
_AGED = re.compile(r"\d{1,3}-year-old")  # 'the 19-year-old said': the person just named
_TITLE_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")

_OPEN_CONTEXT = frozenset("([{<\u2014\u2013-/'\"\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb:\u201a")
_CLOSE_CONTEXT = frozenset(".,;:!?)]}>\u2014\u2013-/\u2026'\"\u2018\u2019\u201c\u201d\u00bb\u00ab")
_CONTINUE_BLOCKS = frozenset({"paragraph", "blockquote", "list_item"})
_ASIDES = frozenset({"caption", "heading"})

# Double-mark families: how a quotation opened decides what may close it.
_CONTINUE_MARK = {
    "curly": "\u201c",
    "low": "\u201e",
    "guil": "\u00ab",
    "guil_rev": "\u00bb",
    "straight": '"',
    "swedish": "\u201d",
}
_MAX_DEPTH = 4
_WINDOW = 320  # characters of narrative looked at on each side of a quote
_QUOTED_NAMES_BUDGET = 20_000  # characters of quotations read for full names
_PULL_QUOTES = 64  # speakerless quotations looked up among the attributed ones, at most
_WINDOW_WORDS = 48  # and at most this many tokens, so dense text stays linear


# --------------------------------------------------------------------------
# Pass 1: pairing quote marks.


@dataclass(slots=True)
class _Open:
    """An opening mark waiting for its closer."""

    family: str
    block: int
    pos: int
    outer: _Open | None  # the quote it was opened inside
    pieces: list[tuple[int, int]] = field(default_factory=list)  # (block, inner start)
    span: int | None = None  # index into the pairer's spans once closed


@dataclass(slots=True)
class _Span:
    """A paired quotation; ``extents`` are per-block (block, start, end) incl. marks."""

    block: int
    start: int
    last_block: int
    end: int
    text: str
    depth: int
    extents: list[tuple[int, int, int]]
    parent: int | None = None  # index of the enclosing span (nested quotes)
    speaker: str | None = None
    outer: _Open | None = None  # while pairing: the enclosing opener


def _flanks(text: str, i: int) -> tuple[bool, bool]:
    """Whether the mark at ``i`` can open (left-flanking) and close (right-flanking)."""
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    can_open = not nxt.isspace() and (prev.isspace() or prev in _OPEN_CONTEXT)
    can_close = not prev.isspace() and (nxt.isspace() or nxt in _CLOSE_CONTEXT)
    return can_open, can_close


def _is_inch_mark(text: str, i: int, straight_open: bool) -> bool:
    """5'11" and 12" are measurements: a digit before and no quote to close."""
    if not i or not text[i - 1].isdigit():
        return False
    return not straight_open or bool(_FEET.search(text, max(0, i - 8), i))


class _DoublePairer:
    """Pairs double marks across blocks with a small stack (linear time)."""

    def __init__(self, texts: Sequence[str], kinds: Sequence[str]) -> None:
        self.texts = texts
        self.kinds = kinds
        self.stack: list[_Open] = []
        self.spans: list[_Span] = []

    def run(self) -> list[_Span]:
        for bi, text in enumerate(self.texts):
            skip = self._continue_into(bi, text)
            for match in _DOUBLE_MARK.finditer(text):
                if match.start() != skip:
                    self._mark(bi, text, match.start(), match.group())
        return self.spans

    def _continue_into(self, bi: int, text: str) -> int:
        """Carry an unclosed quote on when the next paragraph opens with a quote mark."""
        if not self.stack:
            return -1
        bottom = self.stack[0]
        lead = len(text) - len(text.lstrip())
        if (
            bi > 0
            and self.kinds[bi] in _CONTINUE_BLOCKS
            and self.kinds[bi - 1] in _CONTINUE_BLOCKS
            and text[lead : lead + 1] == _CONTINUE_MARK[bottom.family]
            and bottom.pieces[-1][0] == bi - 1
        ):
            del self.stack[1:]
            bottom.pieces.append((bi, lead + 1))
            return lead
        self.stack.clear()  # an opener nobody closed: a stray mark
        return -1

    def _find(self, families: Iterable[str]) -> int:
        wanted = set(families)
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k].family in wanted:
                return k
        return -1

    def _push(self, family: str, bi: int, pos: int) -> None:
        same = self._find((family,))
        if same >= 0:  # English never nests a mark in itself: the older one was stray
            del self.stack[same:]
        if len(self.stack) >= _MAX_DEPTH:
            return
        outer = self.stack[-1] if self.stack else None
        self.stack.append(_Open(family, bi, pos, outer, [(bi, pos + 1)]))

    def _close(self, k: int, bi: int, pos: int, width: int = 1) -> None:
        entry = self.stack[k]
        del self.stack[k:]
        pieces: list[str] = []
        extents: list[tuple[int, int, int]] = []
        for n, (block, inner) in enumerate(entry.pieces):
            stop = pos if block == bi else len(self.texts[block])
            pieces.append(self.texts[block][inner:stop])
            first = entry.pos if n == 0 else inner - 1
            extents.append((block, first, pos + width if block == bi else stop))
        body = "\n".join(piece.strip() for piece in pieces) if len(pieces) > 1 else pieces[0]
        if not _WORDISH.search(body):
            return
        entry.span = len(self.spans)
        self.spans.append(
            _Span(entry.block, entry.pos, bi, pos + width, body, k, extents, outer=entry.outer)
        )

    def _mark(self, bi: int, text: str, i: int, ch: str) -> None:  # noqa: C901 - a flat table
        can_open, can_close = _flanks(text, i)
        top = self.stack[-1].family if self.stack else ""
        if ch == "\u2019\u2019":
            k = self._find(("curly", "low", "straight"))
            if k >= 0 and can_close:
                self._close(k, bi, i, 2)
        elif ch == "\u201e":
            self._push("low", bi, i)
        elif ch == "\u00ab":
            k = self._find(("guil_rev",))
            if k >= 0:
                self._close(k, bi, i)
            else:
                self._push("guil", bi, i)
        elif ch == "\u00bb":
            k = self._find(("guil",))
            if k >= 0:
                self._close(k, bi, i)
            elif can_open and not can_close:
                self._push("guil_rev", bi, i)
        elif ch == "\u201c":
            k = self._find(("low",))
            if k >= 0:
                self._close(k, bi, i)
            elif top == "curly" and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # sloppy “…“
            else:
                self._push("curly", bi, i)
        elif ch == "\u201d":
            k = self._find(("curly", "low", "swedish"))
            if k >= 0:
                self._close(k, bi, i)
            elif top == "straight" and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # mixed "…”
            elif can_open and not can_close:
                self._push("swedish", bi, i)  # Swedish ”…”
        else:  # straight "
            k = self._find(("straight",))
            if _is_inch_mark(text, i, k >= 0):
                return
            if k >= 0:
                if can_open and not can_close:
                    self._push("straight", bi, i)
                else:
                    self._close(k, bi, i)
            elif top in ("curly", "low") and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # mixed “…"
            elif can_open or (text[i - 1 : i] == " " and text[i + 1 : i + 2] == " "):
                self._push("straight", bi, i)  # '" You guys …"': nothing open, so it opens


def _pair_singles(texts: Sequence[str], doubles: list[_Span]) -> list[_Span]:
    """Pair single marks inside each double quotation (and at top level), never across."""
    by_block: dict[int, list[tuple[int, int, int]]] = {}
    for index, span in enumerate(doubles):
        for block, start, end in span.extents:
            by_block.setdefault(block, []).append((start, end, index))
    found: list[_Span] = []
    for bi, text in enumerate(texts):
        if (
            "'" not in text
            and "\u2018" not in text
            and "\u2039" not in text
            and "\u201a" not in text
        ):
            continue
        regions = sorted(by_block.get(bi, []), key=lambda r: (r[0], -r[1]))
        groups: dict[int, list[tuple[int, str, bool, bool]]] = {}
        active: list[tuple[int, int, int]] = []
        ri = 0
        for match in _SINGLE_MARK.finditer(text):
            i = match.start()
            if text[i : i + 2] == "\u2019\u2019" or text[i - 1 : i + 1] == "\u2019\u2019":
                continue  # a double closing mark, paired in pass 1
            while ri < len(regions) and regions[ri][0] < i:
                active.append(regions[ri])
                ri += 1
            while active and active[-1][1] <= i:
                active.pop()
            # the stack may hold finished siblings under a live one; drop them lazily
            region = -1
            for start, end, index in reversed(active):
                if start < i < end - 1:
                    region = index
                    break
            opener, closer = _single_roles(text, i, match.group())
            if opener or closer:
                groups.setdefault(region, []).append((i, match.group(), opener, closer))
        for region, marks in groups.items():
            found.extend(_pair_single_group(text, bi, region, marks, doubles))
    return found


def _single_roles(text: str, i: int, ch: str) -> tuple[bool, bool]:
    """Decide whether a single mark may open or close; apostrophes do neither."""
    can_open, can_close = _flanks(text, i)
    if ch == "\u2039":
        return True, False
    if ch == "\u203a":
        return False, True
    opener = can_open and ch in "'\u2018\u201a" and not _ELISION.match(text, i + 1)
    closer = can_close and ch in "'\u2019\u2018" and not (ch == "'" and text[i - 1].isdigit())
    return opener, closer


def _pair_single_group(
    text: str,
    bi: int,
    region: int,
    marks: list[tuple[int, str, bool, bool]],
    doubles: list[_Span],
) -> list[_Span]:
    stack: list[tuple[int, str]] = []
    spans: list[_Span] = []
    last_closer = max((n for n, m in enumerate(marks) if m[3]), default=-1)
    for n, (i, ch, opener, closer) in enumerate(marks):
        if closer and stack:
            start, open_ch = stack[-1]
            if ch == "\u2018" and open_ch != "\u201a":
                continue
            # "the players’ union": a plural possessive when a later closer exists
            nxt = text[i + 1 : i + 3]
            if (
                text[i - 1] == "s"
                and len(nxt) == 2
                and nxt[0] == " "
                and nxt[1].islower()
                and n < last_closer
            ):
                continue
            stack.pop()
            body = text[start + 1 : i]
            if _WORDISH.search(body):
                depth = doubles[region].depth + 1 if region >= 0 else 0
                spans.append(
                    _Span(
                        bi,
                        start,
                        bi,
                        i + 1,
                        body,
                        depth,
                        [(bi, start, i + 1)],
                        region if region >= 0 else None,
                    )
                )
        elif opener and len(stack) < _MAX_DEPTH:
            stack.append((i, ch))
    return spans


def _nest_in_singles(doubles: list[_Span], singles: list[_Span], offset: int) -> None:
    """British style: ‘He said “no” to me’ makes the double quote the inner one."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for index, span in enumerate(doubles):
        if span.depth == 0 and span.last_block == span.block:
            starts.setdefault(span.block, []).append((span.start, index))
    reach = (-1, -1)  # (block, end) of the last single looked inside
    for number in sorted(range(len(singles)), key=lambda n: (singles[n].block, singles[n].start)):
        single = singles[number]
        inside = starts.get(single.block)
        if single.depth or not inside or (single.block, single.end) <= reach:
            continue  # nothing, or already inside an outer single: each double is seen once
        reach = (single.block, single.end)
        k = bisect_right(inside, (single.start, len(doubles)))
        while k < len(inside) and inside[k][0] < single.end:
            span = doubles[inside[k][1]]
            if span.end <= single.end:
                span.depth, span.parent = 1, offset + number
            k += 1


def _pair_marks(texts: Sequence[str], kinds: Sequence[str]) -> list[_Span]:
    """All quotations in reading order, nested ones knowing their parent."""
    doubles = _DoublePairer(texts, kinds).run()
    for span in reversed(doubles):  # outer quotes close last: set their depth first
        # an inner quote whose outer one never closed stands on its own
        outer = span.outer
        span.parent = outer.span if outer is not None else None
        span.depth = doubles[span.parent].depth + 1 if span.parent is not None else 0
        span.outer = None
    singles = _pair_singles(texts, doubles)
    _nest_in_singles(doubles, singles, len(doubles))
    spans = doubles + singles
    order = sorted(range(len(spans)), key=lambda n: (spans[n].block, spans[n].start))
    remap = {old: new for new, old in enumerate(order)}
    result = [spans[n] for n in order]
    for span in result:
        if span.parent is not None:
            span.parent = remap[span.parent]
    return result


# --------------------------------------------------------------------------
# Pass 2: the narrative (quotes masked), its sentences and its named entities.


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


def _sentence_starts(masked: str, spans: Sequence[_Span], block: int) -> list[int]:
    """Offsets where sentences start; a quote ending in .?! can end one too."""
    starts = [0]
    for match in _SENTENCE_END.finditer(masked):
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
    for span in spans:
        if span.depth or span.last_block != block:
            continue
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


def _final_mark(text: str) -> str:
    """The quotation's last punctuation, looking past the closing marks of nested quotes."""
    return text.rstrip().rstrip("'\"\u2019\u201d\u00bb\u203a")[-1:]


def _tokens(text: str, start: int = 0, end: int | None = None) -> tuple[list[int], list[str]]:
    positions: list[int] = []
    words: list[str] = []
    for match in _TOKEN.finditer(text, start, len(text) if end is None else end):
        positions.append(match.start())
        words.append(match.group())
    return positions, words


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


@lru_cache(maxsize=65_536)
def _given_name(name: str) -> str:
    """gender-guesser's word on a first name: 'male', 'mostly_female', 'andy', 'unknown'.

    Its table (~40k first names from many countries) loads on first use.
    """
    global _GENDER_TABLE
    if not name[:1].isupper() or len(name) < 2 or "." in name or _GENDER_TABLE is False:
        return "unknown"
    if _GENDER_TABLE is None:
        try:
            from gender_guesser.detector import Detector  # ~0.15 s, once
        except ImportError:  # pragma: no cover - a dependency; stay usable without it
            _GENDER_TABLE = False
            return "unknown"
        _GENDER_TABLE = Detector(case_sensitive=False)
    return str(_GENDER_TABLE.get_gender(name))


def first_name_gender(name: str) -> str | None:
    """'he' or 'she' for a first name most people with it use, else None."""
    found = _given_name(name)
    return _PRONOUN_OF.get(found)


def _given_name_at(words: Sequence[str]) -> int:
    """Where a person's name starts inside a run of capitals led by a place or a thing
    ('Ukraine Kurt Volker', 'Britain Liu Xiaming'); 0 when it does not."""
    if len(words) < 3 or _given_name(words[0]) != "unknown":
        return 0
    for k in range(1, len(words) - 1):
        low = words[k - 1].lower().rstrip(".")
        if _is_title(low) or low in _PARTICLES or low in _CONNECTORS or low in _ORG_NOUNS:
            return 0
        if _given_name(words[k]) != "unknown":
            return k
    return 0


def _looks_like_a_person(words: Sequence[str]) -> bool:
    """'Mary Steenburgen', 'C. J. Mbeki' are people; 'Iceberg Passages' is not known to be."""
    first = words[0]
    return (len(first) == 2 and first.endswith(".")) or _given_name(first) != "unknown"


_GENDER_TABLE: Any = None  # the Detector; False once it is known to be missing
_PRONOUN_OF = {"male": "he", "mostly_male": "he", "female": "she", "mostly_female": "she"}


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
        return _given_name(following) == "unknown"  # not 'the Ministry and Ana Ruiz'
    return low in _CONNECTORS and (previous.lower() in _ORG_NOUNS or previous.lower() in _TITLES)


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
        found = _given_name(parts[0])
        return (
            self.genders.get(entity.name)  # 'Ms Ruiz'
            or (_PRONOUN_OF.get(found) if not found.startswith("mostly") else None)  # 'Mary'
            or self.pronoun_genders.get(entity.name)  # 'Swift said her …'
            or _PRONOUN_OF.get(found)  # 'Taylor' (mostly male)
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
        if not _is_cap(word):
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

    def chunks(self, words: Sequence[str], initial_at: int = 0) -> list[_Chunk]:
        """Capitalised runs of ``words``; ``initial_at`` is the sentence's first token."""
        found: list[_Chunk] = []
        i, n = 0, len(words)
        while i < n:
            if not self._name_word(words, i, i == initial_at):
                i += 1
                continue
            start, possessive = i, False
            run: list[str] = []
            at: list[int] = []  # the token index of each word of ``run``
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
                    run.append(words[i + 1])  # 'Coach (Frank) Vogel': the name, unbracketed
                    at.append(i + 1)
                    i += 3
                    continue
                elif self._name_word(words, i, i == initial_at) or (
                    run
                    and _is_cap(word)
                    and low not in _NOT_NAMES
                    and low not in _SPEECH_VERBS
                    and low not in _COMMON
                ):
                    if _POSSESSIVE.search(word) and len(word) > 2:
                        run.append(_POSSESSIVE.sub("", word))
                        at.append(i)
                        possessive = True
                        i += 1
                        break
                    run.append(word)
                    at.append(i)
                    if i + 1 < n and words[i + 1] == "." and (len(word) == 1 or low in _TITLES):
                        i += 1  # "J." or "Dr.": an initial keeps its period, as written
                        if len(word) == 1:
                            run[-1] = word + "."
                else:
                    break
                i += 1
            last = i - 1
            while run and run[-1].lower() in _CONNECTORS | _PARTICLES:
                run.pop()
                at.pop()
            if run:
                chunk = _Chunk(start, last, run, possessive)
                self._classify(chunk)
                if (
                    start == initial_at
                    and len(run) >= 3
                    and run[0] not in self.known_caps
                    and first_name_gender(run[0]) is None
                ):
                    # "Harbourmaster Idris Fenwick-Lowe": an unknown first word is a label
                    chunk.words, chunk.name = run[1:], " ".join(run[1:])
                    chunk.first = at[1]
                    self._classify(chunk)
                given = _given_name_at(chunk.words)
                if given:  # 'envoy to Ukraine Kurt Volker': the name starts at 'Kurt'
                    chunk.first = at[len(run) - len(chunk.words) + given]
                    chunk.words = chunk.words[given:]
                    chunk.name = " ".join(chunk.words)
                    self._classify(chunk)
                elif chunk.kind == "person":
                    parts = chunk.name.split()
                    given = _given_name_at(parts)
                    if given:  # 'Miss Universe Ana Ruiz': the title's tail is not her name
                        chunk.name = " ".join(parts[given:])
                found.append(chunk)
        for before, after in zip(found, found[1:], strict=False):
            # "Kremlin spokesman Dmitry Peskov": the first name is who they work for
            if after.first == before.last + 2 and words[before.last + 1] in _ROLES:
                before.kind = "org"
        return found

    @staticmethod
    def _classify(chunk: _Chunk) -> None:
        words = chunk.words
        lows = [w.lower().rstrip(".") for w in words]
        # A title word last, after a name, is a surname: 'Ken Doctor', 'Anna King'.
        titled = [
            _is_title(low) and not (0 < k == len(lows) - 1 and not _is_title(lows[k - 1]))
            for k, low in enumerate(lows)
        ]
        title_at = max((k for k, t in enumerate(titled) if t), default=-1)
        tail = lows[title_at + 1 :]
        if 0 <= title_at < len(words) - 1 and not any(low in _ORG_NOUNS for low in tail):
            chunk.kind = "person"
            chunk.name = " ".join(words[title_at + 1 :])
            chunk.roles = tuple(low for low in lows[: title_at + 1] if low in _ROLES)
        elif any(low in _ORG_NOUNS for low in lows) or (
            len(words) == 1 and len(words[0]) > 1 and words[0].replace(".", "").isupper()
        ):
            chunk.kind = "org"
            chunk.name = " ".join(words)
        elif (
            len(words) >= 2
            and lows[0] not in _NATIONALITIES
            and not any(t for t in titled)
            and (
                not any(low in _PLACE_WORDS for low in lows)
                # 'Fiona Hill', 'Linda Park': a first name makes the place word a surname
                or (
                    _given_name(words[0]) != "unknown"
                    and lows[-1] in _PLACE_WORDS
                    and not any(low in _PLACE_WORDS for low in lows[:-1])
                )
            )
        ):
            # Two capitalised words may be a person or a thing; a known first name decides.
            chunk.kind = "person" if _looks_like_a_person(words) else "name"
            chunk.name = " ".join(words)
        else:
            chunk.name = " ".join(
                w for w, t in zip(words, titled, strict=True) if not t
            ) or " ".join(words)

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
    others: list[_Entity] = field(default_factory=list)  # later people of the sentence


class _Article:
    """Narrative of a document with everything attribution needs, built once."""

    def __init__(self, doc: Document, spans: list[_Span], blocks: Sequence[Block]) -> None:
        self.kinds = [block.kind for block in blocks]
        self.attributions = [block.attribution for block in blocks]
        self.texts = [block.text for block in blocks]
        self.masked = _mask(self.texts, spans)
        self.starts = [_sentence_starts(m, spans, bi) for bi, m in enumerate(self.masked)]
        self.tokens = [_tokens(m) for m in self.masked]
        self.names = _Names()
        self.events: list[_Event] = []
        self.mentions: list[tuple[tuple[int, int], _Entity]] = []  # organisations, in order
        self._raw: dict[int, tuple[list[int], list[str]]] = {}
        self._learn()
        self._learn_quoted(spans)
        self._learn_headline(doc.title)

    def raw_tokens(self, bi: int) -> tuple[list[int], list[str]]:
        """Tokens of the unmasked text, for quotes nested inside quotes."""
        if bi not in self._raw:
            self._raw[bi] = _tokens(self.texts[bi])
        return self._raw[bi]

    def _sentences(self, bi: int) -> Iterable[tuple[int, int]]:
        """Token index ranges of each sentence of block ``bi``."""
        positions = self.tokens[bi][0]
        starts = self.starts[bi]
        lo = 0
        for boundary in [*starts[1:], len(self.masked[bi]) + 1]:
            hi = bisect_left(positions, boundary, lo)
            if hi > lo:
                yield lo, hi
            lo = hi

    def _learn(self) -> None:
        names = self.names
        narrative = [bi for bi, kind in enumerate(self.kinds) if kind != "heading"]
        for bi in narrative:
            words = self.tokens[bi][1]
            for lo, hi in self._sentences(bi):
                for k in range(lo, hi):
                    word = words[k]
                    if word.islower():
                        names.lower_words.add(word)
                    elif k > lo and _is_cap(word) and words[k - 1] not in ("\u2014", ":"):
                        names.known_caps.add(word)
        found: list[tuple[int, int, list[str], list[_Chunk]]] = []
        for bi in narrative:
            words = self.tokens[bi][1]
            for lo, hi in self._sentences(bi):
                sentence = words[lo:hi]
                chunks = names.chunks(sentence)
                for chunk in chunks:
                    before = sentence[chunk.first - 1].lower() if chunk.first else ""
                    described = before in _ROLES or (_describes(before) and chunk.kind == "person")
                    names.learn(chunk, before if described else None)  # 'actor James Van Der Beek'
                found.append((bi, lo, sentence, chunks))
        for bi, lo, sentence, chunks in found:
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
            he = sum(w.lower() in _HE_WORDS for w in sentence)
            she = sum(w.lower() in _SHE_WORDS for w in sentence)
            people = {
                self.names.entity(c).name
                for c in chunks
                if c.kind == "person" or self.names.entity(c).kind == "person"
            }
            if len(people) != 1:
                continue
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
        for chunk in chunks:
            before = sentence[chunk.first - 1].lower() if chunk.first else ""
            if chunk.kind != "person" and " " in chunk.name:
                where = (bi, positions[lo + chunk.first])
                self.mentions.append((where, _Entity(chunk.name, "org")))
            if first_person is not None and not chunk.possessive:
                other = self.names.entity(chunk)
                if other.kind == "person" and other.name != first_person.entity.name:
                    first_person.others.append(other)  # 'his editor Teresa …' for a 'she'
            if chunk.possessive or before in _PREPOSITIONS:
                continue
            entity = self.names.entity(chunk)
            if entity.kind == "name" and chunk.first == 0 and " " in entity.name:
                entity = _Entity(entity.name, "person")  # 'Montell Figgins, who …, said'
            elif entity.kind == "name" and " " in entity.name and before != "the":
                entity = _Entity(entity.name, "org")  # 'Big Machine': what 'it said' may be
            kind = "person" if entity.kind == "person" else "org"
            if entity.kind == "name" or kind in seen:
                continue
            seen.add(kind)
            self.events.append(_Event((bi, positions[lo + chunk.first]), entity))
            if kind == "person":
                first_person = self.events[-1]


# --------------------------------------------------------------------------
# Pass 3: attribution.


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


def _describes(word: str) -> bool:
    """A lower-case word that may stand in a job description before a name."""
    if word.isdigit() and len(word) == 4:
        return True  # 'a 2018 survey by …'
    return (
        (word.isalpha() or _AGED.fullmatch(word) is not None or _LABEL.fullmatch(word) is not None)
        and word.islower()
        and word not in _COMMON
        and word not in _PREPOSITIONS
        and word not in _SPEECH_VERBS
        and word not in _PARTICIPLES
        and not word.endswith("ly")
    )


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


class _Attributor:
    """Walks the quotations in order, remembering the last speaker for follow-ons."""

    def __init__(self, article: _Article, spans: list[_Span]) -> None:
        self.article = article
        self.spans = spans
        self.names = article.names
        self.event_keys = [event.where for event in article.events]
        self.speaker_events: list[_Event] = []
        self.previous: _Span | None = None

    def run(self) -> None:
        for span in self.spans:
            if span.depth == 0:
                span.speaker = self._top_level(span)
                self.previous = span
            else:
                span.speaker = self._nested(span)
            if span.speaker is None:
                span.speaker = self._blockquote_attribution(span.block)

    # -- windows ---------------------------------------------------------

    def _window(self, bi: int, lo: int, hi: int, initial: bool, tail: bool = False) -> _Window:
        """Tokens between two offsets: the last ones if ``tail``, else the first ones."""
        positions, words = self.article.tokens[bi]
        a = bisect_left(positions, lo)
        b = bisect_left(positions, hi)
        if b - a > _WINDOW_WORDS:
            if tail:
                a, initial = b - _WINDOW_WORDS, False
            else:
                b = a + _WINDOW_WORDS
        return _Window(words[a:b], self.names, 0 if initial else -1, (bi, positions[a:b]))

    def _before(self, span: _Span) -> _Window:
        starts = self.article.starts[span.block]
        sentence = starts[bisect_right(starts, span.start) - 1]
        lo = max(sentence, span.start - _WINDOW)
        return self._window(span.block, lo, span.start, lo == sentence, tail=True)

    def _after(self, span: _Span) -> _Window:
        bi = span.last_block
        starts = self.article.starts[bi]
        masked = self.article.masked[bi]
        k = bisect_right(starts, span.end)
        if (
            k < len(starts)
            and not masked[span.end : starts[k]].strip()
            and _final_mark(span.text) in ("?", "!")
        ):
            k += 1  # '“Why now?” Smith asked.' (after a full stop a new sentence starts)
        hi = starts[k] if k < len(starts) else len(masked)
        return self._window(bi, span.end, min(hi, span.end + _WINDOW), False)

    # -- rules -----------------------------------------------------------

    def _top_level(self, span: _Span) -> str | None:
        before, after = self._before(span), self._after(span)
        if _names_it(before):
            return None
        subject = _attribute_after(after)
        said_after = subject is not None
        if subject is None:
            subject = _attribute_before(before)
        if _modifies_a_noun(before.words, after.words) and not said_after:
            return None  # 'the “one country, two systems” formula', 'an “irregular” channel'
        if _is_title_text(span.text) and not (said_after and isinstance(subject, _Entity)):
            return None  # 'According to LN, expect “Black Water,” …': a song, not speech
        where = (span.block, span.start)
        if isinstance(subject, _The):
            subject = self._described_as(subject, where)
        if subject == _UNNAMED:
            # someone we cannot name spoke: a later 'she said' must not reach past them
            self.speaker_events.append(_Event(where, _Entity("", "person")))
            return None
        # A pronoun refers back from where it stands: 'He said Thomas ... “…”' is not Thomas.
        said_at = None  # after the quote, a pronoun refers back from the quote itself
        if not said_after and isinstance(subject, str) and subject in _PRONOUNS:
            said_at = before.pronoun_at(subject, True)
        entity = self._resolve(subject, said_at or where)
        if entity is None:
            entity = self._follow_on(span, before, after)
        if entity is None and subject is None:
            entity = self._subject_of_sentence(span, before) or self._led_in(span, before, after)
        if entity is None:
            return None
        if entity.kind == "name" and " " in entity.name:
            entity = _Entity(entity.name, "person")  # it speaks: a pronoun may stand for it now
        self.speaker_events.append(_Event(where, entity))
        return entity.name

    def _subject_of_sentence(self, span: _Span, before: _Window) -> _Entity | None:
        """'The Pentagon rejected these accusations as “patently false”': words quoted in a
        sentence whose subject is a named person or organisation are theirs.
        """
        words = before.words
        if before.initial != 0 or "as" not in [w.lower() for w in words[-4:]]:
            return None  # only 'rejected X as “…”', 'sees X as its “…”', 'described as “…”'
        if not any(_is_word(w) for w in words):
            return None
        if len(span.text.split()) < 2 or _is_title_text(span.text):
            return None  # 'an “irregular” channel': one word is the writer's emphasis
        k = 1 if words and words[0].lower() == "the" else 0
        if k < len(words) and words[k].lower() in ("he", "she") and k == 0:
            return self._resolve(words[0].lower(), (span.block, self._sentence_start(span)))
        chunk = before.chunk_starting(k)
        if chunk is not None and chunk.possessive:
            chunk = before.chunk_starting(chunk.last + 1)  # 'Delhi’s Chief Minister X'
        if chunk is None or chunk.possessive:
            return None
        entity = self.names.entity(chunk)
        return entity if entity.kind in ("person", "org") else None

    def _led_in(self, span: _Span, before: _Window, after: _Window) -> _Entity | None:
        """'Aderholt returned to the issue. “What launch vehicles exist?”': a quotation
        standing alone after a sentence about one person, in the same paragraph, is theirs."""
        if any(_is_word(w) for w in before.words) or any(_is_word(w) for w in after.words):
            return None
        starts = self.article.starts[span.block]
        k = bisect_right(starts, span.start) - 1
        if k <= 0 or starts[k] != self._sentence_start(span):
            return None
        lead = self._window(span.block, starts[k - 1], starts[k], True)
        if not lead.words or any(w[0] == _SENTINEL for w in lead.words):
            return None  # a sentence holding a quote of its own is not a lead-in
        said = _attribute_before(lead)
        if said is not None:
            return self._resolve(said, (span.block, starts[k - 1]))
        first = 1 if lead.words[0].lower() == "the" else 0
        chunk = lead.chunk_starting(first)
        if chunk is None or chunk.possessive:
            return None
        entity = self.names.entity(chunk)
        return entity if entity.kind == "person" else None

    def _described_as(self, the: _The, where: tuple[int, int]) -> _Found:
        """'the production company' is the Dick Clark Productions the article named; 'the
        actor' is the last speaker, when they are also the one last in view."""
        k = bisect_left(self.article.mention_keys, where)
        for n in range(k - 1, max(-1, k - 60), -1):
            entity = self.article.mentions[n][1]
            if _shares_a_stem(the.words, entity.name):
                return entity
        last = self.speaker_events[-1].entity if self.speaker_events else None
        if last is None or not last.name:
            return _UNNAMED
        in_view = self._resolve("someone", where)
        return last if in_view is not None and in_view.name == last.name else _UNNAMED

    def _resolve(self, subject: _Found, where: tuple[int, int]) -> _Entity | None:
        """A pronoun is whoever the article was last about (or last quoted)."""
        if subject is None or isinstance(subject, _Entity):
            return subject
        if isinstance(subject, _The):
            described = self._described_as(subject, where)
            return described if isinstance(described, _Entity) else None
        wanted = {
            "he": ("person",),
            "she": ("person",),
            "it": ("org",),
            "they": ("person", "org"),
            "someone": ("person",),
        }.get(subject)
        if wanted is None:
            return None
        names = self.names
        k = bisect_left(self.event_keys, where)
        topic = None
        for n in range(k - 1, max(-1, k - 40), -1):
            event = self.article.events[n]
            if event.entity.kind in wanted and names.may_be(subject, event.entity):
                topic = event
                break
            # the sentence's subject is of the other gender: someone else it names
            other = next((o for o in reversed(event.others) if names.is_surely(subject, o)), None)
            if other is not None:
                topic = _Event(event.where, other)
                break
        spoken = None
        for event in reversed(self.speaker_events[-10:]):
            if event.entity.kind in wanted and names.may_be(subject, event.entity):
                spoken = event
                break
        if topic is None or (spoken is not None and spoken.where >= topic.where):
            found = spoken.entity if spoken else None
        else:
            found = topic.entity
        return found if found is not None and found.name else None

    def _follow_on(self, span: _Span, before: _Window, after: _Window) -> _Entity | None:
        """A quote with no attribution of its own, right after an attributed one, is the
        same speaker's: bare ('“…”'), or a sentence of speech inside narrative that names
        no one else ('That process led to a realization: “…”').
        """
        worded = any(_is_word(w) for w in before.words) or any(_is_word(w) for w in after.words)
        if worded:
            if (
                len(span.text.split()) < 4  # 'a “historic” deal' is the writer's word
                or _is_title_text(span.text)
                or any(_is_verb(w.words, k) for w in (before, after) for k in range(len(w.words)))
            ):
                return None
        else:
            cited = self._blockquote_attribution(span.block)
            if cited:
                return _Entity(cited, "person")  # <blockquote>…<footer>Jane Jacobs</footer>
            if span.start == self._sentence_start(span) and not before.words:
                intro = self._colon_intro(span.block)
                if intro is not None:
                    return intro
        prev = self.previous
        if prev is None or prev.speaker is None or self.article.kinds[prev.last_block] == "heading":
            return None  # nothing follows on from a heading or the headline
        between = range(prev.last_block + 1, span.block)
        if len(between) > 2 or any(self.article.kinds[b] not in _ASIDES for b in between):
            return None  # only a photo caption or a subheading may stand in between
        speaker = self.speaker_events[-1].entity if self.speaker_events else None
        if speaker is None or speaker.name != prev.speaker:
            return None
        if prev.last_block == span.block and self._one_sentence_between(prev, span):
            return speaker  # '“…,” the judge told Okonjo. “…”': Okonjo is an object
        # someone else became the topic in between: better none than wrong
        lo = bisect_right(self.event_keys, (prev.last_block, prev.end))
        hi = bisect_left(self.event_keys, (span.block, span.start))
        for event in self.article.events[lo:hi]:
            if event.entity.kind == "person" and event.entity.name != speaker.name:
                return None
        return speaker

    def _one_sentence_between(self, prev: _Span, span: _Span) -> bool:
        """Only the rest of ``prev``'s own sentence lies between the two quotes."""
        starts = self.article.starts[span.block]
        if bisect_right(starts, prev.end) != bisect_left(starts, span.start):
            return False
        positions, words = self.article.tokens[span.block]
        gap = words[bisect_left(positions, prev.end) : bisect_left(positions, span.start)]
        return len(gap) <= 12 and not any(w in _COORDINATORS for w in gap)  # ', and Feld …'

    def _sentence_start(self, span: _Span) -> int:
        starts = self.article.starts[span.block]
        return starts[bisect_right(starts, span.start) - 1]

    def _colon_intro(self, bi: int) -> _Entity | None:
        """'Peskov told reporters:' ending the paragraph before a quote."""
        if bi == 0 or self.article.kinds[bi - 1] not in _CONTINUE_BLOCKS:
            return None
        masked = self.article.masked[bi - 1].rstrip()
        if not masked.endswith(":"):
            return None
        starts = self.article.starts[bi - 1]
        lo = max(starts[-1], len(masked) - _WINDOW)
        win = self._window(bi - 1, lo, len(masked), lo == starts[-1], tail=True)
        return self._resolve(_attribute_before(win), (bi, 0))

    def _nested(self, span: _Span) -> str | None:
        """A quote inside a quote: only an explicit name inside the outer one counts."""
        if span.parent is None:
            return None
        outer = self.spans[span.parent]
        if outer.block != span.block:
            return None
        text = self.article.texts[span.block]
        inner_end = outer.end - 1 if outer.last_block == span.block else len(text)
        positions, words = self.article.raw_tokens(span.block)
        a = bisect_left(positions, max(outer.start + 1, span.start - _WINDOW))
        b = bisect_left(positions, span.start)
        c = bisect_left(positions, span.end)
        d = bisect_left(positions, min(inner_end, span.end + _WINDOW))
        pre = _Window(words[max(a, b - _WINDOW_WORDS) : b], self.names, -1)
        post = _Window(words[c : min(d, c + _WINDOW_WORDS)], self.names, -1)
        if _names_it(pre):
            return None
        subject = _attribute_after(post) or _attribute_before(pre)
        if isinstance(subject, _Entity):
            return subject.name
        if outer.speaker and len(span.text.split()) > 1 and _first_person_lead(pre.words):
            return outer.speaker  # '“… and I said, ‘I want more.’”': the speaker's own words
        return None  # no pronouns in here

    def _blockquote_attribution(self, bi: int) -> str | None:
        """A <blockquote> whose <footer> names its author."""
        attribution = self.article.attributions[bi]
        if not attribution or self.article.kinds[bi] != "blockquote":
            return None
        credit = attribution.strip(" \u2014\u2013-~")
        name, _, rest = credit.partition(",")  # 'Jane Jacobs, in her 1961 book'
        if rest and rest.strip(" .").lower() not in _SUFFIXES and name.strip():
            credit = name.strip()
        return credit or None


# --------------------------------------------------------------------------
# Public API.


def _whole_block(span: _Span, texts: Sequence[str]) -> bool:
    """The quotation is all its paragraph holds (a subheading, a pull quote)."""
    text = texts[span.block]
    return span.last_block == span.block and not (text[: span.start] + text[span.end :]).strip()


def _pull_quotes(spans: Sequence[_Span], texts: Sequence[str]) -> None:
    """A quotation repeated from an attributed one (a pull quote, a subheading) is theirs.

    Only a whole paragraph or a long quotation counts: a slogan is repeated by many.
    """
    said = [s for s in spans if s.speaker and s.depth == 0]
    if not said:
        return
    joined = "\n".join(" ".join(_TITLE_WORD.findall(s.text.lower())) for s in said)
    ends = list(accumulate(len(" ".join(_TITLE_WORD.findall(s.text.lower()))) + 1 for s in said))
    looked = 0
    for span in spans:
        if span.speaker is None and span.depth == 0 and looked < _PULL_QUOTES:
            words = _TITLE_WORD.findall(span.text.lower())
            if len(words) >= 6 or (len(words) == 5 and _whole_block(span, texts)):
                looked += 1  # a bounded number of searches: hostile text has thousands
                at = joined.find(" ".join(words))
                if at >= 0:
                    span.speaker = said[bisect_right(ends, at)].speaker


def find_quotes(doc: Document) -> list[Quote]:
    """Every quotation of ``doc`` in reading order, each with its speaker if known.

    Quotations in the headline come first, with ``paragraph`` :data:`HEADLINE` (-1).
    """
    blocks: Sequence[Block] = doc.blocks
    shift = 0
    if doc.title and (_DOUBLE_MARK.search(doc.title) or _SINGLE_MARK.search(doc.title)):
        # The headline is read as a heading before the body: its quotes are found and
        # attributed with the rest, and nothing follows on from a heading.
        blocks = (Block("heading", (Span(doc.title),)), *blocks)
        shift = 1
    kinds = [block.kind for block in blocks]
    # a "string" in a code sample is not a quotation
    texts = [
        "" if kind == "preformatted" else block.text
        for kind, block in zip(kinds, blocks, strict=True)
    ]
    spans = _pair_marks(texts, kinds)
    if not spans:
        return []
    article = _Article(doc, spans, blocks)
    _Attributor(article, spans).run()
    _pull_quotes(spans, texts)
    return [
        Quote(
            paragraph=span.block - shift,
            start=span.start,
            end=span.end,
            text=span.text,
            speaker=span.speaker,
            last_paragraph=span.last_block - shift if span.last_block != span.block else None,
        )
        for span in spans
    ]


def speakers(quotes: Iterable[Quote]) -> list[str]:
    """Distinct speakers in order of first quotation, for a 'who is quoted' line."""
    seen: dict[str, None] = {}
    for quote in quotes:
        if quote.speaker:
            seen.setdefault(quote.speaker, None)
    return list(seen)
