"""Every built-in theme keeps quotations, speakers and pane borders readable (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from reader.core.library import open_library
from reader.ui.app import ReaderApp
from reader.ui.contrast import contrast
from tests.conftest import frozen_clock


def _colour(app: ReaderApp, component: str) -> Color:
    colour = app.main_screen.article_view.get_component_rich_style(component).color
    assert colour is not None, component
    return Color.from_rich_color(colour)


@pytest.mark.slow  # every theme, in the running app
async def test_every_theme_reaches_wcag_contrast(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    failures: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        themes = sorted(t for t in app.available_themes if not t.startswith("ansi"))
        assert len(themes) >= 15
        for theme in themes:
            app.theme = theme
            app.main_screen.feed_list.focus()
            await pilot.pause()
            ground = app.main_screen.article_view.background_colors[1]
            listed = app.main_screen.article_list
            pane_ground = listed.background_colors[0]
            focused = app.main_screen.feed_list.styles
            figures = {  # name: (ratio, WCAG's minimum: 4.5 for text, 3 for what is not)
                "quotation": (contrast(_colour(app, "article-view--quote"), ground), 4.5),
                "speaker": (contrast(_colour(app, "article-view--speaker"), ground), 4.5),
                "border": (contrast(listed.styles.border_top[1], pane_ground), 3.0),
                "focused border": (contrast(focused.border_top[1], pane_ground), 3.0),
                "focused title": (contrast(focused.border_title_color, pane_ground), 4.5),
            }
            failures += [
                f"{theme}: {name} {ratio:.1f}"
                for name, (ratio, minimum) in figures.items()
                if ratio < minimum
            ]
    library.close()
    assert not failures, failures
