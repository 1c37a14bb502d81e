"""Scale benchmark (issue 9): 10k and 100k-article archives, measured in tmux at 120x40.

Run: python bench/scale.py [--sizes 10k,100k] [--quick] [--reingest] [--no-newsboat]

For each size it generates FEEDS x ENTRIES articles (10k: 200 x 50; 100k: 2,000 x 50, as issue 20) (~3 KB HTML each; cached in
--cache), ingests them in-process through Library.add (one flush per feed; the
database is cached too, keyed by the reader/core sources, so --reingest forces a
fresh ingest), then, on a copy of that database:

- first screen: ``reader --db DIR`` launched in a 120x40 tmux session, the
  screen polled every ~5 ms until the article list's border shows the article
  count AND the article pane shows the first (newest) article's title;
- keys: 100 ``j`` presses in All, each timed from send-keys to the article
  list's columns changing on screen ("rapid": the next key goes as soon as the
  repaint is seen, so the 80 ms open debounce never fires, as when j is held);
  plus "paced" presses that let each article open (key -> list repaint, and
  key -> article pane shows the highlighted article, 80 ms debounce included);
- open article: ``j Enter`` (Enter opens at once, no debounce) until the pane
  shows that article's title (render + quotes + related);
- mark read: ``m`` until state.json on disk has changed accordingly;
- search: ``reader search`` / Library.search when either exists;
- peak RSS of the app (VmHWM), size of the database folder;
- newsboat (when installed) on the same archive served over 127.0.0.1: its
  cache filled with ``newsboat -x reload``, then launch to a populated feed list
  in tmux the same way; its cache size; the ratios.

Writes the table to bench/RESULTS.md (machine, date, figures, goals, pass/fail).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

import _scale_data  # noqa: E402
from _tmux import Tmux  # noqa: E402

FEEDS = 200
# (feeds, entries per feed); 100k as issue 20 measures it: 2,000 feeds x 50
SIZES = {"1k": (FEEDS, 5), "10k": (FEEDS, 50), "100k": (2000, 50)}
READER = [sys.executable, "-m", "reader"]
FIRST_SCREEN_TIMEOUT = 900.0
PHASE_BUDGET = 120.0  # seconds per measured phase; a slower app gives fewer samples


# -- helpers -------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.1f} ms"


def disk_usage(path: Path) -> tuple[int, int]:
    """(apparent bytes, allocated bytes) of every file under ``path``."""
    apparent = allocated = 0
    for item in path.rglob("*"):
        if item.is_file():
            st = item.stat()
            apparent += st.st_size
            allocated += st.st_blocks * 512
    return apparent, allocated


def mib(n: float) -> str:
    return f"{n / 1048576:.1f} MiB"


def proc_status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def source_key() -> str:
    """Hash of the code that decides what an ingested database looks like."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "reader" / "core").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(str(_scale_data.GENERATOR_VERSION).encode())
    return digest.hexdigest()[:12]


# -- ingest --------------------------------------------------------------------


def _vm_hwm() -> int:
    """This process's peak RSS in bytes. Not ru_maxrss: Linux carries that across
    fork + exec, so a probe started by the ingesting process reported its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def ingest(paths: list[Path], db: Path) -> dict[str, float]:
    """Subscribe to every feed file through Library.add (one flush per feed), timed."""
    from reader.core.library import open_library

    started = time.perf_counter()
    library = open_library(db, seed=False)
    per_feed: list[float] = []
    for number, path in enumerate(paths):
        t0 = time.perf_counter()
        outcome = library.add(str(path))
        per_feed.append(time.perf_counter() - t0)
        if outcome.error:
            raise SystemExit(f"ingest of {path} failed: {outcome.error}")
        if number % 20 == 19:
            done = time.perf_counter() - started
            print(f"  ingested {number + 1}/{len(paths)} feeds in {done:.0f} s", flush=True)
    stored = time.perf_counter() - started
    # A refresh leaves quotes, related terms and search postings for later (the
    # app does them in the background); measure the archive once they are done.
    library.analyse_pending()
    library.close()
    return {
        "stored": stored,
        "seconds": time.perf_counter() - started,
        "first_feed": per_feed[0],
        "last_feed": per_feed[-1],
        "median_feed": statistics.median(per_feed),
    }


def cached_db(
    cache: Path, size: str, paths: list[Path], reingest: bool, reuse: bool = False
) -> tuple[Path, dict]:
    folder = cache / f"db-{size}-{source_key()}"
    if reuse and not reingest and not (folder / "ingest.json").exists():
        older = sorted(
            cache.glob(f"db-{size}-*/ingest.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        if older:
            folder = older[0].parent
            print(f"[{size}] reusing {folder.name} (built by other reader/core sources)")
    info_path = folder / "ingest.json"
    if reingest and folder.exists():
        shutil.rmtree(folder)
    if not info_path.exists():
        if folder.exists():
            shutil.rmtree(folder)
        print(f"[{size}] ingesting {len(paths)} feeds into a fresh database ...", flush=True)
        info = ingest(paths, folder / "db")
        info["date"] = datetime.now().isoformat(timespec="seconds")
        info_path.write_text(json.dumps(info))
        info["cached"] = False
    else:
        info = json.loads(info_path.read_text())
        info["cached"] = True
    return folder / "db", info


# -- in-process probe (runs in a child process so the parent stays small) -----


def probe(db: str, words: list[str]) -> None:
    """Print JSON: start-up phase timings, the All order, in-process search timings."""

    t0 = time.perf_counter()
    from reader.core.library import Library, open_library

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    library = open_library(db, readonly=True)
    t_open = time.perf_counter() - t0
    rss_open = _vm_hwm()
    t0 = time.perf_counter()
    feeds = library.feeds()
    t_feeds = time.perf_counter() - t0
    t0 = time.perf_counter()
    articles = library.articles()
    t_articles = time.perf_counter() - t0
    t0 = time.perf_counter()
    library.read_ids()
    t_read = time.perf_counter() - t0
    order = [{"id": a.id, "title": a.title} for a in articles[:400]]
    t0 = time.perf_counter()
    library.related(articles[0].id)
    t_first_related = time.perf_counter() - t0  # builds the similarity index
    related = []
    for a in articles[1:41]:
        t0 = time.perf_counter()
        library.related(a.id)
        related.append(time.perf_counter() - t0)
    search = None
    if hasattr(Library, "search"):
        times = []
        hits = []
        for word in words:
            t0 = time.perf_counter()
            found = library.search(word)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - t0)
            hits.append(len(found) if hasattr(found, "__len__") else -1)
        search = {"times": times, "hits": hits}
    print(
        json.dumps(
            {
                "import": t_import,
                "open_library": t_open,
                "feeds": t_feeds,
                "articles": t_articles,
                "read_ids": t_read,
                "first_related": t_first_related,
                "related": related,
                "count": len(articles),
                "feed_count": len(feeds),
                "rss_after_open": rss_open,
                "rss_peak": _vm_hwm(),
                "order": order,
                "search": search,
            }
        )
    )


def run_probe(db: Path, words: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--probe", str(db), "--words", ",".join(words)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"probe failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


# -- the app in tmux -----------------------------------------------------------


def columns(lines: list[str]) -> tuple[int, int]:
    """Start columns of the article list and the article pane (their top borders)."""
    for line in lines[:4]:
        starts = [i for i, ch in enumerate(line) if ch == "╭"]
        if len(starts) >= 3:
            return starts[1], starts[2]
    raise ValueError("cannot find the panes:\n" + "\n".join(lines))


def region(lines: list[str], start: int, end: int | None = None) -> list[str]:
    return [line[start:end] for line in lines]


def squash(lines: list[str]) -> str:
    """A region's text with its borders and line breaks folded into single spaces."""
    text = " ".join(line.strip("│ ") for line in lines)
    return " ".join(text.split())


def shows_title(lines: list[str], article_col: int, title: str) -> bool:
    return " ".join(title.split()) in squash(region(lines[1:12], article_col))


def first_screen_marker(count: int, title: str):
    def done(lines: list[str]) -> bool:
        try:
            list_col, article_col = columns(lines)
        except ValueError:
            return False
        bottom = "".join(lines[-4:])
        return f" {count} " in bottom and shows_title(lines, article_col, title)

    return done


def measure_app(tmux: Tmux, db: Path, info: dict, quick: bool, poll: float) -> dict:
    try:
        return _measure_app(tmux, db, info, quick, poll)
    except TimeoutError as error:
        raise SystemExit(f"the app did not show what was expected; last screen:\n{error}") from None


def _measure_app(tmux: Tmux, db: Path, info: dict, quick: bool, poll: float) -> dict:
    order, count = info["order"], info["count"]
    result: dict = {}
    env = {"READER_DEBUG": "1"}
    target, started = tmux.launch([*READER, "--db", str(db)], env=env, cwd=str(ROOT))
    try:
        seen, lines = tmux.wait(
            target,
            first_screen_marker(count, order[0]["title"]),
            timeout=FIRST_SCREEN_TIMEOUT,
            poll=poll,
        )
    except TimeoutError as error:
        raise SystemExit(f"the app never showed its first screen:\n{error}") from None
    result["first_screen"] = seen - started
    pid = tmux.pid(target)
    result["rss_first_screen"] = proc_status(pid).get("VmRSS", 0)
    list_col, article_col = columns(lines)
    tmux.quiet(target, settle=0.4)

    def list_part(lines: list[str]) -> list[str]:
        return region(lines[1:-1], list_col, article_col)

    position = 0
    # rapid j: the next key goes as soon as the repaint is on screen
    rapid: list[float] = []
    presses = 30 if quick else 100
    budget = time.perf_counter() + PHASE_BUDGET
    for _ in range(presses):
        if time.perf_counter() > budget:
            break
        # the highlight moves by colour only: compare the whole screen with its attributes
        before = tmux.screen(target, escapes=True)
        sent = tmux.keys(target, "j")
        seen, _ = tmux.wait(target, lambda ls: ls != before, timeout=600, poll=poll, escapes=True)
        rapid.append(seen - sent)
        position += 1
        time.sleep(0.005)
    result["keys_rapid"] = rapid
    print(
        f"  keys (rapid): {len(rapid)} presses, median {ms(statistics.median(rapid))}", flush=True
    )
    tmux.wait(
        target, lambda ls: shows_title(ls, article_col, order[position]["title"]), timeout=600
    )
    tmux.quiet(target, settle=0.3)

    # paced j: each highlight rests until its article has opened
    paced_key: list[float] = []
    paced_open: list[float] = []
    budget = time.perf_counter() + PHASE_BUDGET
    for _ in range(10 if quick else 30):
        if time.perf_counter() > budget:
            break
        before = tmux.screen(target, escapes=True)
        sent = tmux.keys(target, "j")
        position += 1
        seen, _ = tmux.wait(target, lambda ls: ls != before, timeout=600, poll=poll, escapes=True)
        paced_key.append(seen - sent)
        title = order[position]["title"]
        seen, _ = tmux.wait(
            target, lambda ls: shows_title(ls, article_col, title), timeout=600, poll=poll
        )
        paced_open.append(seen - sent)
        tmux.quiet(target, settle=0.15)
    result["keys_paced"] = paced_key
    result["open_by_highlight"] = paced_open
    print(
        f"  keys (paced): {len(paced_key)}, median {ms(statistics.median(paced_key))}", flush=True
    )

    # open with Enter (no debounce): j Enter, then esc back to the list
    opens: list[float] = []
    budget = time.perf_counter() + PHASE_BUDGET
    for _ in range(10 if quick else 30):
        if time.perf_counter() > budget:
            break
        position += 1
        title = order[position]["title"]
        sent = tmux.keys(target, "j", "Enter")
        seen, _ = tmux.wait(
            target, lambda ls: shows_title(ls, article_col, title), timeout=600, poll=poll
        )
        opens.append(seen - sent)
        tmux.quiet(target, settle=0.15)
        # back to the list: shift+tab (a lone Escape can fuse with the next j into alt+j)
        tmux.keys(target, "BTab")
        tmux.wait(target, lambda ls: "Next quote" not in ls[-2] + ls[-1], timeout=600, poll=poll)
        tmux.quiet(target, settle=0.1)
    result["open_enter"] = opens
    print(f"  opens: {len(opens)}, median {ms(statistics.median(opens))}", flush=True)

    # mark read/unread with m until state.json says so
    state = db / "state.json"
    article_id = order[position]["id"]

    def on_disk_read() -> bool | None:
        try:
            data = json.loads(state.read_bytes())
        except (OSError, ValueError):
            return None
        ids = set()
        for row in data.get("read", {}).values():
            ids.update(row.get("ids", ()))
        return article_id in ids

    marks: list[float] = []
    mark_screen: list[float] = []
    budget = time.perf_counter() + PHASE_BUDGET
    for _ in range(4 if quick else 10):
        if time.perf_counter() > budget and marks:
            break
        now = on_disk_read()
        before = list_part(tmux.screen(target))
        sent = tmux.keys(target, "m")
        seen, _ = tmux.wait(target, lambda ls: list_part(ls) != before, timeout=600, poll=poll)
        mark_screen.append(seen - sent)
        deadline = sent + 600
        while on_disk_read() == now and time.perf_counter() < deadline:
            time.sleep(0.002)
        marks.append(time.perf_counter() - sent if on_disk_read() != now else float("inf"))
        time.sleep(0.05)
    result["mark_disk"] = marks
    result["mark_screen"] = mark_screen

    status = proc_status(pid)
    result["rss_peak"] = status.get("VmHWM", 0)
    result["rss_end"] = status.get("VmRSS", 0)
    tmux.keys(target, "q")
    deadline = time.perf_counter() + 20
    while time.perf_counter() < deadline and not tmux.dead(target):
        time.sleep(0.05)
    quit_time = time.perf_counter()
    result["exited"] = tmux.dead(target)
    if not result["exited"]:
        print("  warning: the app did not exit on q", flush=True)
    tmux.kill(target)
    _ = quit_time
    return result


def measure_search(db: Path, words: list[str]) -> dict | None:
    check = subprocess.run(
        [*READER, "search", "--help"], capture_output=True, cwd=ROOT, check=False
    )
    if check.returncode != 0:
        return None
    times = []
    for word in words:
        t0 = time.perf_counter()
        done = subprocess.run(
            [*READER, "--db", str(db), "search", word, "--json"],
            capture_output=True,
            cwd=ROOT,
            check=False,
        )
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            print(f"  reader search {word} failed: {done.stderr[-300:]!r}")
    return {"times": times}


# -- newsboat ------------------------------------------------------------------


class FileServer:
    def __init__(self, files: dict[str, Path]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = files.get(self.path)
                body = path.read_bytes() if path else b""
                self.send_response(200 if path else 404)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def newsboat_available() -> bool:
    if shutil.which("newsboat"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("newsboat is not installed; trying apt-get install -y newsboat once", flush=True)
        subprocess.run(["apt-get", "install", "-y", "newsboat"], capture_output=True, check=False)
    return shutil.which("newsboat") is not None


def newsboat_home(cache: Path, size: str, paths: list[Path]) -> tuple[Path, float | None]:
    """A newsboat folder (urls, config, cache.db) for the archive, filled once by -x reload."""
    home = cache / f"newsboat-{size}"
    done = home / "DONE"
    if done.exists():
        return home, json.loads(done.read_text()).get("reload")
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    server = FileServer({f"/{p.name}": p for p in paths})
    try:
        (home / "urls").write_text("".join(server.url(f"/{p.name}") + "\n" for p in paths))
        (home / "config").write_text("reload-threads 8\nshow-read-feeds yes\n")
        print(f"[{size}] newsboat -x reload (filling its cache) ...", flush=True)
        t0 = time.perf_counter()
        run = subprocess.run(
            newsboat_command(home) + ["-x", "reload"],
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": str(home)},
            check=False,
        )
        reload_time = time.perf_counter() - t0
        if run.returncode != 0:
            raise SystemExit(f"newsboat reload failed: {run.stderr[-500:]}")
    finally:
        server.close()
    done.write_text(json.dumps({"reload": reload_time}))
    return home, reload_time


def newsboat_command(home: Path) -> list[str]:
    return [
        "newsboat",
        "-u",
        str(home / "urls"),
        "-c",
        str(home / "cache.db"),
        "-C",
        str(home / "config"),
    ]


def measure_newsboat(tmux: Tmux, home: Path, feeds: int, per_feed: int, poll: float) -> dict:
    """Launch to a feed list whose rows show their counts, as many as fit the screen."""
    runs = []
    marker = f"({per_feed}/{per_feed})"
    peak = 0
    for _ in range(3):
        # newsboat refuses a second instance via its lock file; each run quits first
        target, started = tmux.launch(
            newsboat_command(home), env={"HOME": str(home), "TERM": "screen-256color"}
        )
        want = min(feeds, tmux.height - 4)

        def populated(lines: list[str]) -> bool:
            return sum(marker in line for line in lines) >= want

        try:
            seen, lines = tmux.wait(target, populated, timeout=120, poll=poll)
        except TimeoutError as error:
            raise SystemExit(f"newsboat never showed its feeds:\n{error}") from None
        runs.append(seen - started)
        pid = tmux.pid(target)
        time.sleep(0.3)
        peak = max(peak, proc_status(pid).get("VmHWM", 0))
        tmux.keys(target, "q")
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and not tmux.dead(target):
            time.sleep(0.05)
        tmux.kill(target)
        time.sleep(0.2)
    return {"first_screen": runs, "rss_peak": peak, "screen": lines}


# -- report --------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    ram = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            ram = int(line.split()[1]) * 1024
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{ram / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def verdict(value: float | None, goal: float) -> str:
    if value is None:
        return "n/a"
    return "PASS" if value <= goal else "FAIL"


def build_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, value, goal, pass/fail) rows for every size measured."""
    rows: list[tuple[str, str, str, str]] = []
    boat10 = results.get("10k", {}).get("newsboat")
    for size, r in results.items():
        app, probe_info, ingest_info = r["app"], r["probe"], r["ingest"]
        tag = f"[{size}]"
        rows.append(
            (
                f"{tag} ingest ({SIZES.get(size, (FEEDS, 0))[0]} x Library.add, then analysis)",
                (
                    f"{ingest_info['stored']:.1f} s + {ingest_info['seconds'] - ingest_info['stored']:.1f} s"
                    if "stored" in ingest_info
                    else f"{ingest_info['seconds']:.1f} s"
                )
                + (" (cached)" if ingest_info.get("cached") else ""),
                "-",
                "-",
            )
        )
        first = app["first_screen"]
        goal = 0.5 if size in ("1k", "10k") else 1.0
        rows.append(
            (f"{tag} first screen", ms(first), f"<= {goal * 1000:.0f} ms", verdict(first, goal))
        )
        boat = r.get("newsboat")
        if boat:
            b = min(boat["first_screen"])
            rows.append((f"{tag} newsboat first screen (best of 3)", ms(b), "-", "-"))
            ratio = first / b
            rows.append(
                (
                    f"{tag} ratio first screen ours/newsboat",
                    f"{ratio:.2f}",
                    "<= 0.3",
                    verdict(ratio, 0.3),
                )
            )
        keys = app["keys_rapid"]
        k50, k95 = statistics.median(keys), pct(keys, 95)
        strict = size == "100k"
        rows.append(
            (
                f"{tag} key j -> repaint, median ({len(keys)} rapid)",
                ms(k50),
                "<= 17 ms" + ("" if strict else " (at 100k)"),
                verdict(k50, 0.017),
            )
        )
        rows.append(
            (
                f"{tag} key j -> repaint, p95",
                ms(k95),
                "<= 50 ms" + ("" if strict else " (at 100k)"),
                verdict(k95, 0.050),
            )
        )
        paced = app["keys_paced"]
        rows.append(
            (
                f"{tag} key j -> repaint, paced median / p95",
                f"{ms(statistics.median(paced))} / {ms(pct(paced, 95))}",
                "-",
                "-",
            )
        )
        hl = app["open_by_highlight"]
        rows.append(
            (
                f"{tag} j -> article shown (80 ms debounce incl.) p50/p95",
                f"{ms(statistics.median(hl))} / {ms(pct(hl, 95))}",
                "-",
                "-",
            )
        )
        opens = app["open_enter"]
        o95 = pct(opens, 95)
        rows.append(
            (f"{tag} open article (j Enter), median", ms(statistics.median(opens)), "-", "-")
        )
        rows.append(
            (f"{tag} open article (j Enter), p95", ms(o95), "<= 50 ms", verdict(o95, 0.050))
        )
        marks = app["mark_disk"]
        worst = max(marks)
        rows.append(
            (
                f"{tag} mark read: key -> on disk, max of {len(marks)}",
                ms(worst),
                "<= 1000 ms",
                verdict(worst, 1.0),
            )
        )
        rows.append(
            (
                f"{tag} mark read: key -> repaint, max",
                ms(max(app["mark_screen"])),
                "UI never waits",
                "-",
            )
        )
        search = r.get("search")
        if search:
            st = search["times"]
            rows.append(
                (
                    f"{tag} reader search (CLI, incl. start-up) p50/p95",
                    f"{ms(statistics.median(st))} / {ms(pct(st, 95))}",
                    "-",
                    "-",
                )
            )
        else:
            rows.append((f"{tag} search", "no `reader search` command yet", "-", "n/a"))
        ps = probe_info.get("search")
        if ps:
            st = ps["times"]
            rows.append(
                (
                    f"{tag} Library.search in-process p50/p95",
                    f"{ms(statistics.median(st))} / {ms(pct(st, 95))}",
                    "-",
                    "-",
                )
            )
        peak = app["rss_peak"]
        rows.append(
            (
                f"{tag} peak RSS (VmHWM)",
                mib(peak),
                "<= 300 MiB at 100k",
                verdict(peak, 300 * 1048576)
                if size == "100k"
                else ("(" + verdict(peak, 300 * 1048576) + ")"),
            )
        )
        apparent, allocated = r["disk"]
        rows.append(
            (f"{tag} database folder", f"{mib(apparent)} ({mib(allocated)} allocated)", "-", "-")
        )
        if boat:
            rows.append((f"{tag} newsboat cache.db", mib(boat["cache"]), "-", "-"))
            ratio = apparent / boat["cache"]
            rows.append(
                (f"{tag} disk ratio ours/newsboat", f"{ratio:.2f}", "<= 1.2", verdict(ratio, 1.2))
            )
            rows.append((f"{tag} newsboat peak RSS", mib(boat["rss_peak"]), "-", "-"))
    _ = boat10
    return rows


def startup_rows(results: dict) -> list[tuple[str, str]]:
    rows = []
    for size, r in results.items():
        p = r["probe"]
        rows.append((f"[{size}] import reader.core.library", ms(p["import"])))
        rows.append((f"[{size}] open_library (Store load)", ms(p["open_library"])))
        rows.append((f"[{size}] Library.feeds()", ms(p["feeds"])))
        rows.append((f"[{size}] Library.articles() (sort all)", ms(p["articles"])))
        rows.append((f"[{size}] RSS after open_library (VmHWM)", mib(p["rss_after_open"])))
        rows.append((f"[{size}] first related() (builds indexes)", ms(p["first_related"])))
        rel = p["related"]
        rows.append(
            (
                f"[{size}] related() after that, p50/p95",
                f"{ms(statistics.median(rel))} / {ms(pct(rel, 95))}",
            )
        )
    return rows


def render(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def write_results(path: Path, results: dict, argv: list[str], notes: str) -> str:
    info = machine()
    table = render(build_rows(results), ("figure", "value", "goal", "result"))
    startup = render(startup_rows(results), ("in-process start-up phase", "time / memory"))
    text = (
        "# Scale benchmark results (issue 9)\n\n"
        f"Generated by `python bench/scale.py {' '.join(argv)}` on {datetime.now().isoformat(timespec='minutes')}; "
        + "measured: "
        + ", ".join(f"{size} on {r.get('measured', '?')}" for size, r in results.items())
        + ".\n\n"
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, "
        f"Linux {info['kernel']}, Python {info['python']}. Terminal: tmux 120x40, "
        "screen polled with `tmux capture-pane -p` every ~5 ms (each poll costs ~2 ms, so "
        "screen timings carry a few ms of measurement overhead). Page cache warm.\n\n"
        f"{table}\n\n## Start-up phases, in-process\n\n{startup}\n\n{notes}"
    )
    path.write_text(text)
    return table + "\n\n" + startup


# -- main ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 1k, 10k, 100k")
    parser.add_argument("--quick", action="store_true", help="fewer key presses and opens")
    parser.add_argument("--reingest", action="store_true", help="ignore the cached database")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="reuse the newest cached database even if reader/core changed since",
    )
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument("--cache", default="/tmp/reader-scale-cache")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds per measured phase before it stops with fewer samples",
    )
    parser.add_argument("--poll", type=float, default=0.005, help="screen poll interval, s")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    parser.add_argument(
        "--notes",
        default=str(HERE / "_scale_notes.md"),
        help="markdown appended to RESULTS.md (analysis), if the file exists",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite RESULTS.md from the raw figures of earlier runs (cache/raw-SIZE.json)",
    )
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--words", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, [w for w in args.words.split(",") if w])
        return

    global PHASE_BUDGET
    PHASE_BUDGET = args.budget
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.report_only:
        results = {
            size: json.loads((cache / f"raw-{size}.json").read_text())
            for size in sizes
            if (cache / f"raw-{size}.json").exists()
        }
        notes_path = Path(args.notes)
        notes = notes_path.read_text() if notes_path.exists() else ""
        print(write_results(Path(args.results), results, sys.argv[1:], notes))
        return
    words = ["Okafor", "council", "Lindqvist", "report", "lodunka", "Brandt"]
    boat_ok = not args.no_newsboat and newsboat_available()
    results: dict = {}
    tmux = Tmux(120, 40)
    try:
        for size in sizes:
            feeds, entries = SIZES[size]
            t0 = time.perf_counter()
            paths = _scale_data.archive(cache, feeds, entries)
            print(
                f"[{size}] archive ready ({feeds} x {entries}) in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
            base, ingest_info = cached_db(cache, size, paths, args.reingest, args.reuse_db)
            print(
                f"[{size}] ingest: {ingest_info['seconds']:.1f} s"
                + (" (cached)" if ingest_info["cached"] else ""),
                flush=True,
            )
            with tempfile.TemporaryDirectory(prefix="reader-scale-") as tmp:
                db = Path(tmp) / "db"
                shutil.copytree(base, db)
                (db / "lock").unlink(missing_ok=True)
                disk = disk_usage(db)
                print(f"[{size}] probing in-process start-up ...", flush=True)
                probe_info = run_probe(db, words)
                print(f"[{size}] measuring the app in tmux ...", flush=True)
                app = measure_app(tmux, db, probe_info, args.quick, args.poll)
                print(
                    f"[{size}] first screen {ms(app['first_screen'])}, "
                    f"keys p50 {ms(statistics.median(app['keys_rapid']))}",
                    flush=True,
                )
                search = measure_search(db, words[:3])
            entry = {
                "measured": datetime.now().isoformat(timespec="minutes"),
                "ingest": ingest_info,
                "probe": probe_info,
                "app": app,
                "disk": disk,
                "search": search,
            }
            if boat_ok:
                home, reload_time = newsboat_home(cache, size, paths)
                print(f"[{size}] measuring newsboat ...", flush=True)
                boat = measure_newsboat(tmux, home, feeds, entries, args.poll)
                boat["cache"] = (home / "cache.db").stat().st_size
                boat["reload"] = reload_time
                entry["newsboat"] = boat
            results[size] = entry
            raw = cache / f"raw-{size}.json"
            slim = {k: v for k, v in entry.items() if k != "probe"}
            slim["probe"] = {k: v for k, v in probe_info.items() if k != "order"}
            if "newsboat" in slim:
                slim["newsboat"] = {k: v for k, v in slim["newsboat"].items() if k != "screen"}
            raw.write_text(json.dumps(slim, indent=1, default=str))
    finally:
        tmux.close()
    notes_path = Path(args.notes)
    notes = notes_path.read_text() if notes_path.exists() else ""
    table = write_results(Path(args.results), results, sys.argv[1:], notes)
    print()
    print(table)
    print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
