"""The main screen: feeds | articles | article | sidebar, and the state they share.

The screen holds what the panes have in common (the article shown, the one
opened, filters, undo) and the layout; what happens on a key lives in the flows
(reader.ui.flows), one module each.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker

from reader.core.library import Library
from reader.core.sanitize import clean_line
from reader.core.settings import Settings, remember
from reader.ui.flows.bookmarking import Bookmarking
from reader.ui.flows.full_text import FullTexting
from reader.ui.flows.linking import Linking
from reader.ui.flows.listing import Listing
from reader.ui.flows.navigating import Navigating
from reader.ui.flows.opening import Opening
from reader.ui.flows.refreshing import Refreshing
from reader.ui.flows.searching import Searching
from reader.ui.flows.subscribing import Subscribing
from reader.ui.flows.syncing import Syncing
from reader.ui.messages import FeedRequested
from reader.ui.pacer import KeyPacer
from reader.ui.panes import arrange
from reader.ui.status import Status
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.feed_list import ALL_FEEDS, FeedList
from reader.ui.widgets.key_bar import KeyBar
from reader.ui.widgets.sidebar import Sidebar
from reader.ui.widgets.title_bar import TitleBar

SEARCH_WARMUP_DELAY = 2.0  # seconds after start-up


class MainScreen(
    Listing,
    Opening,
    Linking,
    Bookmarking,
    FullTexting,
    Searching,
    Refreshing,
    Subscribing,
    Syncing,
    Navigating,
):
    # The ids keep their "app." prefix: users' keymaps name them.
    BINDINGS = [
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
        # Priority: it runs as the key arrives, so keys typed right after it (a fast
        # typist, a paste) land in the search field instead of acting on the list.
        Binding("slash", "search", "Search", id="app.search", priority=True),
        Binding("a", "add_feed", "Add feed", show=False, id="app.add_feed"),
        Binding("d", "remove_feed", "Remove feed", show=False, id="app.remove_feed"),
        Binding("E", "rename_feed", "Rename feed", show=False, id="app.rename_feed"),
        Binding("M", "move_feed", "Move feed to a folder", show=False, id="app.move_feed"),
        Binding("i", "import_opml", "Import OPML", show=False, id="app.import_opml"),
        Binding("f", "toggle_unread_only", "Unread only", show=False, id="app.unread_only"),
        Binding("z", "zoom", "Zoom article", show=False, id="app.zoom"),
        Binding("y", "copy_link", "Copy link", show=False, id="app.copy_link"),
        Binding("o", "open_browser", "Open in browser", show=False, id="app.open_browser"),
        Binding(
            "F",
            "full_text",
            "Full text of the page (again: the summary)",
            show=False,
            id="app.full_text",
        ),  # fmt: skip
        Binding("u", "undo", "Undo", show=False, id="app.undo"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", show=False, id="app.focus_previous"
        ),
    ]

    unread_only: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        library: Library,
        settings: Settings,
        status: Status,
        pacer: KeyPacer,
        *,
        list_rows: int | None = None,
    ) -> None:
        """``list_rows``: the row mode to start in (v's last choice; else the settings')."""
        super().__init__()
        self._list_rows = list_rows or settings.list_rows
        self.library = library
        self.settings = settings
        self.status = status
        self.pacer = pacer
        self.shown_id: str | None = None  # the article in the article pane
        self.opened: str | None = None  # the article last opened (not only previewed)
        self.pending_quote: int | str | None = None  # a quotation's position, or its text
        self.focus_on_load: str | None = None  # Enter: focus this article once it is shown
        self.open_timer: Timer | None = None
        self.loading_first: str | None = None  # the start-up open, loading in a worker
        self.related_started = False  # the archive's indexes asked for yet
        self.undo_stack: list[tuple[str, Callable[[], None]]] = []
        self.bookmark_filter: dict[str, str | None] = {"tag": None, "kind": None}
        self.hidden_feeds: set[str] = set()  # removed, while u can still bring them back
        self.removals: dict[str, Timer] = {}
        self.summaries: set[str] = set()  # articles shown as the feed's summary, not the page
        self.sync_error: str | None = None  # the last one said, so a retry does not repeat it
        self._width = 0  # the terminal's, from the last resize

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            with Vertical(id="middle"):
                yield Input(placeholder="Search titles, text, quotes…", id="search")
                yield ArticleList(id="articles")
            yield ArticleView(id="article")
            yield Sidebar(id="sidebar")
        yield KeyBar()

    def on_mount(self) -> None:
        self.feed_list.border_title = "Feeds"
        self.article_list.border_title = "Articles"
        self.article_list.select_now = self.article_selected
        self.article_list.set_row_height(self._list_rows)
        self.lay_out()
        self.reload(select_feed=ALL_FEEDS)
        self.article_list.focus()
        self.open_current(delay=0, in_worker=True)
        # The search index loads in the background once the first screen is up,
        # so it does not compete with the first paint.
        self.set_timer(SEARCH_WARMUP_DELAY, self.index_archive)
        # Pages queued before the last quit and not fetched then (services.fulltext).
        self.set_timer(SEARCH_WARMUP_DELAY, self.fetch_queued_full_texts)
        self.start_syncing()
        if self.settings.refresh_interval > 0:
            self.set_interval(self.settings.refresh_interval * 60, self.action_refresh_all)

    def on_unmount(self) -> None:
        self.finish_removals()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.post_message(event)  # the app reports a failed worker and carries on

    def after_handed(self, argv: list[str], code: int) -> None:
        """A command run elsewhere was handed to the app (reader.handoff): show its effect."""
        words = [a for a in argv if not a.startswith("-")]
        self.say(
            " ".join(words)[:80], title="Done from the command line" if code == 0 else "Failed"
        )
        self.reload()
        if code == 0 and words and words[0] in ("add", "refresh", "opml"):
            self.index_archive()

    @on(ArticleList.RowsToggled)
    def _rows_toggled(self, event: ArticleList.RowsToggled) -> None:
        self.remember("list_rows", event.lines)

    @work(thread=True, exit_on_error=False, group="settings")
    def remember(self, key: str, value: str | int) -> None:
        """Keep a choice made here (theme, row mode) for the next start."""
        if self.library.readonly:
            return
        try:
            remember(self.library.path, self.settings, key, value)
        except OSError as error:
            warning = f"Could not remember the {key.replace('_', ' ')}: {error.strerror}"
            self.app.call_from_thread(self.say, warning, severity="warning")

    def on_feed_requested(self, message: FeedRequested) -> None:
        self.go_to_feed(message.feed_id)

    def say(self, message: str, *, severity: str = "information", title: str = "") -> None:
        """A notification whose text is never read as markup."""
        self.app.notify(clean_line(message), title=title, severity=severity, markup=False)  # type: ignore[arg-type]

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

    def on_resize(self, event: events.Resize) -> None:
        self._width = event.size.width  # self.size may not have caught up yet
        self.lay_out()

    def lay_out(self) -> None:
        """Which panes show and how wide (reader.ui.panes decides)."""
        shape = arrange(self._width or self.size.width, self.has_class("-sidebar-toggled"))
        self.set_class(shape.narrow, "-narrow")
        self.set_class(shape.wide, "-wide")
        self.set_class(shape.hide_feeds, "-side-no-feeds")
        self.set_class(shape.hide_list, "-side-no-list")
        self.set_class(shape.sidebar_full, "-side-full")
        self.feed_list.styles.width = shape.feeds
        self.query_one("#middle").styles.width = shape.listed

    def sidebar_visible(self) -> bool:
        return self.has_class("-wide") != self.has_class("-sidebar-toggled")

    def close_sidebar_if_it_hides(self, pane: str) -> None:
        """Before showing the list or the article, take away a sidebar that hides it."""
        hides = {"list": "-side-no-list", "article": "-side-full"}[pane]
        if self.has_class(hides):
            self.toggle_class("-sidebar-toggled")
            self.lay_out()

    # -- undo --------------------------------------------------------------------

    def push_undo(self, what: str, undo: Callable[[], None]) -> None:
        self.undo_stack.append((what, undo))
        self.say(f"{what.capitalize()}. Press u to undo.")

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.app.bell()
            return
        what, undo = self.undo_stack.pop()
        undo()
        self.say(f"Undone: {what}.")
        self.reload()
