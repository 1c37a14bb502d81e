"""Moving around: next/previous unread across feeds, mark a feed read, back, zoom,
the sidebar's two panels, and the Speakers view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.widgets import OptionList

from reader.core.errors import Interrupted
from reader.ui.screens.speakers import SpeakersScreen
from reader.ui.widgets.feed_list import BOOKMARKS
from reader.ui.widgets.sidebar import QuoteList, RelatedList

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen


class Navigating(Screen[None]):
    def _step_unread(self: MainScreen, step: int) -> None:
        """Move to the next (or previous) unread article, crossing into other feeds."""
        read = self.library.read_ids()
        rows = self.article_list.articles
        start = self.article_list.highlighted
        start = -1 if start is None and step > 0 else (len(rows) if start is None else start)
        index = start + step
        while 0 <= index < len(rows):
            if rows[index].id not in read:
                self.article_list.highlighted = index
                self.opened = rows[index].id  # n/N open the next unread, as Enter would
                self.open_current(delay=0)
                return
            index += step
        feeds = [s for s in self.visible_feeds() if s.unread]
        ids = [s.feed.id for s in self.visible_feeds()]
        here = self.feed_list.selected_id
        position = ids.index(here) if here in ids else -1
        ordered = sorted(feeds, key=lambda s: ids.index(s.feed.id))
        later = [s for s in ordered if (ids.index(s.feed.id) - position) * step > 0]
        if not later:
            self.say("No more unread articles.")
            return
        target = later[0] if step > 0 else later[-1]
        self.go_to_feed(target.feed.id)
        unread = [i for i, a in enumerate(self.article_list.articles) if a.id not in read]
        if unread:
            self.article_list.highlighted = unread[0] if step > 0 else unread[-1]
            current = self.article_list.current
            self.opened = current.id if current is not None else None
            self.open_current(delay=0)

    def action_next_unread(self: MainScreen) -> None:
        self._step_unread(1)

    def action_previous_unread(self: MainScreen) -> None:
        self._step_unread(-1)

    def action_mark_feed_read(self: MainScreen) -> None:
        """A: every article of the chosen feed (or of All) read; u undoes it."""
        feed_id = self.feed_list.selected_id
        if feed_id == BOOKMARKS:
            return
        changed = self.library.mark_later([a.id for a in self.articles_of(feed_id)], True)
        if not changed:
            self.say("Nothing unread here.")
            return
        self.flush_store()
        self.reload()

        def undo() -> None:
            self.library.mark_later(changed, False)
            self.flush_store()

        self.push_undo(f"{len(changed)} articles marked read", undo)

    def action_zoom(self: MainScreen) -> None:
        self.close_sidebar_if_it_hides("article")
        self.toggle_class("-zoom")
        if self.has_class("-zoom"):
            self.article_view.focus()

    def action_back(self: MainScreen) -> None:
        focused = self.focused
        if self.searching and focused in (self.search_input, self.article_list):
            self.end_search()
            return
        if isinstance(focused, RelatedList | QuoteList) and self.has_class("-side-no-list"):
            self.close_sidebar_if_it_hides("list")
            self.article_view.focus()
        elif focused is self.article_view or isinstance(focused, RelatedList | QuoteList):
            self.article_list.focus()
        elif focused is self.article_list:
            self.feed_list.focus()

    def action_toggle_sidebar(self: MainScreen) -> None:
        """s: the Related panel; again (or from the Quotes panel's s) hides or switches."""
        self._sidebar_panel("related")

    def action_show_quotes(self: MainScreen) -> None:
        """ ": the Quotes panel; pressed on it, the sidebar closes (as s does on Related)."""
        self._sidebar_panel("quotes")

    def _sidebar_panel(self: MainScreen, mode: str) -> None:
        visible = self.sidebar_visible()
        if visible and self.sidebar.mode == mode:
            self.toggle_class("-sidebar-toggled")  # its own key closes it
            self.lay_out()
            if self.focused in self.sidebar.query(OptionList):
                self.article_view.focus()
            return
        self.sidebar.set_mode(mode)
        if not visible:
            self.toggle_class("-sidebar-toggled")
            self.lay_out()
        self.sidebar.active_list.focus()

    @work(thread=True, exit_on_error=False, exclusive=True, group="speakers")
    def action_speakers(self: MainScreen) -> None:
        """Off the UI thread: articles a refresh left pending are analysed first."""
        try:
            speakers = self.library.speakers()
        except Interrupted:
            return

        def chosen(result: tuple[str, int] | None) -> None:
            if result is not None:
                self.open_in_archive(*result)

        self.app.call_from_thread(self.app.push_screen, SpeakersScreen(speakers), chosen)
