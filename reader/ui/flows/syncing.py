"""Sync with the feed server in [sync]: after the first frame, whenever it is due (the
interval, or the backoff while offline) and on refresh. Progress and "offline, N
changes waiting" go in the title bar; the app never waits on the server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from reader.core.errors import SyncError
from reader.ui.messages import SyncFinished, SyncProgressed

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen

CHECK_EVERY = 5.0  # seconds between "is a sync due?" checks (and sync line updates)


class Syncing(Screen[None]):
    def start_syncing(self: MainScreen) -> None:
        """With an account: its state now, the first sync once the first frame is up."""
        status = self.library.sync_status()  # cheap: loads no sync code
        if not status.configured:
            return
        self.status.set("sync", status.line())
        self.call_after_refresh(self.sync_now, when_due=True)
        self.set_interval(CHECK_EVERY, lambda: self.sync_now(when_due=True))

    @work(thread=True, exit_on_error=False, group="sync")
    def sync_now(self: MainScreen, *, when_due: bool = False) -> None:
        library = self.library
        if library.sync_status().running or (when_due and not library.sync_due()):
            self.post_message(SyncProgressed(library.sync_status()))  # "3 changes waiting"
            return
        try:
            summary = library.sync(
                progress=lambda status: self.post_message(SyncProgressed(status))
            )
        except SyncError as error:
            self.post_message(SyncFinished(library.sync_status(), error=str(error)))
            return
        self.post_message(SyncFinished(library.sync_status(), pulled=summary.pulled))

    def on_sync_progressed(self: MainScreen, message: SyncProgressed) -> None:
        self.status.set("sync", message.status.line())

    def on_sync_finished(self: MainScreen, message: SyncFinished) -> None:
        self.status.set("sync", message.status.line())
        if message.error and message.error != self.sync_error:
            self.say(message.error, severity="warning", title="Sync")  # once, not every retry
        self.sync_error = message.error
        if message.pulled:
            self.reload()
            self.index_archive()  # pulled articles arrive pending, like a refresh's
            self.fetch_queued_full_texts()  # and their pages are queued like a refresh's
