"""Find the feeds a web page advertises with ``<link rel="alternate" type="...">``.

So ``reader add https://site.example/`` works with the address a person
actually has. Parsed with html.parser (never regexes); only http(s) links.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from reader.core.errors import SourceError
from reader.core.sanitize import SAFE_SCHEMES, clean_line, clean_url

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/rdf+xml": "RDF",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/x.atom+xml": "Atom",
    "application/x-atom+xml": "Atom",
    "text/xml": "XML",
    "application/xml": "XML",
}
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class FeedLink:
    """One feed a page links to."""

    url: str
    title: str
    kind: str  # "RSS", "Atom", "JSON Feed", ...


class AmbiguousFeeds(SourceError):
    """The page offers several feeds and none was picked; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[FeedLink]) -> None:
        super().__init__(message)
        self.candidates = candidates


def looks_like_html(data: bytes, content_type: str = "") -> bool:
    """A page rather than a feed: the media type says so, or the markup starts like one."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return True
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _LinkFinder(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            href = dict(attrs).get("href")
            if href and clean_url(urljoin(self.base, href), SAFE_SCHEMES):
                self.base = urljoin(self.base, href)
            return
        if tag not in ("link", "a") or len(self.links) >= MAX_CANDIDATES:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
        if "alternate" not in rels or kind is None or not values.get("href"):
            return
        url = clean_url(urljoin(self.base, values["href"].strip()), SAFE_SCHEMES)
        if url and all(link.url != url for link in self.links):
            self.links.append(FeedLink(url, clean_line(values.get("title", "")), kind))


def discover_feeds(html: bytes, base_url: str) -> list[FeedLink]:
    """The feeds a page advertises, in page order, without duplicates."""
    finder = _LinkFinder(base_url)
    finder.feed(html.decode("utf-8", errors="replace"))
    finder.close()
    return finder.links


def choose(links: list[FeedLink], page: str, pick: int | None) -> FeedLink:
    """The one feed to subscribe to: the only one, or number ``pick`` (from 1)."""
    name = clean_line(page)
    if not links:
        raise SourceError(f"{name}: a web page that links to no feed")
    if pick is not None:
        if not 1 <= pick <= len(links):
            raise SourceError(f"{name}: --pick {pick} is out of range (1-{len(links)})")
        return links[pick - 1]
    if len(links) == 1:
        return links[0]
    raise AmbiguousFeeds(
        f"{name}: the page offers {len(links)} feeds; choose one with --pick N", links
    )
