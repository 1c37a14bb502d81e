"""Archive suggestions find the same story, and say why in words a reader can judge.

Small realistic cases, each a way the sidebar went wrong (issue 22): a surname
shared by different people, times and honorifics taken for names, names split
and reversed, and a months-old story about the same person ranked above the
same event's report from the same day.
"""

from __future__ import annotations

from pathlib import Path

from reader.core.analysis.similarity import SimilarityIndex, day_number, when
from reader.core.analysis.story_terms import index_terms

# Background stories give the everyday words of local news their low idf.
_BACKGROUND = [
    (
        "Council reviews budget",
        "The city council met on Tuesday to review the budget. Officials said the plan "
        "would be published next week after a public meeting at city hall.",
    ),
    (
        "Rain expected over the weekend",
        "Forecasters said rain would reach the coast on Saturday. The harbour office "
        "warned boat owners and said the ferry timetable could change.",
    ),
    (
        "School term starts",
        "Pupils returned to school on Monday. The board said new teachers had been hired "
        "and the council would fund repairs to two buildings.",
    ),
    (
        "Market prices rise",
        "Prices at the weekly market rose again, traders said. The council said it would "
        "review stall fees at its next meeting.",
    ),
]
DAY = day_number("2026-10-14")


def _index(stories: dict[str, tuple[str, str, str | None]]) -> SimilarityIndex:
    background = enumerate(_BACKGROUND * 3)
    items = [(f"bg{i}", index_terms(title, body), None) for i, (title, body) in background]
    items += [
        (story_id, index_terms(title, body), day_number(published))
        for story_id, (title, body, published) in stories.items()
    ]
    return SimilarityIndex(items)


def test_a_shared_surname_does_not_link_different_people() -> None:
    index = _index(
        {
            "strike": (
                "Ferry crews walk out at Lantern Bay",
                "Chidi Okafor, who leads the crews' union, said the Lantern Bay ferry strike "
                "would go on until the Harbour Authority met them. Okafor said crews had "
                "not been paid overtime since May.",
                "2026-10-14",
            ),
            "school": (
                "New head for Marsh Lane school",
                "Ngozi Okafor will lead Marsh Lane Primary from January, the school board "
                "said. Okafor taught at the school for ten years and said the council "
                "should fund its new library.",
                "2026-10-14",
            ),
        }
    )
    found = {article: reason for article, _, reason in index.similar("strike", k=5)}
    assert "school" not in found
    assert all("Okafor" not in reason for reason in found.values())


def test_a_lone_surname_still_finds_the_person_the_story_names() -> None:
    index = _index(
        {
            "strike": (
                "Ferry crews walk out at Lantern Bay",
                "Chidi Okafor, who leads the crews' union, said the Lantern Bay ferry strike "
                "would go on until the Harbour Authority met them.",
                "2026-10-14",
            ),
            "talks": (
                "Strike talks fail",
                "Talks between Okafor's union and the Harbour Authority broke down.",
                "2026-10-15",
            ),
        }
    )
    assert [a for a, _, _ in index.similar("strike", k=5)][:1] == ["talks"]


def test_times_abbreviations_and_honorifics_are_never_terms() -> None:
    terms = index_terms(
        "POLITICS",
        "At 9:42 p.m. on Oct. 3, Sen. Maria Delgado of Calif. told reporters in the U.S. "
        "Capitol that Gov. Tom Reyes would sign the bill at 10 a.m. ET, the AP reported.",
    )
    for never in ("PM", "AM", "Oct", "Sen", "Gov", "US", "Calif", "ET", "AP", "POLITICS"):
        assert never not in terms, never
    assert "Maria Delgado" in terms and "Tom Reyes" in terms and "Capitol" in terms
    assert not {"I'm", "I’ve"} & set(index_terms("", "He said I'm sure, and I’ve seen it."))


def test_names_are_whole_as_written_never_split_or_reversed() -> None:
    terms = index_terms(
        "Lantern Bay ferry strike enters second week",
        "Crews at Lantern Bay kept the ferry strike going as the Harbour Authority "
        "refused to meet them. Flights were not affected, said John F. Kennedy, a pilot. "
        "The Gulf of Aden route was also suspended.",
    )
    assert {"Lantern Bay", "Harbour Authority", "John Kennedy", "Gulf of Aden"} <= set(terms)
    assert "ferry strike" in terms  # a phrase the article repeats
    assert not {"Lantern", "Bay", "Harbour", "Authority", "Gulf", "Aden"} & set(terms)


def test_same_day_same_event_ranks_above_months_apart_same_person() -> None:
    index = _index(
        {
            "query": (
                "Ferry crews walk out at Lantern Bay",
                "Chidi Okafor, who leads the ferry union, said the Lantern Bay ferry strike "
                "would go on until the Harbour Authority agreed to talks. Passengers queued "
                "at the ferry terminal as crews picketed.",
                "2026-10-14",
            ),
            "same-event": (
                "Passengers stranded as ferry crews strike",
                "Hundreds of passengers were stranded at Lantern Bay on the first day of the "
                "ferry strike. The Harbour Authority said it would not negotiate while crews "
                "picketed the terminal.",
                "2026-10-14",
            ),
            "same-person": (
                "Union leader honoured",
                "Chidi Okafor, head of the ferry union, received a civic award at the "
                "Harbour Authority dinner. Okafor thanked the crews of the Lantern Bay "
                "ferry and the union's members.",
                "2026-05-02",
            ),
        }
    )
    results = index.similar("query", k=5)
    ids = [article for article, _, _ in results]
    assert ids.index("same-event") < ids.index("same-person")
    reason = results[0][2]
    assert reason.startswith("same day; also on ")
    assert "Lantern Bay" in reason and "Harbour Authority" in reason


def test_when_says_how_far_apart_in_words() -> None:
    assert when(0) == "same day"
    assert when(-1) == "a day earlier"
    assert when(3) == "3 days later"
    assert when(-150) == "5 months earlier"


def test_a_live_blog_naming_everyone_does_not_outrank_the_story() -> None:
    people = " ".join(
        f"{first} {last} spoke."
        for first in ("Anna", "Ben", "Carl", "Dana", "Emil", "Fay")
        for last in ("Abbot", "Brook", "Clay", "Dunn", "Eliot")
    )
    index = _index(
        {
            "query": (
                "Ferry crews walk out at Lantern Bay",
                "Chidi Okafor said the Lantern Bay ferry strike would go on until the "
                "Harbour Authority agreed to talks. The ferry strike stranded passengers.",
                "2026-10-14",
            ),
            "story": (
                "Harbour Authority refuses strike talks",
                "The Harbour Authority said it would not meet crews while the Lantern Bay "
                "ferry strike went on. The ferry strike is in its second day.",
                "2026-10-15",
            ),
            "live": (
                "Live: council day as it happened",
                "Chidi Okafor spoke. Lantern Bay was mentioned. Harbour Authority replied. "
                + people,
                "2026-10-14",
            ),
        }
    )
    ids = [article for article, _, _ in index.similar("query", k=5)]
    assert ids[0] == "story"


def test_terms_an_older_reader_stored_are_derived_again_once(tmp_path: Path) -> None:
    """An archive indexed before whole names keeps working: its terms are made again."""
    from reader.core.library import open_library
    from reader.core.storage.schema import TERMS_KIND
    from tests.conftest import frozen_clock

    library = open_library(tmp_path / "db", clock=frozen_clock)
    library.analyse_pending()
    feeds = [feed.id for feed in library.store.feeds()]
    old_style = {"Putin": 4.0, "Vladimir": 2.0, "ceasefire": 1.0}  # names split, as before
    for feed_id in feeds:
        ids = [article.id for article in library.store.articles(feed_id)]
        library.store.put_aux(TERMS_KIND, feed_id, {a: old_style for a in ids})
    library.store.set_meta("terms", 1)
    library.close()

    library = open_library(tmp_path / "db", clock=frozen_clock)
    try:
        assert library.analyse_pending() == len(library.articles())
        stored = [t for f in feeds for t in (library.store.aux(TERMS_KIND, f) or {}).values()]
        assert stored and all(terms != old_style for terms in stored)
        assert any(" " in term and term[0].isupper() for terms in stored for term in terms)
        assert library.analyse_pending() == 0  # once
    finally:
        library.close()


def test_the_word_pattern_splits_as_its_plain_form() -> None:
    """The tuned pattern (a letter first, possessive parts) finds the same words."""
    import itertools
    import re

    from reader.core.analysis.story_terms import _SPLIT

    plain = re.compile(r"((?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*)")
    pieces = ["a", "B", "é", ".", "'", "’", " ", "1", "_", "-"]
    for size in range(1, 5):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            assert _SPLIT.split(text) == plain.split(text), text
    prose = "U.S. p.m. O'Brien's don't a.b J.R.R. Tolkien rock'n'roll e.g. x’y’ 9:42 a.m."
    assert _SPLIT.split(prose) == plain.split(prose)


def test_the_mapped_split_splits_as_the_word_pattern() -> None:
    """The split by the letters spelled out below U+0800 gives _SPLIT's, for every
    character and for letters past the map (Chinese, Thai, Georgian) beside mapped ones."""
    import itertools
    import re

    from reader.core.analysis.story_terms import _SPLIT, _mapped_split, _split

    every = "".join(map(chr, range(0x3100)))
    mapped = re.sub(r"[^\x00-\u07ff](?<=[^\W\d_])", "", every)  # no letter past the map
    for chars in (every, mapped):
        for text in (chars, " ".join(chars), ".".join(chars), "a'".join(chars)):
            assert _split(text) == _SPLIT.split(text)
            if chars is mapped:
                assert _mapped_split().split(text) == _SPLIT.split(text)
    pieces = ["a", "É", "я", "中", "ก", "ა", ".", "’", " ", "“", "1"]
    for size in range(1, 4):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            assert _split(text) == _SPLIT.split(text), text
    prose = "Sen. Łukasz Kowalski met 习近平 and Владимир Путин in Zürich on the U.S. trip"
    assert _split(prose) == _SPLIT.split(prose)


def test_terms_are_the_same_when_the_word_memos_are_dropped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The memoised tallies, possessive forms, shapes and keys, dropped whole as they
    pass their bound (here at every text), give the terms of fresh ones."""
    from reader.core.analysis import story_terms

    texts = [
        "Russia's President Vladimir Putin met NATO's chief in the U.S. on Monday.",
        "The ferry strike's end: Marta Quillfeather's union and Greyline Marine's crews.",
        "BREAKING NEWS\nPutin's envoy met Trump's envoy. Putin said the ferry strike ended.",
    ]
    expected = [story_terms.index_terms(text[:20], text) for text in texts * 2]
    monkeypatch.setattr(story_terms, "_PLAIN_KEYS_MAX", 3)
    assert [story_terms.index_terms(text[:20], text) for text in texts * 2] == expected


def test_a_gap_kind_decides_as_the_plain_rules() -> None:
    """The memoised kind of the text between two words starts a line or a sentence
    where the plain rules, a gap at a time, do."""
    import itertools

    from reader.core.analysis.story_terms import (
        _ABBREVIATIONS,
        _BREAK,
        _LINE,
        _OPENING_QUOTES,
        _SENTENCE_END,
        _STOP,
        _gap_kind,
    )

    def plain(gap: str, prev_word: str) -> bool | str:
        if _BREAK.search(gap):
            return "line"
        initial = bool(_SENTENCE_END.intersection(gap))
        abbreviation = prev_word.lower() in _ABBREVIATIONS or len(prev_word) == 1
        if initial and gap.strip() == "." and abbreviation:
            initial = False
        if gap[-1:] in _OPENING_QUOTES and (len(gap) == 1 or gap[-2].isspace()):
            initial = True
        return initial

    pieces = [" ", ".", ",", "?", ";", "\n", "\u2028", "“", "‘", "'", '"', "”", "-"]
    for size in range(1, 4):
        for gap in map("".join, itertools.product(pieces, repeat=size)):
            for prev_word in ("Mr", "F", "Putin", "no", "said"):
                kind = _gap_kind(gap)
                if kind is _LINE:
                    found: bool | str = "line"
                elif kind is _STOP:
                    found = not (prev_word.lower() in _ABBREVIATIONS or len(prev_word) == 1)
                else:
                    found = kind is True
                assert found == plain(gap, prev_word), (gap, prev_word)
