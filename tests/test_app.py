"""The app, driven with Pilot on a real database folder."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerFailed

from reader.core.config import export_dir
from reader.core.library import open_library
from reader.core.models import RefreshOutcome
from reader.core.settings import Settings
from reader.ui.app import ReaderApp
from reader.ui.article_text import SPEAKER_MARK, format_date
from reader.ui.flows.opening import OPEN_DELAY
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.key_bar import KeyBar
from tests.conftest import FeedServer, frozen_clock, static_text, wait_until

SEED_TITLE = "Putin Does Not Fully Support U.S. Ceasefire Proposal for Ukraine"


async def settle(app: ReaderApp, pilot: object) -> None:
    """Wait out the open debounce and the workers it starts (article, then its links)."""
    await pilot.pause(OPEN_DELAY + 0.05)  # type: ignore[attr-defined]
    for _ in range(3):
        # An exclusive worker replaced by a newer one is cancelled: normal.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database seeded once per module; each test gets its own copy."""
    path = tmp_path_factory.mktemp("seeded") / "db"
    open_library(path, clock=frozen_clock).close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, seeded_template: Path) -> Path:
    """A freshly seeded database, as the first start makes (copied: seeding costs ~0.2 s)."""
    import shutil

    path = tmp_path / "db"
    shutil.copytree(seeded_template, path)
    return path


def screen_text(app: ReaderApp) -> str:
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static) if widget.display)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_first_screen_shows_all_with_the_newest_article_open(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.main_screen.feed_list.selected_id == "all"
        newest = library.articles()[0]
        assert app.main_screen.article_list.current == newest
        view = app.query_one(ArticleView)
        assert view.article is not None and view.article.id == newest.id
        assert view.article.title == SEED_TITLE
        assert not library.is_read(newest.id), "starting the app marks nothing read"
        await pilot.press("enter")
        await settle(app, pilot)
        assert library.is_read(newest.id), "Enter opens it: now it is read"
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_keys_move_open_and_go_back(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        second = library.articles()[1]
        await pilot.press("j")
        with contextlib.suppress(WorkerFailed):  # its related links fail too
            await settle(app, pilot)
        assert app.main_screen.article_view.article is not None
        assert app.main_screen.article_view.article.id == second.id
        keys = app.query_one(KeyBar)
        assert "Next quote" not in str(keys.render())
        await pilot.press("enter")
        assert app.focused is app.main_screen.article_view
        await pilot.pause()
        assert "Next quote" in str(keys.render()), "the key hints follow the focused pane"
        await pilot.press("space")
        await pilot.press("escape")
        assert app.focused is app.main_screen.article_list
        await pilot.pause()
        assert "Next quote" not in str(keys.render())
        await pilot.press("escape")
        assert app.focused is app.main_screen.feed_list
        await pilot.press("down", "down")  # past Bookmarks to the first real feed
        await settle(app, pilot)
        feed_id = app.main_screen.feed_list.selected_id
        assert feed_id != "all"
        assert {a.feed_id for a in app.main_screen.article_list.articles} == {feed_id}
        await pilot.press("tab")
        assert app.focused is app.main_screen.article_list
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_an_unreadable_bodies_file_is_named_and_the_app_carries_on(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    second = library.articles()[1]
    library.close()
    bodies = db_path / "bodies" / f"{second.feed_id}.json"
    bodies.write_text('{"bodies": {"1": {"id": ')  # torn
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert app.is_running
        assert app.main_screen.article_view.article is None
        view = app.main_screen.article_view
        shown = "".join(view.render_line(y).text for y in range(view.size.height))
        assert str(bodies).replace(" ", "") in shown.replace(" ", ""), "names the file"
        await pilot.press("k")  # another feed's article still opens
        await settle(app, pilot)
        assert app.main_screen.article_view.article is not None
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_moving_past_the_bottom_keeps_whole_rows_at_the_top(db_path: Path) -> None:
    from reader.ui.widgets.article_list import ROW_HEIGHT

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(100, 15)) as pilot:  # room for a few rows, odd height
        await settle(app, pilot)
        listed = app.main_screen.article_list
        for _ in range(len(library.articles()) - 1):
            await pilot.press("j")
            assert listed.scroll_offset.y % ROW_HEIGHT == 0, "a row cut in half at the top"
        assert listed.scroll_offset.y > 0
        first_shown = library.articles()[listed.scroll_offset.y // ROW_HEIGHT]
        assert first_shown.title[:8] in listed.render_line(0).text, "a title line on top"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_read_state_survives_a_restart(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        passed_over = app.main_screen.article_list.articles[1]
        await pilot.press("j", "j")
        await settle(app, pilot)
        opened = app.main_screen.article_view.article
        assert opened is not None
        assert not library.is_read(opened.id), "a preview is not a read"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("q")
    library.close()

    again = open_library(db_path, clock=frozen_clock)
    assert again.is_read(opened.id) and not again.is_read(passed_over.id)
    unread = {a.id for a in again.articles(unread_only=True)}
    assert opened.id not in unread and len(unread) == len(again.articles()) - 1
    again.close()


async def test_m_toggles_read(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        current = app.main_screen.article_list.current
        assert current is not None and not library.is_read(current.id)
        await pilot.press("m")
        assert library.is_read(current.id)
        await pilot.press("m")
        assert not library.is_read(current.id)
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@pytest.mark.parametrize("size", [(120, 40), (80, 24), (200, 60)])
def test_first_screen_snapshot(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The first screen on the seeds: frozen clock, nothing that blinks, fixed sizes."""
    library = open_library(tmp_path / "db", clock=frozen_clock)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot.app, pilot)

    try:
        assert snap_compare(ReaderApp(library), terminal_size=size, run_before=run_before)
    finally:
        library.close()


async def open_seed(app: ReaderApp, pilot: object) -> None:
    await settle(app, pilot)
    assert app.main_screen.article_view.article is not None
    assert app.main_screen.article_view.article.title == SEED_TITLE


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_quotations_are_highlighted_named_and_jumped_to(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_seed(app, pilot)
        view = app.main_screen.article_view
        rendered = view.plain_text()
        labels = [line for line in rendered.splitlines() if line.startswith(SPEAKER_MARK)]
        assert "“nuances”" in rendered and f"{SPEAKER_MARK} Vladimir Putin" in labels
        named = {name for line in labels for name in line[2:].split(" · ")}
        assert {"Yuri Ushakov", "Alexander Lukashenko"} <= named
        await pilot.press("enter", "right_square_bracket", "right_square_bracket")
        assert view.current_quote == 1
        await pilot.press("left_square_bracket")
        assert view.current_quote == 0
        # The Quotes panel lists them by speaker; choosing one moves the article to it.
        await pilot.press("quotation_mark")
        await pilot.pause()
        quote_list = app.main_screen.sidebar.query_one("#quote-list")
        assert app.focused is quote_list
        prompts = [str(o.prompt) for o in quote_list.options if o.disabled]  # type: ignore[attr-defined]
        assert prompts[0].startswith("Vladimir Putin (5)")
        assert any(p.startswith("Maria Zakharova (2)") for p in prompts)
        await pilot.press("down", "enter")
        assert view.current_quote == 1
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_sidebar_opens_a_story_from_the_archive(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        # An article whose "Related" block links to other stored entries.
        target = next(
            a
            for a in library.articles()
            if any(link.kind == "section" and link.in_archive for link in library.related(a.id))
        )
        app.main_screen.open_in_archive(target.id)
        await settle(app, pilot)
        related = app.main_screen.sidebar.query_one("#related-list")
        related.focus()
        link = related.current  # type: ignore[attr-defined]
        assert link.kind == "section" and link.in_archive
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.article_view.article is not None
        assert app.main_screen.article_view.article.id == link.article_id
    library.close()


class FakeBrowser:
    """A desktop browser that records what it was asked to open."""

    def __init__(self, opened: list[str]) -> None:
        self.opened = opened

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return True


async def test_digit_follows_inline_link_in_the_browser(db_path: Path, monkeypatch: object) -> None:
    opened: list[str] = []
    import webbrowser

    monkeypatch.setattr(webbrowser, "get", lambda: FakeBrowser(opened))  # type: ignore[attr-defined]
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        article = next(a for a in library.articles() if library.document(a.id).links)
        first = library.document(article.id).links[0]
        app.main_screen.open_in_archive(article.id)
        await settle(app, pilot)
        await pilot.press("1")
        await app.workers.wait_for_complete()
        if library.find_article(first.url):
            assert app.main_screen.article_view.article.id == library.find_article(first.url)  # type: ignore[union-attr]
        else:
            assert opened == [first.url]
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_bookmark_with_tags_then_remove_and_undo(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_seed(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press(*"war,kremlin", "tab", *"read later", "enter")
        await pilot.pause()
        (saved,) = library.bookmarks()
        assert saved.kind == "article" and saved.tags == ("war", "kremlin")
        assert saved.note == "read later"
        await pilot.press("b")  # again: removes it
        assert library.bookmarks() == []
        await pilot.press("u")
        assert [b.id for b in library.bookmarks()] == [saved.id]
        # The Bookmarks entry lists it.
        app.main_screen.feed_list.focus()
        await pilot.press("down")
        await settle(app, pilot)
        assert app.main_screen.article_list.current_bookmark is not None
        assert app.main_screen.article_list.current_bookmark.id == saved.id
    library.close()
    reopened = open_library(db_path, clock=frozen_clock)
    assert [b.tags for b in reopened.bookmarks()] == [("war", "kremlin")]
    reopened.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_speakers_view_opens_the_article_at_the_quote(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("S")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "SpeakersScreen"
        speakers = library.speakers()
        name, quotes = speakers[0]
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ != "SpeakersScreen"
        assert app.main_screen.article_view.article is not None
        assert app.main_screen.article_view.article.id == quotes[0].article.id
        assert app.main_screen.article_view.current_quote == quotes[0].position
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_palette_goes_to_a_feed_and_exports_bookmarks(db_path: Path, tmp_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    seed = next(a for a in library.articles() if a.title == SEED_TITLE)
    library.bookmark(seed.id, tags=["kremlin"])
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Go to feed: The Quillon")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        quillon = next(s.feed.id for s in library.feeds() if s.feed.title == "The Quillon Review")
        assert app.main_screen.feed_list.selected_id == quillon

        target = tmp_path / "out.html"
        target.write_text("keep me")
        await pilot.press("ctrl+p")
        await pilot.press(*"Export bookmarks as Netscape")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        path_input = app.screen.query_one("#export-path")
        offered = Path(path_input.value)  # type: ignore[attr-defined]
        assert offered == export_dir() / "reader-bookmarks.html"
        path_input.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")  # the file exists: asks first
        assert target.read_text() == "keep me"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert target.read_text().startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
        assert SEED_TITLE in target.read_text()
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_bookmarks_filter_by_tag_and_kind(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    seed = next(a for a in library.articles() if a.title == SEED_TITLE)
    library.bookmark(seed.id, tags=["kremlin"])
    library.bookmark(seed.id, quote=3, tags=["quotes"])
    library.bookmark(seed.id, quote=5)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.main_screen.go_to_feed("bookmarks")
        await settle(app, pilot)
        assert len(app.main_screen.article_list.bookmarks) == 3
        await pilot.press("t")  # first tag, alphabetically: kremlin
        assert [b.kind for b in app.main_screen.article_list.bookmarks] == ["article"]
        await pilot.press("t", "c", "c", "c")  # tag quotes, then kind quote
        assert [b.tags for b in app.main_screen.article_list.bookmarks] == [("quotes",)]
        await pilot.press("t")  # back to every tag, still only quotes
        assert {b.kind for b in app.main_screen.article_list.bookmarks} == {"quote"}
        assert len(app.main_screen.article_list.bookmarks) == 2
        removed = app.main_screen.article_list.current_bookmark
        await pilot.press("x")
        assert removed is not None and removed.id not in {b.id for b in library.bookmarks()}
        await pilot.press("u")
        assert removed.id in {b.id for b in library.bookmarks()}
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.article_view.current_quote in (2, 4)
    library.close()


def list_text(app: ReaderApp) -> str:
    """What the article list shows, line by line, as the terminal would."""
    widget = app.main_screen.article_list
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_bookmark_rows_show_tags_and_notes_and_a_filter_that_hides_all_says_so(
    db_path: Path,
) -> None:
    library = open_library(db_path, clock=frozen_clock)
    seed = next(a for a in library.articles() if a.title == SEED_TITLE)
    library.bookmark(seed.id, tags=["kremlin"], note="ask Dana")
    app = ReaderApp(library)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.main_screen.go_to_feed("bookmarks")
        await settle(app, pilot)
        shown = list_text(app)
        assert "#kremlin" in shown and "“ask Dana”" in shown, shown
        await pilot.press("c", "c")  # kind: article, then link; there is no link bookmark
        await pilot.pause()
        shown = " ".join(list_text(app).split())  # the message wraps in the narrow list
        assert "No bookmarks match link" in shown and "press t or c" in shown, shown
        assert "No bookmarks yet" not in shown
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_unread_navigation_mark_feed_read_and_undo(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        first = app.main_screen.article_view.article
        assert first is not None and not library.is_read(first.id)
        await pilot.press("enter")
        await settle(app, pilot)
        assert library.is_read(first.id)
        await pilot.press("escape", "n")
        await settle(app, pilot)
        second = app.main_screen.article_view.article
        assert second is not None and second.id != first.id
        assert library.is_read(second.id), "n opens the next unread, as Enter would"
        await pilot.press("N")  # no unread before it: crosses to another feed or says so
        await settle(app, pilot)
        unread_before = len(library.articles(unread_only=True))
        app.main_screen.go_to_feed("all")
        await settle(app, pilot)
        await pilot.press("A")
        assert library.articles(unread_only=True) == []
        await pilot.press("u")
        assert len(library.articles(unread_only=True)) == unread_before
        await pilot.press("f")
        await settle(app, pilot)
        assert all(
            not library.is_read(a.id) or a.id == app.main_screen.article_view.article.id  # type: ignore[union-attr]
            for a in app.main_screen.article_list.articles
        )
        await pilot.press("z")
        assert not app.main_screen.feed_list.display and app.main_screen.article_view.display
        await pilot.press("z")
        assert app.main_screen.feed_list.display
    library.close()


async def test_y_copies_the_link_and_o_opens_only_web_links(
    db_path: Path, monkeypatch: object
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "get", lambda: FakeBrowser(opened))  # type: ignore[attr-defined]
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)  # type: ignore[attr-defined]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("o", "y")  # the seed article has no web link
        await app.workers.wait_for_complete()
        assert opened == [] and copied == []
        await pilot.press("j")
        await settle(app, pilot)
        link = app.main_screen.article_view.article.link  # type: ignore[union-attr]
        assert link.startswith("https://")
        await pilot.press("o", "y")
        await app.workers.wait_for_complete()
        assert opened == [link] and copied == [link]
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_search_as_you_type_highlights_and_escape_restores(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        everything = len(app.main_screen.article_list.articles)
        await pilot.press("slash", *"zakharo")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [a.title for a in app.main_screen.article_list.articles] == [SEED_TITLE]
        assert app.main_screen.article_list.border_title == "Search"
        await pilot.press("ctrl+a", *"sea wall")  # select-all is not a thing: type more
        app.query_one("#search").value = "sea wall"  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = [a.title for a in app.main_screen.article_list.articles]
        assert titles and any("sea wall" in t.lower() for t in titles)
        assert "sea" in app.main_screen.article_list.highlight_terms
        await pilot.press("enter")
        assert app.focused is app.main_screen.article_list
        await pilot.press("escape")
        assert not app.main_screen.searching
        assert len(app.main_screen.article_list.articles) == everything
    library.close()


async def test_feeds_in_folders_are_grouped(db_path: Path, tmp_path: Path) -> None:
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "a.txt").write_text("A note\n\nSome text.\n")
    library = open_library(db_path, clock=frozen_clock)
    outcome = library.add(str(docs), folder="Local/Notes")
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        ids = [o.id for o in app.main_screen.feed_list.options]
        header = ids.index("folder:Local/Notes")
        assert str(app.main_screen.feed_list.options[header].prompt).startswith("▾ Local/Notes")
        assert ids[header + 1] == outcome.feed_id
        assert header > ids.index("all")
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_b_on_the_quotation_under_the_cursor_bookmarks_it(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_seed(app, pilot)
        await pilot.press("enter", *["right_square_bracket"] * 7, "b")
        await pilot.pause()
        await pilot.press("enter")  # no tags, no note: Enter in the tags field saves
        await pilot.pause()
        (saved,) = library.bookmarks()
        assert saved.kind == "quote" and saved.speaker == "Dmitry Peskov"
        assert saved.title.startswith("Crimea, Sevastopol")
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_clicking_a_row_highlights_it_and_a_double_click_opens_it(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        third = app.main_screen.article_list.articles[2]
        region = app.main_screen.article_list.content_region
        await pilot.click(offset=(region.x + 3, region.y + 4))  # rows are two lines each
        await settle(app, pilot)
        assert app.main_screen.article_list.current == third
        shown = app.main_screen.article_view.article
        assert shown is not None and shown.id == third.id
        await pilot.double_click(offset=(region.x + 3, region.y + 4))
        await settle(app, pilot)
        assert app.focused is app.main_screen.article_view
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_tag_that_looks_like_markup_is_shown_as_written(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    seed = next(a for a in library.articles() if a.title == SEED_TITLE)
    library.bookmark(seed.id, tags=["[/]x[b]"])
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.main_screen.go_to_feed("bookmarks")
        await settle(app, pilot)
        await pilot.press("t")  # the filter names the tag in the list's title
        await pilot.pause()
        assert "#[/]x[b]" in app.main_screen.article_list._border_title.plain  # type: ignore[attr-defined]
    library.close()


@pytest.mark.slow  # measures real pauses
async def test_background_work_waits_while_keys_come_in(db_path: Path) -> None:
    import time

    from reader.ui.pacer import KEY_QUIET

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        # from a worker thread, as background work calls it (the UI thread never waits)
        started = time.monotonic()
        await asyncio.to_thread(library.background_pause)  # no key for a while: no wait
        assert time.monotonic() - started < KEY_QUIET / 3
        await pilot.press("j")
        started = time.monotonic()
        await asyncio.to_thread(library.background_pause)
        assert time.monotonic() - started >= KEY_QUIET * 0.8
    library.close()


@pytest.mark.slow  # measures real pauses
async def test_background_work_keeps_a_tenth_of_the_time_while_keys_keep_coming(
    db_path: Path,
) -> None:
    """Index builds pause every few ms: a pause as long as before (0.5 s) would starve them."""
    import threading
    import time

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        took: list[float] = []

        def work() -> None:
            started = time.monotonic()
            for _ in range(20):
                time.sleep(0.002)  # a few ms of work, then give way
                library.background_pause()
            took.append(time.monotonic() - started)

        worker = threading.Thread(target=work)
        worker.start()
        while worker.is_alive():
            await pilot.press("j", "k")  # keys keep coming
        assert 0.2 < took[0] < 3.0, "it gave way, but kept going (20 x 0.5 s would be 10 s)"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_enter_right_after_a_move_opens_that_article_and_focuses_it(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        third = library.articles()[2]
        await pilot.press("j", "j", "enter")  # before the open debounce fires
        await settle(app, pilot)
        assert app.focused is app.main_screen.article_view
        shown = app.main_screen.article_view.article
        assert shown is not None and shown.id == third.id
        assert library.is_read(third.id)
    library.close()


async def test_enter_right_after_a_move_focuses_an_article_loaded_by_a_worker(
    db_path: Path,
) -> None:
    """Enter opens at once; the move's own message comes after it and must not undo that."""
    library = open_library(db_path, clock=frozen_clock)
    library.quick_to_open = lambda article_id: False  # type: ignore[method-assign]
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        second = library.articles()[1]
        # Both keys in one read from the terminal (pilot.press waits between keys).
        app.post_message(events.Key("j", "j"))
        app.post_message(events.Key("enter", "\r"))
        await settle(app, pilot)
        shown = app.main_screen.article_view.article
        assert shown is not None and shown.id == second.id
        assert app.focused is app.main_screen.article_view
    library.close()


async def test_quitting_stops_background_work_at_its_next_pause(db_path: Path) -> None:
    """Indexing thousands of articles must not hold the app open after q."""
    from reader.core.errors import Interrupted

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        # called by worker threads (on the UI thread it never waits nor raises)
        await asyncio.to_thread(library.background_pause)  # running: carries on
        app.exit()
        with pytest.raises(Interrupted):
            await asyncio.to_thread(library.background_pause)
    library.close()


async def test_output_flushed_while_the_app_runs_does_not_crash_it(db_path: Path) -> None:
    """Textual routes stdout/stderr flushes to ``App._flush``: a warning printed by a
    library must not land on a method of ours (it did, and the app died)."""
    import sys

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        print("a library's warning", file=sys.stderr, flush=True)
        print("and on stdout", flush=True)
        await pilot.press("m")  # marks read and flushes the store in a worker
        await settle(app, pilot)
        assert app.is_running
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_articles_open_while_the_archive_index_is_still_building(db_path: Path) -> None:
    """Related-link workers wait for the index; they must not hold up article loads.

    (They ran on a 6-thread executor: after a few opens during a long build at
    100k articles, the next article waited seconds for a thread.)
    """
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        library.archive.forget()
        library.archive.lock.acquire()  # a build that takes its time
        try:
            for _ in range(10):
                await pilot.press("j")
                await pilot.pause(OPEN_DELAY + 0.1)
            wanted = app.main_screen.article_list.current
            for _ in range(50):
                if app.main_screen.article_view.article is wanted:
                    break
                await pilot.pause(0.02)
            assert app.main_screen.article_view.article is wanted
        finally:
            library.archive.lock.release()
        await settle(app, pilot)
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_status_line_has_a_slot_per_source(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.ui.messages import (
        FeedsRefreshed,
        IndexingFinished,
        IndexingProgressed,
        RefreshProgressed,
        RefreshStarted,
    )

    # The real indexing pass (2 s after start on a slow machine) would end the
    # indexing this test posts by hand.
    monkeypatch.setattr("reader.ui.main_screen.SEARCH_WARMUP_DELAY", 3600)
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        post = app.main_screen.post_message
        app.status.set("feed", "last refresh failed: 404")  # the selected feed's error
        post(IndexingProgressed(5, 10))
        await pilot.pause()
        assert app.sub_title == "indexing 5/10"
        post(RefreshStarted(("Harbour", "Quillon", "Slow", "Last")))
        await pilot.pause()
        assert app.sub_title == "refreshing… · Harbour +3", "a refresh outranks indexing"
        post(RefreshProgressed(2, 4, RefreshOutcome("f", "F"), ("Slow", "Last")))
        await pilot.pause()
        assert app.sub_title == "refreshing 2/4 · Slow +1", "names the feed it waits for"
        post(RefreshProgressed(3, 4, RefreshOutcome("f", "F"), ("Slow",)))
        await pilot.pause()
        assert app.sub_title == "refreshing 3/4 · Slow"
        post(FeedsRefreshed([], 0.1))
        await pilot.pause()
        assert app.sub_title == "indexing 5/10", "the end of a refresh clears only its own"
        post(IndexingFinished(0))
        await pilot.pause()
        assert app.sub_title == "last refresh failed: 404", "the feed's error was kept"
    library.close()


async def test_a_status_change_redraws_only_the_title_bar(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status changes twice a second while indexing; a key must not wait behind a
    repaint of the whole screen and a new layout each time (~20 ms of frames)."""
    from textual._compositor import ChopsUpdate, Compositor
    from textual.screen import Screen

    monkeypatch.setattr("reader.ui.main_screen.SEARCH_WARMUP_DELAY", 3600)
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.3)
        rows: set[int] = set()
        layouts: list[Screen[object]] = []
        render_update = Compositor.render_update
        refresh_layout = Screen._refresh_layout

        def recorded(self: Compositor, *args: object, **kwargs: object) -> object:
            update = render_update(self, *args, **kwargs)  # type: ignore[arg-type]
            if isinstance(update, ChopsUpdate):
                rows.update(y for y, _, _ in update.spans)
            return update

        def laid_out(self: Screen[object], *args: object, **kwargs: object) -> None:
            layouts.append(self)
            refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Compositor, "render_update", recorded)
        monkeypatch.setattr(Screen, "_refresh_layout", laid_out)
        app.status.set("indexing", "indexing 5/10")
        await pilot.pause(0.1)
        assert "indexing 5/10" in str(app.query_one("HeaderTitle").render())
        assert rows == {0}, "only the title bar's line is drawn again"
        assert not layouts, "and nothing is laid out again"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_refresh_progress_names_the_feed_it_waits_for(
    db_path: Path, feed_server: FeedServer
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler

    from tests.conftest import rss

    feed_server.serve("/fast.xml", rss("Fast News", [("a", "A", "x")]))
    feed_server.serve("/slow.xml", rss("Slow Gazette", [("b", "B", "y")]))
    library = open_library(db_path, clock=frozen_clock)
    fast = library.add(feed_server.url("/fast.xml")).feed_id
    slow = library.add(feed_server.url("/slow.xml")).feed_id
    release = threading.Event()
    served = feed_server.routes["/slow.xml"]

    def held(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        release.wait(10)
        return served(handler)

    feed_server.routes["/slow.xml"] = held
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.main_screen.refresh_feeds([fast, slow])
        for _ in range(200):
            await pilot.pause(0.02)
            if app.sub_title.startswith("refreshing 1/2"):
                break
        try:
            assert app.sub_title == "refreshing 1/2 · Slow Gazette"
        finally:
            release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.sub_title.startswith("refreshing")
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_an_error_inside_a_worker_is_reported_and_the_app_goes_on(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("the archive broke")

    library.related_for = broken  # type: ignore[method-assign]
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        # opening the first article asks for its related links: that worker fails
        with contextlib.suppress(WorkerFailed):
            await settle(app, pilot)
        for _ in range(100):  # the screen passes its worker's failure on to the app
            shown = [n.message for n in app._notifications]
            if any("related failed" in m for m in shown):
                break
            await pilot.pause(0.05)
        assert any("related failed: RuntimeError: the archive broke" in m for m in shown), shown
        assert app.is_running and app.return_code is None
        second = library.articles()[1]
        await pilot.press("j")
        with contextlib.suppress(WorkerFailed):  # its related links fail too
            await settle(app, pilot)
        assert app.main_screen.article_view.article is not None
        shown = app.main_screen.article_view.article
        assert shown.id == second.id, "keys still work after the failure"
    library.close()


@pytest.mark.slow  # waits out a real timer
async def test_an_article_left_in_the_preview_is_read_after_the_chosen_time(
    db_path: Path,
) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library, settings=Settings(mark_read_after=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        shown = app.main_screen.article_view.article
        assert shown is not None and not library.is_read(shown.id)
        await pilot.press("j")  # moved on before the second passed: still unread
        await settle(app, pilot)
        assert not library.is_read(shown.id)
        now_shown = app.main_screen.article_view.article
        assert now_shown is not None
        await pilot.pause(1.3)
        assert library.is_read(now_shown.id), "it stayed in the preview for a second"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_help_shows_keys_as_typed_and_scrolls_with_the_list_keys(db_path: Path) -> None:
    from textual.containers import VerticalScroll

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = static_text(app.screen, 80)
        assert "quotation_mark" not in text and "slash" not in text and "question_mark" not in text
        assert '"' in text and "/" in text
        for shown in (
            "ctrl+p",
            "Command palette",
            "Speakers view",
            "Quotes (",
            "Open/close folder",
        ):
            assert shown in text, shown
        body = app.screen.query_one("#help-body", VerticalScroll)
        assert body.max_scroll_y > 0, "taller than 24 rows: it must scroll"
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("k")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y - 1
        await pilot.press("g")
        await pilot.pause()
        assert body.scroll_y == 0
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_the_palette_offers_each_command_once(db_path: Path) -> None:
    from textual.command import CommandList

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for query, wanted in (("quit", "Quit"), ("keys", "Keys")):
            await pilot.press("ctrl+p", *query)
            for _ in range(50):  # the palette searches as it goes
                await pilot.pause(0.05)
                found = app.screen.query_one(CommandList)
                prompts = [
                    str(found.get_option_at_index(i).prompt) for i in range(found.option_count)
                ]
                if prompts:
                    break
            assert sum(p.startswith(wanted) for p in prompts) == 1, prompts
            await pilot.press("escape")
            await pilot.pause()
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_without_a_browser_o_copies_the_link_and_says_so(
    db_path: Path, monkeypatch: object
) -> None:
    import webbrowser

    def no_browser() -> None:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", no_browser)  # type: ignore[attr-defined]
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)  # type: ignore[attr-defined]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        link = app.main_screen.article_view.article.link  # type: ignore[union-attr]
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert copied == [link]
        assert any("No browser found" in m and link in m for m in shown), shown
        assert not any(n.title == "Opening in the browser" for n in app._notifications)
    library.close()


def test_text_browsers_take_the_terminal_and_desktop_ones_do_not() -> None:
    import webbrowser

    from reader.ui.browser import takes_terminal

    assert takes_terminal(webbrowser.GenericBrowser("w3m"))
    assert not takes_terminal(webbrowser.BackgroundBrowser("firefox"))
    assert not takes_terminal(webbrowser.Mozilla("firefox"))


@pytest.mark.slow  # a long walk through the app
async def test_g_and_G_reach_both_ends_of_every_list(db_path: Path) -> None:
    from textual.widgets import OptionList

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)

    def ends(widget: OptionList) -> tuple[int, int]:
        enabled = [i for i, option in enumerate(widget.options) if not option.disabled]
        return enabled[0], enabled[-1]

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "quotation_mark")  # the seed article's Quotes panel
        await pilot.pause()
        quotes = app.main_screen.sidebar.query_one("#quote-list", OptionList)
        assert app.focused is quotes
        first, last = ends(quotes)
        await pilot.press("G")
        assert quotes.highlighted == last
        await pilot.press("g")
        assert quotes.highlighted == first
        await pilot.press("end")
        assert quotes.highlighted == last
        await pilot.press("escape", "escape", "S")
        await pilot.pause()
        names = app.screen.query_one("#speaker-names", OptionList)
        assert app.focused is names and names.option_count > 2
        await pilot.press("G")
        assert names.highlighted == names.option_count - 1
        await pilot.press("g")
        assert names.highlighted == 0
    library.close()


@pytest.mark.slow  # a long walk through the app
async def test_each_sidebar_panel_has_its_key_and_the_key_closes_it(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)

        def showing() -> str | None:
            return app.main_screen.sidebar.mode if app.main_screen.sidebar_visible() else None

        tabs = str(app.main_screen.sidebar.query_one("#sidebar-tabs", Static).render())
        assert "Related s" in tabs and 'Quotes "' in tabs
        assert showing() is None
        await pilot.press("quotation_mark")
        assert showing() == "quotes"
        await pilot.press("quotation_mark")
        assert showing() is None, "the Quotes key closes the Quotes panel"
        await pilot.press("quotation_mark", "s")
        assert showing() == "related", "s on the Quotes panel switches to Related"
        await pilot.press("s")
        assert showing() is None
        await pilot.press("s", "quotation_mark")
        assert showing() == "quotes"
    library.close()


def _plain(renderable: object) -> str:
    import io

    from rich.console import Console

    console = Console(width=60, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_sidebar_item_without_an_address_looks_different_and_enter_searches(
    db_path: Path,
) -> None:
    from reader.core.analysis.links import RelatedLink
    from reader.ui.widgets.sidebar import NO_ADDRESS, RelatedList

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        related = app.main_screen.sidebar.query_one(RelatedList)
        related.show_links(
            [
                RelatedLink("section", "Harbour flooding", None),
                RelatedLink("section", "Ferry talks", "https://news.example/ferry"),
            ]
        )
        await pilot.pause()
        shown = [_plain(o.prompt) for o in related.options if not o.disabled]
        assert shown[0].startswith("⌕ Harbour flooding") and NO_ADDRESS in shown[0]
        assert not shown[1].startswith("⌕") and NO_ADDRESS not in shown[1]
        related.focus()
        related.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.main_screen.search_input.value == "Harbour flooding"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@pytest.mark.parametrize(
    ("size", "shown"),
    [
        ((200, 60), {"feeds", "middle", "article", "sidebar"}),  # shown from the start
        ((145, 40), {"middle", "article", "sidebar"}),
        ((120, 40), {"article", "sidebar"}),
        ((80, 24), {"sidebar"}),
    ],
)
async def test_the_sidebar_never_squeezes_the_article_below_60_columns(
    db_path: Path, size: tuple[int, int], shown: set[str]
) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        if size[0] < 150:
            await pilot.press("s")
            await pilot.pause()
        panes = {"feeds", "middle", "article", "sidebar"}
        visible = {p for p in panes if app.query_one(f"#{p}").display}
        assert visible == shown
        text = app.main_screen.article_view.scrollable_content_region.width
        if "article" in shown:
            assert text >= 60, f"{text} columns of text at {size}"
        else:
            sidebar = app.main_screen.sidebar
            assert sidebar.outer_size.width == size[0], "the sidebar takes the whole width"
            await pilot.press("escape")
            await pilot.pause()
            assert app.query_one("#article").display and not app.query_one("#sidebar").display
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@pytest.mark.parametrize("width", [80, 120])
async def test_the_key_bar_leaves_out_whole_hints_and_keeps_keys_help(
    db_path: Path, width: int
) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(app, pilot)
        for keys in ((), ("enter",)):  # the list's keys, then the article's
            await pilot.press(*keys)
            await pilot.pause()
            line = str(app.query_one(KeyBar).render())
            assert "…" not in line, line
            assert line.rstrip().endswith("? Keys  ^p palette"), line
            assert len(line) <= width
        assert "] Next quote" in line, "the focused pane's keys come first"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_list_grows_to_whole_titles_and_v_gives_one_line_rows(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        lines = list_text(app).splitlines()
        assert SEED_TITLE in lines[0] and "…" not in lines[0], lines[0]
        assert app.main_screen.article_view.scrollable_content_region.width >= 60
        second = library.articles()[1]
        await pilot.press("v")
        await pilot.pause()
        lines = list_text(app).splitlines()
        assert second.title[:20] in lines[1], "one line a row: the second article is on line 2"
        assert lines[1].rstrip().endswith(" ".join(format_date(second.published).split()[:2]))
        await pilot.press("v")
        await pilot.pause()
        assert second.title[:20] in list_text(app).splitlines()[2]
    library.close()


async def test_at_120_columns_the_article_keeps_60_columns_of_text(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.main_screen.article_view.scrollable_content_region.width >= 60
        assert app.main_screen.feed_list.display and app.query_one("#middle").display
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_folders_open_close_and_show_their_feeds_articles(
    db_path: Path, tmp_path: Path
) -> None:
    from tests.conftest import rss

    library = open_library(db_path, clock=frozen_clock)
    for name, items in (
        ("north", [("n1", "Northern ferry resumes", "x"), ("n2", "Quay reopens", "y")]),
        ("south", [("s1", "Southern storm warning", "z")]),
    ):
        path = tmp_path / f"{name}.xml"
        path.write_bytes(rss(name.title() + " Post", items))
        library.add(str(path), folder="News")
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        feeds = app.main_screen.feed_list
        ids = [o.id for o in feeds.options]
        assert "folder:News" in ids
        row = str(feeds.get_option("folder:News").prompt)
        assert row.startswith("▾ News") and row.rstrip().endswith("3"), row
        member = str(feeds.get_option(ids[ids.index("folder:News") + 1]).prompt)
        assert member.startswith("  North Post") or member.startswith("  South Post"), member
        feeds.focus()
        feeds.highlighted = ids.index("folder:News")
        await settle(app, pilot)
        titles = {a.title for a in app.main_screen.article_list.articles}
        assert titles == {"Northern ferry resumes", "Quay reopens", "Southern storm warning"}
        await pilot.press("enter")  # closes the folder
        await pilot.pause()
        assert str(feeds.get_option("folder:News").prompt).startswith("▸ News")
        assert len(feeds.options) == len(ids) - 2, "its two feeds are hidden"
        assert feeds.selected_id == "folder:News"
        await pilot.press("space")  # opens it again
        await pilot.pause()
        assert len(feeds.options) == len(ids)
        app.main_screen.article_list.focus()
        await pilot.press("enter")  # reading one article redraws the folder's count
        await settle(app, pilot)
        assert str(feeds.get_option("folder:News").prompt).rstrip().endswith("2")
        feeds.focus()
        await pilot.press("A")  # marks the folder's articles read
        await settle(app, pilot)
        assert not str(feeds.get_option("folder:News").prompt).rstrip().endswith("3")
        assert all(library.is_read(a.id) for a in app.main_screen.article_list.articles)
    library.close()


@pytest.mark.slow  # a long walk through the app, with fetches
async def test_subscriptions_change_inside_the_app(
    db_path: Path, tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.ui.flows import subscribing
    from tests.conftest import rss

    monkeypatch.setattr(subscribing, "REMOVE_AFTER", 1.0)  # u comes well within it
    feed_server.serve("/tide.xml", rss("Tide Times", [("t1", "Spring tide due", "x")]))
    feed_server.serve("/gull.xml", rss("Gull Gazette", [("g1", "Gulls return", "y")]))
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="Birds">'
        f'<outline type="rss" text="Gull Gazette" xmlUrl="{feed_server.url("/gull.xml")}"/>'
        "</outline></body></opml>"
    )
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)

    def titles() -> list[str]:
        return [s.feed.title for s in app.main_screen.visible_feeds()]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.press(*feed_server.url("/tide.xml"), "enter")
        await settle(app, pilot)
        assert "Tide Times" in titles()
        tide = next(s.feed.id for s in library.feeds() if s.feed.title == "Tide Times")
        assert app.main_screen.feed_list.selected_id == tide, "the new feed is shown"
        assert [a.title for a in app.main_screen.article_list.articles] == ["Spring tide due"]

        app.main_screen.feed_list.focus()
        await pilot.press("E", "ctrl+u", *"Tides", "enter")
        await settle(app, pilot)
        assert library.feed_title(tide) == "Tides"
        await pilot.press("M", *"Coast", "enter")
        await settle(app, pilot)
        assert library.find_feed(tide).folder == "Coast"  # type: ignore[union-attr]
        assert "folder:Coast" in [o.id for o in app.main_screen.feed_list.options]

        await pilot.press("d")
        await pilot.pause()
        assert "Tides" not in titles() and library.find_feed(tide) is not None
        await pilot.press("u")
        await pilot.pause(0.5)
        assert "Tides" in titles() and library.find_feed(tide) is not None, "undone in time"
        app.main_screen.go_to_feed(tide)
        app.main_screen.feed_list.focus()
        await pilot.press("d")
        await pilot.pause(1.3)
        await app.workers.wait_for_complete()
        assert library.find_feed(tide) is None, "removed once the undo window passed"
        await pilot.press("a", *feed_server.url("/tide.xml"), "enter")
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        assert "Tide Times" in titles(), "a removed feed added again is listed again"

        await pilot.press("i", *str(opml), "enter")
        await settle(app, pilot)
        await app.workers.wait_for_complete()
        gull = next(s for s in library.feeds() if s.feed.title == "Gull Gazette")
        assert gull.feed.folder == "Birds" and gull.unread == 1, "imported and fetched"
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_removal_waiting_for_its_undo_is_done_at_quit(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        feed_id = library.feeds()[0].feed.id
        app.main_screen.go_to_feed(feed_id)
        app.main_screen.feed_list.focus()
        await pilot.press("d")
        await pilot.pause()
        assert library.find_feed(feed_id) is not None
    assert library.find_feed(feed_id) is None
    library.close()


@pytest.mark.slow  # spawns command-line processes
async def test_commands_run_while_the_app_is_open_are_handed_to_it(
    db_path: Path, feed_server: FeedServer
) -> None:
    """cron's `reader refresh` (and add, mark, bookmarks add) while the app is open: the
    app runs them on its own library, so every change from both sides survives."""
    import asyncio
    import sys

    from reader.cli import run_handed
    from tests.conftest import rss

    feed_server.serve("/cron.xml", rss("Cron News", [("c1", "Cron one", "x"), ("c2", "Two", "y")]))
    library = open_library(db_path, clock=frozen_clock)
    ids = [a.id for a in library.articles()]
    app = ReaderApp(library, handed=lambda argv: run_handed(library, argv))

    async def cli(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reader", "--db", str(db_path), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        return process.returncode or 0, out.decode(), err.decode()

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        writers = asyncio.gather(
            cli("mark", ids[3]),
            cli("bookmarks", "add", ids[4], "--tag", "cron"),
            cli("add", feed_server.url("/cron.xml")),
        )
        await pilot.press("enter")  # meanwhile the user opens the first article
        await settle(app, pilot)
        await pilot.press("escape", "j", "j", "m")  # and marks the third read with m
        results = await writers
        for code, _, err in results:
            assert code == 0, err
        assert results[0][1] == "marked 1 of 1 articles read\n"
        assert results[2][1].startswith("added Cron News")
        await settle(app, pilot)
        titles = [s.feed.title for s in app.main_screen.visible_feeds()]
        assert "Cron News" in titles, "the app shows what the command added"
    library.close()
    again = open_library(db_path)
    read = again.read_ids()
    assert {ids[0], ids[2], ids[3]} <= read, "the app's marks and the command's"
    assert [b.tags for b in again.bookmarks() if b.article_id == ids[4]] == [("cron",)]
    cron = next(s for s in again.feeds() if s.feed.title == "Cron News")
    assert len(again.articles(cron.feed.id)) == 2
    again.close()


def test_a_command_finding_the_database_locked_without_an_app_says_so(db_path: Path) -> None:
    """A writer holding the lock that does not take hand-offs (another command):
    the one-line message, not a hang."""
    from reader.cli import main

    library = open_library(db_path)
    try:
        assert main(["--db", str(db_path), "mark", "x"]) == 1
    finally:
        library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_removed_feed_waiting_for_its_undo_is_not_searched(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    quillon = next(s.feed for s in library.feeds() if s.feed.title == "The Quillon Review")
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        screen.action_search("Brackwater")  # both seed feeds write about Brackwater
        await settle(app, pilot)
        feeds = {a.feed_id for a in screen.article_list.articles}
        assert quillon.id in feeds and len(feeds) > 1
        screen.end_search()
        screen.go_to_feed(quillon.id)
        await pilot.press("d")  # removed, undoable for a while
        screen.action_search("Brackwater")
        await settle(app, pilot)
        assert screen.article_list.articles
        assert quillon.id not in {a.feed_id for a in screen.article_list.articles}
    library.close()


async def test_keys_typed_right_after_slash_are_the_query(db_path: Path) -> None:
    """A fast typist or a paste: "/flood" arrives at once; every letter is the query's,
    none acts on the list (f would filter it, o open a browser), and / inside it is text."""
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key, character in [("slash", "/"), *((c, c) for c in "flo"), ("slash", "/")]:
            app.post_message(events.Key(key, character))  # all queued before any is handled
        await pilot.pause()
        screen = app.main_screen
        assert screen.search_input.value == "flo/"
        assert not screen.unread_only
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_a_removed_feed_waiting_for_its_undo_leaves_the_sidebar_too(db_path: Path) -> None:
    from reader.ui.widgets.sidebar import RelatedList

    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(200, 60)) as pilot:  # wide: the sidebar shows
        await settle(app, pilot)
        screen = app.main_screen
        links = lambda: screen.sidebar.query_one(RelatedList).links.values()  # noqa: E731
        in_archive = [link.article_id for link in links() if link.article_id]
        assert in_archive, "the first article has stories in the archive"
        target = library.find_stored(in_archive[0])
        assert target is not None
        first = screen.article_list.current
        screen.go_to_feed(target.feed_id)
        await pilot.press("d")  # removed, undoable for a while
        screen.open_in_archive(first.id)  # type: ignore[union-attr]
        await settle(app, pilot)
        shown = {library.find_stored(a).feed_id for link in links() if (a := link.article_id)}  # type: ignore[union-attr]
        assert target.feed_id not in shown
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_archive_is_not_built_beside_the_first_frames(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first article shows with its own links; the archive's related stories (a
    second of CPU at 10k articles, which slowed the first frames twofold) follow."""
    from reader.ui.flows import opening

    monkeypatch.setattr(opening, "RELATED_WARMUP_DELAY", 1.5)
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        assert app.main_screen.article_view.article is not None
        assert not library.archive_ready(), "not built while the first screen is drawn"
        await wait_until(pilot, library.archive_ready, seconds=10)
        await settle(app, pilot)
        assert app.main_screen.shown_id == app.main_screen.article_list.current.id  # type: ignore[union-attr]
    library.close()
