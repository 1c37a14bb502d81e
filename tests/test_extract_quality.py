"""What `reader extract` makes of real pages (issue 17): the headline the page shows
its reader. Small real pages, trimmed from the DEV part of bench/extraction.py's 2023
news set and from fundus's test pages (each file says where from)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.cli import main

PAGES = Path(__file__).parent / "data" / "full_text"


def extracted(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> dict[str, str]:
    assert main(["--db", str(tmp_path / "db"), "extract", str(PAGES / name), "--json"]) == 0
    data: dict[str, str] = json.loads(capsys.readouterr().out)
    return data


def test_the_title_is_the_headline_the_page_shows_not_its_social_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # science.org: og:title and <title> carry the deck; the page's one <h1> is the headline.
    data = extracted(tmp_path, capsys, "science_quantum_phantom.html")
    assert data["title"] == "The quantum phantom"
    assert data["text"].split("\n\n")[0].startswith("Santa Barbara, California")


def test_a_topic_above_the_headline_is_not_made_part_of_the_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # der Freitag: the <h1> is "Kultur : <headline>"; the headline alone is the title.
    data = extracted(tmp_path, capsys, "freitag_topic_above_headline.html")
    assert data["title"] == "Ehrengast der Frankfurter Buchmesse: Was lesen die Philippinen?"


def test_a_box_after_a_short_article_is_not_taken_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # HuffPost: six one-line paragraphs, each in its own <div>, then a longer "Support
    # HuffPost" box. trafilatura's own second opinion (a copy of readability) swapped
    # the article for the box; its fast mode keeps the article.
    data = extracted(tmp_path, capsys, "huffpost_sheen_support_box.html")
    paragraphs = data["text"].split("\n\n")
    assert paragraphs[0].startswith("LOS ANGELES (AP) — Charlie Sheen’s neighbor was arrested")
    assert paragraphs[-1].startswith("Sheen, 58, is known for his role")
    assert "HuffPost" not in data["text"]


def test_the_body_is_the_one_about_the_headline_not_a_box_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # MacRumors: the article's lines are split by <br>, not <p>, so trafilatura reads the
    # "Guides" box beside it; readability's lead names the headline's words, the box's not.
    data = extracted(tmp_path, capsys, "macrumors_guides_box.html")
    assert data["text"].startswith("Following the 16-inch MacBook Pro, Apple plans to release")
    assert "Night mode" not in data["text"]
