"""The title bar: Textual's header, redrawn alone when its text changes."""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class TitleBar(Header):
    """Header whose title and status changes repaint only its own line.

    The status line changes twice a second while the archive is indexed. Header's
    own watchers lay the whole screen out again for each change, and every pane's
    scrollbar repaints after it: ~20 ms of frames a key then waited behind.
    """

    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not Header's watchers (a header has no scrollbars to set up)

        def set_title() -> None:
            try:
                title = self.query_one(HeaderTitle)
            except NoMatches:  # (unmounting)
                return
            title.update(self.format_title(), layout=False)  # one line; its size is fixed

        for node in (self.app, self.screen):
            self.watch(node, "title", set_title)
            self.watch(node, "sub_title", set_title)
