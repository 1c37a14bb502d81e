"""The `reader` command's entry point: keep reader's bytecode, then run the CLI.

With PYTHONDONTWRITEBYTECODE set (common in containers), Python compiles every one
of reader's ~80 modules from source at each launch: a third of a second before the
first frame. The bytecode then goes to a private cache folder instead of beside the
sources (XDG_CACHE_HOME/reader/pycache), which leaves installed trees untouched;
READER_NO_BYTECODE_CACHE=1 keeps Python's setting as it is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def keep_bytecode() -> None:
    if not sys.dont_write_bytecode or os.environ.get("READER_NO_BYTECODE_CACHE"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    sys.pycache_prefix = str(Path(base) / "reader" / "pycache")
    sys.dont_write_bytecode = False


def main() -> int:
    keep_bytecode()
    from reader.cli import main as cli_main

    return cli_main()
