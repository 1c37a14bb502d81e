"""Keys while the app indexes in the background: key to repaint in a real terminal.

Run: python bench/keys.py [--feeds 200] [--entries 50] [--presses 30] [--gap 0.5]
     [--cache DIR] [--against CHECKOUT]

Issue 20 asks that keys stay one frame (p95 <= 50 ms) while the background analysis runs.
``bench/refresh.py --app`` measures it through Textual's pilot, whose key time includes
its own wait for the app to go idle; this measures what a user sees instead. The app is
started in tmux (120x40) on a copy of ``bench/launch.py``'s database right after a
refresh (analysis pending: the app starts indexing it at launch). While the status line
says "indexing", ``j`` is sent every GAP seconds (longer than the pacer's 0.3 s quiet, so
the indexing is running again when each key arrives) and the time from sending to the
first change of the screen's body (colours included: the highlight moves by colour; the
title and status lines left out, as they change on their own) is recorded; then ``q``,
timed to the process's exit (issue 20: the work "stops promptly on quit"). The same keys
on the indexed copy, once its start-up has settled, give the idle figure beside it. The
feeds are served as in ``bench/launch.py``. Each capture costs ~2 ms, so the figures
carry a few ms of measurement.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _tmux import Tmux  # noqa: E402
from launch import in_list, newest_title  # noqa: E402
from refresh import BenchServer, make_feed, reader_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLL = 0.003


def indexing(lines: list[str]) -> bool:
    return any("indexing " in line for line in lines)


def press(tmux: Tmux, target: str) -> float:
    """Send ``j``; seconds until the screen's body (not its first and last lines) changes."""
    before = tmux.screen(target, escapes=True)[1:-2]
    sent = tmux.keys(target, "j")
    seen, _ = tmux.wait(
        target, lambda lines: lines[1:-2] != before, timeout=30, poll=POLL, escapes=True
    )
    return seen - sent


def measure(cache: Path, title: str, checkout: Path, presses: int, gap: float) -> dict:
    """Keys while the app indexes a refreshed copy, then ``q`` (still indexing: how long
    quitting takes); keys on an indexed copy once its start-up has settled."""
    result: dict = {"indexing": [], "idle": [], "quit": None}
    tmux = Tmux()
    copy = cache / "keys-run"
    try:
        for state in ("refreshed", "indexed"):
            if copy.exists():
                shutil.rmtree(copy)
            shutil.copytree(cache / state, copy)
            target, _ = tmux.launch(reader_command(copy), cwd=str(checkout))
            tmux.wait(target, in_list(title), timeout=60)
            if state == "indexed":
                tmux.quiet(target, settle=1.0)
                for _ in range(presses):
                    time.sleep(gap)
                    result["idle"].append(press(tmux, target))
                tmux.kill(target)
                continue
            busy = result["indexing"]
            deadline = time.perf_counter() + 300
            while len(busy) < presses and time.perf_counter() < deadline:
                time.sleep(gap)
                if not indexing(tmux.screen(target)):
                    if busy:
                        break
                    continue
                busy.append(press(tmux, target))
            if indexing(tmux.screen(target)):
                sent = tmux.keys(target, "q")
                while not tmux.dead(target) and time.perf_counter() - sent < 60:
                    time.sleep(0.005)
                result["quit"] = time.perf_counter() - sent
            tmux.kill(target)
    finally:
        tmux.close()
        shutil.rmtree(copy, ignore_errors=True)
    return result


def row(name: str, values: list[float]) -> str:
    if not values:
        return f"| {name:<36} | {0:>3} | {'-':>8} | {'-':>8} | {'-':>8} |"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"| {name:<36} | {len(values):>3} | {statistics.median(values) * 1000:>6.1f} ms"
        f" | {p95 * 1000:>6.1f} ms | {max(values) * 1000:>6.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between keys")
    parser.add_argument("--cache", default="/tmp/reader-launch-cache", help="bench/launch.py's")
    parser.add_argument("--against", metavar="CHECKOUT", help="another checkout, run after this")
    args = parser.parse_args()

    cache = Path(args.cache) / f"{args.feeds}x{args.entries}"
    if not (cache / "refreshed").exists() or not (cache / "indexed").exists():
        raise SystemExit(
            f"{cache} lacks its databases: run bench/launch.py with this --cache first"
        )
    feeds = {f"/feed/{i}.xml": make_feed(i, args.entries) for i in range(args.feeds)}
    server = BenchServer(feeds)
    checkouts = [("this checkout", ROOT)]
    if args.against:
        checkouts.append(("against", Path(args.against).resolve()))
    lines: list[str] = []
    quits: list[str] = []
    try:
        title = newest_title(cache / "indexed")
        for name, checkout in checkouts:
            result = measure(cache, title, checkout, args.presses, args.gap)
            lines.append(row(f"{name}: while indexing", result["indexing"]))
            lines.append(row(f"{name}: idle (indexed)", result["idle"]))
            quit_ = result["quit"]
            quits.append(
                f"{name}: q while indexing to exit: " + (f"{quit_:.2f} s" if quit_ else "-")
            )
            print(*lines[-2:], quits[-1], sep="\n", flush=True)
    finally:
        server.close()
    count = args.feeds * args.entries
    print(f"\nkey j to repaint, {count // 1000}k articles, one key every {args.gap} s")
    print(f"| {'state':<36} | {'n':>3} | {'p50':>8} | {'p95':>8} | {'max':>8} |")
    print(f"|{'-' * 38}|-----|----------|----------|----------|")
    print("\n".join(lines))
    print("\n".join(quits))
    print("goal (issue 20): p95 <= 50 ms while indexing")


if __name__ == "__main__":
    main()
