"""A small dialog for a bookmark's tags and note."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from reader.core.sanitize import clean_line


class BookmarkDialog(ModalScreen[tuple[list[str], str] | None]):
    """Returns (tags, note), or None when cancelled with escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="bookmark.cancel")]

    def __init__(self, what: str, tags: tuple[str, ...] = (), note: str = "") -> None:
        super().__init__()
        self.what = what
        self.tags = tags
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="bookmark-dialog"):
            yield Static(Text("Bookmark", style="bold"))
            yield Static(Text(clean_line(self.what)[:200], style="italic"), id="bookmark-what")
            yield Label("Tags (comma separated)")
            yield Input(", ".join(self.tags), id="bookmark-tags", placeholder="e.g. ukraine, later")
            yield Label("Note")
            yield Input(self.note, id="bookmark-note", placeholder="optional")
            yield Static(Text("enter saves · tab: next field · escape cancels", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter saves from either field (tab moves between them)."""
        tags = self.query_one("#bookmark-tags", Input).value
        note = self.query_one("#bookmark-note", Input).value
        self.dismiss(([t.strip() for t in tags.split(",") if t.strip()], note.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
