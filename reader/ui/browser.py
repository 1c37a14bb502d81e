"""Which browser opens a link, and whether it needs the terminal to itself."""

from __future__ import annotations

import webbrowser


def find_browser() -> webbrowser.BaseBrowser | None:
    """The browser ``$BROWSER`` or the desktop names, or None where there is none."""
    try:
        return webbrowser.get()
    except webbrowser.Error:
        return None


def takes_terminal(browser: webbrowser.BaseBrowser) -> bool:
    """A text browser (w3m, lynx, a ``$BROWSER`` command) runs in our terminal and
    is waited for, so the app must step aside while it runs; a desktop browser is not."""
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    )
