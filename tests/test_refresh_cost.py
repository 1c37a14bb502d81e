"""What a refresh does not do again (issue 20): a nothing-changed refresh keeps its
connections, an unchanged feed file or folder is not read again, and the work moved
or shortened for speed decides as before (which entries are summaries)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.core.analysis.extract import STUB_WORDS, is_stub
from reader.core.library import Library, open_library
from tests.conftest import FeedServer, rss

ITEMS = [("a1", "First story", "<p>One.</p>"), ("a2", "Second story", "<p>Two.</p>")]
THIRD = ("a3", "Third story", "<p>Three.</p>")


@pytest.fixture
def lib(db_path: Path) -> Iterator[Library]:
    library = open_library(db_path, seed=False)
    yield library
    library.close()


def test_a_nothing_changed_refresh_keeps_its_connections(lib: Library) -> None:
    # Before: each 304 closed its connection, so every feed of a host cost a new one.
    server = FeedServer(keep_alive=True)
    for n in range(8):
        server.serve(f"/{n}.xml", rss(f"Feed {n}", ITEMS), ETag='"v1"')
    try:
        for n in range(8):
            assert lib.add(server.url(f"/{n}.xml")).new == 2
        server.connections = 0
        outcomes = lib.refresh()
        assert [o.not_modified for o in outcomes] == [True] * 8
        assert server.connections <= 2  # the fetcher's two at a time for one host
    finally:
        server.close()


def test_an_unchanged_feed_file_is_not_read_again_and_a_changed_one_is(
    lib: Library, tmp_path: Path
) -> None:
    path = tmp_path / "harbour.rss"
    path.write_bytes(rss("Harbour", ITEMS))
    feed_id = lib.add(str(path)).feed_id
    [outcome] = lib.refresh()
    assert outcome.not_modified and outcome.new == 0 and outcome.error is None
    path.write_bytes(rss("Harbour", [*ITEMS, THIRD]))
    [outcome] = lib.refresh()
    assert outcome.new == 1 and not outcome.not_modified
    assert len(lib.articles(feed_id)) == 3
    path.unlink()
    [outcome] = lib.refresh()
    assert outcome.error and len(lib.articles(feed_id)) == 3  # the error is said, nothing lost


def test_a_folder_is_read_again_when_a_document_is_added_or_edited(
    lib: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    note = folder / "first.txt"
    note.write_text("First note\n\nSome words.")
    feed_id = lib.add(str(folder)).feed_id
    [outcome] = lib.refresh()
    assert outcome.not_modified
    (folder / "second.md").write_text("# Second note\n\nMore words.")
    [outcome] = lib.refresh()
    assert outcome.new == 1
    note.write_text("First note\n\nOther words.")  # same size: its time tells
    stat = note.stat()
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    [outcome] = lib.refresh()
    assert not outcome.not_modified and outcome.error is None
    first = next(a.id for a in lib.articles(feed_id) if a.guid == "first.txt")
    assert "Other words" in lib.document(first).text


@pytest.mark.parametrize(
    ("words", "ending", "stub"),
    [
        (STUB_WORDS - 1, ".", True),  # short: a summary
        (STUB_WORDS, ".", False),
        (STUB_WORDS + 40, " Read more", True),
        (STUB_WORDS + 40, " [&hellip;]", True),
        (STUB_WORDS + 40, " <a href='/x'>Continue reading &raquo;</a>", True),
        (STUB_WORDS + 40, " it was already read.", False),
        (STUB_WORDS + 40, " More from the council", False),
    ],
)
def test_which_entries_are_summaries(words: int, ending: str, stub: bool) -> None:
    # Words as the full-text check counts them: tags and entities are not words,
    # "don't" is two, a dash between words parts them.
    group = "don't <b>café</b> &amp; x—y"  # don, t, café, x, y
    groups, rest = divmod(words, 5)
    body = " ".join([group] * groups) + " a" * rest
    assert is_stub(f"<p>{body}{ending}</p>") is stub


@pytest.mark.parametrize(
    ("html", "stub"),
    [
        # The words come after a head of markup longer than the first window.
        ("<div class='x'>" * 400 + "<p>" + "word " * STUB_WORDS + "</p>", False),
        ("<p>" + "<b></b>" * 400 + "word " * (STUB_WORDS - 1) + "</p>", True),
        # A long story whose ending, past any window, is a "Read more" link.
        ("<p>" + "word " * 2000 + "</p><p><a href='/x'>Read more</a></p>", True),
        ("<p>" + "word " * 2000 + "</p><p>The council meets again in June.</p>", False),
        # The last tag's text ends the story: its attribute holds a "<" and a "»".
        ("<p>" + "word " * 2000 + "<a title='a<b'>»</a>" + "<br>" * 300, True),
    ],
)
def test_long_entries_are_judged_by_their_whole_text(html: str, stub: bool) -> None:
    assert is_stub(html) is stub
