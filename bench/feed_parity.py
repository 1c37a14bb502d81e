"""Parity of reader's feed parsing with feedparser, on other projects' test suites (issue 19).

Run: python bench/feed_parity.py [--mirrors DIR] [--cache DIR] [--show N]

Material (never vendored):
- feedparser's own tests, from its sdist on the package index (``pip download``,
  kept under the cache folder), with the HTTP headers each file names in its
  ``Header:`` comment lines;
- other parsers' fixtures, read from bare git mirrors when they are present
  (``--mirrors``, default /work/.mirror, one ``OWNER+NAME/repo`` folder each, as the
  ``fetch`` tool lays them): gofeed, feed-rs, rust-syndication's rss and atom,
  newsboat, miniflux, lemon24/reader. A missing mirror is named and skipped.

Every file is read four ways: reader's fast path (``feeds.parse_fast``; None when it
declines), reader's feedparser route (``feeds.parse_with_feedparser``), reader as it
stores a feed (``feeds.parse_feed`` then ``records.article_ids``), and plain feedparser
with the file's URL as base. It counts:

- differences, per entry, between the fast path and the feedparser route: entry count,
  guid (the id), title, link, published, author, content; grouped by cause;
- entries lost: feedparser's entries minus reader's distinct article ids (entries that
  share a guid are one entry: the feed says so);
- relative links dropped: an entry whose link feedparser resolves to http(s) and reader
  stores none;
- documents refused (one line each with ``--show``) and crashes (any other exception).

Goals (issue 19): 0 differences, 0 entries lost, 0 relative links dropped, 0 crashes.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.core.errors import SourceError  # noqa: E402
from reader.core.ingest import feeds, records  # noqa: E402
from reader.core.ingest.records import ParsedEntry, ParsedFeed  # noqa: E402

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
# (suite, mirror folder, folders inside it, folders whose .json files are feeds)
MIRRORED = [
    ("gofeed", "mmcdole+gofeed", ("testdata",), ("testdata/parser/json",)),
    ("feed-rs", "feed-rs+feed-rs", ("feed-rs/fixture",), ("feed-rs/fixture/jsonfeed",)),
    ("rss-rs", "rust-syndication+rss", ("tests/data",), ()),
    ("atom-rs", "rust-syndication+atom", ("tests/data",), ()),
    ("newsboat", "newsboat+newsboat", ("test/data",), ()),
    ("miniflux", "miniflux+v2", ("internal/reader",), ()),
    ("lemon24", "lemon24+reader", ("tests/data",), ("tests/data",)),
]
FIELDS = ("guid", "title", "link", "published", "author", "content")
_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.+?)\s*$", re.M)


@dataclass
class Tally:
    files: int = 0
    entries: int = 0
    fast_files: int = 0
    fast_entries: int = 0
    refused: int = 0
    crashed: int = 0
    differences: int = 0
    lost: int = 0
    dropped_links: int = 0
    causes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def feedparser_tests(cache: Path) -> Path:
    """feedparser's tests folder, from the sdist of the installed version (downloaded once)."""
    import feedparser

    version = feedparser.__version__
    folder = cache / f"feedparser-{version}"
    if (folder / "tests").is_dir():
        return folder / "tests"
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        + ["-d", str(cache), f"feedparser=={version}"],
        check=True,
    )
    with tarfile.open(cache / f"feedparser-{version}.tar.gz") as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name and m.isfile()]
        archive.extractall(cache, members=members, filter="data")
    return folder / "tests"


def mirrored_files(mirrors: Path, cache: Path) -> dict[str, list[Path]]:
    suites: dict[str, list[Path]] = {}
    for suite, mirror, folders, json_folders in MIRRORED:
        git_dir = mirrors / mirror / "repo"
        if not git_dir.is_dir():
            print(f"  (no mirror of {mirror} under {mirrors}: {suite} skipped)")
            continue
        target = cache / "mirrors" / mirror
        if not target.is_dir():
            archive = subprocess.run(
                ["git", "--git-dir", str(git_dir), "archive", "HEAD", *folders],
                capture_output=True,
                check=True,
            ).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(target, filter="data")
        picked = []
        for path in sorted(target.rglob("*")):
            rel = path.relative_to(target).as_posix()
            if not path.is_file():
                continue
            is_json = path.suffix == ".json" and any(
                rel.startswith(f + "/") and "/" not in rel[len(f) + 1 :] for f in json_folders
            )
            if path.suffix in FEED_SUFFIXES or is_json:
                picked.append(path)
        suites[suite] = picked
    return suites


def headers_of(data: bytes) -> dict[str, str]:
    """feedparser's tests name the HTTP headers they are served with in a comment."""
    found = {}
    for name, value in _HEADER.findall(data[:2000]):
        found[name.decode().lower()] = value.decode("latin-1")
    found.pop("status", None)
    found.pop("location", None)
    return found


def fields_of(entry: ParsedEntry) -> dict[str, Any]:
    return {
        "guid": entry.guid,
        "title": entry.title,
        "link": entry.link,
        "published": entry.published,
        "author": entry.author,
        "content": (entry.body.content_type, entry.body.content),
    }


def cause(name: str, fast: Any, slow: Any, data: bytes) -> str:
    """A short label for a difference: the field, and what the document or values hint at."""
    if name == "content":
        if fast[0] != slow[0]:
            return f"content: type {fast[0]} vs {slow[0]}"
        fast, slow = fast[1], slow[1]
    shape = "fast empty" if not fast else "feedparser empty" if not slow else "both set"
    hints = [
        hint
        for hint, marker in (
            ("xml:base", b"xml:base"),
            ("base64", b"base64"),
            ("xhtml", b"xhtml"),
            ("media:title", b"media:title"),
            ('rel="enclosure"', b'rel="enclosure"'),
            ("isPermaLink", b"isPermaLink"),
        )
        if marker in data
    ]
    return f"{name}: {shape}" + (f" ({', '.join(hints)})" if hints else "")


def compare(label: str, data: bytes, tally: Tally) -> None:
    import feedparser

    source = f"https://fixtures.example/{label}"
    headers = headers_of(data)
    tally.files += 1
    try:
        route: ParsedFeed | None = feeds.parse_with_feedparser(data, source, headers)
    except SourceError:
        route = None
    try:
        fast = feeds.parse_fast(data, source, headers)
        stored = feeds.parse_feed(data, source, headers)
    except SourceError as error:
        tally.refused += 1
        tally.notes["refused"].append(f"{label}: {error}")
        return
    except Exception as error:  # noqa: BLE001 - a crash is what this counts
        tally.crashed += 1
        tally.notes["crashed"].append(f"{label}: {type(error).__name__}: {error}")
        return
    tally.entries += len(stored.entries)
    if fast is not None:
        tally.fast_files += 1
        tally.fast_entries += len(fast.entries)
    if fast is not None and route is not None:
        if len(fast.entries) != len(route.entries):
            tally.differences += 1
            tally.causes["count"].append(
                f"{label}: fast {len(fast.entries)} vs feedparser {len(route.entries)}"
            )
        else:
            for number, (got, want) in enumerate(zip(fast.entries, route.entries, strict=True)):
                mine, theirs = fields_of(got), fields_of(want)
                for name in FIELDS:
                    if mine[name] != theirs[name]:
                        tally.differences += 1
                        tally.causes[cause(name, mine[name], theirs[name], data)].append(
                            f"{label} #{number}: {mine[name]!r:.80} vs {theirs[name]!r:.80}"
                        )
    headers_with_base = {"content-location": source, **headers}
    plain = feedparser.parse(data, response_headers=headers_with_base, sanitize_html=False)
    ids = records.article_ids("feed", stored.entries)
    guids = [e.get("id") for e in plain.entries if e.get("id")]
    shared_guid = len(guids) - len(set(guids))
    lost = len(plain.entries) - shared_guid - len(set(ids))
    if lost > 0:
        tally.lost += lost
        tally.notes["lost"].append(
            f"{label}: feedparser {len(plain.entries)} entries"
            f" ({shared_guid} sharing a guid), reader {len(set(ids))} articles"
        )
    if len(plain.entries) == len(stored.entries):
        for number, (theirs, mine) in enumerate(zip(plain.entries, stored.entries, strict=True)):
            link = theirs.get("link") or ""
            if urlsplit(link).scheme in ("http", "https") and not mine.link:
                tally.dropped_links += 1
                tally.notes["relative link dropped"].append(f"{label} #{number}: {link!r:.80}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "reader-feed-parity"
    )
    parser.add_argument("--show", type=int, default=3, help="examples printed per cause")
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    tests = feedparser_tests(args.cache)
    suites = {"feedparser": sorted(p for p in tests.rglob("*.xml") if p.is_file())}
    suites.update(mirrored_files(args.mirrors, args.cache))
    total = Tally()
    rows = []
    for suite, paths in suites.items():
        tally = Tally()
        root = tests if suite == "feedparser" else args.cache / "mirrors"
        for path in paths:
            compare(f"{suite}:{path.relative_to(root).as_posix()}", path.read_bytes(), tally)
        rows.append((suite, tally))
        for name in ("files", "entries", "fast_files", "fast_entries", "refused", "crashed"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
        for name in ("differences", "lost", "dropped_links"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
        for key, values in tally.causes.items():
            total.causes[key].extend(values)
        for key, values in tally.notes.items():
            total.notes[key].extend(values)
    rows.append(("all", total))
    header = (
        "| suite | files | entries | fast path: files / entries | refused | crashed |"
        " differences | entries lost | relative links dropped |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for suite, t in rows:
        print(
            f"| {suite} | {t.files} | {t.entries} | {t.fast_files} / {t.fast_entries} |"
            f" {t.refused} | {t.crashed} | {t.differences} | {t.lost} | {t.dropped_links} |"
        )
    print(f"\n({time.perf_counter() - started:.1f} s)")
    print("\nDifferences between the fast path and the feedparser route, by cause:")
    for key, values in sorted(total.causes.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(values):5}  {key}")
        for value in values[: args.show]:
            print(f"           {value}")
    for key in ("lost", "relative link dropped", "crashed", "refused"):
        values = total.notes.get(key, [])
        print(f"\n{key}: {len(values)}")
        for value in values[: args.show if key != "refused" else args.show * 3]:
            print(f"    {value}")
    if total.causes:
        kinds = Counter(key.split(":")[0] for key in total.causes)
        print("\nfields that differ:", dict(kinds))


if __name__ == "__main__":
    main()
