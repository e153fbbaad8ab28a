"""The package's import graph has no cycle, counting imports inside functions too.

Every `import` and `from ... import` statement of every module under `src/gankit`, wherever it
stands (top level, function, `if`), is an edge from that module to the module it names; `from
package import name` points at `package.name` when that is a module, else at `package`. An
import hidden in a function to dodge a cycle is still a cycle here.
"""

import ast
from pathlib import Path

import gankit

ROOT = Path(gankit.__file__).parent


def module_name(path: Path) -> str:
    parts = ("gankit", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the gankit modules it imports anywhere in its body."""
    paths = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    edges.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base)
        graph[name] = {edge for edge in edges if edge in paths and edge != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of `graph` as [a, b, ..., a], or [] if it has none (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "gankit.eval" in graph["gankit.intervals"]  # imported inside `Intervals.evaluate`
    assert "gankit.session" in graph["gankit.cli"]  # imported inside a command's function


def test_no_module_imports_itself_through_others():
    cycle = find_cycle(import_graph())
    assert cycle == [], " -> ".join(cycle)
