"""The import graph goes one way: solvers ← eval ← formulation ← benchmarks.datasets ← flows.

Why: a cycle between stages means a change in one can break the other in ways neither's tests show, and it is
what made the compiler live in the wrong package. Every import counts here — at module level, inside functions,
and under ``TYPE_CHECKING`` — because each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("solvers", "eval", "formulation", "benchmarks", "flows")
ALLOWED: dict[str, set[str]] = {
    "solvers": set(),
    "eval": {"solvers"},
    "formulation": {"solvers", "eval"},
    "benchmarks.datasets": {"solvers", "eval", "formulation"},
    "flows": {"solvers", "eval", "formulation", "benchmarks.datasets"},
}
"""Layer → the layers it may import. The perf scripts in benchmarks/ (bench_*.py) import anything; nothing imports
them."""


def _layer(module: str) -> str | None:
    if module.startswith("benchmarks.datasets"):
        return "benchmarks.datasets"
    top = module.split(".")[0]
    return top if top in ALLOWED else None


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, module: str, modules: set[str] | None = None) -> set[str]:
    """Modules `module` imports. ``from pkg import sub`` counts as importing ``pkg.sub`` only when ``sub`` is a
    module (importing a package's own submodule must not look like a cycle through the package)."""
    modules = modules if modules is not None else set(_modules())
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = {f"{base}.{alias.name}" for alias in node.names}
            submodules = targets & modules
            names.update(submodules if submodules else {base})
            names.update(targets - submodules - {f"{base}.*"})
    return {name for name in names if name.split(".")[0] in PRODUCT}


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for module, path in modules.items():
        graph.add_node(module)
        for target in _imports(path, module, set(modules)):
            while target and target not in modules:  # `from pkg import name` names an attribute, not a module
                target = target.rpartition(".")[0]
            if target and target != module:
                graph.add_edge(module, target)
    return graph


def test_no_module_imports_itself_back() -> None:
    graph = _graph().subgraph(n for n in _graph() if not n.split(".")[-1].startswith("bench_"))
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join([*c, c[0]]) for c in cycles[:10])


def test_layers_import_only_the_layers_below() -> None:
    wrong: dict[str, list[str]] = defaultdict(list)
    for source, target in _graph().edges:
        if source.split(".")[-1].startswith("bench_"):
            continue  # perf scripts import anything
        src, dst = _layer(source), _layer(target)
        if src is None or dst is None or src == dst:
            continue
        if dst not in ALLOWED[src]:
            wrong[f"{src} → {dst}"].append(f"{source} imports {target}")
    assert not wrong, "\n".join(f"{k}: {', '.join(v)}" for k, v in wrong.items())


@pytest.mark.parametrize("package", ["solvers", "eval", "formulation", "flows"])
def test_the_runtime_never_imports_test_doubles(package: str) -> None:
    offenders = [m for m, path in _modules().items() if m.startswith(package) and any(
        name.startswith("tests") for name in _imports_all(path))]
    assert not offenders


def _imports_all(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
