"""Benchmark related-story search on a synthetic 20,000-article archive.

Run: python bench/related.py [--articles N] [--queries N] [--seed N]

Articles are ~3 KB of generated prose: a Zipf-distributed general vocabulary, plus
per-topic words and invented people and places, so similar() has a right answer
(stories of the same topic) whose hit rate is printed beside the timings.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader.core.analysis.similarity import SimilarityIndex  # noqa: E402
from reader.core.analysis.story_terms import index_terms  # noqa: E402

_SYLLABLE_TEXT = "ka lo mi ren tas vor bel dun fi gar hol jen kri mus nor pel quo sar tin ul"
SYLLABLES = _SYLLABLE_TEXT.split()


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high)))


def make_archive(
    count: int, seed: int, topics: int = 500
) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(id, title, body) triples and each article's topic."""
    rng = random.Random(seed)
    vocabulary = sorted({_word(rng, 2, 4) for _ in range(9000)})
    rng.shuffle(vocabulary)
    cumulative = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocabulary))))
    topic_words = [[_word(rng, 3, 4) for _ in range(20)] for _ in range(topics)]
    topic_names = [
        [_word(rng, 2, 3).capitalize() for _ in range(8)] for _ in range(topics)
    ]  # people (given + surname pairs) and places
    articles: list[tuple[str, str, str]] = []
    topic_of: dict[str, int] = {}
    for n in range(count):
        topic = rng.randrange(topics)
        words, names = topic_words[topic], topic_names[topic]
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
                        picks[i] = " ".join(rng.sample(names[:4], 2))  # "Given Surname"
                    elif roll < 0.22:
                        picks[i] = rng.choice(names[4:])
                sentence = " ".join(picks)
                sentences.append(sentence[0].upper() + sentence[1:] + ".")
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        title = " ".join([rng.choice(names), rng.choice(words), _word(rng, 2, 3)]).capitalize()
        article_id = f"a{n:05d}"
        articles.append((article_id, title, "\n\n".join(paragraphs)))
        topic_of[article_id] = topic
    return articles, topic_of


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    articles, topic_of = make_archive(args.articles, args.seed)
    generated = time.perf_counter() - start
    mean_size = statistics.mean(len(body) for _, _, body in articles)
    print(f"generated {len(articles)} articles, mean {mean_size:.0f} chars, in {generated:.1f} s")

    term_times: list[float] = []
    items: list[tuple[str, dict[str, float]]] = []
    for article_id, title, body in articles:
        t0 = time.perf_counter()
        terms = index_terms(title, body)
        term_times.append(time.perf_counter() - t0)
        items.append((article_id, terms))

    t0 = time.perf_counter()
    index = SimilarityIndex((a, terms, None) for a, terms in items)
    build = time.perf_counter() - t0

    rng = random.Random(args.seed + 1)
    queries = rng.sample([a for a, _ in items], min(args.queries, len(items)))
    query_times: list[float] = []
    hits = total = 0
    for article_id in queries:
        t0 = time.perf_counter()
        results = index.similar(article_id, k=5)
        query_times.append(time.perf_counter() - t0)
        total += len(results)
        hits += sum(topic_of[a] == topic_of[article_id] for a, _, _ in results)

    t0 = time.perf_counter()
    index.remove(queries[0])
    index.add(queries[0], dict(items[0][1]))
    update = time.perf_counter() - t0

    def row(name: str, times: list[float]) -> str:
        q = statistics.quantiles(times, n=100)
        return f"{name:<22}{_ms(statistics.mean(times))}{_ms(q[49])}{_ms(q[94])}{_ms(max(times))}"

    print()
    print(f"{'(ms)':<22}{'mean':>9}{'p50':>9}{'p95':>9}{'max':>9}")
    print(row("index_terms / article", term_times))
    print(row("similar() / query", query_times))
    print(f"{'index build (total)':<22}{_ms(build)}")
    print(f"{'remove + add':<22}{_ms(update)}")
    print()
    print(
        f"articles indexed: {len(index)}, terms per article: "
        f"{statistics.mean(len(t) for _, t in items):.1f}"
    )
    print(f"same-topic precision of top 5: {hits / max(total, 1):.1%} over {len(queries)} queries")
    example = index.similar(queries[0], k=1)
    if example:
        print(f"example reason: {example[0][2]!r}")


if __name__ == "__main__":
    main()
