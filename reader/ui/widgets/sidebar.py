"""The sidebar beside the article: related links, or the article's quotations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.core.models import Quote
from reader.core.sanitize import clean_line

if TYPE_CHECKING:  # (the analysis modules load after the first frame)
    from reader.core.analysis.links import RelatedLink

GROUP_TITLES = {
    "section": "From the article",
    "inline": "Links in the text",
    "entry": "From the feed entry",
    "archive": "More on this story",
    "backlink": "Linked from",
}
NO_SPEAKER = "No speaker named"
NO_ADDRESS = "not a link · enter searches"


def _two_lines(first: Text, second: str) -> Table:
    row = Table.grid(expand=True)
    row.add_column(no_wrap=True, overflow="ellipsis")
    row.add_row(first)
    if second:
        row.add_row(Text(second, style="dim", no_wrap=True, overflow="ellipsis"))
    return row


class RelatedList(OptionList):
    """Related links in groups; enter opens, o opens in the browser, b bookmarks.

    ◆ marks a story in the archive (enter opens it here); ⌕ an item the article
    names without an address (enter searches the archive for it).
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="related.down"),
        Binding("k", "cursor_up", "Up", show=False, id="related.up"),
        Binding("g,home", "first", "First", show=False, id="related.first"),
        Binding("G,end", "last", "Last", show=False, id="related.last"),
        Binding("o", "browser", "Open in browser", id="related.browser"),
        Binding("b", "bookmark", "Bookmark link", id="related.bookmark"),
    ]

    @dataclass
    class Chosen(Message):
        link: RelatedLink
        browser: bool = False

    @dataclass
    class BookmarkRequested(Message):
        link: RelatedLink

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.links: dict[str, RelatedLink] = {}

    def show_links(
        self, links: Sequence[RelatedLink], inline_left_off: int = 0, *, loading: bool = False
    ) -> None:
        options: list[Option | None] = []
        self.links = {}
        kind = None
        for position, link in enumerate(links):
            if link.kind != kind:
                if options:
                    options.append(None)
                kind = link.kind
                options.append(Option(Text(GROUP_TITLES[kind], style="bold"), disabled=True))
            title = Text(no_wrap=True, overflow="ellipsis")
            searches = not link.url and not (link.in_archive and link.article_id)
            if link.in_archive:
                title.append("◆ ", style="bold")
            elif searches:
                title.append("⌕ ", style="dim")  # not a link: it is looked for instead
            title.append(clean_line(link.title), style="italic" if searches else "")
            second = clean_line(link.reason or "") if link.kind == "archive" else ""
            second = second or clean_line(link.blurb) or link.domain
            if link.kind == "backlink":
                second = link.domain or "in your archive"
            if searches:
                second = NO_ADDRESS
            key = f"link-{position}"
            self.links[key] = link
            options.append(Option(_two_lines(title, second), id=key))
            next_kind = links[position + 1].kind if position + 1 < len(links) else None
            if link.kind == "inline" and next_kind != "inline" and inline_left_off:
                options.append(Option(Text(f"+{inline_left_off} more", style="dim"), disabled=True))
        if not options:
            empty = "Looking for related links…" if loading else "No related links"
            options.append(Option(Text(empty, style="dim"), disabled=True))
        self.set_options(options)
        first = next((i for i, o in enumerate(self.options) if not o.disabled), None)
        self.highlighted = first

    @property
    def current(self) -> RelatedLink | None:
        option = self.highlighted_option
        return self.links.get(option.id or "") if option is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        link = self.links.get(event.option_id or "")
        if link is not None:
            self.post_message(self.Chosen(link))

    def action_browser(self) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self.current, browser=True))

    def action_bookmark(self) -> None:
        if self.current is not None:
            self.post_message(self.BookmarkRequested(self.current))


class QuoteList(OptionList):
    """The article's quotations grouped by speaker; enter scrolls the article to one."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="quotes.down"),
        Binding("k", "cursor_up", "Up", show=False, id="quotes.up"),
        Binding("g,home", "first", "First", show=False, id="quotes.first"),
        Binding("G,end", "last", "Last", show=False, id="quotes.last"),
        Binding("b", "bookmark", "Bookmark quote", id="quotes.bookmark"),
    ]

    @dataclass
    class Chosen(Message):
        position: int  # index into the article's quotations

    @dataclass
    class BookmarkRequested(Message):
        position: int

    def show_quotes(self, quotes: Sequence[Quote]) -> None:
        groups: dict[str, list[int]] = {}
        for position, quote in enumerate(quotes):
            groups.setdefault(quote.speaker or NO_SPEAKER, []).append(position)
        order = sorted(groups, key=lambda name: (name == NO_SPEAKER, groups[name][0]))
        options: list[Option | None] = []
        for name in order:
            if options:
                options.append(None)
            count = len(groups[name])
            options.append(
                Option(Text(f"{clean_line(name)} ({count})", style="bold"), disabled=True)
            )
            for position in groups[name]:
                text = clean_line(quotes[position].text)
                options.append(Option(Text(f"“{text[:160]}”"), id=f"quote-{position}"))
        if not options:
            options.append(Option(Text("No quotations", style="dim"), disabled=True))
        self.set_options(options)
        self.highlighted = next((i for i, o in enumerate(self.options) if not o.disabled), None)

    def _position(self) -> int | None:
        option = self.highlighted_option
        if option is None or not option.id:
            return None
        return int(option.id.removeprefix("quote-"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self.post_message(self.Chosen(int(event.option_id.removeprefix("quote-"))))

    def action_bookmark(self) -> None:
        position = self._position()
        if position is not None:
            self.post_message(self.BookmarkRequested(position))


class Sidebar(Vertical):
    """Two panels in one place: related links (``s``) or quotations (``"``); each
    tab names its key, and a panel's own key closes the sidebar."""

    def compose(self) -> ComposeResult:
        yield Static(id="sidebar-tabs")
        yield RelatedList(id="related-list")
        yield QuoteList(id="quote-list")

    def on_mount(self) -> None:
        self.set_mode("related")

    @property
    def mode(self) -> str:
        return "quotes" if self.has_class("-quotes") else "related"

    def set_mode(self, mode: str) -> None:
        self.set_class(mode == "quotes", "-quotes")
        tabs = Text()
        for name, label, key in (("related", "Related", "s"), ("quotes", "Quotes", '"')):
            tabs.append(f" {label} {key} ", style="reverse bold" if name == mode else "dim")
            tabs.append(" ")
        self.query_one("#sidebar-tabs", Static).update(tabs)

    @property
    def active_list(self) -> OptionList:
        if self.mode == "quotes":
            return self.query_one(QuoteList)
        return self.query_one(RelatedList)
