"""Ask for one line of text: a feed's address, a new title, a folder, a file."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from reader.core.sanitize import clean_line


class AskDialog(ModalScreen[str | None]):
    """Returns what was typed (stripped; "" only when ``allow_empty``), or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(
        self, title: str, label: str, value: str = "", *, hint: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__()
        self.title_text, self.label, self.value = title, label, value
        self.hint = hint or "enter confirms · escape cancels"
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(Text(self.title_text, style="bold"))  # Text: titles are never markup
            yield Label(Text(self.label))
            yield Input(clean_line(self.value), id="ask-value")  # a feed's title: one clean line
            yield Static(Text(self.hint, style="dim"), id="ask-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if answer or self.allow_empty:
            self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
