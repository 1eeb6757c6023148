"""What one student may ask of the sandbox: sizes and counts, checked before a run is accepted.

Pure functions over plain values; each returns a message in plain words (or None), which
``running.start_run`` raises as ``SandboxLimitError``. The numbers can be changed in settings
(``SANDBOX_<NAME>``, e.g. ``SANDBOX_RUNS_PER_MINUTE = 30``).
"""

from __future__ import annotations

import json

DEFAULTS = {
    "RUNS_PER_MINUTE": 20,  # runs one student may start in any 60 seconds
    "QUEUED_RUNS_PER_WORKSPACE": 5,  # runs waiting or running in one workspace
    "WORKSPACES_PER_USER": 20,
    "FUNCTIONS": 10,  # functions per workspace
    "RESOURCES": 40,  # queues + topics + streams + buses + buckets + mappings + hosts per workspace
    "CODE_BYTES": 256 * 1024,  # handler module plus extra files, per function
    "STEPS": 50,  # steps per run
    "INVOCATIONS": 200,  # handler invocations a run's steps may ask for (repeat counts included)
    "STEPS_BYTES": 2 * 1024 * 1024,  # all events of one run, as JSON
}

RESOURCE_SECTIONS = ("queues", "topics", "streams", "buses", "buckets")


def limit(name: str) -> int:
    from django.conf import settings

    return int(getattr(settings, f"SANDBOX_{name}", DEFAULTS[name]))


def _size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str).encode())


def _kb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def world_problem(world: dict, limits: dict) -> str | None:
    """The first limit a world breaks, in words, or None."""
    functions = world.get("functions") or {}
    if isinstance(functions, dict) and len(functions) > limits["FUNCTIONS"]:
        return (
            f"This workspace has {len(functions)} functions; the sandbox allows {limits['FUNCTIONS']}. "
            "Delete a function you no longer need, or start a new workspace."
        )
    count = sum(len(world.get(section) or {}) for section in RESOURCE_SECTIONS)
    count += len(world.get("event_source_mappings") or [])
    count += len((world.get("network") or {}).get("hosts") or {})
    if count > limits["RESOURCES"]:
        return (
            f"This workspace has {count} queues, topics, streams, buses, buckets, mappings and hosts together; "
            f"the sandbox allows {limits['RESOURCES']}. Remove some, or start a new workspace."
        )
    for name, function in functions.items() if isinstance(functions, dict) else ():
        if not isinstance(function, dict):
            continue
        code = len(str(function.get("code") or "").encode())
        code += sum(len(str(text).encode()) for text in (function.get("files") or {}).values())
        if code > limits["CODE_BYTES"]:
            return (
                f"The code of function {name} is {_kb(code)}; the sandbox accepts up to "
                f"{_kb(limits['CODE_BYTES'])} per function. Move large data out of the source."
            )
    return None


def invocation_count(steps: list) -> int:
    total = 0
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("invoke"), dict):
            try:
                total += max(1, int(step["invoke"].get("repeat", 1) or 1))
            except (TypeError, ValueError):
                total += 1
    return total


def steps_problem(steps: list, limits: dict) -> str | None:
    """The first limit a run's steps break, in words, or None."""
    if len(steps) > limits["STEPS"]:
        return f"A run may have up to {limits['STEPS']} steps; this one has {len(steps)}. Split it into several runs."
    invocations = invocation_count(steps)
    if invocations > limits["INVOCATIONS"]:
        return (
            f"This run asks for {invocations} invocations; the sandbox runs up to {limits['INVOCATIONS']} per run. "
            "Lower the burst size (repeat)."
        )
    size = _size(steps)
    if size > limits["STEPS_BYTES"]:
        return (
            f"The events in this run add up to {_kb(size)}; the sandbox accepts up to {_kb(limits['STEPS_BYTES'])} "
            "per run (real Lambda accepts 6 MB for a synchronous and 1 MB for an asynchronous invocation)."
        )
    return None


def rate_problem(recent_runs: int, queued_in_workspace: int, limits: dict) -> str | None:
    if recent_runs >= limits["RUNS_PER_MINUTE"]:
        return (
            f"You have started {recent_runs} runs in the last minute; the sandbox allows {limits['RUNS_PER_MINUTE']}. "
            "Wait a few seconds and try again."
        )
    if queued_in_workspace >= limits["QUEUED_RUNS_PER_WORKSPACE"]:
        return (
            f"{queued_in_workspace} runs are still waiting in this workspace; wait for them to finish before "
            "starting another."
        )
    return None


def current() -> dict:
    return {name: limit(name) for name in DEFAULTS}
