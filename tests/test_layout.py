"""The layout's and plain text's shortcuts read as the plain patterns they replace."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core.analysis.document import _single_spaced
from reader.core.analysis.layout import (
    _LABEL,
    _LABEL_STARTS,
    _SPACES,
    _is_credit,
    _is_label,
    _may_be_label,
    _words,
)
from reader.core.sanitize import clean_line

# The one pattern _is_credit replaces, searched from every position.
_CREDIT = re.compile(
    r"""\((?:[^()]*\W)?(?:photos?|images?|pictures?|photograph|illustration|credit)\b[^()]*\)\s*$
    |^(?:photos?|images?|pictures?|photograph|illustration|credit)s?\s*(?:by\b|:)
    |(?:getty\s+images|shutterstock)\W*$""",
    re.IGNORECASE | re.VERBOSE,
)

_CREDIT_TEXT = st.lists(
    st.sampled_from(
        [
            *"ab (): .\n\t_-",
            "Photo",
            "PHOTOS",
            "images",
            "Picture",
            "photograph",
            "Illustration",
            "credit",
            "by",
            "BY ",
            "Getty",
            "GETTY",
            "gEtTy",
            "Images",
            "ımages",
            "İMAGES",
            "shutterstock",
            "ſhutterstock",
            "SHUTTERSTOCK",
            "ShutterstocK",
            "\x00",
            "\x1b[31m",
            "\u202e",
            "\xa0",
            "—",
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_CREDIT_TEXT)
def test_credit_reads_as_the_one_pattern(text: str) -> None:
    assert _is_credit(text) == (_CREDIT.search(text) is not None)


def test_credit_cases() -> None:
    for text in [
        "A crowd in the square (Photo: Ada Brook / AP)",
        "Photos by Ada Brook",
        "Image: Reuters",
        "The harbour at dawn. Getty Images",
        "The harbour at dawn — GETTY\nIMAGES.",
        "Boats. ſhutterstock",
        "Boats. SHUTTERSTOCK",
        "İmages by Bo",
    ]:
        assert _is_credit(text) and _CREDIT.search(text), text
    for text in ["The council met.", "Getty Images said no more.", "(a photo of it) then"]:
        assert not _is_credit(text) and not _CREDIT.search(text), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\xa0ab", max_size=20))
def test_single_spaced_is_the_pattern(text: str) -> None:
    assert _single_spaced(text) == _SPACES.sub(" ", text)


_WORDY = st.text(alphabet=" \t\n\x1c\x85\xa0\u2028ab\x00\x1b", max_size=300)


@settings(max_examples=500, deadline=None)
@given(_WORDY, st.integers(min_value=0, max_value=70))
def test_words_counted_up_to_a_bound(text: str, most: int) -> None:
    assert _words(text, most) == min(len(text.split()), most + 1)
    assert _words(text) == len(text.split())


@settings(max_examples=500, deadline=None)
@given(_WORDY, st.integers(min_value=0, max_value=300))
def test_a_lines_start_cleans_to_the_start_of_the_whole(text: str, cut: int) -> None:
    # parse_text skips a paragraph whose first line's first 200 characters clean to
    # more than a label's 70: the whole line's cleaning starts with theirs.
    assert clean_line(text).startswith(clean_line(text[:cut]))
    if len(clean_line(text[:cut])) > 70:
        assert not _is_label(clean_line(text))


# Each of the label pattern's alternatives without its first letter.
_LABEL_RESTS = [
    "on't miss",
    "elated stories",
    "ead more",
    "lso read",
    "ee also",
    "urther reading",
    "ore stories",
    "ore on this",
    "ecommended",
    "ore from Port Tallin",
    "ou may also like",
]


def test_labels_start_with_the_letters_the_shortcut_knows() -> None:
    for code in range(0x30000):
        first = chr(code)
        if first.isalnum() and first not in _LABEL_STARTS:
            assert not any(_LABEL.match(first + rest) for rest in _LABEL_RESTS), hex(code)
    for label in ["Don't miss", "RELATED:", "  read more", "ſee also", "\x01More on this"]:
        assert _may_be_label(label) and _is_label(clean_line(label))


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Related", "Read more", " ", "\x1b", "\xa0", "ſ"]), st.characters()
        ),
        max_size=6,
    ).map("".join)
)
def test_may_be_label_misses_no_label(line: str) -> None:
    assert _may_be_label(line) or not _is_label(clean_line(line))
