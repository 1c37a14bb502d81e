"""Long background work that gives way: a pause hook, and no GC while indexes build."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

_T = TypeVar("_T")


class Pacer:
    """Called between pieces of long background work (analysis, index builds).

    The app sets :attr:`hook` to wait while keys are coming in, so they get the CPU.
    """

    def __init__(self) -> None:
        self.hook: Callable[[], None] = lambda: None

    def pause(self) -> None:
        self.hook()

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
