"""Bookmarks of an article, a link from it or one quotation: kept, exported, imported."""

from __future__ import annotations

from collections.abc import Iterable

from reader.core.errors import NotFound, ReaderError, SourceError
from reader.core.models import Bookmark, Clock
from reader.core.sanitize import clean_line
from reader.core.services.documents import Documents
from reader.core.storage.store import Store


class Bookmarks:
    """The reader's bookmarks over the store; writes persist at once unless asked not to."""

    def __init__(self, store: Store, documents: Documents, clock: Clock) -> None:
        self.store = store
        self.documents = documents
        self.clock = clock

    def all(self) -> list[Bookmark]:
        """Newest first; made in the same second, the later one first (not by random id)."""
        stored = self.store.bookmarks()  # in the order they were made
        order = sorted(range(len(stored)), key=lambda n: (stored[n].created_at, n), reverse=True)
        return [stored[n] for n in order]

    def add(
        self,
        article_id: str,
        *,
        quote: int | None = None,
        link: int | None = None,
        url: str | None = None,
        title: str | None = None,
        tags: Iterable[str] = (),
        note: str = "",
        persist: bool = True,
    ) -> Bookmark:
        """Bookmark an article, its quotation ``quote``, its inline link ``link``, or ``url``.

        Quotation and link numbers count from 1, as the article pane shows them.
        """
        from reader.core import bookmarks as bookmark_formats

        article = self.documents.article(article_id)
        feed = self.store.feed(article.feed_id)
        common = {
            "article_id": article.id,
            "article_title": article.title,
            "feed_title": feed.title if feed else "",
            "published": article.published,
            "tags": tuple(dict.fromkeys(clean_line(t) for t in tags if clean_line(t))),
            "note": note,
            "created_at": self.clock().isoformat(timespec="seconds"),
        }
        if quote is not None:
            quotes = self.documents.quotes(article.id)
            if not 1 <= quote <= len(quotes):
                raise NotFound(
                    f"article {article.id} has no quotation {quote} (it has {len(quotes)})"
                )
            found = quotes[quote - 1]
            key = f"{found.paragraph}:{found.start}"
            kind, made_title, made_url, speaker = "quote", found.text, article.link, found.speaker
        elif link is not None or url is not None:
            if link is not None:
                links = {item.number: item for item in self.documents.document(article.id).links}
                if link not in links:
                    raise NotFound(f"article {article.id} has no link {link} (it has {len(links)})")
                url, title = links[link].url, title or links[link].text
            assert url is not None
            key, kind, made_title, made_url, speaker = url, "link", title or url, url, None
        else:
            key, kind, made_title, made_url, speaker = (
                "",
                "article",
                article.title,
                article.link,
                None,
            )
        made = Bookmark(
            id=bookmark_formats.bookmark_id(kind, article.id, key),
            kind=kind,  # type: ignore[arg-type]
            title=clean_line(made_title) if kind != "quote" else made_title,
            url=made_url,
            speaker=speaker,
            **common,  # type: ignore[arg-type]
        )
        made = bookmark_formats.clean_bookmark(made)
        self.store.put_bookmark(made)
        if persist:
            self.store.flush()
        return made

    def of_article(self, article_id: str) -> Bookmark | None:
        """The bookmark of the article itself, if it has one."""
        from reader.core import bookmarks as bookmark_formats

        wanted = bookmark_formats.bookmark_id("article", article_id, "")
        return next((b for b in self.store.bookmarks() if b.id == wanted), None)

    def put(self, bookmark: Bookmark, *, persist: bool = True) -> None:
        from reader.core import bookmarks as bookmark_formats

        self.store.put_bookmark(bookmark_formats.clean_bookmark(bookmark))
        if persist:
            self.store.flush()

    def remove(self, bookmark_id: str, *, persist: bool = True) -> Bookmark:
        removed = self.store.remove_bookmark(bookmark_id)
        if removed is None:
            raise NotFound(f"no bookmark with id {clean_line(bookmark_id)!r}")
        if persist:
            self.store.flush()
        return removed

    def export(self, fmt: str, group_by: str | None = None) -> str:
        """All bookmarks in one of the export formats: html, md, json or csv."""
        from reader.core import bookmarks as bookmark_formats

        items = self.all()
        if fmt == "html":
            return bookmark_formats.to_netscape_html(items, group_by=group_by or "tag")  # type: ignore[arg-type]
        if fmt == "md":
            return bookmark_formats.to_markdown(items, group_by=group_by or "tag")  # type: ignore[arg-type]
        if fmt == "json":
            return bookmark_formats.to_json(items, self.clock().isoformat(timespec="seconds"))
        if fmt == "csv":
            return bookmark_formats.to_csv(items)
        raise ReaderError(f"unknown export format {clean_line(fmt)!r} (html, md, json, csv)")

    def import_json(self, text: str, source: str = "") -> int:
        """Merge bookmarks from a JSON export; returns how many were new."""
        from reader.core import bookmarks as bookmark_formats

        try:
            incoming = bookmark_formats.from_json(text)
        except ValueError as error:
            raise SourceError(f"{clean_line(source) or 'bookmarks'}: {error}") from None
        known = {b.id for b in self.store.bookmarks()}
        new = [b for b in incoming if b.id not in known]
        # Exports list the newest first; stored oldest first, so same-second ties keep order.
        for bookmark in reversed(new):
            self.store.put_bookmark(bookmark)
        self.store.flush()
        return len(new)

    def article_ids(self) -> set[str]:
        return {b.article_id for b in self.store.bookmarks() if b.kind == "article"}
