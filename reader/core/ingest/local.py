"""Local documents: a .txt, .html or .md file as an article, a folder of them as a feed."""

from __future__ import annotations

from pathlib import Path

from reader.core.errors import SourceError
from reader.core.ingest.records import MAX_TITLE_CHARS, ParsedEntry, ParsedFeed
from reader.core.models import Body, Document
from reader.core.sanitize import clean_line, clean_text

DOCUMENT_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html", ".md": "markdown"}
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def read_document(path: Path) -> ParsedEntry:
    """One .txt/.html/.md file as an article; the title comes from its content."""
    from reader.core.analysis.document import build_document

    kind = DOCUMENT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SourceError(f"{path}: not a .txt, .html or .md document")
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise SourceError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 1048576} MiB")
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: {error.strerror}") from None
    text = clean_text(raw.decode("utf-8", errors="replace"))
    body = Body(text, kind)  # type: ignore[arg-type]
    title = build_document(body).title or path.stem
    return ParsedEntry(guid=path.name, title=clean_line(title)[:MAX_TITLE_CHARS], body=body)


def read_folder(path: Path) -> ParsedFeed:
    """A folder of documents as a feed, one article a file, in name order."""
    if not path.is_dir():
        raise SourceError(f"{path}: not a folder")
    feed = ParsedFeed(title=path.name, description=f"Documents in {path}")
    for item in sorted(path.iterdir()):
        if item.is_file() and item.suffix.lower() in DOCUMENT_SUFFIXES:
            feed.entries.append(read_document(item))
    if not feed.entries:
        raise SourceError(f"{path}: no .txt, .html or .md documents in this folder")
    return feed


def documents_of_file(path: Path) -> list[tuple[str, Document]]:
    """A document file or feed file as (title, Document) pairs, without storing it."""
    from reader.core.analysis.document import build_document
    from reader.core.ingest.feeds import parse_feed

    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        entries = [read_document(path)]
    else:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SourceError(f"{path}: {error.strerror}") from None
        entries = parse_feed(data, str(path)).entries
    return [
        (entry.title, build_document(entry.body, title=entry.title, base_url=entry.link))
        for entry in entries
    ]
