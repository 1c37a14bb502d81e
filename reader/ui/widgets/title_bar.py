"""The title bar: Textual's header, redrawn alone when its text changes."""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.widgets import Header, Static


class TitleBar(Header):
    """Header whose title and status changes repaint only its own line.

    The status line changes twice a second while the archive is indexed. Header's
    own watchers lay the whole screen out again for each change, and every pane's
    scrollbar repaints after it: frames a key then waits behind.
    """

    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not Header's watchers (a header has no scrollbars to set up)

        def set_title() -> None:
            try:
                title = self.query_one("HeaderTitle", Static)
                title.update(self.format_title(), layout=False)  # one line; its size is fixed
            except (NoMatches, NoScreen):  # (unmounting)
                pass

        for node in (self.app, self.screen):
            self.watch(node, "title", set_title)
            self.watch(node, "sub_title", set_title)
