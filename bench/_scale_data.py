"""Synthetic archives for bench/scale.py: FEEDS RSS files of ENTRIES items, ~3 KB HTML each.

Articles belong to one of a few hundred stories (topics), each with its own
words, people and places, so similarity ("More on this story") has real
neighbours; prose mixes a Zipf-distributed general vocabulary with English
function words; about a third of paragraphs are quotations with a named speaker.
Files are cached under CACHE/<feeds>x<entries>/ so a rerun does not regenerate.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

GENERATOR_VERSION = 1
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tas",
    "vor",
    "bel",
    "dun",
    "fi",
    "gar",
    "hol",
    "jen",
    "kri",
    "mus",
    "nor",
    "pel",
    "quo",
    "sar",
    "tin",
    "ul",
    "ast",
    "brey",
]
FUNCTION = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "it",
    "was",
    "be",
    "this",
    "an",
    "are",
    "which",
    "has",
    "had",
    "but",
    "not",
    "or",
    "were",
    "have",
    "its",
    "after",
    "over",
    "into",
    "more",
    "than",
    "their",
    "they",
    "when",
    "about",
]
FIRST = [
    "Ana",
    "Bram",
    "Celia",
    "Dario",
    "Elin",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Ulla",
    "Vera",
    "Wen",
    "Yusuf",
    "Zora",
    "Amara",
    "Bjorn",
    "Chiara",
    "Dev",
    "Esme",
]
LAST = [
    "Petrov",
    "Okafor",
    "Lindqvist",
    "Marsh",
    "Tallis",
    "Varnholt",
    "Quist",
    "Brandt",
    "Moreau",
    "Haddad",
    "Sato",
    "Ibarra",
    "Novak",
    "Achebe",
    "Kowalski",
    "Fontaine",
    "Ruiz",
    "Nakamura",
    "Osei",
    "Bergstrom",
    "Castellano",
    "Duarte",
    "Eriksen",
]
VERBS = ["said", "told reporters", "added", "warned", "noted", "explained", "insisted"]
TITLE_VERBS = ["backs", "rejects", "questions", "defends", "delays", "expands", "reviews"]


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high)))


class World:
    """The vocabulary, topics, people and places every article draws from."""

    def __init__(self, seed: int = 7, topics: int = 400) -> None:
        rng = random.Random(seed)
        vocab = sorted({_word(rng, 2, 4) for _ in range(6000)})
        rng.shuffle(vocab)
        self.vocab = vocab
        self.cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocab))))
        self.topics = []
        for _ in range(topics):
            words = [_word(rng, 3, 4) for _ in range(15)]
            people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(6)]
            places = [
                _word(rng, 2, 3).capitalize() + rng.choice(["", " Bay", "holm", " City"])
                for _ in range(2)
            ]
            self.topics.append((words, people, places))

    def sentence(
        self, rng: random.Random, words: list[str], people: list[str], places: list[str]
    ) -> str:
        length = rng.randint(9, 18)
        picks = rng.choices(self.vocab, cum_weights=self.cum, k=length)
        for i in range(length):
            roll = rng.random()
            if roll < 0.30:
                picks[i] = rng.choice(FUNCTION)
            elif roll < 0.40:
                picks[i] = rng.choice(words)
            elif roll < 0.44:
                picks[i] = rng.choice(people)
            elif roll < 0.47:
                picks[i] = rng.choice(places)
        text = " ".join(picks)
        return text[0].upper() + text[1:] + "."

    def article(self, rng: random.Random, feed: int, n: int, size: int = 3000) -> tuple[str, str]:
        """(title, html) of one article."""
        words, people, places = rng.choice(self.topics)
        speaker = rng.choice(people)
        title = (
            f"{speaker.split()[-1]} {rng.choice(TITLE_VERBS)} {rng.choice(words)} plan in "
            f"{rng.choice(places)} ({feed}.{n})"
        )
        parts = [f"<p>{self.sentence(rng, words, people, places)}</p>"]
        length = len(parts[0])
        while length < size - 250:
            roll = rng.random()
            who = rng.choice(people)
            if roll < 0.3:
                said = self.sentence(rng, words, people, places).rstrip(".")
                text = f"<p>\u201c{said},\u201d {who} {rng.choice(VERBS)}.</p>"
            elif roll < 0.4:
                link = f"https://news.example/{rng.randrange(10**6)}"
                text = (
                    f'<p>{who} pointed to <a href="{link}">the {rng.choice(words)} report</a>. '
                    f"{self.sentence(rng, words, people, places)}</p>"
                )
            else:
                text = (
                    "<p>"
                    + " ".join(
                        self.sentence(rng, words, people, places) for _ in range(rng.randint(2, 4))
                    )
                    + "</p>"
                )
            parts.append(text)
            length += len(text)
        parts.append(
            "<h3>Related</h3><ul>"
            + "".join(
                f'<li><a href="https://news.example/r{rng.randrange(10**6)}">'
                f"More on {rng.choice(words)} in {rng.choice(places)}</a></li>"
                for _ in range(2)
            )
            + "</ul>"
        )
        return title, "".join(parts)


EPOCH = datetime(2026, 9, 1, tzinfo=UTC)


def make_feed(world: World, index: int, entries: int) -> bytes:
    rng = random.Random(1000 + index)
    items = []
    for n in range(entries):
        title, html = world.article(rng, index, n)
        # distinct times across the archive: newest first is a total order
        when = EPOCH - timedelta(minutes=n * 997 + index * 3, seconds=index % 60)
        items.append(
            f"<item><guid>https://news.example/f{index}/a{n}</guid>"
            f"<title>{escape(title)}</title>"
            f"<link>https://news.example/f{index}/a{n}</link>"
            f"<author>desk{index}@news.example ({escape(FIRST[index % len(FIRST)])} Desk)</author>"
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
            f"<description>{escape(html)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Scale feed {index:03d}</title><link>https://news.example/f{index}/</link>"
        f"<description>Generated feed {index}</description>{''.join(items)}</channel></rss>"
    ).encode()


def archive(cache: Path, feeds: int, entries: int) -> list[Path]:
    """The feed files of a FEEDS x ENTRIES archive, generated once and cached."""
    folder = cache / f"v{GENERATOR_VERSION}-{feeds}x{entries}"
    done = folder / "DONE"
    paths = [folder / f"feed-{i:03d}.xml" for i in range(feeds)]
    if done.exists():
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    world = World()
    for i, path in enumerate(paths):
        path.write_bytes(make_feed(world, i, entries))
    done.write_text("ok\n")
    return paths
