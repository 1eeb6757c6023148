"""The emulator core imports only the standard library (PyYAML only in loader.py), nothing of the
rest of the project (not the runtime either), loads no module by name, and its modules import each
other without circles."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

EMULATOR = Path(__file__).resolve().parents[1] / "emulator"
FORBIDDEN = ("django", "celery", "redis", "examprep")
DYNAMIC_LOADERS = ("importlib", "__import__", "import_module", "runpy", "pkgutil")
YAML_ALLOWED_IN = {"loader.py"}


def imported_names(source: str) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import statement; relative imports are skipped
    (they stay inside the package)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
    return names


def dynamic_loads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every import of a module loader and every call of one: a module named by a
    string slips past the import check."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] in DYNAMIC_LOADERS)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in DYNAMIC_LOADERS:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Name) and node.id in DYNAMIC_LOADERS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_LOADERS:
            found.append((node.lineno, node.attr))
    return sorted(set(found))


def violations(source: str, file_name: str) -> list[str]:
    found = [f"{file_name}:{line} loads a module by name ({what})" for line, what in dynamic_loads(source)]
    for line, name in imported_names(source):
        top = name.split(".")[0]
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
            found.append(f"{file_name}:{line} imports {name}")
        elif top == "yaml":
            if file_name not in YAML_ALLOWED_IN:
                found.append(f"{file_name}:{line} imports yaml outside loader.py")
        elif name.startswith("sandbox.emulator"):
            continue
        elif top == "sandbox":
            found.append(f"{file_name}:{line} imports {name}, outside the emulator")
        elif top not in sys.stdlib_module_names and top != "__future__":
            found.append(f"{file_name}:{line} imports {name}, which is not in the standard library")
    return found


def test_emulator_imports_only_the_standard_library():
    found = []
    files = sorted(EMULATOR.rglob("*.py"))

    for path in files:
        found.extend(violations(path.read_text(encoding="utf-8"), path.name))

    assert len(files) > 10
    assert found == []


def test_purity_check_catches_forbidden_imports():
    source = "import json\nfrom django.db import models\nimport yaml\nfrom sandbox.models import Workspace\nimport requests\n"

    found = violations(source, "engine.py")

    assert found == [
        "engine.py:2 imports django.db",
        "engine.py:3 imports yaml outside loader.py",
        "engine.py:4 imports sandbox.models, outside the emulator",
        "engine.py:5 imports requests, which is not in the standard library",
    ]


def test_purity_check_catches_modules_loaded_by_name_and_the_rest_of_the_project():
    source = (
        "import importlib\n"
        "client = importlib.import_module('sandbox.runtime.client')\n"
        "other = __import__('sandbox.runtime')\n"
        "from sandbox.runtime.client import default_executor\n"
    )

    found = violations(source, "cli.py")

    assert found == [
        "cli.py:1 loads a module by name (importlib)",
        "cli.py:2 loads a module by name (import_module)",
        "cli.py:2 loads a module by name (importlib)",
        "cli.py:3 loads a module by name (__import__)",
        "cli.py:4 imports sandbox.runtime.client, outside the emulator",
    ]


def test_purity_check_allows_yaml_in_the_loader_and_relative_imports():
    source = "import yaml\nfrom . import state\nfrom .executor import NetworkTable\nimport sandbox.emulator.ids\n"

    assert violations(source, "loader.py") == []


def emulator_module(path: Path) -> str:
    parts = path.relative_to(EMULATOR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def internal_imports(source: str, module: str, is_package: bool) -> set[str]:
    """Modules of the emulator that ``module`` imports, wherever the import statement stands."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1] if node.level > 1 else package
            base = [p for p in base if p]
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {emulator_module(path): path for path in EMULATOR.rglob("*.py")}
    graph = {}
    for module, path in paths.items():
        targets = internal_imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        # Importing a submodule runs its package's __init__ first (a package's own modules excepted).
        parents = {".".join(t.split(".")[:n]) for t in targets for n in range(1, t.count(".") + 1)}
        parents = {parent for parent in parents if not module.startswith(parent + ".")}
        graph[module] = {target for target in targets | parents if target in paths and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in sorted(graph.get(node, ())):
                if target == start:
                    found.append(path)
                elif target not in path and target > start:
                    stack.append((target, [*path, target]))
    return found


def test_emulator_modules_import_each_other_without_circles():
    graph = import_graph()

    assert {"engine", "queues", "validation", "validation.rules"} <= set(graph)
    assert cycles(graph) == []


def test_circle_check_finds_a_circle_through_a_function_local_import():
    graph = {
        "queues": internal_imports("def send():\n    from . import sqs\n", "queues", False),
        "sqs": internal_imports("from . import queues\n", "sqs", False),
    }

    assert cycles(graph) == [["queues", "sqs"]]
