"""Benchmark ``reader refresh`` against a local server, and newsboat when it is installed.

Run: python bench/refresh.py [--feeds 200] [--entries 50] [--runs 1] [--no-index]

To compare with another checkout on a busy machine, alternate the two with
``PYTHONPATH=OTHER/ python bench/refresh.py`` and compare the CPU column (user +
system seconds of the ``reader`` process), which load disturbs less than wall time.

It generates FEEDS feeds of ENTRIES entries (about 3 KB of HTML each), serves
them on 127.0.0.1 (threaded, listen backlog 128, ETag + Last-Modified so a
second pass is all 304), and times ``reader --db TMP refresh`` cold (empty
database) and warm, then ``reader index`` (the analysis a refresh leaves for
later: quotes, related-story terms, search postings; newsboat has no such
step, so it is printed but not in a ratio). When ``newsboat`` is on PATH it
runs ``newsboat -x reload`` on the same URLs (urls file and cache in a temp dir) and prints the ratios.
Goals (issue 20): cold <= 0.5, nothing changed (all 304) <= 0.2; at 2,000 feeds, cold <= 0.2.
``--no-newsboat`` leaves newsboat out (its 2,000-feed run takes minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

INDEX_KEY_EVERY = int(os.environ.get("BENCH_INDEX_KEY_EVERY", "100"))
FIRST = ["Ana", "Bram", "Celia", "Dario", "Elin", "Femi", "Greta", "Hugo", "Ines", "Jonas"]
LAST = ["Petrov", "Okafor", "Lindqvist", "Marsh", "Tallis", "Varnholt", "Quist", "Brandt"]
PLACES = ["Velmora", "Kestrel Bay", "Norrholm", "Ashgrove", "Port Tallin", "Drummore"]
VERBS = ["said", "told reporters", "added", "warned", "noted", "explained"]
SAYING = [
    "We will not accept this plan as it stands",
    "The numbers don't add up, and everyone in the '90s knew it",
    "It is a good day for the town",
    "Nobody expected the storm to last this long",
]
FILLER = (
    "The council met on Tuesday to discuss the budget, and the session ran late into the "
    "evening while residents waited outside the hall for news about the ferry fares."
)


def article_html(rng: random.Random, size: int = 3000) -> str:
    """About ``size`` bytes of article HTML: paragraphs, quotes, links, a related block."""
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)]
    place = rng.choice(PLACES)
    parts = [f"<p>Council chair {people[0]} opened the meeting in {place}'s town hall.</p>"]
    length = len(parts[0])
    while length < size - 300:
        who = rng.choice(people)
        roll = rng.random()
        if roll < 0.3:
            text = (
                f"<p>\u201c{rng.choice(SAYING)},\u201d {who.split()[-1]} {rng.choice(VERBS)}.</p>"
            )
        elif roll < 0.45:
            link = f"https://news.example/{rng.randrange(10**6)}"
            text = f'<p>{who} pointed to <a href="{link}">the report</a> on {place}.</p>'
        else:
            text = f"<p>{FILLER}</p>"
        parts.append(text)
        length += len(text)
    parts.append(
        "<h3>Don't Miss</h3><ul>"
        + "".join(
            f'<li><a href="https://news.example/m{rng.randrange(10**6)}">More from {place}</a></li>'
            for _ in range(3)
        )
        + "</ul>"
    )
    return "".join(parts)


def make_feed(index: int, entries: int) -> bytes:
    """RSS 2.0 feed number ``index`` with ``entries`` items of ~3 KB each."""
    rng = random.Random(index)
    items = []
    for n in range(entries):
        day = 1 + n % 28
        items.append(
            f"<item><guid>https://news.example/f{index}/a{n}</guid>"
            f"<title>Story {n} of feed {index}: {rng.choice(PLACES)} council</title>"
            f"<link>https://news.example/f{index}/a{n}</link>"
            f"<pubDate>Tue, {day:02d} Sep 2026 {n % 24:02d}:00:00 GMT</pubDate>"
            f"<description>{escape(article_html(rng))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {index}</title><link>https://news.example/f{index}/</link>"
        f"<description>Generated feed {index}</description>{''.join(items)}</channel></rss>"
    ).encode()


class BenchServer:
    """Threaded server on 127.0.0.1 answering conditional GETs with 304."""

    def __init__(self, feeds: dict[str, bytes]) -> None:
        stamp = formatdate(time.time() - 3600, usegmt=True)
        tags = {
            path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in feeds.items()
        }
        self.hits = {"200": 0, "304": 0}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = feeds.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = tags[self.path]
                if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == stamp
                    and not self.headers.get("If-None-Match")
                ):
                    server.hits["304"] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                server.hits["200"] += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", stamp)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


CPU: dict[str, list[float]] = {}  # user + system seconds of each timed run, by row


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, its children included) of ``command``; stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        sys.exit(f"{command[:4]} failed ({done.returncode}): {done.stderr.strip()[-600:]}")
    return wall, cpu, done.stdout


def timed(command: list[str], env: dict[str, str] | None = None, row: str = "") -> float:
    """Wall seconds of ``command``; its CPU seconds go to CPU[row] (steadier on a busy machine)."""
    wall, cpu, _ = run(command, env)
    CPU.setdefault(row, []).append(cpu)
    return wall


def reader_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader", "--db", str(db), *args]


def subscribe(db: Path, urls: list[str]) -> None:
    """Import the feeds without fetching them (an OPML file, so the timed run is all refresh)."""
    opml = db.parent / "bench.opml"
    outlines = "".join(
        f'<outline type="rss" text="b{i}" xmlUrl="{escape(u)}"/>' for i, u in enumerate(urls)
    )
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head>'
        f"<body>{outlines}</body></opml>"
    )
    done = subprocess.run(
        reader_command(db, "opml", "import", str(opml)), capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"opml import failed: {done.stderr.strip()}")


def run_newsboat(tmp: Path, urls: list[str]) -> tuple[float, float] | None:
    if shutil.which("newsboat") is None:
        return None
    home = tmp / "newsboat"
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text("reload-threads 8\n")
    command = [
        "newsboat",
        "-x",
        "reload",
        "-u",
        str(home / "urls"),
        "-c",
        str(home / "cache.db"),
        "-C",
        str(home / "config"),
    ]
    env = {**os.environ, "HOME": str(home)}
    cold = timed(command, env)
    # newsboat stores a new feed's ETag/Last-Modified only from its second fetch on
    # (its first callback runs before the feed's row exists), so prime it once more.
    timed(command, env)
    return cold, timed(command, env)


def app_stalls(db: Path) -> dict[str, float]:
    """A cold refresh (R) in the real app, headless at 120x40, pressing j/k meanwhile.

    Measures the event loop's lag (a 5 ms sleep that wakes late: no frame can be
    drawn meanwhile) and each key's wait until handled, from R to the end of
    the background indexing that follows the refresh.
    """
    import asyncio

    from reader.core.library import open_library
    from reader.ui.app import ReaderApp

    library = open_library(db)
    app = ReaderApp(library)
    lags: list[float] = []
    keys: list[float] = []
    phases: dict[str, list[float]] = {}

    async def run() -> float:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            started = time.perf_counter()
            await pilot.press("R")
            await pilot.pause(0.2)
            while any(w.is_running for w in app.workers) or app.sub_title:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append(time.perf_counter() - before - 0.005)
                phase = app.sub_title.split(" ")[0] or "other"
                phases.setdefault(phase, []).append(lags[-1])
                # A key every ~50 ms while fetching, every ~0.5 s while indexing
                # (keys pause the indexing, so a steady stream would stall it).
                every = 10 if app.sub_title.startswith("refreshing") else INDEX_KEY_EVERY
                if len(lags) % every == 0:
                    sent = time.perf_counter()
                    await pilot.press("j" if len(keys) % 2 else "k")
                    keys.append(time.perf_counter() - sent)
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    library.close()
    lags.sort()
    keys.sort()
    for phase, values in phases.items():
        values.sort()
        print(
            f"  {phase}: {len(values)} samples, lag p50 {values[len(values) // 2] * 1000:.0f} ms,"
            f" p99 {values[int(len(values) * 0.99)] * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms"
        )
    return {
        "seconds": elapsed,
        "lag_max": lags[-1],
        "lag_p99": lags[int(len(lags) * 0.99)],
        "key_max": keys[-1] if keys else 0.0,
        "key_p50": keys[len(keys) // 2] if keys else 0.0,
        "key_p95": keys[int(len(keys) * 0.95)] if keys else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1, help="repeat and keep the best")
    parser.add_argument(
        "--no-index", action="store_true", help="time the refreshes only (quicker repeats)"
    )
    parser.add_argument(
        "--app", action="store_true", help="also refresh cold in the app and measure stalls"
    )
    parser.add_argument("--no-newsboat", action="store_true", help="time reader only")
    args = parser.parse_args()

    started = time.perf_counter()
    feeds = {f"/feed/{i}.xml": make_feed(i, args.entries) for i in range(args.feeds)}
    size = sum(map(len, feeds.values()))
    print(
        f"{args.feeds} feeds x {args.entries} entries, {size / 1e6:.1f} MB "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    server = BenchServer(feeds)
    urls = [server.url(path) for path in feeds]
    rows: dict[str, list[float]] = {}
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="reader-bench-") as name:
                tmp = Path(name)
                db = tmp / "db"
                db.mkdir()
                subscribe(db, urls)
                cold = timed(reader_command(db, "refresh"), row="reader cold")
                rows.setdefault("reader cold", []).append(cold)
                warm = timed(reader_command(db, "refresh"), row="reader warm")
                rows.setdefault("reader warm", []).append(warm)
                # Not in the ratio: what newsboat never does (quotes, related terms,
                # search postings), left by the refresh for the app's background worker.
                if not args.no_index:
                    index = timed(reader_command(db, "index"), row="reader index")
                    rows.setdefault("reader index", []).append(index)
                if args.app:
                    fresh = tmp / "app-db"
                    fresh.mkdir()
                    subscribe(fresh, urls)
                    stalls = app_stalls(fresh)
                boat = None if args.no_newsboat else run_newsboat(tmp, urls)
                if boat is not None:
                    rows.setdefault("newsboat cold", []).append(boat[0])
                    rows.setdefault("newsboat warm", []).append(boat[1])
    finally:
        server.close()
    best = {name: min(values) for name, values in rows.items()}
    print(f"{'run':<16}{'seconds':>9}{'feeds/s':>10}{'CPU s (best)':>14}")
    for name, seconds in best.items():
        spent = f"{min(CPU[name]):.2f}" if name in CPU else "-"
        print(f"{name:<16}{seconds:>9.2f}{args.feeds / seconds:>10.0f}{spent:>14}")
    if "newsboat cold" in best:
        goals = {"cold": 0.2 if args.feeds >= 2000 else 0.5, "warm": 0.2}
        for phase, goal in goals.items():
            ratio = best[f"reader {phase}"] / best[f"newsboat {phase}"]
            print(f"ratio {phase} (reader / newsboat): {ratio:.2f}  (goal <= {goal})")
    elif args.no_newsboat:
        pass
    else:
        print("newsboat is not installed: no ratios (apt-get install newsboat)")
    if args.app:
        print(
            f"in the app (R, cold, then the background indexing; j/k pressed meanwhile): "
            f"{stalls['seconds']:.1f} s, event-loop lag max {stalls['lag_max'] * 1000:.0f} ms "
            f"(p99 {stalls['lag_p99'] * 1000:.0f} ms; goal: no stall over 100 ms); "
            f"keys handled in p50 {stalls['key_p50'] * 1000:.0f} ms, "
            f"p95 {stalls['key_p95'] * 1000:.0f} ms (goal <= 50 ms), max {stalls['key_max'] * 1000:.0f} ms"
        )
    print(f"server answered 200 x {server.hits['200']}, 304 x {server.hits['304']}")


if __name__ == "__main__":
    main()
