"""Bookmark exports: round trips, and hostile titles, notes and URLs kept harmless."""

from __future__ import annotations

import csv
import io
import json
import re
from email.utils import format_datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from reader.core.bookmarks import (
    CSV_COLUMNS,
    FORMAT_NAME,
    bookmark_id,
    clean_bookmark,
    csv_safe_cell,
    from_json,
    md_escape,
    quote_title,
    text_fragment_url,
    to_csv,
    to_json,
    to_markdown,
    to_netscape_html,
)
from reader.core.library import Library
from reader.core.models import Bookmark
from tests.conftest import FROZEN_NOW

# C0 except tab and newline, DEL, C1, lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# CSV rows legitimately end in CR LF; everything else is forbidden there too.
FORBIDDEN_CSV = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

UNSAFE_URLS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    " JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "\x00javascript:alert(1)",
    "vbscript:msgbox(1)",
]


def hostile() -> list[Bookmark]:
    """Bookmarks whose every field tries something; titles are unique substrings."""
    return [
        Bookmark(
            id="bm-1",
            kind="article",
            article_id="a1",
            title="=cmd|' /C calc'!A0 headline one",
            url="https://news.example/a b(1)?q=1&r=2",
            feed_title="Feed \x9b Ledger",
            published="2026-11-02T09:00:00+00:00",
            tags=("[bold]x[/]", "politics"),
            note="</A><script>alert(1)</script>\nsecond line\x1b]52;c;aGk=\x07",
            created_at="2026-11-03T10:00:00Z",
        ),
        Bookmark(
            id="bm-2",
            kind="link",
            article_id="a1",
            title='" onmouseover="x link two',
            url="javascript:alert(1)",
            article_title="Article [/ two",
            tags=("+SUM(1)",),
            note="-2+3",
            created_at="2026-11-03T11:00:00Z",
        ),
        Bookmark(
            id="bm-3",
            kind="quote",
            article_id="a2",
            title="Nobody funds a project-that hasn't started, & so on\n"
            "Second paragraph \ud800 of quote three",
            url="https://news.example/q#frag",
            article_title="Council approves <b>wall</b>",
            feed_title="Ledger",
            speaker="Ingrid \x1b[31mSolvang",
            tags=("sea wall",),
            created_at="2026-11-04T08:00:00+01:00",
        ),
        Bookmark(
            id="bm-4",
            kind="article",
            article_id="a3",
            title="@data headline four \x9b [bold]x[/]",
            url="data:text/html,<script>alert(1)</script>",
            note='=HYPERLINK("http://evil.example")',
        ),
        Bookmark(
            id="bm-5",
            kind="article",
            article_id="a4",
            title="Headline five </A><script>alert(5)</script>",
            url="file:///etc/passwd",
            tags=("@x", "politics"),
            created_at="2026-11-05T00:00:00Z",
        ),
        Bookmark(
            id="bm-6",
            kind="link",
            article_id="a4",
            title="Write to the editor six",
            url="mailto:editor@news.example",
            speaker=None,
            tags=("politics",),
            created_at="not a date",
        ),
        Bookmark(
            id="bm-7",
            kind="article",
            article_id="a5",
            title="\tTabbed \r headline\u2028seven [/",
            url="https://news.example/seven",
            published="",
            note="\r\n= not a formula at line start",
            tags=("", "  ", "x\x07y"),
        ),
    ]


def plain() -> list[Bookmark]:
    """Already-clean bookmarks: exports must keep them exactly."""
    return [
        Bookmark(
            id=bookmark_id("article", "a9", ""),
            kind="article",
            article_id="a9",
            title="Council approves sea wall repair plan",
            url="https://harbour-ledger.example/2026/11/council-approves-sea-wall-repair",
            article_title="",
            feed_title="The Harbour Ledger",
            published="2026-11-03T22:40:00+00:00",
            tags=("harbour", "council"),
            note="Read before the drop-in session.\nBring questions.",
            created_at="2026-11-04T09:00:00+00:00",
        ),
        Bookmark(
            id=bookmark_id("quote", "a9", "We have patched this wall"),
            kind="quote",
            article_id="a9",
            title="We have patched this wall for thirty years and called it maintenance",
            url="https://harbour-ledger.example/2026/11/council-approves-sea-wall-repair",
            article_title="Council approves sea wall repair plan",
            feed_title="The Harbour Ledger",
            speaker="Ingrid Solvang",
            created_at="2026-11-04T09:01:00+00:00",
        ),
    ]


def assert_clean(text: str, pattern: re.Pattern[str] = FORBIDDEN) -> None:
    found = pattern.findall(text)
    assert not found, f"control characters in output: {found!r}"
    text.encode("utf-8")  # no lone surrogates


def all_outputs(bookmarks: list[Bookmark]) -> dict[str, str]:
    return {
        "netscape-tag": to_netscape_html(bookmarks),
        "netscape-feed": to_netscape_html(bookmarks, group_by="feed"),
        "markdown-tag": to_markdown(bookmarks),
        "markdown-date": to_markdown(bookmarks, group_by="date"),
        "json": to_json(bookmarks, exported_at="2026-11-16T10:00:00+00:00"),
        "csv": to_csv(bookmarks),
    }


# --------------------------------------------------------------------------- ids and fragments


def test_bookmark_id_is_stable_and_distinguishes() -> None:
    first = bookmark_id("quote", "a1", "We want an end,  not an interval.")
    assert first == bookmark_id("quote", "a1", "We want an end,\nnot an interval.")
    assert first.startswith("bm-")
    assert first != bookmark_id("quote", "a2", "We want an end, not an interval.")
    assert first != bookmark_id("link", "a1", "We want an end, not an interval.")
    assert bookmark_id("article", "a1") == bookmark_id("article", "a1", "")
    assert_clean(bookmark_id("quote", "\ud800\x1b", "\x9b"))


def test_text_fragment_encodes_spec_characters() -> None:
    url = text_fragment_url(
        "https://news.example/p", "Nobody funds a project-that hasn't started, & so on and on"
    )
    assert url == (
        "https://news.example/p#:~:text="
        "Nobody%20funds%20a%20project%2Dthat%20hasn%27t%20started%2C%20%26%20so"
    )


def test_text_fragment_keeps_anchor_and_replaces_old_directive() -> None:
    assert text_fragment_url("https://n.example/p#top", "Hi there") == (
        "https://n.example/p#top:~:text=Hi%20there"
    )
    assert text_fragment_url("https://n.example/p#:~:text=old", "New words") == (
        "https://n.example/p#:~:text=New%20words"
    )


def test_text_fragment_uses_first_paragraph_only() -> None:
    url = text_fragment_url("https://n.example/p", "\nShort one.\nSecond paragraph")
    assert url.endswith(":~:text=Short%20one.")


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_text_fragment_refuses_unsafe_urls(url: str) -> None:
    assert text_fragment_url(url, "some words") == ""


def test_text_fragment_only_for_http() -> None:
    assert text_fragment_url("mailto:a@b.example", "hello") == "mailto:a@b.example"
    assert text_fragment_url("https://n.example/", "") == "https://n.example/"


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("name", list(all_outputs(plain())))
def test_no_control_characters_or_surrogates_in_any_output(name: str) -> None:
    text = all_outputs(hostile())[name]
    assert_clean(text, FORBIDDEN_CSV if name == "csv" else FORBIDDEN)


@pytest.mark.parametrize("name", list(all_outputs(plain())))
def test_unsafe_schemes_never_written(name: str) -> None:
    text = all_outputs(hostile())[name].lower()
    assert "javascript:" not in text
    assert "data:text" not in text
    assert "file://" not in text


def test_clean_bookmark_is_idempotent_and_blanks_unsafe_urls() -> None:
    for bookmark in hostile():
        cleaned = clean_bookmark(bookmark)
        assert clean_bookmark(cleaned) == cleaned
    by_id = {b.id: clean_bookmark(b) for b in hostile()}
    assert by_id["bm-2"].url == by_id["bm-4"].url == by_id["bm-5"].url == ""
    assert by_id["bm-6"].url == "mailto:editor@news.example"
    assert by_id["bm-3"].speaker == "Ingrid [31mSolvang"
    assert by_id["bm-7"].tags == ("x y",)
    assert by_id["bm-7"].published is None


# --------------------------------------------------------------------------- JSON


def test_json_round_trip_plain_is_exact() -> None:
    assert from_json(to_json(plain())) == plain()


def test_json_round_trip_hostile_equals_cleaned() -> None:
    text = to_json(hostile(), exported_at="2026-11-16T10:00:00+00:00")
    assert from_json(text) == [clean_bookmark(b) for b in hostile()]
    document = json.loads(text)
    assert document["format"] == FORMAT_NAME
    assert document["version"] == 1
    assert document["exported_at"] == "2026-11-16T10:00:00+00:00"
    assert set(document["bookmarks"][0]) == {
        "id", "kind", "article_id", "title", "url", "article_title", "feed_title",
        "published", "speaker", "tags", "note", "created_at",
    }  # fmt: skip


def test_exports_are_stamped_by_the_library_clock(library: Library) -> None:
    stamp = json.loads(library.export_bookmarks("json"))["exported_at"]
    assert stamp == FROZEN_NOW.isoformat(timespec="seconds")
    opml = library.export_opml()
    assert f"<dateCreated>{format_datetime(FROZEN_NOW, usegmt=True)}</dateCreated>" in opml


def test_from_json_drops_duplicate_ids_and_applies_defaults() -> None:
    entry = {"id": "x", "kind": "article", "article_id": "a", "title": "T"}
    text = json.dumps({"format": FORMAT_NAME, "version": 1, "bookmarks": [entry, entry]})
    assert from_json(text) == [Bookmark(id="x", kind="article", article_id="a", title="T")]


def _doc(**entry: object) -> str:
    base: dict[str, object] = {"id": "x", "kind": "article", "article_id": "a", "title": "T"}
    base.update(entry)
    return json.dumps({"format": FORMAT_NAME, "version": 1, "bookmarks": [base]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"format": "other", "version": 1, "bookmarks": []}', "'format'"),
        ('{"format": "reader-tui-bookmarks", "version": true, "bookmarks": []}', "'version'"),
        ('{"format": "reader-tui-bookmarks", "version": "1", "bookmarks": []}', "'version'"),
        ('{"format": "reader-tui-bookmarks", "version": 2, "bookmarks": []}', "version 2"),
        ('{"format": "reader-tui-bookmarks", "version": 1, "bookmarks": {}}', "'bookmarks'"),
        ('{"format": "reader-tui-bookmarks", "version": 1, "bookmarks": [1]}', "bookmarks[0]"),
        (_doc(kind="folder"), "bookmarks[0].kind"),
        (_doc(title=5), "bookmarks[0].title must be str, not int"),
        (_doc(tags="a,b"), "bookmarks[0].tags must be list, not str"),
        (_doc(tags=["a", 1]), "bookmarks[0].tags[1] must be str"),
        (_doc(published=20261103), "bookmarks[0].published must be str or null"),
        (_doc(speaker=False), "bookmarks[0].speaker"),
        (_doc(id=""), "bookmarks[0].id must not be empty"),
        (_doc(id="\x1b\x07"), "bookmarks[0].id must not be empty"),
        (_doc(extra="?"), "unknown field 'extra'"),
        (_doc(**{"bad\nkey\x1b": 1}), "unknown field"),
        ('{"format": "reader-tui-bookmarks", "version": 1, "bookmarks": [{"id": "x"}]}',
         "missing 'kind'"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
)  # fmt: skip
def test_from_json_rejects_with_one_line_message(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        from_json(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert_clean(str(info.value))


def test_from_json_cleans_imported_text() -> None:
    (bookmark,) = from_json(
        _doc(title="a\x1b]52;c;x\x07b\ud800", url="javascript:alert(1)", tags=["\x9bt"])
    )
    assert bookmark.title == "a ]52;c;x b"
    assert bookmark.url == ""
    assert bookmark.tags == ("t",)


# --------------------------------------------------------------------------- Netscape HTML


class _NetscapeParser(HTMLParser):
    """Collects folders and links the way a browser's importer would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[dict[str, object]] = []
        self.folders: list[str] = []
        self.tags_seen: set[str] = set()
        self._in: str | None = None
        self._text: list[str] = []
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags_seen.add(tag)
        if tag in ("a", "h3"):
            self._in, self._text, self._attrs = tag, [], dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in == "a":
            self.items.append({"title": "".join(self._text), **self._attrs})
        elif tag == self._in == "h3":
            self.folders.append("".join(self._text))
        if tag == self._in:
            self._in = None


def _parse_netscape(text: str) -> _NetscapeParser:
    parser = _NetscapeParser()
    parser.feed(text)
    parser.close()
    return parser


@pytest.mark.parametrize("group_by", ["tag", "feed"])
@pytest.mark.parametrize("make", [plain, hostile])
def test_netscape_round_trip(group_by: str, make: object) -> None:
    bookmarks = make()  # type: ignore[operator]
    text = to_netscape_html(bookmarks, group_by=group_by)  # type: ignore[arg-type]
    assert text.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n")
    assert 'CONTENT="text/html; charset=UTF-8"' in text
    parser = _parse_netscape(text)
    assert parser.tags_seen <= {"meta", "title", "h1", "dl", "p", "dt", "h3", "a", "dd"}
    got = {str(item["title"]): item for item in parser.items}
    assert len(got) == len(bookmarks) == len(parser.items)
    for bookmark in map(clean_bookmark, bookmarks):
        title = quote_title(bookmark) if bookmark.kind == "quote" else bookmark.title
        item = got[title]
        assert set(item) <= {"title", "href", "add_date", "tags"}
        expected_url = (
            text_fragment_url(bookmark.url, bookmark.title)
            if bookmark.kind == "quote"
            else bookmark.url
        )
        assert item.get("href") == (expected_url or None)
        assert item.get("tags") == (",".join(bookmark.tags) or None)
    expected_folders = {
        (b.tags[0] if b.tags else "") if group_by == "tag" else b.feed_title
        for b in map(clean_bookmark, bookmarks)
    } - {""}
    assert set(parser.folders) == expected_folders


def test_netscape_add_date_and_quote_link() -> None:
    parser = _parse_netscape(to_netscape_html(plain()))
    article, quote = sorted(parser.items, key=lambda item: str(item["title"]))
    assert article["add_date"] == "1793782800"
    assert quote["title"] == (
        "\u201cWe have patched this wall for thirty years and called it maintenance\u201d"
        " \u2014 Ingrid Solvang"
    )
    assert str(quote["href"]).endswith(
        "#:~:text=We%20have%20patched%20this%20wall%20for%20thirty%20years"
    )


def test_netscape_escapes_markup_and_attribute_breakouts() -> None:
    text = to_netscape_html(hostile())
    assert "<script" not in text.lower()
    assert '" onmouseover="' not in text
    assert "&quot; onmouseover=&quot;x link two" in text


def test_netscape_rejects_unknown_grouping() -> None:
    with pytest.raises(ValueError, match="group_by"):
        to_netscape_html(plain(), group_by="date")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CSV


def _expected_row(bookmark: Bookmark) -> list[str]:
    return [
        bookmark.kind,
        bookmark.title,
        bookmark.url,
        bookmark.speaker or "",
        bookmark.article_title,
        bookmark.feed_title,
        bookmark.published or "",
        ";".join(bookmark.tags),
        bookmark.note,
        bookmark.created_at,
    ]


@pytest.mark.parametrize("make", [plain, hostile])
def test_csv_round_trip(make: object) -> None:
    bookmarks = [clean_bookmark(b) for b in make()]  # type: ignore[operator]
    rows = list(csv.reader(io.StringIO(to_csv(bookmarks), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1:] == [[csv_safe_cell(cell) for cell in _expected_row(b)] for b in bookmarks]


def test_csv_neutralises_formulas() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(hostile()), newline="")))[1:]
    cells = [cell for row in rows for cell in row]
    assert "'=cmd|' /C calc'!A0 headline one" in cells
    assert "'-2+3" in cells
    assert "'+SUM(1)" in cells
    assert "'@data headline four [bold]x[/]" in cells
    assert "'@x;politics" in cells
    assert '\'=HYPERLINK("http://evil.example")' in cells
    for cell in cells:
        assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), (" =1", "' =1"), ("\t=1", "'\t=1"), ("a=b", "a=b"), ("", "")],
)
def test_csv_safe_cell(cell: str, safe: str) -> None:
    assert csv_safe_cell(cell) == safe


# --------------------------------------------------------------------------- Markdown


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render(markdown: str) -> _TextCollector:
    renderer = MarkdownIt("commonmark", {"html": True, "linkify": True})
    renderer.enable(["table", "strikethrough", "linkify"])
    collector = _TextCollector()
    collector.feed(renderer.render(markdown))
    collector.close()
    return collector


@pytest.mark.parametrize("group_by", ["tag", "date"])
@pytest.mark.parametrize("make", [plain, hostile])
def test_markdown_holds_each_title_once(group_by: str, make: object) -> None:
    bookmarks = [clean_bookmark(b) for b in make()]  # type: ignore[operator]
    markdown = to_markdown(bookmarks, group_by=group_by)  # type: ignore[arg-type]
    rendered = _render(markdown)
    text = "".join(rendered.text)
    for bookmark in bookmarks:
        for line in bookmark.title.split("\n"):
            # Once as itself, plus once for each quote or link naming it as its source.
            sources = sum(b.article_title == line for b in bookmarks if b is not bookmark)
            assert text.count(line) == 1 + sources, (line, markdown)
    # Only the HTML markdown itself makes: no script, no raw tags from titles.
    assert rendered.tags <= {
        "h1", "h2", "ul", "li", "a", "em", "p", "blockquote", "br",
    }  # fmt: skip
    for href in rendered.hrefs:
        assert href.startswith(("https://", "http://", "mailto:")), href


def test_markdown_quote_block_and_attribution() -> None:
    markdown = to_markdown(plain())
    assert (
        "> We have patched this wall for thirty years and called it maintenance\n\n"
        "\u2014 Ingrid Solvang, *[Council approves sea wall repair plan]"
        "(https://harbour-ledger.example/2026/11/council-approves-sea-wall-repair"
        "#:~:text=We%20have%20patched%20this%20wall%20for%20thirty%20years)*, "
        "The Harbour Ledger"
    ) in markdown
    assert markdown.startswith("# Bookmarks\n")
    assert "## harbour\n" in markdown  # first tag of the article
    assert "## Untagged\n" in markdown


def test_markdown_date_groups_newest_first() -> None:
    markdown = to_markdown(hostile(), group_by="date")
    headings = re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)
    assert headings == ["2026-11-05", "2026-11-04", "2026-11-03", "Undated"]


def test_markdown_link_urls_are_safe() -> None:
    markdown = to_markdown(hostile())
    assert "(https://news.example/a%20b%281%29?q=1&r=2)" in markdown
    assert "[Write to the editor six](mailto:editor@news.example)" in markdown
    # An unsafe URL leaves the title as plain text.
    assert "\n- @data headline four \\[bold\\]x\\[/\\]\n" in markdown


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[bold]x[/]", "\\[bold\\]x\\[/\\]"),
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- not a list", "\\- not a list"),
        ("a <b> & *c* _d_ `e` |f| ~g~", "a \\<b\\> \\& \\*c\\* \\_d\\_ \\`e\\` \\|f\\| \\~g\\~"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_md_escape(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


# --------------------------------------------------------------------------- properties

_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=40
)  # includes control characters and lone surrogates
_bookmarks = st.lists(
    st.builds(
        Bookmark,
        id=st.text(min_size=1, max_size=8).map(lambda s: "id-" + s),
        kind=st.sampled_from(["article", "link", "quote"]),
        article_id=_text,
        title=_text,
        url=st.one_of(st.sampled_from(UNSAFE_URLS), _text.map(lambda s: "https://x.example/" + s)),
        article_title=_text,
        feed_title=_text,
        published=st.one_of(st.none(), _text),
        speaker=st.one_of(st.none(), _text),
        tags=st.lists(_text, max_size=3).map(tuple),
        note=_text,
        created_at=_text,
    ),
    max_size=5,
    unique_by=lambda b: b.id,
)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@settings(max_examples=150, deadline=None)
@given(_bookmarks)
def test_any_input_gives_clean_outputs_and_json_round_trips(bookmarks: list[Bookmark]) -> None:
    outputs = all_outputs(bookmarks)
    for name, text in outputs.items():
        assert_clean(text, FORBIDDEN_CSV if name == "csv" else FORBIDDEN)
    expected = [clean_bookmark(b) for b in bookmarks]
    unique: dict[str, Bookmark] = {}
    for bookmark in expected:  # ids that clean to the same string keep the first
        unique.setdefault(bookmark.id, bookmark)
    assert from_json(outputs["json"]) == list(unique.values())
    rows = list(csv.reader(io.StringIO(outputs["csv"], newline="")))
    assert len(rows) == len(bookmarks) + 1
    assert len(_parse_netscape(outputs["netscape-tag"]).items) == len(bookmarks)
