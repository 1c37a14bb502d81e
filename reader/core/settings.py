"""User settings from ``config.toml``, and the theme remembered from the app.

The file is the user's: the app only reads it. A setting that cannot be used
costs one warning line and falls back to its default, so a typo never stops
the app from starting. The theme and row mode chosen in the app are remembered
apart, in a small ``ui-state.json`` inside the database folder (see :func:`remember`),
so the user's file, with its comments and layout, is never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from reader.core import config
from reader.core.config import DEFAULT_CONCURRENCY
from reader.core.models import FULL_TEXT_MODES
from reader.core.sanitize import clean_line
from reader.core.storage.atomic import atomic_write

UI_STATE_FILE = "ui-state.json"
DEFAULT_THEME = "textual-dark"
MAX_CONCURRENCY = 64


SYNC_KINDS = ("ttrss", "greader")


@dataclass(frozen=True)
class SyncAccount:
    """The ``[sync]`` table: one feed server account. The password is read when a sync
    starts (``password_command``'s output, or ``password``) and never stored by reader."""

    kind: str  # "ttrss" | "greader"
    url: str  # tt-rss: the base URL (API at url + "api/"); greader: the API root
    user: str
    password: str | None = None
    password_command: str | None = None
    interval: int = 15  # minutes between syncs in the app; 0 = only at start and on refresh


@dataclass(frozen=True)
class Settings:
    """What ``config.toml`` can set; every field has a default that works."""

    theme: str = DEFAULT_THEME
    refresh_interval: int = 30  # minutes between automatic refreshes; 0 = off
    fetch_concurrency: int = DEFAULT_CONCURRENCY  # feeds fetched at once, 1..64
    retention: int = 0  # articles kept per feed; 0 = keep all
    mark_read_after: int = 0  # seconds in the preview before an article counts as read; 0 = on open
    list_rows: int = 2  # lines per article in the list: 2 (title, then date and feed) or 1
    full_text: str = "auto"  # fetch articles' pages: "auto" (short entries), "always", "never"
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sync: SyncAccount | None = None
    # [feeds."<feed id or url>"] tables: per-feed settings (full_text) by feed id or URL
    feeds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _check_int(low: int, high: int | None) -> Any:
    def check(value: object) -> str | None:
        # bool is an int in Python, but `retention = true` is a mistake.
        if not isinstance(value, int) or isinstance(value, bool):
            return f"expected a whole number, got {_shown(value)}"
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"{low} or more"
            return f"expected a number {bound}, got {value}"
        return None

    return check


def _check_full_text(value: object) -> str | None:
    if value not in FULL_TEXT_MODES:
        return f'expected "auto", "always" or "never", got {_shown(value)}'
    return None


def _check_theme(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"expected a theme name, got {_shown(value)}"
    return None


_CHECKS = {
    "theme": _check_theme,
    "refresh_interval": _check_int(0, None),
    "fetch_concurrency": _check_int(1, MAX_CONCURRENCY),
    "retention": _check_int(0, None),
    "mark_read_after": _check_int(0, None),
    "list_rows": _check_int(1, 2),
    "full_text": _check_full_text,
}


def _shown(value: object) -> str:
    return clean_line(repr(value))[:60]


def _keymap(value: object, where: str, warnings: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        warnings.append(f'{where}: [keymap] must be a table of binding id = "keys"; ignored')
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in value.items():
        if isinstance(keys, str) and keys.strip():
            keymap[binding_id] = keys.replace(" ", "")
        else:
            warnings.append(
                f"{where}: keymap.{clean_line(binding_id)}: expected keys such as "
                f'"ctrl+q" or "j,down", got {_shown(keys)}; the default key is kept'
            )
    return keymap


def _sync_account(value: object, where: str, warnings: list[str]) -> SyncAccount | None:
    """The account, or None with a warning: a broken [sync] table turns sync off, nothing else."""
    if not isinstance(value, dict):
        warnings.append(f"{where}: [sync] must be a table; sync is off")
        return None
    known = {"kind", "url", "user", "password", "password_command", "interval"}
    for key in value:
        if key not in known:
            warnings.append(f"{where}: sync.{clean_line(str(key))}: unknown setting ignored")
    kind, url, user = value.get("kind"), value.get("url"), value.get("user")
    problem = None
    if kind not in SYNC_KINDS:
        problem = f"sync.kind: expected one of {', '.join(SYNC_KINDS)}, got {_shown(kind)}"
    elif not isinstance(url, str) or not url.startswith(("http://", "https://")):
        problem = f"sync.url: expected an http(s) URL, got {_shown(url)}"
    elif not isinstance(user, str) or not user:
        problem = f"sync.user: expected a user name, got {_shown(user)}"
    password, command = value.get("password"), value.get("password_command")
    if problem is None and not isinstance(password, str) and not isinstance(command, str):
        problem = "sync: set password_command (or password)"
    if problem is not None:
        warnings.append(f"{where}: {problem}; sync is off")
        return None
    interval = value.get("interval", 15)
    if _check_int(0, None)(interval):
        warnings.append(f"{where}: sync.interval: {_check_int(0, None)(interval)}; using 15")
        interval = 15
    assert isinstance(kind, str) and isinstance(url, str) and isinstance(user, str)
    return SyncAccount(
        kind=kind,
        url=url if url.endswith("/") else url + "/",
        user=user,
        password=password if isinstance(password, str) else None,
        password_command=command if isinstance(command, str) else None,
        interval=interval,
    )


def _feeds(value: object, where: str, warnings: list[str]) -> dict[str, str]:
    """``[feeds."<id or url>"]`` tables: each feed's full_text, checked like the default."""
    if not isinstance(value, dict):
        warnings.append(f'{where}: [feeds."<feed id or url>"] must be tables; ignored')
        return {}
    chosen: dict[str, str] = {}
    for key, table in value.items():
        name = f"feeds.{clean_line(str(key))[:80]!r}"
        if not isinstance(table, dict):
            warnings.append(f"{where}: {name} must be a table (full_text = ...); ignored")
            continue
        for setting, setting_value in table.items():
            if setting != "full_text":
                warnings.append(f"{where}: {name}: unknown setting {clean_line(setting)!r} ignored")
                continue
            problem = _check_full_text(setting_value)
            if problem:
                warnings.append(f"{where}: {name}.full_text: {problem}; using the default")
            else:
                chosen[str(key).strip()] = str(setting_value)
    return chosen


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """The settings and one warning line per problem; never raises.

    A missing file is not a problem (all defaults). A file that cannot be read
    or parsed gives one line and all defaults.
    """
    path = path or config.config_file()
    where = clean_line(str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as error:
        return Settings(), [f"{where}: cannot read the settings ({error.strerror}); using defaults"]
    import tomllib  # only when there is a file: most starts have none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Settings(), [f"{where}: not UTF-8 text; using default settings"]
    except tomllib.TOMLDecodeError as error:
        return Settings(), [f"{where}: invalid TOML ({clean_line(str(error))}); using defaults"]
    warnings: list[str] = []
    chosen: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    for key, value in data.items():
        if key not in known:
            warnings.append(f"{where}: unknown setting {clean_line(key)!r} ignored")
        elif key == "keymap":
            chosen["keymap"] = MappingProxyType(_keymap(value, where, warnings))
        elif key == "sync":
            chosen["sync"] = _sync_account(value, where, warnings)
        elif key == "feeds":
            chosen["feeds"] = MappingProxyType(_feeds(value, where, warnings))
        else:
            problem = _CHECKS[key](value)
            if problem:
                warnings.append(f"{where}: {key}: {problem}; using the default")
            else:
                chosen[key] = value.strip() if isinstance(value, str) else value
    return replace(Settings(), **chosen), warnings


# -- choices made in the app: the theme, one-line rows --------------------------


def _ui_state_path(db_dir: Path) -> Path:
    return Path(db_dir) / UI_STATE_FILE


def _ui_state(db_dir: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(_ui_state_path(db_dir).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(db_dir: Path, settings: Settings, key: str, value: str | int) -> None:
    """Remember a choice made in the app (``theme``, ``list_rows``) beside its database.

    The configured value at that moment is stored too: if the user later edits
    that setting in config.toml, the edit wins over the older pick.
    """
    data = _ui_state(db_dir)
    data[key] = value
    data[f"config_{key}"] = getattr(settings, key)
    atomic_write(_ui_state_path(db_dir), orjson.dumps(data))


REMEMBERED = ("theme", "list_rows")  # the choices the app keeps in ui-state.json


def remembered_choices(db_dir: Path, settings: Settings) -> dict[str, Any]:
    """Each remembered setting's value to start with (one read of ui-state.json): the
    last one picked in the app, unless config.toml changed it since."""
    data = _ui_state(db_dir)
    chosen = {}
    for key in REMEMBERED:
        configured, picked = getattr(settings, key), data.get(key)
        same_config = data.get(f"config_{key}") == configured
        chosen[key] = picked if type(picked) is type(configured) and same_config else configured
    return chosen


def remembered(db_dir: Path, settings: Settings, key: str) -> Any:
    """One remembered setting's value to start with (see :func:`remembered_choices`)."""
    return remembered_choices(db_dir, settings)[key]
