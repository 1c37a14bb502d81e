"""One article's whole analysis in one call, so a batch can run in another process.

What ``reader index`` and the app's background pass derive for each article a
refresh left pending: its summary and quotations, its archive terms, the URLs it
links to and its search terms. Pure work on text (no store): the caller reads the
bodies and stores the results, so a batch can be handed to a worker process
(:func:`analyse_batch`, pickled both ways) while the caller keeps the store.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reader.core.analysis import search
from reader.core.analysis.document import build_document
from reader.core.analysis.links import outbound_urls
from reader.core.analysis.quotes import find_quotes
from reader.core.analysis.story_terms import index_terms
from reader.core.models import Body, Document, Quote

MAX_OUT_LINKS = 200
SUMMARY_CHARS = 280

# (article id, title, author, link, body or None): what a worker needs of an article.
# The body may come as a call that makes it (the stored, compressed text and the
# function that unpacks it): the worker unpacks it, and less is pickled.
Pending = tuple[str, str, str, str, Body | Callable[[], Body] | None]


@dataclass(frozen=True, slots=True)
class Analysed:
    """What analysis derives for one article (the document itself stays behind)."""

    summary: str
    quotes: tuple[Quote, ...]
    terms: dict[str, float]
    out_links: tuple[str, ...]
    search_terms: search.ArticleTerms
    phrase: str | None = None  # search's phrase text, made where a merge will want it


def analyse_document(doc: Document, title: str, author: str) -> Analysed:
    """Everything derived from a laid-out article (``title``: the stored one)."""
    quotes = tuple(find_quotes(doc))
    text = doc.text  # joined from the blocks at each use: once here
    return Analysed(
        summary=" ".join(text.split())[:SUMMARY_CHARS],
        quotes=quotes,
        terms=index_terms(doc.title or title, text),
        out_links=tuple(outbound_urls(doc)[:MAX_OUT_LINKS]),
        search_terms=search.article_terms(title, author, text, quotes),
    )


def analyse_body(
    title: str, author: str, link: str, body: Body | None
) -> tuple[Document, Analysed]:
    """The article's document (as opening it lays it out) and what analysis derives."""
    doc = Document(title=title) if body is None else build_document(body, title, link)
    return doc, analyse_document(doc, title, author)


def analyse_batch(items: Sequence[Pending]) -> list[tuple[str, Analysed]]:
    """A batch of articles, by id: the unit a worker process is given.

    With their phrase texts: a batch this large is followed by a merge of the search
    file, which would otherwise make them again, on one core, after the workers end.
    """
    found = []
    for article_id, title, author, link, body in items:
        if _keys is not None and not _give_way():
            break
        if callable(body):
            body = body()
        result = analyse_body(title, author, link, body)[1]
        texts = (quote.text for quote in result.quotes)
        phrase = search.phrase_text(title, result.summary, texts)
        found.append((article_id, replace(result, phrase=phrase)))
    return found


STOP = -1.0  # in the shared clock: the reader is quitting, the batch ends here
_keys: Any = None  # a worker of the app: until when keys want the CPU (time.monotonic)


def _give_way() -> bool:
    """Between articles, in a worker of the app: wait while keys come in, so no result
    lands on the reader's interpreter lock during a key's repaint. False on quit."""
    while True:
        until = _keys.value
        if until == STOP:
            return False
        wait = until - time.monotonic()
        if wait <= 0:
            return True
        time.sleep(min(wait, 0.05))


def start_worker(nice: int = 0, keys: Any = None) -> None:
    """A worker process's start: ``nice`` steps below the reader's own process (the
    app's background pass, so keys win the CPU); ``keys``: the app's shared clock of
    when its keys' quiet ends (a ``RawValue("d")``), read between articles."""
    global _keys
    _keys = keys
    if nice:
        with contextlib.suppress(OSError):  # not allowed here: the same priority, then
            os.nice(nice)
