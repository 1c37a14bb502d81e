"""The journal of local changes a sync server has not acknowledged yet.

Each change is kept in the file of the data it changes, so the change and its
journal row reach the disk in one atomic write: read marks with ``state.json``,
stars (article bookmarks) and subscriptions with ``library.json``. A kill at any
moment leaves both or neither. ``seq`` orders rows across the two files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["read", "unread", "star", "unstar", "subscribe", "unsubscribe", "move"]
OPS: tuple[str, ...] = ("read", "unread", "star", "unstar", "subscribe", "unsubscribe", "move")
STATE_OPS = frozenset({"read", "unread"})  # kept in state.json; the rest in library.json


@dataclass(frozen=True, slots=True)
class Change:
    """One local change: ``target`` is an article id (read, star) or a feed id."""

    seq: int
    op: Op
    target: str
    remote_id: str = ""  # the server's id of the target when it was made, if it had one
    url: str = ""  # subscribe: the feed's address
    folder: str = ""  # subscribe, move: the feed's folder


def change_to_row(change: Change) -> list[Any]:
    return [change.seq, change.op, change.target, change.remote_id, change.url, change.folder]


def change_from_row(row: Any) -> Change | None:
    """A stored row, or None for a row this version cannot read (it is dropped)."""
    if not isinstance(row, list) or len(row) != 6 or row[1] not in OPS:
        return None
    seq, op, target, remote_id, url, folder = row
    if not isinstance(seq, int) or not all(isinstance(x, str) for x in row[2:]):
        return None
    return Change(seq, op, target, remote_id, url, folder)


class Journal:
    """The rows of both files in memory; the store says which file a flush must write."""

    def __init__(self, state_rows: list[Any], library_rows: list[Any]) -> None:
        self.state: dict[int, Change] = {}
        self.library: dict[int, Change] = {}
        for rows, kept in ((state_rows, self.state), (library_rows, self.library)):
            for row in rows:
                change = change_from_row(row)
                if change is not None:
                    kept[change.seq] = change
        self.next_seq = max([0, *self.state, *self.library]) + 1

    def add(
        self, op: Op, target: str, *, remote_id: str = "", url: str = "", folder: str = ""
    ) -> Change:
        change = Change(self.next_seq, op, target, remote_id, url, folder)
        self.next_seq += 1
        (self.state if op in STATE_OPS else self.library)[change.seq] = change
        return change

    def changes(self) -> list[Change]:
        return sorted([*self.state.values(), *self.library.values()], key=lambda c: c.seq)

    def remove(self, seqs: set[int]) -> tuple[bool, bool]:
        """Drop acknowledged rows; returns whether the state and the library file changed."""
        state = [s for s in seqs if self.state.pop(s, None) is not None]
        library = [s for s in seqs if self.library.pop(s, None) is not None]
        return bool(state), bool(library)

    def __len__(self) -> int:
        return len(self.state) + len(self.library)
