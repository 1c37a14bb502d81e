"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which feedparser cannot read.

Produces the same ParsedFeed/ParsedEntry records as the XML path, with the
same cleaning, so the rest of the core never knows which format a feed used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from reader.core.errors import SourceError
from reader.core.ingest.records import MAX_TITLE_CHARS, ParsedEntry, ParsedFeed
from reader.core.models import Body, EntryLink
from reader.core.sanitize import clean_line, clean_text, clean_url

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(data: bytes, content_type: str = "") -> bool:
    """Cheap sniff: a JSON object or array (no XML document starts so), whatever the media type."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"{", b"["))


def _is_json_feed_version(version: Any) -> bool:
    """The version URL, or the bare "1", "1.0", "1.1" some feeds write instead."""
    if isinstance(version, str):
        version = version.strip()
        return version.startswith(VERSION_PREFIX) or version in ("1", "1.0", "1.1")
    return (
        isinstance(version, int | float) and not isinstance(version, bool) and version in (1, 1.1)
    )


def _what_it_is(doc: Any) -> str:
    """A short description of a JSON document that is no JSON Feed, for the error line."""
    if isinstance(doc, list):
        return f"a JSON array of {len(doc)} values"
    if not isinstance(doc, dict):
        return f"a bare JSON {type(doc).__name__}"
    keys = ", ".join(clean_line(str(key))[:30] for key in list(doc)[:5])
    more = ", ..." if len(doc) > 5 else ""
    if "version" in doc:
        version = clean_line(str(doc["version"]))[:40]
        return (
            f'a JSON object with version "{version}", not a JSON Feed version (keys: {keys}{more})'
        )
    return (
        f"a JSON object without a JSON Feed version (keys: {keys}{more})"
        if keys
        else ("an empty JSON object")
    )


def _text(value: Any) -> str:
    return clean_line(value) if isinstance(value, str) else ""


def _date(value: Any) -> str | None:
    """RFC 3339 -> ISO 8601 UTC, or None when missing or impossible."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError):  # 9999-12-31T23:59:59-14:00 overflows in UTC
        return None


def _url(value: Any) -> str:
    return clean_url(value) if isinstance(value, str) else ""


def _author(item: dict[str, Any], feed: dict[str, Any]) -> str:
    authors = item.get("authors") or feed.get("authors")
    if isinstance(authors, list):
        names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
        return ", ".join(n for n in names if n)
    author = item.get("author") or feed.get("author")  # version 1.0
    return _text(author.get("name")) if isinstance(author, dict) else ""


def _links(item: dict[str, Any]) -> tuple[EntryLink, ...]:
    links: list[EntryLink] = []
    external = _url(item.get("external_url"))
    if external:
        links.append(EntryLink(external, "related", "External link"))
    for attachment in item.get("attachments") or ():
        if not isinstance(attachment, dict):
            continue
        url = _url(attachment.get("url"))
        if url:
            links.append(
                EntryLink(
                    url,
                    "enclosure",
                    _text(attachment.get("title")),
                    _text(attachment.get("mime_type")),
                )
            )
    return tuple(links)


def _loads(data: bytes) -> Any:
    """orjson, else the standard library for what orjson refuses but JSON allows (1e400).

    Raises ValueError (orjson's message) when neither can read the document.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        try:
            return json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            raise ValueError(str(error)) from None


def parse_json_feed(data: bytes, source: str) -> ParsedFeed:
    """JSON Feed bytes -> ParsedFeed; a document that is not one is a SourceError."""
    name = clean_line(source)
    try:
        doc = _loads(data)
    except ValueError as error:
        raise SourceError(f"{name}: not a feed (invalid JSON: {clean_line(str(error))})") from None
    if not isinstance(doc, dict) or not _is_json_feed_version(doc.get("version")):
        raise SourceError(f"{name}: not a feed ({_what_it_is(doc)})")
    items = doc.get("items")
    if not isinstance(items, list):
        raise SourceError(f"{name}: not a feed (JSON Feed without items)")
    feed = ParsedFeed(
        title=_text(doc.get("title"))[:MAX_TITLE_CHARS] or name,
        description=_text(doc.get("description")),
        site_url=_url(doc.get("home_page_url")),
    )
    for item in items:
        if not isinstance(item, dict):
            feed.recovered = True
            continue
        html = item.get("content_html")
        text = item.get("content_text")
        summary = item.get("summary")
        if isinstance(html, str) and html:
            body = Body(clean_text(html), "html")
        elif isinstance(text, str) and text:
            body = Body(clean_text(text), "text")
        else:
            body = Body(clean_text(summary) if isinstance(summary, str) else "", "text")
        guid = item.get("id")
        feed.entries.append(
            ParsedEntry(
                guid=clean_line(str(guid)) if isinstance(guid, str | int | float) else "",
                title=_text(item.get("title"))[:MAX_TITLE_CHARS]
                or _text(summary)[:80]
                or "(untitled)",
                body=body,
                link=_url(item.get("url")),
                author=_author(item, doc),
                published=_date(item.get("date_published")) or _date(item.get("date_modified")),
                entry_links=_links(item),
            )
        )
    return feed
