"""Command line: headless commands, and the app when no command is given.

Command names, options and JSON shapes here are pinned: scripts, benchmarks
and outside checks depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from reader import __version__, handoff, read_commands
from reader.core import config
from reader.core.errors import ReaderError, SourceError, StoreCorrupt, StoreLocked
from reader.core.library import Library, open_library
from reader.core.models import Bookmark, Quote, RefreshOutcome
from reader.core.sanitize import clean_line
from reader.core.settings import load_settings

EXIT_ERROR = 1
EXIT_USAGE = 2

_handed = threading.local()  # .library: the open app's, while it runs a handed command


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"reader: {clean_line(message)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reader", description="A terminal news reader that knows who said what.")
    parser.add_argument(
        "--db", metavar="DIR", help="database folder (default: $READER_DB or the user data dir)"
    )
    parser.add_argument("--version", action="version", version=f"reader-tui {__version__}")
    parser.add_argument(
        "--bindings", action="store_true", help="list every key binding id, its keys and action"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    add = commands.add_parser("add", help="subscribe to a URL, feed file or folder of documents")
    add.add_argument("source", help="feed URL, web page that links to feeds, file or folder")
    add.add_argument("--folder", default="", metavar="NAME", help="put the feed in a folder")
    add.add_argument("--pick", type=int, metavar="N", help="which of a page's feeds (from 1)")
    add.add_argument("--title", metavar="TITLE", help="a title of your own")

    remove = commands.add_parser("remove", help="unsubscribe from a feed")
    remove.add_argument("feed_id")

    rename = commands.add_parser("rename", help="give a feed a title of your own")
    rename.add_argument("feed_id")
    rename.add_argument("title")

    opml = commands.add_parser("opml", help="import or export subscriptions as OPML")
    opml_verbs = opml.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    opml_verbs.required = True
    opml_import = opml_verbs.add_parser("import", help="subscribe to the feeds of an OPML file")
    opml_import.add_argument("file")
    opml_import.add_argument("--refresh", action="store_true", help="fetch the new feeds now")
    opml_export = opml_verbs.add_parser("export", help="write subscriptions as OPML 2.0")
    opml_export.add_argument("--output", metavar="FILE", help="write to FILE (default: stdout)")
    opml_export.add_argument("--force", action="store_true", help="overwrite an existing file")

    feeds = commands.add_parser("feeds", help="list feeds with unread counts")
    feeds.add_argument("--json", action="store_true")

    articles = commands.add_parser("articles", help="list articles, newest first")
    articles.add_argument("--feed", metavar="ID")
    articles.add_argument("--unread", action="store_true")
    articles.add_argument("--json", action="store_true")

    show = commands.add_parser("show", help="print an article")
    show.add_argument("article_id")
    show.add_argument("--plain", action="store_true", help="no colours or highlighting")

    mark = commands.add_parser("mark", help="mark articles read (or unread)")
    mark.add_argument("article_ids", nargs="+", metavar="ID")
    mark.add_argument("--unread", action="store_true")

    refresh = commands.add_parser("refresh", help="fetch feeds now")
    refresh.add_argument("feed_ids", nargs="*", metavar="FEED_ID")
    refresh.add_argument("--json", action="store_true")
    refresh.add_argument(
        "--full-text", action="store_true", help="fetch every new article's page this time"
    )

    extract = commands.add_parser("extract", help="the article of a web page, as plain text")
    extract.add_argument("source", help="article id (its page is fetched and kept), URL or file")
    extract.add_argument("--json", action="store_true")

    sync = commands.add_parser(
        "sync", help="push local changes to the feed server in [sync], then pull its state"
    )
    sync.add_argument("--json", action="store_true", help="print the counts as JSON")
    commands.add_parser("index", help="derive quotes, related-story terms and the search index now")

    quotes = commands.add_parser("quotes", help="quotations and who said them")
    quotes.add_argument("source", nargs="?", help="article id, document file or feed file")
    quotes.add_argument("--speaker", metavar="NAME", help="search the archive by speaker")
    quotes.add_argument("--json", action="store_true")

    related = commands.add_parser("related", help="related links and similar stored stories")
    related.add_argument("source", help="article id, document file or feed file")
    related.add_argument("--json", action="store_true")

    bookmarks = commands.add_parser("bookmarks", help="bookmark, list, export and import")
    verbs = bookmarks.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True
    add_bm = verbs.add_parser("add", help="bookmark an article, one of its links or quotations")
    add_bm.add_argument("article_id")
    which = add_bm.add_mutually_exclusive_group()
    which.add_argument("--quote", type=int, metavar="N", help="quotation number N (from 1)")
    which.add_argument("--link", type=int, metavar="N", help="inline link number N")
    add_bm.add_argument("--tag", action="append", default=[], metavar="T")
    add_bm.add_argument("--note", default="", metavar="TEXT")
    list_bm = verbs.add_parser("list", help="list bookmarks, newest first")
    list_bm.add_argument("--json", action="store_true")
    remove_bm = verbs.add_parser("remove", help="remove a bookmark")
    remove_bm.add_argument("bookmark_id")
    export = verbs.add_parser("export", help="write bookmarks to a file (or stdout)")
    export.add_argument("--format", required=True, choices=("html", "md", "json", "csv"))
    export.add_argument("--output", metavar="PATH")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    import_bm = verbs.add_parser("import", help="merge bookmarks from a JSON export")
    import_bm.add_argument("file")

    search = commands.add_parser("search", help="full-text search of the whole archive")
    search.add_argument("query", help='words that must all occur; "quoted phrases" rank first')
    search.add_argument("--limit", type=int, default=50, metavar="N")
    search.add_argument("--json", action="store_true")

    config_cmd = commands.add_parser("config", help="where the settings file is")
    config_verbs = config_cmd.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    config_verbs.required = True
    config_verbs.add_parser("path", help="print the settings file's path")

    db_cmd = commands.add_parser("db", help="check the database, or restore unreadable files")
    db_verbs = db_cmd.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    db_verbs.required = True
    db_verbs.add_parser("check", help="say which database files cannot be read (exit 1 if any)")
    db_verbs.add_parser("restore", help="put back the last good copy of each unreadable file")
    return parser


@contextmanager
def _library(
    args: argparse.Namespace,
    *,
    readonly: bool = False,
    or_readonly: bool = False,
    lazy: bool = False,
) -> Iterator[Library]:
    """The database; ``or_readonly``: writable if no other process holds it, so what a
    read-only command analyses is kept (else every run would analyse it again);
    ``lazy``: article records loaded as asked for (a command reading a few)."""
    shared: Library | None = getattr(_handed, "library", None)
    if shared is not None:  # run inside the app, on its library (see reader.handoff)
        yield shared
        return
    settings, _ = load_settings()  # warnings are for the app's start; defaults on any problem

    def opened(readonly: bool) -> Library:
        return open_library(
            args.db,
            readonly=readonly,
            retention=settings.retention,
            concurrency=settings.fetch_concurrency,
            sync=settings.sync,
            full_text=settings.full_text,
            full_text_feeds=settings.feeds,
            lazy=lazy,
        )

    try:
        library = opened(readonly)
    except StoreLocked:
        if not or_readonly:
            raise
        library = opened(True)
    try:
        yield library
    finally:
        library.close()


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# -- commands -------------------------------------------------------------------


def cmd_add(args: argparse.Namespace) -> int:
    from reader.core.ingest.discover import AmbiguousFeeds

    with _library(args) as library:
        try:
            outcome = library.add(args.source, title=args.title, folder=args.folder, pick=args.pick)
        except AmbiguousFeeds as error:
            print(f"reader: {clean_line(str(error))}", file=sys.stderr)
            for number, link in enumerate(error.candidates, 1):
                title = f"  {link.title}" if link.title else ""
                print(f"{number:>3}. [{link.kind}] {link.url}{title}", file=sys.stderr)
            return EXIT_ERROR
        if outcome.error:
            print(f"{outcome.title} [{outcome.feed_id}]: {outcome.error}")
        else:
            repaired = " (the feed was malformed and repaired)" if outcome.recovered else ""
            print(f"added {outcome.title} [{outcome.feed_id}]: {outcome.new} articles{repaired}")
        _full_texts(library, sys.stdout)  # the pages of what it stored, as a refresh does
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    with _library(args) as library:
        feed = library.rename(args.feed_id, args.title)
    print(f"renamed [{feed.id}] to {feed.title}")
    return 0


def cmd_opml(args: argparse.Namespace) -> int:
    from reader.core.storage.atomic import write_export

    if args.verb == "export":
        with _library(args, readonly=True) as library:
            text = library.export_opml()
            count = sum(f.feed.kind == "http" for f in library.feeds())
        if args.output:
            written = write_export(Path(args.output), text, force=args.force)
            print(f"wrote {count} feeds to {written}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: {error.strerror}") from None
    with _library(args) as library:
        added = library.import_opml(data, str(path))
        print(f"imported {len(added)} new feeds from {path}")
        if args.refresh and added:
            args.feed_ids, args.json = [feed.id for feed in added], False
            return _refresh(args, library)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with _library(args) as library:
        feed = library.remove(args.feed_id)
    print(f"removed {feed.title} [{feed.id}]")
    return 0


def cmd_articles(args: argparse.Namespace) -> int:
    with _library(args, readonly=True) as library:
        items = library.articles(args.feed, unread_only=args.unread)
        read = library.read_ids()
        bookmarked = {b.article_id for b in library.store.bookmarks()}
        titles = library.feed_titles()
    rows = [
        {
            "id": a.id,
            "feed_id": a.feed_id,
            "feed_title": titles.get(a.feed_id, ""),
            "title": a.title,
            "link": a.link,
            "author": a.author,
            "published": a.published,
            "read": a.id in read,
            "bookmarked": a.id in bookmarked,
        }
        for a in items
    ]
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            mark = " " if row["read"] else "N"
            date = (row["published"] or "")[:10]
            print(f"{row['id']}  {mark} {date:<10}  {row['title']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from rich.console import Console

    from reader.ui.article_text import article_text

    with _library(args, readonly=True) as library:
        article = library.article(args.article_id)
        doc = library.document(article.id)
        text = article_text(
            doc,
            article,
            feed_title=library.feed_title(article.feed_id),
            minutes=library.reading_minutes(article.id),
            quotes=library.quotes(article.id),
        )
    plain = args.plain or not sys.stdout.isatty()
    console = Console(no_color=plain, highlight=False, emoji=False, markup=False, soft_wrap=plain)
    if plain:
        sys.stdout.write(text.plain.rstrip() + "\n")
    else:
        console.print(text)
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    with _library(args) as library:
        changed = library.mark(args.article_ids, read=not args.unread)
    state = "unread" if args.unread else "read"
    print(f"marked {len(changed)} of {len(args.article_ids)} articles {state}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    with _library(args) as library:
        summary = library.sync()
    if args.json:
        _print_json(summary.as_json())
    else:
        print(
            f"synced: {summary.pulled} pulled, {summary.pushed} pushed, {summary.waiting} waiting"
        )
    return 0


def _progress_bar(done: int, total: int, outcome: RefreshOutcome) -> None:
    width = 30
    filled = width * done // max(total, 1)
    title = clean_line(outcome.title)[:40]
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {title:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_refresh(args: argparse.Namespace) -> int:
    started = time.monotonic()
    with _library(args) as library:
        return _refresh(args, library, started)


def _refresh(args: argparse.Namespace, library: Library, started: float | None = None) -> int:
    """Refresh ``args.feed_ids`` (all when empty) and print the outcome and the summary line."""
    started = time.monotonic() if started is None else started
    progress = _progress_bar if sys.stderr.isatty() and not args.json else None
    force = getattr(args, "full_text", False)
    outcomes = library.refresh(args.feed_ids or None, progress=progress, full_text=force)
    elapsed = time.monotonic() - started
    if args.json:
        _print_json(
            [
                {
                    "id": o.feed_id,
                    "title": o.title,
                    "new": o.new,
                    "not_modified": o.not_modified,
                    "error": o.error,
                    "retry_after": o.retry_after,
                    "recovered": o.recovered,
                    "moved_to": o.moved_to,
                }
                for o in outcomes
            ]
        )
    for outcome in outcomes:
        if outcome.error:
            print(f"reader: {outcome.error}", file=sys.stderr)
    new = sum(o.new for o in outcomes)
    unchanged = sum(o.not_modified for o in outcomes)
    failed = sum(bool(o.error) for o in outcomes)
    summary = (
        f"refreshed {len(outcomes)} feeds: {new} new, {unchanged} not modified, "
        f"{failed} failed in {elapsed:.1f} s"
    )
    print(summary, file=sys.stderr if args.json else sys.stdout)
    _full_texts(library, sys.stderr if args.json else sys.stdout)
    return 0


def _full_texts(library: Library, out: TextIO) -> None:
    bar = _progress_bar if sys.stderr.isatty() else None
    from reader import full_text_commands

    full_text_commands.print_full_texts(library, out, bar)


def _analyse(library: Library) -> int:
    """Derive what a refresh left pending, with a progress bar when stderr is a terminal."""

    def bar(done: int, total: int) -> None:
        _progress_bar(done, total, RefreshOutcome("", "indexing"))

    return library.analyse_pending(progress=bar if sys.stderr.isatty() else None)


def cmd_index(args: argparse.Namespace) -> int:
    started = time.monotonic()
    with _library(args) as library:
        count = _analyse(library)
        # the merged search file, so the next search reads rows
        library.prepare_search(queries=False)
    print(f"indexed {count} articles in {time.monotonic() - started:.1f} s")
    return 0


def _quote_row(title: str, quote: Quote) -> dict[str, Any]:
    return {
        "article": title,
        "paragraph": quote.paragraph,
        "text": quote.text,
        "speaker": quote.speaker,
    }


def cmd_quotes(args: argparse.Namespace) -> int:
    from reader.core.analysis.quotes import find_quotes
    from reader.core.ingest.local import documents_of_file

    if bool(args.source) == bool(args.speaker):
        raise SourceError("quotes: give an article id, a document or feed file, or --speaker NAME")
    rows: list[dict[str, Any]] = []
    if args.speaker:
        with _library(args, or_readonly=True) as library:
            _analyse(library)
            for article, quote in library.quotes_by_speaker(args.speaker):
                rows.append(_quote_row(article.title, quote))
    elif Path(args.source).exists():
        for title, doc in documents_of_file(Path(args.source)):
            rows.extend(_quote_row(title, quote) for quote in find_quotes(doc))
    else:
        with _library(args, readonly=True) as library:
            article = library.article(args.source)
            rows.extend(_quote_row(article.title, q) for q in library.quotes(article.id))
    if args.json:
        _print_json(rows)
    else:
        for number, row in enumerate(rows, 1):
            speaker = f" — {row['speaker']}" if row["speaker"] else ""
            print(f"{number:>3}. “{row['text']}”{speaker}")
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    from reader.core.ingest.local import documents_of_file

    rows: list[dict[str, Any]] = []
    path = Path(args.source)
    with _library(args, or_readonly=True) as library:
        _analyse(library)
        if path.exists():
            for title, doc in documents_of_file(path):
                article = library.transient_article(title, doc)
                rows.extend(link.as_record(title) for link in library.related_for(doc, article))
        else:
            article = library.article(args.source)
            rows.extend(link.as_record(article.title) for link in library.related(article.id))
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            where = " (in archive)" if row["in_archive"] else ""
            reason = f" — {row['reason']}" if row["reason"] else ""
            print(f"{row['kind']:<8} {row['title']}{where}{reason}")
            if row["url"]:
                print(f"         {row['url']}")
    return 0


def _bookmark_record(bookmark: Bookmark) -> dict[str, Any]:
    from reader.core import bookmarks as bookmark_formats

    return json.loads(bookmark_formats.to_json([bookmark]))["bookmarks"][0]


def cmd_bookmarks(args: argparse.Namespace) -> int:
    from reader.core.storage.atomic import write_export

    if args.verb == "add":
        with _library(args) as library:
            made = library.bookmark(
                args.article_id, quote=args.quote, link=args.link, tags=args.tag, note=args.note
            )
        print(f"bookmarked {made.kind} {made.id}: {clean_line(made.title)[:80]}")
    elif args.verb == "list":
        with _library(args, readonly=True) as library:
            items = library.bookmarks()
        if args.json:
            _print_json([_bookmark_record(b) for b in items])
        for bookmark in [] if args.json else items:
            tags = f"  [{', '.join(bookmark.tags)}]" if bookmark.tags else ""
            print(f"{bookmark.id}  {bookmark.kind:<7} {clean_line(bookmark.title)[:70]}{tags}")
    elif args.verb == "remove":
        with _library(args) as library:
            gone = library.remove_bookmark(args.bookmark_id)
        print(f"removed bookmark {gone.id}")
    elif args.verb == "export":
        with _library(args, readonly=True) as library:
            text = library.export_bookmarks(args.format)
        if args.output:
            written = write_export(Path(args.output), text, force=args.force)
            print(f"wrote {len(library.bookmarks())} bookmarks to {written}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    else:
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"{path}: {getattr(error, 'strerror', None) or error}") from None
        with _library(args) as library:
            added = library.import_bookmarks(text, str(path))
        print(f"imported {added} new bookmarks from {path}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from reader import full_text_commands

    return full_text_commands.extract(args, _library)


def cmd_config(args: argparse.Namespace) -> int:
    print(config.config_file())
    return 0


def cmd_bindings() -> int:
    from reader.ui.bindings import all_bindings

    for info in all_bindings():
        print(f"{info.id:<28} {info.key:<24} {info.description}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from reader.core.storage.recovery import check_database, restore_database

    path = config.db_dir(args.db)
    if args.verb == "check":
        problems = check_database(path)
        for problem in problems:
            print(f"reader: {clean_line(problem)}", file=sys.stderr)
        if not problems:
            print(f"database {path}: every file is readable")
        return EXIT_ERROR if problems else 0
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    done = restore_database(path, stamp)
    for line in done:
        print(clean_line(line))
    if not done:
        print(f"database {path}: every file is readable; nothing to restore")
    return EXIT_ERROR if check_database(path) else 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": cmd_add,
    "remove": cmd_remove,
    "rename": cmd_rename,
    "opml": cmd_opml,
    "feeds": lambda args: read_commands.feeds(args, _library),
    "articles": cmd_articles,
    "show": cmd_show,
    "mark": cmd_mark,
    "refresh": cmd_refresh,
    "extract": lambda args: _extract(args),
    "quotes": cmd_quotes,
    "related": cmd_related,
    "bookmarks": cmd_bookmarks,
    "search": lambda args: read_commands.search(args, _library, _analyse),
    "index": cmd_index,
    "sync": cmd_sync,
    "config": cmd_config,
    "db": cmd_db,
}


def run_app(args: argparse.Namespace) -> int:
    from reader.ui.app import ReaderApp
    from reader.ui.bindings import all_bindings, unknown_ids

    settings, warnings = load_settings()
    for binding_id in unknown_ids(dict(settings.keymap), all_bindings()):
        warnings.append(
            f"{config.config_file()}: keymap: no binding has the id {clean_line(binding_id)!r} "
            "(see reader --bindings)"
        )
    for warning in warnings:
        print(f"reader: {warning}", file=sys.stderr)
    library = open_library(
        args.db,
        retention=settings.retention,
        concurrency=settings.fetch_concurrency,
        sync=settings.sync,
        full_text=settings.full_text,
        full_text_feeds=settings.feeds,
        lazy=True,  # the first screen needs a few feeds' records; the rest load after it
    )
    try:
        ReaderApp(library, settings=settings, handed=lambda argv: run_handed(library, argv)).run()
    finally:
        library.close()
    return 0


def run_handed(library: Library, argv: list[str]) -> int:
    """A command another process handed to the app: run here, on the app's library."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # a usage error, already written to the caller's stderr
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if args.command not in handoff.HANDED or args.bindings:
        print("reader: only commands that write are handed to the app", file=sys.stderr)
        return EXIT_USAGE
    _handed.library = library
    try:
        return main(argv)
    finally:
        _handed.library = None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.bindings:
            return cmd_bindings()
        if args.command is None:
            return run_app(args)
        return COMMANDS[args.command](args)
    except StoreLocked as error:
        # The app holds the database: it runs the command for us, so cron's
        # `reader refresh` works while the app is open.
        answer = None
        if args.command in handoff.HANDED:
            answer = handoff.send(config.db_dir(args.db), sys.argv[1:] if argv is None else argv)
        if answer is None:
            print(f"reader: {clean_line(str(error))}", file=sys.stderr)
            return EXIT_ERROR
        code, out, err = answer
        sys.stdout.write(out)
        sys.stderr.write(err)
        return code
    except ReaderError as error:
        hint = "; see `reader db check`" if isinstance(error, StoreCorrupt) else ""
        print(f"reader: {clean_line(str(error))}{hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as error:  # never a traceback for the user; READER_DEBUG shows it
        if os.environ.get("READER_DEBUG"):
            raise
        print(
            f"reader: internal error: {type(error).__name__}: {clean_line(str(error))}",
            file=sys.stderr,
        )
        return EXIT_ERROR
