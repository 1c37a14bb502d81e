"""Export and import bookmarks: Netscape HTML, Markdown, JSON and CSV.

Every function here is pure: it takes :class:`~reader.core.models.Bookmark`
records and returns a string (or parses one), so the UI decides where files go.
Bookmarks hold stranger-supplied text (titles, quotations, speakers, URLs), so
each exporter first passes them through :func:`clean_bookmark`: control
characters and lone surrogates are dropped and URLs whose scheme is not http,
https or mailto are blanked, then each format applies its own escaping.

JSON format (``to_json`` / ``from_json``), version 1::

    {
      "format": "reader-tui-bookmarks",
      "version": 1,
      "exported_at": "2026-11-16T10:00:00+00:00",
      "bookmarks": [
        {
          "id": "bm-…",                 # str, non-empty; see bookmark_id()
          "kind": "article",            # "article" | "link" | "quote"
          "article_id": "…",            # str
          "title": "…",                 # str; for a quote, the quotation text
          "url": "https://…",           # str, "" when none or unsafe
          "article_title": "…",         # str
          "feed_title": "…",            # str
          "published": "2026-11-03T…",  # str (ISO 8601) or null
          "speaker": "…",               # str or null
          "tags": ["…"],                # list of str
          "note": "…",                  # str, may hold newlines
          "created_at": "2026-11-04T…"  # str (ISO 8601) or ""
        }
      ]
    }

Only ``id``, ``kind``, ``article_id`` and ``title`` are required in an entry;
the rest default as in :class:`Bookmark`. Unknown keys are rejected, so a file
from a newer version fails loudly instead of losing data silently.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote as percent_quote
from urllib.parse import urlsplit

from reader.core.models import Bookmark
from reader.core.sanitize import SAFE_SCHEMES, clean_line, clean_text, clean_url

FORMAT_NAME = "reader-tui-bookmarks"
FORMAT_VERSION = 1
KINDS: tuple[str, ...] = ("article", "link", "quote")
CSV_COLUMNS: tuple[str, ...] = (
    "kind",
    "title",
    "url",
    "speaker",
    "article_title",
    "feed_title",
    "published",
    "tags",
    "note",
    "created_at",
)
FRAGMENT_WORDS = 8  # words of a quotation used as the text fragment's start
UNTAGGED = "Untagged"
UNDATED = "Undated"

_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "kind": (str,),
    "article_id": (str,),
    "title": (str,),
    "url": (str,),
    "article_title": (str,),
    "feed_title": (str,),
    "published": (str, type(None)),
    "speaker": (str, type(None)),
    "tags": (list,),
    "note": (str,),
    "created_at": (str,),
}
_REQUIRED = ("id", "kind", "article_id", "title")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_FORMATS = {"html": "Netscape HTML", "md": "Markdown", "json": "JSON", "csv": "CSV"}


# --------------------------------------------------------------------------- identity


def bookmark_id(kind: str, article_id: str, extra: str = "") -> str:
    """A stable id, so saving or importing the same thing twice finds the same record.

    ``extra`` tells apart several bookmarks of one article: the link URL for a
    link, the quotation text for a quote. Whitespace is normalised first, so a
    quotation re-extracted with different line breaks keeps its id.
    """
    key = "\x1f".join(clean_line(part) for part in (kind, article_id, extra))
    return "bm-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def clean_bookmark(bookmark: Bookmark) -> Bookmark:
    """The bookmark as every format writes it: no control characters, no unsafe URL.

    Quotation text and notes keep their line breaks (paragraphs); every other
    field becomes a single line. Empty and repeated tags are dropped.
    """
    tags: list[str] = []
    for tag in bookmark.tags:
        tag = clean_line(tag)
        if tag and tag not in tags:
            tags.append(tag)
    title = bookmark.title
    return replace(
        bookmark,
        id=clean_line(bookmark.id),
        article_id=clean_line(bookmark.article_id),
        title=_clean_block(title) if bookmark.kind == "quote" else clean_line(title),
        url=clean_url(bookmark.url),
        article_title=clean_line(bookmark.article_title),
        feed_title=clean_line(bookmark.feed_title),
        published=(clean_line(bookmark.published) or None) if bookmark.published else None,
        speaker=(clean_line(bookmark.speaker) or None) if bookmark.speaker else None,
        tags=tuple(tags),
        note=_clean_block(bookmark.note),
        created_at=clean_line(bookmark.created_at),
    )


def _clean_block(text: str) -> str:
    """Multi-line text with each line tidied and runs of blank lines collapsed."""
    lines = [clean_line(line) for line in clean_text(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --------------------------------------------------------------------------- text fragments


def text_fragment_url(url: str, quote: str) -> str:
    """The article URL with a ``#:~:text=`` directive that scrolls to the quotation.

    Uses the first words of the quotation's first paragraph (a text directive
    cannot span blocks reliably). Per the spec, ``-``, ``&`` and ``,`` are
    percent-encoded along with everything outside the unreserved set. Non-http(s)
    URLs get no directive; unsafe ones come back as "".
    """
    url = clean_url(url)
    if not url:
        return ""
    first = next((line for line in clean_text(quote).split("\n") if line.strip()), "")
    words = clean_line(first).split()[:FRAGMENT_WORDS]
    if not words or urlsplit(url).scheme.lower() not in SAFE_SCHEMES:
        return url
    start = percent_quote(" ".join(words), safe="").replace("-", "%2D")
    base, hash_mark, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]  # replace any earlier directive
    return f"{base}#{fragment if hash_mark else ''}:~:text={start}"


def _item_url(bookmark: Bookmark) -> str:
    """Where a (cleaned) bookmark's link should point, or "" for no link."""
    if bookmark.kind == "quote" and bookmark.url:
        return text_fragment_url(bookmark.url, bookmark.title)
    return bookmark.url


def quote_title(bookmark: Bookmark) -> str:
    """A quote bookmark as one line: “quotation” — Speaker."""
    text = f"\u201c{clean_line(bookmark.title)}\u201d"
    return f"{text} \u2014 {bookmark.speaker}" if bookmark.speaker else text


# --------------------------------------------------------------------------- grouping


def _group(
    bookmarks: Iterable[Bookmark], key: Callable[[Bookmark], str | None]
) -> tuple[list[tuple[str, list[Bookmark]]], list[Bookmark]]:
    """Folders in first-seen order plus the bookmarks that belong to none."""
    groups: dict[str, list[Bookmark]] = {}
    loose: list[Bookmark] = []
    for bookmark in bookmarks:
        name = key(bookmark)
        if name:
            groups.setdefault(name, []).append(bookmark)
        else:
            loose.append(bookmark)
    return list(groups.items()), loose


def _first_tag(bookmark: Bookmark) -> str | None:
    # Only the first tag makes the folder: each bookmark appears once, so
    # importing the file elsewhere creates no duplicates.
    return bookmark.tags[0] if bookmark.tags else None


def _date_key(bookmark: Bookmark) -> str | None:
    parsed = _parse_iso(bookmark.created_at)
    return parsed.date().isoformat() if parsed else None


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sort_groups(
    groups: list[tuple[str, list[Bookmark]]], newest_first: bool = False
) -> list[tuple[str, list[Bookmark]]]:
    if newest_first:
        return sorted(groups, key=lambda group: group[0], reverse=True)
    return sorted(groups, key=lambda group: (group[0].casefold(), group[0]))


# --------------------------------------------------------------------------- Netscape HTML


def to_netscape_html(
    bookmarks: Sequence[Bookmark], group_by: Literal["tag", "feed"] = "tag"
) -> str:
    """The Netscape bookmark file every browser imports.

    Folders are the first tag (or the feed title); bookmarks without one sit at
    the top level. A bookmark whose URL is missing or unsafe is written as an
    ``<A>`` with no ``HREF`` so its title and tags survive without a live link.
    """
    if group_by not in ("tag", "feed"):
        raise ValueError(f"group_by must be 'tag' or 'feed', not {clean_line(str(group_by))!r}")
    cleaned = [clean_bookmark(b) for b in bookmarks]
    key = _first_tag if group_by == "tag" else (lambda b: b.feed_title or None)
    groups, loose = _group(cleaned, key)
    out = [
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
        "<!-- This is an automatically generated file.",
        "     It will be read and overwritten.",
        "     DO NOT EDIT! -->",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
        "<TITLE>Bookmarks</TITLE>",
        "<H1>Bookmarks</H1>",
        "<DL><p>",
    ]
    for name, items in _sort_groups(groups):
        out.append(f"    <DT><H3>{_h(name)}</H3>")
        out.append("    <DL><p>")
        out.extend(_netscape_item(b, "        ") for b in items)
        out.append("    </DL><p>")
    out.extend(_netscape_item(b, "    ") for b in loose)
    out.append("</DL><p>")
    return "\n".join(out) + "\n"


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _netscape_item(bookmark: Bookmark, indent: str) -> str:
    attrs: list[str] = []
    url = _item_url(bookmark)
    if url:
        attrs.append(f'HREF="{_h(url)}"')
    added = _parse_iso(bookmark.created_at)
    if added:
        attrs.append(f'ADD_DATE="{int(added.timestamp())}"')
    if bookmark.tags:
        # Commas separate tags in this attribute, so one inside a tag would split it.
        tags = ",".join(tag.replace(",", " ") for tag in bookmark.tags)
        attrs.append(f'TAGS="{_h(tags)}"')
    title = quote_title(bookmark) if bookmark.kind == "quote" else bookmark.title
    opening = " ".join(["<A", *attrs])
    line = f"{indent}<DT>{opening}>{_h(title or bookmark.url or 'Untitled')}</A>"
    description = _netscape_description(bookmark)
    if description:
        line += f"\n{indent}<DD>{_h(description)}"
    return line


def _netscape_description(bookmark: Bookmark) -> str:
    parts: list[str] = []
    if bookmark.kind != "article":
        source = ", ".join(p for p in (bookmark.article_title, bookmark.feed_title) if p)
        if source:
            parts.append(f"From {source}.")
    if bookmark.note:
        parts.append(clean_line(bookmark.note))
    return " ".join(parts)


# --------------------------------------------------------------------------- Markdown

_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")


def md_escape(text: str) -> str:
    """One line of plain text that Markdown renders literally, markup and HTML included."""
    line = _MD_INLINE.sub(r"\\\1", clean_line(text))
    match = _MD_LINE_START.match(line)
    if match is None:
        return line
    if match.group(1)[0].isdigit():  # "1." / "1)" would start an ordered list
        end = match.end()
        return f"{line[:end]}\\{line[end:]}"
    return "\\" + line


def md_url(url: str) -> str:
    """A link destination that cannot break out of ``(...)``; "" when unsafe."""
    url = clean_url(url)
    for char, code in (
        ("\\", "%5C"),
        (" ", "%20"),
        ("(", "%28"),
        (")", "%29"),
        ("<", "%3C"),
        (">", "%3E"),
        ('"', "%22"),
        ("`", "%60"),
    ):
        url = url.replace(char, code)
    return url


def _md_link(text: str, url: str) -> str:
    label = md_escape(text)
    target = md_url(url)
    return f"[{label}]({target})" if target and label else label


def to_markdown(bookmarks: Sequence[Bookmark], group_by: Literal["tag", "date"] = "tag") -> str:
    """A Markdown page: one heading a group, each bookmark once.

    Groups are the first tag (alphabetical, "Untagged" last) or the day the
    bookmark was saved (newest first, "Undated" last). Articles and links are
    list items; quotations are block quotes followed by who said them and where.
    """
    if group_by not in ("tag", "date"):
        raise ValueError(f"group_by must be 'tag' or 'date', not {clean_line(str(group_by))!r}")
    cleaned = [clean_bookmark(b) for b in bookmarks]
    if group_by == "tag":
        groups, loose = _group(cleaned, _first_tag)
        ordered = _sort_groups(groups)
        rest = UNTAGGED
    else:
        groups, loose = _group(cleaned, _date_key)
        ordered = _sort_groups(groups, newest_first=True)
        rest = UNDATED
    if loose:
        ordered.append((rest, loose))
    out = ["# Bookmarks", ""]
    for name, items in ordered:
        out += [f"## {md_escape(name)}", ""]
        for bookmark in items:
            out += _md_item(bookmark)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_item(bookmark: Bookmark) -> list[str]:
    if bookmark.kind == "quote":
        return _md_quote(bookmark)
    title = bookmark.title or bookmark.url or "Untitled"
    line = "- " + _md_link(title, bookmark.url)
    context = []
    if bookmark.kind == "link" and bookmark.article_title:
        context.append(f"from *{md_escape(bookmark.article_title)}*")
    elif bookmark.feed_title:
        context.append(f"*{md_escape(bookmark.feed_title)}*")
    if bookmark.published:
        context.append(md_escape(bookmark.published[:10]))
    if context:
        line += " \u2014 " + ", ".join(context)
    lines = [line]
    lines += ["  " + md_escape(t) for t in bookmark.note.split("\n") if t.strip()]
    if bookmark.tags:
        lines.append("  Tags: " + ", ".join(md_escape(t) for t in bookmark.tags))
    return lines


def _md_quote(bookmark: Bookmark) -> list[str]:
    lines: list[str] = []
    # Quote.text joins paragraphs with one newline: each line is a paragraph.
    for paragraph in bookmark.title.split("\n") if bookmark.title else ["(empty quotation)"]:
        if paragraph.strip():
            lines += [">"] if lines else []
            lines.append("> " + md_escape(paragraph))
    source: list[str] = []
    if bookmark.speaker:
        source.append(md_escape(bookmark.speaker))
    url = _item_url(bookmark)
    if bookmark.article_title:
        source.append(f"*{_md_link(bookmark.article_title, url)}*")
    elif md_url(url):
        source.append(f"[source]({md_url(url)})")
    if bookmark.feed_title:
        source.append(md_escape(bookmark.feed_title))
    if bookmark.published:
        source.append(md_escape(bookmark.published[:10]))
    lines += ["", "\u2014 " + ", ".join(source) if source else "\u2014 unattributed"]
    note = [md_escape(t) for t in bookmark.note.split("\n") if t.strip()]
    if note:
        lines += [""] + note
    if bookmark.tags:
        lines += ["", "Tags: " + ", ".join(md_escape(t) for t in bookmark.tags)]
    return lines


# --------------------------------------------------------------------------- JSON


def _as_dict(bookmark: Bookmark) -> dict[str, Any]:
    return {
        "id": bookmark.id,
        "kind": bookmark.kind,
        "article_id": bookmark.article_id,
        "title": bookmark.title,
        "url": bookmark.url,
        "article_title": bookmark.article_title,
        "feed_title": bookmark.feed_title,
        "published": bookmark.published,
        "speaker": bookmark.speaker,
        "tags": list(bookmark.tags),
        "note": bookmark.note,
        "created_at": bookmark.created_at,
    }


def to_json(bookmarks: Sequence[Bookmark], exported_at: str = "") -> str:
    """The lossless export (see the module docstring), stamped with the caller's ``now``."""
    stamp = exported_at
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": clean_line(stamp),
        "bookmarks": [_as_dict(clean_bookmark(b)) for b in bookmarks],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def from_json(text: str) -> list[Bookmark]:
    """Bookmarks from a ``to_json`` file, cleaned; duplicates (same id) keep the first.

    Raises ValueError with a one-line message naming the first problem found.
    """
    if not isinstance(text, str):
        raise ValueError("bookmark file must be text")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ValueError(message) from None
    except RecursionError:
        raise ValueError("not valid JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError("bookmark file must hold a JSON object")
    if document.get("format") != FORMAT_NAME:
        raise ValueError(f"not a bookmark export: 'format' must be {FORMAT_NAME!r}")
    version = document.get("version")
    if type(version) is not int:
        raise ValueError("'version' must be an integer")
    if version != FORMAT_VERSION:
        raise ValueError(f"unsupported bookmark file version {version} (expected 1)")
    exported = document.get("exported_at", "")
    if not isinstance(exported, str):
        raise ValueError("'exported_at' must be a string")
    entries = document.get("bookmarks")
    if not isinstance(entries, list):
        raise ValueError("'bookmarks' must be a list")
    result: list[Bookmark] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        bookmark = _entry(entry, f"bookmarks[{index}]")
        if bookmark.id not in seen:
            seen.add(bookmark.id)
            result.append(bookmark)
    return result


def _entry(entry: object, where: str) -> Bookmark:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object")
    for key in entry:
        if key not in _FIELD_TYPES:
            shown = clean_line(str(key))[:40]
            raise ValueError(f"{where} has unknown field {shown!r}")
    for key in _REQUIRED:
        if key not in entry:
            raise ValueError(f"{where} is missing {key!r}")
    for key, value in entry.items():
        allowed = _FIELD_TYPES[key]
        if type(value) not in allowed:
            names = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
            raise ValueError(f"{where}.{key} must be {names}, not {_json_type(value)}")
    if entry["kind"] not in KINDS:
        raise ValueError(f"{where}.kind must be one of {', '.join(KINDS)}")
    tags = entry.get("tags", [])
    for position, tag in enumerate(tags):
        if type(tag) is not str:
            raise ValueError(f"{where}.tags[{position}] must be str, not {_json_type(tag)}")
    bookmark = clean_bookmark(
        Bookmark(
            id=entry["id"],
            kind=entry["kind"],
            article_id=entry["article_id"],
            title=entry["title"],
            url=entry.get("url", ""),
            article_title=entry.get("article_title", ""),
            feed_title=entry.get("feed_title", ""),
            published=entry.get("published"),
            speaker=entry.get("speaker"),
            tags=tuple(tags),
            note=entry.get("note", ""),
            created_at=entry.get("created_at", ""),
        )
    )
    if not bookmark.id:
        raise ValueError(f"{where}.id must not be empty")
    return bookmark


def _json_type(value: object) -> str:
    names = {
        dict: "object",
        list: "list",
        str: "str",
        bool: "bool",
        int: "int",
        float: "float",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- CSV


def csv_safe_cell(value: str) -> str:
    """Prefix an apostrophe when a spreadsheet would read the cell as a formula.

    Also checks after leading spaces, which some spreadsheets skip.
    """
    if value.startswith(_CSV_TRIGGERS) or value.lstrip(" ").startswith(_CSV_TRIGGERS):
        return "'" + value
    return value


def to_csv(bookmarks: Sequence[Bookmark]) -> str:
    """A header row and one row a bookmark, for spreadsheets.

    Tags are joined with ";". Rows end in CRLF (RFC 4180): write the string to
    a file opened with ``newline=""``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for bookmark in map(clean_bookmark, bookmarks):
        row = (
            bookmark.kind,
            bookmark.title,
            bookmark.url,
            bookmark.speaker or "",
            bookmark.article_title,
            bookmark.feed_title,
            bookmark.published or "",
            ";".join(tag.replace(";", " ") for tag in bookmark.tags),
            bookmark.note,
            bookmark.created_at,
        )
        writer.writerow([csv_safe_cell(cell) for cell in row])
    return buffer.getvalue()
