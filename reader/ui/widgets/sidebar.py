"""The related-link sidebar: what the article offers beside its body."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.models import Document
from reader.core.sanitize import clean_line


def _domain(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


class Sidebar(OptionList):
    """Lifted "Don't Miss"/"Related" items, then the article's own links."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.up"),
    ]

    def show_document(self, doc: Document) -> None:
        options: list[Option | None] = []
        if doc.related:
            options.append(
                Option(
                    Text(clean_line(doc.related_heading or "Related"), style="bold"), disabled=True
                )
            )
            for item in doc.related:
                row = Text(clean_line(item.title))
                if item.blurb:
                    row.append("\n" + clean_line(item.blurb)[:140], style="dim")
                options.append(Option(row))
        if doc.links:
            if options:
                options.append(None)
            options.append(Option(Text("Links in the text", style="bold"), disabled=True))
            for link in doc.links[:50]:
                row = Text(f"[{link.number}] ", style="dim")
                row.append(clean_line(link.text) or clean_line(link.url))
                row.append("\n" + _domain(link.url), style="dim")
                options.append(Option(row))
            if len(doc.links) > 50:
                options.append(
                    Option(Text(f"+{len(doc.links) - 50} more", style="dim"), disabled=True)
                )
        if not options:
            options.append(Option(Text("No related links", style="dim"), disabled=True))
        self.set_options(options)
