"""Quotation recall, precision and speaker accuracy on the annotated sets.

Run: python bench/quotes_accuracy.py [--detail]

Measured the way outside checks measure, through ``reader quotes FILE --json``.
tests/data/quotes_real is real news nobody here wrote (issue 16); quotes_unseen
was written here before the finder ran on it. Figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.quote_sets import measure  # noqa: E402

SETS = {
    "real news (40 articles)": ROOT / "tests" / "data" / "quotes_real",
    "unseen (12, written here)": ROOT / "tests" / "data" / "quotes_unseen",
}


def main() -> None:
    detail = "--detail" in sys.argv
    print(f"{'set':<28} {'quotes':>6} {'recall':>7} {'precision':>9} {'speaker':>8} {'time':>7}")
    for name, folder in SETS.items():
        started = time.perf_counter()
        figures = measure(folder)
        took = time.perf_counter() - started
        print(
            f"{name:<28} {figures.expected:>6} {figures.recall:>7.3f} "
            f"{figures.precision:>9.3f} {figures.accuracy:>8.3f} {took:>6.1f}s"
        )
        if detail:
            print("\n".join(figures.lines), end="\n\n")


if __name__ == "__main__":
    main()
