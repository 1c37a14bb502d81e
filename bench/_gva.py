"""Build bench/data/gva2015.jsonl.gz, a hard same-story archive, from the Gun Violence corpus.

Run: python bench/_gva.py /path/to/the_violent_corpus

The corpus (cltl/LongTailQATask, EventRegistries/GunViolenceArchive/the_violent_corpus,
Apache-2.0) holds news pages crawled from archive.org for incidents of the Gun
Violence Archive: one folder per incident id, one pickled NewsItem per page
(title, dct, uri, content). The label is the corpus's own: pages in one incident
folder report the same story. Hard on purpose: every story is a US shooting, told
in the same words, places recur, dates are the pages' own (DCT; the same incident's
pages are published from the same day to months apart), and the pages keep their
boilerplate ("Posted: Tuesday, January 28, 2014 8:18 PM EST", share prompts).

Kept: every incident whose first page is dated 2015 (all its pages), so one year
of news, as a reader's archive would hold. Each row: id, story (incident id),
title, text, url (the original, not the archive.org copy), published.
"""

from __future__ import annotations

import gzip
import json
import pickle
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "data" / "gva2015.jsonl.gz"
YEAR = 2015


class _Item:
    """Stands in for the corpus's classes.NewsItem when unpickling."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "classes":
            return _Item
        return super().find_class(module, name)


def _original(uri: str) -> str:
    """http://web.archive.org/web/2015.../http://www.wral.com/x -> http://www.wral.com/x"""
    marker = uri.find("http", 8)
    return uri[marker:] if "web.archive.org" in uri and marker > 0 else uri


def main() -> None:
    root = Path(sys.argv[1])
    incidents: dict[str, list[Any]] = {}
    for path in sorted(root.glob("*/*.json")):
        with path.open("rb") as data:
            item = _Unpickler(data, encoding="latin1").load()
        incidents.setdefault(path.parent.name, []).append(item)
    rows = []
    for incident, items in sorted(incidents.items()):
        if min(item.dct for item in items).year != YEAR:
            continue
        for item in items:
            rows.append(
                {
                    "id": f"{incident}-{item.id[:8]}",
                    "story": incident,
                    "title": " ".join(item.title.split()),
                    "text": item.content.strip(),
                    "url": _original(item.uri),
                    "published": f"{item.dct.isoformat()}T12:00:00+00:00",
                }
            )
    OUT.parent.mkdir(exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    stories = {row["story"] for row in rows}
    print(f"{len(rows)} articles, {len(stories)} stories -> {OUT}")


if __name__ == "__main__":
    main()
