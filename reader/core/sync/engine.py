"""One sync against a server: push the journal in batches, then pull the truth.

Order matters for "nothing lost": local changes go out first and each batch's rows
are dropped only once the server took it; then the server's subscriptions, unread
and starred sets and new articles are all read before anything local changes, and
applied under the store's lock in one go. A sync that fails part way has changed
nothing here but the rows the server already acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reader.core import bookmarks as bookmark_formats
from reader.core.ingest.records import ParsedEntry, article_id_for, author_name, feed_id_for
from reader.core.models import Article, Body, Bookmark, Feed
from reader.core.sanitize import clean_line, clean_url
from reader.core.storage.store import Store
from reader.core.sync import rules
from reader.core.sync.remote import Backend, RemoteArticle, RemoteFeed

ARTICLE_BATCH = 200  # articles with content per request
RECENT = 200  # the newest articles, read or not, that a sync brings besides unread and starred
Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Given each feed's new articles after a sync, as a refresh gives them: full text queues
# those the feed's full_text mode wants (services.fulltext, wired by the Library).
Offer = Callable[[Feed, list[tuple[Article, Body | None]]], object]


@dataclass(frozen=True)
class SyncSummary:
    pulled: int  # local changes the pull made: articles, marks, stars, feeds
    pushed: int  # local changes the server acknowledged
    waiting: int  # local changes still in the journal

    def as_json(self) -> dict[str, int]:
        return {"pulled": self.pulled, "pushed": self.pushed, "waiting": self.waiting}


def run_sync(
    store: Store,
    backend: Backend,
    now: str,
    progress: Progress | None = None,
    offer: Offer | None = None,
) -> SyncSummary:
    """Push then pull; raises SyncError (nothing pulled is kept) when the server fails.
    The new articles are offered to ``offer``, feed by feed, before the flush."""
    report = progress or (lambda stage, done, total: None)
    backend.login()
    pushed = _push(store, backend, report)
    server = _pull(store, backend, report)
    new: dict[str, list[tuple[Article, Body | None]]] = {}
    pulled = _apply(store, server, now, new)
    for feed_id, items in new.items():
        feed = store.feed(feed_id)
        if offer is not None and feed is not None:
            offer(feed, items)
    store.flush()
    return SyncSummary(pulled, pushed, store.journal_size())


# -- push ---------------------------------------------------------------------------


def _remote_of(store: Store) -> Callable[[str], str]:
    def remote_of(target: str) -> str:
        article = store.article(target)
        if article is not None:
            return article.remote_id
        feed = store.feed(target)
        return feed.remote_id if feed is not None else ""

    return remote_of


def _push(store: Store, backend: Backend, report: Progress) -> int:
    plan = rules.coalesce(store.journal(), _remote_of(store))
    store.acknowledge(plan.dropped)
    pushed = 0
    total = len(plan.feeds) + len(plan.marks)
    for intent in plan.feeds:
        if intent.op == "subscribe":
            backend.subscribe(intent.url, intent.folder)
        elif intent.op == "unsubscribe":
            backend.unsubscribe(intent.remote_id)
        else:
            backend.move(intent.remote_id, intent.folder)  # an API without moves drops it
        store.acknowledge(intent.seqs)
        pushed += 1
        report("push", pushed, total)
    for op, batch in rules.batches(plan.marks):
        ids = [i.remote_id for i in batch]
        if op in ("read", "unread"):
            backend.mark_read(ids, op == "read")
        else:
            backend.mark_starred(ids, op == "star")
        store.acknowledge(s for i in batch for s in i.seqs)
        pushed += len(batch)
        report("push", pushed, total)
    return pushed


# -- pull ---------------------------------------------------------------------------


@dataclass
class _Server:
    feeds: list[RemoteFeed]
    unread: set[str]
    starred: set[str]
    articles: list[RemoteArticle]
    moves: bool


def _pull(store: Store, backend: Backend, report: Progress) -> _Server:
    feeds = backend.subscriptions()
    report("pull", 1, 3)
    unread = backend.unread_ids()
    report("pull", 2, 3)
    starred = backend.starred_ids()
    recent = backend.recent_ids(RECENT)
    report("pull", 3, 3)
    with store.locked():
        known = {a.remote_id for a in store.all_articles() if a.remote_id}
    wanted = sorted((unread | starred | recent) - known, key=_numeric_first)
    articles: list[RemoteArticle] = []
    for start in range(0, len(wanted), ARTICLE_BATCH):
        articles += backend.articles(wanted[start : start + ARTICLE_BATCH])
        report("articles", min(start + ARTICLE_BATCH, len(wanted)), len(wanted))
    return _Server(feeds, unread, starred, articles, backend.moves)


def _numeric_first(remote_id: str) -> tuple[int, str]:
    return (int(remote_id), "") if remote_id.isdigit() else (0, remote_id)


# -- apply --------------------------------------------------------------------------


def _apply(
    store: Store, server: _Server, now: str, new: dict[str, list[tuple[Article, Body | None]]]
) -> int:
    with store.locked():
        pending = store.journal()  # made while this sync ran: they beat the server
        pinned_marks = {c.target for c in pending if c.op in ("read", "unread")}
        pinned_stars = {c.target for c in pending if c.op in ("star", "unstar")}
        pinned_feeds = {c.target for c in pending if c.op in ("subscribe", "unsubscribe", "move")}
        changed = _apply_feeds(store, server, pinned_feeds, now)
        changed += _apply_articles(store, server.articles, now, new)
        local: dict[str, tuple[bool, bool]] = {}
        by_remote: dict[str, Article] = {}
        starred = {b.article_id for b in store.bookmarks() if b.kind == "article"}
        for article in store.all_articles():
            if article.remote_id:
                by_remote[article.remote_id] = article
                local[article.remote_id] = (store.is_read(article.id), article.id in starred)
        pinned_read = {by.remote_id for by in map(store.article, pinned_marks) if by}
        pinned_star = {by.remote_id for by in map(store.article, pinned_stars) if by}
        decided = rules.reconcile_state(
            local, server.unread, server.starred, pinned_read, pinned_star
        )
        store.set_read([by_remote[r].id for r in decided.read], True, journal=False)
        store.set_read([by_remote[r].id for r in decided.unread], False, journal=False)
        for remote in decided.star:
            store.put_bookmark(_star(store, by_remote[remote], now), journal=False)
        for remote in decided.unstar:
            wanted = bookmark_formats.bookmark_id("article", by_remote[remote].id, "")
            store.remove_bookmark(wanted, journal=False)
        return changed + sum(map(len, (decided.read, decided.unread, decided.star, decided.unstar)))


def _apply_feeds(store: Store, server: _Server, pinned: set[str], now: str) -> int:
    local = [rules.LocalFeed(f.id, f.url, f.remote_id, f.folder) for f in store.feeds()]
    by_id = {f.id: f for f in server.feeds}
    remote = {f.id: (f.url, clean_folder(f.folder)) for f in server.feeds}
    decided = rules.reconcile_feeds(local, remote, pinned, server.moves)
    for local_id, remote_id in decided.link:
        feed = store.feed(local_id)
        if feed is not None:
            feed.remote_id = remote_id
            store.save_feed(feed)
    for remote_id in decided.create:
        made = by_id[remote_id]
        url = clean_url(made.url) or made.url
        store.save_feed(
            Feed(
                id=feed_id_for(url),
                url=url,
                title=clean_line(made.title) or clean_line(url),
                site_url=clean_url(made.site_url) or "",
                added_at=now,
                folder=clean_folder(made.folder),
                remote_id=remote_id,
            )
        )
    for local_id, folder in decided.refolder:
        feed = store.feed(local_id)
        if feed is not None:
            feed.folder = folder
            store.save_feed(feed)
    for local_id in decided.drop:  # its bookmarks stay: they carry their own title and URL
        store.remove_feed(local_id)
    return len(decided.create) + len(decided.refolder) + len(decided.drop)


def clean_folder(folder: str) -> str:
    return "/".join(p for p in (clean_line(x) for x in folder.split("/")) if p)


def _apply_articles(
    store: Store,
    articles: list[RemoteArticle],
    now: str,
    by_feed: dict[str, list[tuple[Article, Body | None]]],
) -> int:
    """Store the server's new articles, pending; ``by_feed`` gets them, feed by feed."""
    feed_of = {f.remote_id: f.id for f in store.feeds() if f.remote_id}
    unlinked: dict[str, dict[str, str]] = {}  # feed id -> link -> id of an article fetched here
    for item in articles:
        feed_id = feed_of.get(item.feed_id)
        if feed_id is None:
            continue  # a feed the server does not list (or a special one)
        link = clean_url(item.link) or ""
        entry = ParsedEntry(
            guid=item.key or link or f"remote:{item.id}",
            title=clean_line(item.title),
            body=Body(item.content, "html"),
            link=link,
        )
        if feed_id not in unlinked:
            unlinked[feed_id] = {
                a.link: a.id for a in store.articles(feed_id) if a.link and not a.remote_id
            }
        article_id = unlinked[feed_id].pop(link, None) or article_id_for(feed_id, entry)
        if store.is_gone(article_id):
            continue
        old = store.article(article_id)
        if old is not None:  # fetched here before the account was linked
            old.remote_id = item.id
            store.articles_changed(feed_id)
            continue
        made = Article(
            id=article_id,
            feed_id=feed_id,
            title=entry.title or clean_line(link) or "(untitled)",
            link=link,
            author=author_name(item.author),
            published=item.published,
            guid=entry.guid,
            added_at=now,
            pending=True,  # analysed like any new article: quotes, search, related
            remote_id=item.id,
        )
        by_feed.setdefault(feed_id, []).append((made, entry.body))
    for feed_id, items in by_feed.items():
        store.put_articles(feed_id, items)
    return sum(map(len, by_feed.values()))


def _star(store: Store, article: Article, now: str) -> Bookmark:
    feed = store.feed(article.feed_id)
    return bookmark_formats.clean_bookmark(
        Bookmark(
            id=bookmark_formats.bookmark_id("article", article.id, ""),
            kind="article",
            article_id=article.id,
            title=article.title,
            url=article.link,
            article_title=article.title,
            feed_title=feed.title if feed else "",
            published=article.published,
            created_at=now,
        )
    )
