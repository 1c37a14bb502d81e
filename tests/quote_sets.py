"""Measuring the quotation finder on an annotated set, through ``reader quotes FILE --json``.

A set is a folder of articles (``.txt``: headline, blank line, paragraphs; ``.html``)
each with ``NAME.expected.json`` rows ``{"paragraph", "text", "speaker"}`` written by
a reader before the finder ran on it. Rows pair by text (whitespace normalised,
trailing punctuation ignored); a speaker is right only when it is exactly the name
the table gives.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from reader.cli import main

_TRAILING = " \t\n.,;:!?\u2026"

Row = tuple[str, str | None]


def key(text: str) -> str:
    """Whitespace normalised; trailing punctuation ignored ('ready,' == 'ready.' == 'ready')."""
    return " ".join(text.split()).strip(_TRAILING)


def cases(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html") and p.is_file())


def expected(path: Path) -> list[Row]:
    table = path.with_name(path.stem + ".expected.json")
    return [(row["text"], row["speaker"]) for row in json.loads(table.read_text("utf-8"))]


def found(path: Path) -> list[Row]:
    """What ``reader quotes FILE --json`` prints, as (text, speaker) rows."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["quotes", str(path), "--json"]) == 0
    return [(row["text"], row["speaker"]) for row in json.loads(out.getvalue())]


def match(got: list[Row], want: list[Row]) -> list[tuple[Row, Row]]:
    """Pairs (found, expected) matched by text; each expected row is used at most once."""
    remaining = list(want)
    pairs = []
    for row in got:
        for n, candidate in enumerate(remaining):
            if key(row[0]) == key(candidate[0]):
                pairs.append((row, candidate))
                del remaining[n]
                break
    return pairs


@dataclass
class Figures:
    expected: int = 0
    found: int = 0
    matched: int = 0
    right: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def accuracy(self) -> float:
        return self.right / self.matched if self.matched else 0.0

    def total(self) -> str:
        return (
            f"TOTAL: {self.expected} expected, {self.found} found, {self.matched} matched, "
            f"{self.right} speakers right: recall {self.recall:.3f}, precision "
            f"{self.precision:.3f}, speaker accuracy {self.accuracy:.3f}"
        )


def measure(folder: Path) -> Figures:
    figures = Figures()
    figures.lines.append(
        f"{'article':<28} {'exp':>4} {'found':>5} {'match':>5} {'spk ok':>6}  misses"
    )
    found_cases = cases(folder)
    for path in found_cases:
        want, got = expected(path), found(path)
        pairs = match(got, want)
        right = sum(g[1] == w[1] for g, w in pairs)
        matched_want = {id(w) for _, w in pairs}
        matched_got = {id(g) for g, _ in pairs}
        notes = [f"missed {w[0][:40]!r}" for w in want if id(w) not in matched_want]
        notes += [f"extra {g[0][:40]!r}" for g in got if id(g) not in matched_got]
        notes += [
            f"speaker {g[1]!r} for {w[1]!r} ({key(w[0])[:30]!r})" for g, w in pairs if g[1] != w[1]
        ]
        figures.lines.append(
            f"{path.name:<28} {len(want):>4} {len(got):>5} {len(pairs):>5} {right:>6}  "
            + "; ".join(notes)
        )
        figures.expected += len(want)
        figures.found += len(got)
        figures.matched += len(pairs)
        figures.right += right
    figures.lines.append(f"{len(found_cases)} articles. " + figures.total())
    return figures
