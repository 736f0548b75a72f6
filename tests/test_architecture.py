"""The package's shape, kept: layers that import only downward, no cycles, no private names
imported across modules, small modules (issue 15). The contracts are in pyproject.toml
([tool.importlinter]); this file runs them with the suite."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explore_pandas"
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([str(linter), "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 kept, 0 broken" in done.stdout


def test_no_module_imports_itself_back_through_others() -> None:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("explore_pandas", exclude_type_checking_imports=True)
    assert strongly_connected(graph.modules, graph.find_modules_directly_imported_by) == []


def test_the_cycle_search_finds_cycles() -> None:  # the check above can fail
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(set(edges), edges.__getitem__) == [["a", "b", "c"]]


def strongly_connected(nodes: set[str], edges: object) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (the cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges(node):  # type: ignore[operator]
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def private_uses(tree: ast.AST) -> list[str]:
    """``from explore_pandas.x import _y`` and ``something._y`` on anything but self, cls or super()."""
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and ((node.module or "").startswith("explore_pandas") or node.level):
            hits += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.startswith("_")]
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            hits.append(f"line {node.lineno}: {ast.unparse(node)}")
    return hits


def test_no_private_name_is_used_across_modules() -> None:
    found = {str(p.relative_to(PACKAGE)): private_uses(ast.parse(p.read_text(encoding="utf-8"))) for p in modules()}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_scan_finds_private_uses() -> None:  # the check above can fail
    found = private_uses(ast.parse("from explore_pandas.x import _y\nz = client._transport\nfrom .w import _v\n"))
    assert sorted(found) == ["line 1: import _y", "line 2: client._transport", "line 3: import _v"]


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines()) for p in modules()}
    assert {k: v for k, v in sizes.items() if v > MAX_LINES} == {}
