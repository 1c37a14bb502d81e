"""`reader sync` against real servers: the Google Reader fake and, in CI, Debian's tt-rss
(``scripts/ttrss-up``). The same scenarios run against both: two databases as two
machines, a server change against a pending local change, the server down or stopped
mid-sync, a forgotten session, a wrong password, and a kill during a sync."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from reader.core.library import open_library
from reader.core.sync.account import open_backend
from tests.conftest import frozen_clock
from tests.sync_rigs import GreaderRig, TtrssRig

Rig = GreaderRig | TtrssRig


@pytest.fixture(
    params=["greader", pytest.param("ttrss", marks=[pytest.mark.ttrss, pytest.mark.slow])]
)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    if request.param == "ttrss" and not os.environ.get("TTRSS_URL"):
        if os.environ.get("CI"):
            pytest.fail("TTRSS_URL is not set: CI must run scripts/ttrss-up first")
        pytest.skip("no tt-rss here (run scripts/ttrss-up as root and export its lines)")
    made: Rig = GreaderRig() if request.param == "greader" else TtrssRig()
    yield made
    made.close()


def configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rig: Rig, password: str = ""
) -> None:
    account = rig.account()
    secret = password or account.password or ""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[sync]\nkind = "{account.kind}"\nurl = "{account.url}"\nuser = "{account.user}"\n'
        f"password_command = \"printf '%s\\\\n' '{secret}'\"\n"
    )
    monkeypatch.setenv("READER_CONFIG", str(path))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def local(db: Path, remote_id: str) -> str:
    library = open_library(db, clock=frozen_clock, readonly=True)
    try:
        return next(a.id for a in library.store.articles() if a.remote_id == remote_id)
    finally:
        library.close()


def state(db: Path) -> dict[str, tuple[bool, bool]]:
    """remote id -> (read, starred) in database ``db``, from the CLI's JSON."""
    library = open_library(db, clock=frozen_clock, readonly=True)
    try:
        starred = library.bookmarked_article_ids()
        return {
            a.remote_id: (library.is_read(a.id), a.id in starred)
            for a in library.store.articles()
            if a.remote_id
        }
    finally:
        library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_two_machines_share_read_marks_and_stars(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    ids = rig.new_feed("world", 4)
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    code, out, err = cli(capsys, "--db", a, "sync", "--json")
    assert (code, err) == (0, "")
    summary = json.loads(out)
    assert set(summary) == {"pulled", "pushed", "waiting"} and summary["pulled"] >= 5
    assert cli(capsys, "--db", a, "mark", local(Path(a), ids[0]))[0] == 0
    assert cli(capsys, "--db", a, "bookmarks", "add", local(Path(a), ids[1]))[0] == 0
    code, out, _ = cli(capsys, "--db", a, "sync", "--json")
    assert json.loads(out) == {"pulled": 0, "pushed": 2, "waiting": 0}
    assert cli(capsys, "--db", b, "sync")[0] == 0
    assert state(Path(b))[ids[0]] == (True, False) and state(Path(b))[ids[1]] == (False, True)
    code, out, _ = cli(capsys, "--db", b, "bookmarks", "list", "--json")
    assert [item["article_id"] for item in json.loads(out)] == [local(Path(b), ids[1])]
    # B unstars and marks unread; A follows.
    listed = json.loads(out)[0]["id"]
    assert cli(capsys, "--db", b, "bookmarks", "remove", listed)[0] == 0
    assert cli(capsys, "--db", b, "mark", "--unread", local(Path(b), ids[0]))[0] == 0
    assert cli(capsys, "--db", b, "sync")[0] == 0
    assert cli(capsys, "--db", a, "sync")[0] == 0
    assert state(Path(a))[ids[0]] == (False, False) and state(Path(a))[ids[1]] == (False, False)
    assert state(Path(a)) == state(Path(b))


def test_a_pending_local_change_beats_the_server_and_the_rest_is_the_servers(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    ids = rig.new_feed("local-wins", 3)
    db = str(tmp_path / "a")
    assert cli(capsys, "--db", db, "sync")[0] == 0
    article = local(Path(db), ids[0])
    assert cli(capsys, "--db", db, "mark", article)[0] == 0
    assert cli(capsys, "--db", db, "mark", "--unread", article)[0] == 0  # pending: unread
    rig.set_flag(ids[0], "read", True)  # meanwhile on another machine
    rig.set_flag(ids[1], "read", True)
    rig.set_flag(ids[2], "star", True)
    assert cli(capsys, "--db", db, "sync")[0] == 0
    unread, starred = rig.flags()
    assert ids[0] in unread  # ours won: it was not acknowledged yet
    assert state(Path(db))[ids[0]] == (False, False)
    assert state(Path(db))[ids[1]] == (True, False) and state(Path(db))[ids[2]] == (False, True)
    assert starred == {ids[2]}


def test_offline_marks_queue_and_go_out_when_the_server_is_back(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    ids = rig.new_feed("offline", 3)
    db = str(tmp_path / "a")
    assert cli(capsys, "--db", db, "sync")[0] == 0
    rig.proxy.down = True
    assert cli(capsys, "--db", db, "mark", local(Path(db), ids[0]))[0] == 0
    assert cli(capsys, "--db", db, "bookmarks", "add", local(Path(db), ids[1]))[0] == 0
    before = state(Path(db))
    code, out, err = cli(capsys, "--db", db, "sync", "--json")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "cannot reach the server" in err and "Traceback" not in err
    assert state(Path(db)) == before
    library = open_library(db, clock=frozen_clock, sync=rig.account())
    assert library.sync_status().line() == "2 changes waiting"
    library.close()
    rig.proxy.down = False
    code, out, _ = cli(capsys, "--db", db, "sync", "--json")
    assert code == 0 and json.loads(out)["pushed"] == 2 and json.loads(out)["waiting"] == 0
    unread, starred = rig.flags()
    assert ids[0] not in unread and starred == {ids[1]}


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_a_server_stopped_mid_sync_changes_nothing_here(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    ids = rig.new_feed("midway", 3)
    db = str(tmp_path / "a")
    assert cli(capsys, "--db", db, "sync")[0] == 0
    rig.new_feed("midway-more", 2)
    rig.set_flag(ids[2], "read", True)
    assert cli(capsys, "--db", db, "mark", local(Path(db), ids[0]))[0] == 0
    feeds_before = cli(capsys, "--db", db, "feeds", "--json")[1]
    for fail_after in range(1, 5):  # stopped after 1, 2, 3, 4 requests
        rig.proxy.forwarded, rig.proxy.fail_after = 0, fail_after
        code, _, err = cli(capsys, "--db", db, "sync")
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert cli(capsys, "--db", db, "feeds", "--json")[1] == feeds_before
        assert state(Path(db))[ids[2]] == (False, False)
    rig.proxy.fail_after = None
    assert cli(capsys, "--db", db, "sync")[0] == 0
    unread, _ = rig.flags()
    assert ids[0] not in unread  # the mark went out on some attempt, and stayed
    assert state(Path(db))[ids[2]] == (True, False)
    feeds = json.loads(cli(capsys, "--db", db, "feeds", "--json")[1])
    assert sum(f["title"].lower().startswith("midway") for f in feeds) == 2


def test_a_forgotten_session_means_one_more_login(rig: Rig) -> None:
    ids = rig.new_feed("session", 2)
    client = open_backend(rig.account())
    try:
        client.login()
        assert ids[0] in client.unread_ids()
        rig.forget_sessions()
        client.mark_read([ids[0]], True)  # logs in again by itself
        assert ids[0] not in client.unread_ids()
    finally:
        client.close()


def test_a_wrong_password_is_one_line_and_keeps_the_queue(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    rig.new_feed("password", 1)
    db = str(tmp_path / "a")
    assert cli(capsys, "--db", db, "sync")[0] == 0
    assert cli(capsys, "--db", db, "mark", next(iter(state_ids(Path(db)))))[0] == 0
    configure(tmp_path, monkeypatch, rig, password="not-the-password")
    code, out, err = cli(capsys, "--db", db, "sync")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "refused user" in err and "not-the-password" not in err
    library = open_library(db, clock=frozen_clock, sync=rig.account())
    assert library.store.journal_size() == 1  # the queued mark is still there
    library.close()


def state_ids(db: Path) -> dict[str, str]:
    library = open_library(db, clock=frozen_clock, readonly=True)
    try:
        return {a.id: a.remote_id for a in library.store.articles() if a.remote_id}
    finally:
        library.close()


@pytest.mark.slow
def test_a_kill_during_a_sync_loses_nothing(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, monkeypatch, rig)
    ids = rig.new_feed("killed", 6)
    db = str(tmp_path / "a")
    assert cli(capsys, "--db", db, "sync")[0] == 0
    made = {local(Path(db), i): i for i in ids}
    assert cli(capsys, "--db", db, "mark", *made)[0] == 0
    for article in list(made)[:3]:
        assert cli(capsys, "--db", db, "bookmarks", "add", article)[0] == 0
    rig.new_feed("killed-more", 3)
    rig.proxy.delay = 0.15
    env = {**os.environ, "READER_CONFIG": os.environ["READER_CONFIG"]}
    for wait in (0.1, 0.35, 0.6):  # during login, the push, the pull
        child = subprocess.Popen(
            [sys.executable, "-m", "reader", "--db", db, "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(wait)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert cli(capsys, "--db", db, "db", "check")[0] == 0
        assert state(Path(db))[ids[0]][0] is True  # the local change is still here
    rig.proxy.delay = 0
    assert cli(capsys, "--db", db, "sync")[0] == 0
    unread, starred = rig.flags()
    assert not set(ids) & unread and starred == set(ids[:3])
    assert all(state(Path(db))[i] == (True, i in ids[:3]) for i in ids)


def test_every_page_of_ids_is_read(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids come a page at a time (tt-rss: pages fetched in parallel; GReader: continuations)."""
    import reader.core.sync.greader as greader
    import reader.core.sync.ttrss as ttrss

    monkeypatch.setattr(ttrss, "PAGE", 2)
    monkeypatch.setattr(greader, "IDS_PAGE", 2)
    if isinstance(rig, GreaderRig):
        rig.fake.ids_page = 2
    ids = rig.new_feed("paged", 11)
    for remote_id in ids[:4]:
        rig.set_flag(remote_id, "star", True)
    client = open_backend(rig.account())
    try:
        assert client.unread_ids() == set(ids)
        assert client.starred_ids() == set(ids[:4])
        recent = client.recent_ids(5)  # the server's newest (its own order)
        assert len(recent) == 5 and recent <= set(ids)
    finally:
        client.close()
