"""Subscriptions from inside the app: add, remove (with undo), rename, move to a
folder and import OPML. Fetching and writing run in workers; a removal waits
REMOVE_AFTER seconds (the feed hidden meanwhile) so u can take it back."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from reader.core.errors import ReaderError
from reader.core.sanitize import clean_line
from reader.ui.screens.ask_dialog import AskDialog
from reader.ui.widgets.feed_list import ALL_FEEDS, BOOKMARKS, folder_of

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen

REMOVE_AFTER = 30.0  # seconds a removed feed can be brought back with u


class Subscribing(Screen[None]):
    def _chosen_feed(self: MainScreen) -> str | None:
        selected = self.feed_list.selected_id
        if selected in (ALL_FEEDS, BOOKMARKS) or folder_of(selected) is not None:
            self.say("Choose a feed in the Feeds pane first.")
            return None
        return selected

    def action_add_feed(self: MainScreen) -> None:
        def chosen(source: str | None) -> None:
            if source:
                self._add_feed(source)

        self.app.push_screen(
            AskDialog(
                "Add a feed",
                "A web address, a feed file or a folder of articles",
            ),
            chosen,
        )

    @work(thread=True, exit_on_error=False, group="subscriptions")
    def _add_feed(self: MainScreen, source: str) -> None:
        self.app.call_from_thread(self.status.set, "refresh", f"adding {clean_line(source)[:40]}…")
        try:
            outcome = self.library.add(source)
        except ReaderError as error:
            told = str(error) if source in str(error) else f"{source}: {error}"  # name it once
            self.app.call_from_thread(self.say, told, severity="error")
            return
        finally:
            self.app.call_from_thread(self.status.clear, "refresh")
        self.app.call_from_thread(
            self.say, f"{outcome.title}: {outcome.new} articles", title="Added"
        )
        self.app.call_from_thread(self.go_to_feed, outcome.feed_id)
        self.app.call_from_thread(self.fetch_queued_full_texts)

    def action_remove_feed(self: MainScreen) -> None:
        feed_id = self._chosen_feed()
        if feed_id is None:
            return
        title = self.library.feed_title(feed_id)
        self.hidden_feeds.add(feed_id)
        self.removals[feed_id] = self.set_timer(REMOVE_AFTER, lambda: self._remove_now(feed_id))
        self.reload(select_feed=ALL_FEEDS)

        def undo() -> None:
            timer = self.removals.pop(feed_id, None)
            if timer is not None:
                timer.stop()
                self.hidden_feeds.discard(feed_id)

        self.push_undo(f"removed {title}", undo)

    def _remove_now(self: MainScreen, feed_id: str) -> None:
        if self.removals.pop(feed_id, None) is not None:
            self._remove_feed(feed_id)

    @work(thread=True, exit_on_error=False, group="subscriptions")
    def _remove_feed(self: MainScreen, feed_id: str) -> None:
        try:
            self.library.remove(feed_id)
        except ReaderError as error:
            self.app.call_from_thread(self.say, str(error), severity="error")
        # UI state belongs to the UI thread (a lambda: Textual cannot call a builtin method)
        self.app.call_from_thread(lambda: self.hidden_feeds.discard(feed_id))

    def finish_removals(self: MainScreen) -> None:
        """At quit: removals still waiting for their undo window are done now."""
        for feed_id in list(self.removals):
            self.removals.pop(feed_id).stop()
            with contextlib.suppress(ReaderError):  # gone already
                self.library.remove(feed_id)

    def action_rename_feed(self: MainScreen) -> None:
        feed_id = self._chosen_feed()
        if feed_id is None:
            return

        def chosen(title: str | None) -> None:
            if title:
                self._change_feed(feed_id, title=title)

        title = self.library.feed_title(feed_id)
        self.app.push_screen(AskDialog("Rename the feed", "Its title here", title), chosen)

    def action_move_feed(self: MainScreen) -> None:
        feed_id = self._chosen_feed()
        if feed_id is None:
            return
        feed = self.library.find_feed(feed_id)

        def chosen(folder: str | None) -> None:
            if folder is not None:
                self._change_feed(feed_id, folder=folder)

        self.app.push_screen(
            AskDialog(
                "Move the feed to a folder",
                "Folder (empty: the top level)",
                feed.folder if feed else "",
                allow_empty=True,
            ),
            chosen,
        )

    @work(thread=True, exit_on_error=False, group="subscriptions")
    def _change_feed(
        self: MainScreen, feed_id: str, *, title: str | None = None, folder: str | None = None
    ) -> None:
        try:
            if title is not None:
                self.library.rename(feed_id, title)
            if folder is not None:
                self.library.set_folder(feed_id, folder)
        except ReaderError as error:
            self.app.call_from_thread(self.say, str(error), severity="error")
            return
        self.app.call_from_thread(self.go_to_feed, feed_id)

    def action_import_opml(self: MainScreen) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self._import_opml(Path(path).expanduser())

        self.app.push_screen(AskDialog("Import subscriptions", "An OPML file"), chosen)

    @work(thread=True, exit_on_error=False, group="subscriptions")
    def _import_opml(self: MainScreen, path: Path) -> None:
        try:
            feeds = self.library.import_opml(path.read_bytes(), str(path))
        except OSError as error:
            self.app.call_from_thread(self.say, f"{path}: {error.strerror}", severity="error")
            return
        except ReaderError as error:
            self.app.call_from_thread(self.say, f"{path}: {error}", severity="error")
            return
        self.app.call_from_thread(
            self.say, f"{len(feeds)} new feeds from {path.name}", title="Imported"
        )
        self.app.call_from_thread(self.reload)
        if feeds:
            self.app.call_from_thread(self.refresh_feeds, [feed.id for feed in feeds])
