"""Simulate a whole scenario: validate, build the state, advance it to the end, build the trace.

``simulate(raw, executor, seed)`` is what the command line (``python manage.py scenario run``,
``python -m sandbox.cli``) uses; the web sandbox uses ``state.new_state`` and
``engine.advance`` directly so it can save the state between steps.
"""

from __future__ import annotations

from . import engine, trace, validation
from .loader import ScenarioError, load, loads
from .state import new_state


class InvalidScenario(Exception):
    """The scenario breaks the format or an AWS rule; ``problems`` says where."""

    def __init__(self, problems: list):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check(raw: dict, lines: dict | None = None) -> list:
    return list(validation.validate(raw, lines or {}))


def simulate_text(text: str, executor, seed: int | None = None, fmt: str = "yaml") -> dict:
    """Run scenario text (YAML or JSON); problems raise InvalidScenario with their lines."""
    raw, lines = loads(text, fmt)
    return simulate(raw, executor, seed=seed, lines=lines)


def simulate(raw: dict, executor, seed: int | None = None, lines: dict | None = None, validate: bool = True) -> dict:
    """Run the scenario to its end on the virtual clock and return the trace."""
    if validate:
        problems = check(raw, lines)
        if problems:
            raise InvalidScenario(problems)
    state = new_state(raw, seed)
    until = state["config"].get("run_until_s")
    try:
        engine.advance(state, executor, until_s=float(until) if until is not None else None)
    finally:
        engine.shutdown(state, executor)
    return trace.build(state)


def load_checked(path: str) -> tuple[dict | None, dict | None, list[str]]:
    """(raw, lines, problems) for a scenario file; problems include read errors."""
    try:
        raw, lines = load(path)
    except ScenarioError as error:
        return None, None, [str(error)]
    except OSError as error:
        return None, None, [f"{path}: {error.strerror or error}"]
    return raw, lines, [str(p) for p in check(raw, lines)]
