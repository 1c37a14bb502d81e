"""Benchmark the headless read commands and search on an existing database (issue 20).

Run: python bench/commands.py DB [DB ...] [--runs 5] [--queries 20] [--newsboat-cache FILE]

For each database folder (built once, e.g. with ``bench/refresh.py``'s server and
``reader refresh`` + ``reader index``, or ``bench/scale.py``'s archive), on a copy:

- ``reader feeds --json`` and ``reader search WORD --json``, whole command
  (interpreter start-up included): wall and CPU (user + system) seconds, the
  median of ``--runs``; CPU is the steadier figure on a busy machine;
- ``Library.search`` in-process over a query mix drawn from the archive itself
  (title words, pairs of words, 3-letter prefixes as typed, common words,
  names, quoted phrases): p50 / p95 / max;
- peak memory (VmHWM from /proc) of a process that opens the library, lists
  every article, builds the related-story indexes and loads search, then searches;
- the database folder's size (and newsboat's cache, if given, for the ratio).

Goals (issue 20, at 100k = 2,000 feeds x 50): each command <= 0.5 s; search
p95 <= 100 ms; memory <= 250 MiB; disk <= 1.0x newsboat's cache.
To compare two checkouts, run it with ``PYTHONPATH=OTHER`` too (commands run outside the
checkout, so PYTHONPATH decides) and compare CPU.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READER = [sys.executable, "-m", "reader"]


def run_timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Not run from the checkout: the current directory would come before PYTHONPATH.
    done = subprocess.run(command, capture_output=True, cwd=tempfile.gettempdir(), check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def probe(db: str, queries: int) -> None:
    """In a child: query mix timings, then memory with everything loaded. Prints JSON."""
    from reader.core.library import open_library

    library = open_library(db, readonly=True)
    articles = library.articles()
    rng = random.Random(20)
    sample = rng.sample(articles, min(len(articles), queries * 3))
    words = [[w for w in a.title.split() if len(w) > 3 and w.isalpha()] for a in sample]
    words = [w for w in words if w]
    mix: dict[str, list[str]] = {
        "title word": [rng.choice(w) + " " for w in words[:queries]],
        "two words": [" ".join(rng.sample(w, min(2, len(w)))) + " " for w in words[:queries]],
        "prefix (typing)": [rng.choice(w)[:3] for w in words[:queries]],
        "common word": ["the ", "council ", "said ", "report ", "year "][: max(1, queries // 4)],
        "name": [a.author + " " for a in sample[:queries] if a.author][:queries],
        "quoted phrase": [
            '"' + " ".join(w[:2]) + '"' for w in words[queries : 2 * queries] if len(w) > 1
        ],
    }
    library.search("warm ")  # the first query opens the index
    times: dict[str, list[float]] = {}
    cpu: list[float] = []
    for kind, texts in mix.items():
        for text in texts:
            started, spent = time.perf_counter(), time.process_time()
            library.search(text)
            times.setdefault(kind, []).append(time.perf_counter() - started)
            cpu.append(time.process_time() - spent)
    searched = peak_rss()  # every article listed and the query mix run, phrases included
    library.related(articles[0].id)  # builds the similarity and link indexes
    library.prepare_search()
    for text in mix["common word"]:
        library.search(text)
    found = {"times": times, "cpu": cpu, "hwm": peak_rss(), "articles": len(articles)}
    print(json.dumps({**found, "hwm_search": searched}))


def peak_rss() -> int:
    """This process's peak resident memory so far (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def folder_size(path: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbs", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--word", default="council")
    parser.add_argument("--newsboat-cache", help="newsboat's cache.db for the disk ratio")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args.queries)
        return
    rows: list[tuple[str, str, str]] = []
    for source in args.dbs:
        with tempfile.TemporaryDirectory(prefix="reader-commands-") as tmp:
            db = Path(tmp) / "db"
            shutil.copytree(source, db)
            (db / "lock").unlink(missing_ok=True)
            subprocess.run([*READER, "--db", str(db), "search", "warm"], capture_output=True)
            name = Path(source).parent.name or source
            for label, command in (
                ("reader feeds --json", ["feeds", "--json"]),
                (f"reader search {args.word} --json", ["search", args.word, "--json"]),
            ):
                runs = [run_timed([*READER, "--db", str(db), *command]) for _ in range(args.runs)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                rows.append((f"[{name}] {label}", f"{wall:.2f} s (CPU {cpu:.2f} s)", "<= 0.5 s"))
            done = subprocess.run(
                [sys.executable, __file__, "--probe", str(db), "--queries", str(args.queries)],
                capture_output=True,
                text=True,
                check=False,
                cwd=tempfile.gettempdir(),
            )
            if done.returncode != 0:
                sys.exit(f"probe failed: {done.stderr[-1500:]}")
            found = json.loads(done.stdout)
            every = [t for values in found["times"].values() for t in values]
            for kind, values in found["times"].items():
                rows.append(
                    (
                        f"[{name}] search in-process: {kind} (n={len(values)})",
                        f"p50 {pct(values, 0.5) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms",
                        "",
                    )
                )
            rows.append(
                (
                    f"[{name}] search in-process, all (n={len(every)})",
                    f"p50 {pct(every, 0.5) * 1000:.1f} / p95 {pct(every, 0.95) * 1000:.1f} ms",
                    "p95 <= 100 ms",
                )
            )
            spent = found["cpu"]
            rows.append(
                (
                    f"[{name}] search in-process, all, CPU",
                    f"p50 {pct(spent, 0.5) * 1000:.1f} / p95 {pct(spent, 0.95) * 1000:.1f} ms",
                    "",
                )
            )
            rows.append(
                (
                    f"[{name}] peak RSS, articles listed and the query mix run (VmHWM)",
                    f"{found['hwm_search'] / 2**20:.0f} MiB",
                    "",
                )
            )
            rows.append(
                (
                    f"[{name}] peak RSS, everything loaded (VmHWM)",
                    f"{found['hwm'] / 2**20:.0f} MiB",
                    "<= 250 MiB",
                )
            )
            size = folder_size(db)
            ratio = ""
            if args.newsboat_cache:
                boat = Path(args.newsboat_cache).stat().st_size
                ratio = f", {size / boat:.2f}x newsboat ({boat / 2**20:.0f} MiB)"
            rows.append(
                (f"[{name}] database folder", f"{size / 2**20:.0f} MiB{ratio}", "<= 1.0x newsboat")
            )
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':<36}  goal")
    for label, value, goal in rows:
        print(f"{label:<{width}}  {value:<36}  {goal}")


if __name__ == "__main__":
    main()
