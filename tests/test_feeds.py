"""Feed parsing: the fast path (fastfeedparser) must read a feed exactly as feedparser does."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.ingest import feeds, records
from reader.core.ingest.feeds import parse_feed
from reader.core.ingest.records import ParsedFeed

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Quay &amp; Harbour</title><link>https://quay.example/</link>
<description>Fictional harbour news</description>
<item><guid>https://quay.example/1</guid><title>Ferry &lt;fares&gt; rise</title>
<link>https://quay.example/1</link><author>desk@quay.example (Ada Brook)</author>
<pubDate>Tue, 03 Nov 2026 09:30:00 +0100</pubDate>
<description>&lt;p&gt;Short &amp;amp; sweet&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>\xe2\x80\x9cFares go up,\xe2\x80\x9d said Ada Brook.</p>]]>
</content:encoded>
<comments>https://quay.example/1#comments</comments>
<enclosure url="https://quay.example/1.mp3" type="audio/mpeg" length="10"/></item>
<item><title>No guid, a link</title><link>https://quay.example/2</link>
<description>Plain description</description></item>
<item><title>Only a title</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Quillon</title><id>urn:q</id>
<link href="https://quillon.example/"/><updated>2026-11-01T00:00:00Z</updated>
<entry><id>urn:q:1</id><title>Review: the lamp</title>
<link href="https://quillon.example/1"/><link rel="replies" href="https://quillon.example/1/c"/>
<published>2026-10-31T23:00:00-05:00</published><updated>2026-11-01T10:00:00Z</updated>
<author><name>Ines Marsh</name></author>
<content type="html">&lt;p&gt;It glows.&lt;/p&gt;</content></entry>
</feed>"""

XHTML_TITLE = (
    b'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
    b"Lamp <b>review</b></div></title>"
)


def slow(data: bytes, monkeypatch: pytest.MonkeyPatch) -> ParsedFeed:
    with monkeypatch.context() as patch:
        patch.setattr(feeds, "parse_fast", lambda *args: None)
        return parse_feed(data, "test")


@pytest.mark.parametrize(
    "data",
    [
        RSS,
        ATOM,
        (SEEDS / "harbour-ledger.rss").read_bytes(),
        (SEEDS / "quillon-review.atom").read_bytes(),
    ],
    ids=["rss", "atom", "seed-rss", "seed-atom"],
)
def test_the_fast_path_reads_a_feed_as_feedparser_does(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = feeds.parse_fast(data, "test", {})
    assert fast is not None, "a well-formed UTF-8 feed takes the fast path"
    assert fast.entries
    expected = slow(data, monkeypatch)
    assert (fast.title, fast.description, fast.site_url) == (
        expected.title,
        expected.description,
        expected.site_url,
    )
    assert len(fast.entries) == len(expected.entries)
    for got, want in zip(fast.entries, expected.entries, strict=True):
        assert records.article_id_for("f", got) == records.article_id_for("f", want)
        assert (got.title, got.link, got.author, got.published) == (
            want.title,
            want.link,
            want.author,
            want.published,
        )
        assert got.body == want.body
        assert got.entry_links == want.entry_links


def test_dates_are_utc_and_enclosures_are_kept() -> None:
    parsed = parse_feed(RSS, "test")
    first = parsed.entries[0]
    assert first.published == "2026-11-03T08:30:00+00:00"
    assert [link.rel for link in first.entry_links] == ["enclosure", "comments"]
    assert parsed.entries[2].title == "Only a title"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (
            ATOM.replace(
                b"<title>Review: the lamp</title>",
                XHTML_TITLE,
            ),
            "",
        ),
        (RSS.replace(b"UTF-8", b"ISO-8859-1"), ""),
        (RSS, "application/rss+xml; charset=windows-1252"),
        (RSS.replace(b"<rss", b'<!DOCTYPE rss [<!ENTITY e "x">]><rss'), ""),
        (RSS.replace(b"</channel>", b"<item></channel>"), ""),
    ],
    ids=["atom-xhtml", "latin1", "http-charset", "dtd", "malformed"],
)
def test_documents_the_fast_path_would_misread_go_to_feedparser(
    data: bytes, content_type: str
) -> None:
    assert (
        feeds.parse_fast(data, "test", {"content-type": content_type} if content_type else {})
        is None
    )


def test_an_atom_text_summary_stays_text() -> None:
    data = ATOM.replace(
        b'<content type="html">&lt;p&gt;It glows.&lt;/p&gt;</content>',
        b"<summary>Tom &amp; Jerry &lt;3</summary>",
    )
    body = parse_feed(data, "test").entries[0].body
    assert (body.content_type, body.content) == ("text", "Tom & Jerry <3")


def test_an_xhtml_title_is_not_lost() -> None:
    data = ATOM.replace(
        b"<title>Review: the lamp</title>",
        XHTML_TITLE,
    )
    assert "review" in parse_feed(data, "test").entries[0].title


@pytest.mark.parametrize("broken", [False, True])  # the fast path, and feedparser's
def test_an_author_s_name_is_kept_and_the_address_dropped(broken: bool) -> None:
    items = "".join(
        f"<item><guid>{n}</guid><title>T{n}</title><author>{author}</author></item>"
        for n, author in enumerate(
            [
                "news@example.com (Pat Lowell)",
                "Pat Lowell &lt;pat@example.com&gt;",
                "pat@example.com",
            ]
        )
    )
    data = f"<rss version='2.0'><channel><title>F</title>{items}</channel></rss>"
    if broken:
        data = data.replace("</channel>", "<channel>")  # malformed: feedparser repairs it
    parsed = parse_feed(data.encode(), "https://example.com/feed")
    assert [e.author for e in parsed.entries] == ["Pat Lowell", "Pat Lowell", "pat@example.com"]
