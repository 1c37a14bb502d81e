"""The left pane: All, Bookmarks, the top-level feeds, then folders of feeds
(from OPML) that open and close; every row shows its unread count."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.models import FeedSummary
from reader.core.sanitize import clean_line

ALL_FEEDS = "all"
BOOKMARKS = "bookmarks"
FOLDER = "folder:"  # a folder row's id is FOLDER + its name


def folder_of(selected: str) -> str | None:
    """The folder a row id names, or None for a feed, All or Bookmarks."""
    return selected[len(FOLDER) :] if selected.startswith(FOLDER) else None


def _row(
    title: str,
    unread: int,
    width: int,
    *,
    error: bool = False,
    bold: bool = True,
    indent: bool = False,
) -> Text:
    """One line: the title cut to fit with an ellipsis, the unread count right-aligned.

    Plain Text, not a Table: an OptionList renders every prompt to measure it.
    """
    count = f"  {unread}" if unread else ""
    name = Text("  " if indent else "", no_wrap=True, overflow="ellipsis")
    if error:
        name.append("! ", style="bold red")
    name.append(clean_line(title) or "(untitled)", style="bold" if unread and bold else "")
    name.truncate(max(1, width - len(count)), overflow="ellipsis", pad=True)
    name.append(count, style="dim")
    return name


def _feed_option(summary: FeedSummary, width: int, *, indent: bool = False) -> Option:
    feed = summary.feed
    row = _row(feed.title, summary.unread, width, error=bool(feed.error), indent=indent)
    return Option(row, id=summary.feed.id)


def _folder_row(folder: str, members: Sequence[FeedSummary], closed: bool, width: int) -> Text:
    mark = "▸" if closed else "▾"
    return _row(f"{mark} {folder}", sum(s.unread for s in members), width)


class FeedList(OptionList):
    """Feeds to choose from; highlighting one shows its articles."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="feeds.down"),
        Binding("k", "cursor_up", "Up", show=False, id="feeds.up"),
        Binding("g", "first", "First", show=False, id="feeds.first"),
        Binding("G", "last", "Last", show=False, id="feeds.last"),
        Binding("space", "toggle_folder", "Open/close folder", show=False, id="feeds.folder"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: tuple[list[FeedSummary], int] | None = None
        self.closed: set[str] = set()  # folders shown closed
        # Rows wait for the list's first width (they are padded to it): building them
        # at mount and again at the first resize cost twice, 2,000 feeds each.
        self._waiting: str | None = None  # the row to select once they are built
        self._built_width = 0

    def feed_ids(self, selected: str) -> list[str] | None:
        """The feeds a row stands for: a folder's members, one feed, or None (All)."""
        folder = folder_of(selected)
        if folder is not None:
            summaries = self._last[0] if self._last else []
            return [s.feed.id for s in summaries if s.feed.folder == folder]
        return None if selected in (ALL_FEEDS, BOOKMARKS) else [selected]

    def action_toggle_folder(self) -> None:
        """Open or close the highlighted folder (or the folder of the highlighted feed)."""
        folder = folder_of(self.selected_id)
        if folder is None and self._last is not None:
            feed = next((s.feed for s in self._last[0] if s.feed.id == self.selected_id), None)
            folder = feed.folder if feed is not None and feed.folder else None
        if folder is None or self._last is None:
            return
        self.closed ^= {folder}
        summaries, bookmarks = self._last
        self.show_feeds(summaries, FOLDER + folder, bookmarks=bookmarks)

    def show_feeds(
        self, summaries: Sequence[FeedSummary], selected: str | None, *, bookmarks: int = 0
    ) -> None:
        """Replace the rows, keeping the highlight on ``selected`` when it still exists."""
        self._last = (list(summaries), bookmarks)
        shown = next((s.feed for s in summaries if s.feed.id == selected), None)
        if shown is not None:
            self.closed.discard(shown.folder)  # a feed that is chosen is shown
        width = self.scrollable_content_region.width
        if not width:  # not laid out yet (or hidden): on_resize builds them
            self._waiting = selected or ALL_FEEDS
            return
        if not self.show_vertical_scrollbar and len(summaries) + 2 > self.size.height:
            width = max(1, width - self.styles.scrollbar_size_vertical)  # it will show
        self._waiting = None
        self._built_width = width
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
            closed = folder in self.closed
            options.append(Option(_folder_row(folder, members, closed, width), id=FOLDER + folder))
            if not closed:
                options += [_feed_option(s, width, indent=True) for s in members]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            ids = [option.id for option in options]
            self.highlighted = ids.index(selected) if selected in ids else 0

    def update_counts(self, summaries: Sequence[FeedSummary], *, bookmarks: int = 0) -> None:
        """Redraw only the rows whose counts changed (a read mark touches two)."""
        if self._waiting is not None:
            self.show_feeds(summaries, self._waiting, bookmarks=bookmarks)
            return
        if self._last is None or {s.feed.id for s in summaries} != {
            s.feed.id for s in self._last[0]
        }:
            self.show_feeds(summaries, self.selected_id, bookmarks=bookmarks)
            return
        width = self.scrollable_content_region.width or 20
        before = {s.feed.id: s for s in self._last[0]}
        changed = [
            s
            for s in summaries
            if (before[s.feed.id].unread, before[s.feed.id].feed.error) != (s.unread, s.feed.error)
        ]
        for summary in changed:
            folder = summary.feed.folder
            if folder in self.closed:
                continue  # its row is not listed; the folder's count is redrawn below
            option = _feed_option(summary, width, indent=bool(folder))
            self.replace_option_prompt(summary.feed.id, option.prompt)
        for folder in {s.feed.folder for s in changed if s.feed.folder}:
            members = [s for s in summaries if s.feed.folder == folder]
            row = _folder_row(folder, members, folder in self.closed, width)
            self.replace_option_prompt(FOLDER + folder, row)
        old_unread = sum(s.unread for s in self._last[0])
        new_unread = sum(s.unread for s in summaries)
        if old_unread != new_unread:
            self.replace_option_prompt(ALL_FEEDS, _row("All", new_unread, width))
        if bookmarks != self._last[1]:
            self.replace_option_prompt(BOOKMARKS, _row("Bookmarks", bookmarks, width, bold=False))
        self._last = (list(summaries), bookmarks)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a folder opens or closes it; on a feed, the app takes it."""
        if folder_of(event.option_id or "") is not None:
            event.stop()
            self.action_toggle_folder()

    def on_resize(self) -> None:
        """Counts are right-aligned by padding, so a new width redraws the rows."""
        width = self.scrollable_content_region.width
        if self._last is not None and width and width != self._built_width:
            summaries, bookmarks = self._last
            self.show_feeds(summaries, self.selected_id, bookmarks=bookmarks)

    def watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar takes its width from the rows: rows built before it showed
        (at the first resize) would have their counts cut off at the right."""
        self.call_after_refresh(self.on_resize)

    def _update_lines(self) -> None:
        """OptionList's line table, without measuring each row: every row here is one
        line (cut to fit, no_wrap, no dividers), and measuring 2,000 feeds' rows took
        a third of a second at every start. (OptionList's own method, Textual 8.)"""
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        for index in range(lines[-1][0] + 1 if lines else 0, len(self.options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = 1
            lines.append((index, 0))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        size = Size(width, len(lines))
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    @property
    def selected_id(self) -> str:
        if self._waiting is not None:
            return self._waiting
        option = self.highlighted_option
        return option.id if option is not None and option.id else ALL_FEEDS
