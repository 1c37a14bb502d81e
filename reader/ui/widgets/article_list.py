"""The middle pane: articles of the chosen feed, newest first, unread marked."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from reader.core.models import Article
from reader.core.sanitize import clean_line
from reader.ui.article_text import format_date


class ArticleList(OptionList):
    """One two-line row an article; an OptionList stays fast at 100k rows."""

    COMPONENT_CLASSES = {"article-list--unread", "article-list--meta"}
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="articles.down"),
        Binding("k", "cursor_up", "Up", show=False, id="articles.up"),
        Binding("g", "first", "First", show=False, id="articles.first"),
        Binding("G", "last", "Last", show=False, id="articles.last"),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.articles: list[Article] = []
        self._feed_titles: Mapping[str, str] = {}

    def _row(self, article: Article, read: bool) -> Table:
        """Two lines, each cut to the width: a mark and the title, then feed and date."""
        unread_style = self.get_component_rich_style("article-list--unread", partial=True)
        meta_style = self.get_component_rich_style("article-list--meta", partial=True)
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append("  " if read else "● ", style=unread_style)
        title.append(clean_line(article.title) or "(untitled)", style=Style(bold=not read))
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
    ) -> None:
        """Replace the rows; the highlight stays on ``keep`` if it is still listed."""
        self.articles = list(articles)
        self._feed_titles = feed_titles
        options = [Option(self._row(a, a.id in read_ids), id=a.id) for a in self.articles]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
        index = next((i for i, a in enumerate(self.articles) if a.id == keep), None)
        self.highlighted = index if index is not None else (0 if options else None)

    def update_row(self, article: Article, read: bool) -> None:
        with contextlib.suppress(OptionDoesNotExist):  # the row may have left the list
            self.replace_option_prompt(article.id, self._row(article, read))

    @property
    def current(self) -> Article | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.articles):
            return None
        return self.articles[self.highlighted]
