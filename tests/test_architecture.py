"""The conversation engine's modules import one way: no two modules need each other."""

from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parent.parent / "flows"


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
