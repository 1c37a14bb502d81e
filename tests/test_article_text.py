"""How an article reads outside the app and in it: quotations and their speakers."""

from __future__ import annotations

from reader.core.analysis.document import parse_text
from reader.core.analysis.quotes import find_quotes
from reader.ui.article_text import SPEAKER_MARK, block_text


def rendered(text: str) -> list[str]:
    doc = parse_text("Title\n\n" + text)
    quotes = find_quotes(doc)
    return [block_text(block, i, quotes).plain for i, block in enumerate(doc.blocks)]


def test_the_speaker_is_named_on_a_line_of_their_own_below_the_paragraph() -> None:
    source = "Ada Brook spoke first. “We won,” she said. The crowd cheered."
    (block,) = rendered(source)
    words, label = block.split("\n")
    assert words == source, "the paragraph stays the article's own words"
    assert label == f"{SPEAKER_MARK} Ada Brook"


def test_an_interrupted_quotation_names_its_speaker_once() -> None:
    (block,) = rendered("“We played well,” Idris Okafor said, “but not well enough.” Then he left.")
    assert block.count("Idris Okafor") == 2  # once in the text, once on the label line
    assert block.endswith(f"Then he left.\n{SPEAKER_MARK} Idris Okafor")


def test_each_speaker_of_a_paragraph_is_named_in_order() -> None:
    (block,) = rendered("“Yes,” said Ada Brook. “No,” said Idris Okafor. “Maybe,” Brook said.")
    assert block.split("\n")[1] == f"{SPEAKER_MARK} Ada Brook · Idris Okafor"


def test_a_paragraph_without_a_named_speaker_has_no_label_line() -> None:
    (block,) = rendered("The council called it a “mistake” and moved on.")
    assert "\n" not in block and SPEAKER_MARK not in block


def test_markup_in_a_speaker_or_quote_is_shown_as_written() -> None:
    (line,) = rendered("“[bold]x[/] is fine,” said Ada Brook.")
    assert line == f"“[bold]x[/] is fine,” said Ada Brook.\n{SPEAKER_MARK} Ada Brook"
