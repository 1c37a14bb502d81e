"""The left pane: All, then each feed with its unread count."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.library import FeedSummary
from reader.core.sanitize import clean_line

ALL_FEEDS = "all"
BOOKMARKS = "bookmarks"


def _row(title: str, unread: int, *, error: bool = False, bold: bool = True) -> Table:
    """Title cut to fit with an ellipsis, the unread count right-aligned beside it."""
    name = Text(no_wrap=True, overflow="ellipsis")
    if error:
        name.append("! ", style="bold red")
    name.append(clean_line(title) or "(untitled)", style="bold" if unread and bold else "")
    row = Table.grid(expand=True)
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(justify="right", no_wrap=True)
    row.add_row(name, Text(f" {unread}" if unread else "", style="dim"))
    return row


class FeedList(OptionList):
    """Feeds to choose from; highlighting one shows its articles."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="feeds.down"),
        Binding("k", "cursor_up", "Up", show=False, id="feeds.up"),
        Binding("g", "first", "First", show=False, id="feeds.first"),
        Binding("G", "last", "Last", show=False, id="feeds.last"),
    ]

    def show_feeds(
        self, summaries: Sequence[FeedSummary], selected: str | None, *, bookmarks: int = 0
    ) -> None:
        """Replace the rows, keeping the highlight on ``selected`` when it still exists."""
        unread = sum(s.unread for s in summaries)
        options = [
            Option(_row("All", unread), id=ALL_FEEDS),
            Option(_row("Bookmarks", bookmarks, bold=False), id=BOOKMARKS),
        ]
        options += [
            Option(_row(s.feed.title, s.unread, error=bool(s.feed.error)), id=s.feed.id)
            for s in summaries
        ]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            ids = [option.id for option in options]
            self.highlighted = ids.index(selected) if selected in ids else 0

    @property
    def selected_id(self) -> str:
        option = self.highlighted_option
        return option.id if option is not None and option.id else ALL_FEEDS
