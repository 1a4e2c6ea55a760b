"""The package's shape: no import cycles inside pipeline/, and no module grows past ~300 lines unexplained."""

from __future__ import annotations

import ast

from tests import codegraph
from tests.conftest import ROOT

MAX_LINES = 300
# A module over MAX_LINES says why in its docstring, in a sentence starting with this.
LONG_REASON = "Longer than 300 lines because"
# Being split under issue 11 by other changes; each entry must go when its change lands (a test checks it).
PENDING_LONG: dict[str, str] = {}
PENDING_CYCLES: list[list[str]] = []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle of the graph, each as the modules along it (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _own_imports() -> dict[str, set[str]]:
    # A module's parent packages run before it, but a package importing its own sub-module is no cycle.
    return {m: {i for i in codegraph.imports_in_tree(codegraph.tree_of(codegraph.module_file(m)), m) if i != m}
            for m in codegraph.all_modules()}


def test_no_import_cycle_inside_pipeline():
    found = cycles(_own_imports())
    assert [c for c in found if c not in PENDING_CYCLES] == []
    assert [c for c in PENDING_CYCLES if c not in found] == [], "this cycle is gone: remove it from PENDING_CYCLES"


def test_the_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_over_300_lines_without_a_reason():
    long = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        name = path.relative_to(ROOT).as_posix()
        if lines > MAX_LINES and LONG_REASON not in doc:
            long.append(name)
    assert [n for n in long if n not in PENDING_LONG] == [], \
        f"split these modules, or say why in their docstring ('{LONG_REASON} …')"
    assert [n for n in PENDING_LONG if n not in long] == [], "now short (or gone): remove it from PENDING_LONG"
