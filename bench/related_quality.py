"""Same-story quality of the sidebar's archive suggestions, on real labelled news.

Run: python bench/related_quality.py [--data bench/data/ecbplus.jsonl.gz] [--show N]

The archive is ECB+ (bench/_ecbplus.py): 982 real news articles, 43 topics of two
seminal events each; the labels are the corpus's own (same topic and half = same
story; same topic = related). The articles go through reader's own ingest: seven
RSS files ("outlets", an article's outlet from a hash of its id) added with
``Library.add``, then ``reader index`` in a subprocess (timed: the per-article
cost of analysis), then ``Library.related`` for every article in-process, as the
sidebar asks. Suggestions of kind "archive" are judged against the labels:

- same-story precision@5: same-story suggestions / (5 x articles); missing
  suggestions count as wrong;
- related-or-better precision@5: same topic, same denominator;
- top-1 same story: articles whose first suggestion is the same story;
- related() time per article once indexed (the sidebar's wait).

Topics are split: odd topics are the development half (looked at while tuning),
even topics the held-out half (not looked at until the end); both are printed,
and the whole archive is the haystack for every query.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.core.library import open_library  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "ecbplus.jsonl.gz"
OUTLETS = 7
K = 5


def _link(row: dict[str, object]) -> str:
    return f"https://ecbplus.example/{row['id']}"


def write_feeds(rows: list[dict[str, object]], folder: Path) -> list[Path]:
    """Seven RSS files; an article's outlet is fixed by its id."""
    items: dict[int, list[str]] = {}
    for row in rows:
        outlet = zlib.crc32(str(row["id"]).encode()) % OUTLETS
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in str(row["text"]).split("\n\n") if p)
        published = row["published"]
        date = ""
        if isinstance(published, str):
            date = f"<pubDate>{format_datetime(datetime.fromisoformat(published))}</pubDate>"
        items.setdefault(outlet, []).append(
            f"<item><guid>{_link(row)}</guid><title>{escape(str(row['title']))}</title>"
            f"<link>{_link(row)}</link>{date}<description>{escape(paragraphs)}</description></item>"
        )
    paths = []
    for outlet, entries in sorted(items.items()):
        path = folder / f"outlet{outlet}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {outlet}</title><link>https://ecbplus.example/{outlet}/</link>"
            f"<description>ECB+ articles</description>{''.join(entries)}</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show", type=int, default=6, help="print N articles' suggestions")
    parser.add_argument("--dump", type=Path, help="write every article's suggestions (JSON)")
    args = parser.parse_args()
    with gzip.open(args.data, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    by_link = {_link(row): row for row in rows}

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        library = open_library(db, seed=False)
        for path in write_feeds(rows, Path(tmp)):
            outcome = library.add(str(path))
            if outcome.error:
                raise SystemExit(f"{path}: {outcome.error}")
        library.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "reader", "--db", str(db), "index"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        index_seconds = time.perf_counter() - started
        print(done.stdout.strip())

        library = open_library(db, seed=False)
        articles = library.articles()
        if len(articles) != len(rows):
            raise SystemExit(f"{len(articles)} articles stored of {len(rows)}")
        library.related(articles[0].id)  # builds the archive indexes
        results: dict[str, list[tuple[dict[str, object], str]]] = {}
        times = []
        for article in articles:
            started = time.perf_counter()
            links = library.related(article.id)
            times.append(time.perf_counter() - started)
            suggestions = []
            for link in links:
                if link.kind == "archive" and link.url in by_link:
                    suggestions.append((by_link[link.url], link.reason or ""))
            results[str(by_link[article.link]["id"])] = suggestions
        library.close()

    if args.dump:
        args.dump.write_text(
            json.dumps(
                {a: [(str(o["id"]), r) for o, r in found] for a, found in results.items()}, indent=0
            )
        )

    def figures(name: str, keep: int) -> list[str]:
        chosen = [r for r in rows if int(r["topic"]) % 2 == keep or keep < 0]
        same = related = top1 = given = 0
        for row in chosen:
            found = results[str(row["id"])][:K]
            given += len(found)
            same += sum(other["story"] == row["story"] for other, _ in found)
            related += sum(other["topic"] == row["topic"] for other, _ in found)
            top1 += bool(found) and found[0][0]["story"] == row["story"]
        n = len(chosen)
        return [
            f"| {name} | {n} | {same / (K * n):.3f} | {related / (K * n):.3f} "
            f"| {top1} ({top1 / n:.1%}) | {given / n:.2f} |"
        ]

    print()
    print(
        "| queries | articles | same-story P@5 | related-or-better P@5 | top-1 same story "
        "| suggestions per article |"
    )
    print("|---|---|---|---|---|---|")
    for line in (
        figures("development (odd topics)", 1)
        + figures("held-out (even topics)", 0)
        + figures("all", -1)
    ):
        print(line)
    q = statistics.quantiles(times, n=100)
    print()
    print(
        f"| `reader index` | {index_seconds:.2f} s, {1000 * index_seconds / len(rows):.2f} ms "
        "per article (incl. start-up) |"
    )
    print(
        f"| Library.related once indexed, p50 / p95 / max | {1000 * q[49]:.1f} / "
        f"{1000 * q[94]:.1f} / {1000 * max(times):.1f} ms |"
    )
    print()
    shown = [r for r in rows if int(r["topic"]) % 2 == 1][:: max(1, 490 // max(args.show, 1))]
    for row in shown[: args.show]:
        print(f"{row['id']} [{row['story']}] {str(row['title'])[:70]}")
        for other, reason in results[str(row["id"])][:K]:
            mark = (
                "="
                if other["story"] == row["story"]
                else "~"
                if other["topic"] == row["topic"]
                else " "
            )
            print(f"   {mark} {other['id']:<12} {reason[:90]}")


if __name__ == "__main__":
    main()
