"""The sync rules, pure: no store, no network, so every rule is tested on its own.

One line: a change made here and not yet acknowledged by the server beats what the
server says; everything else is the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reader.core.storage.journal import Change

PUSH_BATCH = 500  # ids per mark request: 1,000 marks are two requests, not 1,000


@dataclass(frozen=True)
class Intent:
    """What a run of journal rows about one target comes to, and the rows it settles."""

    op: str  # read, unread, star, unstar, subscribe, unsubscribe, move
    target: str  # local article or feed id
    remote_id: str  # "" when the server has never seen the target
    seqs: tuple[int, ...]
    url: str = ""
    folder: str = ""


@dataclass
class Coalesced:
    marks: list[Intent] = field(default_factory=list)  # read, unread, star, unstar
    feeds: list[Intent] = field(default_factory=list)  # subscribe, unsubscribe, move
    dropped: list[int] = field(default_factory=list)  # rows that come to nothing


def coalesce(changes: Iterable[Change], remote_of: Callable[[str], str]) -> Coalesced:
    """Keep the last intent per (article, flag) and per feed; read then unread is nothing
    left to send only when the server already agrees, so the last one is sent.

    ``remote_of`` gives an article's or feed's server id now (it may have one only since
    the row was written); a mark of an article the server never had is dropped.
    """
    by_key: dict[tuple[str, str], list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.seq):
        kind = {"read": "read", "unread": "read", "star": "star", "unstar": "star"}.get(
            change.op, "feed"
        )
        by_key.setdefault((kind, change.target), []).append(change)
    out = Coalesced()
    for (kind, target), rows in by_key.items():
        seqs = tuple(c.seq for c in rows)
        last = rows[-1]
        remote = remote_of(target) or next((c.remote_id for c in reversed(rows) if c.remote_id), "")
        if kind != "feed":
            if remote:
                out.marks.append(Intent(last.op, target, remote, seqs))
            else:
                out.dropped.extend(seqs)
            continue
        subscribed_here = any(c.op == "subscribe" for c in rows)
        if last.op == "unsubscribe":
            if remote:
                out.feeds.append(Intent("unsubscribe", target, remote, seqs))
            else:  # never reached the server: nothing to undo there
                out.dropped.extend(seqs)
        elif last.op == "subscribe" or subscribed_here:
            out.feeds.append(Intent("subscribe", target, remote, seqs, last.url, last.folder))
        elif remote:
            out.feeds.append(Intent("move", target, remote, seqs, last.url, last.folder))
        else:
            out.dropped.extend(seqs)
    return out


def batches(intents: list[Intent], size: int = PUSH_BATCH) -> list[tuple[str, list[Intent]]]:
    """Marks grouped by op, ``size`` at a time, in a fixed order."""
    out: list[tuple[str, list[Intent]]] = []
    for op in ("read", "unread", "star", "unstar"):
        same = [i for i in intents if i.op == op]
        out += [(op, same[n : n + size]) for n in range(0, len(same), size)]
    return out


@dataclass
class StateChanges:
    """Remote ids whose local flag must change to match the server."""

    read: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    star: list[str] = field(default_factory=list)
    unstar: list[str] = field(default_factory=list)


def reconcile_state(
    local: Mapping[str, tuple[bool, bool]],
    server_unread: set[str],
    server_starred: set[str],
    pinned_read: set[str],
    pinned_star: set[str],
) -> StateChanges:
    """``local`` maps remote id -> (read, starred) here; a pinned id has a change of ours
    the server has not acknowledged, so its flag stays as it is."""
    out = StateChanges()
    for remote, (read, starred) in local.items():
        if remote not in pinned_read:
            server_read = remote not in server_unread
            if server_read != read:
                (out.read if server_read else out.unread).append(remote)
        if remote not in pinned_star:
            server_star = remote in server_starred
            if server_star != starred:
                (out.star if server_star else out.unstar).append(remote)
    return out


@dataclass(frozen=True)
class LocalFeed:
    id: str
    url: str
    remote_id: str
    folder: str


@dataclass
class FeedChanges:
    link: list[tuple[str, str]] = field(default_factory=list)  # (local id, remote id)
    create: list[str] = field(default_factory=list)  # remote ids
    drop: list[str] = field(default_factory=list)  # local ids
    refolder: list[tuple[str, str]] = field(default_factory=list)  # (local id, folder)


def reconcile_feeds(
    local: list[LocalFeed],
    remote: Mapping[str, tuple[str, str]],
    pinned: set[str],
    follow_folders: bool = True,
) -> FeedChanges:
    """``remote`` maps server feed id -> (url, folder). The server's list wins, except
    for a feed with a local change not yet acknowledged (``pinned`` local ids). Without
    ``follow_folders`` (an API that cannot move feeds) a linked feed keeps its folder."""
    out = FeedChanges()
    by_remote = {f.remote_id: f for f in local if f.remote_id}
    by_url = {f.url: f for f in local}
    for remote_id, (url, folder) in remote.items():
        mine = by_remote.get(remote_id) or by_url.get(url)
        if mine is None:
            out.create.append(remote_id)
            continue
        if mine.remote_id != remote_id:
            out.link.append((mine.id, remote_id))
        if follow_folders and mine.folder != folder and mine.id not in pinned:
            out.refolder.append((mine.id, folder))
    for feed in local:
        if feed.remote_id and feed.remote_id not in remote and feed.id not in pinned:
            out.drop.append(feed.id)
    return out
