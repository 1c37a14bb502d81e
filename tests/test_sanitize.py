"""clean_line's shortcut (printable text skips the pattern) against its plain form."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.sanitize import clean_line

_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def plain_clean_line(text: str) -> str:
    return " ".join(_CONTROL_LINE.sub(" ", text).split())


HOSTILE = [
    "",
    "plain words",
    "NUL\x00inside",
    "\x1b[31mred\x1b[0m and \x1b]0;title\x07",
    "bidi \u202eevil\u202c and \u200f marks \u2066x\u2069",
    "C1 \x85 next line \x9b CSI \x80",
    "tabs\tand\nnewlines\r\n\x0b\x0c\x1c\x1d\x1e\x1f",
    "lone \ud800 surrogate \udfff",
    "\xa0no-break\u2028line\u2029para\u3000ideographic",
    "zero\u200bwidth\ufeffbom",
    "“Quoted,” said Ada — café",
    "DEL\x7fhere",
]


def test_clean_line_on_hostile_text() -> None:
    for text in HOSTILE:
        assert clean_line(text) == plain_clean_line(text), repr(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(HOSTILE), st.characters(codec=None), st.text(max_size=5)),
        max_size=10,
    ).map("".join)
)
def test_clean_line_is_its_plain_form(text: str) -> None:
    assert clean_line(text) == plain_clean_line(text)
