"""The hostile corpus: small files in ``tests/hostile/``, large ones generated here.

Every input ends with an ordinary entry titled ORDINARY_TITLE that must be
stored; the inputs in REJECTED are no feed at all and must fail with one line.
Files mention the placeholder TRIPWIRE where a URL that must never be
requested goes (external entities, DTDs, images); tests replace it with a
path on their HTTP server and check the server never saw it.
"""

from __future__ import annotations

import re
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "hostile"
TRIPWIRE = b"TRIPWIRE"
TRIPWIRE_PATH = "/tripwire"
ORDINARY_TITLE = "Ordinary closing entry"
MIB = 1 << 20

# No feed here: a one-line error naming the input, and nothing stored.
REJECTED = frozenset(
    {
        "empty.rss",
        "whitespace.xml",
        "bom_only.xml",
        "html_page.rss",
        "jsonfeed_items_object.json",
        "json_nested_100000.json",
        "json_not_a_feed_escapes.json",
    }
)

# C0 except tab and newline, DEL, C1: never in a stored or rendered string.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_ORDINARY_RSS = (
    "<item><guid>ordinary-closing-entry</guid><title>Ordinary closing entry</title>"
    "<link>https://news.example/ordinary</link>"
    "<description>&lt;p&gt;\u201cWe are still open,\u201d said Ada Brook.&lt;/p&gt;</description>"
    "</item>"
)
_ORDINARY_JSON = (
    '{"id": "ordinary-closing-entry", "title": "Ordinary closing entry",'
    ' "url": "https://news.example/ordinary", "content_html": "<p>ok</p>"}'
)


def _rss(title: str, items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>https://news.example/</link><description>x</description>"
        f"{items}{_ORDINARY_RSS}</channel></rss>"
    ).encode()


def many_entries(count: int = 5000, said: str = "said", every: int = 10) -> bytes:
    """``count`` ordinary entries; ``said`` varies every ``every``-th body, so a refresh
    of the other version rewrites the feed's files without re-analysing them all."""
    return _rss(
        "Five thousand",
        "".join(
            f"<item><guid>e{i}</guid><title>Entry {i} [b]x[/b]</title>"
            f"<link>https://news.example/{i}</link>"
            f"<description>&lt;p&gt;\u201cBody {i},\u201d {said if i % every == 0 else 'said'}"
            " Ann Lee.&lt;/p&gt;</description></item>"
            for i in range(count)
        ),
    )


def many_entries_json(count: int = 5000, said: str = "said", every: int = 10) -> bytes:
    """The same as :func:`many_entries` as a JSON Feed: cheap to parse, for kill trials."""
    items = ",".join(
        f'{{"id": "e{i}", "title": "Entry {i} [b]x[/b]", "url": "https://news.example/{i}",'
        f' "content_html": "<p>\u201cBody {i},\u201d {said if i % every == 0 else "said"}'
        ' Ann Lee.</p>"}'
        for i in range(count)
    )
    return (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Five thousand",'
        f' "items": [{items}, {_ORDINARY_JSON}]}}'
    ).encode()


def generated() -> dict[str, bytes]:
    """The large inputs, made at test time so the repository holds no megabytes."""
    huge = "Big [b] \x1b[2J " * (MIB // 14)
    return {
        "entries_5000.rss": many_entries(),
        "title_1mib.rss": _rss(
            "T" * MIB,
            f"<item><guid>big</guid><title>{huge}</title><author>{'A' * MIB}</author>"
            f"<dc:creator>{'a.b' * (MIB // 3)}</dc:creator><category>{'c' * MIB}</category>"
            f"<link>https://news.example/{'a' * MIB}</link><pubDate>{'1' * MIB}</pubDate>"
            f"<description>{'W ' * (MIB // 2)}</description></item>",
        ),
        "html_10000_deep.rss": _rss(
            "Deep HTML",
            "<item><guid>deep</guid><title>Deep</title><description>"
            + "&lt;div&gt;&lt;blockquote&gt;" * 5000
            + "deep \u201ctext,\u201d said Bo Li."
            + "&lt;/blockquote&gt;&lt;/div&gt;" * 5000
            + "</description></item><item><guid>unclosed</guid><title>Unclosed</title>"
            "<description>" + "&lt;li&gt;&lt;b&gt;" * 5000 + "x</description></item>",
        ),
        "xml_10000_deep.rss": _rss(
            "Deep XML",
            "<item><guid>dx</guid><title>dx</title>"
            + "<x>" * 10000
            + "y"
            + "</x>" * 10000
            + "</item>",
        ),
        "json_nested_900.json": (
            '{"version": "https://jsonfeed.org/version/1.1", "title": "Deep JSON", "items": ['
            '{"id": "d", "title": "d", "_x": '
            + "[" * 900
            + "]" * 900
            + "}, "
            + _ORDINARY_JSON
            + "]}"
        ).encode(),
        "json_nested_100000.json": (
            '{"version": "https://jsonfeed.org/version/1.1", "title": "Deeper", "items": ['
            '{"id": "d", "_x": ' + "[" * 100000 + "]" * 100000 + "}, " + _ORDINARY_JSON + "]}"
        ).encode(),
    }


def corpus(tripwire_url: str) -> dict[str, bytes]:
    """Every input by name, with TRIPWIRE pointing at ``tripwire_url``."""
    files = {
        path.name: path.read_bytes().replace(TRIPWIRE, tripwire_url.encode())
        for path in sorted(CORPUS_DIR.iterdir())
        if path.is_file() and path.name != "README.md"
    }
    files.update(generated())
    return files


def content_type(name: str) -> str:
    if name == "html_page.rss":
        return "text/html; charset=utf-8"
    if name.endswith(".json"):
        return "application/feed+json"
    if name.endswith(".atom"):
        return "application/atom+xml"
    return "application/rss+xml"
