"""An extracted body's structure as a small HTML of our own making.

Both extractors hand back a tree: trafilatura its own XML (``p``, ``head``,
``list``/``item``, ``quote``, ``ref``, ``hi``, ``lb``, ``table``/``row``/``cell``),
readability an HTML fragment. Neither is kept as it came: a new HTML is written
from it with a dozen tags and no attribute but an http(s) ``href``, every text
escaped and cleaned, so what is stored is safer than a feed's own HTML and is
read by the same ``analysis.html_text`` (headings, lists, block quotes, the
numbered links and the sidebar's). Walked with ``lxml.etree.iterwalk``, not
recursion: a hostile page's nesting cannot exhaust the stack.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import urljoin

from reader.core.sanitize import SAFE_SCHEMES, clean_text, clean_url, url_scheme

_WORD = re.compile(r"\w+")


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_HEADINGS = {f"h{n}": f"h{max(2, n)}" for n in range(1, 7)}  # the title is the h1
_BLOCKS: dict[str, str] = {
    **_HEADINGS,
    "p": "p", "ul": "ul", "ol": "ol", "li": "li", "blockquote": "blockquote", "pre": "pre",
    "item": "li", "quote": "blockquote", "code": "pre", "tr": "p", "row": "p",
    "figcaption": "p", "caption": "p", "dt": "p", "dd": "p",
}  # fmt: skip
_INLINE = {"a": "a", "ref": "a", "em": "em", "i": "em", "strong": "strong", "b": "strong"}
_BREAKS = frozenset({"br", "lb"})
_SPLITS = _tags(  # unwrapped, but what is on either side is not one paragraph
    "div section article main header footer aside figure table tbody thead dl hr"
    " details summary center address"
)
_CELLS = frozenset({"td", "th", "cell"})
_DROPPED = _tags(
    "script style template iframe object noscript svg math form button select textarea"
    " title meta link"
)
MAX_CHARS = 2_000_000  # more than any article: a runaway body stops here


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _mapped(element: Any) -> tuple[str, bool]:
    """Our tag for an element ("" to unwrap it) and whether it is a block."""
    tag = _tag(element)
    if tag == "head" and element.get("rend") is not None:  # trafilatura's heading
        return _HEADINGS.get(str(element.get("rend")).lower(), "h3"), True
    if tag == "list":
        return ("ol" if str(element.get("rend") or "").lower() == "ol" else "ul"), True
    if tag == "hi":
        rend = str(element.get("rend") or "")
        return ("strong" if "b" in rend else "em" if "i" in rend else ""), False
    if tag in _BLOCKS:
        return _BLOCKS[tag], True
    return _INLINE.get(tag, ""), False


def _href(element: Any, base: str) -> str:
    raw = str(element.get("href") or element.get("target") or "").strip()
    try:
        url = clean_url(urljoin(base, raw)) if raw else ""
    except ValueError:
        return ""
    return url if url and url_scheme(url) in SAFE_SCHEMES else ""


def _escape(text: str | None) -> str:
    return html_lib.escape(clean_text(text or ""), quote=False) if text else ""


def safe_html(
    root: Any, base_url: str = "", drop_first: tuple[str, ...] = ()
) -> tuple[str, list[str]]:
    """``root``'s content as our HTML (see the module docstring), and its text one
    paragraph a block (a line break ends one too). A first block whose words are
    one of ``drop_first``'s (the headline, which the title carries) is left out of the HTML."""
    from lxml import etree

    chunks: list[list[str]] = []  # top-level blocks, each as its pieces
    words: list[list[str]] = []  # their text, to find the headline
    current: list[str] = []
    current_words: list[str] = []
    open_blocks = 0
    size = 0
    closing: list[str] = []  # per open element: what its end writes ("" for nothing)
    paragraphs: list[str] = []
    line: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))

    def new_line() -> None:
        text = " ".join(clean_text("".join(line)).split())
        if text:
            paragraphs.append(text)
        line.clear()

    def out(piece: str, text: str = "") -> None:
        nonlocal current, current_words, size
        line.append(text)
        if open_blocks == 0 and text.strip() and not current:
            current = ["<p>"]  # loose text at the top: a paragraph of its own
        current.append(piece)
        current_words.append(text)
        size += len(piece)

    def end_chunk() -> None:
        nonlocal current, current_words
        if current and current[0] == "<p>" and not current[-1].endswith("</p>"):
            current.append("</p>")
        if "".join(current_words).strip():
            chunks.append(current)
            words.append(current_words)
        current, current_words = [], []

    for event, element in walker:
        if size > MAX_CHARS:
            break
        tag = _tag(element)
        if event == "start":
            if tag in _DROPPED or element is not root and not isinstance(element.tag, str):
                walker.skip_subtree()
                closing.append("\0skip")
                continue
            ours, block = _mapped(element) if element is not root else ("", False)
            if tag in _BREAKS:
                out("<br>")
                new_line()
                closing.append("")
            elif ours == "a":
                href = _href(element, base_url)
                closing.append("</a>" if href else "")
                if href:
                    out(f'<a href="{html_lib.escape(href)}">')
            elif ours and block:
                new_line()
                if open_blocks == 0:
                    end_chunk()
                open_blocks += 1
                out(f"<{ours}>")
                closing.append(f"</{ours}>\0block")
            elif ours:
                out(f"<{ours}>")
                closing.append(f"</{ours}>")
            else:
                if tag in _SPLITS:
                    new_line()
                    if open_blocks == 0:
                        end_chunk()
                closing.append("\0split" if tag in _SPLITS else "")
            out(_escape(element.text), element.text or "")
        else:
            close = closing.pop() if closing else ""
            if close == "\0skip":
                close = ""
            elif close == "\0split":
                new_line()
                if open_blocks == 0:
                    end_chunk()
            elif close.endswith("\0block"):
                out(close.removesuffix("\0block"))
                new_line()
                open_blocks -= 1
                if open_blocks == 0:
                    end_chunk()
            elif close:
                out(close)
            if tag in _CELLS:
                out(" ", " ")
            if element is not root:
                out(_escape(element.tail), element.tail or "")
    end_chunk()
    new_line()
    headlines = [_WORD.findall(t.casefold()) for t in drop_first if _WORD.search(t)]
    if chunks and _WORD.findall(" ".join(words[0]).casefold()) in headlines:
        chunks.pop(0)
        words.pop(0)
    kept = ("".join(c) for c, w in zip(chunks, words, strict=True) if "".join(w).strip())
    return "\n".join(kept), paragraphs
