"""Benchmark full-text search on a synthetic 20,000-article archive (issue 7: <= 100 ms/query).

Run: python bench/search.py [--articles N] [--feeds N] [--queries N] [--seed N]

Articles are ~3 KB of generated prose (a Zipf-distributed vocabulary, per-topic
words, invented names), written into a temporary database through the store
with the postings the ingest path computes (``search.article_terms``), then
searched through ``Library.search`` exactly as the app and CLI do. Prints the
ingest cost per article, the cold load of the index, and p50/p95 per query kind.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader.core.analysis import search as fulltext  # noqa: E402
from reader.core.library import Library  # noqa: E402
from reader.core.models import Article, Body, Feed  # noqa: E402
from reader.core.storage.store import Store  # noqa: E402

_SYLLABLE_TEXT = "ka lo mi ren tas vor bel dun fi gar hol jen kri mus nor pel quo sar tin ul"
SYLLABLES = _SYLLABLE_TEXT.split()


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high)))


class Archive:
    """Generated articles and the words a reader would type to find them."""

    def __init__(self, count: int, seed: int, topics: int = 500) -> None:
        rng = random.Random(seed)
        vocabulary = sorted({_word(rng, 2, 4) for _ in range(9000)})
        rng.shuffle(vocabulary)
        self.vocabulary = vocabulary
        cumulative = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocabulary))))
        self.topic_words = [[_word(rng, 3, 4) for _ in range(20)] for _ in range(topics)]
        self.topic_names = [
            [_word(rng, 2, 3).capitalize() for _ in range(8)] for _ in range(topics)
        ]
        self.items: list[tuple[str, str, str, str]] = []  # id, title, author, body
        for n in range(count):
            topic = rng.randrange(topics)
            words, names = self.topic_words[topic], self.topic_names[topic]
            paragraphs: list[str] = []
            size = 0
            while size < 3000:
                sentences = []
                for _ in range(rng.randint(3, 6)):
                    length = rng.randint(10, 20)
                    picks = rng.choices(vocabulary, cum_weights=cumulative, k=length)
                    for i in range(length):
                        roll = rng.random()
                        if roll < 0.12:
                            picks[i] = rng.choice(words)
                        elif roll < 0.18:
                            picks[i] = " ".join(rng.sample(names[:4], 2))
                        elif roll < 0.22:
                            picks[i] = rng.choice(names[4:])
                    sentence = " ".join(picks)
                    sentences.append(sentence[0].upper() + sentence[1:] + ".")
                paragraph = " ".join(sentences)
                paragraphs.append(paragraph)
                size += len(paragraph) + 2
            title = " ".join([rng.choice(names), rng.choice(words), _word(rng, 2, 3)]).capitalize()
            author = f"{_word(rng, 2, 3).capitalize()} {_word(rng, 2, 3).capitalize()}"
            self.items.append((f"a{n:05d}", title, author, "\n\n".join(paragraphs)))

    def queries(self, rng: random.Random, count: int) -> dict[str, list[str]]:
        """Typical queries by kind, ``count`` of each."""

        def topic() -> tuple[list[str], list[str]]:
            t = rng.randrange(len(self.topic_words))
            return self.topic_words[t], self.topic_names[t]

        def kind(make: object) -> list[str]:
            return [make() for _ in range(count)]  # type: ignore[operator]

        def two() -> str:
            words, names = topic()
            return f"{rng.choice(names)} {rng.choice(words)}"

        def three() -> str:
            words, names = topic()
            return f"{rng.choice(names)} {rng.choice(words)} {rng.choice(words)}"

        def typing() -> str:
            words, names = topic()
            return f"{rng.choice(names)} {rng.choice(words)[:3]}"

        def phrase() -> str:
            _, names = topic()
            return '"' + " ".join(rng.sample(names[:4], 2)) + '"'

        return {
            "common word": kind(lambda: rng.choice(self.vocabulary[:10])),
            "mid-frequency word": kind(lambda: rng.choice(self.vocabulary[100:1000])),
            "rare word": kind(lambda: rng.choice(self.vocabulary[5000:])),
            "name": kind(lambda: rng.choice(topic()[1])),
            "two words": kind(two),
            "three words": kind(three),
            "prefix, 2 letters": kind(lambda: rng.choice(SYLLABLES)),
            "prefix, 3 letters": kind(lambda: rng.choice(self.vocabulary[:2000])[:3]),
            "name + prefix": kind(typing),
            '"quoted phrase"': kind(phrase),
            "no match": kind(lambda: "zzqx " + rng.choice(self.vocabulary[:10])),
        }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f}"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_database(path: Path, archive: Archive, feeds: int) -> list[float]:
    """Store the archive as ingest would (metadata, bodies, search postings); per-article costs."""
    store = Store(path)
    per_feed = -(-len(archive.items) // feeds)
    term_times: list[float] = []
    for f in range(feeds):
        feed = Feed(id=f"feed{f:03d}", url=f"https://news.example/{f}.xml", title=f"Feed {f}")
        store.save_feed(feed)
        postings = fulltext.FeedPostings()
        batch, put = [], []
        for article_id, title, author, body in archive.items[f * per_feed : (f + 1) * per_feed]:
            article = Article(
                id=article_id,
                feed_id=feed.id,
                title=title,
                author=author,
                content_hash=article_id,
            )
            t0 = time.perf_counter()
            found = fulltext.article_terms(title, author, body)
            term_times.append(time.perf_counter() - t0)
            put.append((article_id, article.content_hash, found))
            batch.append((article, Body(body, "text")))
        store.put_articles(feed.id, batch)
        postings.update(put)
        store.put_aux(fulltext.AUX_KIND, feed.id, postings.to_aux())
        store.flush()
    store.close()
    return term_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--queries", type=int, default=60, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    archive = Archive(args.articles, args.seed)
    mean_size = statistics.mean(len(body) for *_, body in archive.items)
    print(
        f"generated {len(archive.items)} articles in {args.feeds} feeds, "
        f"mean {mean_size:.0f} chars, in {time.perf_counter() - t0:.1f} s"
    )
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as tmp:
        db = Path(tmp) / "db"
        t0 = time.perf_counter()
        term_times = write_database(db, archive, args.feeds)
        written = time.perf_counter() - t0
        index_bytes = sum(p.stat().st_size for p in (db / "search").iterdir())
        print(f"wrote the database in {written:.1f} s; search files {index_bytes / 2**20:.1f} MiB")

        rss_before = _rss_mb()
        t0 = time.perf_counter()
        store = Store(db)
        library = Library(store)
        opened = time.perf_counter() - t0
        t0 = time.perf_counter()
        library.search("warmup")
        loaded = time.perf_counter() - t0
        rss_after = _rss_mb()

        rng = random.Random(args.seed + 1)
        rows: list[tuple[str, list[float], float]] = []
        for name, queries in archive.queries(rng, args.queries).items():
            times: list[float] = []
            found: list[int] = []
            for query in queries:
                t1 = time.perf_counter()
                hits = library.search(query)
                times.append(time.perf_counter() - t1)
                found.append(len(hits))
            rows.append((name, times, statistics.mean(found)))

        feed_id = "feed000"
        batch = [a for a in store.articles(feed_id)][:50]
        counted: dict[str, fulltext.ArticleTerms] = {}
        t0 = time.perf_counter()
        for article in batch:
            body = store.body(article.id)
            text = body.content if body is not None else ""
            found_terms = fulltext.article_terms(article.title, article.author, text)
            counted[article.id] = found_terms  # as analysis leaves them
        library.finder.index(feed_id, batch, counted)
        update = time.perf_counter() - t0
        library.close()

    print()
    print(f"{'(ms)':<28}{'mean':>9}{'p50':>9}{'p95':>9}{'max':>9}{'hits':>8}")
    print(
        f"{'article_terms / article':<28}{_ms(statistics.mean(term_times))}"
        f"{_ms(statistics.median(term_times))}"
        f"{_ms(statistics.quantiles(term_times, n=20)[18])}{_ms(max(term_times))}"
    )
    every: list[float] = []
    for name, times, hits in rows:
        every += times
        q = statistics.quantiles(times, n=20)
        print(
            f"{name:<28}{_ms(statistics.mean(times))}{_ms(statistics.median(times))}"
            f"{_ms(q[18])}{_ms(max(times))}{hits:8.0f}"
        )
    q = statistics.quantiles(every, n=20)
    print(
        f"{'all queries':<28}{_ms(statistics.mean(every))}{_ms(statistics.median(every))}"
        f"{_ms(q[18])}{_ms(max(every))}"
    )
    print()
    print(f"open store (20k metadata):   {_ms(opened)} ms")
    print(
        f"first search (load index):   {_ms(loaded)} ms, peak RSS +{rss_after - rss_before:.0f} MB"
    )
    print(f"re-index 50 articles of a feed (ingest update): {_ms(update)} ms")


if __name__ == "__main__":
    main()
