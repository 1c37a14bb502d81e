"""The app, driven with Pilot on a real database folder."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from reader.core.library import open_library
from reader.ui.app import OPEN_DELAY, ReaderApp
from reader.ui.widgets.article_view import ArticleView
from tests.conftest import frozen_clock

SEED_TITLE = "Putin Does Not Fully Support U.S. Ceasefire Proposal for Ukraine"


async def settle(app: ReaderApp, pilot: object) -> None:
    await pilot.pause(OPEN_DELAY + 0.05)  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def screen_text(app: ReaderApp) -> str:
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static) if widget.display)


async def test_first_screen_shows_all_with_the_newest_article_open(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.feed_list.selected_id == "all"
        newest = library.articles()[0]
        assert app.article_list.current == newest
        view = app.query_one(ArticleView)
        assert view.article is not None and view.article.id == newest.id
        assert view.article.title == SEED_TITLE
        assert library.is_read(newest.id)
    library.close()


async def test_keys_move_open_and_go_back(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        second = library.articles()[1]
        await pilot.press("j")
        await settle(app, pilot)
        assert app.article_view.article is not None
        assert app.article_view.article.id == second.id
        await pilot.press("enter")
        assert app.focused is app.article_view
        await pilot.press("space")
        await pilot.press("escape")
        assert app.focused is app.article_list
        await pilot.press("escape")
        assert app.focused is app.feed_list
        await pilot.press("down")  # the first real feed
        await settle(app, pilot)
        feed_id = app.feed_list.selected_id
        assert feed_id != "all"
        assert {a.feed_id for a in app.article_list.articles} == {feed_id}
        await pilot.press("tab")
        assert app.focused is app.article_list
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"
    library.close()


async def test_read_state_survives_a_restart(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        await settle(app, pilot)
        opened = app.article_view.article
        assert opened is not None
        await pilot.press("q")
    library.close()

    again = open_library(db_path, clock=frozen_clock)
    assert again.is_read(opened.id)
    unread = {a.id for a in again.articles(unread_only=True)}
    assert opened.id not in unread and len(unread) == len(again.articles()) - 2
    again.close()


async def test_m_toggles_read(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        current = app.article_list.current
        assert current is not None and library.is_read(current.id)
        await pilot.press("m")
        assert not library.is_read(current.id)
        await pilot.press("m")
        assert library.is_read(current.id)
    library.close()


def test_first_screen_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library = open_library(tmp_path / "db", clock=frozen_clock)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot.app, pilot)

    try:
        assert snap_compare(ReaderApp(library), terminal_size=(120, 40), run_before=run_before)
    finally:
        library.close()
