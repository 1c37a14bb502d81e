"""A Tiny Tiny RSS JSON API client (API level 15 and later; ``classes/API.php``).

Every call is one POST of JSON to ``url + "api/"``. A session the server has
forgotten (``NOT_LOGGED_IN``) costs one login and the call again. What the server
says is checked before it is used: an answer of the wrong shape is a SyncError
naming the call, never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx

from reader.core.errors import SyncAuthError, SyncError, SyncUnavailable
from reader.core.sanitize import clean_line
from reader.core.sync.remote import RemoteArticle, RemoteFeed

PAGE = 200  # getHeadlines answers at most 200 rows a call
PARALLEL = 4  # pages asked for at once (tt-rss behind php-fpm or php -S workers answers them)
FIELD_STARRED, FIELD_UNREAD = 0, 2  # updateArticle's fields
ALL_ARTICLES, STARRED = -4, -1  # special feed ids


class TtrssClient:
    """One account; one sync at a time uses it (it asks for pages of ids in parallel)."""

    moves = False  # the API has no call that moves a feed to another category

    def __init__(self, url: str, user: str, password: str, *, timeout: float = 20.0) -> None:
        self.api = url.rstrip("/") + "/api/"
        self.user, self.password = user, password
        self.session: str | None = None
        self.http = httpx.Client(timeout=timeout, follow_redirects=True)
        self.calls = 0  # requests made, for the benchmark and the tests
        self._count = threading.Lock()

    def close(self) -> None:
        self.http.close()

    # -- the protocol -----------------------------------------------------------------

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._count:
            self.calls += 1
        where = clean_line(self.api)
        try:
            response = self.http.post(self.api, json=body)
        except httpx.HTTPError as error:
            raise SyncUnavailable(
                f"{where}: cannot reach the server ({clean_line(str(error)) or 'no answer'})"
            ) from None
        if response.status_code >= 500:
            raise SyncUnavailable(f"{where}: the server answered {response.status_code}")
        if response.status_code != 200:
            raise SyncError(f"{where}: the server answered {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise SyncError(
                f"{where}: the answer is not JSON (is this a tt-rss API URL?)"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("content"), dict | list):
            raise SyncError(f"{where}: the answer is not a tt-rss API answer")
        return data

    def login(self) -> None:
        data = self._post({"op": "login", "user": self.user, "password": self.password})
        content = data["content"]
        if data.get("status") != 0 or not isinstance(content, dict):
            error = content.get("error") if isinstance(content, dict) else None
            if error == "API_DISABLED":
                raise SyncAuthError(
                    f"{clean_line(self.api)}: the API is off for {clean_line(self.user)!r} "
                    "(enable it in tt-rss's preferences)"
                )
            raise SyncAuthError(
                f"{clean_line(self.api)}: the server refused user {clean_line(self.user)!r} "
                "and its password"
            )
        session = content.get("session_id")
        if not isinstance(session, str) or not session:
            raise SyncError(f"{clean_line(self.api)}: login gave no session")
        self.session = session

    def call(self, op: str, **params: Any) -> Any:
        """One API call's ``content``; logs in first, and again if the session was forgotten."""
        if self.session is None:
            self.login()
        for attempt in (1, 2):
            data = self._post({"op": op, "sid": self.session, **params})
            content = data["content"]
            if data.get("status") == 0:
                return content
            error = content.get("error") if isinstance(content, dict) else None
            if error == "NOT_LOGGED_IN" and attempt == 1:
                self.login()
                continue
            raise SyncError(f"{clean_line(self.api)}: {op} failed ({clean_line(str(error))})")
        raise AssertionError("unreachable")

    def _rows(self, op: str, content: Any) -> list[dict[str, Any]]:
        if not isinstance(content, list) or not all(isinstance(r, dict) for r in content):
            raise SyncError(f"{clean_line(self.api)}: {op} did not answer a list")
        return content

    # -- reading ----------------------------------------------------------------------

    def subscriptions(self) -> list[RemoteFeed]:
        categories = self._rows("getCategories", self.call("getCategories", include_empty=True))
        names = {str(c.get("id")): str(c.get("title") or "") for c in categories}
        feeds = self._rows("getFeeds", self.call("getFeeds", cat_id=-3))
        out = []
        for feed in feeds:
            feed_id, url = feed.get("id"), feed.get("feed_url")
            if not isinstance(feed_id, int) or feed_id <= 0 or not isinstance(url, str):
                continue  # special and virtual feeds
            category = str(feed.get("cat_id", 0))
            out.append(
                RemoteFeed(
                    id=str(feed_id),
                    url=url,
                    title=str(feed.get("title") or url),
                    folder=names.get(category, "") if category != "0" else "",
                    site_url=str(feed.get("site_url") or ""),
                )
            )
        return out

    def _page(self, feed_id: int, view_mode: str, skip: int) -> list[str]:
        answer = self.call(
            "getHeadlines",
            feed_id=feed_id,
            view_mode=view_mode,
            limit=PAGE,
            skip=skip,
            show_excerpt=False,
            show_content=False,
        )  # tt-rss's own order, newest first: score, date_entered, updated
        rows = self._rows("getHeadlines", answer)
        return [str(r["id"]) for r in rows if isinstance(r.get("id"), int)]

    def _ids(self, feed_id: int, view_mode: str, limit: int | None = None) -> list[str]:
        """The ids of a view in order, a page at a time; after the first page, ``PARALLEL``
        pages at once (tt-rss spends ~1 ms a headline: 10,000 ids are ~50 pages of work)."""
        page = self._page(feed_id, view_mode, 0)
        ids = list(page)
        skip = PAGE
        with ThreadPoolExecutor(PARALLEL) as pool:
            while len(page) == PAGE and (limit is None or skip < limit):
                offsets = [skip + n * PAGE for n in range(PARALLEL)]
                if limit is not None:
                    offsets = [o for o in offsets if o < limit]
                pages = list(pool.map(lambda o: self._page(feed_id, view_mode, o), offsets))
                for page in pages:
                    ids += page
                page = pages[-1] if all(len(p) == PAGE for p in pages) else []
                skip = offsets[-1] + PAGE
        return ids if limit is None else ids[:limit]

    def unread_ids(self) -> set[str]:
        return set(self._ids(ALL_ARTICLES, "unread"))

    def starred_ids(self) -> set[str]:
        return set(self._ids(STARRED, "all_articles"))

    def recent_ids(self, limit: int) -> set[str]:
        return set(self._ids(ALL_ARTICLES, "all_articles", limit))

    def articles(self, ids: Sequence[str]) -> list[RemoteArticle]:
        if not ids:
            return []
        rows = self._rows("getArticle", self.call("getArticle", article_id=",".join(ids)))
        out = []
        for row in rows:
            if not isinstance(row.get("id"), int):
                continue
            updated = row.get("updated")
            published = (
                datetime.fromtimestamp(updated, UTC).isoformat(timespec="seconds")
                if isinstance(updated, int) and 0 < updated < 2**33
                else None
            )
            link = row.get("link")
            out.append(
                RemoteArticle(
                    id=str(row["id"]),
                    feed_id=str(row.get("feed_id", "")),
                    title=str(row.get("title") or ""),
                    link=link if isinstance(link, str) else "",
                    author=str(row.get("author") or ""),
                    published=published,
                    content=str(row.get("content") or ""),
                    key=link if isinstance(link, str) else "",
                )
            )
        return out

    # -- writing ----------------------------------------------------------------------

    def _update(self, ids: Iterable[str], field: int, mode: int) -> None:
        joined = ",".join(ids)
        if joined:
            self.call("updateArticle", article_ids=joined, mode=mode, field=field)

    def mark_read(self, ids: Iterable[str], read: bool) -> None:
        self._update(ids, FIELD_UNREAD, 0 if read else 1)

    def mark_starred(self, ids: Iterable[str], starred: bool) -> None:
        self._update(ids, FIELD_STARRED, 1 if starred else 0)

    def subscribe(self, url: str, folder: str) -> None:
        category = 0
        if folder:
            categories = self._rows("getCategories", self.call("getCategories", include_empty=True))
            category = next(
                (
                    int(c["id"])
                    for c in categories
                    if c.get("title") == folder
                    and isinstance(c.get("id"), int | str)
                    and str(c["id"]).isdigit()
                ),
                0,
            )  # the API cannot make a category: a new folder stays local
        status = self.call("subscribeToFeed", feed_url=url, category_id=category)
        found = status.get("status") if isinstance(status, dict) else None
        feed_id = found.get("feed_id") if isinstance(found, dict) else None
        if isinstance(feed_id, int) and feed_id > 0:
            self.call("updateFeed", feed_id=feed_id)  # fetch it now: its articles come this sync

    def unsubscribe(self, feed_id: str) -> None:
        try:
            self.call("unsubscribeFeed", feed_id=int(feed_id))
        except SyncError as error:
            if "FEED_NOT_FOUND" not in str(error):
                raise

    def move(self, feed_id: str, folder: str) -> bool:
        return False  # the tt-rss API has no call that moves a feed to a category
