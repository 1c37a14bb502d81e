"""Background work gives way to keys: a pause hook for the library's worker threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reader.core.errors import Interrupted

KEY_QUIET = 0.3  # seconds without a key before background work goes on


class KeyPacer:
    """Background work (indexing, index loads) waits while keys come in.

    On two cores it would otherwise halve the UI's share of the interpreter
    lock, and a held ``j`` would lag. A pause lasts at most nine times the
    work done since the last one (and half a second), so steady typing slows
    the work to ~10% whether it pauses every few milliseconds or every feed.
    """

    def __init__(self, stopping: Callable[[], bool]) -> None:
        self._stopping = stopping  # the app is quitting: work stops, keeping what is done
        self._pauses = threading.local()  # per worker thread: when its last pause ended
        self.last_activity = 0.0  # the last key or article open
        self.also: Callable[[float], None] = lambda until: None  # worker processes told too

    def active(self) -> None:
        """A key, or an article being opened: background work waits a little."""
        self.last_activity = time.monotonic()
        self.also(self.last_activity + KEY_QUIET)

    def pause(self) -> None:
        """Called by a worker between pieces of its work; raises Interrupted on quit.

        On the UI thread (a key that needs the whole archive loaded) it returns at
        once: waiting there would hold up the very keys it waits for."""
        if threading.current_thread() is threading.main_thread():
            return
        now = time.monotonic()
        worked = now - getattr(self._pauses, "resumed", now - 1.0)
        give_up = now + min(0.5, max(0.05, 9 * worked))
        try:
            while True:
                if self._stopping():
                    raise Interrupted
                now = time.monotonic()
                if now - self.last_activity >= KEY_QUIET or now > give_up:
                    return
                time.sleep(min(0.05, give_up - now))
        finally:
            self._pauses.resumed = time.monotonic()
