"""Everyone quoted in the archive, and what each of them said."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.core.models import SpeakerQuote
from reader.core.sanitize import clean_line
from reader.ui.article_text import format_date
from reader.ui.widgets.key_bar import KeyBar

_MOVES = frozenset({"cursor_down", "cursor_up", "first", "last"})


class SpeakersScreen(Screen[tuple[str, int] | None]):
    """Left: speakers with counts. Right: their quotations. Enter opens one in its article."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="speakers.close"),
        Binding("j", "move('cursor_down')", "Down", show=False, id="speakers.down"),
        Binding("k", "move('cursor_up')", "Up", show=False, id="speakers.up"),
        Binding("g,home", "move('first')", "First", show=False, id="speakers.first"),
        Binding("G,end", "move('last')", "Last", show=False, id="speakers.last"),
    ]

    def __init__(self, speakers: Sequence[tuple[str, list[SpeakerQuote]]]) -> None:
        super().__init__()
        self.speakers = list(speakers)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="speaker-names")
            yield OptionList(id="speaker-quotes")
        yield KeyBar()

    def on_mount(self) -> None:
        names = self.query_one("#speaker-names", OptionList)
        names.border_title = f"Speakers ({len(self.speakers)})"
        self.query_one("#speaker-quotes", OptionList).border_title = "Quotations"
        rows = []
        for index, (name, quotes) in enumerate(self.speakers):
            row = Table.grid(expand=True)
            row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
            row.add_column(justify="right")
            row.add_row(Text(clean_line(name)), Text(str(len(quotes)), style="dim"))
            rows.append(Option(row, id=str(index)))
        if not rows:
            rows.append(Option(Text("Nobody is quoted yet", style="dim"), disabled=True))
        names.set_options(rows)
        names.highlighted = 0 if self.speakers else None
        names.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != "speaker-names" or event.option_id is None:
            return
        _, quotes = self.speakers[int(event.option_id)]
        options = []
        for position, item in enumerate(quotes):
            row = Table.grid(expand=True)
            row.add_column(overflow="fold")
            row.add_row(Text(f"“{clean_line(item.quote.text)[:300]}”"))
            meta = " · ".join(
                p
                for p in (
                    clean_line(item.article.title),
                    clean_line(item.feed_title),
                    format_date(item.article.published, with_time=False),
                )
                if p
            )
            row.add_row(Text(meta, style="dim", no_wrap=True, overflow="ellipsis"))
            options.append(Option(row, id=str(position)))
            options.append(None)
        quote_list = self.query_one("#speaker-quotes", OptionList)
        quote_list.set_options(options[:-1])
        quote_list.highlighted = 0 if options else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "speaker-names":
            self.query_one("#speaker-quotes", OptionList).focus()
            return
        names = self.query_one("#speaker-names", OptionList)
        if names.highlighted is None or event.option_id is None:
            return
        _, quotes = self.speakers[names.highlighted]
        item = quotes[int(event.option_id)]
        self.dismiss((item.article.id, item.position))

    def action_close(self) -> None:
        if self.focused is self.query_one("#speaker-quotes", OptionList):
            self.query_one("#speaker-names", OptionList).focus()
        else:
            self.dismiss(None)

    def action_move(self, how: str) -> None:
        """j, k, g, G in whichever list has focus."""
        if isinstance(self.focused, OptionList) and how in _MOVES:
            getattr(self.focused, f"action_{how}")()
