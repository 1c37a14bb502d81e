"""The title bar's status line: one slot per source, shown by priority.

By priority: a refresh's progress, fetching full texts, indexing, sync ("offline,
2 changes waiting"), the selected feed's last error. Each source sets and clears
only its own slot.
"""

from __future__ import annotations

from collections.abc import Callable

SLOTS = ("refresh", "fulltext", "indexing", "sync", "feed")  # highest priority first


class Status:
    def __init__(self, show: Callable[[str], None]) -> None:
        self._show = show
        self._slots = dict.fromkeys(SLOTS, "")

    def set(self, slot: str, text: str) -> None:
        if slot not in self._slots:
            raise KeyError(slot)
        self._slots[slot] = text
        self._show(next((t for t in self._slots.values() if t), ""))

    def clear(self, slot: str) -> None:
        self.set(slot, "")

    def get(self, slot: str) -> str:
        return self._slots[slot]
