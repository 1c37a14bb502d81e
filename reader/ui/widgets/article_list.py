"""The middle pane: articles of the chosen feed (or bookmarks, or search hits).

A virtual list: each row is two fixed lines and only the rows on screen are
rendered, so 100,000 articles show and move as fast as 20. (An OptionList
measures every row's height by rendering it, which took seconds at 10,000.)
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.core.analysis.search_words import match_spans
from reader.core.models import Article, Bookmark
from reader.core.sanitize import clean_line
from reader.ui.article_text import format_date

ROW_HEIGHT = 2  # a row's lines by default: the title, then date and feed


def _foreground(style: Style) -> Style:
    """A component style without its background, so the cursor row stays one band.

    (``partial=True`` would drop the background too, but turns $text-muted white.)
    """
    return Style(
        color=style.color,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
    )


_KIND_ICONS = {"article": "■ ", "link": "↗ ", "quote": "“ "}


@dataclass
class _Row:
    """What one row shows; kept small so a list of 100k rows stays cheap."""

    title: str
    meta: str
    unread: bool = False
    icon: str = ""


_ROW_STYLES = ("unread", "meta", "match")  # with the cursor's, what a row is drawn in


class ArticleList(ScrollView, can_focus=True):
    """Articles newest first, unread marked; j/k move, enter opens."""

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--unread",
        "article-list--meta",
        "article-list--match",
        "article-list--empty",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="articles.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="articles.up"),
        Binding("g,home", "first", "First", show=False, id="articles.first"),
        Binding("G,end", "last", "Last", show=False, id="articles.last"),
        Binding("v", "toggle_rows", "One/two-line rows", show=False, id="articles.rows"),
        Binding("pagedown", "page_down", "Page down", show=False, id="articles.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="articles.page_up"),
        Binding("enter", "select", "Open", show=False, id="articles.open"),
        Binding("e", "edit_bookmark", "Edit bookmark", id="articles.edit_bookmark"),
        Binding("x,delete", "remove_bookmark", "Remove", id="articles.remove_bookmark"),
        Binding("t", "filter_bookmarks('tag')", "Filter tag", id="articles.bookmark_tag"),
        Binding("c", "filter_bookmarks('kind')", "Filter kind", id="articles.bookmark_kind"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor rests on another article (or on none)."""

        article: Article | None

    @dataclass
    class BookmarkAction(Message):
        """Edit or remove the highlighted bookmark (only while bookmarks are listed)."""

        action: Literal["edit", "remove"]
        bookmark: Bookmark

    @dataclass
    class FilterBookmarks(Message):
        """Cycle the Bookmarks list's tag or kind filter."""

        by: Literal["tag", "kind"]

    @dataclass
    class RowsToggled(Message):
        """v: rows of one line or two, remembered for the next start."""

        lines: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.articles: Sequence[Article] = []
        self.bookmarks: list[Bookmark] = []  # set when the list shows bookmarks
        self.showing_bookmarks = False
        self.highlight_terms: tuple[str, ...] = ()  # search matches to mark in titles
        self.empty_message = "No articles here."
        # Enter (or a double click) opens the article under the cursor by calling
        # this at once, not by posting a message: the screen paints between
        # messages, so a move and an open from keys pressed together would be two
        # frames, and Textual holds the second back 17-33 ms.
        self.select_now: Callable[[], None] = lambda: None
        self._rows: list[_Row | None] = []  # built when first drawn (100k rows cost 0.35 s)
        self._make_row: Callable[[int], _Row] = lambda index: _Row("", "")
        self._index: dict[str, int] | None = None  # article id -> row, built when first needed
        self.row_height = ROW_HEIGHT  # 1: one line a row, the date at its right
        self._cursor: int | None = None
        # (row, cursor style if the cursor is on it, width) -> its two lines
        self._cache: dict[tuple[int, Style | None, int], tuple[Strip, ...]] = {}
        self._drawn_with: tuple[Style, ...] = ()  # the styles the cached lines were drawn in

    # -- contents ----------------------------------------------------------------

    def _set_rows(
        self,
        rows: list[_Row | None],
        articles: Sequence[Article],
        keep: str | None,
        make_row: Callable[[int], _Row] | None = None,
    ) -> None:
        self._rows, self.articles = rows, articles
        if make_row is not None:
            self._make_row = make_row
        self._index = None
        self._cache.clear()
        self.virtual_size = Size(0, self._virtual_height())
        index = next((i for i, a in enumerate(articles) if a.id == keep), None) if keep else None
        self._cursor = None
        self.highlighted = index if index is not None else (0 if rows else None)
        self.refresh()

    def show_articles(
        self,
        articles: Sequence[Article],
        read_ids: frozenset[str],
        feed_titles: Mapping[str, str],
        keep: str | None = None,
        highlight: tuple[str, ...] = (),
    ) -> None:
        """Replace the rows; the cursor stays on ``keep`` if it is still listed."""
        self.highlight_terms = highlight
        self.bookmarks = []
        self.showing_bookmarks = False
        self.empty_message = "No articles here."
        # A list is copied; a NewestFirst is kept: its rows past the first screen
        # are read (so loaded) only when reached.
        listed = list(articles) if isinstance(articles, list) else articles

        def make_row(index: int) -> _Row:
            article = listed[index]
            date = format_date(article.published, with_time=False)
            feed = clean_line(feed_titles.get(article.feed_id, ""))
            return _Row(
                clean_line(article.title) or "(untitled)",
                " · ".join(part for part in (date, feed) if part),
                article.id not in read_ids,
            )

        self._set_rows([None] * len(listed), listed, keep, make_row)

    def show_bookmarks(
        self,
        bookmarks: Sequence[Bookmark],
        articles: Mapping[str, Article | None],
        feed_titles: Mapping[str, str],
        filtered_by: str = "",
    ) -> None:
        """Bookmarks newest first; a row whose article is gone is left out.

        ``filtered_by`` names the tag or kind filter (t, c) that chose them.
        """
        listed = [(b, a) for b in bookmarks if (a := articles.get(b.article_id)) is not None]
        kept = [b for b, _ in listed]
        self.bookmarks = kept
        self.showing_bookmarks = True
        self.highlight_terms = ()
        self.empty_message = (
            f"No bookmarks match {filtered_by}: press t or c to change the filter."
            if filtered_by
            else "No bookmarks yet: press b on an article."
        )
        rows: list[_Row | None] = []
        for bookmark in kept:
            speaker = clean_line(bookmark.speaker or "") if bookmark.kind == "quote" else ""
            tags = " ".join(f"#{clean_line(tag)}" for tag in bookmark.tags)
            note = f"“{clean_line(bookmark.note)}”" if bookmark.note.strip() else ""
            title = clean_line(bookmark.title)
            source = clean_line(bookmark.article_title)
            # Tags and the note first: the list is narrow and the source is often the title.
            detail = " · ".join(
                part for part in (speaker, tags, note, source if source != title else "") if part
            )
            rows.append(_Row(title, detail, icon=_KIND_ICONS[bookmark.kind]))
        self._set_rows(rows, [a for _, a in listed], None)

    def _position(self, article_id: str) -> int | None:
        """An article's row: the cursor's at once, else from an index of every row
        (a dict of 100k rows is ~8 MiB; most sessions only ever ask for the cursor's)."""
        cursor = self._cursor
        listed = self.articles
        if cursor is not None and cursor < len(listed) and listed[cursor].id == article_id:
            return cursor
        if self._index is None:
            self._index = {a.id: i for i, a in enumerate(listed)}
        return self._index.get(article_id)

    def _row(self, index: int) -> _Row:
        row = self._rows[index]
        if row is None:
            row = self._rows[index] = self._make_row(index)
        return row

    def update_row(self, article: Article, read: bool) -> None:
        """Redraw one row's read mark; nothing else is measured or redrawn."""
        index = self._position(article.id)
        if index is None or self.showing_bookmarks:
            return
        self._row(index).unread = not read
        self._forget(index)
        self._refresh_row(index)

    # -- the cursor --------------------------------------------------------------

    @property
    def highlighted(self) -> int | None:
        return self._cursor

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None:
            index = max(0, min(len(self._rows) - 1, index)) if self._rows else None
        old, self._cursor = self._cursor, index
        for row in (old, index):
            if row is not None:
                self._forget(row)
                self._refresh_row(row)
        if index is not None:
            self._scroll_to_row(index)
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> Article | None:
        if self._cursor is None or not 0 <= self._cursor < len(self.articles):
            return None
        return self.articles[self._cursor]

    @property
    def current_bookmark(self) -> Bookmark | None:
        if not self.bookmarks or self._cursor is None:
            return None
        return self.bookmarks[self._cursor] if self._cursor < len(self.bookmarks) else None

    def _virtual_height(self) -> int:
        """The rows' lines, plus what keeps the top row whole when scrolled to the end."""
        lines = len(self._rows) * self.row_height
        visible = self.scrollable_content_region.height
        return lines + (visible - lines) % self.row_height if lines > visible > 0 else lines

    def _scroll_to_row(self, index: int) -> None:
        top = index * self.row_height
        height = max(self.row_height, self.scrollable_content_region.height)
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + self.row_height > self.scroll_offset.y + height:
            # Rows stay whole at the top (a pane of odd height cuts the bottom one).
            y = -(-(top + self.row_height - height) // self.row_height) * self.row_height
            self.scroll_to(y=y, animate=False, immediate=True)

    def _move(self, delta: int) -> None:
        if not self._rows:
            return
        start = self._cursor if self._cursor is not None else -1 if delta > 0 else len(self._rows)
        target = max(0, min(len(self._rows) - 1, start + delta))
        if target != self._cursor:
            self.highlighted = target

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // self.row_height - 1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_first(self) -> None:
        if self._rows:
            self.highlighted = 0

    def action_last(self) -> None:
        if self._rows:
            self.highlighted = len(self._rows) - 1

    def action_page_down(self) -> None:
        self._move(self._page())

    def action_page_up(self) -> None:
        self._move(-self._page())

    def action_select(self) -> None:
        if self.current is not None:
            self.select_now()

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor there; a double click opens the article."""
        index = (event.y + round(self.scroll_offset.y)) // self.row_height
        if 0 <= index < len(self._rows):
            if index != self._cursor:
                self.highlighted = index
            if event.chain >= 2:
                self.action_select()

    # -- bookmarks mode ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_bookmark", "remove_bookmark"):
            return bool(self.bookmarks)
        if action == "filter_bookmarks":
            return self.showing_bookmarks
        return True

    def action_filter_bookmarks(self, by: Literal["tag", "kind"]) -> None:
        self.post_message(self.FilterBookmarks(by))

    def action_edit_bookmark(self) -> None:
        if self.current_bookmark is not None:
            self.post_message(self.BookmarkAction("edit", self.current_bookmark))

    def action_remove_bookmark(self) -> None:
        if self.current_bookmark is not None:
            self.post_message(self.BookmarkAction("remove", self.current_bookmark))

    # -- rendering ---------------------------------------------------------------

    def _forget(self, index: int) -> None:
        for key in [k for k in self._cache if k[0] == index]:
            del self._cache[key]

    def _refresh_row(self, index: int) -> None:
        y = index * self.row_height - round(self.scroll_offset.y)
        self.refresh(Region(0, y, self.size.width, self.row_height))

    def notify_style_update(self) -> None:
        """Cached lines stay when only focus changed: the cursor's style is in their key.

        (A focus change restyles the list; redrawing every row cost ~7 ms a frame.)
        """
        super().notify_style_update()
        if not self.is_mounted:  # component styles are not there yet
            return
        drawn_with = (
            self.rich_style,
            *(self.get_component_rich_style(f"article-list--{c}") for c in _ROW_STYLES),
        )
        if drawn_with != self._drawn_with:
            self._drawn_with = drawn_with
            self._cache.clear()

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(0, self._virtual_height())

    def _line(self, text: Text, width: int, base: Style) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        text.stylize_before(base)  # Text.render applies only spans, not the Text's own style
        segments = [s for s in text.render(self.app.console) if s.text != "\n"]
        return Strip(segments).adjust_cell_length(width, base)

    def action_toggle_rows(self) -> None:
        self.set_row_height(3 - self.row_height)
        self.post_message(self.RowsToggled(self.row_height))

    def set_row_height(self, lines: int) -> None:
        """Two lines a row (title, then date and feed) or one (title, date at the right)."""
        top = self._cursor
        self.row_height = lines
        self._cache.clear()
        self.virtual_size = Size(0, self._virtual_height())
        if top is not None:
            self._scroll_to_row(top)
        self.refresh()

    def _strips(self, index: int, width: int) -> tuple[Strip, ...]:
        cursor = (
            self.get_component_rich_style("article-list--cursor") if index == self._cursor else None
        )
        key = (index, cursor, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = self._row(index)
        base = self.rich_style
        if cursor is not None:
            base = base + cursor
        unread = _foreground(self.get_component_rich_style("article-list--unread"))
        meta = _foreground(self.get_component_rich_style("article-list--meta"))
        title = Text(style=base)
        if row.icon:
            title.append(row.icon, style=Style(bold=True))
        else:
            title.append("● " if row.unread else "  ", style=unread)
        start = len(title)
        title.append(row.title, style=Style(bold=row.unread))
        if self.highlight_terms:
            match = _foreground(self.get_component_rich_style("article-list--match"))
            for begin, end in match_spans(row.title, self.highlight_terms):
                title.stylize(match, start + begin, start + end)
        strips: tuple[Strip, ...]
        if self.row_height == 1:
            # "16 Nov 2026" -> "16 Nov": a narrow list keeps more of the title.
            date = " ".join(row.meta.split(" · ")[0].split()[:2])[:12]
            title.truncate(max(1, width - len(date) - 1), overflow="ellipsis", pad=True)
            title.append(" " + date, style=base + meta)
            strips = (self._line(title, width, base),)
        else:
            second = Text("  " + row.meta, style=base + meta)
            strips = (self._line(title, width, base), self._line(second, width, base + meta))
        if len(self._cache) > 2048:
            self._cache.clear()
        self._cache[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = round(self.scroll_offset.y) + y
        if not self._rows:
            # The message wraps: the list is narrow and the message says what to do.
            lines = textwrap.wrap(self.empty_message, max(width, 8))
            if y < len(lines):
                style = self.get_component_rich_style("article-list--empty")
                return self._line(Text(lines[y], style=style), width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        index, part = divmod(line, self.row_height)
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._strips(index, width)[part]
