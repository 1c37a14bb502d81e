"""Hard crashes and a second process: the database survives and says who holds it.

- 50 SIGKILLs at random moments of `reader refresh` of a 5,000-entry feed
  (each refresh rewrites it): the database opens every time and no bookmark
  or read mark is lost.
- `reader db check` names each unreadable file; `reader db restore` puts back
  the last good copy the store kept, moving the unreadable file aside.
- A second `reader` on a database in use says which process holds it.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from reader.cli import main
from reader.core.library import open_library
from reader.core.storage.recovery import check_database
from reader.core.storage.store import Store
from tests.conftest import frozen_clock
from tests.hostile_corpus import many_entries_json

TRIALS = 50
LANES = 3  # databases killed side by side, to keep the wall time down
READER = [sys.executable, "-m", "reader"]


def make_database(db: Path, feed: Path) -> tuple[set[str], set[str]]:
    """Seeds plus the 5,000-entry feed, with bookmarks and read marks in both."""
    feed.parent.mkdir(parents=True, exist_ok=True)
    feed.write_bytes(many_entries_json(said="said"))
    library = open_library(db, clock=frozen_clock)
    try:
        library.add(str(feed))
        articles = library.articles()
        library.bookmark(articles[0].id, note="first")
        library.bookmark(articles[-1].id, tags=["seed"])
        library.mark([a.id for a in articles[::97]])
        return {b.id for b in library.bookmarks()}, set(library.read_ids())
    finally:
        library.close()


def survived(db: Path, bookmarks: set[str], read: set[str], *, open_store: bool) -> str | None:
    """None when every file reads back with every bookmark and read mark; else what is wrong.

    Every file is parsed each time; the store itself is opened when ``open_store``.
    """
    problems = check_database(db)
    if problems:
        return problems[0]
    library = orjson.loads((db / "library.json").read_bytes())
    state = orjson.loads((db / "state.json").read_bytes())
    if not bookmarks <= {doc["id"] for doc in library["bookmarks"].values()}:
        return "a bookmark was lost"
    if not read <= set(state["read"]["1"]["ids"]):
        return "a read mark was lost"
    if open_store:
        try:
            Store(db, readonly=True).close()
        except Exception as error:  # noqa: BLE001 - any failure to open is the finding
            return f"does not open: {error}"
    return None


def refresh_once(db: Path, feed: Path, version: int) -> subprocess.Popen[bytes]:
    feed.write_bytes(many_entries_json(said="said" if version % 2 else "says"))  # a change
    return subprocess.Popen(
        [*READER, "--db", str(db), "refresh"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def files_of(db: Path) -> dict[Path, int]:
    """Every data file of the database and its inode: a replaced file has a new one."""
    return {path: path.stat().st_ino for path in db.rglob("*.json") if path.is_file()}


def wait_for_a_replace(
    db: Path, before: dict[Path, int], process: subprocess.Popen[bytes]
) -> float:
    """Poll until the refresh has replaced a file (or ended); the seconds it took."""
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < 60:
        try:
            if files_of(db) != before:
                break
        except FileNotFoundError:  # a temporary file renamed while we looked
            pass
        time.sleep(0.002)
    return time.monotonic() - started


def run_lane(
    lane: Path, trials: int, seed: int, marks: tuple[set[str], set[str]]
) -> tuple[list[str | None], int, list[float]]:
    """Kill ``trials`` refreshes: odd trials before the writes, even ones during them.

    Where the writes start is measured on every try, by watching for a replaced file,
    so the kills land on both sides of it however busy the machine is.
    """
    db, feed = lane / "db", lane / "feed.json"
    bookmarks, read = marks
    rng = random.Random(seed)
    results: list[str | None] = []
    written = 0
    assert refresh_once(db, feed, 1).wait(timeout=60) == 0
    inodes = files_of(db)
    to_first_write = [0.3]  # seconds from start to the first replaced file, per try
    for trial in range(trials):
        process = refresh_once(db, feed, trial)
        if trial % 2:
            time.sleep(rng.uniform(0, 0.9 * min(to_first_write[-3:])))
        else:
            to_first_write.append(wait_for_a_replace(db, inodes, process))
            time.sleep(rng.uniform(0, 0.25))  # somewhere in the writes (or just after)
        process.send_signal(signal.SIGKILL)
        process.wait()
        replaced = files_of(db)
        if replaced != inodes:
            written += 1  # the kill came after at least one file was replaced
        inodes = replaced
        results.append(survived(db, bookmarks, read, open_store=trial % 5 == 0))
    # And a refresh left to finish still works on what the kills left behind.
    finished = refresh_once(db, feed, trials)
    assert finished.wait(timeout=60) == 0
    results.append(survived(db, bookmarks, read, open_store=True))
    return results, written, to_first_write[1:]


@pytest.mark.slow
def test_sigkill_during_refresh_loses_nothing(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    marks = make_database(probe / "db", probe / "feed.json")
    lanes = [tmp_path / f"lane{i}" for i in range(LANES)]
    for lane in lanes:
        shutil.copytree(probe, lane)
    counts = [TRIALS // LANES + (i < TRIALS % LANES) for i in range(LANES)]
    with ThreadPoolExecutor(LANES) as pool:
        outcomes = list(pool.map(run_lane, lanes, counts, range(LANES), [marks] * LANES))
    judged = [f for lane, _, _ in outcomes for f in lane]
    failures = [f for f in judged if f is not None]
    written = sum(w for _, w, _ in outcomes)
    assert len(judged) == TRIALS + LANES, "every kill, and each lane's last refresh, was judged"
    assert failures == [], f"{len(failures)} of {TRIALS} trials lost data: {failures[:3]}"
    # The kills must land on both sides of the writes, or the test proves nothing.
    assert 0 < written < TRIALS, f"{written} of {TRIALS} kills came after a file was replaced"
    print(f"{TRIALS} kills survived; {written} after a file was replaced")
    print("start to first write (s):", [round(w, 2) for _, _, ws in outcomes for w in ws])


# --------------------------------------------------------------------------- db check / restore


def test_db_check_and_restore(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = open_library(db_path, clock=frozen_clock)
    article = library.articles()[0]
    library.bookmark(article.id)
    library.mark([article.id])
    library.close()
    library = open_library(db_path, clock=frozen_clock)  # reopened: first good copies kept
    library.mark([library.articles()[1].id])
    library.close()
    assert main(["--db", str(db_path), "db", "check"]) == 0
    assert "every file is readable" in capsys.readouterr().out

    state = db_path / "state.json"
    feed_file = sorted((db_path / "feeds").glob("*.json"))[0]
    untouched = sorted((db_path / "feeds").glob("*.json"))[1]
    untouched_bytes = untouched.read_bytes()
    state.write_bytes(b'{"_default": {"1": ')  # torn
    feed_file.write_bytes(b"")  # emptied
    assert main(["--db", str(db_path), "feeds"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "reader db check" in err[0]

    assert main(["--db", str(db_path), "db", "check"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert str(feed_file) in err[0] and str(state) in err[1]
    assert all("reader db restore" in line for line in err)

    assert main(["--db", str(db_path), "db", "restore"]) == 0
    out = capsys.readouterr().out
    assert out.count("restored its last good copy") == 2
    assert untouched.read_bytes() == untouched_bytes
    aside = sorted(db_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b'{"_default": {"1": '
    assert list((db_path / "feeds").glob(f"{feed_file.name}.corrupt-*"))
    library = open_library(db_path, readonly=True)
    try:
        assert library.is_read(article.id) and library.bookmarks()
    finally:
        library.close()
    assert main(["--db", str(db_path), "db", "check"]) == 0


def test_an_unreadable_file_without_a_copy_is_left_alone(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_library(db_path, clock=frozen_clock).close()
    orphan = db_path / "feeds" / "0000000000.json"
    orphan.write_bytes(b"not json")
    assert main(["--db", str(db_path), "db", "restore"]) == 1
    assert "no readable copy" in capsys.readouterr().out
    assert orphan.read_bytes() == b"not json"


def test_the_store_keeps_the_previous_version_of_a_file(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    first = library.articles()[0].id
    library.mark([first])
    before = (db_path / "state.json").read_bytes()
    library.mark([library.articles()[1].id])
    library.close()
    kept = db_path / "state.json.bak"
    assert kept.read_bytes() == before != (db_path / "state.json").read_bytes()
    assert first in orjson.loads(kept.read_bytes())["read"]["1"]["ids"]


# --------------------------------------------------------------------------- second process


@pytest.mark.slow
def test_a_second_reader_says_which_process_holds_the_database(db_path: Path) -> None:
    open_library(db_path, clock=frozen_clock).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from reader.core.library import open_library; "
            "lib = open_library(sys.argv[1]); print('ready', flush=True); time.sleep(30)",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        second = subprocess.run(
            [*READER, "--db", str(db_path), "mark", "x"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and f"in use by process {holder.pid}" in lines[0]
        assert "Traceback" not in second.stderr
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=10)
    # The holder is gone: its lock went with it, and the database is usable again.
    after = subprocess.run(
        [*READER, "--db", str(db_path), "mark", "x"], capture_output=True, text=True, timeout=30
    )
    assert "in use by process" not in after.stderr, after.stderr
    Store(db_path).close()
