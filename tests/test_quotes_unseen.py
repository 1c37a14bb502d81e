"""Quotation finding measured on articles its author never saw while building it.

The twelve articles under tests/data/quotes_unseen were written (with their
``.expected.json`` tables) before the quote finder was ever run on them, in
styles unlike tests/data/quotes: wire copy, a match report, a court report,
science and earnings news, a profile with multi-paragraph quotes, a Q&A, an
op-ed with titles and scare quotes, a press conference, British single quotes,
European marks and tricky apostrophes. Six are plain text and six HTML, read
through the real parsers. Speakers were decided by a careful human reader:
titles, scare quotes and unnamed speakers are null.
"""

from __future__ import annotations

import json
from pathlib import Path

from reader.core.document import parse_html, parse_text
from reader.core.models import Document
from reader.core.quotes import find_quotes

DATA = Path(__file__).parent / "data" / "quotes_unseen"
CASES = sorted(
    path for path in DATA.iterdir() if path.suffix in (".txt", ".html") and path.is_file()
)

# The goals (issue 3). They hold, so they are what is asserted.
# First run, before any change to quotes.py: 84 expected, 84 found, 84 matched,
# recall 1.000, precision 1.000, speaker accuracy 0.929 (78/84). After general fixes
# (age descriptors, 'X, Name of Org, wrote', colon lead-ins, follow-on past the previous
# quote's own attribution, '— Name, in her book' credits): 1.000 / 1.000 / 1.000.
# Written by the person who then fixed the misses, so the "after" figure is optimistic.
GOAL_RECALL = 0.95
GOAL_PRECISION = 0.95
GOAL_SPEAKERS = 0.90

_TRAILING = " \t\n.,;:!?\u2026"

Row = tuple[str, str | None]


def _key(text: str) -> str:
    """Whitespace normalised; trailing punctuation ignored ('ready,' == 'ready.' == 'ready')."""
    return " ".join(text.split()).rstrip(_TRAILING)


def _document(path: Path) -> Document:
    source = path.read_text(encoding="utf-8")
    return parse_html(source) if path.suffix == ".html" else parse_text(source)


def _expected(path: Path) -> list[Row]:
    table = path.with_name(path.stem + ".expected.json")
    rows = json.loads(table.read_text(encoding="utf-8"))
    return [(row["text"], row["speaker"]) for row in rows]


def _found(path: Path) -> list[Row]:
    return [(quote.text, quote.speaker) for quote in find_quotes(_document(path))]


def _match(found: list[Row], expected: list[Row]) -> list[tuple[Row, Row]]:
    """Pairs (found, expected) matched by text; each expected row is used at most once."""
    remaining = list(expected)
    pairs = []
    for row in found:
        for n, want in enumerate(remaining):
            if _key(row[0]) == _key(want[0]):
                pairs.append((row, want))
                del remaining[n]
                break
    return pairs


def _measure() -> tuple[float, float, float, list[str]]:
    lines = [f"{'article':<26} {'exp':>4} {'found':>5} {'match':>5} {'spk ok':>6}  misses"]
    expected_total = found_total = matched_total = right_total = 0
    for path in CASES:
        expected, found = _expected(path), _found(path)
        pairs = _match(found, expected)
        right = sum(got[1] == want[1] for got, want in pairs)
        notes = [f"missed {t!r}" for t, _ in expected if all(w[0] != t for _, w in pairs)]
        matched_found = [id(got) for got, _ in pairs]
        notes += [f"extra {t!r}" for row in found if id(row) not in matched_found for t in row[:1]]
        notes += [
            f"speaker {got[1]!r} for {want[1]!r} ({_key(want[0])[:30]!r})"
            for got, want in pairs
            if got[1] != want[1]
        ]
        lines.append(
            f"{path.name:<26} {len(expected):>4} {len(found):>5} {len(pairs):>5} "
            f"{right:>6}  " + "; ".join(notes)
        )
        expected_total += len(expected)
        found_total += len(found)
        matched_total += len(pairs)
        right_total += right
    recall = matched_total / expected_total
    precision = matched_total / found_total if found_total else 0.0
    accuracy = right_total / matched_total if matched_total else 0.0
    lines.append(
        f"TOTAL: {len(CASES)} articles, {expected_total} expected, {found_total} found, "
        f"{matched_total} matched, {right_total} speakers right: recall {recall:.3f}, "
        f"precision {precision:.3f}, speaker accuracy {accuracy:.3f}"
    )
    return recall, precision, accuracy, lines


def test_the_unseen_set_is_complete() -> None:
    assert len(CASES) >= 12
    assert sum(path.suffix == ".html" for path in CASES) >= 6
    assert sum(path.suffix == ".txt" for path in CASES) >= 6
    for path in CASES:
        assert path.with_name(path.stem + ".expected.json").exists(), path.name


def test_unseen_figures() -> None:
    recall, precision, accuracy, lines = _measure()
    print("\n" + "\n".join(lines))
    assert recall >= GOAL_RECALL
    assert precision >= GOAL_PRECISION
    assert accuracy >= GOAL_SPEAKERS
