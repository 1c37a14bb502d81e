"""The attribution patterns of issue 16, one small article each (our own examples).

The real-news set (test_quotes_real.py) measures; these pin each pattern down so a
change that breaks one says which.
"""

from __future__ import annotations

import pytest

from reader.core.analysis.document import parse_html, parse_text
from reader.core.analysis.quotes import HEADLINE, find_quotes

CASES: list[tuple[str, str, dict[str, str | None]]] = [
    (
        "surname after Mr.",
        "Idris Okafor runs the port.\n\n“We are ready,” Mr. Okafor said.",
        {"We are ready,": "Idris Okafor"},
    ),
    (
        "job title before the name, after the quote",
        "“The rents are too high,” city housing director Ana Ruiz told reporters on Tuesday.",
        {"The rents are too high,": "Ana Ruiz"},
    ),
    (
        "a quote followed by more words before its attribution",
        "“We acted within the rules” of the charter, Ana Ruiz said on Friday.",
        {"We acted within the rules": "Ana Ruiz"},
    ),
    (
        "a pronoun goes to the person of its gender",
        "Idris Okafor met Ana Ruiz at the quay. “We will see,” she said.",
        {"We will see,": "Ana Ruiz"},
    ),
    (
        "fragments after a speech verb belong to its subject",
        "Idris Okafor called the plan a “blank cheque” and a “mistake.”",
        {"blank cheque": "Idris Okafor", "mistake.": "Idris Okafor"},
    ),
    (
        "according to an organisation",
        "According to the Ministry of Health, “the clinics stay open.”",
        {"the clinics stay open.": "Ministry of Health"},
    ),
    (
        "an organisation keeps its whole name",
        "“We object,” said the Joint Committee on Transport and Housing.",
        {"We object,": "Joint Committee on Transport and Housing"},
    ),
    (
        "initials keep their periods",
        "“It is done,” C. J. Mbeki said.",
        {"It is done,": "C. J. Mbeki"},
    ),
    (
        "a title's tail is not part of the name",
        "“I am grateful,” said Miss Universe Ana Ruiz.",
        {"I am grateful,": "Ana Ruiz"},
    ),
    (
        "a clause about the speaker does not name someone else",
        "Ana Ruiz, who is Catholic, said “faith is private.”",
        {"faith is private.": "Ana Ruiz"},
    ),
    (
        "present-tense wire style",
        "Idris Okafor says the plan is “reckless” and “unfunded.”",
        {"reckless": "Idris Okafor", "unfunded.": "Idris Okafor"},
    ),
    (
        "a mention is not speech",
        "The senator has used the phrase “fiscal cliff” before.",
        {"fiscal cliff": None},
    ),
    (
        "an attributed quote continues into a bare paragraph",
        "“The quay opens in May,” Ana Ruiz said.\n\n“Then the ferries come back.”",
        {"The quay opens in May,": "Ana Ruiz", "Then the ferries come back.": "Ana Ruiz"},
    ),
    (
        "speech inside narrative continues the last speaker",
        "“The quay opens in May,” Ana Ruiz said. That led to a promise: “The ferries come back.”",
        {"The ferries come back.": "Ana Ruiz"},
    ),
    (
        "a lone quote after a sentence about one person",
        "Idris Okafor returned to the point later. “What will it cost the harbour?”",
        {"What will it cost the harbour?": "Idris Okafor"},
    ),
    (
        "a nested quote led by 'I said' is the speaker's own",
        "“I told them, ‘Not this year,’ and they agreed,” Ana Ruiz said.",
        {"Not this year,": "Ana Ruiz"},
    ),
    (
        "‘X is called “…”’ names a thing",
        "Ana Ruiz studies the disease. In birds it is called “fancier’s lung.”",
        {"fancier’s lung.": None},
    ),
    (
        "a name inside a quotation never becomes a described speaker",
        "“We owe it all to Coach Frank Vogel and the fans,” the coach said.",
        {"We owe it all to Coach Frank Vogel and the fans,": None},
    ),
    (
        "a shouted word keeps its speaker",
        "Ana Ruiz was asked about a second term. “NO!” she said.",
        {"NO!": "Ana Ruiz"},
    ),
    (
        "’’ closes a double quotation (wire copy)",
        "“It was an attempt to mislead voters,’’ Ana Ruiz told the BBC.",
        {"It was an attempt to mislead voters,": "Ana Ruiz"},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pattern(name: str, text: str, expected: dict[str, str | None]) -> None:
    found = {q.text: q.speaker for q in find_quotes(parse_text("Title\n\n" + text))}
    assert {t: found.get(t, "(not found)") for t in expected} == expected


def test_a_headline_quotation_is_found_and_its_short_name_expands() -> None:
    doc = parse_text(
        "Mayor Ana Ruiz: harbour plan ‘went too far’\n\n"
        "The mayor spoke on Monday. “We listened,” Ruiz said."
    )
    quotes = find_quotes(doc)
    assert quotes[0].paragraph == HEADLINE and quotes[0].text == "went too far"
    assert doc.title[quotes[0].start : quotes[0].end] == "‘went too far’"
    assert quotes[1].speaker == "Ana Ruiz"


def test_a_short_name_expands_to_the_headline_s_full_name() -> None:
    doc = parse_text("Hillary Clinton returns to the campaign\n\n“We start today,” Clinton said.")
    assert [q.speaker for q in find_quotes(doc)] == ["Hillary Clinton"]


def test_decomposed_accents_do_not_split_a_name() -> None:
    decomposed = "Jose\u0301 Pe\u0301rez"  # each é written as e + a combining accent
    for doc in (
        parse_text(f"Title\n\n“We will win,” said {decomposed}."),
        parse_html(f"<p>&ldquo;We will win,&rdquo; said {decomposed}.</p>"),
    ):
        assert [q.speaker for q in find_quotes(doc)] == ["José Pérez"]


def test_the_speaker_of_a_quote_after_a_subheading_or_caption_carries_on() -> None:
    doc = parse_html(
        "<p>&ldquo;The quay opens in May,&rdquo; Ana Ruiz said.</p>"
        "<figure><figcaption>The quay at dawn. Photo: Getty Images</figcaption></figure>"
        "<p>&ldquo;Then the ferries come back.&rdquo;</p>"
    )
    assert [q.speaker for q in find_quotes(doc)] == ["Ana Ruiz", "Ana Ruiz"]


def test_the_headline_s_speaker_does_not_carry_into_the_body() -> None:
    doc = parse_text("Ana Ruiz: ‘We won’\n\n“Then the ferries come back.”")
    assert [(q.text, q.speaker) for q in find_quotes(doc)][1] == (
        "Then the ferries come back.",
        None,
    )


def test_an_abbreviation_leads_into_a_title_and_a_name() -> None:
    doc = parse_text("Title\n\n“Justice was served,” said U.S. Attorney Nealy Cox.")
    assert [q.speaker for q in find_quotes(doc)] == ["Nealy Cox"]


def test_a_job_alone_is_not_a_speaker() -> None:
    doc = parse_text("Title\n\nThey focus on “financial health,” as one neo-bank CEO told me.")
    assert [q.speaker for q in find_quotes(doc)] == [None]


def test_an_office_is_not_a_name_and_the_name_after_it_is() -> None:
    doc = parse_text(
        "Title\n\n“We will appeal,” said Director of Public Prosecution Eva-Marie Persson.\n\n"
        "“Sales grew,” said Senior Vice President of Sales for Dräger."
    )
    assert [q.speaker for q in find_quotes(doc)] == ["Eva-Marie Persson", None]


def test_a_suffix_keeps_its_period() -> None:
    doc = parse_text("Title\n\n“I did it,” said James P. Kennedy Jr. on Monday.")
    assert [q.speaker for q in find_quotes(doc)] == ["James P. Kennedy Jr."]


def test_tokens_are_split_as_the_plain_pattern_finds_them() -> None:
    """The tuned token pattern, split not matched, gives the plain pattern's tokens."""
    import itertools
    import re

    from reader.core.analysis.quotes.names import _tokens

    plain = re.compile(r"\ufffc+|\d{1,3}(?:,\d{3})+\b|[^\W_]+(?:[-'\u2019.][^\W_]+)*|[^\w\s]")

    def found(text: str) -> tuple[list[int], list[str]]:
        matches = list(plain.finditer(text))
        return [m.start() for m in matches], [m.group() for m in matches]

    pieces = ["a", "B", "1", ",", ".", "'", "\u2019", " ", "_", "-", "\ufffc"]
    for size in range(1, 5):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            assert _tokens(text) == found(text), text
    prose = "Smith's 1,000,000 U.S. rock'n'roll \ufffc\ufffc said: “well-known”_x 12,34"
    assert _tokens(prose) == found(prose)


def test_double_marks_are_found_as_the_plain_pattern_finds_them() -> None:
    """'’’' or one double mark, at the same places as the plain alternation."""
    import itertools
    import re

    from reader.core.analysis.quotes.words import _DOUBLE_MARK

    plain = re.compile('\u2019\u2019|["\u201c\u201d\u201e\u00ab\u00bb]')
    pieces = ["a", "\u2019", '"', "\u201c", "\u201d", "\u00ab", "'", " "]
    for size in range(1, 6):
        for text in map("".join, itertools.product(pieces, repeat=size)):
            found = [(m.start(), m.group()) for m in _DOUBLE_MARK.finditer(text)]
            assert found == [(m.start(), m.group()) for m in plain.finditer(text)], text
