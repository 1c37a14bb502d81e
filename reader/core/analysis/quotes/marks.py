"""Pass 1: pairing quote marks in linear time, double marks first, then single marks
inside each region, so a text full of unbalanced marks stays O(n)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from reader.core.analysis.quotes.words import (
    _CLOSE_CONTEXT,
    _CONTINUE_BLOCKS,
    _CONTINUE_MARK,
    _DOUBLE_MARK,
    _ELISION,
    _FEET,
    _MAX_DEPTH,
    _OPEN_CONTEXT,
    _SINGLE_MARK,
    _WORDISH,
)


@dataclass(slots=True)
class _Open:
    """An opening mark waiting for its closer."""

    family: str
    block: int
    pos: int
    outer: _Open | None  # the quote it was opened inside
    pieces: list[tuple[int, int]] = field(default_factory=list)  # (block, inner start)
    span: int | None = None  # index into the pairer's spans once closed


@dataclass(slots=True)
class _Span:
    """A paired quotation; ``extents`` are per-block (block, start, end) incl. marks."""

    block: int
    start: int
    last_block: int
    end: int
    text: str
    depth: int
    extents: list[tuple[int, int, int]]
    parent: int | None = None  # index of the enclosing span (nested quotes)
    speaker: str | None = None
    outer: _Open | None = None  # while pairing: the enclosing opener


def _flanks(text: str, i: int) -> tuple[bool, bool]:
    """Whether the mark at ``i`` can open (left-flanking) and close (right-flanking)."""
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    can_open = not nxt.isspace() and (prev.isspace() or prev in _OPEN_CONTEXT)
    can_close = not prev.isspace() and (nxt.isspace() or nxt in _CLOSE_CONTEXT)
    return can_open, can_close


def _is_inch_mark(text: str, i: int, straight_open: bool) -> bool:
    """5'11" and 12" are measurements: a digit before and no quote to close."""
    if not i or not text[i - 1].isdigit():
        return False
    return not straight_open or bool(_FEET.search(text, max(0, i - 8), i))


class _DoublePairer:
    """Pairs double marks across blocks with a small stack (linear time)."""

    def __init__(self, texts: Sequence[str], kinds: Sequence[str]) -> None:
        self.texts = texts
        self.kinds = kinds
        self.stack: list[_Open] = []
        self.spans: list[_Span] = []

    def run(self) -> list[_Span]:
        for bi, text in enumerate(self.texts):
            skip = self._continue_into(bi, text)
            if text.isascii() and '"' not in text:
                continue  # of the double marks only the straight one is ASCII: none here
            for match in _DOUBLE_MARK.finditer(text):
                if match.start() != skip:
                    self._mark(bi, text, match.start(), match.group())
        return self.spans

    def _continue_into(self, bi: int, text: str) -> int:
        """Carry an unclosed quote on when the next paragraph opens with a quote mark."""
        if not self.stack:
            return -1
        bottom = self.stack[0]
        lead = len(text) - len(text.lstrip())
        if (
            bi > 0
            and self.kinds[bi] in _CONTINUE_BLOCKS
            and self.kinds[bi - 1] in _CONTINUE_BLOCKS
            and text[lead : lead + 1] == _CONTINUE_MARK[bottom.family]
            and bottom.pieces[-1][0] == bi - 1
        ):
            del self.stack[1:]
            bottom.pieces.append((bi, lead + 1))
            return lead
        self.stack.clear()  # an opener nobody closed: a stray mark
        return -1

    def _find(self, families: tuple[str, ...]) -> int:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k].family in families:
                return k
        return -1

    def _push(self, family: str, bi: int, pos: int) -> None:
        same = self._find((family,))
        if same >= 0:  # English never nests a mark in itself: the older one was stray
            del self.stack[same:]
        if len(self.stack) >= _MAX_DEPTH:
            return
        outer = self.stack[-1] if self.stack else None
        self.stack.append(_Open(family, bi, pos, outer, [(bi, pos + 1)]))

    def _close(self, k: int, bi: int, pos: int, width: int = 1) -> None:
        entry = self.stack[k]
        del self.stack[k:]
        pieces: list[str] = []
        extents: list[tuple[int, int, int]] = []
        for n, (block, inner) in enumerate(entry.pieces):
            stop = pos if block == bi else len(self.texts[block])
            pieces.append(self.texts[block][inner:stop])
            first = entry.pos if n == 0 else inner - 1
            extents.append((block, first, pos + width if block == bi else stop))
        body = "\n".join(piece.strip() for piece in pieces) if len(pieces) > 1 else pieces[0]
        if not _WORDISH.search(body):
            return
        entry.span = len(self.spans)
        self.spans.append(
            _Span(entry.block, entry.pos, bi, pos + width, body, k, extents, outer=entry.outer)
        )

    def _mark(self, bi: int, text: str, i: int, ch: str) -> None:  # noqa: C901 - a flat table
        can_open, can_close = _flanks(text, i)
        top = self.stack[-1].family if self.stack else ""
        if ch == "\u2019\u2019":
            k = self._find(("curly", "low", "straight"))
            if k >= 0 and can_close:
                self._close(k, bi, i, 2)
        elif ch == "\u201e":
            self._push("low", bi, i)
        elif ch == "\u00ab":
            k = self._find(("guil_rev",))
            if k >= 0:
                self._close(k, bi, i)
            else:
                self._push("guil", bi, i)
        elif ch == "\u00bb":
            k = self._find(("guil",))
            if k >= 0:
                self._close(k, bi, i)
            elif can_open and not can_close:
                self._push("guil_rev", bi, i)
        elif ch == "\u201c":
            k = self._find(("low",))
            if k >= 0:
                self._close(k, bi, i)
            elif top == "curly" and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # sloppy “…“
            else:
                self._push("curly", bi, i)
        elif ch == "\u201d":
            k = self._find(("curly", "low", "swedish"))
            if k >= 0:
                self._close(k, bi, i)
            elif top == "straight" and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # mixed "…”
            elif can_open and not can_close:
                self._push("swedish", bi, i)  # Swedish ”…”
        else:  # straight "
            k = self._find(("straight",))
            if _is_inch_mark(text, i, k >= 0):
                return
            if k >= 0:
                if can_open and not can_close:
                    self._push("straight", bi, i)
                else:
                    self._close(k, bi, i)
            elif top in ("curly", "low") and can_close and not can_open:
                self._close(len(self.stack) - 1, bi, i)  # mixed “…"
            elif can_open or (text[i - 1 : i] == " " and text[i + 1 : i + 2] == " "):
                self._push("straight", bi, i)  # '" You guys …"': nothing open, so it opens


def _pair_singles(texts: Sequence[str], doubles: list[_Span]) -> list[_Span]:
    """Pair single marks inside each double quotation (and at top level), never across."""
    by_block: dict[int, list[tuple[int, int, int]]] = {}
    for index, span in enumerate(doubles):
        for block, start, end in span.extents:
            by_block.setdefault(block, []).append((start, end, index))
    found: list[_Span] = []
    for bi, text in enumerate(texts):
        if "'" not in text and (
            text.isascii()  # the other single marks are beyond ASCII
            or ("\u2018" not in text and "\u2039" not in text and "\u201a" not in text)
        ):
            continue
        regions = sorted(by_block.get(bi, []), key=lambda r: (r[0], -r[1]))
        groups: dict[int, list[tuple[int, str, bool, bool]]] = {}
        active: list[tuple[int, int, int]] = []
        ri = 0
        for match in _SINGLE_MARK.finditer(text):
            i = match.start()
            if text[i : i + 2] == "\u2019\u2019" or text[i - 1 : i + 1] == "\u2019\u2019":
                continue  # a double closing mark, paired in pass 1
            while ri < len(regions) and regions[ri][0] < i:
                active.append(regions[ri])
                ri += 1
            while active and active[-1][1] <= i:
                active.pop()
            # the stack may hold finished siblings under a live one; drop them lazily
            region = -1
            for start, end, index in reversed(active):
                if start < i < end - 1:
                    region = index
                    break
            opener, closer = _single_roles(text, i, match.group())
            if opener or closer:
                groups.setdefault(region, []).append((i, match.group(), opener, closer))
        for region, marks in groups.items():
            found.extend(_pair_single_group(text, bi, region, marks, doubles))
    return found


def _single_roles(text: str, i: int, ch: str) -> tuple[bool, bool]:
    """Decide whether a single mark may open or close; apostrophes do neither."""
    can_open, can_close = _flanks(text, i)
    if ch == "\u2039":
        return True, False
    if ch == "\u203a":
        return False, True
    opener = can_open and ch in "'\u2018\u201a" and not _ELISION.match(text, i + 1)
    closer = can_close and ch in "'\u2019\u2018" and not (ch == "'" and text[i - 1].isdigit())
    return opener, closer


def _pair_single_group(
    text: str,
    bi: int,
    region: int,
    marks: list[tuple[int, str, bool, bool]],
    doubles: list[_Span],
) -> list[_Span]:
    stack: list[tuple[int, str]] = []
    spans: list[_Span] = []
    last_closer = max((n for n, m in enumerate(marks) if m[3]), default=-1)
    for n, (i, ch, opener, closer) in enumerate(marks):
        if closer and stack:
            start, open_ch = stack[-1]
            if ch == "\u2018" and open_ch != "\u201a":
                continue
            # "the players’ union": a plural possessive when a later closer exists
            nxt = text[i + 1 : i + 3]
            if (
                text[i - 1] == "s"
                and len(nxt) == 2
                and nxt[0] == " "
                and nxt[1].islower()
                and n < last_closer
            ):
                continue
            stack.pop()
            body = text[start + 1 : i]
            if _WORDISH.search(body):
                depth = doubles[region].depth + 1 if region >= 0 else 0
                spans.append(
                    _Span(
                        bi,
                        start,
                        bi,
                        i + 1,
                        body,
                        depth,
                        [(bi, start, i + 1)],
                        region if region >= 0 else None,
                    )
                )
        elif opener and len(stack) < _MAX_DEPTH:
            stack.append((i, ch))
    return spans


def _nest_in_singles(doubles: list[_Span], singles: list[_Span], offset: int) -> None:
    """British style: ‘He said “no” to me’ makes the double quote the inner one."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for index, span in enumerate(doubles):
        if span.depth == 0 and span.last_block == span.block:
            starts.setdefault(span.block, []).append((span.start, index))
    reach = (-1, -1)  # (block, end) of the last single looked inside
    for number in sorted(range(len(singles)), key=lambda n: (singles[n].block, singles[n].start)):
        single = singles[number]
        inside = starts.get(single.block)
        if single.depth or not inside or (single.block, single.end) <= reach:
            continue  # nothing, or already inside an outer single: each double is seen once
        reach = (single.block, single.end)
        k = bisect_right(inside, (single.start, len(doubles)))
        while k < len(inside) and inside[k][0] < single.end:
            span = doubles[inside[k][1]]
            if span.end <= single.end:
                span.depth, span.parent = 1, offset + number
            k += 1


def _pair_marks(texts: Sequence[str], kinds: Sequence[str]) -> list[_Span]:
    """All quotations in reading order, nested ones knowing their parent."""
    doubles = _DoublePairer(texts, kinds).run()
    for span in reversed(doubles):  # outer quotes close last: set their depth first
        # an inner quote whose outer one never closed stands on its own
        outer = span.outer
        span.parent = outer.span if outer is not None else None
        span.depth = doubles[span.parent].depth + 1 if span.parent is not None else 0
        span.outer = None
    singles = _pair_singles(texts, doubles)
    _nest_in_singles(doubles, singles, len(doubles))
    spans = doubles + singles
    order = sorted(range(len(spans)), key=lambda n: (spans[n].block, spans[n].start))
    remap = {old: new for new, old in enumerate(order)}
    result = [spans[n] for n in order]
    for span in result:
        if span.parent is not None:
            span.parent = remap[span.parent]
    return result


def _final_mark(text: str) -> str:
    """The quotation's last punctuation, looking past the closing marks of nested quotes."""
    return text.rstrip().rstrip("'\"\u2019\u201d\u00bb\u203a")[-1:]
