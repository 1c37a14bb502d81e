"""OPML 2.0 subscription lists in and out, with folders as nested outlines.

Parsed with expat directly, refusing any DOCTYPE, so no entity expansion
(billion laughs) and no external entity (file or network read) can happen:
the same precautions defusedxml takes, without a dependency that has had no
release since 2021. A file that is not well-formed OPML is one SourceError and
nothing is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from reader.core.errors import SourceError
from reader.core.sanitize import SAFE_SCHEMES, clean_line, clean_url

MAX_OPML_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32
FOLDER_SEPARATOR = "/"


@dataclass(frozen=True)
class OpmlFeed:
    """One subscription from an OPML file."""

    url: str
    title: str = ""
    folder: str = ""  # outline titles of the enclosing folders, joined with "/"
    site_url: str = ""


class _Refused(Exception):
    pass


class _OpmlReader:
    """expat callbacks: outlines with an xmlUrl are feeds, the others are folders."""

    def __init__(self) -> None:
        self.feeds: list[OpmlFeed] = []
        self.seen: set[str] = set()
        self.folders: list[str | None] = []  # one item per open outline: folder name or None
        self.root = ""
        self.in_body = False
        self.depth = 0

    def refuse(self, *_: object) -> int:
        raise _Refused("DOCTYPE and entity declarations are not allowed")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"outlines nested deeper than {MAX_DEPTH}")
        if not self.root:
            self.root = tag
            if tag != "opml":
                raise _Refused(f"the root element is <{clean_line(tag)[:40]}>, not <opml>")
        if tag == "body":
            self.in_body = True
        if tag != "outline" or not self.in_body:
            return
        title = clean_line(attrs.get("title") or attrs.get("text") or "")
        url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if not url:
            self.folders.append(title or None)  # a folder (or an outline we cannot use)
            return
        self.folders.append(None)
        url = clean_url(url, SAFE_SCHEMES)
        if not url or url in self.seen:
            return
        self.seen.add(url)
        path = FOLDER_SEPARATOR.join(f for f in self.folders[:-1] if f)
        site = clean_url(attrs.get("htmlUrl") or attrs.get("htmlurl"))
        self.feeds.append(OpmlFeed(url, title, path, site))

    def end(self, tag: str) -> None:
        self.depth -= 1
        if tag == "outline" and self.in_body and self.folders:
            self.folders.pop()
        elif tag == "body":
            self.in_body = False


def parse_opml(data: bytes, source: str = "OPML") -> list[OpmlFeed]:
    """The feeds of an OPML file, in document order, without duplicate URLs."""
    name = clean_line(source)
    if len(data) > MAX_OPML_BYTES:
        raise SourceError(f"{name}: larger than {MAX_OPML_BYTES // 1048576} MiB")
    if not data.strip():
        raise SourceError(f"{name}: empty file")
    reader = _OpmlReader()
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = reader.refuse
    parser.EntityDeclHandler = reader.refuse
    parser.UnparsedEntityDeclHandler = reader.refuse
    parser.ExternalEntityRefHandler = reader.refuse
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    try:
        parser.Parse(data, True)
    except _Refused as error:
        raise SourceError(f"{name}: not a usable OPML file ({error})") from None
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code) if error.code else str(error)
        raise SourceError(
            f"{name}: not well-formed XML ({reason}, line {error.lineno} column {error.offset})"
        ) from None
    return reader.feeds


def _attrs(**values: str) -> str:
    return " ".join(f"{key}={quoteattr(value)}" for key, value in values.items() if value)


def write_opml(
    feeds: list[OpmlFeed], now: datetime, *, title: str = "reader-tui subscriptions"
) -> str:
    """OPML 2.0, each folder path as nested outlines, feeds sorted by folder then title."""
    created = format_datetime(now.astimezone(UTC), usegmt=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_escape(title)}</title>",
        f"    <dateCreated>{created}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    open_path: list[str] = []
    ordered = sorted(feeds, key=lambda f: (_folder_parts(f.folder), f.title.casefold(), f.url))
    for feed in ordered:
        parts = _folder_parts(feed.folder)
        common = 0
        while common < min(len(parts), len(open_path)) and parts[common] == open_path[common]:
            common += 1
        while len(open_path) > common:
            open_path.pop()
            lines.append("    " + "  " * len(open_path) + "</outline>")
        for part in parts[common:]:
            indent = "    " + "  " * len(open_path)
            lines.append(f"{indent}<outline {_attrs(text=part, title=part)}>")
            open_path.append(part)
        indent = "    " + "  " * len(open_path)
        name = feed.title or feed.url
        attrs = _attrs(type="rss", text=name, title=name, xmlUrl=feed.url, htmlUrl=feed.site_url)
        lines.append(f"{indent}<outline {attrs}/>")
    while open_path:
        open_path.pop()
        lines.append("    " + "  " * len(open_path) + "</outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _folder_parts(folder: str) -> tuple[str, ...]:
    return tuple(p for p in (clean_line(x) for x in folder.split(FOLDER_SEPARATOR)) if p)


def _escape(text: str) -> str:
    return clean_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
