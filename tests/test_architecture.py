"""Imports run one way: cli → server → dispatch → channels → services → storage and flows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each layer, and the modules it may never import (anything above it).
ABOVE = {
    "bot/channels": ("bot.cli", "bot.server", "bot.dispatch"),
    "bot/services": ("bot.cli", "bot.server", "bot.dispatch", "bot.channels"),
    "bot/storage": ("bot.cli", "bot.server", "bot.dispatch", "bot.channels", "bot.services"),
    "flows": ("bot",),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_no_module_imports_a_layer_above_its_own(layer: str) -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py") if "data" not in path.parts
        for name in imported(path)
        if any(name == above or name.startswith(f"{above}.") for above in ABOVE[layer]))
    assert wrong == []
