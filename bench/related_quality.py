"""Same-story quality of the sidebar's archive suggestions, on real labelled news.

Run: python bench/related_quality.py [ARCHIVE.jsonl.gz ...] [--show N] [--dump FILE]

Two archives of real news with the corpora's own same-story labels (built by
bench/_ecbplus.py and bench/_gva.py; see their docstrings):

- ecbplus: 982 articles of ECB+, 43 topics of two seminal events each (same
  topic and half = same story; same topic = related). Easy: its stories barely
  share people or wording.
- gva2015: 1,270 pages on 724 US shootings of 2015 (Gun Violence Archive
  incidents): every story told in the same words, places recurring, pages dated
  from the same day to months apart, boilerplate kept. Hard, and closest to an
  archive where the same people and subjects recur all year.

Each archive goes through reader's own ingest: seven RSS files ("outlets", an
article's outlet from a hash of its id) added with ``Library.add``, then
``reader index`` in a subprocess (timed: the per-article cost of analysis), then
``Library.related`` for every article in-process, as the sidebar asks.
Suggestions of kind "archive" are judged against the labels, over the articles
that have at least one same-story sibling:

- same-story precision@5: same-story suggestions / (5 x articles); missing
  suggestions count as wrong; the ceiling is what a perfect ranking would get
  (an article with two siblings can reach 2/5);
- related-or-better precision@5 (ecbplus only: gva has no topic labels);
- top-1 same story: articles whose first suggestion is the same story;
- related() time per article once indexed (the sidebar's wait).

Stories are split in two by a hash of their label: the development half was
looked at while tuning, the held-out half was not; every article of the archive
is the haystack for every query.
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

HERE = Path(__file__).resolve().parent
DATA = [HERE / "data" / "ecbplus.jsonl.gz", HERE / "data" / "gva2015.jsonl.gz"]
OUTLETS = 7
K = 5


def _link(row: dict[str, object]) -> str:
    return f"https://archive.example/{row['id']}"


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
            f"<title>Outlet {outlet}</title><link>https://archive.example/{outlet}/</link>"
            f"<description>labelled news</description>{''.join(entries)}</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def measure(
    path: Path, dump: Path | None
) -> tuple[
    list[dict[str, object]], dict[str, list[tuple[dict[str, object], str]]], float, list[float]
]:
    """Ingest and index one archive; every article's archive suggestions (best first)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    by_link = {_link(row): row for row in rows}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        library = open_library(db, seed=False)
        for feed in write_feeds(rows, Path(tmp)):
            outcome = library.add(str(feed))
            if outcome.error:
                raise SystemExit(f"{feed}: {outcome.error}")
        library.close()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reader", "--db", str(db), "index"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        index_seconds = time.perf_counter() - started
        library = open_library(db, seed=False)
        articles = library.articles()
        if len(articles) != len(rows):
            raise SystemExit(f"{path}: {len(articles)} articles stored of {len(rows)}")
        library.related(articles[0].id)  # builds the archive indexes
        results: dict[str, list[tuple[dict[str, object], str]]] = {}
        times = []
        for article in articles:
            started = time.perf_counter()
            links = library.related(article.id)
            times.append(time.perf_counter() - started)
            results[str(by_link[article.link]["id"])] = [
                (by_link[link.url], link.reason or "")
                for link in links
                if link.kind == "archive" and link.url in by_link
            ]
        library.close()
    if dump:
        found = {a: [(str(o["id"]), r) for o, r in f] for a, f in results.items()}
        dump.write_text(json.dumps(found, indent=0))
    return rows, results, index_seconds, times


def _held_out(row: dict[str, object]) -> bool:
    """Half the stories, fixed by the story label: not looked at while tuning."""
    return zlib.crc32(str(row["story"]).encode()) % 2 == 0


def figures(
    name: str,
    chosen: list[dict[str, object]],
    results: dict[str, list[tuple[dict[str, object], str]]],
    siblings: dict[object, int],
    topics: bool,
) -> str:
    queries = [r for r in chosen if siblings[r["story"]] > 1]
    n = len(queries) or 1
    same = related = top1 = given = ceiling = 0
    for row in queries:
        found = results[str(row["id"])][:K]
        given += len(found)
        same += sum(other["story"] == row["story"] for other, _ in found)
        related += sum(other.get("topic") == row.get("topic") for other, _ in found)
        top1 += bool(found) and found[0][0]["story"] == row["story"]
        ceiling += min(K, siblings[row["story"]] - 1)
    related_text = f"{related / (K * n):.3f}" if topics else "n/a"
    return (
        f"| {name} | {len(queries)} | {same / (K * n):.3f} (of {ceiling / (K * n):.3f}) "
        f"| {related_text} | {top1} ({top1 / n:.1%}) | {given / n:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path, nargs="*", default=DATA)
    parser.add_argument("--show", type=int, default=6, help="print N articles' suggestions")
    parser.add_argument("--dump", type=Path, help="write every article's suggestions (JSON)")
    args = parser.parse_args()
    for path in args.data:
        dump = args.dump.with_suffix(f".{path.name.split('.')[0]}.json") if args.dump else None
        rows, results, index_seconds, times = measure(path, dump)
        siblings: dict[object, int] = {}
        for row in rows:
            siblings[row["story"]] = siblings.get(row["story"], 0) + 1
        topics = all("topic" in row for row in rows)
        print(f"\n{path.name}: {len(rows)} articles, {len(siblings)} stories\n")
        print(
            "| queries (articles with a same-story sibling) | n | same-story P@5 (ceiling) "
            "| related-or-better P@5 | top-1 same story | suggestions per article |"
        )
        print("|---|---|---|---|---|---|")
        print(
            figures("development", [r for r in rows if not _held_out(r)], results, siblings, topics)
        )
        print(figures("held-out", [r for r in rows if _held_out(r)], results, siblings, topics))
        print(figures("all", rows, results, siblings, topics))
        q = statistics.quantiles(times, n=100)
        print()
        print(
            f"| `reader index` | {index_seconds:.2f} s, "
            f"{1000 * index_seconds / len(rows):.2f} ms per article (incl. start-up) |"
        )
        print(
            f"| Library.related once indexed, p50 / p95 / max | {1000 * q[49]:.1f} / "
            f"{1000 * q[94]:.1f} / {1000 * max(times):.1f} ms |"
        )
        shown = [r for r in rows if not _held_out(r) and siblings[r["story"]] > 1]
        for row in shown[:: max(1, len(shown) // max(args.show, 1))][: args.show]:
            print(f"{row['id']} [{row['story']}] {str(row['title'])[:70]}")
            for other, reason in results[str(row["id"])][:K]:
                mark = "=" if other["story"] == row["story"] else " "
                if mark == " " and topics and other.get("topic") == row.get("topic"):
                    mark = "~"
                print(f"   {mark} {str(other['id']):<14} {reason[:90]}")


if __name__ == "__main__":
    main()
