"""The left pane: All, then each feed with its unread count."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.models import FeedSummary
from reader.core.sanitize import clean_line

ALL_FEEDS = "all"
BOOKMARKS = "bookmarks"


def _row(title: str, unread: int, width: int, *, error: bool = False, bold: bool = True) -> Text:
    """One line: the title cut to fit with an ellipsis, the unread count right-aligned.

    Plain Text, not a Table: an OptionList renders every prompt to measure it.
    """
    count = f"  {unread}" if unread else ""
    name = Text(no_wrap=True, overflow="ellipsis")
    if error:
        name.append("! ", style="bold red")
    name.append(clean_line(title) or "(untitled)", style="bold" if unread and bold else "")
    name.truncate(max(1, width - len(count)), overflow="ellipsis", pad=True)
    name.append(count, style="dim")
    return name


def _feed_option(summary: FeedSummary, width: int, *, indent: bool = False) -> Option:
    title = ("  " if indent else "") + summary.feed.title
    row = _row(title, summary.unread, width, error=bool(summary.feed.error))
    return Option(row, id=summary.feed.id)


class FeedList(OptionList):
    """Feeds to choose from; highlighting one shows its articles."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="feeds.down"),
        Binding("k", "cursor_up", "Up", show=False, id="feeds.up"),
        Binding("g", "first", "First", show=False, id="feeds.first"),
        Binding("G", "last", "Last", show=False, id="feeds.last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: tuple[list[FeedSummary], int] | None = None

    def show_feeds(
        self, summaries: Sequence[FeedSummary], selected: str | None, *, bookmarks: int = 0
    ) -> None:
        """Replace the rows, keeping the highlight on ``selected`` when it still exists."""
        self._last = (list(summaries), bookmarks)
        width = self.scrollable_content_region.width or 20
        unread = sum(s.unread for s in summaries)
        options = [
            Option(_row("All", unread, width), id=ALL_FEEDS),
            Option(_row("Bookmarks", bookmarks, width, bold=False), id=BOOKMARKS),
        ]
        top = [s for s in summaries if not s.feed.folder]
        options += [_feed_option(s, width) for s in top]
        folders: dict[str, list[FeedSummary]] = {}
        for summary in summaries:
            if summary.feed.folder:
                folders.setdefault(summary.feed.folder, []).append(summary)
        for folder in sorted(folders, key=str.casefold):
            members = folders[folder]
            label = Text(f"▾ {clean_line(folder)}", style="bold dim", no_wrap=True)
            options.append(Option(label, disabled=True))
            options += [_feed_option(s, width, indent=True) for s in members]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            ids = [option.id for option in options]
            self.highlighted = ids.index(selected) if selected in ids else 0

    def update_counts(self, summaries: Sequence[FeedSummary], *, bookmarks: int = 0) -> None:
        """Redraw only the rows whose counts changed (a read mark touches two)."""
        if self._last is None or {s.feed.id for s in summaries} != {
            s.feed.id for s in self._last[0]
        }:
            self.show_feeds(summaries, self.selected_id, bookmarks=bookmarks)
            return
        width = self.scrollable_content_region.width or 20
        before = {s.feed.id: s for s in self._last[0]}
        for summary in summaries:
            old = before[summary.feed.id]
            if (old.unread, old.feed.error) != (summary.unread, summary.feed.error):
                indent = bool(summary.feed.folder)
                self.replace_option_prompt(
                    summary.feed.id, _feed_option(summary, width, indent=indent).prompt
                )
        old_unread = sum(s.unread for s in self._last[0])
        new_unread = sum(s.unread for s in summaries)
        if old_unread != new_unread:
            self.replace_option_prompt(ALL_FEEDS, _row("All", new_unread, width))
        if bookmarks != self._last[1]:
            self.replace_option_prompt(BOOKMARKS, _row("Bookmarks", bookmarks, width, bold=False))
        self._last = (list(summaries), bookmarks)

    def on_resize(self) -> None:
        """Counts are right-aligned by padding, so a new width redraws the rows."""
        if self._last is not None:
            summaries, bookmarks = self._last
            self.show_feeds(summaries, self.selected_id, bookmarks=bookmarks)

    @property
    def selected_id(self) -> str:
        option = self.highlighted_option
        return option.id if option is not None and option.id else ALL_FEEDS
