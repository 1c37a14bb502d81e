"""The Textual app: settings, theme, keymap, the key pacer, and one handler for
workers that fail. The panes and what happens in them are the main screen's
(reader.ui.main_screen); the app only talks to :class:`reader.core.library.Library`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from reader.core.config import styles_path
from reader.core.library import Library
from reader.core.sanitize import clean_line
from reader.core.settings import Settings, remembered_choices
from reader.handoff import Server
from reader.ui.commands import ReaderCommands
from reader.ui.contrast import theme_colours
from reader.ui.main_screen import MainScreen
from reader.ui.pacer import KeyPacer
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.speakers import SpeakersScreen
from reader.ui.status import Status
from reader.ui.widgets.article_list import ArticleList
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.feed_list import FeedList
from reader.ui.widgets.sidebar import QuoteList, RelatedList

WORKER_THREADS = 32  # see on_mount


class ReaderApp(App[None]):
    """A terminal news reader that shows who said what."""

    TITLE = "reader"
    # The status line (see Status): App's own sub_title repaints the whole screen at
    # each change, twice a second while indexing; TitleBar redraws only itself.
    sub_title: Reactive[str] = Reactive("", compute=False, repaint=False)
    COMMANDS = App.COMMANDS | {ReaderCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Keys", id="app.help"),
    ]

    def __init__(
        self,
        library: Library,
        settings: Settings | None = None,
        handed: Callable[[list[str]], int] | None = None,
    ) -> None:
        """``handed`` runs a command another process hands over (see reader.handoff)."""
        super().__init__(css_path=[styles_path()])
        self.library = library
        self._handed = handed
        self._handoff: Server | None = None
        self.settings = settings or Settings()
        self._theme_loaded = False
        self.pacer = KeyPacer(lambda: bool(self._exit) or not self._running)
        self.status = Status(lambda text: setattr(self, "sub_title", text))
        self._choices = remembered_choices(library.path, self.settings)  # theme, row mode
        self.main_screen = MainScreen(
            library, self.settings, self.status, self.pacer, list_rows=self._choices["list_rows"]
        )

    def get_default_screen(self) -> Screen[None]:
        return self.main_screen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.pacer.active()
        await super().on_event(event)

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
        self.pacer.also = self.library.keys_came
        self._apply_settings()
        if self._handed is not None and not self.library.readonly:
            self._handoff = Server(self.library.path, self._run_handed)
            try:
                self._handoff.start()
            except OSError as error:
                self._handoff = None
                self.say(
                    f"Commands run elsewhere cannot reach the app: {error}", severity="warning"
                )

    def on_unmount(self) -> None:
        if self._handoff is not None:
            self._handoff.stop()

    def _run_handed(self, argv: list[str]) -> int:
        """On the hand-off's thread: the command, then the panes show what it changed."""
        assert self._handed is not None
        code = self._handed(argv)
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(self.main_screen.after_handed, argv, code)
        return code

    def _apply_settings(self) -> None:
        """Keymap overrides and the theme: the one last picked here, else config.toml's."""
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        theme = self._choices["theme"]
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
            self.main_screen.remember("theme", theme)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own, without the two this app offers itself (Quit, Keys)."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):
                yield command

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly (the app's or a screen's): one line on
        screen, the traceback in the log (``textual console``), and the app goes on."""
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

    def action_help(self) -> None:
        palette = Binding(
            self.COMMAND_PALETTE_BINDING,
            "command_palette",
            "Command palette: every action, go to a feed, exports, themes",
        )
        keymap = self._keymap  # the user's remapped keys, by binding id

        def typed(bindings: Iterable[Binding | tuple[str, ...]]) -> list[Binding]:
            return [
                replace(b, key=keymap[b.id]) if b.id in keymap else b
                for b in bindings
                if isinstance(b, Binding)
            ]

        groups = {
            "Everywhere": [*self.BINDINGS, *MainScreen.BINDINGS, palette],
            "Feeds": list(FeedList.BINDINGS),
            "Articles and Bookmarks": list(ArticleList.BINDINGS) + list(OptionList.BINDINGS),
            "Article": list(ArticleView.BINDINGS),
            "Sidebar: Related (s)": list(RelatedList.BINDINGS),
            'Sidebar: Quotes (")': list(QuoteList.BINDINGS),
            "Speakers view (S)": list(SpeakersScreen.BINDINGS),
        }
        self.push_screen(HelpScreen({name: typed(found) for name, found in groups.items()}))
