"""Ask where to write a bookmark export, and confirm before overwriting."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class ExportDialog(ModalScreen[Path | None]):
    """Returns the chosen path; asks again (y to overwrite) when the file exists."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, label: str, default: Path) -> None:
        super().__init__()
        self.label = label
        self.default = default
        self._confirming: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(Text(f"Export bookmarks as {self.label}", style="bold"))
            yield Label("Write to")
            yield Input(str(self.default), id="export-path")
            yield Static(Text("enter writes · escape cancels", style="dim"), id="export-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if not event.value.strip():
            return
        if path.exists() and self._confirming != path:
            self._confirming = path
            hint = Text(f"{path} exists. Press enter again to overwrite it.", style="bold")
            self.query_one("#export-hint", Static).update(hint)
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
