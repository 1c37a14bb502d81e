"""Profile the app headless (Textual's run_test at 120x40) on a benchmark database.

Run: python bench/_profile_app.py DB [--phase start|keys|open|all] [--top 30]

Prints wall times of: open_library, app start to first idle with the first
article shown, 30 j presses (each awaited to idle), 10 opens (j enter); and a
cProfile of the chosen phase sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--phase", default="start")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--keys", type=int, default=30)
    args = parser.parse_args()

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    if args.phase in ("start", "all"):
        profiler.enable()
    from reader.core.library import open_library
    from reader.ui.app import ReaderApp

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    library = open_library(args.db)
    t_open = time.perf_counter() - t0
    app = ReaderApp(library)
    times: dict[str, object] = {"import": t_import, "open_library": t_open}

    async def settle() -> None:
        # wait_for_complete() raises WorkerCancelled when a debounced open cancels a load
        while any(worker.is_running for worker in app.workers):
            await asyncio.sleep(0.02)

    async def drive() -> None:
        t0 = time.perf_counter()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await settle()
            await pilot.pause()
            times["start_to_idle"] = time.perf_counter() - t0
            if args.phase == "start":
                profiler.disable()
            if args.phase in ("keys", "all"):
                profiler.enable()
            keys = []
            for _ in range(args.keys):
                t1 = time.perf_counter()
                await pilot.press("j")
                keys.append(time.perf_counter() - t1)
            times["keys"] = sorted(keys)[len(keys) // 2]
            if args.phase == "keys":
                profiler.disable()
            await pilot.pause(0.3)
            await settle()
            if args.phase == "open":
                profiler.enable()
            opens = []
            for _ in range(10):
                t1 = time.perf_counter()
                await pilot.press("j", "enter")
                await settle()
                await pilot.pause()
                opens.append(time.perf_counter() - t1)
                await pilot.press("shift+tab")
            times["open"] = sorted(opens)[len(opens) // 2]
            profiler.disable()

    asyncio.run(drive())
    library.close()
    for key, value in times.items():
        print(f"{key:16} {value * 1000:9.1f} ms" if isinstance(value, float) else f"{key} {value}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])


if __name__ == "__main__":
    main()
