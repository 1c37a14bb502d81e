"""The word lists and patterns the three passes read (lower-case; a word is looked up
by ``word.lower()``)."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """A word list written as running text, so it reads (and diffs) as prose."""
    return frozenset(text.split())


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


# ’’ (two right single marks) is how some wire copy closes a double quotation.
# "’’" or one double mark, written to start with a set of characters so the regex
# engine skips to the next candidate at C speed instead of trying each position.
_DOUBLE_MARK = re.compile(
    '[\u2019"\u201c\u201d\u201e\u00ab\u00bb](?:(?<=\u2019)\u2019|(?<!\u2019))'
)
_SINGLE_MARK = re.compile("['\u2018\u2019\u201a\u2039\u203a]")
# After an opening single mark: '90s, 'n', 'tis ... are apostrophes, not quotes.
_ELISION = re.compile(
    r"(?:\d\d(?:s\b|\b)|n['\u2019]|(?:tis|twas|em|cause|til|bout|round|n)\b)", re.IGNORECASE
)
_FEET = re.compile(r"\d['\u2019\u2032]\s?\d{1,2}(?:\.\d+)?$")
# A word's parts are possessive (never give back what they took): the same tokens
# for a tenth less of the regex engine's work.
_TOKEN = re.compile(r"\ufffc++|\d{1,3}(?:,\d{3})+\b|[^\W_]++(?:[-'\u2019.][^\W_]++)*+|[^\w\s]")
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
