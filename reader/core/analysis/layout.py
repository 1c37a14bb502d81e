"""From pieces of text to blocks: labels, credits and bylines, headings, and the
"Don't Miss" / "Related" section lifted out of a body. Shared by every format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from reader.core.models import (
    Block,
    BlockKind,
    Document,
    Link,
    RelatedItem,
    Span,
    SpanKind,
)
from reader.core.sanitize import clean_line

# --------------------------------------------------------------------------- shared

_LABEL = re.compile(
    r"""(?:don['’`]?t\s+miss(?:\s+(?:this|these|out))?
    |related(?:\s+(?:coverage|stories|story|articles?|reading|links|content|news|posts|topics))?
    |read\s+(?:more|next|also)|also\s+read|see\s+also|further\s+reading|more\s+stories
    |more\s+on\s+this(?:\s+(?:story|topic))?
    |recommended(?:\s+(?:for\s+you|reading|stories|articles))?
    |more\s+from\s+[^.!?:]{1,50}?
    |you\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested\s+in)
    )\s*:?""",
    re.IGNORECASE | re.VERBOSE,
)
# What a label's first letter can be, in every form the pattern matches ignoring case
# ("ſ" is an "s" to it): a line that starts with another letter or digit is no label.
_LABEL_STARTS = frozenset("dDrRaAsSſfFmMyY")
_CLOSERS = "\"'”’»)]*"
_WS = re.compile(r"[ \t\n\r\f]+")
_SPACES = re.compile(r"[ \t]+")
_CONTROL_ALL = re.compile("[\x00-\x20\x7f-\x9f]")
_BULLET = re.compile(r"^(?:[-*•‣◦▪·–]|\d{1,3}[.)])\s+")
_URL = re.compile(r"https?://[^\s<>\"'“”‘’()\[\]{}]+")
_IMAGE = re.compile(r"\[image:[^\]]*\]\s*")
_SEPARATORS = " \t—–-:|•·,;/"
# A credit: "(Photo: ...)" at the end, "Photo by" or "Image:" at the start, or a
# picture agency at the end. Three patterns, so that each is tried only where it can
# match: the note past a "(", the lead at the start, the agencies when one is named.
_CREDIT_NOTE = re.compile(
    r"\((?:[^()]*\W)?(?:photos?|images?|pictures?|photograph|illustration|credit)\b[^()]*\)\s*$",
    re.IGNORECASE,
)
_CREDIT_LEAD = re.compile(
    r"(?:photos?|images?|pictures?|photograph|illustration|credit)s?\s*(?:by\b|:)", re.IGNORECASE
)
_CREDIT_AGENCY = re.compile(r"(?:getty\s+images|shutterstock)\W*$", re.IGNORECASE)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_META = re.compile(
    rf"""^(?:\d+\s*-?\s*(?:min|mins|minutes?)(?:\s+(?:read|reading|listen))?
    |(?:reading|read)\s+time\b.{{0,20}}
    |(?:by|words\s+by|reporting\s+by|written\s+by)\s+\S.{{0,60}}
    |(?:updated|published|posted|last\s+updated)\b.{{0,60}}
    |(?:share|share\s+this(?:\s+article)?|listen\s+to\s+this\s+article.{{0,20}})
    |.{{0,30}}\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b.{{0,30}}
    |.{{0,30}}\b\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b.{{0,30}}
    |.{{0,30}}\b\d{{4}}-\d{{2}}-\d{{2}}\b.{{0,30}}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(slots=True)
class _Piece:
    """A span under construction; ``parts`` avoids quadratic string building."""

    kind: SpanKind
    href: str | None
    anchor: int
    parts: list[str]

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


@dataclass(slots=True)
class _Raw:
    """A block under construction (mutable, links not numbered yet)."""

    kind: BlockKind
    pieces: list[_Piece]
    level: int = 0
    attribution: str | None = None

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces)


@dataclass(slots=True)
class _Item:
    title: str
    blurb: str = ""
    url: str | None = None
    open: bool = False  # a linked title still waiting for its blurb paragraph


def _words(text: str, most: int = -1) -> int:
    """How many words; past ``most`` it says ``most + 1``, without splitting the rest."""
    return len(text.split(None, most))


def _last_char(text: str) -> str:
    stripped = text.rstrip(_CLOSERS + " ")
    return stripped[-1] if stripped else ""


def _same(a: str, b: str) -> bool:
    """Equal ignoring case, spacing and punctuation (a leading h1 repeating the title)."""
    a_key = "".join(ch for ch in a.casefold() if ch.isalnum())
    return bool(a_key) and a_key == "".join(ch for ch in b.casefold() if ch.isalnum())


def _may_be_label(line: str) -> bool:
    """False when ``line`` cleans to no label, told from its first character alone."""
    first = line.lstrip()[:1]
    return not first.isalnum() or first in _LABEL_STARTS


def _is_label(text: str) -> bool:
    return len(text) <= 70 and _LABEL.fullmatch(text.replace("’", "'")) is not None


def _is_credit(text: str) -> bool:
    if "(" in text and _CREDIT_NOTE.search(text):
        return True
    if _CREDIT_LEAD.match(text):
        return True
    # Ignoring case, the letters of "getty" and "hutter" match only their own two
    # forms (unlike "s", "k", "i": "ſ", "K", "ı"), so the lowered text names one
    # wherever the pattern matches.
    lowered = text.lower()
    return ("getty" in lowered or "hutter" in lowered) and _CREDIT_AGENCY.search(text) is not None


def _is_meta(text: str) -> bool:
    return _words(text, 12) <= 12 and _META.match(text) is not None


def _is_prose(text: str) -> bool:
    """A sentence (a blurb or body text) rather than a title-like line."""
    words, last = _words(text, 20), _last_char(text)
    return words > 20 or (last in ".!…" and words >= 5) or (last == "?" and words > 12)


def _heading_like(text: str) -> bool:
    words = _words(text, 14)
    return (
        0 < words <= 14
        and _last_char(text) not in ".!,;:…"
        and not text[0].islower()
        and not _URL.match(text)
        and not _BULLET.match(text)
    )


def _finish(
    title: str,
    raws: list[_Raw],
    meta: tuple[str, ...] = (),
    related: tuple[str | None, tuple[RelatedItem, ...]] = (None, ()),
) -> Document:
    """Freeze the blocks, numbering links in reading order (one number per URL)."""
    numbers: dict[str, int] = {}
    first_anchor: dict[str, int] = {}
    link_text: dict[str, list[str]] = {}
    blocks: list[Block] = []
    for raw in raws:
        spans: list[Span] = []
        pieces: list[_Piece] = []
        for piece in raw.pieces:  # merge neighbours of one style (capped blocks have many)
            if pieces and (pieces[-1].kind, pieces[-1].href, pieces[-1].anchor) == (
                piece.kind,
                piece.href,
                piece.anchor,
            ):
                pieces[-1].parts.extend(piece.parts)
            elif piece.parts:
                pieces.append(piece)
        for piece in pieces:
            text = piece.text
            if not text:
                continue
            if piece.href:
                number = numbers.setdefault(piece.href, len(numbers) + 1)
                if first_anchor.setdefault(piece.href, piece.anchor) == piece.anchor:
                    link_text.setdefault(piece.href, []).append(text)
                spans.append(Span(text, "link", piece.href, number))
            else:
                spans.append(Span(text, piece.kind))
        if spans:
            blocks.append(Block(raw.kind, tuple(spans), raw.level, raw.attribution))
    links = tuple(
        Link(number, url, clean_line("".join(link_text.get(url, ()))) or url)
        for url, number in numbers.items()
    )
    return Document(clean_line(title), meta, tuple(blocks), links, related[0], related[1])


# --------------------------------------------------------------------------- lifting


def _lines(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Split a block's pieces at the newlines that ``<br>`` left."""
    lines: list[list[_Piece]] = [[]]
    for piece in pieces:
        for index, part in enumerate(piece.text.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append(_Piece(piece.kind, piece.href, piece.anchor, [part]))
    return lines


def _line_text(pieces: list[_Piece]) -> str:
    return clean_line(_IMAGE.sub("", "".join(piece.text for piece in pieces)))


def _anchors(pieces: list[_Piece]) -> list[tuple[str, str]]:
    """(text, url) of each link on a line, image-only links left out."""
    found: dict[int, tuple[list[str], str]] = {}
    for piece in pieces:
        if piece.href:
            found.setdefault(piece.anchor, ([], piece.href))[0].append(piece.text)
    result = []
    for parts, url in found.values():
        text = _line_text([_Piece("text", None, 0, parts)])
        if text:
            result.append((_BULLET.sub("", text), url))
    return result


def _parse_items(
    entries: list[tuple[BlockKind, int, list[_Piece]]], label_level: int
) -> list[_Item] | None:
    """Read a lifted section as items, or None when it is not a list of stories.

    Items are a linked title (blurb = the rest of its line, or the next
    paragraph), or in plain text: optional caption lines, a title line and a
    one-sentence blurb. Anything else (two prose paragraphs in a row, a long
    paragraph, a new section heading) means the "section" is ordinary body text.
    """
    items: list[_Item] = []
    run: list[str] = []  # unlinked short lines: captions, then a title
    linked = unlinked = False
    for kind, level, pieces in entries:
        text = _BULLET.sub("", _line_text(pieces))
        if not text or kind == "caption" or _is_label(text) or _is_credit(text) or _is_meta(text):
            continue
        anchors = _anchors(pieces)
        if len(anchors) == 1 and anchors[0][0] == text and _URL.fullmatch(text):
            url = anchors[0][1]  # a bare URL line belongs to the title above it
            if run:
                items.append(_Item(run[-1], "", url, open=True))
                run.clear()
            elif items and items[-1].url is None:
                items[-1].url = url
            continue
        link_chars = sum(len(title) for title, _ in anchors)
        if anchors and (text.startswith(anchors[0][0][:20]) or 2 * link_chars >= len(text)):
            linked = True
            run.clear()  # kickers such as "Opinion" or an image caption
            rest = text
            for title, _ in anchors:
                rest = rest.replace(title, "", 1)
            if len(anchors) > 1 and not rest.strip(_SEPARATORS):
                items.extend(_Item(title, "", url) for title, url in anchors)
                continue
            title, url = anchors[0]
            blurb = text.replace(title, "", 1).strip(_SEPARATORS)
            items.append(_Item(title, blurb, url, open=not blurb))
            continue
        if kind == "heading" and 0 < level <= label_level:
            return None  # a new section of the article, not a story title
        if _is_prose(text):
            if _words(text, 60) > 60:
                return None
            if run:
                items.append(_Item(run[-1], text))
                run.clear()
                unlinked = True
            elif items and items[-1].open:
                items[-1].blurb, items[-1].open = text, False
            else:
                return None
        else:
            run.append(text)
    if not linked:
        items.extend(_Item(title) for title in run)
    if (linked and unlinked) or not 0 < len(items) <= 60:
        return None
    return items


def _lift(raws: list[_Raw]) -> tuple[list[_Raw], str | None, tuple[RelatedItem, ...]]:
    """Remove the trailing related-links section, if the last label starts one."""
    for index in range(len(raws) - 1, -1, -1):
        raw = raws[index]
        if raw.kind not in ("heading", "paragraph") or (raw.kind == "heading" and raw.level < 2):
            continue
        head = raw.text[:200].split("\n", 1)[0]
        if not _may_be_label(head) or not _is_label(clean_line(head)):
            continue
        lines = _lines(raw.pieces)
        entries: list[tuple[BlockKind, int, list[_Piece]]] = [
            (raw.kind, 0, line) for line in lines[1:]
        ]
        for after in raws[index + 1 :]:
            entries.extend((after.kind, after.level, line) for line in _lines(after.pieces))
        items = _parse_items(entries, raw.level if raw.kind == "heading" else 6)
        if items is None:
            return raws, None, ()
        related = tuple(
            RelatedItem(clean_line(item.title), clean_line(item.blurb), item.url) for item in items
        )
        return raws[:index], clean_line(head).rstrip(": "), related
    return raws, None, ()
