"""Every remappable key binding of the app, found by walking the ``reader.ui`` package.

Walking the package (instead of keeping a list) means a new screen or widget
shows up in ``reader --bindings`` and is checked against the keymap without
anyone remembering to register it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode

import reader.ui


@dataclass(frozen=True)
class BindingInfo:
    id: str
    key: str
    description: str
    owner: str  # the class that declares it, e.g. "ArticleList"


def all_bindings() -> list[BindingInfo]:
    """Bindings with an ``id`` (the ones a keymap can change), sorted by id."""
    found: dict[str, BindingInfo] = {}
    for module_info in pkgutil.walk_packages(reader.ui.__path__, "reader.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if not (
                isinstance(value, type)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                continue
            for binding in value.__dict__.get("BINDINGS", []):
                # Not make_bindings(): it splits "j,down" into two, and a keymap
                # entry replaces all of a binding's keys at once.
                if isinstance(binding, Binding) and binding.id and binding.id not in found:
                    found[binding.id] = BindingInfo(
                        binding.id, binding.key, binding.description, value.__name__
                    )
    return sorted(found.values(), key=lambda info: info.id)


def unknown_ids(keymap: dict[str, str] | None, known: list[BindingInfo]) -> list[str]:
    """Keymap entries that name no binding (a typo would otherwise be ignored silently)."""
    ids = {info.id for info in known}
    return sorted(binding_id for binding_id in keymap or {} if binding_id not in ids)
