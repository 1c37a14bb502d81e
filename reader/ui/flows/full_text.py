"""Full text for summary-only feeds: F fetches the open article's web page (the summary
stays on screen with a progress line meanwhile), and F again switches between the
page and the feed's summary; after a refresh the pages it queued are fetched in the
background; a feed's full_text mode is set from the palette."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from textual import work
from textual.screen import Screen

from reader.core.errors import ReaderError
from reader.core.models import Article, FullTextOutcome
from reader.core.sanitize import clean_line
from reader.ui.messages import (
    FullTextFetched,
    FullTextModeRequested,
    FullTextsFetched,
    FullTextsProgressed,
)

if TYPE_CHECKING:
    from reader.ui.main_screen import MainScreen


class FullTexting(Screen[None]):
    def action_full_text(self: MainScreen) -> None:
        article = self.article_view.article
        if article is None:
            return
        stored = self.library.find_stored(article.id) or article
        if stored.full_text:  # the body is the page already: F switches page <-> summary
            self.summaries ^= {article.id}
            self.reopen(article.id)
            return
        if not stored.link:
            self.say("This article has no web page to fetch.", severity="warning")
            return
        host = clean_line(urlsplit(stored.link).hostname or stored.link)
        self.article_view.set_note(f"Fetching the full text from {host}…")
        self.status.set("fulltext", f"full text: {host}")
        self._fetch_full_text(article.id)

    @work(thread=True, exit_on_error=False, group="fulltext")
    def _fetch_full_text(self: MainScreen, article_id: str) -> None:
        try:
            outcome = self.library.fetch_full_text(article_id)
        except ReaderError as error:
            self.post_message(FullTextFetched(article_id, False, str(error)))
            return
        self.post_message(
            FullTextFetched(article_id, outcome.stored, outcome.reason or "", outcome.words)
        )

    def on_full_text_fetched(self: MainScreen, message: FullTextFetched) -> None:
        self.status.clear("fulltext")
        if not message.stored:
            self.say(message.reason, severity="warning", title="Kept the feed's summary")
            if self.shown_id == message.article_id:
                self.article_view.set_note("")
            return
        self.say(f"{message.words:,} words from the web page", title="Full text")
        self.summaries.discard(message.article_id)
        self.reopen(message.article_id)
        self.index_archive()  # its search terms and related stories, from the page

    def reopen(self: MainScreen, article_id: str) -> None:
        """Show the article again if it is the one open (its body or version changed)."""
        if self.shown_id == article_id:
            self.shown_id = None
            self.open_current(delay=0)

    def note_for(self: MainScreen, article: Article, summary: bool) -> str:
        if summary:
            return "The feed's summary · F: the full text of the web page"
        if article.full_text:
            return (
                f"Full text of the web page {clean_line(article.full_text)} · F: the feed's summary"
            )
        if article.full_text_error:
            return f"Kept the feed's summary: {clean_line(article.full_text_error)}"
        return ""

    def fetch_queued_full_texts(self: MainScreen) -> None:
        """Fetch the queued pages, unless a fetch is running: the pages queued meanwhile
        are fetched when it ends (two would fetch the same kept queue twice)."""
        running = any(w.group == "fulltexts" and w.is_running for w in self.workers)
        if not running and self.library.full_texts_queued():
            self._fetch_queued()

    @work(thread=True, exit_on_error=False, group="fulltexts")
    def _fetch_queued(self: MainScreen) -> None:
        """After a refresh: the pages it queued, never blocking reading."""

        def progress(done: int, total: int, outcome: FullTextOutcome) -> None:
            self.post_message(FullTextsProgressed(done, total))

        outcomes: list[FullTextOutcome] = []
        try:
            for _ in range(3):  # the pages queued while a round ran are the next round's
                if not self.library.full_texts_queued():
                    break
                outcomes += self.library.fetch_full_texts(progress=progress)
        except ReaderError as error:
            self.say(str(error), severity="error")
        stored = tuple(o.article_id for o in outcomes if o.stored)
        self.post_message(FullTextsFetched(stored, len(outcomes) - len(stored)))

    def on_full_texts_progressed(self: MainScreen, message: FullTextsProgressed) -> None:
        self.status.set("fulltext", f"full text {message.done}/{message.total}")

    def on_full_texts_fetched(self: MainScreen, message: FullTextsFetched) -> None:
        self.status.clear("fulltext")
        if message.stored or message.kept:
            self.say(
                f"{len(message.stored)} pages stored, {message.kept} kept the summary",
                title="Full text",
            )
        if self.shown_id in message.stored:
            self.reopen(self.shown_id)
        if message.stored:
            self.index_archive()

    def on_full_text_mode_requested(self: MainScreen, message: FullTextModeRequested) -> None:
        try:
            feed = self.library.set_full_text(message.feed_id, message.mode)  # type: ignore[arg-type]
        except ReaderError as error:
            self.say(str(error), severity="error")
            return
        said = message.mode or "as in the settings"
        self.say(f"Full text for {feed.title}: {said}")
