"""Imports run one way: cli → server → dispatch → channels → services → storage and flows;
and the conversation engine's modules import one way: no two modules need each other."""

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


FLOWS = ROOT / "flows"


def _imports(path: Path) -> set[str]:
    """Every flows module this file imports, including imports only for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "flows":
                found.update(f"flows.{alias.name}" for alias in node.names)
            elif node.module.startswith("flows."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("flows."))
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in FLOWS.rglob("*.py"):
        parts = path.relative_to(FLOWS.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = _imports(path)
    return {name: {m for m in deps if m in graph and m != name} for name, deps in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                return [*path[path.index(dep):], dep] if dep in path else [*path, dep]
            if dep not in state and (found := visit(dep, [*path, dep])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_steps_do_not_import_the_answer_kinds() -> None:
    assert "flows.answers" not in _graph()["flows.steps"]
    assert "flows.steps" in _graph()["flows.answers"]


def test_no_flows_module_imports_one_that_imports_it_back() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])
