"""Long background work that gives way: a pause hook, no GC while indexes build, and
worker processes that can start inside the app."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

_T = TypeVar("_T")


class Pacer:
    """Called between pieces of long background work (analysis, index builds).

    The app sets :attr:`hook` to wait while keys are coming in, so they get the CPU.
    """

    def __init__(self) -> None:
        self.hook: Callable[[], None] = lambda: None
        self.clocks: list[Any] = []  # worker processes' shared clocks: keys' quiet ends

    def pause(self) -> None:
        self.hook()

    def keys_came(self, until: float) -> None:
        """A key came: worker processes of the background pass wait until ``until``
        (``time.monotonic``) too."""
        for clock in self.clocks:
            clock.value = until

    def paced(self, items: Iterable[_T], every: int = 500) -> Iterator[_T]:
        """``items``, with a pause before each ``every`` of them."""
        for n, item in enumerate(items):
            if n % every == 0:
                self.hook()
            yield item


class _CollectorOff:
    """Around index builds: no cyclic garbage collection while any runs, then freeze.

    A build makes ~10^6 objects that live as long as the library; each full
    collection pass over them stops every thread, so they are frozen out of it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = True

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.freeze()
                    if self._was_enabled:
                        gc.enable()


long_lived = _CollectorOff().during


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker on the real stderr if need be.

    spawn starts the tracker once, passing it stderr's descriptor; inside the app
    stderr is Textual's capture, whose descriptor is -1, and spawning then fails
    ("bad value(s) in fds_to_keep"). The tracker only reports leaked semaphores.
    """
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation too
        usable = False
    if usable:
        return
    captured, sys.stderr = sys.stderr, sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured
