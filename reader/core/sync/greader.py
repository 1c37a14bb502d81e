"""A Google Reader API client, as FreshRSS (``api/greader.php``) and Miniflux implement it.

``url`` is the API root: ``https://host/api/greader.php/`` for FreshRSS,
``https://host/`` for Miniflux. Login is ``accounts/ClientLogin`` (an ``Auth``
token for the ``GoogleLogin`` header); writes also carry a short-lived ``T`` token
from ``reader/api/0/token``. A 401 costs one login and the call again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from reader.core.errors import SyncAuthError, SyncError, SyncUnavailable
from reader.core.sanitize import clean_line
from reader.core.sync.remote import RemoteArticle, RemoteFeed

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
LABEL = "user/-/label/"
ITEM_PREFIX = "tag:google.com,2005:reader/item/"
IDS_PAGE = 10000
EDIT_BATCH = 250  # ids per edit-tag request


def short_id(item_id: str) -> str:
    """``tag:google.com,2005:reader/item/000000000000001f`` -> ``31``; decimal stays."""
    if item_id.startswith(ITEM_PREFIX):
        try:
            return str(int(item_id[len(ITEM_PREFIX) :], 16))
        except ValueError:
            return item_id
    return item_id


def long_id(remote_id: str) -> str:
    return f"{ITEM_PREFIX}{int(remote_id):016x}" if remote_id.isdigit() else remote_id


class GreaderClient:
    moves = True  # subscription/edit with a label

    def __init__(self, url: str, user: str, password: str, *, timeout: float = 20.0) -> None:
        self.root = url if url.endswith("/") else url + "/"
        self.user, self.password = user, password
        self.auth: str | None = None
        self.token: str | None = None
        self.http = httpx.Client(timeout=timeout, follow_redirects=True)
        self.calls = 0

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.calls += 1
        where = clean_line(self.root + path.split("?")[0])
        try:
            response = self.http.request(method, self.root + path, **kwargs)
        except httpx.HTTPError as error:
            raise SyncUnavailable(
                f"{where}: cannot reach the server ({clean_line(str(error)) or 'no answer'})"
            ) from None
        if response.status_code >= 500:
            raise SyncUnavailable(f"{where}: the server answered {response.status_code}")
        return response

    def login(self) -> None:
        response = self._send(
            "POST", "accounts/ClientLogin", data={"Email": self.user, "Passwd": self.password}
        )
        if response.status_code in (401, 403):
            raise SyncAuthError(
                f"{clean_line(self.root)}: the server refused user {clean_line(self.user)!r} "
                "and its password"
            )
        fields = dict(line.split("=", 1) for line in response.text.splitlines() if "=" in line)
        if response.status_code != 200 or not fields.get("Auth"):
            raise SyncError(f"{clean_line(self.root)}: login gave no Auth token")
        self.auth, self.token = fields["Auth"].strip(), None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.auth is None:
            self.login()
        for attempt in (1, 2):
            headers = {"Authorization": f"GoogleLogin auth={self.auth}"}
            response = self._send(method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self.login()
                if "T" in kwargs.get("data", {}):
                    kwargs["data"] = {**kwargs["data"], "T": self._token()}
                continue
            if response.status_code != 200:
                raise SyncError(
                    f"{clean_line(self.root + path.split('?')[0])}: "
                    f"the server answered {response.status_code}"
                )
            return response
        raise AssertionError("unreachable")

    def _json(self, path: str, **params: Any) -> dict[str, Any]:
        response = self._call("GET", path, params={"output": "json", **params})
        try:
            data = response.json()
        except ValueError:
            raise SyncError(f"{clean_line(self.root + path)}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise SyncError(f"{clean_line(self.root + path)}: the answer is not an object")
        return data

    def _token(self) -> str:
        if self.token is None:
            self.token = self._call("GET", "reader/api/0/token").text.strip()
        return self.token

    def _edit(self, path: str, fields: dict[str, str | list[str]]) -> None:
        self._call("POST", path, data={**fields, "T": self._token()})

    # -- reading ----------------------------------------------------------------------

    def subscriptions(self) -> list[RemoteFeed]:
        rows = self._json("reader/api/0/subscription/list").get("subscriptions")
        if not isinstance(rows, list):
            raise SyncError(f"{clean_line(self.root)}: subscription/list gave no list")
        out = []
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                continue
            url = row.get("url")
            if not isinstance(url, str) or not url:
                continue
            labels = [
                c.get("label") or str(c.get("id", ""))[len(LABEL) :]
                for c in row.get("categories") or []
                if isinstance(c, dict) and str(c.get("id", "")).startswith("user/")
            ]
            out.append(
                RemoteFeed(
                    id=row["id"],
                    url=url,
                    title=str(row.get("title") or url),
                    folder=str(labels[0]) if labels else "",
                    site_url=str(row.get("htmlUrl") or ""),
                )
            )
        return out

    def _ids(self, limit: int | None = None, **params: Any) -> set[str]:
        """Ids of a stream, following continuations (newest first), up to ``limit``."""
        ids: set[str] = set()
        continuation = None
        while limit is None or len(ids) < limit:
            extra: dict[str, Any] = {"c": continuation} if continuation else {}
            size = IDS_PAGE if limit is None else min(IDS_PAGE, limit - len(ids))
            data = self._json("reader/api/0/stream/items/ids", n=size, **params, **extra)
            refs = data.get("itemRefs") or []
            if not isinstance(refs, list):
                raise SyncError(f"{clean_line(self.root)}: stream/items/ids gave no list")
            ids.update(short_id(str(r["id"])) for r in refs if isinstance(r, dict) and "id" in r)
            continuation = data.get("continuation")
            if not continuation or not refs:
                break
        return ids

    def unread_ids(self) -> set[str]:
        return self._ids(s=READING_LIST, xt=READ)

    def starred_ids(self) -> set[str]:
        return self._ids(s=STARRED)

    def recent_ids(self, limit: int) -> set[str]:
        return self._ids(limit, s=READING_LIST)

    def articles(self, ids: Sequence[str]) -> list[RemoteArticle]:
        if not ids:
            return []
        response = self._call(
            "POST",
            "reader/api/0/stream/items/contents?output=json",
            data={"i": [long_id(i) for i in ids]},
        )
        try:
            items = response.json().get("items")
        except (ValueError, AttributeError):
            raise SyncError(f"{clean_line(self.root)}: stream/items/contents is not JSON") from None
        if not isinstance(items, list):
            raise SyncError(f"{clean_line(self.root)}: stream/items/contents gave no items")
        return [made for item in items if (made := _article(item)) is not None]

    # -- writing ----------------------------------------------------------------------

    def _tag(self, ids: Iterable[str], tag: str, add: bool) -> None:
        listed = list(ids)
        for start in range(0, len(listed), EDIT_BATCH):
            batch = [long_id(i) for i in listed[start : start + EDIT_BATCH]]
            self._edit("reader/api/0/edit-tag", {"i": batch, "a" if add else "r": tag})

    def mark_read(self, ids: Iterable[str], read: bool) -> None:
        self._tag(ids, READ, read)

    def mark_starred(self, ids: Iterable[str], starred: bool) -> None:
        self._tag(ids, STARRED, starred)

    def subscribe(self, url: str, folder: str) -> None:
        fields = {"ac": "subscribe", "s": f"feed/{url}"}
        if folder:
            fields["a"] = LABEL + folder
        self._edit("reader/api/0/subscription/edit", dict(fields))

    def unsubscribe(self, feed_id: str) -> None:
        self._edit("reader/api/0/subscription/edit", {"ac": "unsubscribe", "s": feed_id})

    def move(self, feed_id: str, folder: str) -> bool:
        current = next((f for f in self.subscriptions() if f.id == feed_id), None)
        fields = {"ac": "edit", "s": feed_id}
        if current is not None and current.folder:
            fields["r"] = LABEL + current.folder
        if folder:
            fields["a"] = LABEL + folder
        self._edit("reader/api/0/subscription/edit", dict(fields))
        return True


def _article(item: object) -> RemoteArticle | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    origin = item.get("origin") if isinstance(item.get("origin"), dict) else {}
    link = ""
    for key in ("canonical", "alternate"):
        found = item.get(key)
        if isinstance(found, list) and found and isinstance(found[0], dict):
            link = str(found[0].get("href") or "")
            if link:
                break
    body = item.get("content") or item.get("summary") or {}
    stamp = item.get("published")
    published = (
        datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")
        if isinstance(stamp, int) and 0 < stamp < 2**33
        else None
    )
    return RemoteArticle(
        id=short_id(item["id"]),
        feed_id=str(origin.get("streamId", "")) if isinstance(origin, dict) else "",
        title=str(item.get("title") or ""),
        link=link,
        author=str(item.get("author") or ""),
        published=published,
        content=str(body.get("content") or "") if isinstance(body, dict) else "",
        key=link,
    )
