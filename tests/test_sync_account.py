"""The [sync] settings, the password, start-up with an account, and hostile servers."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.cli import main
from reader.core.errors import SyncAuthError
from reader.core.library import open_library
from reader.core.settings import SyncAccount, load_settings
from reader.core.sync.account import password_of
from reader.core.sync.engine import run_sync
from tests.conftest import frozen_clock
from tests.sync_server import MemoryBackend, ServerModel

GOOD = '[sync]\nkind = "ttrss"\nurl = "http://127.0.0.1:9/tt-rss"\nuser = "admin"\n'


def test_the_sync_table_is_read_from_the_settings_file_under_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("READER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["config", "path"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == tmp_path / "xdg" / "reader-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(GOOD + 'password_command = "echo s3cret"\ninterval = 5\n')
    settings, warnings = load_settings()
    assert warnings == []
    assert settings.sync == SyncAccount(
        "ttrss", "http://127.0.0.1:9/tt-rss/", "admin", None, "echo s3cret", 5
    )
    assert password_of(settings.sync) == "s3cret"


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ('[sync]\nkind = "newsblur"\nurl = "http://x/"\nuser = "a"\npassword = "p"\n', "sync.kind"),
        ('[sync]\nkind = "ttrss"\nurl = "ftp://x/"\nuser = "a"\npassword = "p"\n', "sync.url"),
        (GOOD, "set password_command"),
        ("sync = 3\n", "[sync] must be a table"),
    ],
)
def test_a_broken_sync_table_turns_sync_off_with_one_warning(
    tmp_path: Path, text: str, warning: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    settings, warnings = load_settings(path)
    assert settings.sync is None
    assert len(warnings) == 1 and warning in warnings[0] and "sync is off" in warnings[0]


def test_a_failing_password_command_is_one_line() -> None:
    account = SyncAccount("ttrss", "http://x/", "a", password_command="echo nope >&2; exit 3")
    with pytest.raises(SyncAuthError, match="exited with 3: nope"):
        password_of(account)


def test_the_password_never_reaches_the_database_folder(tmp_path: Path) -> None:
    model = ServerModel()
    feed = model.add_feed("https://news.example/f.xml", "News")
    model.add_article(feed, "One")
    account = SyncAccount("greader", "http://127.0.0.1:9/", "alice", password="hunter2-secret")
    library = open_library(tmp_path / "db", clock=frozen_clock, sync=account)
    run_sync(library.store, MemoryBackend(model), "2026-11-27T12:00:00+00:00")
    library.mark([a.id for a in library.store.articles()])
    library.close()
    for path in (tmp_path / "db").rglob("*"):
        if path.is_file():
            assert b"hunter2-secret" not in path.read_bytes(), path


def test_start_up_with_an_account_and_the_server_down_touches_no_network(tmp_path: Path) -> None:
    """The app and the CLI open the store only; the sync code loads on the first sync."""
    config = tmp_path / "config.toml"
    config.write_text(GOOD + 'password_command = "exit 1"\n')
    code = (
        "import sys, time\n"
        "from reader.core.library import open_library\n"
        "from reader.core.settings import load_settings\n"
        f"settings, _ = load_settings(__import__('pathlib').Path({str(config)!r}))\n"
        f"library = open_library({str(tmp_path / 'db')!r}, sync=settings.sync, seed=False)\n"
        "print(library.sync_status().configured, library.sync_status().line() == '')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'httpx'"
        " or m.startswith('reader.core.sync.') and m != 'reader.core.sync.status'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["True True", "[]"]


# -- hostile servers ---------------------------------------------------------------------


class Garbage:
    """A server that answers every request with the same body."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        garbage = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(size)
                self.send_response(status)
                self.send_header("Content-Length", str(len(garbage.body)))
                self.end_headers()
                self.wfile.write(garbage.body)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's names

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

        self.body = body
        self.httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


BODIES = [
    b"<html><body>It works!</body></html>",
    b'{"status": 0, "content": "\x1b[31m[bold]"}',
    b"[1, 2, 3]",
    b'{"status": 0, "content": {"session_id": 7}}',
    b'{"status": 0, "content": {"session_id": "abc"}}',  # then lists that are not lists
    b"\xff\xfe\x00garbage",
    b"SID=x\nAuth=" + b"A" * 100 + b"\n",
]


@pytest.fixture(params=range(len(BODIES)))
def garbage(request: pytest.FixtureRequest) -> Iterator[Garbage]:
    server = Garbage(BODIES[request.param])
    yield server
    server.close()


@pytest.mark.parametrize("kind", ["ttrss", "greader"])
def test_garbage_answers_are_one_line_and_change_nothing(
    garbage: Garbage,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.toml"
    port = garbage.httpd.server_port
    config.write_text(
        f'[sync]\nkind = "{kind}"\nurl = "http://127.0.0.1:{port}/"\nuser = "a"\npassword = "p"\n'
    )
    monkeypatch.setenv("READER_CONFIG", str(config))
    db = str(tmp_path / "db")
    assert main(["--db", db, "feeds", "--json"]) == 0
    before = capsys.readouterr().out
    assert main(["--db", db, "sync", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("reader: ")
    assert "internal error" not in err and "\x1b" not in err
    assert main(["--db", db, "feeds", "--json"]) == 0
    assert capsys.readouterr().out == before


def test_hostile_titles_from_the_server_are_clean_text(tmp_path: Path) -> None:
    model = ServerModel()
    feed = model.add_feed("https://news.example/f.xml", "\x1b[2J[bold]Feed[/")
    model.add_article(feed, "\x1b]0;owned\x07[@click=app.quit]Title", "<script>x</script>")
    account = SyncAccount("greader", "http://127.0.0.1:9/", "alice", password="p")
    library = open_library(tmp_path / "db", clock=frozen_clock, sync=account)
    run_sync(library.store, MemoryBackend(model), "2026-11-27T12:00:00+00:00")
    (summary,) = [f for f in library.feeds() if f.feed.remote_id]
    (article,) = library.store.articles(summary.feed.id)
    for text in (summary.feed.title, article.title):
        assert "\x1b" not in text and "\x07" not in text
    assert "[@click=app.quit]Title" in article.title  # kept as text; widgets show it as text
    assert "script" not in library.document(article.id).text
    library.close()


def test_sync_without_an_account_says_where_to_set_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("READER_CONFIG", str(tmp_path / "none.toml"))
    assert main(["--db", str(tmp_path / "db"), "sync"]) == 1
    err = capsys.readouterr().err
    assert err == f"reader: no [sync] account in {tmp_path / 'none.toml'}\n"
