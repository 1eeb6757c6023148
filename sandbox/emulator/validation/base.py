"""The checker's plumbing: recording problems with their lines, and type checks."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .rules import KINDS, Names, parse_ref, range_message, type_name


@dataclass(frozen=True)
class Problem:
    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.field or "scenario"
        return f"{where} (line {self.line}): {self.message}" if self.line else f"{where}: {self.message}"


class BaseChecker:
    def __init__(self, raw: dict, lines: dict[str, int]):
        self.raw = raw
        self.lines = lines
        self.problems: list[Problem] = []

    # -- plumbing --

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, self.line(field), message))

    def line(self, field: str) -> int | None:
        path = field
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path.rpartition(".")[0]

    def section(self, name: str) -> dict:
        value = self.raw.get(name)
        return Names(value) if isinstance(value, dict) else Names()

    def fields(self, value: dict, field: str, known) -> None:
        known = tuple(known)
        for key in value:
            if not isinstance(key, str):
                self.add(field, f"field names must be text, not {key!r}")
            elif key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
                if close:
                    self.add(f"{field}.{key}" if field else key, f"unknown field '{key}'; did you mean '{close[0]}'?")

    def dict_of(self, value, field: str, what: str) -> dict | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(field, f"{what} must be a mapping, not {type_name(value)}")
            return None
        return value

    def list_of(self, value, field: str, what: str) -> list | None:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(field, f"{what} must be a list, not {type_name(value)}")
            return None
        return value

    def whole(self, value, field: str, member: str | None, low=None, high=None, allow_none=False) -> int | None:
        """An integer within [low, high]; ``member`` is AWS's parameter name for the message."""
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(field, f"must be a whole number, not {type_name(value)}")
            return None
        if isinstance(value, float):
            if not value.is_integer():
                self.add(field, f"must be a whole number, not {value}")
                return None
            value = int(value)
        if (low is not None and value < low) or (high is not None and value > high):
            if member:
                self.add(field, range_message(value, member, low, high))
            else:
                self.add(field, f"must be between {low} and {high}, not {value}")
            return None
        return value

    def number(self, value, field: str, low=0.0, allow_none=False) -> float | None:
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(field, f"must be a number of seconds, not {type_name(value)}")
            return None
        if value < low:
            self.add(field, f"must be {low} or more, not {value}")
            return None
        return float(value)

    def flag(self, value, field: str) -> None:
        if not isinstance(value, bool):
            self.add(field, f"must be true or false, not {type_name(value)}")

    def text(self, value, field: str, allow_none=False) -> str | None:
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            self.add(field, f"must be text, not {type_name(value)}")
            return None
        return value

    def choice(self, value, field: str, options, what: str) -> None:
        if value not in options:
            self.add(field, f"{what} must be one of {', '.join(map(str, options))}, not {value!r}")

    def ref(self, value, field: str, kinds) -> tuple[str, str] | None:
        """A ``KIND:NAME`` reference to something declared in the scenario."""
        parsed = parse_ref(value)
        allowed = ", ".join(f"{k}:NAME" for k in kinds)
        if parsed is None:
            self.add(field, f"must be a reference such as {allowed}, not {value!r}")
            return None
        kind, name = parsed
        if kind not in kinds:
            self.add(field, f"{kind}: can't be used here; use one of {allowed}")
            return None
        if kind == "bus" and name == "default":
            return parsed
        if name not in self.section(KINDS[kind]):
            self.add(field, f"{value} doesn't exist; declare it under {KINDS[kind]}")
            return None
        return parsed

    def is_fifo(self, kind: str, name) -> bool:
        spec = self.section(KINDS[kind]).get(name)
        spec = spec if isinstance(spec, dict) else {}
        return bool(spec.get("fifo", name.endswith(".fifo")))

    # -- the scenario --
