"""Where things live: the database folder, the config file, bundled resources.

Everything is a function so nothing is computed at import time and tests can
point the app elsewhere with ``--db`` or ``READER_DB``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DEFAULT_CONCURRENCY = 8  # feeds fetched at once (a setting; here so settings need no httpx)

APP_NAME = "reader-tui"
DB_ENV = "READER_DB"
CONFIG_ENV = "READER_CONFIG"


def default_db_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "db"


def db_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The database folder: ``--db``, else ``$READER_DB``, else the user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return default_db_dir()


def config_file() -> Path:
    """The settings file: ``$READER_CONFIG``, else ``reader-tui/config.toml`` in the config dir."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _resource(name: str) -> Path:
    """A bundled file: inside the wheel (``reader/_data``) or at the checkout's top."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_data" / name, package.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"bundled resource {name!r} is missing from the installation")


def seeds_dir() -> Path:
    return _resource("seeds")


def styles_path() -> Path:
    return _resource("styles.tcss")


def export_dir() -> Path:
    """Where exports go unless the user says otherwise: the downloads folder
    (XDG's, macOS's or Windows's), or home when there is none."""
    downloads = Path(platformdirs.user_downloads_dir())
    return downloads if downloads.is_dir() else Path.home()
