"""Check that analysis derives the same things as another checkout, on real material.

Run: python bench/analysis_parity.py [--against /work/main] [--limit N]

Each article of the material goes through what ``reader index`` derives for it:
the laid-out document, the summary and quotations (with speakers), the archive
terms, the outbound links and the search terms. This checkout's results are
compared with those of the checkout given by ``--against`` (run in a subprocess
with it first on ``PYTHONPATH``); any difference is printed and the exit status
is 1. Material: seeds/ (and ../shared/seeds when present), the real news of
tests/data/quotes_real and the other annotated sets, the hostile feeds of
tests/hostile, bench/data's two labelled archives (ECB+, GVA pages) as plain
text and as HTML paragraphs, and a few of bench/refresh.py's generated feeds.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def material(limit: int) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(name, title, author, link, body text, body kind) of every article of the material."""
    from reader.core.ingest.feeds import parse_feed

    def feed_entries(name: str, data: bytes) -> Iterator[tuple[str, str, str, str, str, str]]:
        try:
            parsed = parse_feed(data, "https://example.org/" + name)
        except Exception:  # a hostile file that is no feed: nothing to analyse
            return
        for n, entry in enumerate(parsed.entries):
            body = entry.body
            yield (
                f"{name}#{n}",
                entry.title,
                entry.author,
                entry.link,
                body.content,
                body.content_type,
            )

    folders = [
        ROOT / "seeds",
        ROOT.parent / "shared" / "seeds",
        *sorted((ROOT / "tests" / "data").iterdir()),
    ]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if suffix in (".txt", ".html", ".md"):
                kind = {".txt": "text", ".html": "html", ".md": "markdown"}[suffix]
                text = path.read_text(encoding="utf-8", errors="replace")
                yield f"{folder.name}/{path.name}", path.stem, "", "", text, kind
            elif suffix in (".rss", ".atom", ".xml"):
                yield from feed_entries(f"{folder.name}/{path.name}", path.read_bytes())
    for path in sorted((ROOT / "tests" / "hostile").iterdir()):
        if path.suffix.lower() in (".rss", ".atom", ".xml", ".json"):
            yield from feed_entries(f"hostile/{path.name}", path.read_bytes())
    for archive in sorted((HERE / "data").glob("*.jsonl.gz")):
        with gzip.open(archive, "rt", encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n >= limit:
                    break
                item = json.loads(line)
                name = f"{archive.name}/{item['id']}"
                yield name, item["title"], "", item.get("url") or "", item["text"], "text"
                html = "".join(f"<p>{escape(p)}</p>" for p in item["text"].split("\n\n"))
                yield name + ".html", item["title"], "", item.get("url") or "", html, "html"
    sys.path.insert(0, str(HERE))
    from refresh import make_feed

    for index in range(3):
        yield from feed_entries(f"bench-feed-{index}", make_feed(index, 20))


def derive(title: str, author: str, link: str, text: str, kind: str) -> list[str]:
    """What analysis derives for one article, each part as a comparable string."""
    from reader.core.models import Article, Body

    body = Body(text, kind)  # type: ignore[arg-type]
    try:
        from reader.core.analysis.pipeline import analyse_body  # this branch's one pass
    except ImportError:
        analyse_body = None
    if analyse_body is not None:
        document, found = analyse_body(title, author, link, body)
        return [
            repr(document),
            found.summary,
            repr(found.quotes),
            json.dumps(found.terms, sort_keys=True),
            repr(found.out_links),
            json.dumps(found.search_terms, sort_keys=True),
        ]
    from reader.core.analysis import search
    from reader.core.analysis.document import build_document
    from reader.core.analysis.links import outbound_urls
    from reader.core.analysis.quotes import find_quotes
    from reader.core.analysis.story_terms import index_terms

    article = Article(id="x", feed_id="f", title=title, link=link, author=author)
    doc = build_document(body, title=article.title, base_url=article.link)
    quotes = tuple(find_quotes(doc))
    return [
        repr(doc),
        " ".join(doc.text.split())[:280],
        repr(quotes),
        json.dumps(index_terms(doc.title or article.title, doc.text), sort_keys=True),
        repr(tuple(outbound_urls(doc)[:200])),
        json.dumps(
            search.article_terms(article.title, article.author, doc.text, quotes), sort_keys=True
        ),
    ]


def dump(path: Path, limit: int) -> None:
    results = {}
    for name, title, author, link, text, kind in material(limit):
        results[name] = derive(title, author, link, text, kind)
    path.write_text(json.dumps(results))


PARTS = ["document", "summary", "quotes", "archive terms", "outbound links", "search terms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, default=Path("/work/main"))
    parser.add_argument("--limit", type=int, default=100_000, help="articles per bench archive")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump, args.limit)
        return
    with tempfile.TemporaryDirectory() as tmp:
        theirs_file, ours_file = Path(tmp) / "theirs.json", Path(tmp) / "ours.json"
        script = str(Path(__file__).resolve())
        for tree, out in ((args.against, theirs_file), (ROOT, ours_file)):
            env = dict(os.environ, PYTHONPATH=str(tree))
            command = [sys.executable, script, "--dump", str(out), "--limit", str(args.limit)]
            subprocess.run(command, check=True, env=env)
        theirs, ours = json.loads(theirs_file.read_text()), json.loads(ours_file.read_text())
    differ = 0
    for name, old in theirs.items():
        new = ours.get(name)
        for part, a, b in zip(PARTS, old, new or [None] * len(PARTS), strict=True):
            if a != b:
                differ += 1
                if differ <= 10:
                    print(
                        f"DIFFERS {name}: {part}\n  theirs: {str(a)[:300]}\n  ours:   {str(b)[:300]}"
                    )
    digest = hashlib.sha1(json.dumps(ours, sort_keys=True).encode()).hexdigest()[:12]
    print(f"{len(theirs)} articles ({len(ours)} here), {differ} differences; results {digest}")
    sys.exit(1 if differ or len(theirs) != len(ours) else 0)


if __name__ == "__main__":
    main()
