"""The pinned headless commands and their JSON shapes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import FeedServer, rss

FEED_KEYS = {"id", "title", "url", "unread", "total", "error"}
ARTICLE_KEYS = {
    "id",
    "feed_id",
    "feed_title",
    "title",
    "link",
    "author",
    "published",
    "read",
    "bookmarked",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_database_lists_the_seed_feeds(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "feeds", "--json")
    assert code == 0
    feeds = json.loads(out)
    assert len(feeds) >= 3
    assert all(set(feed) == FEED_KEYS for feed in feeds)
    assert sum(feed["total"] for feed in feeds) >= 13
    assert all(feed["unread"] == feed["total"] and feed["error"] is None for feed in feeds)


def test_articles_show_and_mark(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "articles", "--json")
    articles = json.loads(out)
    assert code == 0 and all(set(a) == ARTICLE_KEYS for a in articles)
    seed = next(a for a in articles if a["title"].startswith("Putin Does Not Fully Support"))
    assert seed["read"] is False and seed["published"] is None
    dated = [a["published"] for a in articles if a["published"]]
    assert dated == sorted(dated, reverse=True), "newest first"

    code, out, _ = run(capsys, "--db", str(db_path), "show", seed["id"], "--plain")
    assert code == 0
    assert out.startswith("Putin Does Not Fully Support U.S. Ceasefire Proposal for Ukraine")
    assert "“The idea itself is the right one" in out
    assert "\x1b" not in out

    code, out, _ = run(capsys, "--db", str(db_path), "mark", seed["id"])
    assert code == 0 and "marked 1" in out
    _, out, _ = run(capsys, "--db", str(db_path), "articles", "--unread", "--json")
    assert seed["id"] not in {a["id"] for a in json.loads(out)}
    run(capsys, "--db", str(db_path), "mark", "--unread", seed["id"])
    _, out, _ = run(capsys, "--db", str(db_path), "articles", "--feed", seed["feed_id"], "--json")
    assert [a["read"] for a in json.loads(out)] == [False]


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_add_a_url_served_over_http(
    db_path: Path, capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    feed_server.serve(
        "/news.xml",
        rss("Loopback News", [("n1", "Harbour reopens", "<p>“Open,” said Ada Brook.</p>")]),
        **{"Content-Type": "application/rss+xml", "ETag": '"v1"'},
    )
    code, out, _ = run(capsys, "--db", str(db_path), "add", feed_server.url("/news.xml"))
    assert code == 0
    assert out.startswith("added Loopback News") and "1 articles" in out
    _, out, _ = run(capsys, "--db", str(db_path), "feeds", "--json")
    feed = next(f for f in json.loads(out) if f["title"] == "Loopback News")
    assert feed["url"] == feed_server.url("/news.xml") and feed["total"] == 1

    code, out, _ = run(capsys, "--db", str(db_path), "refresh", feed["id"])
    assert code == 0 and "refreshed 1 feeds: 0 new, 1 not modified, 0 failed" in out
    assert feed_server.requests[-1][1].get("If-None-Match") == '"v1"'


def test_add_a_folder_of_documents(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Plain title\n\nA paragraph of text.\n")
    (folder / "b.md").write_text("# Markdown title\n\nSome *text*.\n")
    (folder / "c.html").write_text("<html><head><title>Html title</title></head><p>x</p></html>")
    (folder / "ignored.bin").write_bytes(b"\x00")
    code, out, _ = run(capsys, "--db", str(db_path), "add", str(folder))
    assert code == 0 and "3 articles" in out
    _, out, _ = run(capsys, "--db", str(db_path), "articles", "--json")
    titles = {a["title"] for a in json.loads(out)}
    assert {"Plain title", "Markdown title", "Html title"} <= titles


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "nope"], "nope"),
        (["add", "/no/such/feed.xml"], "/no/such/feed.xml"),
        (["add", "ftp://example.org/feed"], "ftp://example.org/feed"),
        (["mark", "missing-id"], "missing-id"),
        (["articles", "--feed", "nofeed"], "nofeed"),
    ],
)
def test_errors_are_one_line_naming_the_input(
    db_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, _, err = run(capsys, "--db", str(db_path), *argv)
    assert code == 1
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_a_file_that_is_not_a_feed_is_refused(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"this is not xml at all")
    run(capsys, "--db", str(db_path), "feeds")

    def data() -> dict[str, bytes]:
        return {
            str(p.relative_to(db_path)): p.read_bytes()
            for p in db_path.rglob("*.json")  # backups (.bak) may be refreshed; data may not
        }

    before = data()
    code, _, err = run(capsys, "--db", str(db_path), "add", str(junk))
    assert code == 1 and "junk.xml" in err and "not a feed" in err
    assert data() == before


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["articles", "--bogus"])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_python_dash_m_reader_runs(db_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--db", str(db_path), "feeds", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_a_failed_refresh_is_kept_on_the_feed_with_its_time(
    db_path: Path, capsys: pytest.CaptureFixture[str], feed_server: FeedServer
) -> None:
    feed_server.serve("/f.xml", rss("Flaky", [("a", "Kept", "<p>kept</p>")]))
    run(capsys, "--db", str(db_path), "add", feed_server.url("/f.xml"))
    feed_server.serve("/f.xml", b"oops", status=500)
    code, out, err = run(capsys, "--db", str(db_path), "refresh")
    assert code == 0 and "1 failed" in out and "HTTP 500" in err
    _, out, _ = run(capsys, "--db", str(db_path), "feeds", "--json")
    flaky = next(f for f in json.loads(out) if f["title"] == "Flaky")
    assert "HTTP 500" in flaky["error"]
    assert re.search(r"\(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", flaky["error"]), flaky["error"]
    assert flaky["total"] == 1
