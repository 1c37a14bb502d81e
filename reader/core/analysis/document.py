"""Turn an article body (HTML, plain text or Markdown) into a :class:`Document`.

HTML goes through parser events (libxml2's where they read alike, else the
stdlib's ``HTMLParser``) into an explicit tag stack, so hostile nesting cannot
exhaust Python's recursion limit. Every string
that leaves this module has passed ``clean_text``/``clean_line``, and every link
``clean_url``. A trailing "Don't Miss" / "Related" / "Read more" section is
lifted out of the body into ``Document.related``.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from reader.core.analysis.html_text import (
    _MAX_BLOCKS,
    _MAX_LIST_LEVEL,
    parse_html,
)
from reader.core.analysis.layout import (
    _BULLET,
    _SPACES,
    _URL,
    _finish,
    _heading_like,
    _is_credit,
    _is_label,
    _is_meta,
    _last_char,
    _may_be_label,
    _parse_items,
    _Piece,
    _Raw,
    _same,
    _words,
)
from reader.core.models import (
    BlockKind,
    Body,
    Document,
    RelatedItem,
)
from reader.core.sanitize import clean_line, clean_text, clean_url

__all__ = ["build_document", "parse_html", "parse_markdown", "parse_text"]


# --------------------------------------------------------------------------- Markdown


_MAX_MARKDOWN_LINES = 20_000


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only Markdown documents need it (~17 ms to import)

    return MarkdownIt("commonmark", {"html": False})


def parse_markdown(text: str, title: str = "", base_url: str = "") -> Document:
    """Render Markdown to HTML (raw HTML off) and read that; a leading ``# h1`` is the title."""
    if text.count("\n") > _MAX_MARKDOWN_LINES:
        return parse_text(text, title)  # markdown-it spends ~10 µs a line
    try:
        html = _markdown().render(text)
    except RecursionError:  # markdown-it caps nesting, but keep "never raises" true
        return parse_text(text, title)
    return parse_html(html, title, base_url)


# --------------------------------------------------------------------------- plain text


def _wrapped(lines: list[str]) -> bool:
    """Hard-wrapped prose (lines of similar width) rather than one item per line.

    Lines that all start with a capital are a list of titles, not wrapped prose.
    """
    stripped = [line.strip() for line in lines]
    if len(lines) < 2 or any(_BULLET.match(line) or _URL.match(line) for line in stripped):
        return False
    widths = [len(line) for line in stripped]
    widest = max(widths)
    return (
        50 <= widest <= 100
        and all(width >= 0.6 * widest for width in widths[:-1])
        and not all(line[0].isupper() or line[0].isdigit() for line in stripped)
    )


def _text_pieces(text: str, anchors: Iterator[int]) -> list[_Piece]:
    """Plain text with its bare http(s) URLs made into links."""
    pieces: list[_Piece] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:!?'\"")
        end = match.start() + len(url)
        href = clean_url(url)
        if not href:
            continue
        if match.start() > position:
            pieces.append(_Piece("text", None, 0, [text[position : match.start()]]))
        pieces.append(_Piece("link", href, next(anchors), [url]))
        position = end
    if position < len(text):
        pieces.append(_Piece("text", None, 0, [text[position:]]))
    return pieces


def _split_head(paragraphs: list[list[str]]) -> tuple[list[str], list[str]]:
    """Meta lines ("2 mins read", bylines, dates) and photo captions before the body.

    The lines taken are removed from ``paragraphs`` in place.
    """
    meta: list[str] = []
    captions: list[str] = []
    while paragraphs:
        lines = paragraphs[0]
        if len(lines) > 8 or len(meta) + len(captions) > 8 or _wrapped(lines):
            break
        taken = 0
        for line in lines:
            text = clean_line(line)
            if _is_meta(text):
                meta.append(text)
            elif _is_credit(text) or (len(lines) > 1 and _heading_like(text)):
                captions.append(text)
            else:
                break
            taken += 1
        if taken < len(lines):
            paragraphs[0] = lines[taken:]
            break
        paragraphs.pop(0)
    return meta, captions


def _single_spaced(text: str) -> str:
    """Runs of spaces and tabs as one space; the pattern only where it has work."""
    return _SPACES.sub(" ", text) if "\t" in text or "  " in text else text


def _text_units(paragraphs: list[list[str]]) -> list[tuple[str, str, int, bool]]:
    """(kind hint, text, level, alone in its paragraph) for each unit of the body."""
    units: list[tuple[str, str, int, bool]] = []
    for lines in paragraphs:
        if all(line[:4] == "    " or line[:1] == "\t" for line in lines):
            indent = min(len(line) - len(line.lstrip()) for line in lines)
            units.append(("preformatted", "\n".join(line[indent:] for line in lines), 0, True))
        elif all(line.lstrip().startswith(">") for line in lines):
            text = " ".join(line.lstrip()[1:].strip() for line in lines)
            units.append(("blockquote", text, 0, True))
        elif _wrapped(lines):
            units.append(("text", " ".join(line.strip() for line in lines), 0, True))
        elif len(lines) > 100:  # not a list of titles or captions: keep it whole
            units.append(("text", "\n".join(line.strip() for line in lines), 0, False))
        else:
            credited = len(lines) > 1 and any(_is_credit(line) for line in lines)
            for line in lines:
                text = line.strip()
                bullet = _BULLET.match(text)
                if bullet:
                    indent = len(line) - len(line.lstrip())
                    level = min(1 + indent // 2, _MAX_LIST_LEVEL)
                    units.append(("list_item", text[bullet.end() :], level, False))
                elif credited and (_is_credit(text) or _heading_like(text)):
                    units.append(("caption", text, 0, False))
                else:
                    units.append(("text", text, 0, len(lines) == 1))
    return units


def parse_text(text: str, title: str = "") -> Document:
    """Read a plain-text article: first line title, blank lines between paragraphs.

    With ``title`` given, the first line is the title only when it repeats it.
    """
    anchors = itertools.count(1)
    text = clean_text(unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))
    title = unicodedata.normalize("NFC", title)
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    if len(paragraphs) > _MAX_BLOCKS:
        rest = "\n\n".join("\n".join(lines) for lines in paragraphs[_MAX_BLOCKS - 1 :])
        paragraphs[_MAX_BLOCKS - 1 :] = [[rest]]

    doc_title = clean_line(title)
    if paragraphs:
        first = clean_line(paragraphs[0][0])
        if not doc_title or _same(first, doc_title):
            doc_title = doc_title or first
            paragraphs[0] = paragraphs[0][1:]
            if not paragraphs[0]:
                paragraphs.pop(0)
    meta, captions = _split_head(paragraphs)

    # Lift the trailing related section: its label opens the last labelled paragraph.
    heading: str | None = None
    related: tuple[RelatedItem, ...] = ()
    for index in range(len(paragraphs) - 1, -1, -1):
        # A label has at most 70 characters, and a line's start cleans to the start
        # of the whole line's: past 70 there, no label (nor the whole line to clean).
        line = paragraphs[index][0]
        if not _may_be_label(line) or len(clean_line(line[:200])) > 70:
            continue
        label = clean_line(line)
        if not _is_label(label):
            continue
        tail = [paragraphs[index][1:], *paragraphs[index + 1 :]]
        entries: list[tuple[BlockKind, int, list[_Piece]]] = []
        for lines in tail:
            joined = [" ".join(lines)] if _wrapped(lines) else lines
            entries.extend(("paragraph", 0, _text_pieces(line, anchors)) for line in joined)
        items = _parse_items(entries, 0)
        if items:
            heading = label.rstrip(": ")
            related = tuple(
                RelatedItem(clean_line(item.title), clean_line(item.blurb), item.url)
                for item in items
            )
            paragraphs = paragraphs[:index]
        break

    raws = [_Raw("caption", _text_pieces(caption, anchors)) for caption in captions]
    units = _text_units(paragraphs)
    for index, (hint, unit, level, alone) in enumerate(units):
        kind: BlockKind
        if hint != "text":
            kind = hint  # type: ignore[assignment]
        elif _is_credit(unit):
            kind = "caption"
        elif alone and _heading_like(unit) and index + 1 < len(units):
            next_hint, next_text = units[index + 1][:2]
            body_follows = next_hint in ("list_item", "blockquote", "preformatted") or (
                next_hint == "text"
                and (_last_char(next_text) in ".!?…" or _words(next_text, 14) > 14)
            )
            kind = "heading" if body_follows else "paragraph"
            level = 2 if body_follows else 0
        else:
            kind = "paragraph"
        if kind == "preformatted":
            raws.append(_Raw(kind, [_Piece("text", None, 0, [unit])]))
        else:
            raws.append(_Raw(kind, _text_pieces(_single_spaced(unit), anchors), level))
    return _finish(doc_title, raws, tuple(meta), (heading, related))


# --------------------------------------------------------------------------- dispatch

_PARSERS: dict[str, Callable[[Body, str, str], Document]] = {
    "html": lambda body, title, base: parse_html(body.content, title, base),
    "text": lambda body, title, base: parse_text(body.content, title),
    "markdown": lambda body, title, base: parse_markdown(body.content, title, base),
}


def build_document(body: Body, title: str = "", base_url: str = "") -> Document:
    """The Document for a stored body, whatever its content type."""
    parser = _PARSERS.get(body.content_type, _PARSERS["html"])
    return parser(body, title, base_url)
