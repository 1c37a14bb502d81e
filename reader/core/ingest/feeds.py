"""Feed bytes -> ParsedFeed: RSS and Atom (a strict fast path, else feedparser), JSON Feed.

Nothing here touches the network or the store.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

if TYPE_CHECKING:
    pass

from reader.core.errors import SourceError
from reader.core.ingest.records import MAX_TITLE_CHARS, ParsedEntry, ParsedFeed, author_name
from reader.core.models import Body, EntryLink
from reader.core.sanitize import clean_line, clean_text, clean_url, url_scheme


def iso_from_struct(value: Any) -> str | None:
    """feedparser's UTC struct_time -> ISO 8601, or None for impossible dates."""
    if not value:
        return None
    try:
        stamp = calendar.timegm(value)
        return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def document_base(source: str, headers: dict[str, str]) -> str:
    """What relative links are read against: Content-Location, else the source URL."""
    location = next((v for k, v in headers.items() if k.lower() == "content-location"), "")
    try:
        return urljoin(source, location.strip()) if location else source
    except ValueError:
        return source


def absolute_url(base: str, url: Any) -> str:
    """A link as the reader can open it: resolved against ``base``; "" for other schemes.

    xml:base is feedparser's to apply (the fast path declines documents with it);
    what is still relative here is relative to the document.
    """
    if not isinstance(url, str):
        return ""
    url = url.strip()
    if not url or url.startswith(("https://", "http://")):
        return clean_url(url)
    if not url_scheme(url) and url_scheme(base) in ("http", "https"):
        try:
            url = urljoin(base, url)
        except ValueError:
            return ""
    return clean_url(url)


def _entry_links(entry: Any, base: str) -> tuple[EntryLink, ...]:
    """An entry's links other than its own page: enclosures, replies, comments.

    feedparser lists enclosures among the links; fastfeedparser apart, with ``url``.
    """
    links: list[EntryLink] = []
    for item in entry.get("links", ()) or ():
        url = absolute_url(base, item.get("href"))
        rel = clean_line(str(item.get("rel") or "alternate"))
        if not url or rel == "alternate":
            continue
        links.append(
            EntryLink(
                url,
                rel,
                clean_line(str(item.get("title") or "")),
                clean_line(str(item.get("type") or "text/html")),  # feedparser's default
            )
        )
    for item in entry.get("enclosures", ()) or ():
        url = absolute_url(base, item.get("url"))
        if url and not any(link.url == url for link in links):  # feedparser has it twice
            links.append(EntryLink(url, "enclosure", "", clean_line(str(item.get("type") or ""))))
    comments = absolute_url(base, entry.get("comments"))
    if comments:
        links.append(EntryLink(comments, "comments", "Comments"))
    return tuple(links)


def _entry_body(entry: Any) -> Body:
    for item in entry.get("content", ()) or ():
        value = item.get("value")
        if value:
            plain = item.get("type") in ("text/plain", "text")
            return Body(clean_text(value.strip()), "text" if plain else "html")
    summary = entry.get("summary") or entry.get("description") or ""
    detail = entry.get("summary_detail") or {}
    return Body(
        clean_text(summary.strip()), "text" if detail.get("type") == "text/plain" else "html"
    )


MAX_AUTHOR_CHARS = 1000
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BOM_CHARSETS = dict(zip(_BOMS, ("utf-8", "utf-16", "utf-16"), strict=True))


def _bom_wins(data: bytes, headers: dict[str, str]) -> dict[str, str]:
    """A byte order mark outranks the server's charset (a UTF-16 feed sent as latin-1)."""
    charset = next((c for bom, c in _BOM_CHARSETS.items() if data.startswith(bom)), None)
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if charset is None or "charset" not in kind.lower():
        return headers
    kept = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return {**kept, "content-type": f"{kind.split(';')[0].strip()}; charset={charset}"}


def _without_bom(data: bytes) -> bytes:
    return next((data[len(bom) :] for bom in _BOMS if data.startswith(bom)), data)


def _harden_feedparser() -> None:
    """Patch two feedparser methods a hostile feed can turn against us (idempotent).

    - ``_sync_author_detail`` runs an e-mail regex that is quadratic in the
      author's length: a 1 MiB ``<author>`` kept a refresh busy for minutes.
      The author is cut to MAX_AUTHOR_CHARS first.
    - ``handle_charref`` calls ``chr()`` unchecked: ``&#99999999;`` (out of
      range) or ``&#xD800;`` (a surrogate) raised out of ``feedparser.parse``.
      Such a reference becomes U+FFFD.
    """
    from feedparser.mixin import _FeedParserMixin

    mixin: Any = _FeedParserMixin
    if getattr(mixin, "_reader_hardened", False):
        return
    sync_author, handle_charref = mixin._sync_author_detail, mixin.handle_charref

    def bounded_sync_author(self: Any, key: str = "author") -> None:
        context = self._get_context()
        value = context.get(key)
        if isinstance(value, str) and len(value) > MAX_AUTHOR_CHARS:
            context[key] = value[:MAX_AUTHOR_CHARS]
        sync_author(self, key)

    def checked_charref(self: Any, ref: str) -> None:
        try:
            code = int(ref[1:], 16) if ref[:1] in ("x", "X") else int(ref)
        except ValueError:
            code = -1
        if not 0 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            ref = "xfffd"
        handle_charref(self, ref)

    mixin._sync_author_detail = bounded_sync_author
    mixin.handle_charref = checked_charref
    mixin._reader_hardened = True


def _iso_utc(value: Any) -> str | None:
    """fastfeedparser's ISO 8601 date -> UTC, seconds; None for what does not parse."""
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    try:
        return stamp.astimezone(UTC).isoformat(timespec="seconds")
    except (OverflowError, ValueError):
        return None


def parse_fast(data: bytes, source: str, headers: dict[str, str]) -> ParsedFeed | None:
    """Well-formed UTF-8 RSS/Atom through fastfeedparser (lxml): ~40x feedparser's speed.

    None when :mod:`reader.core.ingest.fast_gate` finds something fastfeedparser
    would read otherwise than feedparser; feedparser then has its say.
    """
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    base = document_base(source, headers)
    import fastfeedparser
    from lxml import etree

    from reader.core.ingest import fast_gate

    ready = fast_gate.prepared(_without_bom(data), content_type)
    shapes = None if ready is None else fast_gate.admits(ready)
    if ready is None or shapes is None:
        return None
    try:
        parsed = fastfeedparser.parse(ready, include_tags=False, include_media=False)
    except (ValueError, LookupError, TypeError, etree.LxmlError):
        return None
    if len(parsed.get("entries", ()) or ()) != len(shapes):
        return None
    info = parsed.get("feed", {}) or {}
    feed = ParsedFeed(
        title=clean_line(str(info.get("title") or ""))[:MAX_TITLE_CHARS] or clean_line(source),
        description=clean_line(str(info.get("subtitle") or info.get("description") or "")),
        site_url=absolute_url(base, info.get("link")),
    )
    for entry, shape in zip(parsed.get("entries", ()) or (), shapes, strict=True):
        body = _entry_body(entry)
        feed.entries.append(
            ParsedEntry(
                guid=clean_line(str(entry.get("id", "") or "")) if shape.has_guid else "",
                title=clean_line(str(entry.get("title") or ""))[:MAX_TITLE_CHARS] or "(untitled)",
                body=Body(body.content, "text") if shape.text_body else body,
                link=absolute_url(base, entry.get("link")),
                author=author_name(str(entry.get("author") or "")[:MAX_AUTHOR_CHARS]),
                published=_iso_utc(entry.get("published")) or _iso_utc(entry.get("updated")),
                entry_links=_entry_links(entry, base),
            )
        )
    return feed


def parse_feed(data: bytes, source: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse feed bytes (never a URL: feedparser's own fetching has no timeout).

    RSS, Atom and RDF go through feedparser; JSON Feed 1.0/1.1 through
    :mod:`reader.core.ingest.jsonfeed`. A malformed document feedparser can repair
    keeps its entries and is marked ``recovered``; an empty document or one
    that is no feed at all (an HTML page, say) is a SourceError.
    """
    if not _without_bom(data).strip():
        raise SourceError(f"{clean_line(source)}: empty document")
    headers = headers or {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    from reader.core.ingest.jsonfeed import looks_like_json_feed, parse_json_feed

    if looks_like_json_feed(data, content_type):
        return parse_json_feed(data, source)
    fast = parse_fast(data, source, headers)
    if fast is not None:
        return fast
    return parse_with_feedparser(data, source, headers)


def parse_with_feedparser(data: bytes, source: str, headers: dict[str, str]) -> ParsedFeed:
    """feedparser's reading of the document: the reference the fast path must match."""
    import feedparser

    base = document_base(
        source, headers
    )  # loaded on first use: the app, and well-formed feeds, go without it

    _harden_feedparser()
    try:
        parsed = feedparser.parse(
            data,
            response_headers=_bom_wins(data, headers),
            sanitize_html=False,  # document.py parses the HTML itself; it is never rendered raw
            resolve_relative_uris=False,
        )
    except (ValueError, LookupError, RecursionError, UnicodeError, AssertionError) as error:
        # feedparser's loose parser raises on some broken input instead of flagging it.
        detail = clean_line(f"{type(error).__name__}: {error}")[:120]
        raise SourceError(f"{clean_line(source)}: not a feed (parser failed: {detail})") from None
    info = parsed.get("feed", {})
    version = parsed.get("version", "")
    if not parsed.entries and not version:
        reason = parsed.get("bozo_exception")
        detail = f" ({clean_line(str(reason))[:120]})" if reason else ""
        raise SourceError(f"{clean_line(source)}: not a feed{detail}")
    problem = parsed.get("bozo_exception")
    # Bozo reasons that say nothing about the markup: the entries are exactly as sent.
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    recovered = bool(parsed.get("bozo")) and not isinstance(problem, harmless)
    feed = ParsedFeed(
        title=clean_line(info.get("title", ""))[:MAX_TITLE_CHARS] or clean_line(source),
        description=clean_line(info.get("subtitle", "") or info.get("description", "")),
        site_url=absolute_url(base, info.get("link")),
        recovered=recovered,
    )
    for entry in parsed.entries:
        link = absolute_url(base, entry.get("link"))
        feed.entries.append(
            ParsedEntry(
                guid=clean_line(str(entry.get("id", "") or "")),
                title=clean_line(entry.get("title", ""))[:MAX_TITLE_CHARS] or "(untitled)",
                body=_entry_body(entry),
                link=link,
                author=author_name(str(entry.get("author", ""))),
                published=iso_from_struct(
                    # dict.get: feedparser's own .get("updated_parsed") falls back to the
                    # published date with a DeprecationWarning (its issue 310).
                    entry.get("published_parsed") or dict.get(entry, "updated_parsed")
                ),
                entry_links=_entry_links(entry, base),
            )
        )
    return feed
