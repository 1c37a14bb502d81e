"""An article's archive terms: the names, phrases and words that say which story it is.

Run once per article at analysis; the ~40 strongest terms are kept in ``Article.terms``
and :mod:`reader.core.analysis.similarity` compares them across the archive.

Three kinds of key, each readable as written so a reason can quote it:

- names, whole and as written: "Lindsay Lohan", "Gulf of Aden", "NATO". A person's
  surname alone ("Lohan") counts for the full name the article gives, so two
  different Okafors never share a key through their surname; honorifics and roles
  ("Sen.", "President") are not part of a name. The surname is also kept on its
  own, at half weight, so a later "Lohan"-only story still finds it; the index
  does not let it link two different people (see ``SimilarityIndex``);
- phrases: two content words in a row that the article repeats ("ferry strike",
  "drunk driving");
- words, lower case and crudely singular ("ceasefire").

Dates, times ("9:42 p.m."), months and days, honorifics, state abbreviations, wire
credits, a section header in capitals and a page's furniture (sign-up prompts,
copyright lines) are never keys: they are on every story.
"""

from __future__ import annotations

import functools
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat
from operator import ge, itemgetter, ne

from reader.core.analysis.quotes.first_names import given_name

TERMS_VERSION = 2  # what index_terms keeps; stored terms of another version are derived again
MAX_TERMS = 40
MAX_INDEXED_CHARS = 100_000  # ~15,000 words: past that, more text names no new story
ENTITY_BOOST = 2.0
PHRASE_BOOST = 1.2
TITLE_BOOST = 1.5
SURNAME_WEIGHT = 0.5  # a surname kept beside the full name: a weaker clue than the name

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
    mon tue tues wed thu thur thurs fri sat jan feb mar apr jun jul aug sep sept oct
    nov dec morning afternoon evening night noon midnight old
    mr mrs ms dr sir st prof jr sr vs am pm
"""
# Titles and roles are capitalised before names ("President Vladimir Putin"), so
# they would pass for entities and make weak reasons ("also mentions President").
_ROLE_TEXT = """
    president minister prime chancellor secretary spokesman spokeswoman spokesperson
    mayor governor senator councillor councilor director chief chairman chairwoman
    chair head leader general officer professor doctor dr mr mrs ms sir lord lady
    king queen prince princess pope ambassador envoy commissioner deputy vice
    sen rep gov lt col capt sgt gen rev hon supt det insp atty adm cmdr cpl pvt
    representative congressman congresswoman judge justice attorney sheriff
    detective inspector sergeant captain lieutenant colonel admiral
"""
# Abbreviations that are on every story: time zones, wire credits, US state
# abbreviations (AP style and postal), and the country itself.
_NOT_NAMES_TEXT = """
    am pm et est edt ct cst cdt mt mst mdt pt pst pdt gmt utc bst cet
    ap afp upi reuters pa dpa ians pti
    us usa
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn
    miss mo mont neb nev okla ore penn tenn tex va vt wash wis wisc wyo
    al ak az ar ca co ct de fl hi ia id il in ks me mi mn ms nc nd ne nh nj nm nv
    ny oh ok or ri sc sd tn tx ut wa wi wv wy dc
    photo photos video file update updated breaking exclusive watch read
    copyright rights reserved
"""
_ROLES = frozenset(_ROLE_TEXT.split())
STOPWORDS = frozenset(_STOPWORD_TEXT.split()) | _ROLES
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())

# An abbreviation whose full stop does not end the sentence ("Mr. Putin").
_ABBREVIATION_TEXT = "mr mrs ms dr st gen sen rep gov lt col capt sgt prof jr sr vs no rev hon"
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
# Lower-case words inside a name: "Gulf of Aden", "Ludwig van Beethoven".
_NAME_JOINS = frozenset(
    ["of", "de", "du", "da", "la", "le", "van", "von", "der", "den", "bin", "al", "del", "di"]
)

# Letters with inner apostrophes ("O'Brien", "don't"), or a dotted abbreviation
# ("U.S.", "p.m."): (?:L\.){2,}|L+(?:['’]L+)* for a letter L, written as one letter
# then the rest, each part possessive (never giving back what it took): the same
# words for a quarter less of the regex engine's work.
_L = r"[^\W\d_]"
_SPLIT = re.compile(rf"({_L}(?:\.{_L}\.(?:{_L}\.)*+|{_L}*+(?:['’]{_L}++)*+))")
_DOTTED = re.compile(r"\.[^\W\d_]\.")  # in every dotted token ("U.S."): a fast first look
_SENTENCE_END = frozenset(".!?:;\n")
_OPENING_QUOTES = frozenset("“«„‘\"'")
# Below U+0800 (Latin, Greek, Cyrillic, Hebrew, Arabic) the letters spelled out as a
# class, which the regex engine tests in a bitmap where a category takes several
# Unicode lookups a character: the split in about half the time.
_MAPPED = 0x800
_UNMAPPED_LETTER = re.compile(rf"[^\x00-\u{_MAPPED - 1:04x}](?<={_L})")


@functools.cache
def _mapped_split() -> re.Pattern[str]:
    """_SPLIT with the mapped letters for its letter class (compiled at first use, ~2 ms)."""
    below = "".join(map(chr, range(_MAPPED)))
    spans = (match.span() for match in re.finditer(f"{_L}+", below))
    letter = "[" + "".join(f"\\u{a:04x}-\\u{b - 1:04x}" for a, b in spans) + "]"
    return re.compile(_SPLIT.pattern.replace(_L, letter))


def _split(text: str) -> list[str]:
    """``_SPLIT.split(text)``: the mapped pattern's split, unless a letter past the map
    (Chinese, Thai) is in a gap, where the mapped pattern leaves it."""
    parts = _mapped_split().split(text)
    gaps = "".join(parts[::2])
    if not gaps.isascii() and _UNMAPPED_LETTER.search(gaps):
        return _SPLIT.split(text)
    return parts


def is_entity(term: str) -> bool:
    """Whether an index key names a person, place or organisation (display form)."""
    return term[:1].isupper()


def is_phrase(term: str) -> bool:
    """Whether an index key is more than one word: a whole name or a phrase."""
    return " " in term


@functools.lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    """Crude plural stripping: consistent across articles matters more than correct."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65536)
def _key(lower: str) -> tuple[str, str] | tuple[()]:
    """A word's (lower case, singular) counting key; () for a word that is never a key.
    Memoised: a pure function of the word, asked again for every capitalised word."""
    if len(lower) < 3 or lower in STOPWORDS or "'" in lower or "’" in lower:
        return ()
    return lower, _singular(lower)


# The key of each lower-case word as written (most tokens): a pure function of it,
# kept between articles and dropped whole when it grows past the bound.
_PLAIN_KEYS: dict[str, tuple[str, str] | tuple[()]] = {}
_PLAIN_KEYS_MAX = 200_000


def _plain_key(raw: str) -> tuple[str, str] | tuple[()]:
    if len(_PLAIN_KEYS) >= _PLAIN_KEYS_MAX:
        _PLAIN_KEYS.clear()
    form = raw[:-2] if len(raw) > 3 and raw.endswith(("'s", "’s")) else raw
    key = _PLAIN_KEYS[raw] = _key(form.lower())
    return key


# What a capitalised, upper-case or dotted token is: (capital, acronym, sure, skip,
# can, key). ``sure``: capitalised where only a name would be (not sentence-initial);
# ``skip``: never a key (a time, a credit, a header word, an initial); ``can``: may be
# part of a name where it is sure or named so elsewhere in the article; ``key``: its
# counting key as a word (as _key's).
_Kind = tuple[bool, bool, bool, bool, bool, tuple[str, str] | tuple[()]]


@dataclass(slots=True)
class _Line:
    """One line's tokens: forms as written (possessive stripped, a dotted abbreviation
    without dots), the text before each, each one's key as a plain word, and the kind
    of each token that is not a plain lower-case word (most are: nothing to decide
    for them)."""

    raw: list[str]
    forms: list[str]
    gaps: list[str]  # the first is not the line's own: the text since the last word
    keys: list[tuple[str, str] | tuple[()]]
    kinds: dict[int, _Kind]
    in_title: bool


# Where str.splitlines splits: a gap holding one of them starts a line.
_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

# A word's share of its line's tally: 1 if it is not a stopword, and then _CAPITAL
# if it starts with a capital and _SHOUTED if all in capitals (a Title Case or SHOUTING
# line). A pure function of the word, kept between articles like _PLAIN_KEYS. Above
# the fields (its sums never read), _SPECIAL marks a word that does not start with a
# lower-case letter: one whose kind is told. _POSSESSIVES holds the form of each word
# of _TALLIES that is a possessive ("Russia's" -> "Russia").
_CAPITAL, _SHOUTED, _FIELD = 1 << 20, 1 << 40, (1 << 20) - 1  # a line has < 2**20 words
_SPECIAL = 1 << 60
_TALLIES: dict[str, int] = {}
_POSSESSIVES: dict[str, str] = {}


# What the text between two words says of the second: it starts a line (_LINE), a
# sentence (True) or not (False), or a sentence unless the first is an abbreviation
# (_STOP: a full stop alone). A pure function of the text, kept between articles.
_LINE, _STOP = "line", "stop"
_GAP_KINDS: dict[str, bool | str] = {}


def _gap_kind(gap: str) -> bool | str:
    if len(_GAP_KINDS) >= _PLAIN_KEYS_MAX:
        _GAP_KINDS.clear()
    kind: bool | str
    if _BREAK.search(gap):
        kind = _LINE
    elif gap[-1:] in _OPENING_QUOTES and (len(gap) == 1 or gap[-2].isspace()):
        kind = True
    elif _SENTENCE_END.intersection(gap):
        kind = _STOP if gap.strip() == "." else True
    else:
        kind = False
    _GAP_KINDS[gap] = kind
    return kind


def _tally(word: str) -> int:
    if word.islower():  # (never a capital; the stopwords are all lower case)
        tally = int(word not in STOPWORDS)
    elif word.lower() in STOPWORDS:
        tally = 0
    else:
        tally = 1 + (_CAPITAL if word[0].isupper() else 0)
        tally += _SHOUTED if word.isupper() and len(word) > 1 else 0
    if len(word) > 3 and word.endswith(("'s", "’s")):
        _POSSESSIVES[word] = word[:-2]
    if not word[0].islower():
        tally |= _SPECIAL
    _TALLIES[word] = tally
    return tally


def _tokens(text: str, *, in_title: bool) -> list[_Line]:
    """The text's lines (those with words), from one split of the whole text: a line
    starts at a gap holding a line break. A Title Case or SHOUTING line is told from
    its words' tallies, summed once for the text."""
    if _boilerplate(text):  # most texts have none: no line need be looked at
        text = "\n".join(line for line in text.splitlines() if not _boilerplate(line))
    if len(_TALLIES) >= _PLAIN_KEYS_MAX:  # (the two together, between texts)
        _TALLIES.clear()
        _POSSESSIVES.clear()
    parts = _split(text)  # gap, word, gap, word, ..., tail: no match objects
    gaps, raw = parts[0:-1:2], parts[1::2]
    if not raw:
        return []
    tallies = list(map(_TALLIES.get, raw))
    if None in tallies:  # a word not met before (after a few articles, rare)
        for i in [i for i, tally in enumerate(tallies) if tally is None]:
            tallies[i] = _tally(raw[i])
    # (operator's functions: a C call each, where an int's method goes through a wrapper)
    special = list(compress(count(), map(ge, tallies, repeat(_SPECIAL))))  # type: ignore[arg-type]
    if "." in text and _DOTTED.search(text):  # dotted abbreviations ("U.S.", "p.m.")
        special = sorted({*special, *(i for i, f in enumerate(raw) if "." in f)})
    forms = raw
    if "'s" in text or "’s" in text:  # possessives: the few words that end so, found at C speed
        forms = list(map(_POSSESSIVES.get, raw, raw))
    initials = [False] * len(raw)  # does the word start a sentence (or the line)?
    starts = [0]  # the first word of each line
    initials[0] = True
    # Most words follow a single space: nothing to decide for them.
    get = _GAP_KINDS.get
    for index in compress(count(), map(ne, gaps, repeat(" "))):
        if not index:
            continue
        gap = gaps[index]
        kind = get(gap)
        if kind is None:
            kind = _gap_kind(gap)
        if kind is _LINE:
            starts.append(index)
            initials[index] = True
        elif kind is _STOP:
            prev_word = raw[index - 1]  # "Mr. Putin", "John F. Kennedy"
            initials[index] = not (prev_word.lower() in _ABBREVIATIONS or len(prev_word) == 1)
        else:
            initials[index] = kind is True
    sums: list[int] = [0, *accumulate(tallies)]  # type: ignore[list-item]  # (no None left)
    keys = list(map(_PLAIN_KEYS.get, raw))  # (lower case, singular) or (): never a key
    if None in keys:  # a word not met before (after a few articles, rare)
        for i in [i for i, key in enumerate(keys) if key is None]:
            keys[i] = _plain_key(raw[i])
    lines = []
    for a, b in zip(starts, [*starts[1:], len(raw)], strict=True):
        lo, hi = bisect_left(special, a), bisect_left(special, b)
        line = _Line(raw[a:b], forms[a:b], gaps[a:b], keys[a:b], {}, in_title)  # type: ignore[arg-type]
        if lo < hi:
            _kinds(line, [i - a for i in special[lo:hi]], initials[a:b], sums[b] - sums[a])
        lines.append(line)
    return lines


def _kinds(line: _Line, special: list[int], initials: list[bool], tally: int) -> None:
    """The kind of each word of ``special`` (line indices), its form made a key's."""
    raw, forms, gaps, kinds = line.raw, line.forms, line.gaps, line.kinds
    # A Title Case Headline Capitalises Everything, and a SECTION HEADER is all
    # capitals: there capitals prove nothing.
    words, capitals, shouted = tally & _FIELD, tally >> 20 & _FIELD, tally >> 40 & _FIELD
    title_case = words >= 3 and capitals >= 0.8 * words
    shouting = shouted >= max(2, 0.6 * words)
    shapes = _SHAPES[shouting]
    for index in special:
        shape = shapes.get(forms[index])
        if shape is None:
            shape = _shape(forms[index], shouting)
        form, capital, acronym, skip, named, can, key = shape
        initial = initials[index]
        sure = capital and not initial and not title_case and not shouting
        if capital and initial and not title_case and index + 1 < len(raw):
            # "Vladimir Putin said": a capital followed by a sure name is a name.
            after, after_initial = raw[index + 1], initials[index + 1]
            if gaps[index + 1] == " " and after[:1].isupper() and not after.isupper():
                sure = not after_initial and named
        forms[index] = form
        kinds[index] = (capital, acronym, sure, skip, can, key)


# What a word of _kinds is apart from its place: (form, capital, acronym, skip, not a
# stopword, can, key), in a line that is not SHOUTING and in one that is. A pure
# function of the two, kept between articles like _PLAIN_KEYS.
_Shape = tuple[str, bool, bool, bool, bool, bool, tuple[str, str] | tuple[()]]
_SHAPES: tuple[dict[str, _Shape], dict[str, _Shape]] = ({}, {})


def _shape(word: str, shouting: bool) -> _Shape:
    """``word``'s shape, kept in _SHAPES: most capitalised words recur across articles."""
    shapes = _SHAPES[shouting]
    if len(shapes) >= _PLAIN_KEYS_MAX:
        shapes.clear()
    form = word
    skip = False
    if "." in form:  # "U.S." is an abbreviation; "p.m." and "e.g." are not names
        skip = form.islower()
        form = form.replace(".", "").upper()
        acronym = True
    else:
        acronym = 2 <= len(form) <= 5 and form.isupper() and form.isalpha() and not shouting
    if shouting and form.isupper():
        skip = True  # "BREAKING NEWS", "POLITICS"
    elif form.isupper() and len(form) > 5:
        form = form.lower()  # "found GUILTY": emphasis, not a name
    capital = form[:1].isupper()
    lower = form.lower()
    if (lower in _NOT_NAMES and (capital or acronym)) or lower[:2] in ("i'", "i’"):
        skip = True  # "I'm" is capitalised everywhere and names no one
    named = lower not in STOPWORDS or form == "New"
    can = not skip and len(form) >= 2 and (acronym or (capital and named))
    key = () if skip or acronym else _key(lower)
    shape = shapes[word] = (form, capital, acronym, skip, named, can, key)
    return shape


# A paragraph that is the page's furniture, not the story: sign-up prompts,
# copyright lines, posted/updated stamps (matched in lower case).
_BOILERPLATE = (
    "copyright", "©", "rights reserved", "thank you for registering", "sign up",
    "subscribe", "newsletter", "click here", "junk folder", "junk mail", "spam folder",
    "terms of use", "terms of service", "privacy policy", "follow us", "share this",
    "advertisement", "may not be published", "may not be reproduced", "posted:",
    "updated:", "published:",
)  # fmt: skip


def _boilerplate(line: str) -> bool:
    # One substring search per phrase: faster than one pattern of them all, which the
    # regex engine tries at every position.
    low = line.lower()
    return any(phrase in low for phrase in _BOILERPLATE)


def _names(line: _Line, sure_names: set[str]) -> Iterator[tuple[int, int, str, bool]]:
    """(first token, end token, name as written, a person?) for each whole name in a line.

    A person's name starts with a known first name or follows a title ("Sen.",
    "President").

    Capitals in a row make one name ("Betty Ford Center"), across a lower-case
    join ("Gulf of Aden") and a middle initial ("John F. Kennedy" is "John
    Kennedy"); an acronym stands alone.
    """
    forms, gaps, kinds = line.forms, line.gaps, line.kinds
    n = len(forms)

    def part(i: int) -> bool:  # a token that can be part of a name (not an acronym's)
        kind = kinds.get(i)  # (None for a plain lower-case word)
        return kind is not None and kind[4] and (kind[1] or kind[2] or forms[i] in sure_names)

    after = 0  # where the last name ended: a name does not start inside another
    for index in [i for i, kind in kinds.items() if kind[0] or kind[1]]:
        if index < after or not part(index):
            continue
        acronym = kinds[index][1]
        parts = [forms[index]]
        end = index + 1
        while not acronym and end < n:
            nxt = forms[end]
            if gaps[end] == " " and part(end) and not kinds[end][1]:
                parts.append(nxt)
                end += 1
            elif (
                gaps[end] == " "
                and end + 1 < n
                and gaps[end + 1] in (" ", ". ")
                and (
                    nxt in _NAME_JOINS
                    or (len(nxt) == 1 and nxt.isupper() and gaps[end + 1] == ". ")
                )
                and part(end + 1)
                and not kinds[end + 1][1]
            ):
                if nxt in _NAME_JOINS:
                    parts.append(nxt)
                parts.append(forms[end + 1])
                end += 2
            else:
                break
        if parts != ["New"]:
            titled = index > 0 and forms[index - 1].lower() in _ROLES
            yield index, end, " ".join(parts), titled or given_name(parts[0]) != "unknown"
        after = end


def index_terms(title: str, text: str) -> dict[str, float]:
    """The ~40 weighted terms that stand for an article in the similarity index.

    Names count double and title terms half again, because those are what make two
    stories the same story; weights are sublinear in frequency so one repeated
    word cannot dominate.
    """
    lines = [
        *_tokens(title[:MAX_INDEXED_CHARS], in_title=True),
        *_tokens(text[:MAX_INDEXED_CHARS], in_title=False),
    ]
    sure_names = {
        line.forms[i]
        for line in lines
        for i, (_, acronym, sure, skip, _, _) in line.kinds.items()
        if (sure or acronym) and not skip
    }
    found = [(line, list(_names(line, sure_names)) if line.kinds else []) for line in lines]
    surnames = _surnames(name for _, names in found for _, _, name, person in names if person)

    counted: list[str] = []  # every word counted, and every name by its key
    paired: list[str] = []  # two words in a row: phrase candidates
    titled: set[str] = set()
    for line, names in found:
        keys = line.keys
        for i, kind in line.kinds.items():
            keys[i] = kind[5]
        first = len(counted), len(paired)
        for start, end, name, _ in names:
            counted.append(surnames.get(name, name))
            keys[start:end] = [()] * (end - start)  # inside a name: no word, no phrase
        counted += map(itemgetter(1), filter(None, keys))
        gaps = line.gaps
        paired += [
            f"{a[0]} {b[1]}"
            for a, b, gap in zip(keys, keys[1:], gaps[1:], strict=False)
            if a and b and gap == " "
        ]
        if line.in_title:
            titled.update(counted[first[0] :], paired[first[1] :])
    counts = Counter(counted)
    for phrase, times in Counter(paired).items():
        if times > 1:
            counts[phrase] = times
    aliases = set()  # "Lohan" beside "Lindsay Lohan"
    for surname, name in surnames.items():
        if name in counts and surname not in counts:
            aliases.add(surname)
            counts[surname] = counts[name]
            if name in titled:
                titled.add(surname)
    weights: dict[str, float] = {}
    # Most keys are a word said once: weight 1.0 and count 1, the least there is, so
    # they rank below every other key (among themselves longest first) and are
    # weighed and sorted only when the others are too few.
    floor: list[str] = []
    for key, times in counts.items():
        if times == 1 and key not in titled and not key[:1].isupper() and key not in aliases:
            floor.append(key)  # (not an entity, and a phrase counts only when repeated)
            continue
        entity_or_phrase = 1 if is_entity(key) else 2 if is_phrase(key) else 0
        weight = _weight(times, entity_or_phrase, key in titled, key in aliases)
        if weight == 1.0 and times == 1:
            floor.append(key)  # a surname's count 1 at half weight
        else:
            weights[key] = weight
    best = sorted(weights, key=lambda k: (-weights[k], -counts[k], -len(k), k))[:MAX_TERMS]
    if len(best) < MAX_TERMS:
        low = sorted(floor, key=lambda k: (-len(k), k))[: MAX_TERMS - len(best)]
        return {key: weights[key] for key in best} | dict.fromkeys(low, 1.0)
    return {key: weights[key] for key in best}


@functools.lru_cache(maxsize=4096)
def _weight(times: int, kind: int, titled: bool, alias: bool) -> float:
    """A key's weight from its count, kind (1: entity, 2: phrase) and place: memoised,
    the few values there are being asked for again and again."""
    weight = 1.0 + math.log(times)
    if kind == 1:
        weight *= ENTITY_BOOST
    elif kind == 2:
        weight *= PHRASE_BOOST
    if titled:
        weight *= TITLE_BOOST
    if alias:
        weight *= SURNAME_WEIGHT
    return round(weight, 3)


def _surnames(names: Iterator[str]) -> dict[str, str]:
    """A lone surname -> the one full name the article gives a person (``names``) with it.

    "Lohan" counts for "Lindsay Lohan"; with two people of one surname, or a place
    ("Sudan" beside "South Sudan"), the lone word stays itself.
    """
    full: dict[str, set[str]] = {}
    for name in set(names):
        words = name.split()
        if 2 <= len(words) <= 4 and not words[-1].isupper():
            full.setdefault(words[-1], set()).add(name)
    return {surname: next(iter(found)) for surname, found in full.items() if len(found) == 1}
