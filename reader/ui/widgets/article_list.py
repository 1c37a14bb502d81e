"""The middle pane: articles of the chosen feed, newest first, unread marked."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from reader.core.models import Article, Bookmark
from reader.core.sanitize import clean_line
from reader.core.search import match_spans
from reader.ui.article_text import format_date


class ArticleList(OptionList):
    """One two-line row an article; an OptionList stays fast at 100k rows."""

    COMPONENT_CLASSES = {"article-list--unread", "article-list--meta", "article-list--match"}
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="articles.down"),
        Binding("k", "cursor_up", "Up", show=False, id="articles.up"),
        Binding("g", "first", "First", show=False, id="articles.first"),
        Binding("G", "last", "Last", show=False, id="articles.last"),
        Binding("e", "edit_bookmark", "Edit bookmark", id="articles.edit_bookmark"),
        Binding("x,delete", "remove_bookmark", "Remove", id="articles.remove_bookmark"),
        Binding("t", "filter_bookmarks('tag')", "Filter tag", id="articles.bookmark_tag"),
        Binding("c", "filter_bookmarks('kind')", "Filter kind", id="articles.bookmark_kind"),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.articles: list[Article] = []
        self.bookmarks: list[Bookmark] = []  # set when the list shows bookmarks
        self.showing_bookmarks = False
        self.highlight_terms: tuple[str, ...] = ()  # search matches to mark in titles
        self._feed_titles: Mapping[str, str] = {}

    @dataclass
    class BookmarkAction(Message):
        """Edit or remove the highlighted bookmark (only while bookmarks are listed)."""

        action: Literal["edit", "remove"]
        bookmark: Bookmark

    @dataclass
    class FilterBookmarks(Message):
        """Cycle the Bookmarks list's tag or kind filter."""

        by: Literal["tag", "kind"]

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

    def _row(self, article: Article, read: bool) -> Table:
        """Two lines, each cut to the width: a mark and the title, then feed and date."""
        unread_style = self.get_component_rich_style("article-list--unread", partial=True)
        meta_style = self.get_component_rich_style("article-list--meta", partial=True)
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("  " if read else "● ", style=unread_style)
        shown = clean_line(article.title) or "(untitled)"
        start = len(title)
        title.append(shown, style=Style(bold=not read))
        if self.highlight_terms:
            match_style = self.get_component_rich_style("article-list--match", partial=True)
            for begin, end in match_spans(shown, self.highlight_terms):
                title.stylize(match_style, start + begin, start + end)
        meta = " · ".join(
            part
            for part in (
                format_date(article.published, with_time=False),
                clean_line(self._feed_titles.get(article.feed_id, "")),
            )
            if part
        )
        row = Table.grid(expand=True)
        row.add_column(no_wrap=True, overflow="ellipsis")
        row.add_row(title)
        row.add_row(Text("  " + meta, style=meta_style, no_wrap=True, overflow="ellipsis"))
        return row

    def show_articles(
        self,
        articles: Sequence[Article],
        read_ids: frozenset[str],
        feed_titles: Mapping[str, str],
        keep: str | None = None,
        highlight: tuple[str, ...] = (),
    ) -> None:
        """Replace the rows; the highlight stays on ``keep`` if it is still listed."""
        self.highlight_terms = highlight
        self.articles = list(articles)
        self.bookmarks = []
        self.showing_bookmarks = False
        self._feed_titles = feed_titles
        options = [Option(self._row(a, a.id in read_ids), id=a.id) for a in self.articles]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
        index = next((i for i, a in enumerate(self.articles) if a.id == keep), None)
        self.highlighted = index if index is not None else (0 if options else None)

    def show_bookmarks(
        self,
        bookmarks: Sequence[Bookmark],
        articles: Mapping[str, Article | None],
        feed_titles: Mapping[str, str],
    ) -> None:
        """Bookmarks newest first; a row whose article is gone is left out."""
        kept = [b for b in bookmarks if articles.get(b.article_id) is not None]
        self.bookmarks = kept
        self.showing_bookmarks = True
        self.articles = [articles[b.article_id] for b in kept]  # type: ignore[misc]
        self._feed_titles = feed_titles
        meta_style = self.get_component_rich_style("article-list--meta", partial=True)
        options = []
        for bookmark in kept:
            icon = {"article": "■ ", "link": "↗ ", "quote": "“ "}[bookmark.kind]
            title = Text(icon, style="bold", no_wrap=True, overflow="ellipsis")
            title.append(clean_line(bookmark.title))
            detail = clean_line(bookmark.speaker or "") if bookmark.kind == "quote" else ""
            detail = " · ".join(
                p
                for p in (detail, clean_line(bookmark.article_title), ", ".join(bookmark.tags))
                if p
            )
            row = Table.grid(expand=True)
            row.add_column(no_wrap=True, overflow="ellipsis")
            row.add_row(title)
            row.add_row(Text("  " + detail, style=meta_style, no_wrap=True, overflow="ellipsis"))
            options.append(Option(row, id=bookmark.id))
        if not options:
            options.append(
                Option(Text("No bookmarks yet: press b on an article.", style="dim"), disabled=True)
            )
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
        self.highlighted = 0 if kept else None

    @property
    def current_bookmark(self) -> Bookmark | None:
        if not self.bookmarks or self.highlighted is None:
            return None
        if 0 <= self.highlighted < len(self.bookmarks):
            return self.bookmarks[self.highlighted]
        return None

    def update_row(self, article: Article, read: bool) -> None:
        if self.bookmarks:
            return
        with contextlib.suppress(OptionDoesNotExist):  # the row may have left the list
            self.replace_option_prompt(article.id, self._row(article, read))

    @property
    def current(self) -> Article | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.articles):
            return None
        return self.articles[self.highlighted]
