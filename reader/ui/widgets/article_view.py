"""The article pane: header, then the blocks, quotations highlighted.

One Line-API widget draws the whole article: each block becomes a Rich ``Text``
(feed text is data, never markup), wrapped once per width; only the lines on
screen are turned into segments, so opening a long article costs about as much
as opening a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.core.models import Article, Block, Document, Quote
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
# Drawing only: the header rule, the blockquote bar, preformatted text, the empty note.
_LAYOUT_CLASSES = {
    "article-view--rule",
    "article-view--bar",
    "article-view--preformatted",
    "article-view--empty",
}

_BAR = "▌"  # Textual's "outer" left border
_RULE = "─"


@dataclass(eq=False)
class _Piece:
    """One thing drawn in the column: the header, a block, a citation, a note."""

    kind: str  # "header" | "block" | "cite" | "empty"
    text: Text
    block_kind: str = ""  # Block.kind, for kind == "block"
    indent: int = 0  # blank cells before every line
    hang: int = 0  # cells for a list bullet on the first line, blank under it
    right: int = 0  # cells kept free on the right
    margin_top: int = 0
    margin_bottom: int = 0
    # Wrapped lines for one width: (width, lines).
    wrapped: tuple[int, list[Text]] | None = field(default=None, repr=False)


@dataclass
class _Row:
    """One line of the column: a piece's wrapped line, a blank, or a rule."""

    piece: _Piece | None
    line: int = -1  # index into piece.wrapped lines; -1 = blank, -2 = header rule


class ArticleView(ScrollView, can_focus=True):
    """Scrollable article; keeps each block's first line so a quotation can be scrolled to."""

    COMPONENT_CLASSES = set(_STYLE_ROLES.values()) | _LAYOUT_CLASSES
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
        self._quotes: tuple[Quote, ...] = ()
        self._header_args: tuple[str, int, str] = ("", 0, "")  # feed title, minutes, note
        self._pieces: list[_Piece] = []
        self._block_pieces: list[_Piece] = []  # the piece of each block, by block index
        self._rows: list[_Row] = []
        self._starts: dict[int, int] = {}  # id(piece) -> its first row
        self._width = 0  # the width self._rows were laid out for
        self._strips: dict[int, Strip] = {}
        self._drawn_with: tuple[Style, ...] = ()  # the styles the cached strips were drawn in
        self._message = ""  # what clear() left on show
        self._built_with: tuple[ArticleStyles, Style] | None = None  # the theme of the Texts

    # -- building -------------------------------------------------------------------

    def _styles(self) -> ArticleStyles:
        return ArticleStyles(
            **{role: self.get_component_rich_style(name) for role, name in _STYLE_ROLES.items()}
        )

    def _body(self, index: int, current: Quote | None, styles: ArticleStyles) -> Text:
        assert self.document is not None
        return block_text(
            self.document.blocks[index], index, self.quotes, current=current, styles=styles
        )

    def _block_piece(self, index: int, block: Block, body: Text, following: str | None) -> _Piece:
        piece = _Piece("block", body, block_kind=block.kind, margin_bottom=1)
        if block.kind == "heading":
            piece.margin_top, piece.margin_bottom = 1, 0  # a heading sits on its section
        elif block.kind == "blockquote":
            piece.indent, piece.margin_bottom = 2, 0  # bar + one cell of padding
        elif block.kind == "list_item":
            depth = min(max(block.level, 1), 4)
            piece.indent, piece.hang = 2 * depth, 2  # the bullet, then text hanging under it
            piece.margin_bottom = 0 if following == "list_item" else 1
        elif block.kind == "preformatted":
            piece.indent, piece.right = 1, 1
        return piece

    def _build(self) -> None:
        """Every piece's Text, from the article (or the note) and the current theme."""
        styles = self._styles()
        empty = self.get_component_rich_style("article-view--empty")
        self._built_with = (styles, empty)
        self._block_pieces = []
        if self.article is None or self.document is None:
            note = Text(self._message, style=empty)
            self._pieces = (
                [_Piece("empty", note, indent=2, right=2, margin_top=2, margin_bottom=2)]
                if self._message
                else []
            )
            return
        doc, article = self.document, self.article
        current = None if self.current_quote is None else self.quotes[self.current_quote]
        feed_title, minutes, note = self._header_args
        header = header_text(
            doc, article, feed_title=feed_title, minutes=minutes, note=note, styles=styles
        )
        pieces = [_Piece("header", header, margin_top=1, margin_bottom=1)]
        for index, block in enumerate(doc.blocks):
            following = doc.blocks[index + 1].kind if index + 1 < len(doc.blocks) else None
            piece = self._block_piece(index, block, self._body(index, current, styles), following)
            self._block_pieces.append(piece)
            pieces.append(piece)
            if block.kind == "blockquote" and block.attribution:
                cite = Text(f"— {clean_line(block.attribution)}", style=styles.meta)
                pieces.append(_Piece("cite", cite, indent=2, margin_bottom=1))
        self._pieces = pieces

    def show(
        self,
        article: Article,
        doc: Document,
        *,
        feed_title: str,
        minutes: int,
        quotes: tuple[Quote, ...] = (),
        note: str = "",
    ) -> None:
        """Lay out ``doc``; called with display-ready records only."""
        self.article, self.document, self.current_quote = article, doc, None
        self._quotes = quotes
        self._header_args = (feed_title, minutes, note)
        self._build()
        self._relayout(keep_place=False)
        self.scroll_to(0, 0, animate=False, immediate=True)

    def set_note(self, note: str) -> None:
        """Change the header's note line ("fetching the full text…") in place."""
        if self.article is None:
            return
        feed_title, minutes, _ = self._header_args
        self._header_args = (feed_title, minutes, note)
        self._build()
        self._relayout(keep_place=True)

    def clear(self, message: str = "") -> None:
        self.article = self.document = None
        self.current_quote = None
        self._quotes = ()
        self._message = message
        self._build()
        self._relayout(keep_place=False)
        self.scroll_to(0, 0, animate=False, immediate=True)

    # -- layout ---------------------------------------------------------------------

    def _content_width(self) -> int:
        """The width to wrap at: the pane's, less the scrollbar when one will show."""
        full = self.content_size.width
        if full <= 0:
            return 0
        scrollbar = self.styles.scrollbar_size_vertical
        if self.styles.overflow_y == "scroll":
            return max(1, full - scrollbar)
        if self.styles.overflow_y == "hidden" or scrollbar == 0:
            return full
        height = self.content_size.height
        # Plainly longer than the pane (a row per width of text): wrap only once.
        if sum(len(piece.text) for piece in self._pieces) > full * height:
            return max(1, full - scrollbar)
        if len(self._layout(full)[0]) > height:
            return max(1, full - scrollbar)
        return full

    def _wrap(self, piece: _Piece, width: int) -> list[Text]:
        if piece.wrapped is not None and piece.wrapped[0] == width:
            return piece.wrapped[1]
        room = max(1, width - piece.indent - piece.hang - piece.right)
        wrapped = piece.text.wrap(self.app.console, room, overflow="fold")
        for line in wrapped:
            line.rstrip()
        lines = list(wrapped) or [Text()]
        piece.wrapped = (width, lines)
        return lines

    def _layout(self, width: int) -> tuple[list[_Row], dict[int, int]]:
        """The rows at ``width``, and where each piece starts (by ``id``).

        Adjacent margins collapse to the larger; the header adds a padding line and
        its rule.
        """
        rows: list[_Row] = []
        starts: dict[int, int] = {}
        previous = 0
        for piece in self._pieces:
            rows.extend(_Row(None) for _ in range(max(previous, piece.margin_top)))
            starts[id(piece)] = len(rows)
            rows.extend(_Row(piece, n) for n in range(len(self._wrap(piece, width))))
            if piece.kind == "header":
                rows.extend((_Row(None), _Row(piece, -2)))
            previous = piece.margin_bottom
        rows.extend(_Row(None) for _ in range(previous))
        return rows, starts

    def _relayout(self, *, keep_place: bool = True, width: int | None = None) -> None:
        """Rows for ``width`` (the pane's); keeps the top line's block in place when asked."""
        anchor: tuple[_Piece, int] | None = None
        if keep_place and self._rows:
            top = min(round(self.scroll_offset.y), len(self._rows) - 1)
            row = self._rows[top]
            if row.piece is not None:
                anchor = (row.piece, top - self._starts.get(id(row.piece), top))
        width = self._content_width() if width is None else width
        self._width = width
        self._strips.clear()
        rows, starts = self._layout(width) if width > 0 else ([], {})
        self._rows, self._starts = rows, starts
        self._set_virtual_size(Size(width, len(rows)))
        if anchor is not None and id(anchor[0]) in starts:
            piece, offset = anchor
            y = starts[id(piece)] + min(offset, len(self._wrap(piece, width)) - 1)
            self.scroll_to(y=y, animate=False, immediate=True)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The scroll range, without a layout pass when the scrollbar stays as it is.

        ``virtual_size`` is a layout reactive: every change reflowed the screen
        and repainted the panes around this one, ~6 ms of each open.
        """
        height = self.container_size.height - self.scrollbar_size_horizontal
        keeps_bar = (size.height > self.container_size.height) == self.show_vertical_scrollbar
        if not self.is_mounted or not keeps_bar or size.width != self.virtual_size.width:
            self.virtual_size = size
            return
        self.set_reactive(ArticleView.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size, bar.window_size = size.height, height
            bar.refresh()

    def on_resize(self) -> None:
        if self._content_width() != self._width:
            self._relayout()

    def notify_style_update(self) -> None:
        """Drawn lines stay when only focus changed (the border): ~6 ms a focus change."""
        super().notify_style_update()
        if not self.is_mounted:  # component styles are not there yet
            return
        drawn_with = (
            self.rich_style,
            *(self.get_component_rich_style(name) for name in sorted(_LAYOUT_CLASSES)),
        )
        if drawn_with != self._drawn_with:
            self._drawn_with = drawn_with
            self._strips.clear()
        if self._built_with is not None:
            self.call_later(self._restyle)

    def _restyle(self) -> None:
        """The theme changed (not merely focus): rebuild the Texts in its colours."""
        if self._built_with != (
            self._styles(),
            self.get_component_rich_style("article-view--empty"),
        ):
            self._build()
            self._relayout()

    # -- drawing --------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width != self._width and width > 0:
            # The scrollbar came or went: re-wrap, and size the scroll range after.
            self._width = width
            self._strips.clear()
            self.call_later(self._relayout, width=width)
        line = round(self.scroll_offset.y) + y
        strip = self._strips.get(line)
        if strip is not None and strip.cell_length == width:
            return strip
        strip = self._draw(line, width, base)
        if len(self._strips) > 1024:
            self._strips.clear()
        self._strips[line] = strip
        return strip

    def _draw(self, line: int, width: int, base: Style) -> Strip:
        """Row ``line``: text in ``base`` and its own styles, blank cells in the background."""
        blank = Style(bgcolor=base.bgcolor)
        if not 0 <= line < len(self._rows):
            return Strip.blank(width, blank)
        row = self._rows[line]
        piece = row.piece
        if piece is None:
            return Strip.blank(width, blank)
        if row.line == -2:
            rule = base + self.get_component_rich_style("article-view--rule")
            return Strip([Segment(_RULE * width, rule)], width)
        lines = self._wrap(piece, width)
        text = lines[row.line] if row.line < len(lines) else Text()
        left: list[Segment] = []
        if piece.block_kind == "preformatted":
            base = base + self.get_component_rich_style("article-view--preformatted")
            blank = Style(bgcolor=base.bgcolor)
            left.append(Segment(" " * piece.indent, blank))
        elif piece.block_kind == "blockquote":
            bar = base + self.get_component_rich_style("article-view--bar")
            left += [Segment(_BAR, bar), Segment(" ", blank)]
        elif piece.indent:
            left.append(Segment(" " * piece.indent, blank))
        if piece.hang:
            left.append(Segment("• ", base) if row.line == 0 else Segment(" " * piece.hang, blank))
        own = text.style if isinstance(text.style, Style) else Style.parse(text.style or "none")
        segments = [s for s in text.render(self.app.console) if s.text != "\n"]
        body = list(Segment.apply_style(segments, base + own))
        used = sum(s.cell_length for s in body)
        room = width - piece.indent - piece.hang - piece.right
        if used < room:
            body.append(Segment(" " * (room - used), blank))
        right = [Segment(" " * piece.right, blank)] if piece.right else []
        return Strip([*left, *body, *right]).adjust_cell_length(width, blank)

    def plain_text(self) -> str:
        """What the pane shows, unwrapped: a paragraph a piece (for tests and copying)."""
        return "\n\n".join(piece.text.plain for piece in self._pieces)

    # -- quotations ---------------------------------------------------------------

    @property
    def quotes(self) -> tuple[Quote, ...]:
        """The shown article's quotations, in reading order."""
        return self._quotes if self.article else ()

    def _redraw(self, *paragraphs: int) -> None:
        """Rebuild the Text of these blocks (the current quotation moved) and redraw."""
        if self.article is None or self.document is None:
            return
        styles = self._styles()
        current = None if self.current_quote is None else self.quotes[self.current_quote]
        changed = False
        for index in paragraphs:
            if 0 <= index < len(self._block_pieces):
                piece = self._block_pieces[index]
                old_count = len(self._wrap(piece, self._width)) if self._width else 0
                piece.text = self._body(index, current, styles)
                piece.wrapped = None
                if not self._width or id(piece) not in self._starts:
                    continue
                if len(self._wrap(piece, self._width)) != old_count:
                    changed = True
                start = self._starts[id(piece)]
                for line in range(start, start + old_count):
                    self._strips.pop(line, None)
        if changed:
            self._relayout()
        else:
            self.refresh()

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
        if 0 <= quote.paragraph < len(self._block_pieces):
            self._scroll_to_block(quote.paragraph)

    def _scroll_to_block(self, index: int) -> None:
        piece = self._block_pieces[index]
        start = self._starts.get(id(piece))
        if start is None:
            return
        height = max(1, self.scrollable_content_region.height)
        end = start + (len(self._wrap(piece, self._width)) if self._width else 1)
        top = round(self.scroll_offset.y)
        if start >= top and end <= top + height:
            return  # already in full view
        self.scroll_to(y=max(0, start - 1), animate=False, immediate=True)

    def action_next_quote(self) -> None:
        self.go_to_quote(0 if self.current_quote is None else self.current_quote + 1)

    def action_previous_quote(self) -> None:
        self.go_to_quote(-1 if self.current_quote is None else self.current_quote - 1)
