"""Build reader/core/analysis/quotes/first_names.tsv.gz from names-dataset (Apache-2.0).

Run: pip install names-dataset && python scripts/build_first_names.py

The table holds the first names that rank among the 1,500 most given in at least
two of names-dataset's 105 countries, or the 300 most given in one (~30k names;
a single country's list holds words such as "House" and "Hill"), each with a code: M (>= 90 % of
its bearers are men), m (>= 70 %), F, f likewise for women, A (neither). The quote
finder reads it to tell a person's name from a capitalised thing and to resolve
'he' and 'she'. names-dataset: Copyright Philippe Remy, Apache License 2.0.
"""

from __future__ import annotations

import gzip
import pickle
from importlib.resources import files
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "reader/core/analysis/quotes/first_names.tsv.gz"
TOP, COUNTRIES, TOP_IN_ONE = 1500, 2, 300


def code(gender: dict[str, float]) -> str:
    men = gender.get("M", 0.0)
    women = gender.get("F", 0.0)
    for share, strong, weak in ((men, "M", "m"), (women, "F", "f")):
        if share >= 0.9:
            return strong
        if share >= 0.7:
            return weak
    return "A"


def kept(ranks: list[int]) -> bool:
    return sum(r <= TOP for r in ranks) >= COUNTRIES or any(r <= TOP_IN_ONE for r in ranks)


def main() -> None:
    source = files("names_dataset") / "v3" / "first_names.pkl.gz"
    with gzip.open(str(source)) as handle:
        names = pickle.load(handle)  # noqa: S301 - the package's own data
    rows = sorted(
        f"{name}\t{code(info['gender'])}"
        for name, info in names.items()
        if " " not in name
        and name.isalpha()
        and info.get("gender")
        and kept(list((info.get("rank") or {}).values()))
    )
    OUT.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode(), mtime=0))
    print(f"{len(rows)} names -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
