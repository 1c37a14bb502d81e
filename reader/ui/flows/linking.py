"""Following links: a stored copy opens in the archive, anything else in the browser
(a text browser runs with the app suspended, as in newsboat), or is copied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import SuspendNotSupported
from textual.screen import Screen

from reader.core.errors import Interrupted
from reader.core.sanitize import OPENABLE_SCHEMES, clean_url
from reader.ui.browser import find_browser, takes_terminal
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.sidebar import QuoteList, RelatedList

if TYPE_CHECKING:
    import webbrowser

    from reader.ui.main_screen import MainScreen


class Linking(Screen[None]):
    def open_url(self: MainScreen, url: str) -> None:
        safe = clean_url(url, OPENABLE_SCHEMES)
        if not safe:
            self.say("Only http(s) and mailto links open in the browser.", severity="warning")
            return
        self._launch_browser(safe)

    @work(thread=True, exit_on_error=False, group="browser")
    def _launch_browser(self: MainScreen, url: str) -> None:
        """Finding a browser can be slow, so it happens here. The URL is one argument,
        never a shell's."""
        browser = find_browser()
        call = self.app.call_from_thread
        if browser is None:
            call(self._no_browser, url)
        elif takes_terminal(browser):
            call(self._open_in_terminal, browser, url)
        elif browser.open(url):
            call(self.say, url, title="Opening in the browser")
        else:
            call(self._no_browser, url)

    def _no_browser(self: MainScreen, url: str) -> None:
        self.app.copy_to_clipboard(url)
        self.say(f"No browser found (set $BROWSER); the link is copied: {url}", severity="warning")

    def _open_in_terminal(self: MainScreen, browser: webbrowser.BaseBrowser, url: str) -> None:
        try:
            with self.app.suspend():
                browser.open(url)
        except SuspendNotSupported:
            self._no_browser(url)

    @on(RelatedList.Chosen)
    def _related_chosen(self: MainScreen, event: RelatedList.Chosen) -> None:
        link = event.link
        if link.in_archive and not event.browser and link.article_id:
            self.close_sidebar_if_it_hides("article")
            self.open_in_archive(link.article_id)
        elif link.url:
            self.open_url(link.url)
        else:
            self.action_search(link.title)  # no address: look for it in the archive

    @on(ArticleView.FollowLink)
    def _follow_link(self: MainScreen, event: ArticleView.FollowLink) -> None:
        doc = self.article_view.document
        links = {link.number: link for link in doc.links} if doc else {}
        link = links.get(event.number)
        if link is None:
            self.app.bell()
            return
        self._follow(link.url)

    @work(thread=True, exit_on_error=False, exclusive=True, group="follow")
    def _follow(self: MainScreen, url: str) -> None:
        """Open a stored copy of ``url`` if there is one; the first lookup reads indexes."""
        try:
            found = self.library.find_article(url)
        except Interrupted:
            return
        if found:
            self.app.call_from_thread(self.open_in_archive, found)
        else:
            self.app.call_from_thread(self.open_url, url)

    @on(QuoteList.Chosen)
    def _quote_chosen(self: MainScreen, event: QuoteList.Chosen) -> None:
        self.close_sidebar_if_it_hides("article")
        self.article_view.go_to_quote(event.position)

    def action_open_browser(self: MainScreen) -> None:
        article = self.article_view.article or self.article_list.current
        if article is None or not article.link:
            self.say("This article has no web link.")
            return
        self.open_url(article.link)

    def action_copy_link(self: MainScreen) -> None:
        article = self.article_view.article or self.article_list.current
        link = clean_url(article.link if article else "", OPENABLE_SCHEMES)
        if not link:
            self.say("This article has no web link.")
        else:
            self.app.copy_to_clipboard(link)  # OSC 52: the terminal puts it on the clipboard
            self.say(link, title="Link copied")
