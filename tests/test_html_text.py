"""HTML read through libxml2 must give the very Document the stdlib's HTMLParser gives.

``parse_html`` takes libxml2's events only when they are the source's own tags in
order and nothing decodes differently; these tests pin both halves: plain markup goes
the fast way, and every input reads the same as through the stdlib alone.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.analysis import html_text
from reader.core.analysis.html_text import _absolute, _lxml_read, _prepare_html, parse_html
from reader.core.analysis.layout import _CONTROL_ALL, _WS, _Piece
from reader.core.models import Document, SpanKind
from reader.core.sanitize import clean_text, clean_url

BASE = "https://news.example/base/page.html"

FAST = [
    "<p>“We will win,” said Ada Brook.</p><p>See <a href='/r?a=1&amp;b=2'>the report</a>.</p>",
    "<blockquote><p>Words.</p><footer>— Ada Brook</footer></blockquote>",
    "<ul><li>one</li><li>two<ol><li>nested</li></ol></li></ul><pre>\n\ncode  kept</pre>",
    "<p>a<br>b<br/>c<br />d</p><div/><img alt='A &copy; B' src=x />",
    "<!DOCTYPE html><html><head><title>T</title></head><body><h1>T</h1><p>x</p></body></html>",
    "<p><q>open quote never closed",
    "<script>var a = 1;</script><p>&hellip; &#8217; &#128; &#0; &amp &lt;</p>",
    "<!-- note --><p>x<!----></p>",
    "Text with no markup at all",
]

SLOW = [
    "<b>x<p>y</p></b>z",  # libxml2 closes <b> at <p>; the stdlib keeps it open
    "<p>a<div>b</div>c</p>d",
    "<ul><li>a<li>b</ul>",
    "<a href=x/>kept open by both, closed by the regex's guess",
    "<q alt=unq/>x",
    "<a href='1' href='2'>first or last</a>",
    "<img alt=x alt=y>",
    "<a href='?x=1&copy=2'>legacy entity in an attribute</a>",
    "<p>&#xFDD0; &#65534;</p>",
    "<title>a<!-- b -->c</title>",
    "<iframe><!-- </iframe> --></iframe>tail",
    "<xmp>&amp;</xmp>",
    "<p>a < b</p>",
    "<p>x</p></br>",
    "<p>nul\x00here</p>",
    "<html><body><p>x</p></body></html>trailing<p>y</p>",
    "<html>text before the body, which libxml2 puts in one<body>x</body></html>",
    "<html><head><title>T</title>text</head><body>x</body></html>",
    "<title>x</title><!-- comment and raw text -->",
]


def stdlib(html: str, title: str = "", base_url: str = "") -> Document:
    fast = html_text._lxml_read
    html_text._lxml_read = lambda *_: None
    try:
        return parse_html(html, title, base_url)
    finally:
        html_text._lxml_read = fast


@pytest.mark.parametrize("html", FAST, ids=range(len(FAST)))
def test_plain_markup_is_read_by_libxml2_alike(html: str) -> None:
    assert _lxml_read(_prepare_html(html), BASE) is not None
    assert parse_html(html, "Title", BASE) == stdlib(html, "Title", BASE)


@pytest.mark.parametrize("html", SLOW, ids=range(len(SLOW)))
def test_markup_libxml2_reads_otherwise_goes_to_the_stdlib(html: str) -> None:
    assert _lxml_read(_prepare_html(html), BASE) is None
    assert parse_html(html, "Title", BASE) == stdlib(html, "Title", BASE)


def test_deep_nesting_reads_alike() -> None:
    html = "<div><blockquote>" * 5000 + "deep “text,” said Bo Li." + "</blockquote></div>" * 5000
    assert parse_html(html) == stdlib(html)
    html = "<li><b>" * 5000 + "x"
    assert parse_html(html) == stdlib(html)


_PIECES = st.sampled_from(
    [
        *"abc ",
        "\n",
        "\xa0",
        "&amp;",
        "&copy",
        "&para=",
        "&#8217;",
        "&#xFFFE;",
        "<",
        "</",
        "<!-- c -->",
        "<br>",
        "<br/>",
        "</br>",
        "<img alt='i'>",
        "<hr>",
        "<div/>",
        "<q/>",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<q>",
        "</q>",
        "<li>",
        "</li>",
        "<ul>",
        "</ul>",
        "<pre>",
        "</pre>",
        "<h1>",
        "</h1>",
        "<blockquote>",
        "</blockquote>",
        "<footer>",
        "</footer>",
        "<a href='/x'>",
        "<a href=y/>",
        "<a href='1' href='2'>",
        "</a>",
        "<title>",
        "</title>",
        "<script>",
        "</script>",
        "<table>",
        "<td>",
        "</table>",
        "<body>",
        "</body>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_any_markup_reads_as_the_stdlib_reads_it(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert parse_html(html, "", BASE) == stdlib(html, "", BASE)


# The builder's shortcuts against its plain forms: every text run cleaned and its
# spaces collapsed by the pattern, the span's style read at each append, every end
# tag through ``handle_endtag``, and every link through the pattern and ``urljoin``.
class _Plain(html_text._HtmlBuilder):
    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title_parts.append(data)
            return
        data = clean_text(data)
        if self._capture is not None:
            self._capture.append(data)
        else:
            self._add(data)

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
        kind: SpanKind = "link" if href else self._plain_style()
        if self._buffer:
            last = self._buffer[-1]
            if last.kind == kind and last.href == href and last.anchor == anchor:
                last.parts.append(text)
                return
        self._buffer.append(_Piece(kind, href, anchor, [text]))

    def _resolve(self, href: str) -> str:
        href = _CONTROL_ALL.sub("", href)
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

    def _plain_style(self) -> SpanKind:
        if self._format["code"] and not self._pre:
            return "code"
        if self._format["strong"]:
            return "strong"
        return "emphasis" if self._format["emphasis"] else "text"


def plain(html: str, title: str = "", base_url: str = "") -> Document:
    fast, builder = html_text._lxml_read, html_text._HtmlBuilder
    html_text._lxml_read = lambda *_: None
    html_text._HtmlBuilder = _Plain
    try:
        return parse_html(html, title, base_url)
    finally:
        html_text._lxml_read, html_text._HtmlBuilder = fast, builder


_STYLED = st.sampled_from(
    [
        "  ",
        " \t ",
        "\f",
        "\x0b",
        "\x1b[31m",
        "\x85",
        "\u202e",
        "&#27;",
        "&#13;",
        "&#x85;",
        "&Tab;",
        "&NewLine;",
        "<code>",
        "</code>",
        "<i>",
        "</i>",
        "<strong>",
        "</strong>",
        "<cite>",
        "</cite>",
        "<a href='https://x.example/a'>",
        "<a href='https://x.example/b?q#f'>",
        "<a href='javascript:x()'>",
        "<a href='java\tscript:x()'>",
        "<a href=' https://x.example/c\x85 d '>",
        "<a href='HTTPS://x.example/d?'>",
        "<a href='//x.example/e'>",
        "<a href='http:///f'>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, _STYLED), max_size=30))
def test_the_builders_shortcuts_read_as_its_plain_forms(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert parse_html(html, "", BASE) == plain(html, "", BASE)


_HREF = st.lists(
    st.sampled_from(
        [
            *"/?#;[]:@.=&%-\\",
            "http://",
            "https://",
            "HTTP://",
            "http:",
            "//",
            "a.com",
            ":80",
            "user@",
            "ä",
            "..",
            "?#",
            "x",
            "mailto:",
        ]
    ),
    min_size=1,
    max_size=8,
).map("".join)
_BASES = [
    "https://news.example/base/page.html",
    "http://news.example/b/",
    "https://a.example",
    "http://a.example/x;p?q#f",
    "https://[::1]/x",
    "mailto:a@b.example",
]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["", "http://", "https://"]), _HREF)
def test_absolute_hrefs_are_what_urljoin_returns(scheme: str, href: str) -> None:
    href = scheme + href
    if not _absolute(href):
        return
    for base in _BASES:
        assert clean_url(base) == base  # parse_html's base has passed clean_url
        assert urljoin(base, href) == href


def plain_source_tags(html: str) -> tuple[list[str], list[bool], frozenset[str]] | None:
    """``_source_tags`` as it reads without its shortcuts: "/>" and "<!--" looked for
    first, whatever the markup."""
    h = html_text
    if "\x00" in html or ("&" in html and h._ODD_REFERENCE.search(html)):
        return None
    doctype = h._DOCTYPE.match(html)
    if doctype:
        html = html[doctype.end() :]
    comments = "<!--" in html
    if comments:
        html = h._COMMENT.sub(" ", html)
    empty = "/>" in html
    if empty:
        pairs = h._TAG_OR_EMPTY.findall(html)
        if ("", "") in pairs:
            return None
        joined = "\n".join(map("".join, pairs))
    else:
        found = h._TAG.findall(html)
        if "" in found:
            return None
        joined = "\n".join(found)
    tags = joined.lower().split("\n") if joined else []
    if not h._ODD.isdisjoint(tags) or (comments and not h._RAW_TEXT.isdisjoint(tags)):
        return None
    if ("a" in tags or "img" in tags) and h._REPEATED.search(html):
        return None
    implied = h._IMPLIED
    if not h._IMPLIED.isdisjoint(tags):
        if not h._DOCUMENT.match(html) or not h._DOCUMENT_END.search(html):
            return None
        implied = h._NONE
    if empty:
        return (*h._self_closed(tags), implied)
    return tags, [], implied


_SLASHES = st.sampled_from(
    ["/>", " /> ", "!", "<!-- x -->", "<a href='x/>y'>", "<a href=x/>", "<br />", "<p/>", "<img/>"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_PIECES, _SLASHES), max_size=30))
def test_source_tags_shortcuts_read_as_the_plain_form(pieces: list[str]) -> None:
    html = _prepare_html("".join(pieces))
    fast, plain_tags = html_text._source_tags(html), plain_source_tags(html)
    assert (fast is None) == (plain_tags is None)
    if fast is not None and plain_tags is not None:
        tags, brs, implied = fast
        assert (tags, implied) == (plain_tags[0], plain_tags[2])
        # Without a "<br/>" the plain form lists each <br> as not self-closed.
        assert (brs or [False] * len(plain_tags[1])) == plain_tags[1]
    assert parse_html(html, "", BASE) == stdlib(html, "", BASE)


def plain_trim(pieces: list[_Piece]) -> None:
    while pieces and not pieces[0].text.lstrip(" \n"):
        pieces.pop(0)
    while pieces and not pieces[-1].text.rstrip(" \n"):
        pieces.pop()
    if pieces:
        pieces[0].parts[:] = [pieces[0].text.lstrip(" \n")]
        pieces[-1].parts[:] = [pieces[-1].text.rstrip(" \n")]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", " ", "\n", "a", " b ", "\t", "\xa0"]), max_size=3)))
def test_trim_is_its_plain_form(parts: list[list[str]]) -> None:
    fast = [_Piece("text", None, n, list(p)) for n, p in enumerate(parts)]
    plain = [_Piece("text", None, n, list(p)) for n, p in enumerate(parts)]
    html_text._trim(fast)
    plain_trim(plain)
    assert [(p.anchor, p.text) for p in fast] == [(p.anchor, p.text) for p in plain]
