"""Colours that stay readable in every theme: quotations, the accent, pane borders.

Some of Textual's themes draw ``$warning`` at 1.5:1 on their background
(orange on light grey) and ``$panel-lighten-2`` borders at 1.0:1. The app
keeps each theme's hue and moves it toward black or white until it reaches
WCAG's ratios: 4.5:1 for text, 3:1 for the parts of the screen one must see.
"""

from __future__ import annotations

from textual.color import Color, ColorParseError

TEXT_CONTRAST = 4.5  # WCAG 2 AA, normal text
BORDER_CONTRAST = 3.0  # WCAG 2 1.4.11, user-interface components
_BLACK, _WHITE = Color(0, 0, 0), Color(255, 255, 255)
_STEPS = 20


def _luminance(colour: Color) -> float:
    def linear(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.r) + 0.7152 * linear(colour.g) + 0.0722 * linear(colour.b)


def contrast(first: Color, second: Color) -> float:
    """WCAG's contrast ratio, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: Color, backgrounds: list[Color], minimum: float) -> Color:
    """``colour`` as it is if it reaches ``minimum`` on every background, else
    blended toward black or white (whichever the backgrounds allow) until it does."""
    target = _WHITE if _luminance(backgrounds[0]) < 0.18 else _BLACK
    for step in range(_STEPS + 1):
        moved = colour.blend(target, step / _STEPS)
        if all(contrast(moved, ground) >= minimum for ground in backgrounds):
            return moved
    return target


def theme_colours(variables: dict[str, str]) -> dict[str, str]:
    """``$quote``, ``$readable-accent`` (focused borders, their titles, unread
    rows) and ``$pane-border`` for the theme whose variables are given.

    ANSI themes leave colours to the terminal, so theirs are passed through.
    """
    chosen = {
        "quote": variables["warning"],
        "readable-accent": variables["accent"],
        "pane-border": variables["panel-lighten-2"],
    }
    minimum = {"quote": TEXT_CONTRAST, "readable-accent": TEXT_CONTRAST}
    try:
        grounds = [Color.parse(variables[name]) for name in ("background", "surface")]
        colours = {name: Color.parse(value) for name, value in chosen.items()}
    except ColorParseError:  # an ANSI name or "transparent": the terminal decides
        return chosen
    if any(c.ansi is not None or c.a < 1 for c in (*grounds, *colours.values())):
        return chosen
    return {
        name: readable(colour, grounds, minimum.get(name, BORDER_CONTRAST)).hex
        for name, colour in colours.items()
    }
