"""The command palette: every action, "go to feed ...", and bookmark exports.

Feed titles are shown as plain ``Text``: Textual's default highlighter would
read them as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.core.bookmarks import EXPORT_FORMATS
from reader.core.sanitize import clean_line
from reader.ui.messages import ExportRequested, FeedRequested, FullTextModeRequested

if TYPE_CHECKING:
    from reader.ui.app import ReaderApp


class ReaderCommands(Provider):
    """Offers the app's own actions and its feeds; what it asks for it asks by message."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: ReaderApp = self.app  # type: ignore[assignment]
        screen = app.main_screen
        found: list[tuple[str, str, Callable[[], object]]] = []
        seen: set[str] = set()
        for node, bindings in ((app, app.BINDINGS), (screen, screen.BINDINGS)):
            for binding in bindings:
                action = binding.action  # type: ignore[union-attr]
                if action in seen or action.startswith("app."):
                    continue
                seen.add(action)
                run = partial(node.run_action, action)
                key = app._keymap.get(binding.id or "", binding.key)  # type: ignore[union-attr]
                found.append((binding.description, f"key: {key}", run))  # type: ignore[union-attr]
        for fmt, label in EXPORT_FORMATS.items():
            found.append(
                (
                    f"Export bookmarks as {label}",
                    "write a file",
                    partial(screen.post_message, ExportRequested(fmt)),
                )
            )
        chosen = screen.library.find_feed(screen.feed_list.selected_id)
        if chosen is not None:
            for mode in ("always", "auto", "never", None):
                found.append(
                    (
                        f"Full text for {clean_line(chosen.title)}: {mode or 'as in the settings'}",
                        f"now: {chosen.full_text or 'as in the settings'}",
                        partial(screen.post_message, FullTextModeRequested(chosen.id, mode)),
                    )
                )
        for summary in screen.visible_feeds():
            title = clean_line(summary.feed.title)
            found.append(
                (
                    f"Go to feed: {title}",
                    f"{summary.unread} unread",
                    partial(screen.post_message, FeedRequested(summary.feed.id)),
                )
            )
        return found

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(Text(title), command, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, Text(title), command, text=title, help=help_text)
