"""Sync against the real tt-rss of scripts/ttrss-up: pulling 10,000 unread ids and 500
stars, a first and a second full sync, and pushing 1,000 marks (time and requests).

    eval "$(sudo scripts/ttrss-up | sed 's/^/export /')"
    .venv/bin/python bench/sync.py [--unread 10000] [--starred 500] [--marks 1000]

The articles go straight into tt-rss's database (one SQL statement), so the bench
measures the API and reader, not tt-rss's feed updater. Goals (issue 21): the pull in
<= 5 s; 1,000 marks in a handful of requests. tt-rss works out each headline's labels
the first time it lists it (and writes them back), so the first pull is "cold".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.core.library import open_library  # noqa: E402
from reader.core.settings import SyncAccount  # noqa: E402
from reader.core.sync import ttrss  # noqa: E402
from reader.core.sync.engine import run_sync  # noqa: E402
from reader.core.sync.ttrss import TtrssClient  # noqa: E402

BODY = "<p>" + "“We will rebuild the harbour wall,” said Ann Lee, the mayor. " * 12 + "</p>"


class Counting(TtrssClient):
    """Counts the requests of each API op."""

    ops: dict[str, int]

    def call(self, op: str, **params: object) -> object:
        self.ops = getattr(self, "ops", {})
        self.ops[op] = self.ops.get(op, 0) + 1
        return super().call(op, **params)


def server_cpu() -> float:
    """CPU seconds used so far by tt-rss's processes (php -S workers, PostgreSQL): what
    the pull costs the server, which a loaded machine does not inflate the way it does
    wall time."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"php" not in cmdline and b"postgres" not in cmdline:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def psql(sql: str) -> str:
    port = os.environ.get("TTRSS_PGPORT", "54329")
    done = subprocess.run(
        ["psql", "-qAt", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "ttrss", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def seed(client: TtrssClient, unread: int, starred: int) -> None:
    """A clean server with one feed of ``unread`` unread articles, ``starred`` of them starred."""
    for feed in client.subscriptions():
        client.unsubscribe(feed.id)
    psql("delete from ttrss_entries")
    feeds = Path(os.environ["TTRSS_FEEDS_DIR"])
    (feeds / "bench.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
        "<link>https://bench.example/</link><description>b</description></channel></rss>"
    )
    client.call(
        "subscribeToFeed",
        feed_url=os.environ.get("TTRSS_FEEDS_URL", "http://[::1]/") + "bench.xml",
        category_id=0,
    )
    feed_id = int(psql("select id from ttrss_feeds where feed_url like '%bench.xml'"))
    body = BODY.replace("'", "''")
    psql(
        "insert into ttrss_entries (title, guid, link, updated, content, content_hash, "
        "date_entered, date_updated) select 'Story ' || n, 'urn:bench:' || n, "
        "'https://bench.example/' || n, now() - n * interval '1 minute', "
        f"'{body}', 'h' || n, now(), now() from generate_series(1, {unread}) n"
    )
    psql(
        "insert into ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, marked, tag_cache, "
        f"label_cache, unread) select id, '', {feed_id}, 1, "
        f"(row_number() over (order by id)) <= {starred}, '', '', true from ttrss_entries"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--unread", type=int, default=10000)
    parser.add_argument("--starred", type=int, default=500)
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=ttrss.PARALLEL, help="pages at once")
    args = parser.parse_args()
    ttrss.PARALLEL = args.parallel
    url = os.environ.get("TTRSS_URL")
    if not url:
        sys.exit("bench/sync.py: run scripts/ttrss-up first and export its lines")
    user, password = (
        os.environ.get("TTRSS_USER", "admin"),
        os.environ.get("TTRSS_PASSWORD", "password"),
    )
    client = TtrssClient(url, user, password)
    seed(client, args.unread, args.starred)
    rows: list[tuple[str, str, str, str]] = []

    for label in ("cold: the first time tt-rss lists them", "warm: best of 3"):
        best = cpu = float("inf")
        for _ in range(1 if label.startswith("cold") else 3):
            pull = TtrssClient(url, user, password)
            pull.login()
            started, cpu_before = time.perf_counter(), server_cpu()
            unread, starred = pull.unread_ids(), pull.starred_ids()
            best = min(best, time.perf_counter() - started)
            cpu = min(cpu, server_cpu() - cpu_before)
        rows.append(
            (
                f"pull ids: {len(unread):,} unread + {len(starred):,} starred ({label})",
                f"{best:.2f}",
                str(pull.calls - 1),
                "<= 5 s",
            )
        )
        rows.append(("  of which tt-rss CPU seconds (php + PostgreSQL)", f"{cpu:.2f}", "", ""))

    account = SyncAccount("ttrss", url, user, password=password)
    with tempfile.TemporaryDirectory() as folder:
        library = open_library(Path(folder) / "db", seed=False, sync=account)
        for label in ("first sync (all articles with content)", "second sync (nothing new)"):
            backend = TtrssClient(url, user, password)
            started = time.perf_counter()
            summary = run_sync(library.store, backend, "2026-12-07T00:00:00+00:00")
            took = time.perf_counter() - started
            rows.append(
                (f"{label}: pulled {summary.pulled:,}", f"{took:.2f}", str(backend.calls), "")
            )
        ids = [a.id for a in library.store.articles()][: args.marks]
        library.mark(ids)
        backend = Counting(url, user, password)
        started = time.perf_counter()
        summary = run_sync(library.store, backend, "2026-12-07T00:00:00+00:00")
        took = time.perf_counter() - started
        pushes = backend.ops.get("updateArticle", 0)
        rows.append(
            (
                f"push {summary.pushed:,} marks, then pull",
                f"{took:.2f}",
                f"{backend.calls} ({pushes} to push)",
                "a handful",
            )
        )
        library.close()
    load = os.getloadavg()[0]
    print(f"{args.parallel} pages at once; load average {load:.1f} on {os.cpu_count()} cores")
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'seconds':>8}  {'requests':>18}  goal")
    for step, seconds, calls, goal in rows:
        print(f"{step:<{width}}  {seconds:>8}  {calls:>18}  {goal}")


if __name__ == "__main__":
    main()
