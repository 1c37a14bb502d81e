"""The read commands a large database must answer quickly: `reader feeds` and `reader search`.

Both open the library lazily (``storage.catalogue``): article records are read
a feed at a time as they are asked for, so at 100,000 articles neither parses
every record (nor imports the analysis a refresh left nothing pending for).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from reader.core.library import Library
from reader.core.sanitize import clean_line

LibraryOf = Callable[..., AbstractContextManager[Library]]


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def feeds(args: argparse.Namespace, library_of: LibraryOf) -> int:
    """`reader feeds`: the counts come from the catalogue, no article record is read."""
    with library_of(args, readonly=True, lazy=True) as library:
        summaries = library.feeds()
    rows = [
        {
            "id": s.feed.id,
            "title": s.feed.title,
            "url": s.feed.url,
            "unread": s.unread,
            "total": s.total,
            "error": f"{s.feed.error} (at {s.feed.error_at})" if s.feed.error else None,
        }
        for s in summaries
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            error = f"  ! {row['error']}" if row["error"] else ""
            print(f"{row['id']}  {row['unread']:>4}/{row['total']:<4}  {row['title']}{error}")
    return 0


def search(
    args: argparse.Namespace, library_of: LibraryOf, analyse: Callable[[Library], int]
) -> int:
    """`reader search`: reads the postings of the query's words and the hits' feeds."""
    # A search query is usually complete on the command line: no prefix matching
    # of the last word (the trailing space), unlike typing in the app.
    query = args.query if args.query.endswith((" ", '"')) else args.query + " "
    with library_of(args, or_readonly=True, lazy=True) as library:
        if library.has_pending():
            analyse(library)
        hits = library.search(query, limit=args.limit)
    if args.json:
        print_json(
            [
                {
                    "id": hit.article.id,
                    "feed_id": hit.article.feed_id,
                    "title": hit.article.title,
                    "score": hit.score,
                    "matched": list(hit.matched_terms),
                }
                for hit in hits
            ]
        )
    else:
        for hit in hits:
            date = (hit.article.published or "")[:10]
            print(f"{hit.article.id}  {date:<10}  {clean_line(hit.article.title)}")
    return 0
