"""The key hints line at the bottom: what the focused pane's keys do."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

KEPT_ACTIONS = frozenset({"help"})  # always shown, at the right beside the palette
LATE_ACTIONS = frozenset({"quit"})  # everyone knows q: shown only if room is left


class KeyBar(Widget):
    """One line of key hints that re-renders when focus moves.

    Textual's Footer recomposes (mounts a widget per key) on every focus
    change: ~30 ms each time here, paid by every Enter that opens an article.
    This draws the same hints as one Text.
    """

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        """The focused pane's keys first, then the app's; a hint that does not fit
        is left out whole (never "r Refre…"), and "? Keys" and the palette stay."""
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        palette = self.app.COMMAND_PALETTE_BINDING
        hints: list[tuple[bool, Text]] = []  # (goes last, hint)
        kept: list[Text] = []  # always shown, at the right
        seen: set[str] = set()
        for key, (_, binding, enabled, _) in self.screen.active_bindings.items():
            shown = binding.show or (key == palette and self.app.ENABLE_COMMAND_PALETTE)
            if not shown or binding.action in seen:
                continue
            seen.add(binding.action)
            style = key_style if enabled else key_style + description_style
            hint = Text(no_wrap=True, end="")
            hint.append(f" {self.app.get_key_display(binding)} ", style=style)
            hint.append(f"{binding.description} ", style=description_style)
            if binding.action in KEPT_ACTIONS or key == palette:
                kept.append(hint)
            else:
                hints.append((binding.action in LATE_ACTIONS, hint))
        width = self.size.width
        room = width - sum(hint.cell_len for hint in kept)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for _, hint in sorted(hints, key=lambda pair: pair[0]):  # stable: order kept
            if line.cell_len + hint.cell_len <= room:
                line.append_text(hint)
        if kept and line.cell_len + sum(h.cell_len for h in kept) <= width:
            line.append(" " * (room - line.cell_len))
            for hint in kept:
                line.append_text(hint)
        line.truncate(width, overflow="ellipsis")
        return line
