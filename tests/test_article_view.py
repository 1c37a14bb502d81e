"""The article pane on its own: layout by block kind, quotations, scrolling, resizing."""

from __future__ import annotations

import pytest
from rich.style import Style
from textual.app import App, ComposeResult

from reader.core.config import styles_path
from reader.core.models import Article, Block, Document, Quote, Span
from reader.ui.article_text import SPEAKER_MARK
from reader.ui.contrast import theme_colours
from reader.ui.widgets.article_view import ArticleView

LONG = "word " * 40


def _block(kind: str, text: str, **kw: object) -> Block:
    return Block(kind, (Span(text),), **kw)  # type: ignore[arg-type]


DOC = Document(
    "Title",
    blocks=(
        _block("paragraph", "First “quoted words,” she said. " + LONG),
        _block("heading", "A [bold]heading[/bold]", level=2),
        _block("paragraph", "Under the heading."),
        _block("blockquote", "Quoted block " + LONG, attribution="Ann Author"),
        _block("list_item", "Item one " + LONG, level=1),
        _block("list_item", "Nested", level=2),
        _block("paragraph", "After the list."),
        _block("preformatted", "line one\n    indented two"),
        _block("caption", "A caption"),
        *[_block("paragraph", f"Filler {n} " + LONG) for n in range(12)],
        _block("paragraph", "Late “second quote” here. " + LONG),
    ),
)
QUOTES = (
    Quote(paragraph=0, start=6, end=21, text="quoted words,", speaker="Ann"),
    Quote(paragraph=21, start=5, end=18, text="second quote", speaker="Bob"),
)
ARTICLE = Article(id="a", feed_id="f", title="Title [red]x[/red]")


class ViewApp(App[None]):
    CSS_PATH = str(styles_path())

    def get_css_variables(self) -> dict[str, str]:  # as ReaderApp's
        variables = super().get_css_variables()
        return {**variables, **theme_colours(variables)}

    def compose(self) -> ComposeResult:
        yield ArticleView(id="article")


def screen_lines(view: ArticleView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]


def all_lines(view: ArticleView) -> list[str]:
    width = view.scrollable_content_region.width
    return [view._draw(y, width, view.rich_style).text.rstrip() for y in range(len(view._rows))]


async def test_layout_by_block_kind() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 30)) as pilot:
        view = app.query_one(ArticleView)
        view.show(ARTICLE, DOC, feed_title="Feed", minutes=3, quotes=QUOTES)
        await pilot.pause()
        lines = all_lines(view)
        width = view.scrollable_content_region.width
        assert lines[0] == "" and lines[1] == "Title [red]x[/red]"  # markup shown as written
        assert lines[2].startswith("Feed") and "3 min read" in lines[2]
        assert lines[3] == "" and lines[4] == "─" * width and lines[5] == ""
        heading = lines.index("A [bold]heading[/bold]")
        assert lines[heading - 1] == "" and lines[heading + 1] == "Under the heading."
        bar = [n for n, line in enumerate(lines) if line.startswith("▌ ")]
        assert len(bar) > 1 and lines[bar[0]].startswith("▌ Quoted block")
        assert lines[bar[-1] + 1] == "  — Ann Author" and lines[bar[-1] + 2] == ""
        item = next(n for n, line in enumerate(lines) if line.startswith("  • Item one"))
        assert lines[item + 1].startswith("    word")  # wrapped text hangs under the bullet
        nested = next(n for n, line in enumerate(lines) if "• Nested" in line)
        assert lines[nested] == "    • Nested" and lines[nested + 1] == ""
        pre = lines.index(" line one")
        assert lines[pre + 1] == "     indented two"  # not reflowed
        assert all(len(line) <= width for line in lines)
        # The first block comes after the header's rule and one blank line.
        assert lines[6].startswith("First “quoted words,” she said.")
        assert "— Ann" not in lines[6], "the speaker is named on a line of its own"
        end = lines.index("", 6)  # the paragraph, then its label line, then a blank line
        assert lines[end - 1] == f"{SPEAKER_MARK} Ann", lines[6 : end + 1]


async def test_styles_come_from_the_theme() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 30)) as pilot:
        view = app.query_one(ArticleView)
        view.show(ARTICLE, DOC, feed_title="Feed", minutes=3, quotes=QUOTES)
        await pilot.pause()
        title = view.render_line(1)
        assert any(s.style and s.style.bold for s in title if s.text.strip())
        quote_style = view.get_component_rich_style("article-view--quote")
        first = next(s for s in view.render_line(6) if "quoted" in s.text)
        assert first.style is not None and first.style.color == quote_style.color
        caption = next(
            s
            for y in range(len(view._rows))
            for s in view._draw(y, 50, Style())
            if "caption" in s.text
        )
        assert caption.style is not None and caption.style.italic


async def test_go_to_quote_restyles_and_scrolls() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.show(ARTICLE, DOC, feed_title="Feed", minutes=3, quotes=QUOTES)
        await pilot.pause()
        view.go_to_quote(1)
        await pilot.pause()
        assert view.current_quote == 1
        assert view.scroll_offset.y > 0
        shown = screen_lines(view)
        said = next(n for n, line in enumerate(shown) if "“second quote” here." in line)
        end = shown.index("", said)
        assert shown[end - 1] == f"{SPEAKER_MARK} Bob", shown[said : end + 1]
        row = next(y for y in range(len(shown)) if "second quote" in shown[y])
        current = next(s for s in view.render_line(row) if "second" in s.text)
        assert current.style is not None and current.style.reverse
        view.go_to_quote(2)  # wraps round to the first
        await pilot.pause()
        assert view.current_quote == 0
        assert screen_lines(view)[1].startswith("First “quoted words,”")  # a line of context above


@pytest.mark.slow  # a long walk through the app
async def test_keys_scroll_and_digits_follow_links() -> None:
    followed: list[int] = []

    class LinkApp(ViewApp):
        def on_article_view_follow_link(self, event: ArticleView.FollowLink) -> None:
            followed.append(event.number)

    app = LinkApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.show(ARTICLE, DOC, feed_title="Feed", minutes=3, quotes=QUOTES)
        view.focus()
        await pilot.pause()
        await pilot.press("j")
        assert view.scroll_offset.y == 1
        await pilot.press("space")
        assert view.scroll_offset.y > 5
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_offset.y == view.max_scroll_y > 0
        assert screen_lines(view)[-1] == ""  # the last block's margin
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_offset.y == 0
        await pilot.press("3")
        await pilot.pause()
        assert followed == [3]


async def test_resize_rewraps_and_clear_shows_a_note() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.show(ARTICLE, DOC, feed_title="Feed", minutes=3, quotes=QUOTES)
        await pilot.pause()
        wide = len(view._rows)
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert len(view._rows) > wide
        width = view.scrollable_content_region.width
        assert all(len(line) <= width for line in all_lines(view))
        assert view.virtual_size.height == len(view._rows)
        view.clear("No articles here.")
        await pilot.pause()
        assert view.article is None and view.document is None
        assert "  No articles here." in screen_lines(view)
        assert view.plain_text() == "No articles here."


async def test_the_next_article_scrolls_to_its_own_end() -> None:
    """Its scroll range is set without a layout pass when the scrollbar stays: still right."""
    shorter = Document("Shorter", blocks=tuple(_block("paragraph", LONG) for _ in range(6)))
    app = ViewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        for doc in (DOC, shorter, DOC):
            view.show(ARTICLE, doc, feed_title="Feed", minutes=3, quotes=())
            await pilot.pause()
            assert view.show_vertical_scrollbar
            assert view.virtual_size.height == len(view._rows)
            assert view.vertical_scrollbar.window_virtual_size == len(view._rows)
            view.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            last_words = [line for line in all_lines(view) if line.strip()][-1].strip()
            assert last_words in [line.strip() for line in screen_lines(view)]
