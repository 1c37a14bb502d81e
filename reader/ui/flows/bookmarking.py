"""Bookmarks from the panes: an article, a link or a quotation, with tags and a note;
editing, removing (u undoes), filtering the Bookmarks list, and exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen

from reader.core.bookmarks import EXPORT_FORMATS
from reader.core.config import export_dir
from reader.core.errors import ReaderError
from reader.core.models import Article, Bookmark
from reader.core.storage.atomic import write_export
from reader.ui.messages import ExportRequested
from reader.ui.screens.bookmark_dialog import BookmarkDialog
from reader.ui.screens.export_dialog import ExportDialog
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.feed_list import BOOKMARKS
from reader.ui.widgets.sidebar import QuoteList, RelatedList

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen


class Bookmarking(Screen[None]):
    def action_bookmark(self: MainScreen) -> None:
        """b: the open article, or the quotation under the cursor (after ] or [).

        In the sidebar, b bookmarks the chosen link or quotation instead.
        """
        article = self.article_view.article or self.article_list.current
        if article is None:
            return
        position = self.article_view.current_quote
        if self.focused is self.article_view and position is not None:
            quote = self.article_view.quotes[position]
            self._ask_bookmark(article, f"“{quote.text}”", {"quote": position + 1})
            return
        existing = self.library.article_bookmark(article.id)
        if existing is not None:
            self._remove_bookmark(existing)
            return
        self._ask_bookmark(article, article.title, {})

    @on(RelatedList.BookmarkRequested)
    def _bookmark_link(self: MainScreen, event: RelatedList.BookmarkRequested) -> None:
        article = self.article_view.article
        if article is None or not event.link.url:
            self.say("Only links with a web address can be bookmarked.", severity="warning")
            return
        self._ask_bookmark(
            article, event.link.title, {"url": event.link.url, "title": event.link.title}
        )

    @on(QuoteList.BookmarkRequested)
    def _bookmark_quote(self: MainScreen, event: QuoteList.BookmarkRequested) -> None:
        article = self.article_view.article
        if article is not None:
            quote = self.article_view.quotes[event.position]
            self._ask_bookmark(article, f"“{quote.text}”", {"quote": event.position + 1})

    def _ask_bookmark(
        self: MainScreen, article: Article, what: str, target: dict[str, object]
    ) -> None:
        def save(answer: tuple[list[str], str] | None) -> None:
            if answer is None:
                return
            tags, note = answer
            try:
                made = self.library.bookmark(
                    article.id,
                    tags=tags,
                    note=note,
                    persist=False,
                    **target,  # type: ignore[arg-type]
                )
            except ReaderError as error:
                self.say(str(error), severity="error")
                return
            self.flush_store()
            self.say(f"Bookmarked {made.kind}: {made.title[:60]}")
            self.reload()

        self.app.push_screen(BookmarkDialog(what), save)

    @on(ArticleList.FilterBookmarks)
    def _filter_bookmarks(self: MainScreen, event: ArticleList.FilterBookmarks) -> None:
        """Cycle through "everything", then each tag (or kind) in turn."""
        marks = self.library.bookmarks()
        if event.by == "tag":
            choices: list[str | None] = [None, *sorted({t for b in marks for t in b.tags})]
        else:
            choices = [None, "article", "link", "quote"]
        current = self.bookmark_filter[event.by]
        position = choices.index(current) if current in choices else 0
        self.bookmark_filter[event.by] = choices[(position + 1) % len(choices)]
        self.show_articles(BOOKMARKS)

    @on(ArticleList.BookmarkAction)
    def _bookmark_action(self: MainScreen, event: ArticleList.BookmarkAction) -> None:
        bookmark = event.bookmark
        if event.action == "remove":
            self._remove_bookmark(bookmark)
            return

        def save(answer: tuple[list[str], str] | None) -> None:
            if answer is not None:
                bookmark.tags, bookmark.note = tuple(answer[0]), answer[1]
                self.library.put_bookmark(bookmark, persist=False)
                self.flush_store()
                self.reload()

        self.app.push_screen(BookmarkDialog(bookmark.title, bookmark.tags, bookmark.note), save)

    def _remove_bookmark(self: MainScreen, bookmark: Bookmark) -> None:
        """Remove now (written off the UI thread); u puts it back."""
        self.library.remove_bookmark(bookmark.id, persist=False)
        self.flush_store()

        def undo() -> None:
            self.library.put_bookmark(bookmark, persist=False)
            self.flush_store()

        self.push_undo("bookmark removed", undo)
        self.reload()

    def on_export_requested(self: MainScreen, message: ExportRequested) -> None:
        self.export_bookmarks(message.fmt)

    def export_bookmarks(self: MainScreen, fmt: str) -> None:
        """Ask for a path, then write the export off the UI thread."""
        default = export_dir() / f"reader-bookmarks.{fmt}"

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._write_export(fmt, path)

        self.app.push_screen(ExportDialog(EXPORT_FORMATS[fmt], default), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def _write_export(self: MainScreen, fmt: str, path: Path) -> None:
        try:
            text = self.library.export_bookmarks(fmt)
            written = write_export(path, text, force=True)  # the dialog confirmed overwriting
        except ReaderError as error:
            self.say(str(error), severity="error")
            return
        count = self.library.bookmark_count()
        self.say(f"Wrote {count} bookmarks to {written}", title="Exported")
