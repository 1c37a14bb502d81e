"""HTML -> Document: parser events drive a builder with an explicit tag stack, so hostile
nesting cannot exhaust Python's recursion limit.

The events come from libxml2 (lxml's target interface: tokenising in C, not Python)
when the markup is plain enough that its tree building cannot change them: its tag
events must be the source's own tags in order (no element closed early, implied or
dropped) and nothing may decode differently. Anything else goes through the stdlib's
``HTMLParser``, whose reading defines the result.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from html.entities import html5
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:
    from lxml import etree

from reader.core.analysis.layout import (
    _CONTROL_ALL,
    _WS,
    _finish,
    _lift,
    _Piece,
    _Raw,
    _same,
)
from reader.core.models import (
    BlockKind,
    Document,
    SpanKind,
)
from reader.core.sanitize import clean_line, clean_text, clean_url

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
# Tags a start or end does more for than the stack and the running block.
_SPECIAL = (
    _SKIP_TAGS | _CONTEXT_TAGS | frozenset(_FORMAT) | _tags("title ul ol menu dir a q footer cite")
)
_MAX_LIST_LEVEL = 10
# Past this many blocks the rest of a (hostile or runaway) body goes into the last
# block: each block costs a few microseconds, and nobody pages through 5,000.
_MAX_BLOCKS = 5_000


def _absolute(href: str) -> bool:
    """An http(s) URL that ``urljoin`` returns as it is, whatever the base (it costs
    ~10 µs a link): a lowercase scheme, a host, plain ASCII without brackets, and no
    empty query, fragment or parameters for its re-assembly to drop."""
    return (
        href.startswith(("https://", "http://"))
        and href[href.index("/") + 2 : href.index("/") + 3] not in ("", "/", "?", "#")
        and href.isascii()
        and "[" not in href
        and "]" not in href
        and ";" not in href
        and not href.endswith(("?", "#"))
        and "?#" not in href
    )


def _needs_cleaning(html: str) -> bool:
    """Whether any text of ``html`` may hold what ``clean_text`` removes, so that each
    text run is cleaned: not when the source holds none and has no numeric reference
    (no named one decodes to a control character)."""
    return ("&" in html and "&#" in html) or clean_text(html) != html


def _trim(pieces: list[_Piece]) -> None:
    """A block's leading and trailing spaces and newlines removed, and the pieces they
    leave empty; each end's text is read once."""
    while pieces:
        text = pieces[0].text
        stripped = text.lstrip(" \n")
        if stripped:
            if len(stripped) < len(text):
                pieces[0].parts[:] = [stripped]
            break
        del pieces[0]
    while pieces:
        text = pieces[-1].text
        stripped = text.rstrip(" \n")
        if stripped:
            if len(stripped) < len(text):
                pieces[-1].parts[:] = [stripped]
            break
        pieces.pop()


class _HtmlBuilder(HTMLParser):
    """Collects raw blocks from parser events; nesting lives in ``_stack``, not recursion."""

    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self._start(base_url)

    def _start(self, base_url: str) -> None:
        self.base_url = base_url
        self._dirty = True  # the text may hold what ``clean_text`` removes
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
        self._run: tuple[SpanKind, str | None, int] = ("text", None, 0)
        self._anchors = itertools.count(1)
        self._lists = 0
        self._quote_starts: list[int] = []  # block index where each open blockquote began
        self._quote_credits: list[list[str]] = []
        self._capture: list[str] | None = None  # attribution text being collected
        self._capture_depth = 0

    def run(self, html: str) -> list[_Raw]:
        self._dirty = _needs_cleaning(html)
        try:
            self.feed(html)
            self.close()
        except (AssertionError, ValueError, IndexError):
            pass  # malformed markup past what the stdlib tolerates: keep what was read
        return self.finish()

    def finish(self) -> list[_Raw]:
        """The blocks, once the input is read: what is still open closes here."""
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

    def handle_starttag(
        self, tag: str, attrs: Iterable[tuple[str, str | None]] | Mapping[str, str]
    ) -> None:
        if tag in _VOID_TAGS:
            if not self._skip:
                self._void(tag, attrs)
            return
        active = not self._skip
        if active and tag in _BLOCK_TAGS:
            if self._buffer:
                self._flush()
            else:
                self._space = True
        self._stack.append((tag, active))
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag not in _SPECIAL:
            return
        if tag in _SKIP_TAGS:
            self._skip += 1
        if not active:
            return
        if tag in _FORMAT:
            self._format[_FORMAT[tag]] += 1
            self._restyle()
        if tag == "title":
            self._in_title += 1
        elif tag in _CONTEXT_TAGS:
            self._context.append(tag)
            if tag == "pre":
                self._pre += 1
                self._pre_fresh = True
                self._restyle()
            elif tag == "blockquote":
                self._quote_starts.append(len(self.blocks))
                self._quote_credits.append([])
        elif tag in ("ul", "ol", "menu", "dir"):
            self._lists += 1
        elif tag == "a":
            url = self._resolve(dict(attrs).get("href") or "")
            self._anchor = (url, next(self._anchors)) if url else None
            self._restyle()
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
        if self._dirty:
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
            if self._buffer:
                self._flush()
            else:
                self._space = True
        if tag not in _SPECIAL:
            if self._capture is not None and len(self._stack) < self._capture_depth:
                self._capture = None
            return
        if tag in _FORMAT:
            self._format[_FORMAT[tag]] -= 1
            self._restyle()
        if tag == "title":
            self._in_title -= 1
        elif tag in _CONTEXT_TAGS:
            self._context.pop()
            if tag == "pre":
                self._pre -= 1
                self._restyle()
            elif tag == "blockquote":
                self._credit_quote()
        elif tag in ("ul", "ol", "menu", "dir"):
            self._lists -= 1
        elif tag == "a":
            self._anchor = None
            self._restyle()
        elif tag == "q":
            self._add("”" if self._quotes % 2 else "’")
            self._quotes -= 1
        if self._capture is not None and len(self._stack) < self._capture_depth:
            self._capture = None

    def _void(self, tag: str, attrs: Iterable[tuple[str, str | None]] | Mapping[str, str]) -> None:
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
        if " " in href or not href.isprintable():
            href = _CONTROL_ALL.sub("", href)  # browsers drop tabs/newlines: "java\tscript:"
        if not href:
            return ""
        try:
            if self.base_url and not _absolute(href):
                href = urljoin(self.base_url, href)
        except ValueError:
            return ""
        if href.startswith("//"):
            href = "https:" + href
        return clean_url(href)

    def _restyle(self) -> None:
        """The (kind, href, anchor) of text from here on: it changes only at tags."""
        if self._anchor:
            self._run = ("link", *self._anchor)
        elif self._format["code"] and not self._pre:
            self._run = ("code", None, 0)
        elif self._format["strong"]:
            self._run = ("strong", None, 0)
        else:
            self._run = ("emphasis" if self._format["emphasis"] else "text", None, 0)

    def _add(self, text: str) -> None:
        if self._pre:
            if self._pre_fresh and text:
                self._pre_fresh = False
                text = text.removeprefix("\n")
            if text:
                self._append(text)
            return
        if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
            text = _WS.sub(" ", text)
        if self._space:
            text = text.lstrip(" ")
        if text:
            self._space = text.endswith(" ")
            self._append(text)

    def _append(self, text: str) -> None:
        kind, href, anchor = self._run
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
            _trim(pieces)
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


# --------------------------------------------------------------------------- libxml2

# Markup that libxml2 and the stdlib tokenise alike: tags whose names and attributes
# are plain ASCII (values quoted, or unquoted and ended by a space or '>'), end tags,
# and comments without "--" inside. Anything else (a stray '<', "<?", CDATA, a
# doctype past the start) leaves a lone '<' in the scan, and the stdlib reads the body.
_SPACE = "[ \t\n\f]"
_ATTR = (
    rf"[a-zA-Z_:][a-zA-Z0-9:_.-]*"
    rf"(?:{_SPACE}*={_SPACE}*(?:\"[^\"]*\"|'[^']*'|[!#-&(-.0-;?-_a-~]+(?=[ \t\n\f>])))?"
)
_TAG_OPEN = rf"<(/?[a-zA-Z][a-zA-Z0-9:_.-]*)(?:{_SPACE}+{_ATTR})*{_SPACE}*"
_TAG = re.compile(rf"{_TAG_OPEN}>|<")
_TAG_OR_EMPTY = re.compile(rf"{_TAG_OPEN}(/?)>|<")  # and "<br/>", "<div/>"
_COMMENT = re.compile(r"<!--(?!-?>)(?:[^-]|-(?!-))*-->")
_DOCTYPE = re.compile(rf"{_SPACE}*<!(?i:doctype)[^<>]*>")
# libxml2 adds these where the source has none; the stdlib never sees them then.
_IMPLIED = frozenset(("html", "head", "body"))
_NONE: frozenset[str] = frozenset()
# A whole document is read alike only when libxml2 adds none of them before the
# source's own, which would pass for those: html first, a head with nothing but a
# title and metadata, then the body, and nothing after it.
_OPEN = rf"(?:{_SPACE}+{_ATTR})*{_SPACE}*>"
_HEAD_ITEM = rf"{_SPACE}|<(?i:title)>[^<]*</(?i:title)>|<(?i:meta|link|base){_OPEN}"
_DOCUMENT = re.compile(
    rf"{_SPACE}*<(?i:html){_OPEN}{_SPACE}*"
    rf"(?:<(?i:head){_OPEN}(?:{_HEAD_ITEM})*</(?i:head)>{_SPACE}*)?"
    rf"<(?i:body){_OPEN}"
)
_DOCUMENT_END = re.compile(rf"</(?i:body)>{_SPACE}*</(?i:html)>{_SPACE}*\Z")
# Elements the two read differently even when the tags agree: content that libxml2
# keeps as raw text where the stdlib decodes entities, and (only with comments about)
# raw or escapable text, where libxml2 keeps a comment.
_ODD = frozenset(("xmp", "noembed", "noframes", "plaintext"))
_RAW_TEXT = frozenset(("script", "style", "title", "textarea", "iframe"))
# Characters references that libxml2 decodes differently: a legacy entity without ';'
# before '=' or a letter or digit (HTML5 keeps it as text inside an attribute), and a
# reference to a noncharacter (which the stdlib drops).
_LEGACY_ENTITIES = "|".join(sorted((k for k in html5 if not k.endswith(";")), key=len)[::-1])
_ODD_REFERENCE = re.compile(
    rf"&(?:{_LEGACY_ENTITIES})[=a-zA-Z0-9]"
    r"|&#0*(?:[6-9][0-9]{4}|[0-9]{6})"
    r"|&#[xX]0*(?:[fF][dD][dDeE]|[0-9a-fA-F]{0,2}[fF]{3}[eEfF])"
)
# A link's or image's repeated href or alt: libxml2 keeps the first, the builder the last.
_IN_TAG = r"""(?:[^>"']|"[^"]*"|'[^']*')*?"""
_REPEATED = re.compile(
    rf"<(?:[aA]|[iI][mM][gG])(?={_SPACE}){_IN_TAG}{_SPACE}([hH][rR][eE][fF]|[aA][lL][tT])(?![a-zA-Z0-9:_.-])"
    rf"{_IN_TAG}{_SPACE}(?i:\1)(?![a-zA-Z0-9:_.-])"
)


class _Differs(Exception):
    """libxml2's events are not the source's tags: the stdlib reads this body instead."""


class _LxmlBuilder(_HtmlBuilder):
    """The builder as an lxml parser target: each tag event is checked against the
    source's next tag before the stdlib-side handler sees it."""

    def expect(
        self, base_url: str, tags: list[str], brs: list[bool], implied: frozenset[str]
    ) -> None:
        self._start(base_url)
        self._implied = implied
        self._tags = tags
        self._size = len(tags)
        self._seen = 0
        self._brs = brs  # per <br>: written "<br/>", which the stdlib reads as two breaks
        self._br = 0
        self._tail = False
        self._text: list[str] = []  # libxml2 splits text at each reference: one run goes on

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag in self._implied:
            return
        if self._text:
            self.put_text()
        seen = self._seen
        if seen >= self._size or self._tags[seen] != tag:
            raise _Differs
        self._seen = seen + 1
        self.handle_starttag(tag, attrib)

    def end(self, tag: str) -> None:
        if self._text:
            self.put_text()
        if tag in _VOID_TAGS:
            if tag == "br":
                self._br += 1
                if self._brs and self._brs[self._br - 1]:
                    self.handle_endtag(tag)
            return
        if tag in self._implied:
            return
        seen = self._seen
        if seen >= self._size:
            self._tail = True  # closed at the end of input, as ``run`` does itself
            return
        if self._tags[seen] != "/" + tag:
            raise _Differs
        self._seen = seen + 1
        stack = self._stack
        if stack and stack[-1][0] == tag:  # what ``handle_endtag`` does then, in short
            self._close(*stack.pop())
        else:
            self.handle_endtag(tag)

    def data(self, data: str) -> None:
        if self._tail:
            raise _Differs
        self._text.append(data)

    def put_text(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        self.handle_data(text)

    def close(self) -> None:
        """lxml's target interface wants one; ``finish`` does the work."""


_local = threading.local()
# Past this, libxml2's own limits on text and names come near: the stdlib reads it.
_LXML_MAX_CHARS = 1 << 20


def _source_tags(html: str) -> tuple[list[str], list[bool], frozenset[str]] | None:
    """The tags of ``html`` as the stdlib reads them ("p", "/p"), which <br> are
    "<br/>", and the tags libxml2 adds; None when some markup is past what both
    parsers read alike."""
    if "\x00" in html or ("&" in html and _ODD_REFERENCE.search(html)):
        return None
    doctype = _DOCTYPE.match(html)
    if doctype:
        html = html[doctype.end() :]
    comments = "!" in html and "<!--" in html  # (one character is found far sooner)
    if comments:
        html = _COMMENT.sub(" ", html)
    found = _TAG.findall(html)
    empty = "" in found  # a lone '<': read again with "<x/>" as tags, when there are any
    if empty:
        if "/>" not in html:
            return None
        pairs = _TAG_OR_EMPTY.findall(html)
        if ("", "") in pairs:
            return None
        joined = "\n".join(map("".join, pairs))
    else:
        joined = "\n".join(found)
    tags = joined.lower().split("\n") if joined else []
    if not _ODD.isdisjoint(tags) or (comments and not _RAW_TEXT.isdisjoint(tags)):
        return None
    if ("a" in tags or "img" in tags) and _REPEATED.search(html):
        return None
    implied = _IMPLIED
    if not _IMPLIED.isdisjoint(tags):
        if not _DOCUMENT.match(html) or not _DOCUMENT_END.search(html):
            return None
        implied = _NONE
    if empty:
        return (*_self_closed(tags), implied)
    return tags, [], implied


def _self_closed(tags: list[str]) -> tuple[list[str], list[bool]]:
    """Spell out "<x/>": an element opened and closed, or one void element; "<br/>" is
    a break then a closing "</br>", another break, for the stdlib."""
    out: list[str] = []
    brs: list[bool] = []
    for tag in tags:
        closed = tag.endswith("/")
        if closed:
            tag = tag[:-1]
        if tag == "br":
            brs.append(closed)
        out.append(tag)
        if closed and tag[0] != "/" and tag not in _VOID_TAGS:
            out.append("/" + tag)
    return out, brs


def _lxml_read(html: str, base_url: str) -> _HtmlBuilder | None:
    """The builder fed by libxml2, or None when its reading could differ from the stdlib's."""
    source = _source_tags(html) if len(html) <= _LXML_MAX_CHARS else None
    if source is None:
        return None
    state: tuple[etree.HTMLParser, _LxmlBuilder] | None = getattr(_local, "lxml", None)
    if state is None:
        from lxml import etree  # first use only: ~10 ms to import

        builder = _LxmlBuilder(base_url)
        state = _local.lxml = (etree.HTMLParser(target=builder), builder)
    parser, builder = state
    builder.expect(base_url, *source)
    builder._dirty = _needs_cleaning(html)
    try:
        parser.feed(html)
        if builder._seen != builder._size:
            raise _Differs  # every tag is read before the end of input closes what is open
        parser.close()
        if builder._text:
            builder.put_text()
    except Exception:  # _Differs, or whatever libxml2 refused: a fresh parser next time
        _local.lxml = None
        return None
    return builder


def _prepare_html(html: str) -> str:
    """Normalise newlines, and escape a '<' that no '>' follows.

    The stdlib rescans to the end of the input for every such '<' when it
    closes, which turns a 1 MiB run of "</" into minutes of work.
    """
    # NFC: a letter and a combining accent become one character, so names stay whole.
    if "\r" in html:
        html = html.replace("\r\n", "\n").replace("\r", "\n")
    html = unicodedata.normalize("NFC", html)
    last = html.rfind(">")
    if html.find("<", last + 1) >= 0:
        html = html[: last + 1] + html[last + 1 :].replace("<", "&lt;")
    return html


def parse_html(html: str, title: str = "", base_url: str = "") -> Document:
    """Read article HTML into a Document; ``title`` is used when the HTML has none."""
    base_url = clean_url(base_url)
    html = _prepare_html(html)
    builder = _lxml_read(html, base_url)
    if builder is not None:
        raws = builder.finish()
    else:
        builder = _HtmlBuilder(base_url)
        raws = builder.run(html)
    own_title = clean_line("".join(builder.title_parts))
    given = clean_line(unicodedata.normalize("NFC", title))
    if raws and raws[0].kind == "heading" and raws[0].level == 1:
        first = clean_line(raws[0].text)
        if not own_title or _same(first, own_title) or _same(first, given):
            own_title = own_title or first
            raws = raws[1:]  # the headline would otherwise show twice
    raws, heading, related = _lift(raws)
    return _finish(own_title or given, raws, related=(heading, related))
