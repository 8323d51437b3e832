"""The modules of ``sfutils`` import one another without a cycle, counting imports inside functions.

The graph has one node per module of the package and an edge ``a -> b`` for every ``import`` /
``from ... import`` in ``a`` (at any depth: module level, functions, ``TYPE_CHECKING`` blocks)
that names ``b``; ``from sfutils import x`` names the module ``sfutils.x`` and relative imports are
resolved. Importing ``sfutils.a.b`` counts as importing that module only, not its parent packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sfutils

PACKAGE_DIR = Path(sfutils.__file__).resolve().parent


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """``{dotted module name: file}`` for every ``.py`` file of the package (packages by their
    ``__init__.py``)."""
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest module of the package that ``name`` is or lies in, if any."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.Import | ast.ImportFrom, package: str, modules: dict[str, Path]) -> set[str]:
    """The package's modules that one import statement in a module of ``package`` names."""
    if isinstance(node, ast.Import):
        return {m for m in (_owner(alias.name, modules) for alias in node.names) if m}
    base = node.module or ""
    if node.level:
        parent = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(parent + ([base] if base else []))
    found = set()
    for alias in node.names:
        target = f"{base}.{alias.name}"
        owner = target if target in modules else _owner(base, modules)
        if owner:
            found.add(owner)
    return found


def import_graph(modules: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """``{module: the package's modules it imports}`` (module docstring)."""
    modules = package_modules() if modules is None else modules
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _imported(node, package, modules)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None: an iterative depth-first search that
    reports the first edge back to a module still on the search path."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once every edge out is explored
    for root in sorted(graph):
        if root in state:
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = "open"
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = "open"
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_the_graph_sees_imports_at_any_depth(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    for name in ("__init__", "a", "b", "c", "sub/__init__", "sub/d"):
        (pkg / f"{name}.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("import pkg.sub.d as d\n")
    (pkg / "sub" / "d.py").write_text("from .. import c\nfrom ..a import f\n")
    graph = import_graph(package_modules(pkg))
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.d"}, "pkg.c": set(), "pkg.sub": set(),
                     "pkg.sub.d": {"pkg.c", "pkg.a"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.d", "pkg.a"]
    graph["pkg.sub.d"].discard("pkg.a")
    assert find_cycle(graph) is None


def test_sfutils_has_no_import_cycle():
    graph = import_graph()
    assert {"sfutils.data", "sfutils.results", "sfutils.attacks.result"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
