"""Which documents the fast path may read: where fastfeedparser agrees with feedparser.

fastfeedparser is ~40x faster than feedparser but reads some constructs its own
way (xml:base, link choice, titles with markup, media:title, several dates...).
The gate admits a document only when every entry is made of plain elements whose
reading both parsers share; anything else goes to feedparser. The rules mirror
feedparser's own: it names an element by its namespace's usual prefix (or the
document's prefix for a namespace it does not know) and the lower-cased local
name, so ``<media:title>`` is its ``media_title`` and an ``<atom:link>`` inside
an RSS item is its ``link``. ``bench/feed_parity.py`` checks the gate on other
parsers' test suites.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
_ATOM = f"{{{ATOM_NS}}}"
_XML_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
# UTF-8 read as latin-1 (a lead byte's character, then a continuation byte's), a C1
# control, or a character reference in 128-255 that could be either.
_MISREAD = re.compile(rb"\xc2[\x80-\x9f]|\xc3[\x82-\xb4]\xc2[\x80-\xbf]")
_LATIN1_REFERENCE = re.compile(
    rb"&#(?:[xX]0*[89a-fA-F][0-9a-fA-F]|0*(?:1[2-9]\d|2[0-4]\d|25[0-5]));"
)
_LEADING_SPACE = re.compile(rb"^[ \t\r\n]+(?=<\?xml)")

# feedparser's prefixes for the namespaces whose elements it maps onto fields
# (matched lower-cased, as feedparser does).
_PREFIX_OF = {
    "": "",
    ATOM_NS: "",
    "http://purl.org/atom/ns#": "",
    "http://purl.org/rss/1.0/": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativecommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativecommons",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://podlove.org/simple-chapters": "psc",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
}
_PREFIXES = {namespace.lower(): prefix for namespace, prefix in _PREFIX_OF.items()}
# Local names fastfeedparser reads whatever their namespace: an unknown element
# with one of them is not opaque.
_FIELD_NAMES = frozenset(
    [
        "author",
        "content",
        "created",
        "creator",
        "date",
        "description",
        "email",
        "encoded",
        "enclosure",
        "guid",
        "id",
        "issued",
        "link",
        "modified",
        "name",
        "pubdate",
        "published",
        "subtitle",
        "summary",
        "title",
        "updated",
        "uri",
    ]
)
# Names feedparser handles, or stores under a key reader reads: an element with
# such a name that the gate does not read itself sends the document to feedparser.
_FEEDPARSER_NAMES = frozenset(
    [
        "abstract",
        "author",
        "body",
        "category",
        "cc_license",
        "channel",
        "cloud",
        "comments",
        "content",
        "content_encoded",
        "contributor",
        "copyright",
        "created",
        "creativecommons_license",
        "dc_author",
        "dc_contributor",
        "dc_creator",
        "dc_date",
        "dc_description",
        "dc_language",
        "dc_publisher",
        "dc_rights",
        "dc_subject",
        "dc_title",
        "dcterms_created",
        "dcterms_issued",
        "dcterms_modified",
        "dcterms_valid",
        "description",
        "email",
        "enclosure",
        "enclosures",
        "entry",
        "expirationdate",
        "feed",
        "fullitem",
        "generator",
        "geom",
        "georss_box",
        "georss_line",
        "georss_point",
        "georss_polygon",
        "georss_where",
        "guid",
        "id",
        "image",
        "info",
        "issued",
        "item",
        "itunes_author",
        "itunes_block",
        "itunes_category",
        "itunes_email",
        "itunes_explicit",
        "itunes_image",
        "itunes_keywords",
        "itunes_link",
        "itunes_name",
        "itunes_owner",
        "itunes_subtitle",
        "itunes_summary",
        "keywords",
        "language",
        "lastbuilddate",
        "link",
        "links",
        "managingeditor",
        "media_category",
        "media_content",
        "media_credit",
        "media_description",
        "media_group",
        "media_keywords",
        "media_license",
        "media_player",
        "media_rating",
        "media_restriction",
        "media_thumbnail",
        "media_title",
        "modified",
        "name",
        "newlocation",
        "psc_chapter",
        "psc_chapters",
        "pubdate",
        "published",
        "published_parsed",
        "rights",
        "rss",
        "source",
        "subtitle",
        "summary",
        "tagline",
        "tags",
        "textinput",
        "title",
        "updated",
        "updated_parsed",
        "uri",
        "url",
        "webmaster",
        "where",
        "xhtml_body",
    ]
)
# Of those, the ones that touch no field reader keeps (tags, ratings, pictures).
_HARMLESS = frozenset(
    [
        "category",
        "tags",
        "keywords",
        "dc_subject",
        "itunes_block",
        "itunes_category",
        "itunes_explicit",
        "itunes_image",
        "itunes_keywords",
        "media_category",
        "media_keywords",
        "media_rating",
        "media_thumbnail",
        "media_content",
        "media_credit",
        "media_player",
        "media_restriction",
    ]
)
# Elements an RSS item may hold, and how many of each.
_RSS_ITEM = {
    "title": 1,
    "link": 1,
    "description": 1,
    "guid": 1,
    "pubdate": 1,
    "author": 1,
    "comments": 1,
    "enclosure": 1,
    "content_encoded": 1,
    "dc_creator": 1,
    "dc_date": 1,
}
# The usual spellings, named without the general lookup.
_PLAIN_RSS = {
    **{tag: tag for tag in ("title", "link", "description", "guid", "author", "comments")},
    **{tag: tag for tag in ("enclosure", "category")},
    "pubDate": "pubdate",
    "{http://purl.org/rss/1.0/modules/content/}encoded": "content_encoded",
    "{http://purl.org/dc/elements/1.1/}creator": "dc_creator",
    "{http://purl.org/dc/elements/1.1/}date": "dc_date",
}
_RSS_ATTRIBUTES = {"guid": {"isPermaLink"}, "enclosure": {"url", "length", "type"}}
_ATOM_ENTRY = {
    "id": 1,
    "title": 1,
    "updated": 1,
    "published": 1,
    "author": 1,
    "content": 1,
    "summary": 1,
}
_TEXT_TYPES = {None, "text", "html", "text/html", "text/plain"}
_LINK_TYPES = {None, "text/html", "application/xhtml+xml", "html"}


def feedparser_name(element: etree._Element) -> str:
    """feedparser's name for an element: known prefix (else the document's) + local name."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""  # a comment or processing instruction
    return _name_of(tag, element.prefix)


@functools.lru_cache(maxsize=1024)
def _name_of(tag: str, given_prefix: str | None) -> str:
    namespace, _, local = tag[1:].rpartition("}") if tag[0] == "{" else ("", "", tag)
    prefix = _PREFIXES.get(namespace.lower())
    if prefix is None:
        prefix = (given_prefix or "").lower()
    local = local.lower()
    return f"{prefix}_{local}" if prefix else local


def prepared(data: bytes, content_type: str) -> bytes | None:
    """The bytes lxml should read (leading space before ``<?xml`` dropped), or None.

    None when the document is not UTF-8 or starts with a DTD.
    """
    charset = content_type.lower().partition("charset=")[2].split(";")[0].strip(" \"'")
    if charset and charset.encode() not in _UTF8_NAMES:
        return None
    declared = _XML_DECLARED.match(data[:200])
    if declared and declared.group(1).lower() not in _UTF8_NAMES:
        return None
    if b"<!DOCTYPE" in data[:4096]:
        return None  # (one further down is caught once parsed)
    return _LEADING_SPACE.sub(b"", data, count=1) if data[:1].isspace() else data


@dataclass(frozen=True)
class EntryShape:
    """What the gate saw of an entry that fastfeedparser reports its own way."""

    has_guid: bool  # fastfeedparser gives an entry with none its link as id
    text_body: bool  # an Atom body with no type (or "text") is plain text


def admits(data: bytes) -> list[EntryShape] | None:
    """Each entry's shape when fastfeedparser reads this (prepared) document as feedparser would.

    None when it would not: the document then goes to feedparser.
    """
    from lxml import etree

    # One-byte prefilters: on a big feed a longer needle costs ~5x more.
    if b"\xc2" in data and _MISREAD.search(data):
        return None  # feedparser repairs latin-1 read as UTF-8, and maps C1 controls
    if b"#" in data and _LATIN1_REFERENCE.search(data):
        return None  # the same, written as character references
    try:
        root = etree.fromstring(data, _strict_xml())  # libxml2 refuses bytes that are not UTF-8
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.getroottree().docinfo.doctype or _xml_base()(root):
        return None  # a DTD (entities to resolve), or xml:base: feedparser's to apply
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None or len(root) != 1 or not _plain_feed_texts(channel, ("title",)):
            return None
        items = channel.findall("item")
        if root.xpath("count(//item)") != len(items):
            return None  # items outside the channel
        if not all(_plain_rss_item(item) for item in items):
            return None
        return [EntryShape(item.find("guid") is not None, False) for item in items]
    if root.tag != f"{_ATOM}feed" or not _plain_feed_texts(root, (f"{_ATOM}title",)):
        return None
    if any(True for _ in root.iter("item", "{*}item")):
        return None  # an Atom feed holding RSS items
    entries = root.findall(f"{_ATOM}entry")
    if root.xpath("count(//atom:entry)", namespaces={"atom": ATOM_NS}) != len(entries):
        return None
    if not all(_plain_atom_entry(entry) for entry in entries) or any(
        t.get("type") in ("xhtml", "application/xhtml+xml")
        for t in root.iterchildren(f"{_ATOM}title", f"{_ATOM}subtitle")
    ):
        return None
    return [EntryShape(True, _atom_text_body(entry)) for entry in entries]


def _atom_text_body(entry: etree._Element) -> bool:
    """Whether the body reader takes (content with text, else summary) is plain text."""
    content = entry.find(f"{_ATOM}content")
    body = content if content is not None and (content.text or "").strip() else None
    if body is None:
        body = entry.find(f"{_ATOM}summary")
    return body is not None and body.get("type") in (None, "text", "text/plain")


def _plain_feed_texts(parent: etree._Element, tags: tuple[str, ...]) -> bool:
    return all(len(child) == 0 for child in parent.iterchildren(*tags))


def _opaque(element: etree._Element) -> bool:
    """An element neither parser reads into a field, with nothing inside that feedparser would."""
    if not isinstance(element.tag, str):
        return True  # a comment or processing instruction
    for part in element.iter():
        name = feedparser_name(part)
        if name in _HARMLESS:
            continue
        if name in _FEEDPARSER_NAMES or name.rpartition("_")[2] in _FIELD_NAMES:
            return False
    return True


def _plain_rss_item(item: etree._Element) -> bool:
    seen: dict[str, int] = {}
    for child in item:
        tag = child.tag
        name = _PLAIN_RSS.get(tag) if isinstance(tag, str) else None
        if name is None:
            name = feedparser_name(child)
        elif name == "category":
            if len(child):
                return False
            continue
        if name in _RSS_ITEM and (tag[0] != "{" or name.startswith(("content_", "dc_"))):
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > _RSS_ITEM[name] or len(child):
                return False  # several, or markup inside
            if child.keys() and not set(child.keys()) <= _RSS_ATTRIBUTES.get(name, set()):
                return False  # attributes feedparser reads
            if name in ("pubdate", "dc_date") and not _plain_date(child.text):
                return False
        elif not _opaque(child):
            return False
    guid = item.find("guid")
    if "link" in seen or guid is None:
        return True
    if guid.get("isPermaLink", "true") != "true":
        return False  # not a link, but fastfeedparser takes it as one
    # feedparser takes a permalink guid as the link, relative or not
    return (guid.text or "").strip().startswith(("http://", "https://"))


def _plain_atom_entry(entry: etree._Element) -> bool:
    seen: dict[str, int] = {}
    alternates = 0
    for child in entry:
        name = feedparser_name(child)
        in_atom = isinstance(child.tag, str) and child.tag.startswith(_ATOM)
        if in_atom and name == "link":
            rel, kind = child.get("rel", "alternate"), child.get("type")
            if not child.get("href") or len(child):
                return False  # a link's text, feedparser's fallback
            if rel == "alternate":
                alternates += 1
                if kind not in _LINK_TYPES:
                    return False
            elif rel in ("self", "license", "enclosure", "edit"):
                return False  # fastfeedparser may take it as the article's link
        elif in_atom and name in _ATOM_ENTRY:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > _ATOM_ENTRY[name]:
                return False
            if name in ("updated", "published") and not _plain_date(child.text):
                return False
            if name == "author":
                if any(
                    feedparser_name(part) not in ("name", "email", "uri") or len(part)
                    for part in child
                ):
                    return False
            elif len(child) or child.get("src") or child.get("type") not in _TEXT_TYPES:
                return False  # markup, XHTML, base64 or an out-of-line body
        elif not _opaque(child):
            return False
    return alternates == 1 and seen.get("id") == 1  # fastfeedparser makes a missing id up


_RFC822 = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    r"|Nov|Dec) \d{4} \d{2}:\d{2}(?::\d{2})? (?:GMT|UT|UTC|Z|[+-]\d{4})$"
)
_W3DTF = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$")


def _plain_date(text: str | None) -> bool:
    """A date both parsers read alike: RFC 822 in English with a numeric zone, or W3C-DTF."""
    value = (text or "").strip()
    return bool(_RFC822.match(value) or _W3DTF.match(value))


@functools.cache
def _xml_base() -> etree.XPath:
    from lxml import etree

    return etree.XPath("boolean(//@xml:base)")


@functools.cache
def _strict_xml() -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD and repairs nothing."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
