"""The ``?`` screen: every binding, grouped by the pane it works in."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import key_to_character
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists key bindings; escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
        Binding("g,home", "scroll_to(0)", "First", show=False, id="help.first"),
        Binding("G,end", "scroll_to(-1)", "Last", show=False, id="help.last"),
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
                keys = ", ".join(self._key_label(key) for key in binding.key.split(","))
                table.add_row(keys, binding.description)
            table.add_row("", "")
        with VerticalScroll(id="help-body", can_focus=False):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(table)

    def _key_label(self, key: str) -> str:
        """A key as it is typed: '"' not 'quotation_mark', '/' not 'slash', 'esc'."""
        key = key.strip()
        char = key_to_character(key)
        if char and char.isprintable() and not char.isspace():
            return char
        if "+" in key:
            return key  # 'ctrl+p' says more to a newcomer than '^p'
        return self.app.get_key_display(Binding(key, ""))

    def action_scroll(self, rows: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=rows, animate=False)

    def action_scroll_to(self, where: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=0 if where >= 0 else body.max_scroll_y, animate=False)
