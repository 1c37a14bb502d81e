"""Opening an article: the highlight rests, the article loads (here or in a worker),
its related links follow a frame later, and it counts as read when it was opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen
from textual.worker import get_current_worker

from reader.core.errors import Interrupted, ReaderError
from reader.core.models import Article
from reader.core.sanitize import clean_line
from reader.ui.messages import ArticleLoaded, RelatedLoaded
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.feed_list import ALL_FEEDS
from reader.ui.widgets.sidebar import QuoteList, RelatedList

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen

OPEN_DELAY = 0.08  # seconds a highlight must rest before the article loads
MAX_SIDEBAR_INLINE = 50
RELATED_WARMUP_DELAY = 1.0  # seconds after the first article shows, its related stories


class Opening(Screen[None]):
    @on(ArticleList.Highlighted)
    def _article_highlighted(self: MainScreen) -> None:
        current = self.article_list.current
        if current is not None and current.id == self.focus_on_load:
            return  # j then Enter: Enter opened it already; this message of j's comes later
        self.focus_on_load = None
        self.open_current()

    def article_selected(self: MainScreen) -> None:
        """Enter on the article list (called by it directly: see ArticleList.select_now)."""
        bookmark = self.article_list.current_bookmark
        if bookmark is not None and bookmark.kind == "quote":
            self.pending_quote = bookmark.title  # found in the quotations the open brings
            self.shown_id = None
        current = self.article_list.current
        if current is not None:
            self.opened = current.id  # opened, not only previewed: it counts as read
        if current is not None and current.id != self.shown_id:
            # Focus moves once the article is on screen (see on_article_loaded).
            self.focus_on_load = current.id
            self.open_current(delay=0)
        else:
            self.article_view.focus()
            if current is not None:
                self.set_read(current, True)

    def open_current(
        self: MainScreen, delay: float = OPEN_DELAY, *, in_worker: bool = False
    ) -> None:
        """Open the highlighted article once the highlight rests (j held down stays fast).

        ``in_worker``: never on the UI thread (at start-up, where the first open also
        loads the quotation finder's tables and the first frame must not wait for it).
        """
        if self.open_timer is not None:
            self.open_timer.stop()
            self.open_timer = None
        article = self.article_list.current
        if article is None:
            self.shown_id = None
            self.article_view.clear("No articles here.")
            return
        if article.id in (self.shown_id, self.loading_first):
            return  # (the list's first highlight comes while the first open is loading)
        self.loading_first = None
        if in_worker:
            self.loading_first = article.id
            self._load_article(article)
        elif delay <= 0:
            self._open_now(article)
        else:
            self.open_timer = self.set_timer(delay, lambda: self._open_now(article))

    def _open_now(self: MainScreen, article: Article) -> None:
        """Open here when that takes a few milliseconds, else in a worker.

        Here, ``j`` then Enter paint the moved list and the article in one frame;
        a worker's article comes a frame or two later (~20 ms at 100k articles).
        """
        if self.app._exit or not self.is_attached:  # a timer firing as the app quits
            return
        self.pacer.active()
        try:
            if not self.library.quick_to_open(article.id):
                self._load_article(article)
                return
            self.workers.cancel_group(self, "open")  # an older load must not land after this
            loaded = self._read_article(article)
        except ReaderError as error:
            self._open_failed(article, error)
            return
        self.on_article_loaded(loaded)

    @work(thread=True, exit_on_error=False, exclusive=True, group="open")
    def _load_article(self: MainScreen, article: Article) -> None:
        self.pacer.active()  # background work gives way to this open
        try:
            loaded = self._read_article(article)
        except ReaderError as error:
            self.app.call_from_thread(self._open_failed, article, error)
            return
        if not get_current_worker().is_cancelled:
            self.post_message(loaded)

    def _open_failed(self: MainScreen, article: Article, error: ReaderError) -> None:
        """An unreadable bodies file: say so where the article would be, and carry on."""
        self.loading_first = None
        self.load_rest()
        current = self.article_list.current
        if current is not None and current.id == article.id:
            self.shown_id = self.focus_on_load = None
            self.article_view.clear(f"This article cannot be shown. {clean_line(str(error))}")
            self.say(str(error), severity="error")

    def _read_article(self: MainScreen, article: Article) -> ArticleLoaded:
        """All an open shows; an article a refresh left pending needs no analysis for it
        (the background pass files it in the archive's indexes)."""
        article = self.library.find_stored(article.id) or article  # full text may be new
        summary = self.library.feed_document(article.id) if article.id in self.summaries else None
        if summary is not None:  # F switched to the feed's own content
            from reader.core.analysis.quotes import find_quotes  # (after the first frame)

            quotes = tuple(find_quotes(summary))
            doc, minutes = summary, 0
        else:
            doc = self.library.document(article.id)
            minutes = self.library.reading_minutes(article.id)
            quotes = self.library.quotes(article.id)
        title = self.library.feed_title(article.feed_id)
        note = self.note_for(article, summary is not None)
        return ArticleLoaded(article, doc, title, minutes, quotes, note)

    @work(thread=True, exit_on_error=False, exclusive=True, group="related")
    def load_related(self: MainScreen, article: Article, build: bool = True) -> None:
        """Related links come second: the first call builds the archive's indexes
        (``build=False``: the article's own links until they are built)."""
        ready = self.library.archive_ready()
        try:
            self._post_related(article, build=build)
            if build and not ready and self.library.archive_ready():
                # This worker built them; others meanwhile showed only the article's
                # own links, so the article shown now gets its related stories too.
                current = self.article_list.current
                if current is not None and current.id != article.id:
                    self._post_related(current)
        except Interrupted:
            return

    def _post_related(self: MainScreen, article: Article, build: bool = True) -> None:
        doc = self.library.document(article.id)
        # Not waiting: while another worker builds the archive indexes this shows
        # the article's own links (waiting workers had filled the thread pool).
        related = self.library.related_for(doc, article, wait=False, build=build)
        from reader.core.analysis.links import inline_links  # (after the first frame)

        _, left_off = inline_links(doc, MAX_SIDEBAR_INLINE)
        # Posted even from a cancelled worker: the handler keeps only the shown article's.
        self.post_message(RelatedLoaded(article.id, related, left_off))

    def on_related_loaded(self: MainScreen, message: RelatedLoaded) -> None:
        if self.shown_id != message.article_id:
            return
        related = message.related
        if self.hidden_feeds:  # a feed removed while its undo lasts: its stories are gone
            related = [link for link in related if not self._in_hidden_feed(link.article_id)]
        self.sidebar.query_one(RelatedList).show_links(related, message.inline_left_off)

    def _in_hidden_feed(self: MainScreen, article_id: str | None) -> bool:
        stored = self.library.find_stored(article_id) if article_id else None
        return stored is not None and stored.feed_id in self.hidden_feeds

    def on_article_loaded(self: MainScreen, message: ArticleLoaded) -> None:
        self.loading_first = None
        # Once the first article is drawn: the rest of the archive (a worker).
        self.call_after_refresh(self.load_rest)
        current = self.article_list.current
        if current is None or current.id != message.article.id:
            return
        self.shown_id = message.article.id
        self.article_view.show(
            message.article,
            message.document,
            feed_title=message.feed_title,
            minutes=message.minutes,
            quotes=message.quotes,
            note=message.note,
        )
        self.sidebar.query_one(RelatedList).show_links([], 0, loading=True)
        self.sidebar.query_one(QuoteList).show_quotes(message.quotes)
        if self.focus_on_load == message.article.id:
            # A frame later: the focus change restyles the article list and pane and
            # repaints both whole (~15 ms), so the article is on screen first.
            self.focus_on_load = None
            self.call_after_refresh(self._focus_shown, message.article.id)
        if self.pending_quote is not None:
            wanted, self.pending_quote = self.pending_quote, None
            texts = [quote.text for quote in message.quotes]
            position = texts.index(wanted) if wanted in texts else wanted
            if isinstance(position, int):
                self.call_after_refresh(self.article_view.go_to_quote, position)
        # The article paints first; its related links and read mark follow a frame later.
        self.call_after_refresh(self._after_shown, message.article)

    def _warm_related(self: MainScreen) -> None:
        current = self.article_list.current
        if current is not None and current.id == self.shown_id:
            self.load_related(current)

    def _focus_shown(self: MainScreen, article_id: str) -> None:
        if self.shown_id == article_id:
            self.article_view.focus()

    def _after_shown(self: MainScreen, article: Article) -> None:
        """Related links follow the article; it counts as read only when it was opened
        (Enter, a jump to it), or after ``mark_read_after`` seconds in the preview."""
        if self.shown_id != article.id:
            return
        if self.related_started or RELATED_WARMUP_DELAY <= 0:
            self.load_related(article)
        else:
            # The first article at start-up: the archive's indexes (a second of CPU
            # at 10k articles) are built a moment later, not while the first frames
            # are drawn; its own links show meanwhile.
            self.related_started = True
            self.load_related(article, build=False)
            self.set_timer(RELATED_WARMUP_DELAY, self._warm_related)
        if self.opened == article.id:
            self.set_read(article, True)
        elif self.settings.mark_read_after > 0:
            self.set_timer(self.settings.mark_read_after, lambda: self._read_if_still(article))

    def _read_if_still(self: MainScreen, article: Article) -> None:
        if self.shown_id == article.id:
            self.set_read(article, True)

    def open_in_archive(self: MainScreen, article_id: str, quote: int | None = None) -> None:
        """Show a stored article from anywhere: All feeds, highlighted, opened."""
        if self.library.find_stored(article_id) is None:
            self.say("That article is no longer stored.", severity="warning")
            return
        self.pending_quote = quote
        self.shown_id = None
        self.opened = article_id
        self.feed_list.show_feeds(
            self.visible_feeds(), ALL_FEEDS, bookmarks=self.library.bookmark_count()
        )
        self.show_articles(ALL_FEEDS, keep=article_id)
        self.open_current(delay=0)
        self.article_view.focus()

    def set_read(self: MainScreen, article: Article, read: bool) -> None:
        if self.library.mark_later([article.id], read):
            self.article_list.update_row(article, read)
            self.feed_list.update_counts(
                self.visible_feeds(), bookmarks=self.library.bookmark_count()
            )
            self.flush_store()

    @work(thread=True, exit_on_error=False, group="flush")
    def flush_store(self: MainScreen) -> None:
        self.library.flush()

    def action_toggle_read(self: MainScreen) -> None:
        article = self.article_list.current
        if article is not None:
            self.set_read(article, not self.library.is_read(article.id))
