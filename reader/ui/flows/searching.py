"""Search as you type over the whole archive, and the background pass that files
what refreshes left pending (quotes, related terms) and loads the search index."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import get_current_worker

from reader.core.errors import Interrupted, ReaderError
from reader.ui.messages import IndexingFinished, IndexingProgressed, SearchDone

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen

PROGRESS_EVERY = 0.5  # seconds between progress updates in the title bar


class Searching(Screen[None]):
    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def searching(self) -> bool:
        return self.has_class("-searching")

    def action_search(self: MainScreen, query: str | None = None) -> None:
        """/: search the whole archive as you type; escape ends the search."""
        if query is None and self.focused is self.search_input:
            # A / inside the query: typed after the letters already on their way to it.
            self.search_input.post_message(events.Key("slash", "/"))
            return
        self.close_sidebar_if_it_hides("list")
        self.add_class("-searching")
        if query is not None:
            self.search_input.value = query
        self.set_focus(self.search_input)  # at once: keys typed right after / are the query

    def end_search(self: MainScreen) -> None:
        self.remove_class("-searching")
        self.search_input.value = ""
        self.show_articles(self.feed_list.selected_id, keep=self.shown_id)
        self.article_list.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self: MainScreen, event: Input.Changed) -> None:
        if event.value.strip():
            self._run_search(event.value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self: MainScreen) -> None:
        self.article_list.focus()

    @work(thread=True, exit_on_error=False, exclusive=True, group="search")
    def _run_search(self: MainScreen, query: str) -> None:
        try:
            hits = self.library.search(query)
        except Interrupted:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(SearchDone(query, hits))

    def on_search_done(self: MainScreen, message: SearchDone) -> None:
        if not self.searching or message.query != self.search_input.value:
            return  # an older query, or the search was closed meanwhile
        titles = self.library.feed_titles()
        hits = [hit for hit in message.hits if hit.article.feed_id not in self.hidden_feeds]
        terms = tuple(dict.fromkeys(t for hit in hits for t in hit.matched_terms))
        self.article_list.show_articles(
            [hit.article for hit in hits],
            self.library.read_ids(),
            titles,
            highlight=terms,
        )
        self.article_list.border_title = "Search"
        self.article_list.border_subtitle = f"{len(hits)}"
        self.open_current()

    @work(thread=True, exit_on_error=False, exclusive=True, group="index")
    def index_archive(self: MainScreen) -> None:
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
            analysed = self.library.analyse_pending(progress=progress, background=True)
            self.library.prepare_search()
        except Interrupted:
            return
        except ReaderError as error:
            self.say(str(error), severity="error")
        self.post_message(IndexingFinished(analysed))

    def on_indexing_progressed(self: MainScreen, message: IndexingProgressed) -> None:
        done, total = message.done, message.total
        self.status.set("indexing", f"indexing {done:,}/{total:,}" if done < total else "")

    def on_indexing_finished(self: MainScreen, message: IndexingFinished) -> None:
        self.status.clear("indexing")
        current = self.article_list.current
        if message.analysed and current is not None and current.id == self.shown_id:
            self.load_related(current)  # the archive now has more stories to relate
