"""The sync engine without a network: the journal, the rules, and random interleavings of
local edits, server edits and outages (property tests) over real database folders."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.core.errors import SyncUnavailable
from reader.core.library import Library, open_library
from reader.core.settings import SyncAccount
from reader.core.storage.journal import Change
from reader.core.sync import rules
from reader.core.sync.engine import run_sync
from tests.conftest import frozen_clock
from tests.sync_server import MemoryBackend, ServerModel

ACCOUNT = SyncAccount(kind="greader", url="http://127.0.0.1:9/", user="u", password="p")
NOW = frozen_clock().isoformat(timespec="seconds")


def machine(path: Path) -> Library:
    return open_library(path, clock=frozen_clock, seed=False, sync=ACCOUNT)


def sync(library: Library, model: ServerModel, who: str = "", fail_after: int | None = None):
    return run_sync(library.store, MemoryBackend(model, who, fail_after), NOW)


def flags(library: Library) -> dict[str, tuple[bool, bool]]:
    """remote id -> (read, starred) as this machine has them."""
    starred = library.bookmarked_article_ids()
    return {
        a.remote_id: (library.is_read(a.id), a.id in starred)
        for a in library.store.articles()
        if a.remote_id
    }


def server_flags(model: ServerModel) -> dict[str, tuple[bool, bool]]:
    return {i: (i not in model.unread, i in model.starred) for i in model.articles}


def local_id(library: Library, remote_id: str) -> str:
    return next(a.id for a in library.store.articles() if a.remote_id == remote_id)


@pytest.fixture
def model() -> ServerModel:
    server = ServerModel()
    feed = server.add_feed("https://news.example/feed.xml", "News", "World")
    for n in range(6):
        server.add_article(feed, f"Story {n}", f"<p>“We will rebuild,” said Ann Lee. {n}</p>")
    return server


# -- the rules --------------------------------------------------------------------------


def test_coalesce_keeps_the_last_intent_and_settles_every_row() -> None:
    changes = [
        Change(1, "read", "a1", "11"),
        Change(2, "star", "a1", "11"),
        Change(3, "unread", "a1", "11"),
        Change(4, "read", "local", ""),  # an article the server never had
        Change(5, "subscribe", "f1", "", "https://x.example/f", ""),
        Change(6, "move", "f1", "", "https://x.example/f", "Tech"),
        Change(7, "subscribe", "f2", "", "https://y.example/f", ""),
        Change(8, "unsubscribe", "f2", "", "https://y.example/f", ""),
    ]
    plan = rules.coalesce(changes, lambda target: "")
    marks = {(i.op, i.target): i.seqs for i in plan.marks}
    assert marks == {("unread", "a1"): (1, 3), ("star", "a1"): (2,)}
    assert [(i.op, i.target, i.folder, i.seqs) for i in plan.feeds] == [
        ("subscribe", "f1", "Tech", (5, 6))
    ]
    assert sorted(plan.dropped) == [4, 7, 8]


def test_a_thousand_marks_are_two_requests() -> None:
    intents = [rules.Intent("read", f"a{n}", str(n), (n,)) for n in range(1000)]
    assert [len(batch) for _, batch in rules.batches(intents)] == [500, 500]


def test_a_pinned_flag_stays_and_the_rest_follow_the_server() -> None:
    local = {"1": (False, False), "2": (False, True), "3": (True, False)}
    decided = rules.reconcile_state(local, {"3"}, {"1"}, pinned_read={"2"}, pinned_star=set())
    assert (decided.read, decided.unread, decided.star, decided.unstar) == (
        ["1"],
        ["3"],
        ["1"],
        ["2"],
    )


# -- the journal --------------------------------------------------------------------------


def test_a_mark_and_its_journal_row_are_in_the_same_file(tmp_path: Path, model) -> None:
    library = machine(tmp_path / "a")
    sync(library, model)
    article = local_id(library, "1")
    library.mark([article])
    library.bookmark(article)
    library.close()
    state = json.loads((tmp_path / "a" / "state.json").read_text())
    saved = json.loads((tmp_path / "a" / "library.json").read_text())
    assert article in state["read"]["1"]["ids"]
    assert [row[1:3] for row in state["journal"]["1"]["rows"]] == [["read", article]]
    assert [row[1:3] for row in saved["journal"]["1"]["rows"]] == [["star", article]]
    reopened = machine(tmp_path / "a")
    assert [(c.op, c.remote_id) for c in reopened.store.journal()] == [("read", "1"), ("star", "1")]
    reopened.close()


def test_without_an_account_nothing_is_journaled(tmp_path: Path) -> None:
    library = open_library(tmp_path / "db", clock=frozen_clock)
    article = library.articles()[0].id
    library.mark([article])
    library.bookmark(article)
    assert library.store.journal() == []
    assert library.sync_status().line() == ""
    library.close()


# -- the engine -----------------------------------------------------------------------------


def test_pull_brings_feeds_folders_articles_with_content_and_flags(tmp_path: Path, model) -> None:
    model.starred.add("2")
    model.unread.discard("2")
    library = machine(tmp_path / "a")
    summary = sync(library, model)
    feeds = library.feeds()
    assert [(f.feed.title, f.feed.folder, f.unread, f.total) for f in feeds] == [
        ("News", "World", 5, 6)
    ]
    assert summary.pushed == 0 and summary.waiting == 0 and summary.pulled >= 7
    assert flags(library) == server_flags(model)
    story = local_id(library, "2")
    assert [q.speaker for q in library.quotes(story)] == ["Ann Lee"]  # analysed like any article
    assert library.search("rebuild")  # and searchable
    library.close()


def test_a_change_made_while_a_sync_runs_beats_the_server(tmp_path: Path, model) -> None:
    library = machine(tmp_path / "a")
    sync(library, model)
    article = local_id(library, "3")

    class MarksDuringPull(MemoryBackend):
        def unread_ids(self) -> set[str]:
            library.mark([article])  # the UI thread, while the worker pulls
            return super().unread_ids()

    run_sync(library.store, MarksDuringPull(model), NOW)
    assert library.is_read(article)  # the server still says unread: not yet told
    assert [c.op for c in library.store.journal()] == ["read"]
    sync(library, model)
    assert "3" not in model.unread and library.store.journal() == []
    library.close()


def test_a_failed_sync_changes_nothing_pulled_and_keeps_the_journal(tmp_path: Path, model) -> None:
    library = machine(tmp_path / "a")
    sync(library, model)
    article = local_id(library, "1")
    library.mark([article])
    model.set_flag("other", "4", "read", True)
    model.set_flag("other", "5", "star", True)
    model.add_article(next(iter(model.feeds)), "Late story")
    before = (flags(library), len(library.store.articles()), library.store.journal())
    with pytest.raises(SyncUnavailable):
        sync(library, model, fail_after=0)  # the server is down
    with pytest.raises(SyncUnavailable):
        sync(library, model, fail_after=3)  # down after the push, during the pull
    assert "1" not in model.unread  # the push went through before the outage
    assert library.store.journal() == []  # and the server acknowledged it
    after = flags(library), len(library.store.articles())
    assert after == (before[0], before[1])  # nothing pulled was kept
    sync(library, model)
    assert flags(library) == server_flags(model) and len(library.store.articles()) == 7
    library.close()


def test_subscribe_unsubscribe_and_move_reach_the_server(tmp_path: Path, model) -> None:
    library = machine(tmp_path / "a")
    sync(library, model)
    local_feed = library.feeds()[0].feed
    library.set_folder(local_feed.id, "Later")
    library.import_opml(
        b'<opml version="2.0"><body><outline type="rss" text="Tech" '
        b'xmlUrl="https://tech.example/rss"/></body></opml>'
    )
    sync(library, model)
    assert sorted((f.url, f.folder) for f in model.feeds.values()) == [
        ("https://news.example/feed.xml", "Later"),
        ("https://tech.example/rss", ""),
    ]
    tech = next(f.feed for f in library.feeds() if f.feed.url == "https://tech.example/rss")
    assert tech.remote_id  # linked to the server's copy on the pull
    library.remove(tech.id)
    sync(library, model)
    assert [f.url for f in model.feeds.values()] == ["https://news.example/feed.xml"]
    model.feeds.clear()  # unsubscribed on another machine
    bookmark = library.bookmark(local_id(library, "1"))
    sync(library, model)
    assert library.feeds() == []
    assert [b.id for b in library.bookmarks()] == [bookmark.id]  # bookmarks outlive the feed
    library.close()


# -- random interleavings --------------------------------------------------------------------

ARTICLES = 4
FLAGS = ("read", "star")
edits = st.tuples(
    st.sampled_from(["a", "b", "server"]),
    st.integers(1, ARTICLES),
    st.sampled_from(FLAGS),
    st.booleans(),
)
syncs = st.tuples(st.just("sync"), st.sampled_from(["a", "b"]), st.none() | st.integers(0, 6))
steps = st.lists(st.one_of(edits, syncs), max_size=25)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def set_local(library: Library, remote_id: str, flag: str, value: bool) -> bool:
    """A user's edit through the app's calls; True when it changed something."""
    article = local_id(library, remote_id)
    if flag == "read":
        return bool(library.mark([article], value))
    existing = library.article_bookmark(article)
    if value and existing is None:
        library.bookmark(article)
        return True
    if not value and existing is not None:
        library.remove_bookmark(existing.id)
        return True
    return False


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_random_interleavings_lose_nothing_and_converge(scratch: Path, steps) -> None:
    check_interleaving(scratch, steps)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_many_random_interleavings_lose_nothing_and_converge(scratch: Path, steps) -> None:
    check_interleaving(scratch, steps)


def check_interleaving(scratch: Path, steps) -> None:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    model = ServerModel()
    feed = model.add_feed("https://news.example/feed.xml", "News")
    for n in range(ARTICLES):
        model.add_article(feed, f"Story {n}")
    machines = {name: machine(folder / name) for name in ("a", "b")}
    for library in machines.values():
        sync(library, model)
    edits_of: dict[str, list[tuple[int, str, str, bool]]] = {"a": [], "b": []}
    pushes: list[tuple[int, str, str, str, bool]] = []  # when, who, article, flag, value
    for when, step in enumerate(steps):
        if step[0] == "sync":
            _, who, fail_after = step
            seen = len(model.writes)
            with contextlib.suppress(SyncUnavailable):  # an outage, part way or at once
                sync(machines[who], model, who, fail_after)
            pushes += [(when, *write) for write in model.writes[seen:]]
        elif step[0] == "server":
            _, number, flag, value = step
            model.set_flag("server", str(number), flag, value)
        else:
            who, number, flag, value = step
            if set_local(machines[who], str(number), flag, value):
                edits_of[who].append((when, str(number), flag, value))
    end = len(steps)
    for who in ("a", "b", "a"):  # the servers are back: everyone syncs
        seen = len(model.writes)
        sync(machines[who], model, who)
        pushes += [(end, *write) for write in model.writes[seen:]]
    # Converged: both machines hold exactly the server's flags.
    for library in machines.values():
        assert flags(library) == server_flags(model)
    for who, made in edits_of.items():
        # Nothing lost: each machine's last edit of a flag reached the server...
        last = {(article, flag): (when, value) for when, article, flag, value in made}
        for (article, flag), (when, value) in last.items():
            assert any(
                p[1] == who and p[2:] == (article, flag, value) and p[0] >= when for p in pushes
            ), f"{who}'s edit {article} {flag}={value} never reached the server"
        # ...and nothing invented: what a machine pushed was its user's latest edit then.
        for pushed_at, pusher, article, flag, value in pushes:
            if pusher == who:
                before = [v for w, a, f, v in made if a == article and f == flag and w < pushed_at]
                assert before and before[-1] == value
    for library in machines.values():
        library.close()


def test_a_folder_stays_local_when_the_api_cannot_move_feeds(tmp_path: Path, model) -> None:
    """tt-rss's API has no move: the folder chosen here is kept, not reverted by a pull."""

    class NoMoves(MemoryBackend):
        moves = False

        def move(self, feed_id: str, folder: str) -> bool:
            self._call()
            return False

    library = machine(tmp_path / "a")
    run_sync(library.store, NoMoves(model), NOW)
    feed = library.feeds()[0].feed
    library.set_folder(feed.id, "Mine")
    run_sync(library.store, NoMoves(model), NOW)
    assert library.feed(feed.id).folder == "Mine" and library.store.journal() == []
    assert [f.folder for f in model.feeds.values()] == ["World"]
    library.close()


def test_the_status_says_offline_and_syncs_back_off_while_the_server_is_down(
    tmp_path: Path, model
) -> None:
    from datetime import timedelta

    from reader.core.sync.runner import Syncer

    now = [frozen_clock()]
    library = machine(tmp_path / "a")
    sync(library, model)
    outage = [True]
    syncer = Syncer(
        library.store,
        ACCOUNT,
        lambda: now[0],
        lambda account: MemoryBackend(model, fail_after=0 if outage[0] else None),
    )
    seen: list[str] = []
    assert syncer.due() and syncer.status().line() == ""
    library.mark([local_id(library, "1")])
    for wait in (1, 2, 4):  # seconds until the next attempt: doubling
        with pytest.raises(SyncUnavailable):
            syncer.run(lambda status: seen.append(status.line()))
        assert syncer.status().line() == "offline, 1 change waiting"
        assert not syncer.due()
        now[0] += timedelta(seconds=wait)
        assert syncer.due()
    assert seen[0] == "syncing (login)"
    outage[0] = False
    summary = syncer.run()
    assert (summary.pushed, summary.waiting) == (1, 0)
    assert syncer.status().line() == "synced" and not syncer.due()
    now[0] += timedelta(minutes=ACCOUNT.interval)
    assert syncer.due()
    library.close()


def test_the_title_bar_says_offline_without_counting_nothing() -> None:
    from reader.core.sync.status import SyncStatus

    assert SyncStatus(configured=True, offline=True).line() == "offline"
    assert (
        SyncStatus(configured=True, offline=True, waiting=2).line() == "offline, 2 changes waiting"
    )
    assert SyncStatus(configured=True, error="refused").line() == "sync failed"
