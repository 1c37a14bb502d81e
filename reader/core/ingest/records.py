"""What a parsed feed is, and the ids that make a re-ingested entry the same article."""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field

from reader.core.models import Body, EntryLink
from reader.core.sanitize import clean_line

MAX_TITLE_CHARS = 1000  # a 1 MiB headline is an attack, not a headline


@dataclass
class ParsedEntry:
    guid: str
    title: str
    body: Body
    link: str = ""
    author: str = ""
    published: str | None = None
    entry_links: tuple[EntryLink, ...] = ()


@dataclass
class ParsedFeed:
    title: str
    description: str = ""
    site_url: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    recovered: bool = False  # feedparser repaired a malformed document


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.sha1("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:size]


def feed_id_for(source: str) -> str:
    """A short stable id for a source URL or absolute path."""
    return _digest(source, size=10)


def article_id_for(feed_id: str, entry: ParsedEntry) -> str:
    """Feed id + guid, else link, else title and date (the key older databases hold)."""
    key = entry.guid or entry.link or f"{entry.title}\x00{entry.published or ''}"
    return _digest(feed_id, key)


def _content_key(entry: ParsedEntry) -> str:
    """What an entry with no guid and no link is: its title, text, enclosures and date."""
    enclosures = "\x00".join(link.url for link in entry.entry_links if link.rel == "enclosure")
    return "\x01content\x00" + _digest(
        entry.title, entry.body.content, enclosures, entry.published or "", size=40
    )


def article_ids(feed_id: str, entries: list[ParsedEntry]) -> list[str]:
    """Each entry's article id, in order: distinct entries get distinct ids.

    An entry with a guid or a link is keyed on it (a feed that repeats a guid says
    the entries are one). One with neither keeps the older title-and-date key when
    it has a date and no other such entry shares it; otherwise it is keyed on its
    content (title, text, enclosure URLs, date), which the next refresh reads
    again unchanged, and an exact duplicate within the feed gets its rank
    ("#2", "#3") so that it is not folded into the first.
    """
    anonymous = [not (e.guid or e.link) for e in entries]
    dated_keys = Counter(
        f"{e.title}\x00{e.published}"
        for e, a in zip(entries, anonymous, strict=True)
        if a and e.published
    )
    seen: Counter[str] = Counter()
    ids = []
    for entry, is_anonymous in zip(entries, anonymous, strict=True):
        if not is_anonymous:
            ids.append(article_id_for(feed_id, entry))
            continue
        dated = f"{entry.title}\x00{entry.published}"
        key = dated if entry.published and dated_keys[dated] == 1 else _content_key(entry)
        seen[key] += 1
        rank = seen[key]
        ids.append(_digest(feed_id, key if rank == 1 else f"{key}\x00#{rank}"))
    return ids


def content_hash(entry: ParsedEntry) -> str:
    return _digest(entry.title, entry.body.content_type, entry.body.content, size=20)


_MAILBOX = re.compile(
    r"^\s*\S+@\S+\s*\((?P<paren>[^()]+)\)\s*$|^\s*(?P<angle>[^<>]+?)\s*<\S+@\S+>\s*$"
)


def author_name(author: str) -> str:
    """'news@example.com (Pat Lowell)' and 'Pat Lowell <pat@example.com>' -> 'Pat Lowell'.

    RSS puts an e-mail address in <author>, often with the name beside it; a
    reader wants the name. A bare address stays as it is.
    """
    author = html.unescape(author[:1000]) if "&" in author else author[:1000]
    found = _MAILBOX.match(author)
    name = (found.group("paren") or found.group("angle")) if found else author
    return clean_line(name)
