"""Older schemas' data moved out of article metadata as a feed loads (see ``Store._migrate``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reader.core.models import Article
from reader.core.storage.schema import LINKS_KIND, QUOTES_KIND


def move_out(
    docs: Iterable[dict[str, Any]], version: int, articles: Iterable[Article]
) -> dict[str, dict[str, Any]]:
    """A feed's derived files made from its records of schema ``version`` (< 3), by kind.

    Schema 1 -> 2: summaries and quotations move to their own file (metadata is
    loaded at every start; quotations only for the Speakers view). Schema 2 -> 3:
    the URLs articles link to move to the links file (only the backlink index
    reads them, one feed at a time: in memory they were ~28 MiB at 100,000
    articles); the loaded ``articles`` let go of theirs.
    """
    docs = list(docs)
    moved: dict[str, dict[str, Any]] = {}
    if version < 2:
        moved[QUOTES_KIND] = {
            doc["id"]: [doc.get("summary", ""), doc.get("quotes", [])]
            for doc in docs
            if not doc.get("pending")
        }
    moved[LINKS_KIND] = {doc["id"]: doc["out_links"] for doc in docs if doc.get("out_links")}
    for article in articles:
        article.out_links = ()
    return moved
