"""A web page's article: title, byline, date and body paragraphs, as plain text.

Two well-kept extractors do the reading, and neither is imported until a page
is extracted (together ~210 ms of imports): trafilatura (the better alone,
F1 0.960 on the scrapinghub benchmark) and readability-lxml (0.955). They
fail differently, so the body is chosen between them by how their outputs
overlap (``bench/extraction.py`` measures each alone and combined):

- readability's text lies inside trafilatura's, which is longer: trafilatura
  kept boilerplate around the article (comments, teasers), so readability's;
- trafilatura's lies inside readability's, which is over twice as long:
  trafilatura stopped early (a page in several containers), so readability's;
- otherwise trafilatura's, unless the two disagree (they share under half of
  the shorter's text, or readability's is a small part of trafilatura's) and
  readability's lead is clearly the one about the headline
  (:func:`about_headline`): trafilatura caught a box beside the article, or
  the whole page.

trafilatura runs in its fast mode: its own second opinion is a copy of
readability (and jusText) that it swaps in by length, which both repeats the
readability pass made here and, on current news, chose worse than the rule above.

The title: the page's one <h1> when it has metadata (og:title, JSON-LD) and
one such heading (:func:`visible_headline`: the headline its reader sees);
else the metadata's title without the site's name (:func:`clean_title`); on
a page without metadata, a heading of the page found inside its <title>, else
the heading the article's lead echoes (older pages' <title> is often the
site's name alone). The body is kept with its structure as
``analysis.page_html`` writes it (``ExtractedPage.html``).

A page is hostile input: it is cut at :data:`MAX_PAGE_CHARS`, and one with more
than :data:`MAX_ELEMENTS` tags is refused before anything parses it (both
extractors take seconds per 10,000 tiny paragraphs). Every line that leaves
here has passed ``clean_text``/``clean_line``: no markup, no control characters.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from reader.core.analysis.page_html import safe_html
from reader.core.errors import SourceError
from reader.core.sanitize import clean_line, clean_text

MAX_PAGE_CHARS = 5 * 1024 * 1024
MAX_ELEMENTS = 25_000  # real article pages have under 5,000 (both benchmarks' largest: 4,110)
CONTAINED = 0.95  # share of one output's 4-word shingles found in the other
FRAGMENT = 0.25  # readability's under a quarter of trafilatura's: it caught one block
TRUNCATED_RATIO = 2.0  # readability this many times longer: trafilatura stopped early
DISAGREE = 0.5  # under this share of the shorter's shingles in common: two different texts
LEAD_WORDS = 100  # a body's first words, where it names what it is about
ABOUT_MARGIN = 0.3  # share of the headline's words readability's lead holds beyond the other's

_TAG = re.compile(r"<[A-Za-z]")
_MARKUP = re.compile(r"<[^>]*>")
_TITLE_TAG = re.compile(r"<title[^>]*>([^<]{1,1000})</title", re.IGNORECASE)
_TITLE_SCAN = 256 * 1024
_HEADING = re.compile(r"<(h[1-6])\b[^>]*>(.{0,800}?)</\1", re.IGNORECASE | re.DOTALL)
_HEADING_SCAN = 2 * 1024 * 1024
_H1 = re.compile(r"<h1\b[^>]*>(.{0,800}?)</h1", re.IGNORECASE | re.DOTALL)
MAX_HEADINGS = 300
_TITLE_PARTS = re.compile(r"\s+(?:--?|–|—|\||::?|/|»|·)\s+|_|\s+\((?=from )")
_META_TITLE = re.compile(
    r"""<meta[^>]{0,200}?(?:property|name)\s*=\s*["']?(?:og:title|twitter:title)|"headline"\s*:""",
    re.IGNORECASE,
)
LEAD_SHARE = 0.6
STUB_WORDS = 150
_STUB_END = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|read more|continue reading|read the (?:full|rest)"
    r"[^.]{0,30}|keep reading|more\s*»|»|→)\W{0,3}$",
    re.IGNORECASE,
)
_STUB_MARK = re.compile(r"\.\.\.|…|]|read|»|→", re.IGNORECASE)  # one is in each of _STUB_END's
_STUB_END_CHARS = 120  # of text, where the ending is looked for
_STUB_HEAD = 1600  # raw characters read first for the words (150 words with light markup)
_STUB_TAIL = 600  # raw characters read for the ending's 120 characters of text
_HEAVY_OPEN = re.compile(r"<(script|style|svg)\b[^>]*>", re.IGNORECASE)
_JSON_LD = "application/ld+json"  # kept: the metadata (headline, author, date) is there
_WORD = re.compile(r"\w+")
_TITLE_SEPARATORS = re.compile(r"(\s+(?:\||-|–|—|::|·|•|»)\s+|\s*[：｜]\s*)")
_BLOCKS = (
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "br",
    "section", "article", "figcaption", "dd", "dt", "table", "ul", "ol",
)  # fmt: skip


@dataclass(frozen=True)
class ExtractedPage:
    """What a page says: its paragraphs as plain text (``text``, the pinned JSON's),
    and ``html``, the same body with its structure (headings, lists, block quotes,
    links) as a small HTML of our own making (see :func:`safe_html`), the body stored."""

    title: str
    author: str | None
    published: str | None  # ISO date (YYYY-MM-DD) as the page gives it
    paragraphs: tuple[str, ...]
    extractor: str  # "trafilatura" or "readability": which body was kept
    html: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(_WORD.findall(p)) for p in self.paragraphs)


def is_stub(content: str, content_type: str = "html") -> bool:
    """Whether a feed entry's content is only a summary of its page: under
    :data:`STUB_WORDS` words, or ending in a "Read more" link or an ellipsis.

    Counted on the raw content (tags dropped), not a laid-out document: a refresh
    asks this of every new entry. A long body is read in two windows, its head
    for the words and its tail for the ending, cut where a tag ends or begins, so
    the answer is the whole text's.
    """
    if content_type != "html":
        return _short_or_stub_end(content)
    if len(content) > _STUB_HEAD + _STUB_TAIL:
        cut = content.rfind(">", 0, _STUB_HEAD) + 1
        start = content.find("<", len(content) - _STUB_TAIL)
        if cut and start >= 0:
            tail = _markup_text(content[start:]).rstrip()
            if len(tail) >= _STUB_END_CHARS and has_words(_markup_text(content[:cut]), STUB_WORDS):
                return _stub_end(tail[-_STUB_END_CHARS:])
    return _short_or_stub_end(_markup_text(content))


def _markup_text(html: str) -> str:
    return html_lib.unescape(_MARKUP.sub(" ", html))


def _short_or_stub_end(text: str) -> bool:
    return not has_words(text, STUB_WORDS) or _stub_end(text.rstrip()[-_STUB_END_CHARS:])


def _stub_end(tail: str) -> bool:
    # Every ending the pattern knows holds one of the marks: most texts hold none,
    # and the pattern's search tries each of the tail's places.
    return _STUB_MARK.search(tail) is not None and _STUB_END.search(tail) is not None


def has_words(text: str, count: int) -> bool:
    """Whether ``text`` holds at least ``count`` words (as :func:`word_count` counts them).

    A refresh asks this of every entry: one match that stops at the count's
    word, without a match object a word, is ~10x cheaper than counting them all.
    """
    return count <= 0 or _words_pattern(count).match(text) is not None


@cache
def _words_pattern(count: int) -> re.Pattern[str]:
    # Possessive: \w and \W never overlap, so nothing is worth backtracking into.
    return re.compile(rf"\W*+(?:\w++\W++){{{count - 1}}}\w")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def lighten(html: str) -> str:
    """The page without comments, scripts, styles and SVG, which neither extractor
    reads but both parse (most of a modern page's bytes). Linear time: each cut
    searches forward once, so a hostile page cannot make it quadratic."""
    lowered = html.lower()
    kept: list[str] = []
    position = 0
    comment = lowered.find("<!--")
    heavy = _HEAVY_OPEN.search(html)
    while comment >= 0 or heavy is not None:
        if heavy is None or 0 <= comment < heavy.start():
            kept.append(html[position:comment])
            end = lowered.find("-->", comment + 4)
            position = len(html) if end < 0 else end + 3
        elif heavy.group(1).lower() == "script" and _JSON_LD in heavy.group(0).lower():
            kept.append(html[position : heavy.end()])
            position = heavy.end()
        else:
            kept.append(html[position : heavy.start()])
            end = lowered.find(f"</{heavy.group(1).lower()}", heavy.end())
            end = -1 if end < 0 else lowered.find(">", end)
            position = len(html) if end < 0 else end + 1
        # Each search starts where the last one ended, or past the text just cut.
        if 0 <= comment < position:
            comment = lowered.find("<!--", position)
        if heavy is not None and heavy.start() < position:
            heavy = _HEAVY_OPEN.search(html, position)
    kept.append(html[position:])
    return "".join(kept)


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p for p in (clean_text(line).strip() for line in text.splitlines()) if p)


def _shingles(paragraphs: tuple[str, ...]) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(" ".join(paragraphs).lower())
    return Counter(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)) if words)


def choose_body(
    trafilatura_body: tuple[str, ...], readability_body: tuple[str, ...], headline: str = ""
) -> tuple[tuple[str, ...], str]:
    """The better of the two bodies by the rule in the module docstring, and whose it is."""
    if not readability_body:
        return trafilatura_body, "trafilatura"
    if not trafilatura_body:
        return readability_body, "readability"
    ours, theirs = _shingles(trafilatura_body), _shingles(readability_body)
    shared = sum((ours & theirs).values())
    n_ours, n_theirs = sum(ours.values()) or 1, sum(theirs.values()) or 1
    if FRAGMENT * n_ours <= n_theirs < n_ours and shared / n_theirs >= CONTAINED:
        return readability_body, "readability"
    if n_theirs > TRUNCATED_RATIO * n_ours and shared / n_ours >= CONTAINED:
        return readability_body, "readability"
    disagree = shared / min(n_ours, n_theirs) < DISAGREE or n_theirs < FRAGMENT * n_ours
    if disagree and about_headline(readability_body, headline) >= (
        about_headline(trafilatura_body, headline) + ABOUT_MARGIN
    ):
        return readability_body, "readability"
    return trafilatura_body, "trafilatura"


def about_headline(body: tuple[str, ...], headline: str) -> float:
    """The share of the headline's words (of four letters or more, or numbers) that
    the body's first :data:`LEAD_WORDS` words hold, the headline's own line aside:
    an article's lead names what it is about, a menu or a donation box does not."""
    wanted = {w for w in _WORD.findall(headline.casefold()) if len(w) > 3 or w.isdigit()}
    if not wanted:
        return 0.0
    own = _WORD.findall(headline.casefold())
    lead: set[str] = set()
    count = 0
    for paragraph in body:
        words = _WORD.findall(paragraph.casefold())
        if words == own:
            continue
        lead.update(words[: LEAD_WORDS - count])
        count += len(words)
        if count >= LEAD_WORDS:
            break
    return len(wanted & lead) / len(wanted)


def clean_title(title: str, site_name: str = "", host: str = "") -> str:
    """The headline without the site's name or section around it.

    "Storm hits coast | The Herald", "Storm hits coast - Politics" and "The
    Herald: Storm hits coast" become "Storm hits coast". A part between
    separators goes when it names the site (its name or its host's), or when
    it is short and looks like a name: after a pipe, up to four words; after a
    dash, one or two capitalised words. A dash before lower-case words ("Two
    resign - and many questions") is the headline's own.
    """
    title = clean_line(title)
    pieces = _TITLE_SEPARATORS.split(title)
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) < 2:
        return title
    names = {n for n in (_simple(site_name), _simple(_host_label(host))) if n}

    def names_site(part: str, separator: str) -> bool:
        simple = _simple(part)
        if not simple or simple in names or simple.replace(" ", "") in names:
            return True
        words = part.split()
        if separator.strip() in ("|", "::", "·", "•", "»", "：", "｜"):
            return len(words) <= 4
        if any(label in simple.split() for label in names) and len(words) <= 5:
            return True
        return len(words) <= 2 and all(_name_like(w) for w in words)

    while (
        len(parts) > 1
        and names_site(parts[-1], separators[-1])
        and word_count(" ".join(parts[:-1])) >= 2
    ):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and (
        _simple(parts[0]) in names or (separators[0].strip() == "|" and word_count(parts[0]) <= 2)
    ):
        parts.pop(0)
        separators.pop(0)
    rebuilt = parts[0] + "".join(s + p for s, p in zip(separators, parts[1:], strict=True))
    return clean_line(rebuilt)


def headings(html: str) -> list[str]:
    """The page's headings (h1 to h6) as lines of text, in order; at most
    :data:`MAX_HEADINGS` (a hostile page may have thousands)."""
    found: list[str] = []
    for match in _HEADING.finditer(html, 0, _HEADING_SCAN):
        heading = clean_line(html_lib.unescape(_MARKUP.sub(" ", match.group(2))))
        if heading:
            found.append(heading)
        if len(found) >= MAX_HEADINGS:
            break
    return found


def visible_headline(html: str, title: str, site_name: str = "", host: str = "") -> str:
    """The page's one <h1>, when it has one of two words or more: the headline
    its reader sees, which the metadata's (an SEO or social wording) often is
    not; "" when there is none, several, or it is the site's name or the
    metadata title under a kicker ("Olympics: <title>").

    Measured on the 2023 news set's DEV part (titles by hand: the headline
    shown): 88.0% -> 97.8% right. fundus's expected titles are mostly its
    parsers' metadata title, so there it costs: 83.9% -> 78.6%.
    """
    found = ""
    for match in _H1.finditer(html, 0, _HEADING_SCAN):
        heading = clean_line(html_lib.unescape(_MARKUP.sub(" ", match.group(1))))
        if word_count(heading) < 2 or _simple(heading) == _simple(found):
            continue
        if found:
            return ""  # several: which one is the article's is another question
        found = heading
    names = {n for n in (_simple(site_name), _simple(_host_label(host))) if n}
    simple, metadata = _simple(found), _simple(title)
    if not found or simple in names or (metadata and simple.endswith(f" {metadata}")):
        return ""
    return clean_title(found, site_name, host)


def headline_in_title(
    candidates: list[str], raw_title: str, tag_title: str, site_name: str = "", host: str = ""
) -> str:
    """The page's headline when one of its headings is found inside its <title> (or
    the extractor's title): "EuroNews : Obama waits ..." or "Storm hits coast
    _English_Xinhua" give the heading, whatever the separator. The longest such
    heading of two words or more, not the site's name; "" when there is none.

    Measured on L3S-GN1's DEV part: a heading inside the <title> is the
    annotated headline 95% of the time (163 of 172 pages).
    """
    names = {n for n in (_simple(site_name), _simple(_host_label(host))) if n}
    haystacks = [f" {_simple(t)} " for t in (raw_title, tag_title) if _simple(t)]
    best = ""
    for heading in candidates:
        simple = _simple(heading)
        if (
            len(simple) > len(_simple(best))
            and word_count(simple) >= 2
            and simple not in names
            and any(f" {simple} " in hay for hay in haystacks)
        ):
            best = heading
    return best


def title_parts(title: str) -> list[str]:
    """The parts of a title between separators, of three words or more: one of them
    may be the headline ("Sports -- Henin beats Ivanovic", "Storm hits / Site")."""
    parts = _TITLE_PARTS.split(title)
    return [p.strip() for p in parts if word_count(p) >= 3] if len(parts) > 1 else []


def headline_by_lead(candidates: list[str], title: str, body: tuple[str, ...]) -> str:
    """When no heading is inside the <title> (often only the site's name on older
    pages): the heading whose words the article's first paragraphs use most, if
    they use at least :data:`LEAD_SHARE` of them and more than of the title's."""
    lead = set(_WORD.findall(" ".join(body[:3]).casefold()))

    def share(text: str) -> float:
        words = [w for w in _WORD.findall(text.casefold()) if len(w) > 3 or w.isdigit()]
        return sum(w in lead for w in words) / len(words) if words else 0.0

    best, best_share = "", max(LEAD_SHARE, share(title) + 0.01)
    for heading in candidates:
        if 3 <= word_count(heading) <= 30 and share(heading) >= best_share:
            best, best_share = heading, share(heading)
    return best


def _name_like(word: str) -> bool:
    """Capitalised, or in a script without case (a CJK site name)."""
    letter = next((c for c in word if c.isalpha()), "")
    return bool(letter) and (letter.isupper() or letter.lower() == letter.upper())


def _host_label(host: str) -> str:
    """The host's name without its prefix and suffix: www.theherald.co.uk, theherald."""
    labels = [x for x in host.lower().split(".") if x and x not in ("www", "m", "amp")]
    while len(labels) > 1 and len(labels[-1]) <= 3:
        labels.pop()  # the public suffix, roughly: "co.uk", "com", "de"
    return labels[-1] if labels else ""


def _simple(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold().replace("www.", "")))


def _quiet_loggers() -> None:
    """The extractors log a page's troubles (with tracebacks) at WARNING and above,
    which Python prints to stderr when nothing handles them: over the app's screen.
    The page's trouble reaches the reader as the SourceError's one line instead."""
    for name in ("readability", "trafilatura", "htmldate", "courlan", "justext"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False


def _readability_tree(html: str, url: str | None) -> Any:
    """readability-lxml's body as a tree, or None (its title would parse the page again)."""
    import lxml.html
    from readability import Document as Readability

    summary = Readability(html, url=url).summary(html_partial=True)
    if not summary.strip():
        return None
    return lxml.html.fragment_fromstring(summary, create_parent="div")


def _title_tag(html: str) -> str:
    """The page's <title>, for when trafilatura's metadata is not asked for."""
    found = _TITLE_TAG.search(html, 0, _TITLE_SCAN)
    return html_lib.unescape(found.group(1)) if found else ""


def _trafilatura(html: str, url: str | None, metadata: bool = True) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=metadata,
        include_comments=False,
        fast=True,  # no second readability (ours is read anyway) nor jusText: see the docstring
        include_tables=True,
        include_links=True,  # the body's structure (page_html); its text is the same
        include_formatting=True,
        # No dateparser fallback: its first use in a process compiles every
        # locale's patterns (4.6 s CPU on an L3S-GN1 page), for a date seldom found.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )


def _host_of(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def _reason(error: BaseException) -> str:
    return clean_line(str(error))[:80] or type(error).__name__


def extract_page(html: str, url: str | None = None, *, metadata: bool = True) -> ExtractedPage:
    """The article of an HTML page; raises SourceError naming ``url`` when there is none.

    Without ``metadata`` there is no byline or date, and the title is the <title>
    tag's: a third less time, for a body that is the same (bench/extraction.py).
    """
    where = clean_line(url or "the page")
    _quiet_loggers()
    html = lighten(html[:MAX_PAGE_CHARS])
    elements = len(_TAG.findall(html))
    if elements > MAX_ELEMENTS:
        raise SourceError(
            f"{where}: page too large to extract ({elements:,} elements, at most {MAX_ELEMENTS:,})"
        )
    html = clean_text(html)  # lxml refuses control characters in text it sets
    found: Any = None
    traf_error = ""
    try:
        found = _trafilatura(html, url, metadata)
    except Exception as error:  # lxml and the extractors raise their own kinds
        traf_error = _reason(error)
    raw_title = str(getattr(found, "title", "") or "") or _title_tag(html)
    site = str(getattr(found, "sitename", "") or "")
    host = _host_of(url) or _host_of(str(getattr(found, "url", "") or ""))
    # A page that names its headline in its metadata (og:title, JSON-LD) is taken at
    # its word; for one that does not, its headings are read (older pages' <title>
    # is often the site's name alone). On the fundus pages (most with metadata) the
    # heading rules cost 5 points of titles; on L3S-GN1's DEV part they gain 7+.
    metadata_title = bool(_META_TITLE.search(html, 0, _TITLE_SCAN))
    candidates = [] if metadata_title else headings(html)
    in_title = headline_in_title(candidates, raw_title, _title_tag(html), site, host)
    title = in_title or clean_title(raw_title, site, host)
    if metadata_title:
        title = visible_headline(html, title, site, host) or title
    headlines = (title, raw_title)
    traf_html = read_html = ""
    traf_body: tuple[str, ...] = ()
    read_body: tuple[str, ...] = ()
    if getattr(found, "body", None) is not None:
        traf_html, paragraphs = safe_html(found.body, url or "", headlines)
        traf_body = tuple(paragraphs)
    try:
        tree = _readability_tree(html, url)
    except Exception:
        if traf_error:
            raise SourceError(f"{where}: cannot read the page ({traf_error})") from None
        tree = None
    if tree is not None:
        read_html, paragraphs = safe_html(tree, url or "", headlines)
        read_body = tuple(paragraphs)
    body, which = choose_body(traf_body, read_body, title)
    body_html = traf_html if which == "trafilatura" else read_html
    if (
        not metadata_title
        and not in_title
        and (by_lead := headline_by_lead(candidates + title_parts(title), title, body))
    ):
        title = by_lead
        first, _, rest = body_html.partition("\n")
        if _simple(_MARKUP.sub(" ", first)) == _simple(title):
            body_html = rest  # the headline, which the title carries
    if body and _simple(body[0]) in (_simple(title), _simple(raw_title)):
        body = body[1:]  # the headline, which the title carries
    if not body:
        raise SourceError(f"{where}: no article text found on the page")
    author = clean_line(str(getattr(found, "author", "") or "")) or None
    published = clean_line(str(getattr(found, "date", "") or "")) or None
    return ExtractedPage(title, author, published, body, which, body_html)
