"""The first-name table: which names people use as given names, and their usual gender.

The table (first_names.tsv.gz, ~55k names from names-dataset, see
scripts/build_first_names.py) loads on first use, in ~20 ms.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

_FIRST_NAMES = "first_names.tsv.gz"
PRONOUN_OF = {"male": "he", "mostly_male": "he", "female": "she", "mostly_female": "she"}


def given_name(name: str) -> str:
    """What the first-name table says of a name: 'male', 'mostly_female', 'andy', 'unknown'."""
    if not name[:1].isupper() or len(name) < 2:
        return "unknown"
    table = _first_names()
    found = table.get(name, "unknown")
    if found == "unknown" and "-" in name:  # 'Eva-Marie', 'Jean-Luc': the first part
        found = table.get(name.partition("-")[0], "unknown")
    return found


@lru_cache(maxsize=1)
def _first_names() -> dict[str, str]:
    words = {"M": "male", "m": "mostly_male", "F": "female", "f": "mostly_female", "A": "andy"}
    text = gzip.decompress(Path(__file__).with_name(_FIRST_NAMES).read_bytes()).decode()
    return {
        name: words[code] for name, _, code in (line.partition("\t") for line in text.splitlines())
    }


def first_name_gender(name: str) -> str | None:
    """'he' or 'she' for a first name most people with it use, else None."""
    found = given_name(name)
    return PRONOUN_OF.get(found)
