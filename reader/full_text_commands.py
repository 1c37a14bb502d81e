"""`reader extract` and the full-text lines of `reader refresh` (issue 17).

Kept out of ``reader.cli`` (which passes in what it shares: the database opener
and the progress bar) so that module stays one screenful of commands shorter.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TextIO

from reader.core.errors import ReaderError
from reader.core.library import Library
from reader.core.sanitize import SAFE_SCHEMES, url_scheme

Opener = Callable[[argparse.Namespace], AbstractContextManager[Library]]


def print_full_texts(library: Library, out: TextIO, progress: Any = None) -> None:
    """Fetch the pages a refresh queued; one line each that kept its summary, then a total."""
    if not library.full_texts_queued():
        return
    started = time.monotonic()
    texts = library.fetch_full_texts(progress)
    for text in texts:
        if not text.stored:
            print(f"reader: full text: {text.reason}", file=sys.stderr)
    stored = sum(t.stored for t in texts)
    print(
        f"full text: {stored} pages stored, {len(texts) - stored} kept the summary "
        f"in {time.monotonic() - started:.1f} s",
        file=out,
    )


def extract(args: argparse.Namespace, opened: Opener) -> int:
    """An article id's page is fetched and kept as its body; a URL or file is only read."""
    from reader.core.services.fulltext import extract_source

    source = args.source
    if url_scheme(source) in SAFE_SCHEMES or Path(source).expanduser().is_file():
        page = extract_source(source)  # no database needed
        title, author, published, text = page.title, page.author, page.published, page.text
    else:
        with opened(args) as library:
            outcome = library.fetch_full_text(source)
        if not outcome.stored:
            raise ReaderError(outcome.reason)
        title, author, published = outcome.title, outcome.author, outcome.published
        text = outcome.text
    if args.json:
        data = {"title": title, "author": author, "published": published, "text": text}
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        byline = " · ".join(x for x in (author, published) if x)
        print("\n\n".join(x for x in (title, byline, text) if x))
    return 0
