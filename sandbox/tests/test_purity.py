"""The emulator core imports only the standard library (PyYAML only in loader.py)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

EMULATOR = Path(__file__).resolve().parents[1] / "emulator"
FORBIDDEN = ("django", "celery", "redis", "sandbox.models", "sandbox.tasks", "sandbox.views", "examprep")
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


def violations(source: str, file_name: str) -> list[str]:
    found = []
    for line, name in imported_names(source):
        top = name.split(".")[0]
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
            found.append(f"{file_name}:{line} imports {name}")
        elif top == "yaml":
            if file_name not in YAML_ALLOWED_IN:
                found.append(f"{file_name}:{line} imports yaml outside loader.py")
        elif name.startswith("sandbox.emulator"):
            continue
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
        "engine.py:4 imports sandbox.models",
        "engine.py:5 imports requests, which is not in the standard library",
    ]


def test_purity_check_allows_yaml_in_the_loader_and_relative_imports():
    source = "import yaml\nfrom . import state\nfrom .executor import NetworkTable\nimport sandbox.emulator.ids\n"

    assert violations(source, "loader.py") == []
