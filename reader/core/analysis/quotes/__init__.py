"""Find the quotations in an article and name who said each one.

Three passes keep this fast and predictable on hostile input:

1. A linear scanner pairs quote marks (double marks first, then single marks
   inside each region), so a text full of unbalanced marks stays O(n) and no
   regex can backtrack.
2. The narrative (every quotation masked out, so a name *inside* a quote can
   never become its speaker) is read for its people and organisations: full
   names (headline and quotations included, for expansion only), genders from
   honorifics, the article's own pronouns and a first-name table, and who each
   sentence is about.
3. Each quotation is attributed: sentence-local (a speech verb and its subject
   next to the quote), then follow-on (a quote with no attribution continues
   the last speaker), then the sentence or lead-in it stands in.

When no rule fires the quote keeps no speaker: better none than wrong.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate

from reader.core.analysis.quotes.attributor import (
    _Attributor,
)
from reader.core.analysis.quotes.marks import (
    _pair_marks,
    _Span,
)
from reader.core.analysis.quotes.names import (
    _Article,
)
from reader.core.analysis.quotes.words import (
    _DOUBLE_MARK,
    _PULL_QUOTES,
    _SINGLE_MARK,
    _TITLE_WORD,
)
from reader.core.models import Block, Document, Quote, Span

HEADLINE = -1  # the ``paragraph`` of a quotation in the headline

__all__ = ["HEADLINE", "find_quotes", "speakers"]


def _whole_block(span: _Span, texts: Sequence[str]) -> bool:
    """The quotation is all its paragraph holds (a subheading, a pull quote)."""
    text = texts[span.block]
    return span.last_block == span.block and not (text[: span.start] + text[span.end :]).strip()


def _pull_quotes(spans: Sequence[_Span], texts: Sequence[str]) -> None:
    """A quotation repeated from an attributed one (a pull quote, a subheading) is theirs.

    Only a whole paragraph or a long quotation counts: a slogan is repeated by many.
    """
    said = [s for s in spans if s.speaker and s.depth == 0]
    if not said or all(s.speaker or s.depth for s in spans):
        return
    joined = ""  # the attributed quotations' words, made when first needed
    ends: list[int] = []
    looked = 0
    for span in spans:
        if span.speaker is None and span.depth == 0 and looked < _PULL_QUOTES:
            words = _TITLE_WORD.findall(span.text.lower())
            if len(words) >= 6 or (len(words) == 5 and _whole_block(span, texts)):
                looked += 1  # a bounded number of searches: hostile text has thousands
                if not ends:
                    texts_said = [" ".join(_TITLE_WORD.findall(s.text.lower())) for s in said]
                    joined = "\n".join(texts_said)
                    ends = list(accumulate(len(text) + 1 for text in texts_said))
                at = joined.find(" ".join(words))
                if at >= 0:
                    span.speaker = said[bisect_right(ends, at)].speaker


def find_quotes(doc: Document) -> list[Quote]:
    """Every quotation of ``doc`` in reading order, each with its speaker if known.

    Quotations in the headline come first, with ``paragraph`` :data:`HEADLINE` (-1).
    """
    blocks: Sequence[Block] = doc.blocks
    shift = 0
    if doc.title and (_DOUBLE_MARK.search(doc.title) or _SINGLE_MARK.search(doc.title)):
        # The headline is read as a heading before the body: its quotes are found and
        # attributed with the rest, and nothing follows on from a heading.
        blocks = (Block("heading", (Span(doc.title),)), *blocks)
        shift = 1
    kinds = [block.kind for block in blocks]
    whole = [block.text for block in blocks]  # each joined from its spans: once
    # a "string" in a code sample is not a quotation
    texts = [
        "" if kind == "preformatted" else text for kind, text in zip(kinds, whole, strict=True)
    ]
    spans = _pair_marks(texts, kinds)
    if not spans:
        return []
    article = _Article(doc, spans, blocks, whole)
    _Attributor(article, spans).run()
    _pull_quotes(spans, texts)
    return [
        Quote(
            paragraph=span.block - shift,
            start=span.start,
            end=span.end,
            text=span.text,
            speaker=span.speaker,
            last_paragraph=span.last_block - shift if span.last_block != span.block else None,
        )
        for span in spans
    ]


def speakers(quotes: Iterable[Quote]) -> list[str]:
    """Distinct speakers in order of first quotation, for a 'who is quoted' line."""
    seen: dict[str, None] = {}
    for quote in quotes:
        if quote.speaker:
            seen.setdefault(quote.speaker, None)
    return list(seen)
