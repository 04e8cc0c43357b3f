"""The package's layers: a lower layer never imports a higher one, and no module imports itself back.

Walks every module of src/analysis with `ast` (imports inside functions count too),
so a new import that breaks the architecture in docs/architecture.md fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import analysis

PACKAGE_DIR = Path(analysis.__file__).resolve().parent
# bottom to top; the modules at the package's top level form layer 0
LAYERS = ["", "catalog", "submissions", "store", "progress", "analysts", "reports", "batch", "demo", "web", "cli"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE_DIR / parts[1]).is_dir()):
        return LAYERS.index(parts[1])
    return 0 if parts[-1] != "__main__" else LAYERS.index("cli")


def imported_modules(path: Path) -> set[str]:
    """Every analysis module `path` imports (absolute or relative, at any depth)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            # `from analysis.x import y` may import the module analysis.x.y
            found |= {
                f"{base}.{alias.name}"
                for alias in node.names
                if (PACKAGE_DIR.parent / f"{base}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()
                or (PACKAGE_DIR.parent / f"{base}.{alias.name}".replace(".", "/")).is_dir()
            }
    return {name for name in found if name == "analysis" or name.startswith("analysis.")}


def all_modules() -> dict[str, set[str]]:
    return {module_name(p): imported_modules(p) for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def test_every_subpackage_is_a_known_layer():
    subpackages = {p.name for p in PACKAGE_DIR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages == set(LAYERS) - {""}


def test_lower_layers_never_import_higher_ones():
    upward = [
        f"{module} ({LAYERS[layer_of(module)] or '顶层'}) → {target} ({LAYERS[layer_of(target)]})"
        for module, targets in all_modules().items()
        for target in targets
        if target != "analysis" and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles():
    graph = {m: {t for t in ts if t != "analysis" and t != m} for m, ts in all_modules().items()}
    # a package's __init__ is imported on the way to its modules; only module-to-module edges matter
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from analysis.reports.content import x\n", "analysis.reports.content"),
        ("def f():\n    from analysis.store import history\n", "analysis.store.history"),
        ("from ..reports import charts\n", "analysis.reports.charts"),
    ],
)
def test_the_walker_sees_upward_imports(source, expected):
    found = imports_in(source, "analysis.catalog")
    assert expected in found
    assert layer_of(expected) > layer_of("analysis.catalog.targets")
