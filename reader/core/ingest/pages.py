"""Article pages: fetched with the feeds' bounds and politeness, decoded to text.

A page is fetched by the same :class:`~reader.core.ingest.fetch.Fetcher` as a
feed (two requests per host, a total deadline, a size cap counted after
decompression, http(s) at every redirect hop), with the limits of a page:
15 s and 5 MiB. Only HTML is accepted; its charset comes from the byte order
mark, then the Content-Type header, then a ``<meta>`` in the first 4 KiB, then
the content itself (UTF-8 if it decodes, else Windows-1252, as browsers do).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reader.core.errors import SourceError
from reader.core.ingest.fetch import FetchResult
from reader.core.sanitize import clean_line

PAGE_TIMEOUT = 15.0
PAGE_MAX_BYTES = 5 * 1024 * 1024
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_META_SCAN = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

PageFetcher = Callable[..., FetchResult]


@dataclass(frozen=True)
class Page:
    """An article page as text; ``url`` is where it was found (after redirects)."""

    url: str
    html: str


def make_page_fetcher(concurrency: int) -> PageFetcher:
    """A fetcher with the page limits; the caller closes it (``.close()``)."""
    from reader.core.ingest.fetch import Fetcher

    return Fetcher(timeout=PAGE_TIMEOUT, max_bytes=PAGE_MAX_BYTES, concurrency=concurrency)


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        found = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    # A page that says ISO-8859-1 or ASCII means Windows-1252 (the HTML standard).
    return "cp1252" if found.name in ("latin-1", "iso8859-1", "ascii") else found.name


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """The page's text, decoded by the first charset that is known (see module docstring)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace")
    header = re.search(r"charset\s*=\s*([^;\s]+)", content_type or "", re.IGNORECASE)
    meta = _META_CHARSET.search(data[:_META_SCAN])
    for candidate in (header.group(1) if header else None, meta.group(1) if meta else None):
        codec = _codec(candidate)
        if codec is not None and not codec.startswith("utf-16"):  # a page in ASCII says utf-16
            return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _binary(data: bytes) -> str | None:
    """What a file that is not text looks like it is, or None."""
    head = data[:4096]
    if head.startswith(b"\x1f\x8b"):
        return "gzip data"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if b"\x00" in head and not any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return "binary data"
    return None


def fetch_page(url: str, fetcher: PageFetcher) -> Page:
    """GET an article page; raises FetchError (HTTP, network, limits) or SourceError
    (not HTML), each one line naming ``url``."""
    result = fetcher(url, accept=PAGE_ACCEPT)
    kind = media_type(result.headers.get("content-type"))
    if kind and kind not in HTML_TYPES:
        raise SourceError(f"{clean_line(url)}: not a web page ({clean_line(kind)[:60]})")
    binary = _binary(result.content)
    if binary:
        raise SourceError(f"{clean_line(url)}: not a web page ({binary})")
    return Page(result.url, decode_html(result.content, result.headers.get("content-type")))


def read_page_file(path: Path) -> Page:
    """An HTML file as a page (its first 5 MiB: extraction reads no further)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(PAGE_MAX_BYTES)
    except OSError as error:
        raise SourceError(f"{clean_line(str(path))}: {error.strerror}") from None
    binary = _binary(data)
    if binary:
        raise SourceError(f"{clean_line(str(path))}: not an HTML file ({binary})")
    return Page(path.resolve().as_uri(), decode_html(data))
