"""Settings from config.toml: defaults, one warning per problem, never a failed start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reader.cli import main
from reader.core import config
from reader.core.library import open_library
from reader.core.settings import Settings, load_settings, remember, remembered
from reader.ui.app import ReaderApp
from reader.ui.bindings import all_bindings, unknown_ids
from reader.ui.commands import ReaderCommands
from tests.conftest import frozen_clock, static_text


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_defaults_and_no_warnings(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "missing.toml") == (Settings(), [])


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'theme = "nord"\nrefresh_interval = 0\nfetch_concurrency = 64\nretention = 500\n'
        '[keymap]\n"app.quit" = "ctrl+q"\n"articles.down" = "j, down"\n',
    )
    settings, warnings = load_settings(path)
    assert warnings == []
    assert settings.theme == "nord"
    assert (settings.refresh_interval, settings.fetch_concurrency, settings.retention) == (
        0,
        64,
        500,
    )
    assert dict(settings.keymap) == {"app.quit": "ctrl+q", "articles.down": "j,down"}


def test_an_unknown_key_warns_and_the_rest_applies(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "red"\nretention = 10\n')
    settings, warnings = load_settings(path)
    assert settings.retention == 10
    assert len(warnings) == 1 and "colour" in warnings[0] and str(path) in warnings[0]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("refresh_interval = -5", "refresh_interval"),
        ('refresh_interval = "hourly"', "refresh_interval"),
        ("fetch_concurrency = 0", "fetch_concurrency"),
        ("fetch_concurrency = 65", "fetch_concurrency"),
        ("retention = true", "retention"),
        ("retention = 1.5", "retention"),
        ("mark_read_after = -1", "mark_read_after"),
        ("list_rows = 3", "list_rows"),
        ("theme = 3", "theme"),
        ('theme = ""', "theme"),
    ],
)
def test_a_bad_value_gives_one_line_and_its_default(tmp_path: Path, line: str, key: str) -> None:
    path = write(tmp_path, f"{line}\nretention = 7\n" if key != "retention" else line + "\n")
    settings, warnings = load_settings(path)
    assert len(warnings) == 1
    assert key in warnings[0] and str(path) in warnings[0] and "\n" not in warnings[0]
    assert getattr(settings, key) == getattr(Settings(), key)
    if key != "retention":
        assert settings.retention == 7, "the other settings still apply"


def test_bad_keymap_entries_are_skipped_with_a_warning(tmp_path: Path) -> None:
    settings, warnings = load_settings(
        write(tmp_path, '[keymap]\n"app.quit" = 3\n"app.help" = "h"')
    )
    assert dict(settings.keymap) == {"app.help": "h"}
    assert len(warnings) == 1 and "app.quit" in warnings[0]
    settings, warnings = load_settings(write(tmp_path, 'keymap = "ctrl+q"\n'))
    assert dict(settings.keymap) == {} and len(warnings) == 1 and "keymap" in warnings[0]


@pytest.mark.parametrize("content", [b"theme = ", b"[keymap\n", b"\xff\xfe not text"])
def test_an_invalid_file_gives_one_line_and_all_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert len(warnings) == 1 and str(path) in warnings[0] and "\n" not in warnings[0]


def test_an_unreadable_file_gives_one_line(tmp_path: Path) -> None:
    settings, warnings = load_settings(tmp_path)  # a folder, not a file
    assert settings == Settings() and len(warnings) == 1


def test_config_path_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("READER_CONFIG", str(tmp_path / "mine.toml"))
    assert config.config_file() == tmp_path / "mine.toml"
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "mine.toml")
    monkeypatch.delenv("READER_CONFIG")
    assert config.config_file().parts[-2:] == ("reader-tui", "config.toml")


def test_bindings_lists_every_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--bindings"]) == 0
    out = capsys.readouterr().out
    ids = [line.split()[0] for line in out.splitlines()]
    assert "app.quit" in ids and "articles.down" in ids and "help.close" in ids
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert unknown_ids({"app.quit": "x", "app.qiut": "y"}, all_bindings()) == ["app.qiut"]


def test_the_theme_picked_in_the_app_is_remembered_until_config_changes(tmp_path: Path) -> None:
    configured = Settings(theme="nord")
    assert remembered(tmp_path, configured, "theme") == "nord"
    remember(tmp_path, configured, "theme", "gruvbox")
    assert remembered(tmp_path, configured, "theme") == "gruvbox"
    assert remembered(tmp_path, Settings(theme="dracula"), "theme") == "dracula", (
        "config edited since"
    )
    (tmp_path / "ui-state.json").write_text("{torn")
    assert remembered(tmp_path, configured, "theme") == "nord"


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_the_app_applies_keymap_and_theme_and_saves_a_new_theme(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    settings = Settings(theme="nord", keymap={"app.quit": "f10", "app.help": "f1"})
    app = ReaderApp(library, settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        shown = static_text(app.screen, 100)
        assert re.search(r"f10 +Quit", shown) and re.search(r"f1 +Keys", shown), shown
        assert not re.search(r"\bq +Quit", shown), "help shows the keys as remapped"
        offered = {title: keys for title, keys, _ in ReaderCommands(app.screen)._commands()}
        assert offered["Quit"] == "key: f10", "and so does the command palette"
        await pilot.press("escape")
        await pilot.pause()
        app.theme = "gruvbox"
        await app.workers.wait_for_complete()
        assert remembered(db_path, settings, "theme") == "gruvbox"
        await pilot.press("q")  # remapped away: no longer quits
        await pilot.pause()
        assert app.return_code is None and app.is_running
        await pilot.press("f10")
        await pilot.pause()
        assert app.return_code == 0, "the remapped key quit the app"
    library.close()


async def test_an_unknown_theme_falls_back_with_a_notice(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library, settings=Settings(theme="no-such-theme"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme in app.available_themes
        assert any("no-such-theme" in str(n.message) for n in app._notifications)
    library.close()


def test_exports_go_to_the_downloads_folder_or_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    assert config.export_dir() == tmp_path  # no downloads folder: home
    (tmp_path / "Downloads").mkdir()
    assert config.export_dir() == tmp_path / "Downloads"
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "user-dirs.dirs").write_text(
        'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n'
    )
    (tmp_path / "Téléchargements").mkdir()
    assert config.export_dir() == tmp_path / "Téléchargements"


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_list_rows_one_starts_the_list_in_one_line_rows(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library, settings=Settings(list_rows=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.main_screen.article_list.row_height == 1
    library.close()


@pytest.mark.slow  # among the longest: CI runs it, the fast loop does not
async def test_v_row_mode_is_remembered_for_the_next_start(db_path: Path) -> None:
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.main_screen.article_list.row_height == 2
        await pilot.press("v")
        await app.workers.wait_for_complete()
        assert app.main_screen.article_list.row_height == 1
    library.close()
    library = open_library(db_path, clock=frozen_clock)
    app = ReaderApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.main_screen.article_list.row_height == 1, "v's choice outlives the app"
    library.close()
    assert remembered(db_path, Settings(), "list_rows") == 1
