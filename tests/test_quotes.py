"""Quotation finding and attribution (reader.core.analysis.quotes).

The hand-written articles under tests/data/quotes are invented (people, places
and outlets); each has a ``.expected.json`` table of quotations and speakers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.analysis.quotes import find_quotes, speakers
from reader.core.models import Block, Document, Quote, Span

DATA = Path(__file__).parent / "data" / "quotes"
SEED = Path(__file__).parent.parent / "seeds" / "000_f9c39cc6b21bc300.txt"
CASES = sorted(path.name.removesuffix(".txt") for path in DATA.glob("*.txt"))


def make_doc(text: str) -> Document:
    """Plain text to a Document: first paragraph is the title, '# ' lines are headings."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    blocks = []
    for paragraph in paragraphs[1:]:
        if paragraph.startswith("# "):
            blocks.append(Block("heading", (Span(paragraph[2:]),), level=2))
        else:
            blocks.append(Block("paragraph", (Span(paragraph),)))
    return Document(paragraphs[0] if paragraphs else "", blocks=tuple(blocks))


def doc_of(*paragraphs: str) -> Document:
    return Document("t", blocks=tuple(Block("paragraph", (Span(p),)) for p in paragraphs))


def pairs(doc: Document) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in find_quotes(doc)]


def load_case(name: str) -> tuple[Document, list[tuple[str, str | None]]]:
    doc = make_doc((DATA / f"{name}.txt").read_text(encoding="utf-8"))
    rows = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    return doc, [(row["text"], row["speaker"]) for row in rows]


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(
    found: list[tuple[str, str | None]], expected: list[tuple[str, str | None]]
) -> tuple[int, int]:
    """(quotes matched by text in order, of those, speakers right)."""
    matched = right = 0
    remaining = [(_norm(t), s) for t, s in expected]
    for text, speaker in found:
        for n, (want, want_speaker) in enumerate(remaining):
            if _norm(text) == want:
                matched += 1
                right += speaker == want_speaker
                del remaining[n]
                break
    return matched, right


# --------------------------------------------------------------------------
# The test set


def test_the_set_is_big_enough() -> None:
    assert len(CASES) >= 12
    for name in CASES:
        assert (DATA / f"{name}.expected.json").exists(), name


@pytest.mark.parametrize("name", CASES)
def test_article(name: str) -> None:
    doc, expected = load_case(name)
    assert pairs(doc) == expected


def test_set_figures_meet_the_goals() -> None:
    found_total = expected_total = matched_total = right_total = 0
    for name in CASES:
        doc, expected = load_case(name)
        found = pairs(doc)
        matched, right = score(found, expected)
        found_total += len(found)
        expected_total += len(expected)
        matched_total += matched
        right_total += right
    recall = matched_total / expected_total
    precision = matched_total / found_total
    accuracy = right_total / matched_total
    print(
        f"\nquotes test set: {len(CASES)} articles, {expected_total} quotations: "
        f"recall {recall:.3f}, precision {precision:.3f}, speaker accuracy {accuracy:.3f}"
    )
    assert recall >= 0.95
    assert precision >= 0.95
    assert accuracy >= 0.90


# --------------------------------------------------------------------------
# The seed article, through the real plain-text parser


SEED_EXPECTED = [
    ("nuances", "Vladimir Putin"),
    ("thorough analysis.", "Vladimir Putin"),
    (
        "The idea itself is the right one, and we certainly support it, but there are issues "
        "that need to be discussed,",
        "Vladimir Putin",
    ),
    (
        "We should talk to our American colleagues, maybe in a call with President Trump.",
        "Vladimir Putin",
    ),
    (
        "The proposed temporary ceasefire in Ukraine is nothing more than a reprieve for the "
        "Ukrainian military,",
        "Yuri Ushakov",
    ),
    (
        "If we stop fighting for 30 days, what does that mean? That everyone there gets to leave "
        "without a fight?",
        "Vladimir Putin",
    ),
    (
        "Crimea, Sevastopol, Kherson, Zaporizhzhia, Donetsk, Luhansk\u2014these are regions of "
        "Russia. They are written into the constitution. This is a given fact,",
        "Dmitry Peskov",
    ),
    (
        "Russia does not accept the deployment of foreign armed forces in Ukraine,",
        "Maria Zakharova",
    ),
    ("If this happens, Moscow will respond with all available means.", "Maria Zakharova"),
    ("As Trump said, they hold high cards in their hands,", "Alexander Lukashenko"),
    (
        "If Russia starts winning this game, then an agreement will be reached.",
        "Alexander Lukashenko",
    ),
]


def test_seed_golden() -> None:
    from reader.core.analysis.document import parse_text

    doc = parse_text(SEED.read_text(encoding="utf-8"))
    assert pairs(doc) == SEED_EXPECTED


def test_seed_golden_without_the_parser() -> None:
    """The same article split on blank lines: the tail is then still in the body."""
    doc = make_doc(SEED.read_text(encoding="utf-8"))
    assert pairs(doc) == SEED_EXPECTED


def test_speakers_in_order_of_appearance() -> None:
    doc = make_doc(SEED.read_text(encoding="utf-8"))
    assert speakers(find_quotes(doc)) == [
        "Vladimir Putin",
        "Yuri Ushakov",
        "Dmitry Peskov",
        "Maria Zakharova",
        "Alexander Lukashenko",
    ]


# --------------------------------------------------------------------------
# Marks and offsets


def test_offsets_include_the_marks() -> None:
    doc = doc_of("Ana Petrov said: \u201cYes, indeed.\u201d Then she left.")
    (quote,) = find_quotes(doc)
    text = doc.blocks[0].text
    assert text[quote.start : quote.end] == "\u201cYes, indeed.\u201d"
    assert quote.text == "Yes, indeed."
    assert quote.paragraph == 0 and quote.last_paragraph is None


def test_multi_paragraph_offsets() -> None:
    doc = doc_of(
        "\u201cFirst part of it.",
        "\u201cSecond part,\u201d said Ana Petrov.",
    )
    (quote,) = find_quotes(doc)
    assert (quote.paragraph, quote.last_paragraph) == (0, 1)
    assert doc.blocks[1].text[: quote.end].endswith("\u201d")
    assert quote.text == "First part of it.\nSecond part,"
    assert quote.speaker == "Ana Petrov"


def test_unclosed_quote_not_continued_is_dropped() -> None:
    doc = doc_of("He said \u201cthis never ends.", "Nothing else here.")
    assert find_quotes(doc) == []


@pytest.mark.parametrize(
    "text",
    [
        "We don't know, the '90s were odd and rock 'n' roll lives.",
        "Riverside's fans and Putin\u2019s aides met at the players\u2019 union.",
        'He stands 5\'11" and she is 6\'2" tall; a 12" record.',
        "The \u201990s and rock \u2019n\u2019 roll \u2018tis the season.",
        "Students' and teachers' unions agreed.",
    ],
)
def test_apostrophes_are_not_quotes(text: str) -> None:
    assert find_quotes(doc_of(text)) == []


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("Ana Petrov said \u00abwe will see\u00bb.", "we will see"),
        ("Ana Petrov said \u201ewe will see\u201c.", "we will see"),
        ("Ana Petrov said \u201ewe will see\u201d.", "we will see"),
        ('Ana Petrov said "we will see".', "we will see"),
        ("Ana Petrov said \u201dwe will see\u201d.", "we will see"),
        ("Ana Petrov said \u00bbwe will see\u00ab.", "we will see"),
        ("Ana Petrov said 'we will see'.", "we will see"),
    ],
)
def test_mark_styles(text: str, inner: str) -> None:
    assert pairs(doc_of(text)) == [(inner, "Ana Petrov")]


def test_inch_mark_inside_a_quote_does_not_close_it() -> None:
    doc = doc_of('"He is 6\'2" and fast," coach Ana Petrov said.')
    assert pairs(doc) == [("He is 6'2\" and fast,", "Ana Petrov")]


def test_nested_single_quote_inside_double() -> None:
    doc = doc_of("\u201cHe told me \u2018never again\u2019 and meant it,\u201d Ana Petrov said.")
    found = pairs(doc)
    assert found[0] == ("He told me \u2018never again\u2019 and meant it,", "Ana Petrov")
    assert found[1][0] == "never again"


# --------------------------------------------------------------------------
# Attribution rules


@pytest.mark.parametrize(
    "text",
    [
        "\u201cWe are ready,\u201d Ana Petrov said.",
        "\u201cWe are ready,\u201d said Ana Petrov.",
        "Ana Petrov stated: \u201cWe are ready.\u201d",
        "Ana Petrov told reporters on Monday that \u201cwe are ready.\u201d",
        "According to Ana Petrov, the team \u201cis ready.\u201d",
        "\u201cWe are ready,\u201d according to Ana Petrov.",
        "\u201cWe are ready,\u201d Ana Petrov, the club captain, said.",
        "Ana Petrov, who leads the club, said \u201cwe are ready.\u201d",
        "\u201cAre we ready?\u201d asked Ana Petrov.",
    ],
)
def test_speech_verb_positions(text: str) -> None:
    (quote,) = find_quotes(doc_of(text))
    assert quote.speaker == "Ana Petrov"


def test_short_name_expands_to_first_full_mention() -> None:
    doc = doc_of(
        "Harbour spokesman Dmitri Orlov arrived late.",
        "\u201cSorry,\u201d Orlov said.",
    )
    assert pairs(doc) == [("Sorry,", "Dmitri Orlov")]


def test_name_inside_quote_is_not_the_speaker() -> None:
    doc = doc_of(
        "Mira Holt and Jonas Feld met.",
        "\u201cAs Feld said, it is late,\u201d Holt noted.",
    )
    assert pairs(doc) == [("As Feld said, it is late,", "Mira Holt")]


def test_pronoun_resolves_to_sentence_subject_not_object() -> None:
    doc = doc_of(
        "Mira Holt met Jonas Feld on Friday.",
        "\u201cIt went well,\u201d she said.",
    )
    assert pairs(doc) == [("It went well,", "Mira Holt")]


def test_scare_quote_without_speech_verb_has_no_speaker() -> None:
    doc = doc_of("The so-called \u201cpeace plan\u201d was shelved by the council.")
    assert pairs(doc) == [("peace plan", None)]


def test_unnamed_speaker_stays_unnamed() -> None:
    doc = doc_of("Mira Holt spoke first.", "\u201cNo comment,\u201d a spokesperson said.")
    assert pairs(doc) == [("No comment,", None)]


def test_follow_on_stops_at_a_new_topic() -> None:
    doc = doc_of(
        "\u201cWe won,\u201d Mira Holt said.",
        "Jonas Feld disagreed with the referee.",
        "\u201cIt was offside.\u201d",
    )
    assert pairs(doc) == [("We won,", "Mira Holt"), ("It was offside.", None)]


def test_blockquote_attribution() -> None:
    block = Block(
        "blockquote", (Span("\u201cStay curious.\u201d"),), attribution="\u2014 Ada Quill"
    )
    doc = Document("t", blocks=(block,))
    assert pairs(doc) == [("Stay curious.", "Ada Quill")]


# --------------------------------------------------------------------------
# Robustness


def _check(doc: Document) -> list[Quote]:
    quotes = find_quotes(doc)
    for quote in quotes:
        assert 0 <= quote.paragraph < len(doc.blocks)
        first = doc.blocks[quote.paragraph].text
        last = doc.blocks[quote.final_paragraph].text
        assert 0 <= quote.start < len(first)
        assert 0 < quote.end <= len(last)
        if quote.last_paragraph is None:
            assert quote.start < quote.end
            inner_end = quote.start + 1 + len(quote.text)
            assert first[quote.start + 1 : inner_end] == quote.text
            closing = first[inner_end : quote.end]  # one mark, or ’’ in wire copy
            assert closing == "\u2019\u2019" or len(closing) == 1, closing
        else:
            assert quote.last_paragraph > quote.paragraph
    keys = [(q.paragraph, q.start) for q in quotes]
    assert keys == sorted(keys)
    return quotes


def test_empty_documents() -> None:
    assert find_quotes(Document("")) == []
    assert find_quotes(doc_of("")) == []
    assert find_quotes(doc_of('"', "\u201c", "''", '""')) == []


def test_many_unbalanced_marks_stay_linear() -> None:
    text = "\u201c a " * 20_000 + '"x' * 20_000 + "'" * 10_000
    _check(doc_of(text, text))


_ALPHABET = st.sampled_from(
    list("ab Zq.,:;!?-\u2014\n0123456789 ")
    + list("\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\u201a\u2039\u203a\ufffc")
    + ["said", " Ana Petrov ", "he", " the institute ", "according to", "'s", "5'11\""]
)
_TEXT = st.lists(_ALPHABET, max_size=60).map("".join)
_KINDS = st.sampled_from(["paragraph", "heading", "blockquote", "list_item", "caption"])


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KINDS, st.lists(_TEXT, min_size=1, max_size=3)), max_size=6))
def test_never_raises_and_offsets_are_in_range(
    blocks: list[tuple[str, list[str]]],
) -> None:
    doc = Document(
        "t",
        blocks=tuple(
            Block(
                kind,
                tuple(Span(text) for text in spans),
                attribution="x" if kind == "caption" else None,
            )
            for kind, spans in blocks
        ),
    )
    _check(doc)


def test_code_blocks_hold_no_quotations() -> None:
    doc = Document("t", blocks=(Block("preformatted", (Span('print("hello")'),)),))
    assert find_quotes(doc) == []


def test_possessive_before_a_quote_names_a_show() -> None:
    doc = doc_of("Mira Holt told CBC\u2019s \u201cThe Morning Hour\u201d that she would run.")
    assert pairs(doc) == [("The Morning Hour", None)]


def test_html_through_the_real_parser() -> None:
    from reader.core.analysis.document import parse_html

    html = (
        "<p>Mayor <a href='/p/1'>Lena Corvo</a> said the plan was "
        "&ldquo;<em>dead on arrival</em>.&rdquo;</p>"
        "<p>&ldquo;We will not build it,&rdquo; <strong>Corvo</strong> said. "
        "&ldquo;Not this year.</p><p>&ldquo;Maybe next.&rdquo;</p>"
    )
    doc = parse_html(html)
    quotes = _check(doc)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("dead on arrival.", "Lena Corvo"),
        ("We will not build it,", "Lena Corvo"),
        ("Not this year.\nMaybe next.", "Lena Corvo"),
    ]
    assert quotes[2].last_paragraph == quotes[2].paragraph + 1


def test_a_councillors_title_is_not_part_of_her_name() -> None:
    from reader.core.analysis.document import parse_text

    doc = parse_text(
        "Title\n\n“We asked what it would cost,” said Councillor Odile Frankopan-Reyes. "
        "“It was less than we feared,” she added."
    )
    assert [q.speaker for q in find_quotes(doc)] == ["Odile Frankopan-Reyes"] * 2
