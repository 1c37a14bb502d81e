"""The wheel carries styles.tcss and the seeds, and the app finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_carries_styles_and_seeds_and_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("reader_tui-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "reader/_data/styles.tcss" in names
    assert "reader/core/analysis/quotes/first_names.tsv.gz" in names  # who is a person
    assert "reader/_data/seeds/000_f9c39cc6b21bc300.txt" in names
    assert any(n.startswith("reader/_data/seeds/") and n.endswith(".rss") for n in names)
    assert any(n.startswith("reader/_data/seeds/") and n.endswith(".atom") for n in names)
    seed = (tmp_path / "site/reader/_data/seeds/000_f9c39cc6b21bc300.txt").read_bytes()
    assert seed == (ROOT / "seeds/000_f9c39cc6b21bc300.txt").read_bytes()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "reader = reader.launch:main" in (tmp_path / "site" / entry_points).read_text()

    # Run from the unpacked wheel, not the checkout: resources resolve inside it.
    code = (
        "from reader.core.config import seeds_dir, styles_path;"
        "from reader.core.analysis.quotes.first_names import first_name_gender as g;"
        "print(seeds_dir()); print(styles_path()); assert g('Mary') == 'she'"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    for line in done.stdout.split():
        assert line.startswith(str(tmp_path / "site" / "reader" / "_data")), line
