"""Refreshing feeds in a worker, with progress in the title bar that names the wait."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from reader.core.errors import ReaderError
from reader.core.models import RefreshOutcome
from reader.core.sanitize import clean_line
from reader.ui.messages import FeedsRefreshed, RefreshProgressed, RefreshStarted

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen


class Refreshing(Screen[None]):
    def action_refresh_feed(self: MainScreen) -> None:
        self.refresh_feeds(self.feed_list.feed_ids(self.feed_list.selected_id))
        self._sync_too()

    def action_refresh_all(self: MainScreen) -> None:
        self.refresh_feeds(None)
        self._sync_too()

    def _sync_too(self: MainScreen) -> None:
        """The server's feeds are refreshed by the server: a refresh pulls them (sync)."""
        if self.library.sync_status().configured:
            self.sync_now()

    @work(thread=True, exit_on_error=False, exclusive=True, group="refresh")
    def refresh_feeds(self: MainScreen, feed_ids: list[str] | None) -> None:
        started = time.monotonic()
        titles = self.library.feed_titles()
        # Tracked here, not in the handler: progress messages replace one another.
        waiting = dict.fromkeys(feed_ids if feed_ids is not None else titles)
        self.post_message(RefreshStarted(tuple(titles.get(f, f) for f in waiting)))

        def progress(done: int, total: int, outcome: RefreshOutcome) -> None:
            waiting.pop(outcome.feed_id, None)
            left = tuple(titles.get(f, f) for f in waiting)
            self.post_message(RefreshProgressed(done, total, outcome, left))

        try:
            outcomes = self.library.refresh(feed_ids, progress=progress)
        except ReaderError as error:
            self.say(str(error), severity="error")
            outcomes = []
        self.post_message(FeedsRefreshed(outcomes, time.monotonic() - started))

    def on_refresh_started(self: MainScreen, message: RefreshStarted) -> None:
        self.status.set("refresh", f"refreshing…{waiting_for(message.waiting)}")

    def on_refresh_progressed(self: MainScreen, message: RefreshProgressed) -> None:
        counted = f"refreshing {message.done}/{message.total}"
        self.status.set("refresh", counted + waiting_for(message.waiting))

    def on_feeds_refreshed(self: MainScreen, message: FeedsRefreshed) -> None:
        self.status.clear("refresh")
        new = sum(o.new for o in message.outcomes)
        failed = [o for o in message.outcomes if o.error]
        count = len(message.outcomes)
        summary = f"{count} feed{'' if count == 1 else 's'}: {new} new, {len(failed)} failed"
        self.say(summary, title="Refreshed")
        for outcome in failed[:3]:
            self.say(outcome.error or "", severity="warning")
        self.reload()
        self.fetch_queued_full_texts()  # the pages of summary-only feeds, in the background
        if new:
            self.index_archive()


def waiting_for(titles: tuple[str, ...]) -> str:
    """' · The Quillon Review +2': the first feed still outstanding names the wait."""
    if not titles:
        return ""
    first = clean_line(titles[0])
    first = first if len(first) <= 32 else first[:31] + "…"
    return f" · {first}" + (f" +{len(titles) - 1}" if len(titles) > 1 else "")
