"""Checking a scenario against the format and against AWS's own rules.

``validate(raw, lines)`` returns every problem found, each a ``Problem`` naming the
field (dotted path), its line in the file (from ``loader``) and a message. Where AWS
rejects the same setting, the message is AWS's wording prefixed with the exception
name (``ValidationException: 1 validation error detected: ...``,
``InvalidParameterValueException: ...``); elsewhere it says in plain words what is
wrong and how to fix it.

``apply_defaults(raw)`` returns a complete copy of a valid scenario with every default
of the format filled in, so the engine never has to guess.

``check_update(scenario, function, changes)`` applies the cross-resource rules
(unreserved floor, provisioned <= reserved, VPC permissions, queue visibility timeout)
to an ``update_function`` step at run time, when the scenario's state is known.

Fields the format doesn't name are allowed (the format may be extended), except names
that look like a misspelling of a known field ("memroy_mb"), which are reported with
the likely intended name.
"""

from __future__ import annotations

import copy

from .base import Problem
from .callers import CallerChecks
from .defaults import apply_defaults
from .network import network_problems
from .rules import (
    MANAGED_POLICIES,
    RESERVED_ENV,
    TOP_FIELDS,
    eni_message,
    parse_ref,
    range_message,
    role_allows,
    unreserved_floor_message,
    visibility_message,
)
from .steps import StepChecks
from .urls import UrlChecks

__all__ = [
    "MANAGED_POLICIES",
    "RESERVED_ENV",
    "Problem",
    "apply_defaults",
    "check_update",
    "eni_message",
    "parse_ref",
    "range_message",
    "role_allows",
    "unreserved_floor_message",
    "validate",
    "visibility_message",
]


def validate(raw: dict, lines: dict[str, int] | None = None) -> list[Problem]:
    """Every problem in a raw scenario, ordered by line."""
    check = Checker(raw if isinstance(raw, dict) else {}, lines or {})
    if not isinstance(raw, dict):
        check.add("", "a scenario must be a mapping of fields")
        return check.problems
    try:
        check.run()
    except (TypeError, AttributeError, ValueError, KeyError) as error:  # a shape no rule foresaw
        check.add("", f"part of the scenario has an unexpected shape and could not be checked ({error!r})")
    return sorted(check.problems, key=lambda p: (p.line is None, p.line or 0))


def check_update(scenario: dict, function: str, changes: dict) -> list[Problem]:
    """Problems an ``update_function`` call would hit, given the scenario as it stands.

    ``scenario`` is a defaulted scenario (``apply_defaults``) reflecting earlier updates;
    ``changes`` the fields being set. Returns AWS's errors for the update (the call is
    rejected as a whole when the list is not empty).
    """
    merged = copy.deepcopy(scenario)
    target = merged.get("functions", {}).get(function)
    if target is None:
        return [Problem("function", None, f"ResourceNotFoundException: Function not found: {function}")]
    target.update(copy.deepcopy(changes))
    check = Checker(merged, {})
    check.function(function, target, f"functions.{function}")
    check.cross_function_rules(only=function)
    for index, mapping in enumerate(merged.get("event_source_mappings") or []):
        if isinstance(mapping, dict) and str(mapping.get("function", "")).split(":")[0] == function:
            check.mapping(index, mapping)
    return check.problems


class Checker(StepChecks, CallerChecks, UrlChecks):
    def run(self) -> None:
        self.fields(self.raw, "", TOP_FIELDS)
        if "name" in self.raw:
            self.text(self.raw["name"], "name", allow_none=True)
        if "seed" in self.raw:
            self.whole(self.raw["seed"], "seed", None, allow_none=True)
        if self.raw.get("run_until_s") is not None:
            self.number(self.raw["run_until_s"], "run_until_s")
        self.account()
        for section in ("functions", "queues", "topics", "streams", "buses", "buckets", "tables", "network", "layers"):
            self.dict_of(self.raw.get(section), section, section)
        for name, spec in self.section("functions").items():
            self.function_name(name, f"functions.{name}")
            spec = self.dict_of(spec, f"functions.{name}", f"function {name}")
            if spec is not None:
                self.function(name, spec, f"functions.{name}")
                self.provisioned_zero(spec, f"functions.{name}")
                self.versions_and_aliases(name, spec, f"functions.{name}")
        self.layers_section()
        self.cross_function_rules()
        self.apis()
        self.state_machines()
        self.function_urls()
        self.permissions()
        self.users()
        self.resources()
        self.tables()
        self.resource_policies()
        mappings = self.list_of(self.raw.get("event_source_mappings"), "event_source_mappings", "event_source_mappings")
        for index, esm in enumerate(mappings or []):
            self.mapping(index, esm)
        self.duplicate_mappings(mappings or [])
        if isinstance(self.raw.get("network"), dict):
            for field, message in network_problems(self.raw["network"]):
                self.add(f"network.{field}" if field else "network", message)
        steps = self.list_of(self.raw.get("steps"), "steps", "steps")
        for index, step in enumerate(steps or []):
            self.step(index, step)
