"""The Textual app: feeds | articles | article | sidebar (related links or quotes).

The app only talks to :class:`reader.core.library.Library`; disk and network
work runs in thread workers that report back with messages.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, OptionList
from textual.worker import Worker, WorkerState, get_current_worker

from reader.core.analysis.links import inline_links
from reader.core.bookmarks import EXPORT_FORMATS
from reader.core.config import export_dir, styles_path
from reader.core.errors import Interrupted, ReaderError
from reader.core.library import Library
from reader.core.models import Article, Bookmark, FeedSummary, RefreshOutcome
from reader.core.sanitize import OPENABLE_SCHEMES, clean_line, clean_url
from reader.core.settings import Settings, chosen_theme, save_theme
from reader.core.storage.atomic import write_export
from reader.ui.browser import find_browser, takes_terminal
from reader.ui.commands import ReaderCommands
from reader.ui.contrast import theme_colours
from reader.ui.messages import (
    ArticleLoaded,
    ExportRequested,
    FeedRequested,
    FeedsRefreshed,
    IndexingFinished,
    IndexingProgressed,
    RefreshProgressed,
    RefreshStarted,
    RelatedLoaded,
    SearchDone,
)
from reader.ui.pacer import KeyPacer
from reader.ui.panes import arrange
from reader.ui.screens.bookmark_dialog import BookmarkDialog
from reader.ui.screens.export_dialog import ExportDialog
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.speakers import SpeakersScreen
from reader.ui.status import Status
from reader.ui.subscribing import Subscribing
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.feed_list import ALL_FEEDS, BOOKMARKS, FeedList
from reader.ui.widgets.key_bar import KeyBar
from reader.ui.widgets.sidebar import QuoteList, RelatedList, Sidebar

if TYPE_CHECKING:
    import webbrowser

OPEN_DELAY = 0.08  # seconds a highlight must rest before the article loads
WORKER_THREADS = 32  # see on_mount
PROGRESS_EVERY = 0.5  # seconds between progress updates in the title bar
MAX_SIDEBAR_INLINE = 50
SEARCH_WARMUP_DELAY = 2.0  # seconds after start-up


class ReaderApp(Subscribing, App[None]):
    """A terminal news reader that shows who said what."""

    TITLE = "reader"
    COMMANDS = App.COMMANDS | {ReaderCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("b", "bookmark", "Bookmark", id="app.bookmark"),
        Binding("quotation_mark", "show_quotes", "Quotes", id="app.quotes"),
        Binding("s", "toggle_sidebar", "Related", id="app.toggle_sidebar"),
        Binding("S", "speakers", "Speakers", id="app.speakers"),
        Binding("r", "refresh_feed", "Refresh", id="app.refresh_feed"),
        Binding("R", "refresh_all", "Refresh all", show=False, id="app.refresh_all"),
        Binding("m", "toggle_read", "Read/unread", show=False, id="app.toggle_read"),
        Binding("n", "next_unread", "Next unread", show=False, id="app.next_unread"),
        Binding("N", "previous_unread", "Previous unread", show=False, id="app.previous_unread"),
        Binding("A", "mark_feed_read", "Mark feed read", show=False, id="app.mark_feed_read"),
        Binding("slash", "search", "Search", id="app.search"),
        Binding("a", "add_feed", "Add feed", show=False, id="app.add_feed"),
        Binding("d", "remove_feed", "Remove feed", show=False, id="app.remove_feed"),
        Binding("E", "rename_feed", "Rename feed", show=False, id="app.rename_feed"),
        Binding("M", "move_feed", "Move feed to a folder", show=False, id="app.move_feed"),
        Binding("i", "import_opml", "Import OPML", show=False, id="app.import_opml"),
        Binding("f", "toggle_unread_only", "Unread only", show=False, id="app.unread_only"),
        Binding("z", "zoom", "Zoom article", show=False, id="app.zoom"),
        Binding("y", "copy_link", "Copy link", show=False, id="app.copy_link"),
        Binding("o", "open_browser", "Open in browser", show=False, id="app.open_browser"),
        Binding("u", "undo", "Undo", show=False, id="app.undo"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", show=False, id="app.focus_previous"
        ),
    ]

    def __init__(self, library: Library, settings: Settings | None = None) -> None:
        super().__init__(css_path=[styles_path()])
        self.library = library
        self.settings = settings or Settings()
        self._theme_loaded = False
        self._open_timer: Timer | None = None
        self.pacer = KeyPacer(lambda: bool(self._exit) or not self._running)
        self.status = Status(lambda text: setattr(self, "sub_title", text))
        self._shown_id: str | None = None
        self._pending_quote: int | str | None = None  # a quotation's position, or its text
        self._focus_on_load: str | None = None  # Enter: focus this article once it is shown
        self._opened: str | None = None  # the article last opened (not only previewed)
        self._undo: list[tuple[str, Callable[[], None]]] = []
        self._bookmark_filter: dict[str, str | None] = {"tag": None, "kind": None}
        self._width = 0  # the terminal's, from the last resize
        self.hidden_feeds: set[str] = set()  # removed, while u can still bring them back
        self._removals: dict[str, Timer] = {}
        self.unread_only = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            with Vertical(id="middle"):
                yield Input(placeholder="Search titles, text, quotes…", id="search")
                yield ArticleList(id="articles")
            yield ArticleView(id="article")
            yield Sidebar(id="sidebar")
        yield KeyBar()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.pacer.active()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.finish_removals()

    def on_mount(self) -> None:
        # Workers (indexing, index builds) hold the interpreter lock for up to the
        # switch interval each time the UI thread wants it: 5 ms by default, which
        # stacked into 100-150 ms frame stalls while indexing; 1 ms keeps them
        # under ~50 ms and costs the workers ~3%.
        sys.setswitchinterval(0.001)
        # Thread workers run on the event loop's default executor: 6 threads on two
        # cores. Workers waiting for an index being built (related links, search)
        # filled it, and an article's load then queued behind them for seconds.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="worker")
        )
        # The archive's records live as long as the app: keep them out of the cyclic
        # garbage collector's scans (at 100k articles a full scan took ~100 ms, a
        # stall in the middle of some keypress).
        gc.freeze()
        self.library.background_pause = self.pacer.pause
        self._apply_settings()
        self.feed_list.border_title = "Feeds"
        self.article_list.border_title = "Articles"
        self.article_list.select_now = self._article_selected
        self._arrange()
        self.reload(select_feed=ALL_FEEDS)
        self.article_list.focus()
        self._open_current(delay=0)
        # The search index loads in the background once the first screen is up,
        # so it does not compete with the first paint.
        self.set_timer(SEARCH_WARMUP_DELAY, self._index_archive)
        if self.settings.refresh_interval > 0:
            self.set_interval(self.settings.refresh_interval * 60, self.action_refresh_all)

    def _apply_settings(self) -> None:
        """Keymap overrides and the theme: the one last picked here, else config.toml's."""
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        self.article_list.set_row_height(self.settings.list_rows)
        theme = chosen_theme(self.library.path, self.settings)
        if theme not in self.available_themes:
            theme = self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.say(f"Unknown theme {theme!r} in the settings.", severity="warning")
        self._theme_loaded = True

    def watch_theme(self, theme: str) -> None:
        """Remember a theme picked from the palette for the next start (off the UI thread)."""
        if self._theme_loaded and not self.library.readonly:
            self._save_theme(theme)

    @work(thread=True, exit_on_error=False, group="settings")
    def _save_theme(self, theme: str) -> None:
        try:
            save_theme(self.library.path, theme, self.settings)
        except OSError as error:
            self.call_from_thread(
                self.say, f"Could not remember the theme: {error.strerror}", severity="warning"
            )

    def on_resize(self, event: events.Resize) -> None:
        self._width = event.size.width  # self.size may not have caught up yet
        self._arrange()

    def _arrange(self) -> None:
        """Which panes show and how wide (reader.ui.panes decides)."""
        screen = self.main_screen
        shape = arrange(self._width or self.size.width, screen.has_class("-sidebar-toggled"))
        screen.set_class(shape.narrow, "-narrow")
        screen.set_class(shape.wide, "-wide")
        screen.set_class(shape.hide_feeds, "-side-no-feeds")
        screen.set_class(shape.hide_list, "-side-no-list")
        screen.set_class(shape.sidebar_full, "-side-full")
        self.feed_list.styles.width = shape.feeds
        self.query_one("#middle").styles.width = shape.listed

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own, without the two this app offers itself (Quit, Keys)."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):
                yield command

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly: one line on screen, the traceback in the
        log (``textual console``), and the app goes on (its workers do not exit it)."""
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        self.log.error("".join(traceback.format_exception(error)))
        what = (event.worker.group or event.worker.name or "background work").replace("_", " ")
        self.say(f"{what} failed: {type(error).__name__}: {error}", severity="error")

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, its quotation, accent and border colours made readable."""
        variables = super().get_css_variables()
        return {**variables, **theme_colours(variables)}

    def say(self, message: str, *, severity: str = "information", title: str = "") -> None:
        """A notification whose text is never read as markup."""
        self.notify(clean_line(message), title=title, severity=severity, markup=False)  # type: ignore[arg-type]

    # -- panes -----------------------------------------------------------------

    @property
    def feed_list(self) -> FeedList:
        return self.query_one("#feeds", FeedList)

    @property
    def article_list(self) -> ArticleList:
        return self.query_one("#articles", ArticleList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one("#sidebar", Sidebar)

    @property
    def main_screen(self) -> Screen[None]:
        """The panes' screen, also while a dialog or the help is on top of it."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    def _sidebar_visible(self) -> bool:
        screen = self.main_screen
        return screen.has_class("-wide") != screen.has_class("-sidebar-toggled")

    def _close_sidebar_if_it_hides(self, pane: str) -> None:
        """Before showing the list or the article, take away a sidebar that hides it."""
        hides = {"list": "-side-no-list", "article": "-side-full"}[pane]
        if self.screen.has_class(hides):
            self.screen.toggle_class("-sidebar-toggled")
            self._arrange()

    def reload(self, *, select_feed: str | None = None) -> None:
        """Redraw both lists from the library, keeping the highlights where they were."""
        feed_id = select_feed or self.feed_list.selected_id
        self.feed_list.show_feeds(
            self.visible_feeds(), feed_id, bookmarks=self.library.bookmark_count()
        )
        self._show_articles(self.feed_list.selected_id, keep=self._shown_id)

    def _show_articles(self, feed_id: str, keep: str | None = None) -> None:
        titles = self.library.feed_titles()
        if feed_id == BOOKMARKS:
            tag, kind = self._bookmark_filter["tag"], self._bookmark_filter["kind"]
            marks = [
                b
                for b in self.library.bookmarks()
                if (tag is None or tag in b.tags) and (kind is None or b.kind == kind)
            ]
            articles = {b.article_id: self.library.find_stored(b.article_id) for b in marks}
            shown = " · ".join(f for f in (kind, f"#{tag}" if tag else None) if f)
            self.article_list.show_bookmarks(marks, articles, titles, filtered_by=shown)
            # A Content, not a str: a border title string is read as markup.
            self.article_list.border_title = Content(f"Bookmarks {shown}".strip())
            self.article_list.border_subtitle = f"{len(marks)}"
            return
        articles_ = self._articles_of(feed_id)
        read = self.library.read_ids()
        if self.unread_only:
            articles_ = [a for a in articles_ if a.id not in read or a.id == keep]
        self.article_list.show_articles(articles_, read, titles, keep=keep)
        self.article_list.border_title = "Unread" if self.unread_only else "Articles"
        self.article_list.border_subtitle = f"{len(articles_)}"

    def visible_feeds(self) -> list[FeedSummary]:
        """The feeds, less those removed while their undo lasts."""
        return [s for s in self.library.feeds() if s.feed.id not in self.hidden_feeds]

    def _articles_of(self, selected: str) -> list[Article]:
        """A feed's articles, a folder's (newest first across its feeds), or all."""
        feed_ids = self.feed_list.feed_ids(selected)
        if feed_ids is None:
            hidden = self.hidden_feeds
            articles = self.library.articles()
            return [a for a in articles if a.feed_id not in hidden] if hidden else articles
        if len(feed_ids) == 1:
            return self.library.articles(feed_ids[0])
        return self.library.articles_in(feed_ids)

    @on(OptionList.OptionHighlighted, "#feeds")
    def _feed_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_articles(event.option_id or ALL_FEEDS)
        feed = self.library.find_feed(event.option_id or "")
        self.status.set(
            "feed", f"last refresh failed: {clean_line(feed.error)}" if feed and feed.error else ""
        )
        self._open_current()

    @on(OptionList.OptionSelected, "#feeds")
    def _feed_selected(self) -> None:
        self.article_list.focus()

    @on(ArticleList.Highlighted)
    def _article_highlighted(self) -> None:
        current = self.article_list.current
        if current is not None and current.id == self._focus_on_load:
            return  # j then Enter: Enter opened it already; this message of j's comes later
        self._focus_on_load = None
        self._open_current()

    def _article_selected(self) -> None:
        """Enter on the article list (called by it directly: see ArticleList.select_now)."""
        bookmark = self.article_list.current_bookmark
        if bookmark is not None and bookmark.kind == "quote":
            self._pending_quote = bookmark.title  # found in the quotations the open brings
            self._shown_id = None
        current = self.article_list.current
        if current is not None:
            self._opened = current.id  # opened, not only previewed: it counts as read
        if current is not None and current.id != self._shown_id:
            # Focus moves once the article is on screen (see on_article_loaded).
            self._focus_on_load = current.id
            self._open_current(delay=0)
        else:
            self.article_view.focus()
            if current is not None:
                self._set_read(current, True)

    # -- opening an article ------------------------------------------------------

    def _open_current(self, delay: float = OPEN_DELAY) -> None:
        """Open the highlighted article once the highlight rests (j held down stays fast)."""
        if self._open_timer is not None:
            self._open_timer.stop()
            self._open_timer = None
        article = self.article_list.current
        if article is None:
            self._shown_id = None
            self.article_view.clear("No articles here.")
            return
        if article.id == self._shown_id:
            return
        if delay <= 0:
            self._open_now(article)
        else:
            self._open_timer = self.set_timer(delay, lambda: self._open_now(article))

    def _open_now(self, article: Article) -> None:
        """Open here when that takes a few milliseconds, else in a worker.

        Here, ``j`` then Enter paint the moved list and the article in one frame;
        a worker's article comes a frame or two later (~20 ms at 100k articles).
        """
        if self._exit or not self.screen_stack:  # a timer firing as the app quits
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
    def _load_article(self, article: Article) -> None:
        self.pacer.active()  # background work gives way to this open
        try:
            loaded = self._read_article(article)
        except ReaderError as error:
            self.call_from_thread(self._open_failed, article, error)
            return
        if not get_current_worker().is_cancelled:
            self.post_message(loaded)

    def _open_failed(self, article: Article, error: ReaderError) -> None:
        """An unreadable bodies file: say so where the article would be, and carry on."""
        current = self.article_list.current
        if current is not None and current.id == article.id:
            self._shown_id = self._focus_on_load = None
            self.article_view.clear(f"This article cannot be shown. {clean_line(str(error))}")
            self.say(str(error), severity="error")

    def _read_article(self, article: Article) -> ArticleLoaded:
        """All an open shows; an article a refresh left pending needs no analysis for it
        (the background pass files it in the archive's indexes)."""
        doc = self.library.document(article.id)
        minutes = self.library.reading_minutes(article.id)
        quotes = self.library.quotes(article.id)
        title = self.library.feed_title(article.feed_id)
        return ArticleLoaded(article, doc, title, minutes, quotes)

    @work(thread=True, exit_on_error=False, exclusive=True, group="related")
    def _load_related(self, article: Article) -> None:
        """Related links come second: the first call builds the archive's indexes."""
        ready = self.library.archive_ready()
        try:
            self._post_related(article)
            if not ready and self.library.archive_ready():
                # This worker built them; others meanwhile showed only the article's
                # own links, so the article shown now gets its related stories too.
                current = self.article_list.current
                if current is not None and current.id != article.id:
                    self._post_related(current)
        except Interrupted:
            return

    def _post_related(self, article: Article) -> None:
        doc = self.library.document(article.id)
        # Not waiting: while another worker builds the archive indexes this shows
        # the article's own links (waiting workers had filled the thread pool).
        related = self.library.related_for(doc, article, wait=False)
        _, left_off = inline_links(doc, MAX_SIDEBAR_INLINE)
        # Posted even from a cancelled worker: the handler keeps only the shown article's.
        self.post_message(RelatedLoaded(article.id, related, left_off))

    def on_related_loaded(self, message: RelatedLoaded) -> None:
        if self._shown_id == message.article_id:
            self.sidebar.query_one(RelatedList).show_links(message.related, message.inline_left_off)

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
            quotes=message.quotes,
        )
        self.sidebar.query_one(RelatedList).show_links([], 0, loading=True)
        self.sidebar.query_one(QuoteList).show_quotes(message.quotes)
        if self._focus_on_load == message.article.id:
            # A frame later: the focus change restyles the article list and pane and
            # repaints both whole (~15 ms), so the article is on screen first.
            self._focus_on_load = None
            self.call_after_refresh(self._focus_shown, message.article.id)
        if self._pending_quote is not None:
            wanted, self._pending_quote = self._pending_quote, None
            texts = [quote.text for quote in message.quotes]
            position = texts.index(wanted) if wanted in texts else wanted
            if isinstance(position, int):
                self.call_after_refresh(self.article_view.go_to_quote, position)
        # The article paints first; its related links and read mark follow a frame later.
        self.call_after_refresh(self._after_shown, message.article)

    def _focus_shown(self, article_id: str) -> None:
        if self._shown_id == article_id:
            self.article_view.focus()

    def _after_shown(self, article: Article) -> None:
        """Related links follow the article; it counts as read only when it was opened
        (Enter, a jump to it), or after ``mark_read_after`` seconds in the preview."""
        if self._shown_id != article.id:
            return
        self._load_related(article)
        if self._opened == article.id:
            self._set_read(article, True)
        elif self.settings.mark_read_after > 0:
            self.set_timer(self.settings.mark_read_after, lambda: self._read_if_still(article))

    def _read_if_still(self, article: Article) -> None:
        if self._shown_id == article.id:
            self._set_read(article, True)

    def open_in_archive(self, article_id: str, quote: int | None = None) -> None:
        """Show a stored article from anywhere: All feeds, highlighted, opened."""
        if self.library.find_stored(article_id) is None:
            self.say("That article is no longer stored.", severity="warning")
            return
        self._pending_quote = quote
        self._shown_id = None
        self._opened = article_id
        self.feed_list.show_feeds(
            self.visible_feeds(), ALL_FEEDS, bookmarks=self.library.bookmark_count()
        )
        self._show_articles(ALL_FEEDS, keep=article_id)
        self._open_current(delay=0)
        self.article_view.focus()

    def _set_read(self, article: Article, read: bool) -> None:
        if self.library.mark_later([article.id], read):
            self.article_list.update_row(article, read)
            self.feed_list.update_counts(
                self.visible_feeds(), bookmarks=self.library.bookmark_count()
            )
            self._flush_store()

    @work(thread=True, exit_on_error=False, group="flush")
    def _flush_store(self) -> None:
        self.library.flush()

    # -- links -------------------------------------------------------------------

    def open_url(self, url: str) -> None:
        safe = clean_url(url, OPENABLE_SCHEMES)
        if not safe:
            self.say("Only http(s) and mailto links open in the browser.", severity="warning")
            return
        self._launch_browser(safe)

    @work(thread=True, exit_on_error=False, group="browser")
    def _launch_browser(self, url: str) -> None:
        """Finding a browser can be slow, so it happens here; a text browser is run
        with the app suspended, as newsboat does. The URL is one argument, never a shell's."""
        browser = find_browser()
        if browser is None:
            self.call_from_thread(self._no_browser, url)
        elif takes_terminal(browser):
            self.call_from_thread(self._open_in_terminal, browser, url)
        elif browser.open(url):
            self.call_from_thread(self.say, url, title="Opening in the browser")
        else:
            self.call_from_thread(self._no_browser, url)

    def _no_browser(self, url: str) -> None:
        self.copy_to_clipboard(url)
        self.say(
            f"No browser found (set $BROWSER); the link is copied: {url}",
            severity="warning",
        )

    def _open_in_terminal(self, browser: webbrowser.BaseBrowser, url: str) -> None:
        try:
            with self.suspend():
                browser.open(url)
        except SuspendNotSupported:
            self._no_browser(url)

    @on(RelatedList.Chosen)
    def _related_chosen(self, event: RelatedList.Chosen) -> None:
        link = event.link
        if link.in_archive and not event.browser and link.article_id:
            self._close_sidebar_if_it_hides("article")
            self.open_in_archive(link.article_id)
        elif link.url:
            self.open_url(link.url)
        else:
            self.action_search(link.title)  # no address: look for it in the archive

    @on(ArticleView.FollowLink)
    def _follow_link(self, event: ArticleView.FollowLink) -> None:
        doc = self.article_view.document
        links = {link.number: link for link in doc.links} if doc else {}
        link = links.get(event.number)
        if link is None:
            self.bell()
            return
        self._follow(link.url)

    @work(thread=True, exit_on_error=False, exclusive=True, group="follow")
    def _follow(self, url: str) -> None:
        """Open a stored copy of ``url`` if there is one; the first lookup reads indexes."""
        try:
            found = self.library.find_article(url)
        except Interrupted:
            return
        if found:
            self.call_from_thread(self.open_in_archive, found)
        else:
            self.call_from_thread(self.open_url, url)

    @on(QuoteList.Chosen)
    def _quote_chosen(self, event: QuoteList.Chosen) -> None:
        self._close_sidebar_if_it_hides("article")
        self.article_view.go_to_quote(event.position)

    def action_open_browser(self) -> None:
        article = self.article_view.article or self.article_list.current
        if article is None or not article.link:
            self.say("This article has no web link.")
            return
        self.open_url(article.link)

    # -- bookmarks ---------------------------------------------------------------

    def action_bookmark(self) -> None:
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
    def _bookmark_link(self, event: RelatedList.BookmarkRequested) -> None:
        article = self.article_view.article
        if article is None or not event.link.url:
            self.say("Only links with a web address can be bookmarked.", severity="warning")
            return
        self._ask_bookmark(
            article, event.link.title, {"url": event.link.url, "title": event.link.title}
        )

    @on(QuoteList.BookmarkRequested)
    def _bookmark_quote(self, event: QuoteList.BookmarkRequested) -> None:
        article = self.article_view.article
        if article is not None:
            quote = self.article_view.quotes[event.position]
            self._ask_bookmark(article, f"“{quote.text}”", {"quote": event.position + 1})

    def _ask_bookmark(self, article: Article, what: str, target: dict[str, object]) -> None:
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
            self._flush_store()
            self.say(f"Bookmarked {made.kind}: {made.title[:60]}")
            self.reload()

        self.push_screen(BookmarkDialog(what), save)

    @on(ArticleList.FilterBookmarks)
    def _filter_bookmarks(self, event: ArticleList.FilterBookmarks) -> None:
        """Cycle through "everything", then each tag (or kind) in turn."""
        marks = self.library.bookmarks()
        if event.by == "tag":
            choices: list[str | None] = [None, *sorted({t for b in marks for t in b.tags})]
        else:
            choices = [None, "article", "link", "quote"]
        current = self._bookmark_filter[event.by]
        position = choices.index(current) if current in choices else 0
        self._bookmark_filter[event.by] = choices[(position + 1) % len(choices)]
        self._show_articles(BOOKMARKS)

    @on(ArticleList.BookmarkAction)
    def _bookmark_action(self, event: ArticleList.BookmarkAction) -> None:
        bookmark = event.bookmark
        if event.action == "remove":
            self._remove_bookmark(bookmark)
            return

        def save(answer: tuple[list[str], str] | None) -> None:
            if answer is not None:
                bookmark.tags, bookmark.note = tuple(answer[0]), answer[1]
                self.library.put_bookmark(bookmark, persist=False)
                self._flush_store()
                self.reload()

        self.push_screen(BookmarkDialog(bookmark.title, bookmark.tags, bookmark.note), save)

    def _remove_bookmark(self, bookmark: Bookmark) -> None:
        """Remove now (written off the UI thread); u puts it back."""
        self.library.remove_bookmark(bookmark.id, persist=False)
        self._flush_store()

        def undo() -> None:
            self.library.put_bookmark(bookmark, persist=False)
            self._flush_store()

        self._push_undo("bookmark removed", undo)
        self.reload()

    def on_export_requested(self, message: ExportRequested) -> None:
        self.export_bookmarks(message.fmt)

    def on_feed_requested(self, message: FeedRequested) -> None:
        self.go_to_feed(message.feed_id)

    def export_bookmarks(self, fmt: str) -> None:
        """Ask for a path, then write the export off the UI thread."""
        default = export_dir() / f"reader-bookmarks.{fmt}"

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._write_export(fmt, path)

        self.push_screen(ExportDialog(EXPORT_FORMATS[fmt], default), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def _write_export(self, fmt: str, path: Path) -> None:
        try:
            text = self.library.export_bookmarks(fmt)
            written = write_export(path, text, force=True)  # the dialog confirmed overwriting
        except ReaderError as error:
            self.say(str(error), severity="error")
            return
        count = self.library.bookmark_count()
        self.say(f"Wrote {count} bookmarks to {written}", title="Exported")

    def go_to_feed(self, feed_id: str) -> None:
        self.feed_list.show_feeds(
            self.visible_feeds(), feed_id, bookmarks=self.library.bookmark_count()
        )
        self._show_articles(self.feed_list.selected_id)
        self._open_current(delay=0)
        self.article_list.focus()

    # -- undo --------------------------------------------------------------------

    def _push_undo(self, what: str, undo: Callable[[], None]) -> None:
        self._undo.append((what, undo))
        self.say(f"{what.capitalize()}. Press u to undo.")

    def action_undo(self) -> None:
        if not self._undo:
            self.bell()
            return
        what, undo = self._undo.pop()
        undo()
        self.say(f"Undone: {what}.")
        self.reload()

    # -- search ----------------------------------------------------------------------

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def searching(self) -> bool:
        return self.screen.has_class("-searching")

    def action_search(self, query: str | None = None) -> None:
        """/: search the whole archive as you type; escape ends the search."""
        self._close_sidebar_if_it_hides("list")
        self.screen.add_class("-searching")
        if query is not None:
            self.search_input.value = query
        self.search_input.focus()

    def end_search(self) -> None:
        self.screen.remove_class("-searching")
        self.search_input.value = ""
        self._show_articles(self.feed_list.selected_id, keep=self._shown_id)
        self.article_list.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._run_search(event.value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.article_list.focus()

    @work(thread=True, exit_on_error=False, exclusive=True, group="search")
    def _run_search(self, query: str) -> None:
        try:
            hits = self.library.search(query)
        except Interrupted:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(SearchDone(query, hits))

    def on_search_done(self, message: SearchDone) -> None:
        if not self.searching or message.query != self.search_input.value:
            return  # an older query, or the search was closed meanwhile
        titles = self.library.feed_titles()
        terms = tuple(dict.fromkeys(t for hit in message.hits for t in hit.matched_terms))
        self.article_list.show_articles(
            [hit.article for hit in message.hits],
            self.library.read_ids(),
            titles,
            highlight=terms,
        )
        self.article_list.border_title = "Search"
        self.article_list.border_subtitle = f"{len(message.hits)}"
        self._open_current()

    @work(thread=True, exit_on_error=False, exclusive=True, group="index")
    def _index_archive(self) -> None:
        """Derive what refreshes left pending (quotes, related terms), then load search."""

        shown = [0.0]

        def progress(done: int, total: int) -> None:
            if get_current_worker().is_cancelled:  # a newer run (after a refresh) took over
                raise Interrupted
            # A title change repaints the whole screen (~15 ms): twice a second is enough.
            if time.monotonic() - shown[0] >= PROGRESS_EVERY or done == total:
                shown[0] = time.monotonic()
                self.post_message(IndexingProgressed(done, total))

        analysed = 0
        try:
            analysed = self.library.analyse_pending(progress=progress)
            self.library.prepare_search()
        except Interrupted:
            return
        except ReaderError as error:
            self.say(str(error), severity="error")
        self.post_message(IndexingFinished(analysed))

    def on_indexing_progressed(self, message: IndexingProgressed) -> None:
        done, total = message.done, message.total
        self.status.set("indexing", f"indexing {done:,}/{total:,}" if done < total else "")

    def on_indexing_finished(self, message: IndexingFinished) -> None:
        self.status.clear("indexing")
        current = self.article_list.current
        if message.analysed and current is not None and current.id == self._shown_id:
            self._load_related(current)  # the archive now has more stories to relate

    # -- reading keys ----------------------------------------------------------------

    def _step_unread(self, step: int) -> None:
        """Move to the next (or previous) unread article, crossing into other feeds."""
        read = self.library.read_ids()
        rows = self.article_list.articles
        start = self.article_list.highlighted
        start = -1 if start is None and step > 0 else (len(rows) if start is None else start)
        index = start + step
        while 0 <= index < len(rows):
            if rows[index].id not in read:
                self.article_list.highlighted = index
                self._opened = rows[index].id  # n/N open the next unread, as Enter would
                self._open_current(delay=0)
                return
            index += step
        feeds = [s for s in self.visible_feeds() if s.unread]
        ids = [s.feed.id for s in self.visible_feeds()]
        here = self.feed_list.selected_id
        position = ids.index(here) if here in ids else -1
        ordered = sorted(feeds, key=lambda s: ids.index(s.feed.id))
        later = [s for s in ordered if (ids.index(s.feed.id) - position) * step > 0]
        if not later:
            self.say("No more unread articles.")
            return
        target = later[0] if step > 0 else later[-1]
        self.go_to_feed(target.feed.id)
        unread = [i for i, a in enumerate(self.article_list.articles) if a.id not in read]
        if unread:
            self.article_list.highlighted = unread[0] if step > 0 else unread[-1]
            current = self.article_list.current
            self._opened = current.id if current is not None else None
            self._open_current(delay=0)

    def action_next_unread(self) -> None:
        self._step_unread(1)

    def action_previous_unread(self) -> None:
        self._step_unread(-1)

    def action_mark_feed_read(self) -> None:
        """A: every article of the chosen feed (or of All) read; u undoes it."""
        feed_id = self.feed_list.selected_id
        if feed_id == BOOKMARKS:
            return
        changed = self.library.mark_later([a.id for a in self._articles_of(feed_id)], True)
        if not changed:
            self.say("Nothing unread here.")
            return
        self._flush_store()
        self.reload()

        def undo() -> None:
            self.library.mark_later(changed, False)
            self._flush_store()

        self._push_undo(f"{len(changed)} articles marked read", undo)

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self._show_articles(self.feed_list.selected_id, keep=self._shown_id)

    def action_zoom(self) -> None:
        self._close_sidebar_if_it_hides("article")
        self.screen.toggle_class("-zoom")
        if self.screen.has_class("-zoom"):
            self.article_view.focus()

    def action_copy_link(self) -> None:
        article = self.article_view.article or self.article_list.current
        link = clean_url(article.link if article else "", OPENABLE_SCHEMES)
        if not link:
            self.say("This article has no web link.")
            return
        self.copy_to_clipboard(link)  # OSC 52: the terminal puts it on the clipboard
        self.say(link, title="Link copied")

    # -- other actions -------------------------------------------------------------

    def action_back(self) -> None:
        focused = self.focused
        if self.searching and focused in (self.search_input, self.article_list):
            self.end_search()
            return
        if isinstance(focused, RelatedList | QuoteList) and self.screen.has_class("-side-no-list"):
            self._close_sidebar_if_it_hides("list")
            self.article_view.focus()
        elif focused is self.article_view or isinstance(focused, RelatedList | QuoteList):
            self.article_list.focus()
        elif focused is self.article_list:
            self.feed_list.focus()

    def action_help(self) -> None:
        palette = Binding(
            self.COMMAND_PALETTE_BINDING,
            "command_palette",
            "Command palette: every action, go to a feed, exports, themes",
        )
        groups = {
            "Everywhere": [*self.BINDINGS, palette],
            "Feeds": list(FeedList.BINDINGS),
            "Articles and Bookmarks": list(ArticleList.BINDINGS) + list(OptionList.BINDINGS),
            "Article": list(ArticleView.BINDINGS),
            "Sidebar: Related (s)": list(RelatedList.BINDINGS),
            'Sidebar: Quotes (")': list(QuoteList.BINDINGS),
            "Speakers view (S)": list(SpeakersScreen.BINDINGS),
        }
        self.push_screen(HelpScreen(groups))  # type: ignore[arg-type]

    def action_toggle_read(self) -> None:
        article = self.article_list.current
        if article is not None:
            self._set_read(article, not self.library.is_read(article.id))

    def action_toggle_sidebar(self) -> None:
        """s: the Related panel; again (or from the Quotes panel's s) hides or switches."""
        self._sidebar_panel("related")

    def action_show_quotes(self) -> None:
        """ ": the Quotes panel; pressed on it, the sidebar closes (as s does on Related)."""
        self._sidebar_panel("quotes")

    def _sidebar_panel(self, mode: str) -> None:
        visible = self._sidebar_visible()
        if visible and self.sidebar.mode == mode:
            self.screen.toggle_class("-sidebar-toggled")  # its own key closes it
            self._arrange()
            if self.focused in self.sidebar.query(OptionList):
                self.article_view.focus()
            return
        self.sidebar.set_mode(mode)
        if not visible:
            self.screen.toggle_class("-sidebar-toggled")
            self._arrange()
        self.sidebar.active_list.focus()

    @work(thread=True, exit_on_error=False, exclusive=True, group="speakers")
    def action_speakers(self) -> None:
        """Off the UI thread: articles a refresh left pending are analysed first."""
        try:
            speakers = self.library.speakers()
        except Interrupted:
            return

        def chosen(result: tuple[str, int] | None) -> None:
            if result is not None:
                self.open_in_archive(*result)

        self.call_from_thread(self.push_screen, SpeakersScreen(speakers), chosen)

    def action_refresh_feed(self) -> None:
        self._refresh(self.feed_list.feed_ids(self.feed_list.selected_id))

    def action_refresh_all(self) -> None:
        self._refresh(None)

    @work(thread=True, exit_on_error=False, exclusive=True, group="refresh")
    def _refresh(self, feed_ids: list[str] | None) -> None:
        started = time.monotonic()
        titles = self.library.feed_titles()
        # Tracked here, not in the handler: progress messages replace one another.
        waiting = dict.fromkeys(feed_ids if feed_ids is not None else titles)
        self.post_message(RefreshStarted(tuple(titles.get(f, f) for f in waiting)))

        def progress(done: int, total: int, outcome: RefreshOutcome) -> None:
            waiting.pop(outcome.feed_id, None)
            left = tuple(titles.get(f, f) for f in waiting)
            self.post_message(RefreshProgressed(done, total, outcome, left))

        try:
            outcomes = self.library.refresh(feed_ids, progress=progress)
        except ReaderError as error:
            self.say(str(error), severity="error")
            outcomes = []
        self.post_message(FeedsRefreshed(outcomes, time.monotonic() - started))

    def on_refresh_started(self, message: RefreshStarted) -> None:
        self.status.set("refresh", f"refreshing…{_waiting_for(message.waiting)}")

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        counted = f"refreshing {message.done}/{message.total}"
        self.status.set("refresh", counted + _waiting_for(message.waiting))

    def on_feeds_refreshed(self, message: FeedsRefreshed) -> None:
        self.status.clear("refresh")
        new = sum(o.new for o in message.outcomes)
        failed = [o for o in message.outcomes if o.error]
        count = len(message.outcomes)
        summary = f"{count} feed{'' if count == 1 else 's'}: {new} new, {len(failed)} failed"
        self.say(summary, title="Refreshed")
        for outcome in failed[:3]:
            self.say(outcome.error or "", severity="warning")
        self.reload()
        if new:
            self._index_archive()


def _waiting_for(titles: tuple[str, ...]) -> str:
    """' · The Quillon Review +2': the first feed still outstanding names the wait."""
    if not titles:
        return ""
    first = clean_line(titles[0])
    first = first if len(first) <= 32 else first[:31] + "…"
    return f" · {first}" + (f" +{len(titles) - 1}" if len(titles) > 1 else "")
