"""The ``?`` screen: every binding, grouped by the pane it works in."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists key bindings; escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, groups: dict[str, list[Binding]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for group, bindings in self.groups.items():
            table.add_row(Text(group, style="underline"), "")
            seen: set[str] = set()
            for binding in bindings:
                if binding.action in seen or not binding.description:
                    continue
                seen.add(binding.action)
                keys = ", ".join(_key_label(key) for key in binding.key.split(","))
                table.add_row(keys, binding.description)
            table.add_row("", "")
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(table)


def _key_label(key: str) -> str:
    names = {
        "question_mark": "?",
        "right_square_bracket": "]",
        "left_square_bracket": "[",
        "space": "space",
        "shift+tab": "shift+tab",
    }
    return names.get(key.strip(), key.strip())
