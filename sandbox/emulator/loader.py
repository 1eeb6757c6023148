"""Reading scenario files (YAML or JSON) while keeping the line of every field.

``load(path)`` and ``loads(text, fmt)`` return ``(raw, lines)``: ``raw`` is the plain
dict the file describes, ``lines`` maps a dotted field path such as
``functions.orders.memory_mb`` or ``steps.3.invoke.payload`` to its 1-based line, so a
validation message can point at the line to fix. Mapping entries map to the line of
their key, list items to the line where the item starts; the root ``""`` is line 1.

This is the only emulator module that imports PyYAML. Files use YAML's safe loader
(no Python objects). A syntax error, a duplicate key, an empty file or a document that
is not a mapping raises ``ScenarioError``.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

# A YAML file can use aliases to repeat a value; expanding them could make a tiny file
# describe an enormous document ("billion laughs"). Scenarios are small, so refuse
# anything that expands past this many values.
MAX_VALUES = 200_000


class ScenarioError(Exception):
    """The file can't be read as a scenario: bad syntax or the wrong shape."""

    def __init__(self, field: str, line: int | None, message: str):
        super().__init__(field, line, message)
        self.field = field
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.field or "file"
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


def load(path: str | Path) -> tuple[dict, dict[str, int]]:
    """Read a scenario file; JSON when the name ends in .json, YAML otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError("", None, f"{path.name} is not UTF-8 text ({error.reason})") from None
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return loads(text, fmt)


def loads(text: str, fmt: str = "yaml") -> tuple[dict, dict[str, int]]:
    """Parse scenario text in ``fmt`` ("yaml" or "json")."""
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unknown scenario format {fmt!r}; use 'yaml' or 'json'")
    if not text.strip():
        raise ScenarioError("", None, "the scenario file is empty")
    if fmt == "json":
        raw = _parse_json(text)
        lines = _json_lines(text)
    else:
        raw, lines = _parse_yaml(text)
    if not isinstance(raw, dict):
        raise ScenarioError("", 1, f"a scenario must be a mapping of fields, not {_kind(raw)}")
    return raw, lines


def _parse_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError("", error.lineno, f"invalid JSON: {error.msg} (column {error.colno})") from None


def _json_lines(text: str) -> dict[str, int]:
    """Line numbers for JSON, taken from the YAML composer (JSON is almost YAML).

    Line numbers are a convenience for JSON: when the YAML parser disagrees with the
    text (tabs, some escapes), the map is simply empty.
    """
    try:
        node = _compose(text)
    except (yaml.YAMLError, ScenarioError):
        return {}
    lines: dict[str, int] = {}
    if node is not None:
        _check_size(node)
        _walk(node, "", lines, set())
    return lines


def _compose(text: str):
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _parse_yaml(text: str) -> tuple[object, dict[str, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError("", None, "the scenario file is empty")
        _check_size(node)
        lines: dict[str, int] = {}
        _walk(node, "", lines, set())
        raw = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise ScenarioError("", _mark_line(error), _yaml_message(error)) from None
    except yaml.YAMLError as error:
        raise ScenarioError("", None, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()
    return raw, lines


def _walk(node, path: str, lines: dict[str, int], active: set[int]) -> None:
    """Record the line of every field under ``node``; reject duplicate keys."""
    if id(node) in active:  # an alias that contains itself
        raise ScenarioError(path, node.start_mark.line + 1, "a YAML alias refers to itself")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        active.add(id(node))
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _walk(value_node, path, lines, active)
                continue
            key = _key_text(key_node)
            line = key_node.start_mark.line + 1
            child = f"{path}.{key}" if path else key
            if key in seen:
                raise ScenarioError(
                    child, line, f"duplicate key '{key}' (first given on line {seen[key]}); keep one of them"
                )
            seen[key] = line
            lines[child] = line
            _walk(value_node, child, lines, active)
        active.discard(id(node))
    elif isinstance(node, yaml.SequenceNode):
        active.add(id(node))
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, active)
        active.discard(id(node))


def _key_text(node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return f"<{node.id} key>"


def _check_size(root) -> None:
    """Count the values the document expands to, aliases included."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        known = sizes.get(id(node))
        if known == -1:
            raise ScenarioError("", node.start_mark.line + 1, "a YAML alias refers to itself")
        if known is not None:
            return known
        sizes[id(node)] = -1
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        sizes[id(node)] = total
        if total > MAX_VALUES:
            raise ScenarioError(
                "", node.start_mark.line + 1, f"the file expands to more than {MAX_VALUES} values (YAML aliases?)"
            )
        return total

    size(root)


def _mark_line(error: yaml.MarkedYAMLError) -> int | None:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark is not None else None


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    text = "; ".join(parts) if parts else "the text is not valid YAML"
    if error.problem and "found character '\\t'" in error.problem:
        text += " (YAML indents with spaces, not tabs)"
    return f"invalid YAML: {text}"


def _kind(value) -> str:
    if value is None:
        return "an empty document"
    if isinstance(value, list):
        return "a list"
    return f"a single {type(value).__name__} value"
