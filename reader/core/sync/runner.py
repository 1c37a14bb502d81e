"""Running syncs over time: one at a time, when they are due, backing off while offline."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from reader.core.errors import SyncError, SyncUnavailable
from reader.core.models import Clock
from reader.core.settings import SyncAccount
from reader.core.storage.store import Store
from reader.core.sync.engine import Offer, SyncSummary, run_sync
from reader.core.sync.remote import Backend
from reader.core.sync.status import SyncStatus

FIRST_RETRY = 1.0  # seconds after the first failure to reach the server; doubles each time
MAX_RETRY = 300.0


class Syncer:
    """The account's syncs over one store; any thread may call :meth:`run`."""

    def __init__(
        self,
        store: Store,
        account: SyncAccount,
        clock: Clock,
        backend: Callable[[SyncAccount], Backend] | None = None,
        offer: Offer | None = None,
    ) -> None:
        from reader.core.sync.account import open_backend

        self.store = store
        self.account = account
        self.clock = clock
        self.open_backend = backend or open_backend
        self.offer = offer  # each feed's new articles, for full text (engine.Offer)
        self._running = threading.Lock()
        self._status = SyncStatus(configured=True)
        self._failures = 0
        self._last_attempt: datetime | None = None

    def status(self) -> SyncStatus:
        return replace(self._status, waiting=self.store.journal_size())

    def due(self) -> bool:
        """Whether an automatic sync should start now (the app asks on its timer)."""
        if self._running.locked():
            return False
        if self._status.retry_at is not None:
            return self.clock() >= self._status.retry_at
        if self._last_attempt is None:
            return True
        interval = self.account.interval
        return interval > 0 and self.clock() >= self._last_attempt + timedelta(minutes=interval)

    def run(self, progress: Callable[[SyncStatus], None] | None = None) -> SyncSummary:
        """One sync now; raises SyncError (the status says offline or the error)."""
        if not self._running.acquire(blocking=False):
            raise SyncError("a sync is already running")
        tell = progress or (lambda status: None)

        def report(stage: str, done: int, total: int) -> None:
            self._status = replace(self._status, stage=stage, done=done, total=total)
            tell(self.status())

        try:
            self._last_attempt = self.clock()
            self._status = replace(self._status, running=True, stage="login", done=0, total=0)
            tell(self.status())
            backend = self.open_backend(self.account)
            try:
                summary = run_sync(
                    self.store,
                    backend,
                    self.clock().isoformat(timespec="seconds"),
                    report,
                    self.offer,
                )
            finally:
                backend.close()
        except SyncError as error:
            offline = isinstance(error, SyncUnavailable)
            self._failures = self._failures + 1 if offline else 0
            delay = (
                min(MAX_RETRY, FIRST_RETRY * 2 ** (self._failures - 1))
                if offline
                else 60.0 * max(self.account.interval, 5)
            )
            self._status = SyncStatus(
                configured=True,
                offline=offline,
                error=str(error),
                last_synced=self._status.last_synced,
                retry_at=self.clock() + timedelta(seconds=delay),
            )
            tell(self.status())
            raise
        except Exception as error:  # a bug: the status must not say "syncing" for ever
            self._status = SyncStatus(configured=True, error=f"internal error: {error!r}")
            raise
        finally:
            self._running.release()
        self._failures = 0
        self._status = SyncStatus(
            configured=True, last_synced=self.clock().isoformat(timespec="seconds")
        )
        tell(self.status())
        return summary
