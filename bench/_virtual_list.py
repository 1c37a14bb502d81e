"""Prototype for issue 9: a virtualised two-line article list vs OptionList + rich Table rows.

Run: python bench/_virtual_list.py [--rows 100000]

Both lists get the same rows (title line, meta line) in a 120x40 headless app;
it prints the time to show the rows (set + first paint) and the median / p95
time of a cursor move to the next idle, so the two designs can be compared on
this machine. The prototype keeps only plain data per row and renders Strips
for the ~20 rows on screen (Line API: render_line); heights are fixed (2 lines
a row), so nothing is measured per row and a read mark repaints one row.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class VirtualList(ScrollView, can_focus=True):
    """Rows of (title, meta, unread); two lines each; only visible rows are rendered."""

    BINDINGS = [Binding("j,down", "down"), Binding("k,up", "up")]
    ROW = 2

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows: list[tuple[str, str, bool]] = []
        self.cursor = 0
        self._cache: dict[tuple[int, bool, int], tuple[Strip, Strip]] = {}

    def set_rows(self, rows: list[tuple[str, str, bool]]) -> None:
        self.rows = rows
        self.cursor = 0
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(rows) * self.ROW)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def mark(self, index: int, unread: bool) -> None:
        title, meta, _ = self.rows[index]
        self.rows[index] = (title, meta, unread)
        self.refresh_row(index)

    def refresh_row(self, index: int) -> None:
        y = index * self.ROW - round(self.scroll_offset.y)
        self.refresh(Region(0, y, self.size.width, self.ROW))

    def _strips(self, index: int, selected: bool, width: int) -> tuple[Strip, Strip]:
        key = (index, selected, width)
        hit = self._cache.get(key)
        if hit is None:
            title, meta, unread = self.rows[index]
            base = Style(reverse=True) if selected else Style()
            first = ("● " if unread else "  ") + title
            if len(first) > width:
                first = first[: width - 1] + "…"
            second = ("  " + meta)[:width]
            hit = (
                Strip([Segment(first.ljust(width), base + Style(bold=unread))], width),
                Strip([Segment(second.ljust(width), base + Style(dim=True))], width),
            )
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def render_line(self, y: int) -> Strip:
        line = round(self.scroll_offset.y) + y
        index, part = divmod(line, self.ROW)
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width)
        return self._strips(index, index == self.cursor, width)[part]

    def _move(self, delta: int) -> None:
        old = self.cursor
        self.cursor = max(0, min(len(self.rows) - 1, old + delta))
        if self.cursor == old:
            return
        top = self.cursor * self.ROW
        height = self.scrollable_content_region.height
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False)
        elif top + self.ROW > self.scroll_offset.y + height:
            self.scroll_to(y=top + self.ROW - height, animate=False)
        self.refresh_row(old)
        self.refresh_row(self.cursor)

    def action_down(self) -> None:
        self._move(1)

    def action_up(self) -> None:
        self._move(-1)


def table_row(title: str, meta: str, unread: bool) -> Table:
    """What reader/ui/widgets/article_list.py builds per row today."""
    first = Text(no_wrap=True, overflow="ellipsis")
    first.append("● " if unread else "  ")
    first.append(title, style=Style(bold=unread))
    row = Table.grid(expand=True)
    row.add_column(no_wrap=True, overflow="ellipsis")
    row.add_row(first)
    row.add_row(Text("  " + meta, no_wrap=True, overflow="ellipsis"))
    return row


class Bench(App[None]):
    CSS = "#list { width: 38; height: 1fr; border: round $panel; }"

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield VirtualList(id="list") if self.kind == "virtual" else OptionList(id="list")


async def run(kind: str, rows: list[tuple[str, str, bool]], keys: int) -> dict[str, float]:
    app = Bench(kind)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        widget = app.query_one("#list")
        widget.focus()
        await pilot.pause()
        t0 = time.perf_counter()
        if kind == "virtual":
            widget.set_rows(rows)  # type: ignore[attr-defined]
        else:
            options = [Option(table_row(*r), id=str(i)) for i, r in enumerate(rows)]
            out["build options"] = time.perf_counter() - t0
            widget.set_options(options)  # type: ignore[attr-defined]
            widget.highlighted = 0  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        out["show rows"] = time.perf_counter() - t0
        moves = []
        for _ in range(keys):
            t1 = time.perf_counter()
            await pilot.press("j")
            moves.append(time.perf_counter() - t1)
        out["move median"] = statistics.median(moves)
        out["move p95"] = sorted(moves)[int(0.95 * (len(moves) - 1))]
        t1 = time.perf_counter()
        if kind == "virtual":
            widget.mark(3, False)  # type: ignore[attr-defined]
        else:
            widget.replace_option_prompt("3", table_row(*rows[3][:2], False))  # type: ignore[attr-defined]
        await pilot.pause()
        out["mark one row read"] = time.perf_counter() - t1
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--kinds", default="virtual,optionlist")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--tmux", action="store_true", help="time j in a real terminal (tmux)")
    args = parser.parse_args()
    if args.tmux:
        for kind in args.kinds.split(","):
            tmux_moves(kind, args.rows, args.keys)
        return
    rows = [
        (
            f"Story {i}: Marsh defends the harbour plan in Kestrel Bay",
            f"31 Aug 2026 · Feed {i % 200}",
            True,
        )
        for i in range(args.rows)
    ]
    if args.serve:
        Serve(args.serve, rows).run()
        return
    for kind in args.kinds.split(","):
        result = asyncio.run(run(kind, rows, args.keys))
        print(
            f"{kind:11} " + "  ".join(f"{k} {v * 1000:.1f} ms" for k, v in result.items()),
            flush=True,
        )


class Serve(Bench):
    """The prototype as a real app: ``--serve`` (for timing in tmux like bench/scale.py)."""

    def __init__(self, kind: str, rows: list[tuple[str, str, bool]]) -> None:
        super().__init__(kind)
        self.rows = rows

    def on_mount(self) -> None:
        widget = self.query_one("#list")
        widget.focus()
        if self.kind == "virtual":
            widget.set_rows(self.rows)  # type: ignore[attr-defined]
        else:
            widget.set_options(Option(table_row(*r), id=str(i)) for i, r in enumerate(self.rows))  # type: ignore[attr-defined]
            widget.highlighted = 0  # type: ignore[attr-defined]


def tmux_moves(kind: str, rows: int, keys: int) -> None:
    """Launch ``--serve`` in tmux 120x40 and time j -> screen change, as bench/scale.py does."""
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    from _tmux import Tmux

    tmux = Tmux(120, 40)
    try:
        target, started = tmux.launch(
            [sys.executable, __file__, "--serve", kind, "--rows", str(rows)]
        )
        seen, _ = tmux.wait(target, lambda ls: "Story 0:" in "".join(ls), timeout=600)
        first = seen - started
        tmux.quiet(target, 0.3)
        times = []
        for _ in range(keys):
            before = tmux.screen(target, escapes=True)
            sent = tmux.keys(target, "Down")  # OptionList binds down (j is ArticleList's own)
            seen, _ = tmux.wait(target, lambda ls: ls != before, timeout=60, escapes=True)
            times.append(seen - sent)
            time.sleep(0.01)
        print(
            f"{kind:11} tmux: first paint {first * 1000:.0f} ms, j -> repaint median "
            f"{statistics.median(times) * 1000:.1f} ms, p95 {sorted(times)[int(0.95 * (len(times) - 1))] * 1000:.1f} ms"
        )
    finally:
        tmux.close()


if __name__ == "__main__":
    main()
