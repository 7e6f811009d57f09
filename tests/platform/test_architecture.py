"""The package's shape: no module imports another that (directly or through others) imports it.

Every import counts, also one inside a function: a cycle hidden in a function is still a cycle,
only one that fails later, at the first request that takes that path.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fieldwork"


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name, path, modules):
    """The fieldwork modules that `name` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return {target for target in found if target in modules and target != name}


def import_graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_reads_every_kind_of_import():
    """The reader itself: relative, absolute, package and in-function imports all count."""
    graph = import_graph()
    assert "fieldwork.extensions" in graph["fieldwork.interviews.services"]  # from ..extensions
    assert "fieldwork.interviews.queries" in graph["fieldwork.interviews.services"]
    assert "fieldwork.audit" in graph["fieldwork.interviews.services"]  # from .. import audit
    assert "fieldwork.auth.views" in graph["fieldwork"]  # inside register_blueprints()
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_itself_through_others():
    found = cycles(import_graph())
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_modules_stay_small():
    """A module past ~400 lines says at its top why it is one module."""
    long = [name for name, path in _modules().items()
            if len(path.read_text().splitlines()) > 420
            and "one module" not in (ast.get_docstring(ast.parse(path.read_text())) or "")]
    assert long == [], f"split these along their seams, or say why not: {long}"
