"""Benchmark reader.core.analysis.quotes: throughput on ordinary articles and a worst case.

Run: python bench/quotes.py  (goals: >= 500 articles/s on one core; the
100,000-unbalanced-marks article in < 1 s).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.core.analysis.quotes import find_quotes  # noqa: E402
from reader.core.models import Block, Document, Span  # noqa: E402

FIRST = ["Ana", "Bram", "Celia", "Dario", "Elin", "Femi", "Greta", "Hugo", "Ines", "Jonas"]
LAST = ["Petrov", "Okafor", "Lindqvist", "Marsh", "Tallis", "Varnholt", "Quist", "Brandt"]
VERBS = ["said", "told reporters", "added", "warned", "noted", "explained", "insisted"]
FILLER = (
    "The council met on Tuesday to discuss the budget, and the session ran late into the "
    "evening while residents waited outside the hall for news about the ferry fares. "
)
SAYING = [
    "We will not accept this plan as it stands",
    "The numbers don't add up, and everyone in the '90s knew it",
    "It is a good day for the town",
    "Nobody expected the storm to last this long",
]


def article(rng: random.Random, size: int = 3000) -> Document:
    """A ~3 KB article: narrative, attributed quotes, follow-ons and apostrophes."""
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)]
    paragraphs = [f"Council chair {people[0]} opened the meeting in Velmora's town hall."]
    length = len(paragraphs[0])
    while length < size:
        who = rng.choice(people)
        short = who.split()[-1]
        roll = rng.random()
        if roll < 0.3:
            text = f"\u201c{rng.choice(SAYING)},\u201d {short} {rng.choice(VERBS)}."
        elif roll < 0.45:
            text = f"\u201c{rng.choice(SAYING)},\u201d he said. \u201c{rng.choice(SAYING)}.\u201d"
        elif roll < 0.6:
            text = f'{who} said the plan was "{rng.choice(SAYING).lower()}."'
        else:
            text = FILLER
        paragraphs.append(text)
        length += len(text)
    return Document("bench", blocks=tuple(Block("paragraph", (Span(p),)) for p in paragraphs))


def worst_cases() -> dict[str, Document]:
    """Articles of 100,000 unbalanced quote marks, in a few shapes."""
    rng = random.Random(7)
    marks = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
    shapes = {
        "100k \u201c openers": "\u201c" * 100_000,
        '100k " with words': '"a ' * 100_000,
        "100k mixed marks": "".join(
            rng.choice(marks) + rng.choice(["", "x", " ", "said ", "Ana "]) for _ in range(100_000)
        ),
        "100k \u201c, no closers": "He said \u201cyes " * 100_000,
    }
    return {
        name: Document("worst", blocks=(Block("paragraph", (Span(text),)),))
        for name, text in shapes.items()
    }


def main() -> None:
    rng = random.Random(42)
    docs = [article(rng) for _ in range(1000)]
    size = sum(len(d.text) for d in docs) / len(docs)
    found = 0
    start = time.perf_counter()
    for doc in docs:
        found += len(find_quotes(doc))
    elapsed = time.perf_counter() - start
    rate = len(docs) / elapsed
    rows = [
        (
            "1,000 articles",
            f"{size / 1000:.1f} KB avg, {found} quotes",
            f"{rate:,.0f} articles/s",
            "PASS" if rate >= 500 else "FAIL",
        ),
    ]
    for name, doc in worst_cases().items():
        start = time.perf_counter()
        count = len(find_quotes(doc))
        took = time.perf_counter() - start
        rows.append(
            (name, f"{count} quotes", f"{took * 1000:,.0f} ms", "PASS" if took < 1 else "FAIL")
        )
    print(f"{'case':<24} {'detail':<28} {'result':>18}  goal")
    for row in rows:
        print(f"{row[0]:<24} {row[1]:<28} {row[2]:>18}  {row[3]}")


if __name__ == "__main__":
    main()
