"""Pinned commands for quotations, related links and bookmarks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import SHARED_SEED

QUOTE_KEYS = {"article", "paragraph", "text", "speaker"}
RELATED_KEYS = {"article", "title", "url", "kind", "reason", "in_archive"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def seed_id(db: Path, capsys: pytest.CaptureFixture[str]) -> str:
    _, out, _ = run(capsys, "--db", str(db), "articles", "--json")
    return next(a["id"] for a in json.loads(out) if a["title"].startswith("Putin Does Not"))


def test_quotes_of_a_file_and_of_a_stored_article_agree(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "quotes", str(SHARED_SEED), "--json")
    from_file = json.loads(out)
    assert code == 0 and all(set(row) == QUOTE_KEYS for row in from_file)
    assert [row["speaker"] for row in from_file] == [
        "Vladimir Putin",
        "Vladimir Putin",
        "Vladimir Putin",
        "Vladimir Putin",
        "Yuri Ushakov",
        "Vladimir Putin",
        "Dmitry Peskov",
        "Maria Zakharova",
        "Maria Zakharova",
        "Alexander Lukashenko",
        "Alexander Lukashenko",
    ]
    assert from_file[0]["text"] == "nuances"
    _, out, _ = run(capsys, "--db", str(db_path), "quotes", seed_id(db_path, capsys), "--json")
    assert json.loads(out) == from_file


def test_quotes_by_speaker_searches_the_archive(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "quotes", "--speaker", "zakharova", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2
    assert {row["speaker"] for row in rows} == {"Maria Zakharova"}
    code, _, err = run(capsys, "--db", str(db_path), "quotes")
    assert code == 1 and "quotes" in err


def test_quotes_of_a_feed_file(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = Path(__file__).resolve().parent.parent / "seeds" / "harbour-ledger.rss"
    _, out, _ = run(capsys, "--db", str(db_path), "quotes", str(feed), "--json")
    rows = json.loads(out)
    assert len({row["article"] for row in rows}) >= 5
    assert sum(row["speaker"] is not None for row in rows) >= len(rows) * 0.8


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_related_json_shape_and_groups(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "related", seed_id(db_path, capsys), "--json")
    rows = json.loads(out)
    assert code == 0 and all(set(row) == RELATED_KEYS for row in rows)
    section = [row for row in rows if row["kind"] == "section"]
    assert [row["title"] for row in section] == [
        "Ukraine Loses the Kursk Pocket: Its Last Foothold in Russia",
        "U.S. and Ukraine: A New Stage in the Peace Process",
    ]
    assert all(row["url"] is None for row in section)
    archive = [row for row in rows if row["kind"] == "archive"]
    assert archive and all(row["in_archive"] and row["reason"] for row in archive)

    # A stored article whose Related block links to other stored entries.
    _, out, _ = run(capsys, "--db", str(db_path), "articles", "--json")
    kinds: set[str] = set()
    for article in json.loads(out):
        _, out, _ = run(capsys, "--db", str(db_path), "related", article["id"], "--json")
        for row in json.loads(out):
            kinds.add(row["kind"])
            if row["kind"] == "section" and row["in_archive"]:
                assert row["url"].startswith("https://")
    assert {"section", "inline", "entry", "archive", "backlink"} <= kinds


def test_related_of_a_document_file(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "related", str(SHARED_SEED), "--json")
    rows = json.loads(out)
    assert code == 0
    assert [r["kind"] for r in rows][:2] == ["section", "section"]


def test_bookmarks_add_list_export_import_round_trip(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    article = seed_id(db_path, capsys)
    assert (
        run(capsys, "--db", db, "bookmarks", "add", article, "--tag", "war", "--note", "n")[0] == 0
    )
    assert run(capsys, "--db", db, "bookmarks", "add", article, "--quote", "7")[0] == 0
    code, _, err = run(capsys, "--db", db, "bookmarks", "add", article, "--quote", "99")
    assert code == 1 and "99" in err
    _, out, _ = run(capsys, "--db", db, "bookmarks", "list", "--json")
    listed = json.loads(out)
    assert [b["kind"] for b in listed] == ["quote", "article"], "newest first"
    quote = next(b for b in listed if b["kind"] == "quote")
    assert quote["speaker"] == "Dmitry Peskov" and quote["title"].startswith("Crimea, Sevastopol")

    exported = tmp_path / "bookmarks.json"
    assert (
        run(
            capsys, "--db", db, "bookmarks", "export", "--format", "json", "--output", str(exported)
        )[0]
        == 0
    )
    code, _, err = run(
        capsys, "--db", db, "bookmarks", "export", "--format", "json", "--output", str(exported)
    )
    assert code == 1 and "--force" in err
    assert (
        run(
            capsys,
            "--db",
            db,
            "bookmarks",
            "export",
            "--format",
            "json",
            "--output",
            str(exported),
            "--force",
        )[0]
        == 0
    )

    other = str(tmp_path / "other")
    _, out, _ = run(capsys, "--db", other, "bookmarks", "import", str(exported))
    assert "imported 2 new" in out
    _, out, _ = run(capsys, "--db", other, "bookmarks", "import", str(exported))
    assert "imported 0 new" in out
    _, out, _ = run(capsys, "--db", other, "bookmarks", "list", "--json")
    assert json.loads(out) == listed

    for fmt in ("html", "md", "csv"):
        code, out, _ = run(capsys, "--db", db, "bookmarks", "export", "--format", fmt)
        assert code == 0 and "Crimea, Sevastopol" in out
    _, out, _ = run(capsys, "--db", db, "bookmarks", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["kind"] for row in rows} == {"article", "quote"}


def test_import_of_a_broken_file_is_one_line(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "reader-tui-bookmarks", "version": 1, "bookmarks": [{"id": 3}]}')
    code, _, err = run(capsys, "--db", str(db_path), "bookmarks", "import", str(broken))
    assert code == 1 and "broken.json" in err and err.count("\n") == 1


def test_quotes_and_related_keep_what_they_analysed(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """They catch up on what `add` left pending, once: the next run has nothing to do."""
    from reader.core.library import open_library

    run(capsys, "--db", str(db_path), "articles")  # the database, with its seeds
    feed = tmp_path / "more.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>More</title>'
        "<item><guid>m1</guid><title>Ferry talks</title><description>"
        "&lt;p&gt;“We are close,” said Ana Pereira.&lt;/p&gt;</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    code, _, _ = run(capsys, "--db", str(db_path), "add", str(feed))
    assert code == 0
    code, out, _ = run(capsys, "--db", str(db_path), "quotes", "--speaker", "Pereira", "--json")
    assert code == 0 and [row["text"] for row in json.loads(out)] == ["We are close,"]
    library = open_library(db_path, readonly=True)
    try:
        assert library.pending_count() == 0, "analysed and stored, not thrown away"
    finally:
        library.close()
