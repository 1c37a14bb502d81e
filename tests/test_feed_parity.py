"""Every entry kept, every field as the feed says (issue 19).

Each feed here is small and made for one cause that bench/feed_parity.py found on
other parsers' test suites: the reading reader stores (``parse_feed``, the fast
path when it takes the document) must be feedparser's, field by field.
"""

from __future__ import annotations

import pytest

from reader.core.errors import SourceError
from reader.core.ingest import feeds
from reader.core.ingest.feeds import parse_feed, parse_with_feedparser
from reader.core.ingest.records import ParsedFeed, article_ids
from reader.core.library import Library
from tests.conftest import FeedServer

FEED_URL = "https://quay.example/news/feed.xml"


def rss(items: str, channel: str = "", namespaces: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<rss version="2.0"{namespaces}><channel><title>Quay</title>'
        f"<link>https://quay.example/</link>{channel}{items}</channel></rss>"
    ).encode()


def atom(entries: str, namespaces: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{namespaces}><title>Quillon</title>'
        f'<id>urn:q</id><link href="https://quillon.example/"/>'
        f"<updated>2026-11-01T00:00:00Z</updated>{entries}</feed>"
    ).encode()


def entry(body: str, entry_id: str = "urn:q:1") -> str:
    return f"<entry><id>{entry_id}</id><updated>2026-11-01T00:00:00Z</updated>{body}</entry>"


def fields(feed: ParsedFeed) -> list[tuple[object, ...]]:
    return [
        (e.guid, e.title, e.link, e.published, e.author, e.body, e.entry_links)
        for e in feed.entries
    ]


def stored(data: bytes) -> ParsedFeed:
    """What reader stores, checked against feedparser's reading of the same bytes."""
    got = parse_feed(data, FEED_URL)
    assert fields(got) == fields(parse_with_feedparser(data, FEED_URL, {}))
    return got


CASES = {
    "xml:base resolves a relative link": (
        atom(entry('<title>A</title><link href="post/1"/>')).replace(
            b"<entry>", b'<entry xml:base="https://base.example/dir/">'
        ),
        lambda f: f.entries[0].link == "https://base.example/dir/post/1",
    ),
    "an Atom id that is a URL is the link": (
        atom(entry("<title>A</title>", "https://quillon.example/a")),
        lambda f: f.entries[0].link == "https://quillon.example/a",
    ),
    "a link given as text, with no href": (
        atom(entry("<title>A</title><link>https://quillon.example/t</link>")),
        lambda f: f.entries[0].link == "https://quillon.example/t",
    ),
    "an enclosure, a licence or self is not the article's link": (
        atom(
            entry(
                '<title>A</title><link rel="enclosure" href="https://quillon.example/a.mp3"/>'
                '<link rel="license" href="https://licence.example/by"/>'
                '<link rel="self" href="https://quillon.example/api/a"/>'
            )
        ),
        lambda f: (
            f.entries[0].link == ""
            and "https://quillon.example/a.mp3" in [link.url for link in f.entries[0].entry_links]
        ),
    ),
    "a guid marked isPermaLink=false is not a link": (
        rss(
            '<item><title>A</title><guid isPermaLink="false">https://quay.example/?p=7</guid></item>'
        ),
        lambda f: f.entries[0].link == "" and f.entries[0].guid == "https://quay.example/?p=7",
    ),
    "a title with markup inside": (
        rss(
            "<item><guid>https://quay.example/1</guid><title>Fares <b>rise</b> again</title></item>"
        ),
        lambda f: "rise" in f.entries[0].title and f.entries[0].title.endswith("again"),
    ),
    "an XHTML title": (
        atom(
            entry(
                '<title type="application/xhtml+xml">'
                '<div xmlns="http://www.w3.org/1999/xhtml">Lamp <b>review</b></div></title>'
                '<link href="https://quillon.example/1"/>'
            )
        ),
        lambda f: "Lamp" in f.entries[0].title and "review" in f.entries[0].title,
    ),
    "a base64 title": (
        atom(
            entry(
                '<title type="application/octet-stream" mode="base64">RmVycnkgZmFyZXM=</title>'
                '<link href="https://quillon.example/1"/>'
            )
        ),
        lambda f: f.entries[0].title == "Ferry fares",
    ),
    "media:title does not win over the title": (
        rss(
            "<item><guid>https://quay.example/1</guid><media:title>clip.mp4</media:title>"
            "<title>The story</title></item>",
            namespaces=' xmlns:media="http://search.yahoo.com/mrss/"',
        ),
        lambda f: f.entries[0].title == "The story",
    ),
    "the last of several RSS links": (
        rss(
            "<item><title>A</title><link>https://quay.example/old</link>"
            "<link>https://quay.example/new</link></item>"
        ),
        lambda f: f.entries[0].link == "https://quay.example/new",
    ),
    "the last of several updated dates": (
        atom(
            "<entry><id>urn:q:1</id><title>A</title><link href='https://quillon.example/1'/>"
            "<updated>2026-11-01T00:00:00Z</updated><updated>2026-11-02T00:00:00Z</updated>"
            "</entry>"
        ),
        lambda f: f.entries[0].published == "2026-11-02T00:00:00+00:00",
    ),
    "an Atom feed holding RSS items": (
        atom(
            "<item><title>One</title><link>https://quillon.example/1</link></item>"
            "<item><title>Two</title><link>https://quillon.example/2</link></item>"
        ),
        lambda f: [e.title for e in f.entries] == ["One", "Two"],
    ),
    "a link relative to the feed's address": (
        rss("<item><title>A</title><link>/news/1</link></item>"),
        lambda f: f.entries[0].link == "https://quay.example/news/1",
    ),
    "a script link is still dropped": (
        rss("<item><title>A</title><link>javascript:alert(1)</link></item>"),
        lambda f: f.entries[0].link == "",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_field_is_what_feedparser_reads(case: str) -> None:
    data, check = CASES[case]
    assert check(stored(data)), case


STAYS_FAST = {
    "space before <?xml": b"\n  " + rss("<item><guid>https://quay.example/1</guid></item>"),
    "Atom content with no type": atom(
        entry(
            '<title>A</title><link href="https://quillon.example/1"/><content>Tom &amp; Jerry'
            " &lt;3</content>"
        )
    ),
}


@pytest.mark.parametrize("case", STAYS_FAST, ids=list(STAYS_FAST))
def test_common_shapes_stay_on_the_fast_path(case: str) -> None:
    data = STAYS_FAST[case]
    fast = feeds.parse_fast(data, FEED_URL, {})
    assert fast is not None, f"{case}: the fast path declined"
    assert fields(fast) == fields(parse_with_feedparser(data, FEED_URL, {}))


def test_the_plain_atom_content_is_text() -> None:
    body = stored(STAYS_FAST["Atom content with no type"]).entries[0].body
    assert (body.content_type, body.content) == ("text", "Tom & Jerry <3")


# The RSS 0.92 sample's shape: items with a description and an enclosure, no guid, no link.
ANONYMOUS = "".join(
    f"<item><description>Show {n}: notes</description>"
    f'<enclosure url="https://quay.example/{n}.mp3" length="1" type="audio/mpeg"/></item>'
    for n in range(22)
)


def test_entries_with_no_guid_and_no_link_stay_distinct() -> None:
    parsed = stored(rss(ANONYMOUS))
    assert len(set(article_ids("feed", parsed.entries))) == 22


def test_exact_duplicates_are_kept_apart_and_keep_their_ids() -> None:
    same = "<item><title>Closed</title><description>The ferry is closed.</description></item>"
    first = article_ids("feed", parse_feed(rss(same * 3), FEED_URL).entries)
    again = article_ids("feed", parse_feed(rss(same * 3), FEED_URL).entries)
    assert len(set(first)) == 3 and first == again


def test_an_entry_with_a_guid_keeps_the_id_older_databases_hold() -> None:
    # The id older versions stored: the digest of the feed id and the guid.
    import hashlib

    parsed = parse_feed(rss("<item><guid>g-1</guid><title>A</title></item>"), FEED_URL)
    old = hashlib.sha1(b"feed\x00g-1").hexdigest()[:16]
    assert article_ids("feed", parsed.entries) == [old]


def test_guidless_entries_keep_read_and_bookmark_state_across_refreshes(
    library: Library, feed_server: FeedServer
) -> None:
    feed_server.serve("/anon.xml", rss(ANONYMOUS))
    feed_id = library.add(feed_server.url("/anon.xml")).feed_id
    articles = library.articles(feed_id)
    assert len(articles) == 22
    read, kept = articles[3].id, articles[9].id
    library.mark([read])
    library.bookmark(kept)
    # A new episode on top, and the same 22 below it: one new article, state kept.
    newer = "<item><description>Show 22: notes</description></item>"
    feed_server.serve("/anon.xml", rss(newer + ANONYMOUS))
    library.refresh()
    after = library.articles(feed_id)
    assert len(after) == 23
    assert library.is_read(read) and read in {a.id for a in after}
    assert kept in library.bookmarked_article_ids()
    assert sum(library.is_read(a.id) for a in after) == 1


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (b'{"feed_title": "Quay", "entries": []}', "without a JSON Feed version (keys: feed_title"),
        (b'[{"title": "A"}]', "a JSON array of 1 values"),
        (b'{"version": "2.0", "items": []}', 'version "2.0", not a JSON Feed version'),
    ],
)
def test_json_that_is_no_json_feed_says_what_it_is(document: bytes, said: str) -> None:
    with pytest.raises(SourceError) as error:
        parse_feed(document, FEED_URL)
    assert said in str(error.value) and "not well-formed" not in str(error.value)


def test_a_json_feed_that_writes_version_1_0_is_read() -> None:
    document = b'{"version": "1.0", "title": "Quay", "items": [{"id": "1", "content_text": "Hi"}]}'
    parsed = parse_feed(document, FEED_URL, {"content-type": "text/plain"})
    assert parsed.title == "Quay" and [e.body.content for e in parsed.entries] == ["Hi"]
