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
from collections.abc import Iterator
from dataclasses import dataclass

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
# ("U.S.", "p.m.").
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*")
_SPLIT = re.compile(f"({_WORD.pattern})")
_SENTENCE_END = frozenset(".!?:;\n")
_OPENING_QUOTES = frozenset("“«„‘\"'")


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


@dataclass(slots=True)
class _Token:
    form: str  # as written, possessive stripped; a dotted abbreviation without dots
    gap: str  # the text between the previous token and this one
    capital: bool
    acronym: bool
    sure: bool  # capitalised where only a name would be (not sentence-initial)
    skip: bool  # never a key: a time, a credit, a header word, an initial
    in_title: bool


def _line_tokens(line: str, in_title: bool) -> list[_Token]:
    parts = _SPLIT.split(line)  # gap, word, gap, word, ..., tail: no match objects
    gaps, forms = parts[0:-1:2], parts[1::2]
    initials = [False] * len(forms)  # does the word start a sentence (or the line)?
    if forms:
        initials[0] = True
    # Most words follow a single space: nothing to decide for them.
    for index in [i for i, gap in enumerate(gaps) if gap != " " and i]:
        gap = gaps[index]
        initial = bool(_SENTENCE_END.intersection(gap))
        if initial and gap.strip() == ".":
            prev_word = forms[index - 1]
            if prev_word.lower() in _ABBREVIATIONS or len(prev_word) == 1:
                initial = False  # "Mr. Putin", "John F. Kennedy"
        if gap[-1:] in _OPENING_QUOTES and (len(gap) == 1 or gap[-2].isspace()):
            initial = True
        initials[index] = initial
    # A Title Case Headline Capitalises Everything, and a SECTION HEADER is all
    # capitals: there capitals prove nothing.
    words = [f for f in forms if (f if f.islower() else f.lower()) not in STOPWORDS]
    capitals = sum(1 for f in words if f[0].isupper())
    title_case = len(words) >= 3 and capitals >= 0.8 * len(words)
    shouting = sum(1 for f in words if f.isupper() and len(f) > 1) >= max(2, 0.6 * len(words))
    tokens: list[_Token] = []
    append = tokens.append
    for index, form in enumerate(forms):
        if form.endswith(("'s", "’s")) and len(form) > 3:
            form = form[:-2]
        if form[0].islower() and "." not in form:  # most words: no name, nothing to skip
            append(_Token(form, gaps[index], False, False, False, False, in_title))
            continue
        initial = initials[index]
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
        sure = capital and not initial and not title_case and not shouting
        if capital and initial and not title_case and index + 1 < len(forms):
            # "Vladimir Putin said": a capital followed by a sure name is a name.
            after, after_initial = forms[index + 1], initials[index + 1]
            if gaps[index + 1] == " " and after[:1].isupper() and not after.isupper():
                sure = not after_initial and (form.lower() not in STOPWORDS or form == "New")
        lower = form.lower()
        if (lower in _NOT_NAMES and (capital or acronym)) or lower[:2] in ("i'", "i’"):
            skip = True  # "I'm" is capitalised everywhere and names no one
        append(_Token(form, gaps[index], capital, acronym, sure, skip, in_title))
    return tokens


# A paragraph that is the page's furniture, not the story: sign-up prompts,
# copyright lines, posted/updated stamps (matched in lower case).
_BOILERPLATE = (
    "copyright", "©", "rights reserved", "thank you for registering", "sign up",
    "subscribe", "newsletter", "click here", "junk folder", "junk mail", "spam folder",
    "terms of use", "terms of service", "privacy policy", "follow us", "share this",
    "advertisement", "may not be published", "may not be reproduced", "posted:",
    "updated:", "published:",
)  # fmt: skip


_BOILERPLATE_PATTERN = re.compile("|".join(map(re.escape, _BOILERPLATE)))


def _boilerplate(line: str) -> bool:
    return _BOILERPLATE_PATTERN.search(line.lower()) is not None


def _tokens(text: str, *, in_title: bool) -> Iterator[list[_Token]]:
    for line in text.splitlines():
        if line.strip() and not _boilerplate(line):
            yield _line_tokens(line, in_title)


def _is_name_part(token: _Token, sure_names: set[str]) -> bool:
    if token.skip or len(token.form) < 2:
        return False
    if token.acronym:
        return True
    return (
        token.capital
        and (token.form.lower() not in STOPWORDS or token.form == "New")
        and (token.sure or token.form in sure_names)
    )


def _names(line: list[_Token], sure_names: set[str]) -> Iterator[tuple[int, int, str, bool]]:
    """(first token, end token, name as written, a person?) for each whole name in a line.

    A person's name starts with a known first name or follows a title ("Sen.",
    "President").

    Capitals in a row make one name ("Betty Ford Center"), across a lower-case
    join ("Gulf of Aden") and a middle initial ("John F. Kennedy" is "John
    Kennedy"); an acronym stands alone.
    """
    after = 0  # where the last name ended: a name does not start inside another
    for index in [i for i, token in enumerate(line) if token.capital or token.acronym]:
        token = line[index]
        if index < after or not _is_name_part(token, sure_names):
            continue
        parts = [token.form]
        end = index + 1
        while not token.acronym and end < len(line):
            nxt = line[end]
            if nxt.gap == " " and _is_name_part(nxt, sure_names) and not nxt.acronym:
                parts.append(nxt.form)
                end += 1
            elif (
                nxt.gap == " "
                and end + 1 < len(line)
                and line[end + 1].gap in (" ", ". ")
                and _is_name_part(line[end + 1], sure_names)
                and not line[end + 1].acronym
                and (
                    nxt.form in _NAME_JOINS
                    or (len(nxt.form) == 1 and nxt.form.isupper() and line[end + 1].gap == ". ")
                )
            ):
                if nxt.form in _NAME_JOINS:
                    parts.append(nxt.form)
                parts.append(line[end + 1].form)
                end += 2
            else:
                break
        if parts != ["New"]:
            titled = index > 0 and line[index - 1].form.lower() in _ROLES
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
    sure_names = {t.form for line in lines for t in line if (t.sure or t.acronym) and not t.skip}
    counts: dict[str, int] = {}
    titled: set[str] = set()
    phrases: dict[str, int] = {}
    found = [(line, list(_names(line, sure_names))) for line in lines]
    surnames = _surnames(name for _, names in found for _, _, name, person in names if person)

    get = counts.get
    for line, names in found:
        if not line:
            continue
        in_title = line[0].in_title
        starts = {start: (end, name) for start, end, name, _ in names}
        previous, after = "", 0  # after: the end of the last name counted
        for index, token in enumerate(line):
            if index < after:
                continue
            if starts and index in starts:
                after, name = starts[index]
                key = surnames.get(name, name)
                counts[key] = get(key, 0) + 1
                if in_title:
                    titled.add(key)
                previous = ""
                continue
            lower = token.form.lower()
            if (
                token.skip
                or token.acronym
                or len(lower) < 3
                or lower in STOPWORDS
                or "'" in lower
                or "’" in lower
            ):
                previous = ""
                continue
            word = _singular(lower)
            counts[word] = get(word, 0) + 1
            if previous and token.gap == " ":
                phrase = f"{previous} {word}"
                phrases[phrase] = phrases.get(phrase, 0) + 1
                if in_title:
                    titled.add(phrase)
            if in_title:
                titled.add(word)
            previous = lower
    for phrase, times in phrases.items():
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
    for key, times in counts.items():
        weight = 1.0 + math.log(times)
        if is_entity(key):
            weight *= ENTITY_BOOST
        elif is_phrase(key):
            weight *= PHRASE_BOOST
        if key in titled:
            weight *= TITLE_BOOST
        if key in aliases:
            weight *= SURNAME_WEIGHT
        weights[key] = round(weight, 3)
    best = sorted(weights, key=lambda k: (-weights[k], -counts[k], -len(k), k))[:MAX_TERMS]
    return {key: weights[key] for key in best}


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
