"""Documents -> Rich ``Text``: what the article pane and ``reader show`` print.

Feed text is data: it is appended to ``Text`` objects, never parsed as markup,
and control characters are removed again here (defence in depth).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text

from reader.core.models import Article, Block, Document, Quote
from reader.core.sanitize import clean_line, clean_text


@dataclass(frozen=True)
class ArticleStyles:
    """Styles for the parts of an article; the app fills them from its theme."""

    title: Style = Style(bold=True)
    meta: Style = Style(dim=True)
    heading: Style = Style(bold=True)
    emphasis: Style = Style(italic=True)
    strong: Style = Style(bold=True)
    code: Style = Style(reverse=True)
    link: Style = Style(underline=True)
    link_number: Style = Style(dim=True)
    quote: Style = Style(bold=True, color="yellow")
    current_quote: Style = Style(bold=True, reverse=True)
    speaker: Style = Style(dim=True, italic=True)
    caption: Style = Style(dim=True, italic=True)


DEFAULT_STYLES = ArticleStyles()


def format_date(iso: str | None, *, with_time: bool = True) -> str:
    """A stored ISO date as "16 Nov 2026 10:00" (UTC), or "" when there is none."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y %H:%M" if with_time else "%d %b %Y")
    except ValueError:
        return ""


def header_text(
    doc: Document,
    article: Article,
    *,
    feed_title: str = "",
    minutes: int | None = None,
    note: str = "",
    styles: ArticleStyles = DEFAULT_STYLES,
) -> Text:
    """Title line, then one dim line of feed, author, date and reading time, then
    ``note`` (where the text comes from: the web page or the feed's summary)."""
    text = Text(clean_line(article.title or doc.title), style=styles.title)
    parts = [feed_title, article.author, format_date(article.published)]
    if minutes and not any("read" in line.casefold() for line in doc.meta):
        parts.append(f"{minutes} min read")
    parts.extend(doc.meta)
    meta = " · ".join(clean_line(p) for p in parts if p and clean_line(p))
    if meta:
        text.append("\n")
        text.append(meta, style=styles.meta)
    if clean_line(note):
        text.append("\n")
        text.append(clean_line(note), style=styles.meta)
    return text


def _spans_text(block: Block, styles: ArticleStyles) -> Text:
    text = Text()
    for span in block.spans:
        content = clean_text(span.text)
        if span.kind == "emphasis":
            text.append(content, style=styles.emphasis)
        elif span.kind == "strong":
            text.append(content, style=styles.strong)
        elif span.kind == "code":
            text.append(content, style=styles.code)
        elif span.kind == "link":
            text.append(content, style=styles.link)
        else:
            text.append(content)
    return text


SPEAKER_MARK = "\u2015"  # ― before the names of who spoke in the paragraph above


def _link_suffixes(block: Block) -> list[tuple[int, str]]:
    """(offset, " [n]") after each numbered link, offsets in the block's text."""
    found: list[tuple[int, str]] = []
    offset = 0
    for span in block.spans:
        offset += len(span.text)
        if span.kind == "link" and span.number is not None:
            found.append((offset, f" [{span.number}]"))
    return found


def block_text(
    block: Block,
    index: int,
    quotes: Sequence[Quote] = (),
    *,
    current: Quote | None = None,
    styles: ArticleStyles = DEFAULT_STYLES,
) -> Text:
    """One block with its quotations highlighted, and who spoke on a dim line below it.

    ``quotes`` are all of the article's quotations; those touching block
    ``index`` are drawn (a quotation may run over several blocks). The speakers of
    the quotations that end in this block are named on their own line, so the
    paragraph itself stays the article's own words (and copies as them).
    """
    text = _spans_text(block, styles)
    if block.kind == "heading":
        text.stylize(styles.heading)
    elif block.kind == "caption":
        text.stylize(styles.caption)
    length = len(text)
    speakers: dict[str, None] = {}
    for quote in quotes:
        if not quote.paragraph <= index <= quote.final_paragraph:
            continue
        start = quote.start if quote.paragraph == index else 0
        end = quote.end if quote.final_paragraph == index else length
        start, end = max(0, min(start, length)), max(0, min(end, length))
        text.stylize(styles.current_quote if quote == current else styles.quote, start, end)
        name = clean_line(quote.speaker or "")
        if quote.final_paragraph == index and name:
            speakers.setdefault(name, None)
    inserts = [
        (offset, Text(label, style=styles.link_number)) for offset, label in _link_suffixes(block)
    ]
    if inserts:
        pieces = text.divide(offset for offset, _ in inserts)
        text = Text()
        for position, piece in enumerate(pieces):
            text.append_text(piece)
            if position < len(inserts):
                text.append_text(inserts[position][1])
    if speakers:
        text.append("\n")
        text.append(f"{SPEAKER_MARK} " + " · ".join(speakers), style=styles.speaker)
    return text


def _prefix(block: Block) -> str:
    if block.kind == "list_item":
        return "  " * max(0, block.level - 1) + "• "
    return ""


def article_text(
    doc: Document,
    article: Article,
    *,
    feed_title: str = "",
    minutes: int | None = None,
    quotes: Iterable[Quote] = (),
    styles: ArticleStyles = DEFAULT_STYLES,
) -> Text:
    """The whole article as one Text, for the terminal outside the app."""
    all_quotes = list(quotes)
    out = header_text(doc, article, feed_title=feed_title, minutes=minutes, styles=styles)
    out.append("\n")
    for index, block in enumerate(doc.blocks):
        out.append("\n")
        body = block_text(block, index, all_quotes, styles=styles)
        if block.kind == "blockquote":
            out.append("│ ")
            out.append_text(body)
            if block.attribution:
                out.append(f"\n│ — {clean_line(block.attribution)}", style=styles.meta)
        else:
            out.append(_prefix(block))
            out.append_text(body)
        out.append("\n")
    if doc.links:
        out.append("\nLinks\n", style=styles.heading)
        for link in doc.links:
            out.append(f"[{link.number}] ", style=styles.link_number)
            out.append(f"{clean_line(link.url)}\n")
    if doc.related:
        out.append(f"\n{clean_line(doc.related_heading or 'Related')}\n", style=styles.heading)
        for item in doc.related:
            out.append(f"• {clean_line(item.title)}")
            if item.url:
                out.append(f" <{clean_line(item.url)}>", style=styles.meta)
            out.append("\n")
            if item.blurb:
                out.append(f"  {clean_line(item.blurb)}\n", style=styles.meta)
    return out
