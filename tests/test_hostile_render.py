"""Render safety: hostile text through every widget of the real app, and a pty capture.

The in-process tests store records that *bypass* ingest cleaning (written
straight to the store), so they prove the second line of defence: widgets
clean at render and never read feed text as markup. The pty test runs the
real `reader` under tmux and reads the bytes the terminal received.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.core.library import Library, open_library
from reader.core.models import Article, Body, Bookmark, EntryLink, Feed, Quote
from reader.core.storage.codecs import quotes_to_aux
from reader.core.storage.schema import QUOTES_KIND
from reader.ui.app import ReaderApp
from tests.conftest import frozen_clock
from tests.hostile_corpus import CONTROL, CORPUS_DIR
from tests.test_app import settle

ESC_PAYLOAD = (
    "\x1b]52;c;cm0gLXJmIH4K\x07\x1b]0;PWNED-TITLE\x07\x1b]8;;https://evil.example/\x1b\\"
    "\x1b[2JFEED-CLEAR\x1bP$qm\x1b\\\x1b[6n\x9b2J\x9d0;C1-TITLE\x9c\x90$q\x9c\x07\x08\r"
)
MARKUP = "[bold]x[/] Array[int] [@click=app.quit]Q[/] [link=https://evil.example]L[/link] [/"
TITLE = f"\x1b[31m\x9d0;T\x9c{MARKUP} {ESC_PAYLOAD} end"  # escapes first: lists cut titles
LITERALS = ("[bold]x[/]", "Array[int]", "[@click=app.quit]Q[/]")


def hostile_library(db: Path) -> Library:
    """Seeds plus one feed whose every field holds markup and raw escape sequences."""
    library = open_library(db, clock=frozen_clock)
    store = library.store
    feed = Feed(id="hostilefeed", url="https://news.example/feed", title=TITLE, kind="http")
    store.save_feed(feed)
    paragraph = f"\u201c{MARKUP} {ESC_PAYLOAD},\u201d said Ann Lee. More {ESC_PAYLOAD}."
    html = (
        f"<h2>{ESC_PAYLOAD}</h2><p>{paragraph}</p><p><a href='https://x.example/'>{TITLE}</a></p>"
    )
    article = Article(
        id="hostilearticle",
        feed_id=feed.id,
        title=TITLE,
        link="https://news.example/a",
        author=TITLE,
        published="2099-01-01T00:00:00+00:00",
        entry_links=(EntryLink("https://news.example/e", "related", TITLE, TITLE),),
        added_at="2026-11-27T12:00:00+00:00",
        terms={"Ann Lee": 2.0},
    )
    store.put_articles(feed.id, [(article, Body(html, "html"))])
    quote = Quote(1, 0, 10, f"{MARKUP} {ESC_PAYLOAD}", f"[bold]Ann[/] {ESC_PAYLOAD}")
    store.put_aux(QUOTES_KIND, feed.id, quotes_to_aux({article.id: (TITLE, (quote,))}))
    store.put_bookmark(
        Bookmark(
            id="bm-hostile",
            kind="article",
            article_id=article.id,
            title=TITLE,
            url="https://news.example/a",
            article_title=TITLE,
            feed_title=TITLE,
            tags=(MARKUP, ESC_PAYLOAD),
            note=TITLE,
            created_at="2026-11-27T12:00:00+00:00",
        )
    )
    store.flush()
    return library


def rendered(app: ReaderApp) -> str:
    """The text of every segment the screen would draw now."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_safe(app: ReaderApp, where: str) -> str:
    text = rendered(app)
    bad = sorted({repr(c) for c in CONTROL.findall(text)})
    assert bad == [], f"{where}: control characters on screen: {bad}"
    assert app.is_running, f"{where}: the app quit"
    return text


@pytest.mark.slow
async def test_hostile_text_through_every_widget(db_path: Path) -> None:
    library = hostile_library(db_path)
    app = ReaderApp(library)
    async with app.run_test(size=(180, 50)) as pilot:
        await settle(app, pilot)
        # The hostile article is the newest: open in the list and the pane.
        assert app.main_screen.article_view.article is not None
        assert app.main_screen.article_view.article.id == "hostilearticle"
        screen = assert_safe(app, "article list and pane")
        for literal in LITERALS:
            assert literal in screen, f"{literal!r} not shown as written"
        await pilot.press("quotation_mark")  # the quotes panel
        await settle(app, pilot)
        assert "[bold]x[/]" in assert_safe(app, "quotes panel")
        await pilot.press("s")  # sidebar toggled
        await settle(app, pilot)
        assert_safe(app, "sidebar")
        app.say(TITLE, title="Note")  # a notification carrying feed text
        app.notify(TITLE, markup=False)
        await pilot.pause()
        assert "Array[int]" in assert_safe(app, "notifications")
        await pilot.press("S")  # speakers screen
        await settle(app, pilot)
        assert "[bold]Ann[/]" in assert_safe(app, "speakers screen")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape", "escape")  # to the feed list
        app.main_screen.feed_list.focus()
        await pilot.press("g", "j")  # Bookmarks
        await settle(app, pilot)
        assert app.main_screen.feed_list.selected_id == "bookmarks"
        assert "[bold]x[/]" in assert_safe(app, "bookmarks list")
        for _ in range(4):  # every feed row, the hostile feed's title among them
            await pilot.press("j")
            await settle(app, pilot)
            assert_safe(app, "feed list")
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert_safe(app, "help")
        assert app.is_running
    library.close()


# --------------------------------------------------------------------------- pty capture

ESCAPE_FILES = ("escapes_raw.rss", "escapes_charrefs.rss", "escapes_in_html.atom", "escapes.json")
# What a feed tried to send, ESC (or its C1 form) included: none may reach the terminal.
FORBIDDEN = (
    b"\x1b]52;",
    b"\x1b]0;PWNED",
    b"\x1b]2;PWNED",
    b"\x1b]8;;https://evil.example",
    b"\x1b[2J\x1b[HFEED",
    b"\x1b[2JFEED",
    b"\x1bP$q",
    b"\x1b[6n",
    b"\xc2\x9b2J",
    b"\xc2\x9d0;",
    b"\xc2\x90$q",
    b"\x9b2JC1",
    b"\x9d0;C1",
)


def _tmux(socket: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20, check=False
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_no_feed_escape_sequence_reaches_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "db"
    library = hostile_library(db)
    try:
        for name in ESCAPE_FILES:
            library.add(str(CORPUS_DIR / name))
    finally:
        library.close()
    raw = tmp_path / "terminal.raw"
    socket = f"reader-hostile-{os.getpid()}"
    command = f"{sys.executable} -m reader --db {db}"
    _tmux(socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", command)
    try:
        _tmux(socket, "pipe-pane", "-o", f"cat >> {raw}")
        time.sleep(1.5)
        keys = ["j"] * 12 + ["quotation_mark"]
        for key in ["Tab", "Tab", "g"] + keys[:-1] + ['"', "S", "Escape", "s", "G", "k", "k"]:
            _tmux(socket, "send-keys", key)
            time.sleep(0.12)
        _tmux(socket, "send-keys", "Escape")
        time.sleep(0.5)
        _tmux(socket, "send-keys", "q")
        time.sleep(0.8)
    finally:
        _tmux(socket, "kill-server")
    output = raw.read_bytes()
    assert len(output) > 5000, "the app drew almost nothing"
    assert b"PWNED" in output or b"FEED-CLEAR" in output or b"C1-" in output, (
        "the hostile entries were not on screen"
    )
    found = [seq for seq in FORBIDDEN if seq in output]
    assert found == [], f"feed escape sequences reached the terminal: {found}"
