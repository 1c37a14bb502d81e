"""Turn an article body (HTML, plain text or Markdown) into a :class:`Document`.

HTML goes through the stdlib's event-based ``HTMLParser`` with an explicit tag
stack, so hostile nesting cannot exhaust Python's recursion limit. Every string
that leaves this module has passed ``clean_text``/``clean_line``, and every link
``clean_url``. A trailing "Don't Miss" / "Related" / "Read more" section is
lifted out of the body into ``Document.related``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from reader.core.models import (
    Block,
    BlockKind,
    Body,
    Document,
    Link,
    RelatedItem,
    Span,
    SpanKind,
)
from reader.core.sanitize import clean_line, clean_text, clean_url

__all__ = ["build_document", "parse_html", "parse_markdown", "parse_text"]

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
_CLOSERS = "\"'”’»)]*"
_WS = re.compile(r"[ \t\n\r\f]+")
_SPACES = re.compile(r"[ \t]+")
_CONTROL_ALL = re.compile("[\x00-\x20\x7f-\x9f]")
_BULLET = re.compile(r"^(?:[-*•‣◦▪·–]|\d{1,3}[.)])\s+")
_URL = re.compile(r"https?://[^\s<>\"'“”‘’()\[\]{}]+")
_IMAGE = re.compile(r"\[image:[^\]]*\]\s*")
_SEPARATORS = " \t—–-:|•·,;/"
_CREDIT = re.compile(
    r"""\((?:[^()]*\W)?(?:photos?|images?|pictures?|photograph|illustration|credit)\b[^()]*\)\s*$
    |^(?:photos?|images?|pictures?|photograph|illustration|credit)s?\s*(?:by\b|:)
    |(?:getty\s+images|shutterstock)\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
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


def _words(text: str) -> int:
    return len(text.split())


def _last_char(text: str) -> str:
    stripped = text.rstrip(_CLOSERS + " ")
    return stripped[-1] if stripped else ""


def _same(a: str, b: str) -> bool:
    """Equal ignoring case, spacing and punctuation (a leading h1 repeating the title)."""
    a_key = "".join(ch for ch in a.casefold() if ch.isalnum())
    return bool(a_key) and a_key == "".join(ch for ch in b.casefold() if ch.isalnum())


def _is_label(text: str) -> bool:
    return len(text) <= 70 and _LABEL.fullmatch(text.replace("’", "'")) is not None


def _is_credit(text: str) -> bool:
    return _CREDIT.search(text) is not None


def _is_meta(text: str) -> bool:
    return _words(text) <= 12 and _META.match(text) is not None


def _is_prose(text: str) -> bool:
    """A sentence (a blurb or body text) rather than a title-like line."""
    words, last = _words(text), _last_char(text)
    return words > 20 or (last in ".!…" and words >= 5) or (last == "?" and words > 12)


def _heading_like(text: str) -> bool:
    words = _words(text)
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
            if _words(text) > 60:
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
        if not _is_label(clean_line(head)):
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


# --------------------------------------------------------------------------- HTML


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_BLOCK_TAGS = _tags(
    "address article aside blockquote body caption center details dialog dd dir div dl dt"
    " fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend"
    " li main menu nav ol p pre section summary table tbody td tfoot th thead tr ul"
)
_VOID_TAGS = _tags("area base br col embed hr img input keygen link meta param source track wbr")
_SKIP_TAGS = _tags(
    "script style template iframe object noscript svg math select textarea button canvas"
    " audio video"
)
_CONTEXT_TAGS = _tags("h1 h2 h3 h4 h5 h6 pre figcaption caption li blockquote")
_FORMAT: dict[str, str] = {
    **dict.fromkeys(("em", "i", "dfn", "var", "cite"), "emphasis"),
    **dict.fromkeys(("strong", "b"), "strong"),
    **dict.fromkeys(("code", "kbd", "samp", "tt"), "code"),
}
_MAX_LIST_LEVEL = 10
# Past this many blocks the rest of a (hostile or runaway) body goes into the last
# block: each block costs a few microseconds, and nobody pages through 5,000.
_MAX_BLOCKS = 5_000


class _HtmlBuilder(HTMLParser):
    """Collects raw blocks from parser events; nesting lives in ``_stack``, not recursion."""

    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.blocks: list[_Raw] = []
        self.title_parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, active: opened outside skipped content)
        self._open: dict[str, int] = {}
        self._format = {"emphasis": 0, "strong": 0, "code": 0}
        self._context: list[str] = []
        self._buffer: list[_Piece] = []
        self._space = True  # last text emitted was whitespace (or the block is empty)
        self._skip = 0
        self._in_title = 0
        self._pre = 0
        self._pre_fresh = False
        self._quotes = 0
        self._anchor: tuple[str, int] | None = None
        self._anchors = itertools.count(1)
        self._lists = 0
        self._quote_starts: list[int] = []  # block index where each open blockquote began
        self._quote_credits: list[list[str]] = []
        self._capture: list[str] | None = None  # attribution text being collected
        self._capture_depth = 0

    def run(self, html: str) -> list[_Raw]:
        try:
            self.feed(html)
            self.close()
        except (AssertionError, ValueError, IndexError):
            pass  # malformed markup past what the stdlib tolerates: keep what was read
        self._flush()
        while self._stack:
            self._close(*self._stack.pop())
        return self.blocks

    # The stdlib raises AssertionError on some bogus declarations ("<![foo"); read
    # them as comments instead, as browsers do.
    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)

    def parse_declaration(self, i: int) -> int:
        try:
            return super().parse_declaration(i)
        except AssertionError:
            return self.parse_bogus_comment(i)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if not self._skip:
                self._void(tag, attrs)
            return
        if tag in _BLOCK_TAGS and not self._skip:
            self._flush()
        active = not self._skip
        self._stack.append((tag, active))
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag in _SKIP_TAGS:
            self._skip += 1
        if not active:
            return
        if tag in _FORMAT:
            self._format[_FORMAT[tag]] += 1
        if tag == "title":
            self._in_title += 1
        elif tag in _CONTEXT_TAGS:
            self._context.append(tag)
            if tag == "pre":
                self._pre += 1
                self._pre_fresh = True
            elif tag == "blockquote":
                self._quote_starts.append(len(self.blocks))
                self._quote_credits.append([])
        elif tag in ("ul", "ol", "menu", "dir"):
            self._lists += 1
        elif tag == "a":
            url = self._resolve(dict(attrs).get("href") or "")
            self._anchor = (url, next(self._anchors)) if url else None
        elif tag == "q":
            self._quotes += 1
            self._add("“" if self._quotes % 2 else "‘")
        if tag in ("footer", "cite") and self._quote_credits and self._capture is None:
            self._capture = self._quote_credits[-1]
            self._capture_depth = len(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            if tag == "br" and not self._skip:
                self._void(tag, [])
            return
        if not self._open.get(tag):
            return
        while self._stack:
            name, active = self._stack.pop()
            self._close(name, active)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title_parts.append(data)
            return
        data = clean_text(data)  # entities are decoded by now: "&#27;" is an ESC here
        if self._capture is not None:
            self._capture.append(data)
        else:
            self._add(data)

    def _close(self, tag: str, active: bool) -> None:
        self._open[tag] -= 1
        if tag in _SKIP_TAGS:
            self._skip -= 1
        if not active:
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in _FORMAT:
            self._format[_FORMAT[tag]] -= 1
        if tag == "title":
            self._in_title -= 1
        elif tag in _CONTEXT_TAGS:
            self._context.pop()
            if tag == "pre":
                self._pre -= 1
            elif tag == "blockquote":
                self._credit_quote()
        elif tag in ("ul", "ol", "menu", "dir"):
            self._lists -= 1
        elif tag == "a":
            self._anchor = None
        elif tag == "q":
            self._add("”" if self._quotes % 2 else "’")
            self._quotes -= 1
        if self._capture is not None and len(self._stack) < self._capture_depth:
            self._capture = None

    def _void(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            if self._buffer and not self._pre:
                parts = self._buffer[-1].parts
                parts[-1] = parts[-1].rstrip(" ")
            self._append("\n")
            self._space = True
        elif tag == "img":
            alt = clean_line(dict(attrs).get("alt") or "")
            if alt:
                self._add(f" [image: {alt}] ")
        elif tag == "hr":
            self._flush()

    def _resolve(self, href: str) -> str:
        href = _CONTROL_ALL.sub("", href)  # browsers drop tabs/newlines: "java\tscript:"
        if not href:
            return ""
        try:
            if self.base_url:
                href = urljoin(self.base_url, href)
        except ValueError:
            return ""
        if href.startswith("//"):
            href = "https:" + href
        return clean_url(href)

    def _style(self) -> SpanKind:
        if self._format["code"] and not self._pre:
            return "code"
        if self._format["strong"]:
            return "strong"
        return "emphasis" if self._format["emphasis"] else "text"

    def _add(self, text: str) -> None:
        if self._pre:
            if self._pre_fresh and text:
                self._pre_fresh = False
                text = text.removeprefix("\n")
            if text:
                self._append(text)
            return
        text = _WS.sub(" ", text)
        if self._space:
            text = text.lstrip(" ")
        if text:
            self._space = text.endswith(" ")
            self._append(text)

    def _append(self, text: str) -> None:
        href, anchor = self._anchor if self._anchor else (None, 0)
        kind: SpanKind = "link" if href else self._style()
        if self._buffer:
            last = self._buffer[-1]
            if last.kind == kind and last.href == href and last.anchor == anchor:
                last.parts.append(text)
                return
        self._buffer.append(_Piece(kind, href, anchor, [text]))

    def _flush(self) -> None:
        """Close the running block: its kind comes from the innermost context tag."""
        pieces, self._buffer, self._space = self._buffer, [], True
        if not pieces:
            return
        tag = self._context[-1] if self._context else "p"
        kind: BlockKind
        level = 0
        if tag == "pre":
            kind = "preformatted"
            strip = " \t\n"
            while pieces and not pieces[-1].text.rstrip(strip):
                pieces.pop()
            if pieces:
                pieces[-1].parts[:] = [pieces[-1].text.rstrip(strip)]
        else:
            if tag[0] == "h":
                kind, level = "heading", int(tag[1])
            elif tag == "li":
                kind, level = "list_item", min(max(self._lists, 1), _MAX_LIST_LEVEL)
            elif tag == "blockquote":
                kind = "blockquote"
            elif tag in ("figcaption", "caption"):
                kind = "caption"
            else:
                kind = "paragraph"
            while pieces and not pieces[0].text.lstrip(" \n"):
                pieces.pop(0)
            while pieces and not pieces[-1].text.rstrip(" \n"):
                pieces.pop()
            if pieces:
                pieces[0].parts[:] = [pieces[0].text.lstrip(" \n")]
                pieces[-1].parts[:] = [pieces[-1].text.rstrip(" \n")]
        if not pieces:
            return
        if len(self.blocks) >= _MAX_BLOCKS:
            self.blocks[-1].pieces.extend([_Piece("text", None, 0, ["\n\n"]), *pieces])
        else:
            self.blocks.append(_Raw(kind, pieces, level))

    def _credit_quote(self) -> None:
        """Give a closing blockquote its <footer>/<cite> text as attribution."""
        start = self._quote_starts.pop()
        credit = clean_line("".join(self._quote_credits.pop())).lstrip("—–―-~ ")
        if not credit:
            return
        for raw in reversed(self.blocks[start:]):
            if raw.kind == "blockquote":
                raw.attribution = credit
                last = raw.pieces[-1]
                last.parts[:] = [last.text.rstrip("—–―-~ ")]
                return
        # A quotation with a credit and no words: keep the text rather than lose it.
        self.blocks.append(_Raw("blockquote", [_Piece("text", None, 0, [credit])]))


def _prepare_html(html: str) -> str:
    """Normalise newlines, and escape a '<' that no '>' follows.

    The stdlib rescans to the end of the input for every such '<' when it
    closes, which turns a 1 MiB run of "</" into minutes of work.
    """
    # NFC: a letter and a combining accent become one character, so names stay whole.
    html = unicodedata.normalize("NFC", html.replace("\r\n", "\n").replace("\r", "\n"))
    last = html.rfind(">")
    if html.find("<", last + 1) >= 0:
        html = html[: last + 1] + html[last + 1 :].replace("<", "&lt;")
    return html


def parse_html(html: str, title: str = "", base_url: str = "") -> Document:
    """Read article HTML into a Document; ``title`` is used when the HTML has none."""
    builder = _HtmlBuilder(clean_url(base_url))
    raws = builder.run(_prepare_html(html))
    own_title = clean_line("".join(builder.title_parts))
    given = clean_line(unicodedata.normalize("NFC", title))
    if raws and raws[0].kind == "heading" and raws[0].level == 1:
        first = clean_line(raws[0].text)
        if not own_title or _same(first, own_title) or _same(first, given):
            own_title = own_title or first
            raws = raws[1:]  # the headline would otherwise show twice
    raws, heading, related = _lift(raws)
    return _finish(own_title or given, raws, related=(heading, related))


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
        label = clean_line(paragraphs[index][0])
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
                next_hint == "text" and (_last_char(next_text) in ".!?…" or _words(next_text) > 14)
            )
            kind = "heading" if body_follows else "paragraph"
            level = 2 if body_follows else 0
        else:
            kind = "paragraph"
        if kind == "preformatted":
            raws.append(_Raw(kind, [_Piece("text", None, 0, [unit])]))
        else:
            raws.append(_Raw(kind, _text_pieces(_SPACES.sub(" ", unit), anchors), level))
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
