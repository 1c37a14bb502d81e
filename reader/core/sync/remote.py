"""What a sync server holds, as the clients hand it over, and the one interface they share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    id: str
    url: str
    title: str
    folder: str = ""  # the server's category (or label), "" for none
    site_url: str = ""


@dataclass(frozen=True, slots=True)
class RemoteArticle:
    id: str
    feed_id: str  # the server's feed id
    title: str
    link: str = ""
    author: str = ""
    published: str | None = None  # ISO 8601, UTC
    content: str = ""  # HTML
    key: str = ""  # what makes it the same article on every pull (the feed's guid, or link)


class Backend(Protocol):
    """One sync server account. Every call may raise SyncError (SyncAuthError,
    SyncUnavailable); a client logs in again by itself when its session is forgotten."""

    moves: bool  # the API can put a feed in a folder; if not, folders stay this machine's

    def login(self) -> None: ...

    def subscriptions(self) -> list[RemoteFeed]: ...

    def unread_ids(self) -> set[str]: ...

    def starred_ids(self) -> set[str]: ...

    def recent_ids(self, limit: int) -> set[str]:
        """The newest ``limit`` articles, read or not: a new machine shows some history."""
        ...

    def articles(self, ids: Sequence[str]) -> list[RemoteArticle]:
        """Full articles (content included) for up to :attr:`batch` ids."""
        ...

    def mark_read(self, ids: Iterable[str], read: bool) -> None: ...

    def mark_starred(self, ids: Iterable[str], starred: bool) -> None: ...

    def subscribe(self, url: str, folder: str) -> None: ...

    def unsubscribe(self, feed_id: str) -> None: ...

    def move(self, feed_id: str, folder: str) -> bool:
        """Put a feed in a folder; False when the API cannot (the change is dropped)."""
        ...

    def close(self) -> None: ...
