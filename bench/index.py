"""Benchmark ``reader index`` (the deferred analysis) against feedparser's parse of the same feeds.

Run: python bench/index.py [--feeds 200] [--entries 50] [--runs 1] [--keep DIR] [--stages N]

Issue 20's figure: after a cold ``reader refresh`` of FEEDS feeds x ENTRIES entries
(bench/refresh.py's generated feeds, served on 127.0.0.1), ``reader index`` derives
quotations, related-story terms, search postings and outbound links for every
article. Goal: it costs at most what feedparser takes to parse the same feed files
(ratio <= 1.0).

Printed: feedparser's parse of the files (in a subprocess, CPU seconds), ``reader
index`` wall and CPU seconds (its process and its worker processes: the user +
system time of all of them), articles per second, the ratio of index wall time to
feedparser's, and the CPU split per stage over the first N articles (in-process,
one core): the body laid out, quotations, archive terms, outbound links, search terms.

``--keep DIR`` keeps the refreshed (still pending) database in DIR and reuses it on
the next run; each run indexes a fresh copy of it. To compare checkouts on a busy
machine, alternate ``PYTHONPATH=OTHER/ python bench/index.py --keep DIR`` with this
one and compare the CPU column.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from refresh import BenchServer, make_feed, reader_command, run, subscribe  # noqa: E402

_FEEDPARSER = """
import sys, time, feedparser
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.xml"))
started = time.perf_counter()
entries = sum(len(feedparser.parse(f.read_bytes()).entries) for f in files)
print(entries, time.perf_counter() - started)
"""


def build(feeds: dict[str, bytes], db: Path) -> None:
    """A cold ``reader refresh`` of ``feeds`` served on 127.0.0.1 into ``db`` (left pending)."""
    server = BenchServer(feeds)
    try:
        db.mkdir(parents=True)
        subscribe(db, [server.url(path) for path in feeds])
        run(reader_command(db, "refresh"))
    finally:
        server.close()


def stages(db: Path, limit: int) -> dict[str, float]:
    """CPU seconds of each analysis stage over the first ``limit`` articles, in-process."""
    code = f"""
import json, sys, time
from reader.core.library import open_library
from reader.core.analysis.document import build_document
from reader.core.analysis.quotes import find_quotes
from reader.core.analysis.story_terms import index_terms
from reader.core.analysis.links import outbound_urls
from reader.core.analysis import search
spent = dict.fromkeys(["body read", "document", "quotes", "terms", "links", "search"], 0.0)
clock = time.process_time
library = open_library({str(db)!r}, readonly=True)
store = library.store
if True:
    for article in list(store.articles())[:{limit}]:
        t0 = clock(); body = store.body(article.id)
        t1 = clock(); doc = build_document(body, title=article.title, base_url=article.link)
        t2 = clock(); quotes = tuple(find_quotes(doc))
        t3 = clock(); index_terms(doc.title or article.title, doc.text)
        t4 = clock(); outbound_urls(doc)
        t5 = clock(); search.article_terms(article.title, article.author, doc.text, quotes)
        t6 = clock()
        for name, took in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            spent[name] += took
library.close()
print(json.dumps(spent))
"""
    _, _, out = run([sys.executable, "-P", "-c", code])
    import json

    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1, help="index this many copies, keep the best")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the refreshed database here")
    parser.add_argument("--stages", type=int, default=1000, help="articles in the stage split")
    parser.add_argument("--stages-of", type=Path, help="only the stage split, over this database")
    args = parser.parse_args()
    if args.stages_of:
        split = stages(args.stages_of, args.stages)
        print(
            " ".join(f"{k}={v:.2f}s" for k, v in split.items()), f"total={sum(split.values()):.2f}s"
        )
        return

    with tempfile.TemporaryDirectory(prefix="reader-index-") as name:
        tmp = Path(name)
        files = tmp / "feeds"
        files.mkdir()
        feeds = {f"/feed/{i}.xml": make_feed(i, args.entries) for i in range(args.feeds)}
        for path, body in feeds.items():
            (files / Path(path).name).write_bytes(body)
        size = sum(map(len, feeds.values()))
        print(f"{args.feeds} feeds x {args.entries} entries, {size / 1e6:.1f} MB")

        parse_wall, parse_cpu, out = run([sys.executable, "-c", _FEEDPARSER, str(files)])
        entries = int(out.split()[0])

        pending = args.keep if args.keep else tmp / "pending"
        marker = pending / ".bench-index"
        wanted = f"{args.feeds}x{args.entries}"
        if not (marker.exists() and marker.read_text() == wanted):
            shutil.rmtree(pending, ignore_errors=True)
            build(feeds, pending)
            marker.write_text(wanted)

        best: tuple[float, float] | None = None
        for _ in range(args.runs):
            db = tmp / "db"
            shutil.rmtree(db, ignore_errors=True)
            shutil.copytree(pending, db)
            wall, cpu, out = run([sys.executable, "-P", "-m", "reader", "--db", str(db), "index"])
            if best is None or wall < best[0]:
                best = (wall, cpu)
        assert best is not None
        split = stages(db, args.stages)

    wall, cpu = best
    rows = [
        ("feedparser: parse the same files (wall)", f"{parse_wall:.2f} s"),
        ("feedparser: CPU", f"{parse_cpu:.2f} s ({entries:,} entries)"),
        ("reader index: wall", f"{wall:.2f} s"),
        ("reader index: CPU (all its processes)", f"{cpu:.2f} s"),
        ("reader index: articles/s (wall)", f"{entries / wall:,.0f}"),
        ("ratio index wall / feedparser wall (goal <= 1.0)", f"{wall / parse_wall:.2f}"),
        ("ratio index CPU / feedparser CPU", f"{cpu / parse_cpu:.2f}"),
    ]
    total = sum(split.values()) or 1.0
    counted = min(args.stages, entries)
    for stage, seconds in split.items():
        rows.append(
            (
                f"stage CPU per article: {stage}",
                f"{seconds / counted * 1000:.2f} ms ({seconds / total:.0%})",
            )
        )
    width = max(len(name) for name, _ in rows)
    print(f"{'figure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
