"""Launch to the newest article's title on screen, after ``reader refresh`` and after ``reader index``.

Run: python bench/launch.py [--feeds 200] [--entries 50] [--runs 5] [--cache DIR] [--no-newsboat]
     [--against CHECKOUT]

The issue-20 probe, reproduced: FEEDS x ENTRIES feeds from ``bench/refresh.py``'s
generator are served on 127.0.0.1 and fetched by ``reader refresh`` into a database
(kept in --cache, keyed by the feed shape, so repeats skip the refresh). Each run copies
that database to a fresh folder (the state "right after a refresh": analysis pending),
starts ``reader --db COPY`` in a new 120x40 session of a fresh tmux server, and polls
``capture-pane`` until the newest article's title (the one ``Library.articles()`` puts
first) is on the screen. Then the same after ``reader index`` (everything derived).

Variants that tell where a difference comes from (printed as extra rows):
- "cold page cache": the copy's files are dropped from the page cache first
  (``posix_fadvise(DONTNEED)`` on each file; what a first launch after boot sees);
- "tmux server already up": the session starts on a running server (bench/scale.py's way).

newsboat (when installed) is filled by ``newsboat -x reload`` from the same server and
timed to its populated feed list (newsboat opens on the feed list, not on an article).
Goals (issue 20): <= 0.5 s and <= 0.3x newsboat at 10k; <= 1.0 s at 100k (indexed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _tmux import Tmux  # noqa: E402
from refresh import BenchServer, make_feed, reader_command, subscribe  # noqa: E402
from scale import columns, region, squash  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.005


def newest_title(db: Path) -> str:
    code = (
        "import json,sys;from reader.core.library import open_library;"
        "lib=open_library(sys.argv[1],readonly=True);a=lib.articles();"
        "print(json.dumps(a[0].title));lib.close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


STALE_CATALOGUE = (
    "import sys;from pathlib import Path;from reader.core.storage import catalogue as c;"
    "e=c.read_catalogue(Path(sys.argv[1]));print(sum(len(v)<3 or v[2] is None for v in e.values()))"
)


def drop_page_cache(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def in_list(title: str):
    """The title's row in the article list (cut to the column's width, with an ellipsis)."""
    words = " ".join(title.split())

    def done(lines: list[str]) -> bool:
        try:
            list_col, article_col = columns(lines)
        except ValueError:
            return False
        for line in lines[1:-1]:
            cell = " ".join(line[list_col:article_col].strip("│ ●").split()).rstrip("…")
            if len(cell) >= 12 and words.startswith(cell):
                return True
        return False

    return done


def in_article_pane(title: str):
    """The whole title at the top of the article pane (it may wrap)."""
    words = " ".join(title.split())

    def done(lines: list[str]) -> bool:
        try:
            _, article_col = columns(lines)
        except ValueError:
            return False
        return words in squash(region(lines[1:12], article_col))

    return done


class FreshTmux(Tmux):
    """A tmux socket with no server yet: the first session's launch starts it."""

    def __init__(self, width: int = 120, height: int = 40) -> None:
        self.socket = f"reader-launch-{os.getpid()}-{time.monotonic_ns() % 10**9}"
        self.width, self.height = width, height
        self._n = 0


def launch_once(
    source: Path,
    work: Path,
    title: str,
    *,
    cold_cache: bool,
    fresh_server: bool,
    tmux: Tmux,
    checkout: Path = ROOT,
) -> tuple[float, float, float, float]:
    """Seconds from launch to the title's row in the list and to the opened article,
    then the app's CPU seconds at those two moments. ``checkout``: whose ``reader``
    package runs (``python -m reader`` started in it)."""
    copy = work / "run"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(source, copy)
    if cold_cache:
        drop_page_cache(copy)
    runner = FreshTmux() if fresh_server else tmux
    target, started = runner.launch([*reader_command(copy)], cwd=str(checkout))
    try:
        listed, _ = runner.wait(target, in_list(title), timeout=60, poll=POLL)
        cpu_listed = cpu_seconds(runner.pid(target))
        opened, _ = runner.wait(target, in_article_pane(title), timeout=60, poll=POLL)
        cpu_opened = cpu_seconds(runner.pid(target))
    finally:
        runner.kill(target)
        if runner is not tmux:
            runner.close()
    return listed - started, opened - started, cpu_listed, cpu_opened


def cpu_seconds(pid: int) -> float:
    """User + system seconds the process has used (all threads): steadier than wall
    time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def newsboat_first_screen(
    server_urls: list[str], home: Path, entries: int, runs: int
) -> list[float]:
    home.mkdir(parents=True, exist_ok=True)
    urls = "\n".join(server_urls) + "\n"
    if (home / "urls").exists() and (home / "urls").read_text() != urls:
        (home / "cache.db").unlink(missing_ok=True)  # another run's port: its cache lists none
    (home / "urls").write_text(urls)
    (home / "config").write_text("reload-threads 8\n")
    base = ["newsboat", "-u", str(home / "urls"), "-c", str(home / "cache.db")]
    base += ["-C", str(home / "config")]
    env = {**os.environ, "HOME": str(home)}
    if not (home / "cache.db").exists():
        subprocess.run([*base, "-x", "reload"], env=env, check=True, capture_output=True)
    marker = f"({entries}/{entries})"
    times = []
    tmux = Tmux()
    try:
        for _ in range(runs):
            target, started = tmux.launch(base, env={"HOME": str(home), "TERM": "screen-256color"})
            want = min(len(server_urls), tmux.height - 4)
            seen, _ = tmux.wait(
                target,
                lambda lines: sum(marker in x for x in lines) >= want,
                timeout=300,
                poll=POLL,
            )
            times.append(seen - started)
            tmux.keys(target, "q")
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline and not tmux.dead(target):
                time.sleep(0.05)
            tmux.kill(target)
    finally:
        tmux.close()
    return times


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", default="/tmp/reader-launch-cache")
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument("--no-variants", action="store_true")
    parser.add_argument(
        "--against",
        metavar="CHECKOUT",
        help="another checkout (e.g. main's) launched in turn with this one, run for run, "
        "on the same copies: its rows are marked 'against' (compare CPU on a busy machine)",
    )
    args = parser.parse_args()

    cache = Path(args.cache) / f"{args.feeds}x{args.entries}"
    cache.mkdir(parents=True, exist_ok=True)
    feeds = {f"/feed/{i}.xml": make_feed(i, args.entries) for i in range(args.feeds)}
    server = BenchServer(feeds)
    urls = [server.url(path) for path in feeds]
    rows: list[tuple[str, str, str]] = []
    try:
        refreshed, indexed = cache / "refreshed", cache / "indexed"
        if not refreshed.exists():
            refreshed.mkdir()
            subscribe(refreshed, urls)
            t0 = time.perf_counter()
            subprocess.run(reader_command(refreshed, "refresh"), check=True, capture_output=True)
            print(f"reader refresh: {time.perf_counter() - t0:.1f} s", flush=True)
        if not indexed.exists():
            shutil.copytree(refreshed, indexed)
            t0 = time.perf_counter()
            subprocess.run(reader_command(indexed, "index"), check=True, capture_output=True)
            print(f"reader index: {time.perf_counter() - t0:.1f} s", flush=True)
        for source in (refreshed, indexed):
            stale = subprocess.run(
                [sys.executable, "-c", STALE_CATALOGUE, str(source)],
                capture_output=True,
                text=True,
                cwd=str(ROOT),
            ).stdout.strip()
            if stale != "0":
                print(
                    f"warning: {source}/catalogue.idx lacks the newest keys of {stale} feeds "
                    "(written by an older version): this version's first screen loads them all",
                    flush=True,
                )
        title = newest_title(indexed)
        print(f"newest article: {title!r}", flush=True)
        count = args.feeds * args.entries
        tag = f"[{count // 1000}k]"
        shared = Tmux()
        try:
            for state, source in (("after refresh", refreshed), ("after index", indexed)):
                variants = [("fresh tmux server", False, True)]
                if not args.no_variants:
                    variants += [
                        ("tmux server already up", False, False),
                        ("cold page cache", True, True),
                    ]
                checkouts = [("", ROOT)]
                if args.against:
                    checkouts.append((" (against)", Path(args.against).resolve()))
                for label, cold, fresh in variants:
                    times: dict[str, list[tuple[float, float, float, float]]] = {
                        mark: [] for mark, _ in checkouts
                    }
                    for _ in range(args.runs):
                        for mark, checkout in checkouts:  # in turn: the same load for both
                            times[mark].append(
                                launch_once(
                                    source,
                                    cache,
                                    title,
                                    cold_cache=cold,
                                    fresh_server=fresh,
                                    tmux=shared,
                                    checkout=checkout,
                                )
                            )
                    whats = ("title in the list", "article open", "CPU s at list", "CPU s at open")
                    for mark, _ in checkouts:
                        for i, what in enumerate(whats):
                            values = [t[i] for t in times[mark]]
                            rows.append((f"{tag} {state}, {label}: {what}{mark}", fmt(values), ""))
                            print(rows[-1][0], rows[-1][1], flush=True)
        finally:
            shared.close()
            run = cache / "run"
            if run.exists():
                shutil.rmtree(run)
        if not args.no_newsboat and shutil.which("newsboat"):
            boat = newsboat_first_screen(urls, cache / "newsboat", args.entries, 3)
            rows.append((f"{tag} newsboat to its feed list", fmt(boat), ""))
    finally:
        server.close()
    width = max(len(r[0]) for r in rows)
    print()
    print(f"| {'figure':<{width}} | median (min, max) of {args.runs} |")
    print(f"|{'-' * (width + 2)}|{'-' * 40}|")
    for name, value, _ in rows:
        print(f"| {name:<{width}} | {value:<38} |")


if __name__ == "__main__":
    main()
