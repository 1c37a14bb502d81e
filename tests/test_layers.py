"""Layer rules checked at run time, in a fresh interpreter (the import contracts in
pyproject.toml check the rest statically, with `lint-imports`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "reader" / "core"


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_core_imports_neither_textual_nor_rich() -> None:
    modules = sorted(
        ".".join(("reader", *p.relative_to(CORE.parent).with_suffix("").parts))
        for p in CORE.rglob("*.py")
        if p.stem != "__init__"
    )
    code = (
        "import importlib, sys\n"
        # httpx loads its own command line (Rich, Click) when Click is installed, as
        # the test tools install it; a user's install has no Click, so httpx does not.
        "sys.modules['httpx._main'] = None\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
def test_the_app_starts_without_the_network_and_parsing_stack() -> None:
    """httpx, the feed parsers and lxml load on the first refresh, not at start (~100 ms)."""
    code = (
        "import sys\n"
        "import reader.cli, reader.ui.app\n"
        "heavy = ('httpx', 'feedparser', 'fastfeedparser', 'lxml', 'markdown_it')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow  # a subprocess that seeds a database
def test_reader_index_does_not_import_search_ranking(tmp_path: Path) -> None:
    """numpy (~0.1 s) ranks queries; ``reader index`` runs none, so it never loads it."""
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        f"sys.argv = ['reader', '--db', {str(tmp_path / 'db')!r}, 'index']\n"
        "main()\n"
        "print('numpy' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "False"


_WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("date", "today"), ("time", "time"), ("time", "time_ns"), ("time", "localtime"),
               ("time", "gmtime"), ("time", "ctime"), ("time", "strftime")}  # fmt: skip


def wall_clock_reads(source: str) -> list[int]:
    """Lines that read the calendar clock (monotonic timers for deadlines are fine)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and (node.func.value.id, node.func.attr) in _WALL_CLOCK
    ]


def test_core_reads_the_wall_clock_only_in_the_default_clock() -> None:
    """Retry-After, retention, exports and bookmark dates all take the library's ``now``."""
    assert wall_clock_reads("import time\nx = time.time()\ny = datetime.now(UTC)\n") == [2, 3]
    found = {
        f"{path.relative_to(CORE)}:{line}"
        for path in CORE.rglob("*.py")
        for line in wall_clock_reads(path.read_text())
    }
    tree = ast.parse((CORE / "library.py").read_text())
    (clock,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "utc_now"]
    assert found == {f"library.py:{clock.body[-1].lineno}"}


def test_the_architecture_map_names_every_module() -> None:
    """ARCHITECTURE.md is kept true: a module it does not name is a module nobody mapped."""
    text = (CORE.parent.parent / "ARCHITECTURE.md").read_text()
    missing = [
        str(path.relative_to(CORE.parent.parent))
        for path in sorted(CORE.parent.rglob("*.py"))
        if path.name != "__init__.py" and path.name not in text
    ]
    assert missing == []
