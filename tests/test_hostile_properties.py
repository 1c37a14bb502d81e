"""Property tests that test_document.py and test_quotes.py do not already cover.

Those test the HTML/text parsers on their own and find_quotes on hand-built
Documents. Here: the whole chain from hostile HTML/text (control characters,
escape sequences, markup, every kind of quotation mark) through find_quotes,
index_terms and related_links; none may raise, nothing they return may hold
a control character, and every quotation lies inside its block's text.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.analysis.document import parse_html, parse_text
from reader.core.analysis.links import inline_links, normalise_url, related_links
from reader.core.analysis.quotes import find_quotes
from reader.core.analysis.story_terms import index_terms
from reader.core.models import Article, Document, EntryLink
from tests.hostile_corpus import CONTROL

_PIECES = st.sampled_from(
    [
        "\u201c",
        "\u201d",
        "\u2018",
        "\u2019",
        '"',
        "'",
        "\u00ab",
        "\u00bb",
        "\u201e",
        " said ",
        " Ann Lee",
        " she said.",
        ", according to ",
        "Putin",
        "don't",
        "'90s",
        "\x1b]52;c;eA==\x07",
        "\x1b[2J",
        "\x9b31m",
        "\x9d0;t\x9c",
        "\x00",
        "\x7f",
        "\r",
        "&#27;",
        "&#x9b;",
        "&amp;#27;",
        "[bold]",
        "[/]",
        "[@click=app.quit]",
        "<p>",
        "</p>",
        "<blockquote>",
        "</blockquote>",
        "<br>",
        "<li>",
        "<h2>Related</h2>",
        "<a href='javascript:alert(1)'>",
        "<a href='https://x.example/a'>",
        "</a>",
        "<a href='file:///etc/passwd'>",
        "<a href='-oProxyCommand=x'>",
        "\n\n",
        "\t",
    ]
)
_HOSTILE = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40).map("".join)


def _check_quotes(doc: Document) -> None:
    # texts[0] is the headline (paragraph HEADLINE, -1), then the body's blocks
    texts = [doc.title] + ["".join(span.text for span in block.spans) for block in doc.blocks]
    for quote in find_quotes(doc):
        first, last = quote.paragraph + 1, quote.final_paragraph + 1
        assert 0 <= first <= last < len(texts)
        assert first > 0 or last == 0, "a headline quotation stays in the headline"
        assert 0 <= quote.start <= len(texts[first])
        assert 0 <= quote.end <= len(texts[last])
        if last == first:
            assert quote.start < quote.end
            assert quote.text.strip() in texts[first][quote.start : quote.end]
        assert not CONTROL.search(quote.text)
        assert quote.speaker is None or not CONTROL.search(quote.speaker)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@settings(max_examples=250, deadline=None)
@given(_HOSTILE)
def test_quotes_of_hostile_html_and_text_stay_inside_and_clean(source: str) -> None:
    for doc in (parse_html(source, title=source[:40]), parse_text(source)):
        _check_quotes(doc)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@settings(max_examples=200, deadline=None)
@given(_HOSTILE, _HOSTILE)
def test_index_terms_never_raise_and_are_clean(title: str, text: str) -> None:
    terms = index_terms(title, text)
    assert len(terms) <= 40
    for term, weight in terms.items():
        assert term and not CONTROL.search(term)
        # A term is quoted in the sidebar's reason: letters, apostrophes, spaces only.
        assert not set(term) & set("[]<>/\\=@"), term
        assert term == term.strip() and "  " not in term
        assert math.isfinite(weight) and weight > 0


_URLS = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,x",
            "-oProxyCommand=x",
            "https://news.example/\x1b]8;;x\x1b\\",
            "https://news.example/ok",
            "mailto:a@b.example",
            "",
            " ",
            "https://\x9b2J.example/",
            "//evil.example/x",
            "ftp://x.example/",
        ]
    ),
    st.text(max_size=30),
)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@settings(max_examples=200, deadline=None)
@given(_HOSTILE, st.lists(st.tuples(_URLS, _HOSTILE), max_size=5))
def test_related_links_never_raise_and_offer_only_web_urls(
    html: str, entry_links: list[tuple[str, str]]
) -> None:
    doc = parse_html(html, base_url="https://news.example/base/")
    article = Article(
        id="a",
        feed_id="f",
        title=html[:60],
        entry_links=tuple(EntryLink(url, "related", title) for url, title in entry_links),
    )
    links = related_links(doc, article, find_article=lambda key: None)
    inline, left_off = inline_links(doc, 5)
    # Every distinct web link is either shown or counted as left off, never silently lost.
    distinct = {normalise_url(link.url) for link in doc.links} - {""}
    assert len(inline) == min(len(distinct), 5) and left_off == len(distinct) - len(inline)
    for link in [*links, *inline]:
        assert link.url is None or link.url.startswith(("http://", "https://")), link.url
        assert not CONTROL.search(link.title)
        assert not CONTROL.search(link.reason or "") and not CONTROL.search(link.blurb)
