"""The house rules of the package, checked from the code itself (docs/architecture.md).

Imports run down the layers (cli → workflows → capabilities → imports → store/io →
errors), never back up, never in a circle; no module hands on names through a module
``__getattr__``; package ``__init__`` files define nothing; every error class lives in
``geoair/errors.py``; library code never prints; ``geoair --version`` loads no library.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geoair"

# Layer of each part of the package; a module may import from its own part and from
# parts of a lower number only. Capabilities (5) may import one another as long as
# the package graph has no cycle (checked below).
LAYERS = {
    "geoair": 0,
    "geoair.errors": 0,
    "geoair.progress": 0,
    "geoair.messages": 0,
    "geoair.data": 0,
    "geoair.store": 1,
    "geoair.io": 2,
    "geoair.imports": 4,
    "geoair.readings": 5,
    "geoair.roads": 5,
    "geoair.scores": 5,
    "geoair.sources": 5,
    "geoair.patrol": 5,
    "geoair.maps": 5,
    "geoair.reports": 5,
    "geoair.distributed": 6,
    "geoair.workflows": 7,
    "geoair.cli": 8,
    "geoair.web": 8,
    "geoair.__main__": 8,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "static" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _part(module: str) -> str:
    """The longest key of LAYERS that ``module`` is or lies in."""
    best = "geoair"
    for key in LAYERS:
        if (module == key or module.startswith(key + ".")) and len(key) > len(best):
            best = key
    return best


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken, line) for every geoair import, anywhere in the file."""
    found = []
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "geoair" or node.module.startswith("geoair."):
                found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("geoair"):
                    found.append((alias.name, [], node.lineno))
    return found


def _target(module: str, taken: str) -> str:
    """The module an import reaches: ``from geoair.sources import wind`` -> geoair.sources.wind."""
    full = f"{module}.{taken}"
    return full if full in MODULES else module


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for module, taken, _ in _imports(name):
            for target in [_target(module, t) for t in taken] or [module]:
                if target in MODULES and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_no_import_cycle_between_capability_packages():
    packages: dict[str, set[str]] = {}
    for name, targets in _graph().items():
        here = _part(name)
        packages.setdefault(here, set())
        for target in targets:
            there = _part(target)
            if there != here:
                packages[here].add(there)
    for targets in packages.values():
        for target in targets:
            packages.setdefault(target, set())
    assert _cycles(packages) == []


def test_imports_run_down_the_layers():
    upward = []
    for name in MODULES:
        mine = LAYERS[_part(name)]
        for module, taken, line in _imports(name):
            for target in [_target(module, t) for t in taken] or [module]:
                if LAYERS[_part(target)] > mine:
                    upward.append(f"{name}:{line} imports {target}")
    assert upward == []


def test_no_private_name_crosses_a_package():
    crossing = []
    for name in MODULES:
        for module, taken, line in _imports(name):
            for item in taken:
                private = item.startswith("_") and not item.startswith("__")
                if private and _part(module) != _part(name):
                    crossing.append(f"{name}:{line} takes {item} from {module}")
    assert crossing == []


def test_no_module_hands_on_names_through_getattr():
    shims = [
        name
        for name, tree in TREES.items()
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
    ]
    assert shims == []


def test_package_faces_only_name_their_modules():
    for name, path in MODULES.items():
        if path.name != "__init__.py" or name in ("geoair", "geoair.cli"):  # cli: the group
            continue
        tree = TREES[name]
        body = [n for n in tree.body if not isinstance(n, ast.Expr)]  # the docstring
        assert all(isinstance(n, ast.Assign) for n in body), f"{name} does more than __all__"
        listed = ast.literal_eval(body[0].value) if body else []
        modules = sorted(
            p.stem if p.is_file() else p.name
            for p in path.parent.iterdir()
            if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").exists()
        )
        assert sorted(listed) == modules, name


def test_every_error_class_lives_in_errors_and_is_also_a_builtin():
    from geoair import errors

    elsewhere = [
        f"{name}.{node.name}"
        for name, tree in TREES.items()
        if name != "geoair.errors"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name) and (base.id.endswith("Error") or base.id == "Exception")
            for base in node.bases
        )
    ]
    assert elsewhere == []
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]
    assert len(classes) >= 10
    builtin_errors = tuple(
        c
        for c in vars(builtins).values()
        if isinstance(c, type) and issubclass(c, Exception) and c is not Exception
    )
    for cls in classes:
        assert issubclass(cls, errors.GeoairError), cls
        if cls is not errors.GeoairError:
            assert issubclass(cls, builtin_errors), f"{cls.__name__} is not also a built-in error"


def test_library_code_never_prints():
    printing = [
        f"{name}:{node.lineno}"
        for name, tree in TREES.items()
        if not name.startswith("geoair.cli")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]
    assert printing == []


def test_every_public_module_lists_documented_names():
    import importlib

    missing = []
    for name, path in MODULES.items():
        if path.name == "__init__.py" or name.startswith("geoair.cli") or name == "geoair.__main__":
            continue
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), f"{name} has no __all__"
        assert module.__doc__, f"{name} has no docstring"
        for item in module.__all__:
            value = getattr(module, item)  # fails if __all__ names something absent
            if (inspect.isfunction(value) or inspect.isclass(value)) and not value.__doc__:
                missing.append(f"{name}.{item}")
    assert missing == []


def test_cli_start_loads_no_library():
    code = (
        "import sys; from geoair.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'geopandas', 'duckdb', 'shapely', "
        "'matplotlib', 'pyogrio') if m in sys.modules)\n"
        "print('heavy=' + ','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == "heavy=", out.stdout


@pytest.mark.parametrize(
    "command", ["import", "gate-roads", "indicators", "sources", "map", "serve", "users"]
)
def test_help_of_every_command_needs_no_library(command):
    code = (
        "import sys; from geoair.cli import main\n"
        f"try:\n    main(['{command}', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_export_format_names_match_the_writers():
    from geoair.cli.export_cmd import FORMAT_NAMES
    from geoair.reports.export import FORMATS

    assert tuple(FORMATS) == FORMAT_NAMES
