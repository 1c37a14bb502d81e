"""Which articles the list shows: a feed's, a folder's, all, the bookmarks, unread only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on, work
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList

from reader.core.errors import Interrupted
from reader.core.library import NewestFirst
from reader.core.models import Article, FeedSummary
from reader.core.sanitize import clean_line
from reader.ui.widgets.feed_list import ALL_FEEDS, BOOKMARKS

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen


class Listing(Screen[None]):
    loading_rest: NewestFirst | None = None  # All's rows, only the first screen's loaded

    def reload(self: MainScreen, *, select_feed: str | None = None) -> None:
        """Redraw both lists from the library, keeping the highlights where they were."""
        feed_id = select_feed or self.feed_list.selected_id
        self.feed_list.show_feeds(
            self.visible_feeds(), feed_id, bookmarks=self.library.bookmark_count()
        )
        self.show_articles(self.feed_list.selected_id, keep=self.shown_id)

    def show_articles(self: MainScreen, feed_id: str, keep: str | None = None) -> None:
        titles = self.library.feed_titles()
        if feed_id == BOOKMARKS:
            tag, kind = self.bookmark_filter["tag"], self.bookmark_filter["kind"]
            marks = [
                b
                for b in self.library.bookmarks()
                if (tag is None or tag in b.tags) and (kind is None or b.kind == kind)
            ]
            articles = {b.article_id: self.library.find_stored(b.article_id) for b in marks}
            shown = " · ".join(f for f in (kind, f"#{tag}" if tag else None) if f)
            self.article_list.show_bookmarks(marks, articles, titles, filtered_by=shown)
            # A Content, not a str: a border title string is read as markup.
            self.article_list.border_title = Content(f"Bookmarks {shown}".strip())
            self.article_list.border_subtitle = f"{len(marks)}"
            return
        articles_ = self.articles_of(feed_id)
        read = self.library.read_ids()
        if self.unread_only:
            articles_ = [a for a in articles_ if a.id not in read or a.id == keep]
        self.article_list.show_articles(articles_, read, titles, keep=keep)
        self.article_list.border_title = "Unread" if self.unread_only else "Articles"
        self.article_list.border_subtitle = f"{len(articles_)}"
        if isinstance(articles_, NewestFirst) and not articles_.loaded:
            self.loading_rest = articles_  # loaded once the first article shows

    def load_rest(self: MainScreen) -> None:
        """After the first screen: the archive the list's first rows came without."""
        if self.loading_rest is not None:
            self._load_rest(self.loading_rest)
            self.loading_rest = None

    @work(thread=True, exit_on_error=False, group="load")
    def _load_rest(self: MainScreen, listed: NewestFirst) -> None:
        promised = len(listed)
        try:
            # The pauses outside the list's lock: a key that needs the whole list
            # (G) loads the rest itself rather than wait for a paused worker.
            self.library.load_all()
        except Interrupted:  # quitting: the rest stays on disk
            return
        listed.load()
        if len(listed) != promised:  # changed meanwhile (a sync): the rows follow
            self.app.call_from_thread(self.reload)

    def visible_feeds(self: MainScreen) -> list[FeedSummary]:
        """The feeds, less those removed while their undo lasts."""
        return [s for s in self.library.feeds() if s.feed.id not in self.hidden_feeds]

    def articles_of(self: MainScreen, selected: str) -> Sequence[Article]:
        """A feed's articles, a folder's (newest first across its feeds), or all."""
        feed_ids = self.feed_list.feed_ids(selected)
        if feed_ids is None:
            hidden = self.hidden_feeds
            articles = self.library.newest(self.app.size.height + 2)
            return [a for a in articles if a.feed_id not in hidden] if hidden else articles
        if len(feed_ids) == 1:
            return self.library.articles(feed_ids[0])
        return self.library.articles_in(feed_ids)

    @on(OptionList.OptionHighlighted, "#feeds")
    def _feed_highlighted(self: MainScreen, event: OptionList.OptionHighlighted) -> None:
        self.show_articles(event.option_id or ALL_FEEDS)
        feed = self.library.find_feed(event.option_id or "")
        self.status.set(
            "feed", f"last refresh failed: {clean_line(feed.error)}" if feed and feed.error else ""
        )
        self.open_current()

    @on(OptionList.OptionSelected, "#feeds")
    def _feed_selected(self: MainScreen) -> None:
        self.article_list.focus()

    def go_to_feed(self: MainScreen, feed_id: str) -> None:
        self.feed_list.show_feeds(
            self.visible_feeds(), feed_id, bookmarks=self.library.bookmark_count()
        )
        self.show_articles(self.feed_list.selected_id)
        self.open_current(delay=0)
        self.article_list.focus()

    def action_toggle_unread_only(self: MainScreen) -> None:
        self.unread_only = not self.unread_only

    def watch_unread_only(self: MainScreen) -> None:
        self.show_articles(self.feed_list.selected_id, keep=self.shown_id)
