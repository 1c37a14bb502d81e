"""The Textual app: feeds | articles | article | related links.

The app only talks to :class:`reader.core.library.Library`; disk and network
work runs in thread workers that report back with messages.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, OptionList
from textual.worker import get_current_worker

from reader.core.config import styles_path
from reader.core.errors import ReaderError
from reader.core.library import Library, RefreshOutcome
from reader.core.models import Article
from reader.core.sanitize import clean_line
from reader.ui.messages import ArticleLoaded, FeedsRefreshed, RefreshProgressed
from reader.ui.screens.help import HelpScreen
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.feed_list import ALL_FEEDS, FeedList
from reader.ui.widgets.sidebar import Sidebar

NARROW_WIDTH = 100
WIDE_WIDTH = 150
OPEN_DELAY = 0.08  # seconds a highlight must rest before the article loads


class ReaderApp(App[None]):
    """A terminal news reader that shows who said what."""

    TITLE = "reader"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("r", "refresh_feed", "Refresh", id="app.refresh_feed"),
        Binding("R", "refresh_all", "Refresh all", show=False, id="app.refresh_all"),
        Binding("m", "toggle_read", "Read/unread", show=False, id="app.toggle_read"),
        Binding("s", "toggle_sidebar", "Sidebar", id="app.toggle_sidebar"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", show=False, id="app.focus_previous"
        ),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__(css_path=[styles_path()])
        self.library = library
        self._open_timer: object | None = None
        self._shown_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            yield ArticleList(id="articles")
            yield ArticleView(id="article")
            yield Sidebar(id="sidebar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#feeds", FeedList).border_title = "Feeds"
        self.query_one("#articles", ArticleList).border_title = "Articles"
        self.query_one("#sidebar", Sidebar).border_title = "Related"
        self._apply_width(self.size.width)
        self.reload(select_feed=ALL_FEEDS)
        self.query_one("#articles", ArticleList).focus()
        self._open_current(delay=0)

    def on_resize(self) -> None:
        self._apply_width(self.size.width)

    def _apply_width(self, width: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")
        self.screen.set_class(width >= WIDE_WIDTH, "-wide")

    # -- lists -----------------------------------------------------------------

    @property
    def feed_list(self) -> FeedList:
        return self.query_one("#feeds", FeedList)

    @property
    def article_list(self) -> ArticleList:
        return self.query_one("#articles", ArticleList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    def reload(self, *, select_feed: str | None = None) -> None:
        """Redraw both lists from the library, keeping the highlights where they were."""
        feed_id = select_feed or self.feed_list.selected_id
        summaries = self.library.feeds()
        self.feed_list.show_feeds(summaries, feed_id)
        self._show_articles(self.feed_list.selected_id, keep=self._shown_id)

    def _show_articles(self, feed_id: str, keep: str | None = None) -> None:
        articles = self.library.articles(None if feed_id == ALL_FEEDS else feed_id)
        titles = {s.feed.id: s.feed.title for s in self.library.feeds()}
        self.article_list.show_articles(articles, self.library.read_ids(), titles, keep=keep)
        self.article_list.border_subtitle = f"{len(articles)}"

    @on(OptionList.OptionHighlighted, "#feeds")
    def _feed_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_articles(event.option_id or ALL_FEEDS)
        self._open_current()

    @on(OptionList.OptionSelected, "#feeds")
    def _feed_selected(self) -> None:
        self.article_list.focus()

    @on(OptionList.OptionHighlighted, "#articles")
    def _article_highlighted(self) -> None:
        self._open_current()

    @on(OptionList.OptionSelected, "#articles")
    def _article_selected(self) -> None:
        self._open_current(delay=0)
        self.article_view.focus()

    # -- opening an article ------------------------------------------------------

    def _open_current(self, delay: float = OPEN_DELAY) -> None:
        """Open the highlighted article once the highlight rests (j held down stays fast)."""
        if self._open_timer is not None:
            self._open_timer.stop()  # type: ignore[attr-defined]
            self._open_timer = None
        article = self.article_list.current
        if article is None:
            self._shown_id = None
            self.article_view.clear("No articles here.")
            return
        if article.id == self._shown_id:
            return
        if delay <= 0:
            self._load_article(article)
        else:
            self._open_timer = self.set_timer(delay, lambda: self._load_article(article))

    @work(thread=True, exclusive=True, group="open")
    def _load_article(self, article: Article) -> None:
        doc = self.library.document(article.id)
        minutes = self.library.reading_minutes(article.id)
        if not get_current_worker().is_cancelled:
            self.post_message(
                ArticleLoaded(article, doc, self.library.feed_title(article.feed_id), minutes)
            )

    def on_article_loaded(self, message: ArticleLoaded) -> None:
        current = self.article_list.current
        if current is None or current.id != message.article.id:
            return
        self._shown_id = message.article.id
        self.article_view.show(
            message.article,
            message.document,
            feed_title=message.feed_title,
            minutes=message.minutes,
        )
        self.query_one("#sidebar", Sidebar).show_document(message.document)
        self._set_read(message.article, True)

    def _set_read(self, article: Article, read: bool) -> None:
        if self.library.mark_later([article.id], read):
            self.article_list.update_row(article, read)
            self.feed_list.show_feeds(self.library.feeds(), self.feed_list.selected_id)
            self._flush()

    @work(thread=True, group="flush")
    def _flush(self) -> None:
        self.library.flush()

    # -- actions -----------------------------------------------------------------

    def action_back(self) -> None:
        focused = self.focused
        if focused is self.article_view or isinstance(focused, Sidebar):
            self.article_list.focus()
        elif focused is self.article_list:
            self.feed_list.focus()

    def action_help(self) -> None:
        groups = {
            "Everywhere": list(self.BINDINGS),
            "Feed list": list(FeedList.BINDINGS) + list(OptionList.BINDINGS),
            "Article list": list(ArticleList.BINDINGS),
            "Article": list(ArticleView.BINDINGS),
        }
        self.push_screen(HelpScreen(groups))  # type: ignore[arg-type]

    def action_toggle_read(self) -> None:
        article = self.article_list.current
        if article is not None:
            self._set_read(article, not self.library.is_read(article.id))

    def action_toggle_sidebar(self) -> None:
        self.screen.toggle_class("-sidebar-toggled")

    def action_refresh_feed(self) -> None:
        feed_id = self.feed_list.selected_id
        self._refresh(None if feed_id == ALL_FEEDS else [feed_id])

    def action_refresh_all(self) -> None:
        self._refresh(None)

    @work(thread=True, exclusive=True, group="refresh")
    def _refresh(self, feed_ids: list[str] | None) -> None:
        started = time.monotonic()
        self.post_message(RefreshProgressed(0, 0, RefreshOutcome("", "")))

        def progress(done: int, total: int, outcome: RefreshOutcome) -> None:
            self.post_message(RefreshProgressed(done, total, outcome))

        try:
            outcomes = self.library.refresh(feed_ids, progress=progress)
        except ReaderError as error:
            self.notify(clean_line(str(error)), severity="error", markup=False)
            outcomes = []
        self.post_message(FeedsRefreshed(outcomes, time.monotonic() - started))

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        if message.total:
            self.sub_title = f"refreshing {message.done}/{message.total}"
        else:
            self.sub_title = "refreshing…"

    def on_feeds_refreshed(self, message: FeedsRefreshed) -> None:
        self.sub_title = ""
        new = sum(o.new for o in message.outcomes)
        failed = [o for o in message.outcomes if o.error]
        summary = f"{len(message.outcomes)} feeds: {new} new, {len(failed)} failed"
        self.notify(summary, title="Refreshed", markup=False)
        for outcome in failed[:3]:
            self.notify(clean_line(outcome.error or ""), severity="warning", markup=False)
        self.reload()
