"""Full text for 200 articles from 20 hosts on 127.0.0.1, with the politeness limits.

Run: python bench/full_text.py --aeb DIR [--hosts 20] [--per-host 10] [--latency 0.02]

DIR is a checkout of scrapinghub/article-extraction-benchmark: its real pages
are the articles (cycled when more are asked for). Each host is its own
loopback address (127.0.0.1 .. 127.0.0.20, so the two-per-host limit applies
to each), serving a summary-only RSS feed and the pages, with LATENCY seconds
before each answer (a network round trip). The script subscribes to every feed
(their entries queue for full text) and times ``Library.fetch_full_texts``:
every page fetched (two per host at a time), extracted, and stored.
Goal (issue 17): <= 10 s.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.core.library import open_library  # noqa: E402


class Host:
    """One loopback address serving a feed and its pages."""

    def __init__(self, address: str, pages: dict[str, bytes], latency: float) -> None:
        self.pages = pages
        self.running = 0
        self.most = 0
        lock = threading.Lock()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    host.running += 1
                    host.most = max(host.most, host.running)
                time.sleep(latency)
                body = host.pages.get(self.path)
                kind = "application/rss+xml" if self.path == "/feed.xml" else "text/html"
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")
                with lock:
                    host.running -= 1

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self.httpd = Server((address, 0), Handler)
        self.base = f"http://{address}:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>{base}{p}</guid><title>Story {i}</title><link>{base}{p}</link>"
        f"<description>A sentence about the story. Read more…</description></item>"
        for i, p in enumerate(paths)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(base)}</title>'
        f"<link>{base}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aeb", type=Path, required=True)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=8, help="fetch_concurrency")
    args = parser.parse_args()
    html = [gzip.decompress(p.read_bytes()) for p in sorted((args.aeb / "html").glob("*.gz"))]
    hosts = []
    n = 0
    for h in range(args.hosts):
        pages = {}
        for _ in range(args.per_host):
            pages[f"/a/{n}"] = html[n % len(html)]
            n += 1
        host = Host(f"127.0.0.{h + 1}", pages, args.latency)
        host.pages["/feed.xml"] = feed(host.base, [p for p in pages])
        hosts.append(host)
    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Path(tmp) / "db", seed=False, concurrency=args.concurrency)
        try:
            started = time.perf_counter()
            for host in hosts:
                lib.add(host.base + "/feed.xml")
            feeds = time.perf_counter() - started
            queued = lib.full_texts_queued()
            times: list[float] = []
            last = [time.perf_counter()]

            def progress(done: int, total: int, outcome: object) -> None:
                now = time.perf_counter()
                times.append(now - last[0])
                last[0] = now

            started = time.perf_counter()
            cpu = (
                resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN),
            )
            outcomes = lib.fetch_full_texts(progress)
            elapsed = time.perf_counter() - started
            own, children = (
                resource.getrusage(who).ru_utime
                + resource.getrusage(who).ru_stime
                - (before.ru_utime + before.ru_stime)
                for who, before in zip((resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN), cpu)
            )
        finally:
            lib.close()
            for host in hosts:
                host.close()
    stored = sum(o.stored for o in outcomes)
    print(
        "| articles | hosts | stored | kept summary | feeds s | full text s | CPU s (this process + extraction processes) "
        "| most at once on a host |"
    )
    print(
        "| -------- | ----- | ------ | ------------ | ------- | ----------- | ------------------------------------------- "
        "| ---------------------- |"
    )
    print(
        f"| {queued:8} | {len(hosts):5} | {stored:6} | {len(outcomes) - stored:12} | "
        f"{feeds:7.1f} | {elapsed:11.1f} | {own:19.1f} + {children:<21.1f} | "
        f"{max(h.most for h in hosts):22} |"
    )
    reasons = sorted({o.reason.split(": ", 1)[-1][:70] for o in outcomes if not o.stored})
    for reason in reasons[:8]:
        print(f"  kept summary: {reason}")


if __name__ == "__main__":
    main()
