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
