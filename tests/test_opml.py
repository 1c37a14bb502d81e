"""OPML import and export: folders, round trip, hostile and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main
from reader.core.errors import SourceError
from reader.core.ingest.opml import OpmlFeed, parse_opml, write_opml
from reader.core.library import open_library
from tests.conftest import FROZEN_NOW, FeedServer, rss

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Mine</title></head>
  <body>
    <outline text="News">
      <outline text="World">
        <outline type="rss" text="Quay &amp; Harbour" xmlUrl="https://quay.example/rss"
                 htmlUrl="https://quay.example/"/>
      </outline>
      <outline type="rss" text="Ledger" xmlUrl="https://ledger.example/atom"/>
    </outline>
    <outline type="rss" title="Top" text="ignored" xmlUrl="http://top.example/feed"/>
    <outline type="rss" text="Duplicate" xmlUrl="http://top.example/feed"/>
    <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
    <outline text="Empty folder"/>
  </body>
</opml>"""


def test_nested_outlines_become_folders() -> None:
    assert parse_opml(NESTED) == [
        OpmlFeed(
            "https://quay.example/rss", "Quay & Harbour", "News/World", "https://quay.example/"
        ),
        OpmlFeed("https://ledger.example/atom", "Ledger", "News"),
        OpmlFeed("http://top.example/feed", "Top", ""),
    ]


def test_round_trip_through_two_databases(tmp_path: Path) -> None:
    first = open_library(tmp_path / "one", seed=False)
    try:
        assert len(first.import_opml(NESTED)) == 3
        assert first.import_opml(NESTED) == []  # already subscribed: nothing new
        exported = first.export_opml()
    finally:
        first.close()
    assert exported.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    second = open_library(tmp_path / "two", seed=False)
    try:
        second.import_opml(exported.encode())
        again = second.export_opml()
        feeds = {(f.feed.url, f.feed.title, f.feed.folder) for f in second.feeds()}
    finally:
        second.close()
    assert feeds == {(f.url, f.title, f.folder) for f in parse_opml(NESTED)}
    assert again.split("<body>")[1] == exported.split("<body>")[1]


def test_export_nests_folders() -> None:
    text = write_opml(
        [OpmlFeed("https://a.example/", "A", "X/Y"), OpmlFeed("https://b.example/", "B", "X")],
        FROZEN_NOW,
    )
    body = text.split("<body>")[1]
    assert body.index('text="X"') < body.index('"B"') < body.index('text="Y"') < body.index('"A"')
    assert parse_opml(text.encode())[0].folder in ("X", "X/Y")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<opml><body><outline text='x'", "not well-formed"),
        (b"<html><body/></html>", "not <opml>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY lol "lol">]>'
            b'<opml><body><outline xmlUrl="http://x/&lol;"/></body></opml>',
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>',
            "DOCTYPE",
        ),
    ],
)
def test_broken_or_hostile_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse_opml(data, "feeds.opml")


def test_cli_broken_file_gives_one_line_and_imports_nothing(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.opml"
    broken.write_bytes(NESTED[:-40])
    assert main(["--db", str(db_path), "opml", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.opml" in err and "not well-formed" in err
    assert main(["--db", str(db_path), "opml", "export"]) == 0
    assert "xmlUrl" not in capsys.readouterr().out  # the seeds are local: no http feed


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_cli_import_refresh_and_export(
    db_path: Path, tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.serve("/a.xml", rss("Alpha", [("1", "One", "<p>1</p>")]))
    feed_server.serve("/b.xml", rss("Beta", [("2", "Two", "<p>2</p>")]))
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Folder">'
        f'<outline text="A" xmlUrl="{feed_server.url("/a.xml")}"/></outline>'
        f'<outline text="B" xmlUrl="{feed_server.url("/b.xml")}"/></body></opml>'
    )
    assert main(["--db", str(db_path), "opml", "import", str(opml)]) == 0
    assert "imported 2 new feeds" in capsys.readouterr().out
    assert feed_server.requests == []  # imports only
    assert main(["--db", str(db_path), "opml", "import", str(opml), "--refresh"]) == 0
    assert "imported 0 new feeds" in capsys.readouterr().out and feed_server.requests == []
    out_file = tmp_path / "out.opml"
    assert main(["--db", str(db_path), "opml", "export", "--output", str(out_file)]) == 0
    exported = parse_opml(out_file.read_bytes())
    assert {(f.title, f.folder) for f in exported} == {("A", "Folder"), ("B", "")}

    fresh = tmp_path / "fresh"
    assert main(["--db", str(fresh), "opml", "import", str(opml), "--refresh"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 new feeds" in out and "refreshed 2 feeds: 2 new, 0 not modified" in out
