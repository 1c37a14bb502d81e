"""How records and texts are kept on disk: compressed texts and derived files, and the
record <-> document conversions."""

from __future__ import annotations

import base64
import sys
import zlib
from pathlib import Path
from typing import Any

import orjson

from reader.core.errors import StoreCorrupt
from reader.core.models import Article, Body, Bookmark, EntryLink, Feed, Quote

_PACKED = "z:"
_PACK_OVER = 512  # shorter texts are not worth compressing


def pack_text(text: str) -> str:
    """Article bodies compress about 3x; stored as "z:" + base64 of zlib data."""
    if len(text) < _PACK_OVER:
        return text if not text.startswith(_PACKED) else _PACKED + _b64(text)
    return _PACKED + _b64(text)


def _b64(text: str) -> str:
    """zlib, its window no larger than the text: the same bytes, ~2x sooner.

    A refresh compresses every new body; with the default window each call
    makes ~256 KiB of state ready, which cost more than compressing a 2 KB
    article (~150 us, against ~75 us: real news of bench/data, issue 20).
    Any window reads back with the default one.
    """
    raw = text.encode("utf-8", "surrogatepass")
    window = max(9, min(15, (len(raw) + 261).bit_length()))  # zlib looks 262 bytes ahead
    packer = zlib.compressobj(6, zlib.DEFLATED, window, max(1, min(8, window - 7)))
    return base64.b64encode(packer.compress(raw) + packer.flush()).decode("ascii")


def body_table(texts: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """A bodies table, {id: (packed text, type)}, as TinyDB keeps it ("1", "2", ...)."""
    return {
        str(n): {"id": key, "content": packed, "content_type": kind}
        for n, (key, (packed, kind)) in enumerate(texts.items(), 1)
    }


def unpack_text(stored: str) -> str:
    if not stored.startswith(_PACKED):
        return stored  # written before bodies were compressed, or short
    try:
        raw = zlib.decompress(base64.b64decode(stored[len(_PACKED) :]))
    except (ValueError, zlib.error) as error:
        raise StoreCorrupt(f"a stored article body is damaged ({error})") from None
    return raw.decode("utf-8", "surrogatepass")


def unpack_body(packed: str, kind: str) -> Body:
    return Body(unpack_text(packed), kind)  # type: ignore[arg-type]


_PACKED_AUX = "zjson"


def _aux_file(mapping: dict[str, Any]) -> bytes:
    """A TinyDB-shaped file of one document, its JSON compressed: derived data
    is read back only to build an index, and is ~40% of the disk."""
    packed = base64.b64encode(zlib.compress(orjson.dumps(mapping), 6)).decode("ascii")
    return orjson.dumps({"aux": {"1": {_PACKED_AUX: packed}}})


def _unpack_aux(packed: str, path: Path) -> Any:
    try:
        return orjson.loads(zlib.decompress(base64.b64decode(packed)))
    except (ValueError, zlib.error, orjson.JSONDecodeError) as error:
        raise StoreCorrupt(f"database file {path} is damaged ({error})") from None


# -- record <-> document ------------------------------------------------------


def article_to_doc(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "feed_id": article.feed_id,
        "title": article.title,
        "link": article.link,
        "author": article.author,
        "published": article.published,
        "guid": article.guid,
        "content_hash": article.content_hash,
        "entry_links": [[e.url, e.rel, e.title, e.type] for e in article.entry_links],
        "added_at": article.added_at,
        **({"out_links": list(article.out_links)} if article.out_links else {}),
        **({"pending": True} if article.pending else {}),
        **({"remote_id": article.remote_id} if article.remote_id else {}),
        **({"full_text": article.full_text} if article.full_text else {}),
        **({"full_text_error": article.full_text_error} if article.full_text_error else {}),
    }


def article_from_doc(doc: dict[str, Any]) -> Article:
    """A stored record as an Article; strings many records repeat are kept once.

    (Every article of a feed names the same feed and often the same refresh
    time, and a guid is often the link: at 100,000 articles this is ~25 MiB.)
    Runs once per article at start-up, so the record's keys are read directly;
    a record missing one (written by an older version) takes the careful path.
    """
    try:
        link, guid, links = doc["link"], doc["guid"], doc["entry_links"]
        return Article(
            doc["id"],
            sys.intern(doc["feed_id"]),
            doc["title"],
            link,
            sys.intern(doc["author"]),
            doc["published"],
            link if guid == link else guid,
            doc["content_hash"],
            tuple(EntryLink(*e) for e in links) if links else (),
            sys.intern(doc["added_at"]),
            doc.get("terms") or _NO_TERMS,
            tuple(doc["out_links"]) if "out_links" in doc else (),
            "pending" in doc and bool(doc["pending"]),
            doc.get("remote_id", ""),
            doc.get("full_text", ""),
            doc.get("full_text_error", ""),
        )
    except KeyError:
        return _article_from_old_doc(doc)


def _article_from_old_doc(doc: dict[str, Any]) -> Article:
    link = doc.get("link", "")
    guid = doc.get("guid", "")
    return Article(
        id=doc["id"],
        feed_id=sys.intern(doc["feed_id"]),
        title=doc["title"],
        link=link,
        author=sys.intern(doc.get("author", "")),
        published=doc.get("published"),
        guid=link if guid == link else guid,
        content_hash=doc.get("content_hash", ""),
        entry_links=tuple(EntryLink(*e) for e in doc.get("entry_links", ())),
        added_at=sys.intern(doc.get("added_at", "")),
        terms=doc.get("terms") or _NO_TERMS,
        out_links=tuple(doc.get("out_links", ())),
        pending=bool(doc.get("pending", False)),
        remote_id=str(doc.get("remote_id", "")),
        full_text=doc.get("full_text", ""),
        full_text_error=doc.get("full_text_error", ""),
    )


_NO_TERMS: dict[str, float] = {}  # shared and never mutated: Article.terms is only replaced


def quotes_to_aux(found: dict[str, tuple[str, tuple[Quote, ...]]]) -> dict[str, Any]:
    """{article id: (summary, quotations)} as stored in ``quotes/<feed id>.json``."""
    return {
        article_id: [
            summary,
            [[q.paragraph, q.start, q.end, q.text, q.speaker, q.last_paragraph] for q in quotes],
        ]
        for article_id, (summary, quotes) in found.items()
    }


def quotes_from_aux(stored: dict[str, Any] | None) -> dict[str, tuple[str, tuple[Quote, ...]]]:
    """The inverse of :func:`quotes_to_aux`; malformed entries are skipped (derived data)."""
    found: dict[str, tuple[str, tuple[Quote, ...]]] = {}
    for article_id, value in (stored or {}).items():
        try:
            summary, quotes = value
            found[article_id] = (str(summary), tuple(Quote(*q) for q in quotes))
        except (TypeError, ValueError):
            continue
    return found


def _feed_to_doc(feed: Feed) -> dict[str, Any]:
    return {name: getattr(feed, name) for name in Feed.__slots__}


def _bookmark_to_doc(bookmark: Bookmark) -> dict[str, Any]:
    doc = {name: getattr(bookmark, name) for name in Bookmark.__slots__}
    doc["tags"] = list(bookmark.tags)
    return doc


def _bookmark_from_doc(doc: dict[str, Any]) -> Bookmark:
    return Bookmark(**{**doc, "tags": tuple(doc.get("tags", ()))})
