"""Start-up with a sync account whose server is down, against no account: `reader feeds`
(opening the database, as the app does before its first frame), median of 15 runs each.

    .venv/bin/python bench/sync_startup.py
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(db: Path, config: Path, runs: int = 15) -> float:
    env = {**os.environ, "READER_CONFIG": str(config)}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reader", "--db", str(db), "feeds"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db, plain, synced = (
            Path(folder) / "db",
            Path(folder) / "plain.toml",
            Path(folder) / "sync.toml",
        )
        plain.write_text("")
        synced.write_text(
            f'[sync]\nkind = "ttrss"\nurl = "http://127.0.0.1:{free_port()}/"\n'
            'user = "admin"\npassword_command = "echo password"\n'
        )
        timed(db, plain, runs=1)  # creates the database and its seeds
        rows = [("no account", timed(db, plain)), ("account, server down", timed(db, synced))]
    print(f"{'reader feeds':<22}  median (ms)")
    for label, seconds in rows:
        print(f"{label:<22}  {seconds * 1000:10.0f}")


if __name__ == "__main__":
    main()
