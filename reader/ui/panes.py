"""Which panes show at a terminal width, and how wide the feeds and the list are.

The article keeps MIN_ARTICLE columns (60 of text):
the sidebar takes room from the feeds, then from the list, and below
NARROW_WIDTH it takes the article's place. With room to spare the list grows
until whole titles fit.
"""

from __future__ import annotations

from dataclasses import dataclass

FEEDS_WIDTH, LIST_WIDTH, SIDEBAR_WIDTH = 24, 38, 34  # as in styles.tcss
MIN_FEEDS, MIN_LIST = 18, 26  # what the panes shrink to before the article does
MAX_LIST = 72  # a whole headline (~65 characters), its marker and border
ARTICLE_ROOM = 70  # the article's share before the list grows past LIST_WIDTH
MIN_ARTICLE = 67  # 60 of text, border 2, padding 4, scrollbar 1
NARROW_WIDTH = 100  # below this, the sidebar replaces the article
WIDE_WIDTH = FEEDS_WIDTH + LIST_WIDTH + SIDEBAR_WIDTH + MIN_ARTICLE  # the sidebar stays shown


@dataclass(frozen=True)
class Arrangement:
    wide: bool  # the sidebar shows unless toggled off
    narrow: bool
    hide_feeds: bool
    hide_list: bool
    sidebar_full: bool  # the sidebar in the article's place
    feeds: int
    listed: int


def arrange(width: int, sidebar_toggled: bool) -> Arrangement:
    wide = width >= WIDE_WIDTH
    side = (wide != sidebar_toggled) and not wide  # a sidebar the user opened
    hide_list = side and width < LIST_WIDTH + SIDEBAR_WIDTH + MIN_ARTICLE
    rest = width - (SIDEBAR_WIDTH if wide != sidebar_toggled else 0)
    feeds = 0 if side else FEEDS_WIDTH
    listed = LIST_WIDTH
    spare = rest - feeds - listed - ARTICLE_ROOM
    if spare > 0:
        listed = min(MAX_LIST, listed + spare)
    short = MIN_ARTICLE - (rest - feeds - listed)
    if short > 0 and not hide_list:
        cut = min(short, LIST_WIDTH - MIN_LIST)
        listed, short = listed - cut, short - cut
        if feeds:
            feeds -= min(short, FEEDS_WIDTH - MIN_FEEDS)
    return Arrangement(
        wide=wide,
        narrow=width < NARROW_WIDTH,
        hide_feeds=side,
        hide_list=hide_list,
        sidebar_full=side and width < NARROW_WIDTH,
        feeds=feeds or FEEDS_WIDTH,
        listed=listed,
    )
