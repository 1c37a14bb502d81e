"""The key hints line at the bottom: what the focused pane's keys do."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


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
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        palette = self.app.COMMAND_PALETTE_BINDING
        hints = Text(no_wrap=True, overflow="ellipsis", end="")
        right = Text(no_wrap=True, end="")
        seen: set[str] = set()
        for key, (_, binding, enabled, _) in self.screen.active_bindings.items():
            shown = binding.show or (key == palette and self.app.ENABLE_COMMAND_PALETTE)
            if not shown or binding.action in seen:
                continue
            seen.add(binding.action)
            part = hints if key != palette else right
            style = key_style if enabled else key_style + description_style
            part.append(f" {self.app.get_key_display(binding)} ", style=style)
            part.append(f"{binding.description} ", style=description_style)
        width = self.size.width
        if right and hints.cell_len + right.cell_len < width:
            hints.append(" " * (width - hints.cell_len - right.cell_len))
            hints.append_text(right)
        hints.truncate(width, overflow="ellipsis")
        return hints
