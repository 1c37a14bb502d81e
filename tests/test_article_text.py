"""How an article reads outside the app and in it: quotations and their speakers."""

from __future__ import annotations

from reader.core.document import parse_text
from reader.core.quotes import find_quotes
from reader.ui.article_text import block_text


def rendered(text: str) -> list[str]:
    doc = parse_text("Title\n\n" + text)
    quotes = find_quotes(doc)
    return [block_text(block, i, quotes).plain for i, block in enumerate(doc.blocks)]


def test_the_speaker_is_named_once_at_the_end_of_the_sentence() -> None:
    (line,) = rendered(
        "“The ones that last are the town hall,” she said, according to Ada Brook's notes. "
        "Then the meeting ended."
    )
    assert line.count("—") <= 1


def test_label_follows_the_attribution_not_the_quote() -> None:
    (line,) = rendered("Ada Brook spoke first. “We won,” she said. The crowd cheered.")
    assert "“We won,” she said. — Ada Brook The crowd cheered." in line


def test_interrupted_quotation_is_labelled_once_after_its_last_part() -> None:
    (line,) = rendered("“We played well,” Idris Okafor said, “but not well enough.” Then he left.")
    assert line.endswith("“but not well enough.” — Idris Okafor Then he left.")
    assert line.count("— Idris Okafor") == 1


def test_markup_in_a_speaker_or_quote_is_shown_as_written() -> None:
    (line,) = rendered("“[bold]x[/] is fine,” said Ada Brook.")
    assert "“[bold]x[/] is fine,” said Ada Brook. — Ada Brook" in line
