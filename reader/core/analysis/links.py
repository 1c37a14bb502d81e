"""Related links for an article: the links it offers (a lifted "Related" section, its
inline links, the feed entry's own links), the stories of the archive it resembles or
is linked from, and the URL keys that find them."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from reader.core.analysis.similarity import (
    SimilarityIndex,
)
from reader.core.models import Article, Document, EntryLink
from reader.core.sanitize import SAFE_SCHEMES, clean_line, clean_url

# --------------------------------------------------------------------------- URLs


def normalise_url(url: str) -> str:
    """A comparable form of a web URL, or "" when it is not an http(s) URL.

    http and https, "www." or not, a trailing slash, a fragment, a default port and
    utm_* tracking parameters all make no difference to which page is meant.
    """
    url = clean_url(url, SAFE_SCHEMES)
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    if host.startswith("www."):
        host = host[4:]
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = parts.query
    if "utm_" in query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not k.startswith("utm_")])
    return urlunsplit(("https", netloc, path, query, ""))


def _domain(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


class KeyIndex:
    """Article ids filed under string keys, in the order they were filed.

    At 100,000 articles there are ~300,000 links and ~200,000 URL and title
    keys; dicts of those strings took ~90 MiB. Here a key is only its 64-bit
    hash, in an open-addressing table of two flat arrays (hash, slot + 1; 0 is
    empty), ~20 bytes a key: the strings stay in the articles they came from,
    and filing makes no garbage. A removed article leaves a dead slot; slots
    are renumbered once a quarter are dead. (Two keys with one 64-bit hash
    would share ids: with 10^6 keys that is a one-in-10^7 chance, and it only
    adds a sidebar entry.)
    """

    __slots__ = ("_ids", "_slots", "_dead", "_hashes", "_owners", "_used")

    def __init__(self, items: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self._ids: list[str | None] = []  # slot -> article id; None once removed
        self._slots: dict[str, int] = {}  # article id -> slot
        self._dead = 0
        self._hashes = array("q", bytes(8 * 1024))
        self._owners = array("I", bytes(4 * 1024))  # slot + 1, 0 where empty
        self._used = 0
        for article_id, keys in items:
            self.add(article_id, keys)

    def __len__(self) -> int:
        return len(self._slots)

    def add(self, article_id: str, keys: Iterable[str]) -> None:
        """File an article under ``keys``, replacing what it was filed under before."""
        self.remove(article_id)
        hashes = {hash(key) for key in keys if key}
        if not hashes:
            return
        slot = len(self._ids)
        self._ids.append(article_id)
        self._slots[article_id] = slot
        for key_hash in hashes:
            self._put(key_hash, slot + 1)

    def remove(self, article_id: str) -> None:
        """Forget an article; unknown ids are ignored."""
        slot = self._slots.pop(article_id, None)
        if slot is None:
            return
        self._ids[slot] = None
        self._dead += 1
        if self._dead * 4 > len(self._ids) + 100:
            self._compact()

    def get(self, key: str) -> list[str]:
        """Ids of the live articles filed under ``key``, oldest first."""
        if not key:
            return []
        key_hash = hash(key)
        hashes, owners, ids = self._hashes, self._owners, self._ids
        mask = len(hashes) - 1
        at = key_hash & mask
        found: list[int] = []
        while owner := owners[at]:
            if hashes[at] == key_hash and ids[owner - 1] is not None:
                found.append(owner - 1)
            at = (at + 1) & mask
        return [ids[slot] or "" for slot in sorted(found)]

    def _put(self, key_hash: int, owner: int) -> None:
        hashes, owners = self._hashes, self._owners
        mask = len(hashes) - 1
        at = key_hash & mask
        while owners[at]:
            at = (at + 1) & mask
        hashes[at], owners[at] = key_hash, owner
        self._used += 1
        if self._used * 3 > len(hashes) * 2:
            self._rebuild(len(hashes) * 2)

    def _rebuild(self, size: int, renumber: dict[int, int] | None = None) -> None:
        """Refile every entry in a table of ``size`` (a power of two), slots renumbered."""
        old = zip(self._hashes, self._owners, strict=True)
        self._hashes, self._owners = array("q", bytes(8 * size)), array("I", bytes(4 * size))
        self._used = 0
        for key_hash, owner in old:
            if not owner:
                continue
            slot = owner - 1 if renumber is None else renumber.get(owner - 1)
            if slot is not None:
                self._put(key_hash, slot + 1)

    def _compact(self) -> None:
        live = sorted(self._slots.values())
        renumber = {old: new for new, old in enumerate(live)}
        self._ids = [self._ids[old] for old in live]
        self._slots = {article_id: i for i, article_id in enumerate(self._ids) if article_id}
        self._dead = 0
        self._rebuild(len(self._hashes), renumber)


class BacklinkIndex:
    """Which stored articles link to a URL: "who else pointed here"."""

    __slots__ = ("_links",)

    def __init__(self, items: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self._links = KeyIndex((article_id, map(normalise_url, urls)) for article_id, urls in items)

    def __len__(self) -> int:
        return len(self._links)

    def add(self, article_id: str, urls: Iterable[str]) -> None:
        """Record an article's outbound links, replacing any recorded before."""
        self._links.add(article_id, map(normalise_url, urls))

    def remove(self, article_id: str) -> None:
        self._links.remove(article_id)

    def linking_to(self, url: str, exclude: Iterable[str] = ()) -> list[str]:
        """Ids of articles linking to ``url``, in the order they were added."""
        skip = set(exclude)
        return [a for a in self._links.get(normalise_url(url)) if a not in skip]


def outbound_urls(doc: Document) -> list[str]:
    """Every web URL a document links to: what :class:`BacklinkIndex` is built from."""
    urls = [link.url for link in doc.links] + [i.url for i in doc.related if i.url]
    return [u for u in urls if clean_url(u, SAFE_SCHEMES)]


# --------------------------------------------------------------------------- links

RelatedKind = Literal["section", "inline", "entry", "archive", "backlink"]
FindArticle = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """One sidebar entry; ``url`` is always http(s) or None."""

    kind: RelatedKind
    title: str
    url: str | None
    reason: str | None = None
    blurb: str = ""
    article_id: str | None = None  # set when the target is a stored article
    domain: str = ""

    @property
    def in_archive(self) -> bool:
        return self.article_id is not None

    def as_record(self, article_title: str) -> dict[str, Any]:
        """The pinned JSON shape of ``reader related``."""
        return {
            "article": article_title,
            "title": self.title,
            "url": self.url,
            "kind": self.kind,
            "reason": self.reason,
            "in_archive": self.in_archive,
        }


def _find(find_article: FindArticle | None, *keys: str | None) -> str | None:
    if find_article is None:
        return None
    for key in keys:
        if key and (found := find_article(key)):
            return found
    return None


def section_links(doc: Document, *, find_article: FindArticle | None = None) -> list[RelatedLink]:
    """The lifted "Related" / "Don't Miss" items; kept without a URL when it is unsafe."""
    links = []
    for item in doc.related:
        url = clean_url(item.url, SAFE_SCHEMES) or None
        title = clean_line(item.title) or (_domain(url) if url else "")
        if not title:
            continue
        links.append(
            RelatedLink(
                kind="section",
                title=title,
                url=url,
                reason=clean_line(doc.related_heading or "") or None,
                blurb=clean_line(item.blurb),
                article_id=_find(find_article, url, title),
                domain=_domain(url) if url else "",
            )
        )
    return links


def inline_links(
    doc: Document,
    limit: int = 50,
    *,
    find_article: FindArticle | None = None,
    skip_urls: Iterable[str] = (),
) -> tuple[list[RelatedLink], int]:
    """The body's web links in reading order, one per page, and how many were left off.

    The count lets the sidebar say "+N more" instead of silently truncating.
    """
    seen = {n for n in map(normalise_url, skip_urls) if n}
    links: list[RelatedLink] = []
    left_off = 0
    for link in doc.links:
        url = clean_url(link.url, SAFE_SCHEMES)
        normal = normalise_url(url)
        if not normal or normal in seen:
            continue
        seen.add(normal)
        if len(links) >= limit:
            left_off += 1
            continue
        domain = _domain(url)
        text = clean_line(link.text)
        links.append(
            RelatedLink(
                kind="inline",
                title=text if text and text != url else domain or url,
                url=url,
                article_id=_find(find_article, url),
                domain=domain,
            )
        )
    return links, left_off


_ENTRY_LABELS = {
    "enclosure": "Enclosure",
    "comments": "Comments",
    "replies": "Replies",
    "related": "Related",
    "via": "Via",
    "alternate": "Alternate version",
}


def _entry_label(link: EntryLink, domain: str) -> str:
    title = clean_line(link.title)
    if title:
        return title
    label = _ENTRY_LABELS.get(link.rel.lower(), link.rel.capitalize() or "Link")
    kind = clean_line(link.type)
    if link.rel.lower() in ("enclosure", "alternate") and kind:
        return f"{label} ({kind})"
    return f"{label} ({domain})" if link.rel.lower() in ("related", "via") and domain else label


def entry_links(
    article: Article,
    *,
    find_article: FindArticle | None = None,
    skip_urls: Iterable[str] = (),
) -> list[RelatedLink]:
    """The feed entry's own links (enclosures, comments, rel=related), labelled."""
    seen = {n for n in map(normalise_url, [article.link, *skip_urls]) if n}
    links = []
    for link in article.entry_links:
        rel = link.rel.lower()
        if rel not in _ENTRY_LABELS:  # self, edit, license...: not for reading
            continue
        url = clean_url(link.url, SAFE_SCHEMES)
        normal = normalise_url(url)
        if not normal or normal in seen:
            continue
        seen.add(normal)
        domain = _domain(url)
        links.append(
            RelatedLink(
                kind="entry",
                title=_entry_label(link, domain),
                url=url,
                reason=rel,
                article_id=_find(find_article, url),
                domain=domain,
            )
        )
    return links


def related_links(
    doc: Document,
    article: Article,
    *,
    find_article: FindArticle | None = None,
    max_inline: int = 50,
) -> list[RelatedLink]:
    """The links an article offers: lifted section, inline links, then entry links.

    A URL appears once, in the first group that has it. ``find_article`` maps a URL
    or title to a stored article id, so the sidebar can open it locally. Archive and
    backlink entries come from :func:`archive_links` and :func:`backlink_links`.
    """
    section = section_links(doc, find_article=find_article)
    own = [article.link] + [link.url for link in section if link.url]
    inline, _ = inline_links(doc, max_inline, find_article=find_article, skip_urls=own)
    entry = entry_links(
        article,
        find_article=find_article,
        skip_urls=own + [link.url for link in inline if link.url],
    )
    return section + inline + entry


def _stored_link(kind: RelatedKind, other: Article, reason: str | None) -> RelatedLink:
    url = clean_url(other.link, SAFE_SCHEMES) or None
    return RelatedLink(
        kind=kind,
        title=clean_line(other.title) or (url or other.id),
        url=url,
        reason=reason,
        article_id=other.id,
        domain=_domain(url) if url else "",
    )


def archive_links(
    index: SimilarityIndex,
    article: Article,
    lookup: Callable[[str], Article | None],
    *,
    k: int = 5,
    exclude: Iterable[str] = (),
    min_score: float = 0.05,
    terms: Mapping[str, float] | None = None,
    day: int | None = None,
) -> list[RelatedLink]:
    """Similar stored stories, best first, each with its reason; ``lookup`` maps
    id -> Article.

    ``terms``: the article's index terms when the caller has them (the index
    finds a stored article's own by a bisect per word it knows); ``day``: its
    publication day (:func:`~reader.core.analysis.similarity.day_number`).
    """
    query: str | Mapping[str, float] = terms or (
        article.id if article.id in index else article.terms
    )
    links = []
    for article_id, _score, reason in index.similar(
        query, k, [article.id, *exclude], min_score=min_score, day=day
    ):
        other = lookup(article_id)
        if other is not None:
            links.append(_stored_link("archive", other, reason or None))
    return links


def backlink_links(
    backlinks: BacklinkIndex,
    article: Article,
    lookup: Callable[[str], Article | None],
) -> list[RelatedLink]:
    """Stored articles that link to this one."""
    if not article.link:
        return []
    links = []
    for article_id in backlinks.linking_to(article.link, exclude=[article.id]):
        other = lookup(article_id)
        if other is not None:
            links.append(_stored_link("backlink", other, "links to this article"))
    return links
