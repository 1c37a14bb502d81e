"""What the title bar shows about sync ("offline, 3 changes waiting"); light to import, so
the app can show it at start without loading the sync code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot for the UI; :meth:`line` is the title bar's text."""

    configured: bool
    running: bool = False
    stage: str = ""  # while running: "login", "push", "pull" or "articles"
    done: int = 0
    total: int = 0
    offline: bool = False  # the last attempt could not reach the server
    error: str | None = None  # the last attempt's one-line error; None after a success
    waiting: int = 0  # local changes the server has not acknowledged
    last_synced: str | None = None  # ISO time of the last successful sync
    retry_at: datetime | None = None  # when the next automatic attempt is due

    def line(self) -> str:
        if not self.configured:
            return ""
        if self.running:
            count = f" {self.done}/{self.total}" if self.total else ""
            return f"syncing ({self.stage}{count})"
        changes = f"{self.waiting} change{'' if self.waiting == 1 else 's'} waiting"
        if self.offline:
            return f"offline, {changes}" if self.waiting else "offline"
        if self.error:
            return f"sync failed, {changes}" if self.waiting else "sync failed"
        if self.waiting:
            return changes
        return "synced" if self.last_synced else ""
