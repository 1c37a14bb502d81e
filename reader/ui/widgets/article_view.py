"""The article pane: header, then one widget a block, quotations highlighted."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from reader.core.models import Article, Document, Quote
from reader.core.sanitize import clean_line
from reader.ui.article_text import ArticleStyles, block_text, header_text

_STYLE_ROLES = {
    "quote": "article-view--quote",
    "current_quote": "article-view--current-quote",
    "speaker": "article-view--speaker",
    "meta": "article-view--meta",
    "link_number": "article-view--link-number",
    "heading": "article-view--heading",
    "title": "article-view--title",
    "caption": "article-view--caption",
}


class ArticleView(VerticalScroll, can_focus=True):
    """Scrollable article; one Static a block so a quotation can be scrolled to."""

    COMPONENT_CLASSES = set(_STYLE_ROLES.values())
    BINDINGS = [
        Binding("j,down", "scroll_down", "Down", show=False, id="article.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="article.up"),
        Binding("space", "page_down", "Page down", show=False, id="article.page_down"),
        Binding("shift+space,pageup", "page_up", "Page up", show=False, id="article.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="article.page_down_key"),
        Binding("g", "scroll_home", "Top", show=False, id="article.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="article.bottom"),
        Binding("right_square_bracket", "next_quote", "Next quote", id="article.next_quote"),
        Binding(
            "left_square_bracket",
            "previous_quote",
            "Prev quote",
            show=False,
            id="article.previous_quote",
        ),
        *[
            Binding(
                str(n), f"follow_link({n})", f"Follow link {n}", show=False, id=f"article.link_{n}"
            )
            for n in range(1, 10)
        ],
    ]

    @dataclass
    class FollowLink(Message):
        """The reader pressed a digit: follow inline link ``number``."""

        number: int

    def action_follow_link(self, number: int) -> None:
        self.post_message(self.FollowLink(number))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article: Article | None = None
        self.document: Document | None = None
        self.current_quote: int | None = None
        self._block_widgets: list[Static] = []

    def _styles(self) -> ArticleStyles:
        return ArticleStyles(
            **{role: self.get_component_rich_style(name) for role, name in _STYLE_ROLES.items()}
        )

    def show(self, article: Article, doc: Document, *, feed_title: str, minutes: int) -> None:
        """Lay out ``doc``; called with display-ready records only."""
        self.article, self.document, self.current_quote = article, doc, None
        styles = self._styles()
        widgets: list[Static] = [
            Static(
                header_text(doc, article, feed_title=feed_title, minutes=minutes, styles=styles),
                classes="article-header",
            )
        ]
        self._block_widgets = []
        for index, block in enumerate(doc.blocks):
            depth = min(max(block.level, 1), 4) if block.kind == "list_item" else 0
            following = doc.blocks[index + 1].kind if index + 1 < len(doc.blocks) else None
            ends_list = block.kind == "list_item" and following != "list_item"
            widget = Static(
                self._body(index, None, styles),
                classes=f"block block-{block.kind} depth-{depth}"
                + (" list-end" if ends_list else ""),
            )
            self._block_widgets.append(widget)
            widgets.append(widget)
            if block.kind == "blockquote" and block.attribution:
                widgets.append(
                    Static(
                        Text(f"— {clean_line(block.attribution)}", style=styles.meta),
                        classes="block-cite",
                    )
                )
        with self.app.batch_update():
            self.remove_children()
            self.mount_all(widgets)
            self.scroll_home(animate=False)

    def _body(self, index: int, current: Quote | None, styles: ArticleStyles) -> Text:
        assert self.document is not None
        block = self.document.blocks[index]
        body = block_text(block, index, self.quotes, current=current, styles=styles)
        return Text("• ").append_text(body) if block.kind == "list_item" else body

    def clear(self, message: str = "") -> None:
        self.article = self.document = None
        self._block_widgets = []
        self.remove_children()
        if message:
            self.mount(Static(Text(message), classes="article-empty"))

    # -- quotations ---------------------------------------------------------------

    @property
    def quotes(self) -> tuple[Quote, ...]:
        return self.article.quotes if self.article else ()

    def _redraw(self, *paragraphs: int) -> None:
        if self.article is None or self.document is None:
            return
        styles = self._styles()
        current = None if self.current_quote is None else self.quotes[self.current_quote]
        for index in paragraphs:
            if 0 <= index < len(self._block_widgets):
                self._block_widgets[index].update(
                    block_text(
                        self.document.blocks[index],
                        index,
                        self.quotes,
                        current=current,
                        styles=styles,
                    )
                )

    def go_to_quote(self, position: int) -> None:
        """Mark quotation ``position`` as current and scroll it into view."""
        if not self.quotes:
            self.app.bell()
            return
        position %= len(self.quotes)
        old = None if self.current_quote is None else self.quotes[self.current_quote]
        self.current_quote = position
        quote = self.quotes[position]
        touched = set(range(quote.paragraph, quote.final_paragraph + 1))
        if old is not None:
            touched |= set(range(old.paragraph, old.final_paragraph + 1))
        self._redraw(*sorted(touched))
        if 0 <= quote.paragraph < len(self._block_widgets):
            self.scroll_to_widget(self._block_widgets[quote.paragraph], animate=False)

    def action_next_quote(self) -> None:
        self.go_to_quote(0 if self.current_quote is None else self.current_quote + 1)

    def action_previous_quote(self) -> None:
        self.go_to_quote(-1 if self.current_quote is None else self.current_quote - 1)
