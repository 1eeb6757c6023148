"""Continuing an emulator state from one run of a workspace to the next (pure: standard library only).

A workspace keeps a *world* (a scenario without its steps) and the emulator state its last run left.
``advance`` applies one run's steps to that state: it brings the state's configuration to the world's
(new code or settings become ``update_function`` steps, as a deployment would), drops environments the
executor lost (the next invocation is a cold start), lets the idle time pass on the emulated clock, runs
the engine and returns the new state with this run's part of the trace, on a clock starting at 0.

``WORLD_FIELDS`` is the one definition of what belongs to a world: every top-level field of the scenario
format except those that describe a run of it (``SCENARIO_ONLY``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

from . import engine, versions
from . import trace as trace_module
from .config import DEFAULT_FUNCTION, VERSIONED_FIELDS, normalise
from .executor import Executor
from .simulation import check
from .state import PRIORITY_STEP, metrics_for, new_state, schedule
from .validation import Problem
from .validation.rules import TOP_FIELDS

SCENARIO_ONLY = ("description", "steps", "run_until_s")
WORLD_FIELDS = tuple(field for field in TOP_FIELDS if field not in SCENARIO_ONLY)
FRESH_KINDS = ("preset", "challenge", "reset")  # start from a fresh emulator state (all cold, queues empty)
SHELL_STEPS = ("purge",)  # steps applied here, before the engine runs: not part of the scenario format
MAX_IDLE_GAP_S = 24 * 3600  # real time between runs advances the emulated clock, up to this much
TIME_FIELDS = ("start_s", "end_s", "at_s")
# Trace lists a run's trace takes its own part of.
LISTS = (
    "responses",
    "attempts",
    "deliveries",
    "connections",
    "dropped",
    "url_responses",
    "publishes",
    "snapshots",
    "layer_versions",
    "sdk_calls",
)
STEP_LISTS = ("responses", "url_responses")  # records that name the run's step


class ContinuingExecutor(Executor, Protocol):
    """An executor that can also tell whether it still holds an environment (a restarted one holds none)."""

    def alive(self, environment_id: str) -> bool: ...


def split_scenario(raw: dict) -> tuple[dict, list]:
    """(world, steps) of a scenario dict: the world is its ``WORLD_FIELDS``, copied."""
    world = {key: copy.deepcopy(raw[key]) for key in WORLD_FIELDS if key in raw}
    return world, copy.deepcopy(list(raw.get("steps") or []))


def world_problems(world: dict, steps: list | None = None) -> list[Problem]:
    """Format and AWS problems of a world (and steps), each naming its field."""
    engine_steps = [step for step in steps or [] if not is_shell_step(step)]
    problems = check({**world, "steps": engine_steps})
    for index, step in enumerate(steps or []):
        if is_shell_step(step):
            queue = (step.get("purge") or {}).get("queue") if isinstance(step.get("purge"), dict) else None
            if queue not in (world.get("queues") or {}):
                problems.append(Problem(f"steps.{index}.purge.queue", None, f"There is no queue named {queue!r}."))
    return problems


@dataclass(frozen=True)
class Advanced:
    state: dict
    trace: dict
    world: dict  # the world with the run's configuration changes applied


def advance(
    world: dict,
    state: Any,
    kind: str,
    steps: list,
    executor: ContinuingExecutor,
    idle_s: float = 0.0,
    *,
    owned: bool = False,
    salt: str = "",
) -> Advanced:
    """Apply one run's steps to a workspace's emulator state; returns the new state and this run's trace.

    ``state`` is the state the previous run saved (None for a new workspace); it is not changed
    unless ``owned`` is true: a caller that has just loaded ``world`` and ``state`` from the database
    and uses them for nothing else passes ``owned=True`` to spare the deep copies.
    ``idle_s`` is the real time since that run: it passes on the emulated clock too (idle environments
    are reclaimed after 15 minutes). Environments the executor no longer has (daemon or worker
    restarted) are dropped: the next invocation is a cold start, as when Lambda recycles one.
    ``salt`` (the run's own id, say) is mixed into the ids a fresh state hands out, so two runs that
    start over from the same world still get different request and message ids; without it the ids
    follow from the seed alone.
    """
    if not owned:
        world = copy.deepcopy(world)
        state = copy.deepcopy(state) if state else None
    state = state or None
    recycled: list[str] = []
    internal: list[dict] = []
    fresh = state is None or kind in FRESH_KINDS
    if not fresh:
        synced = _sync_world(state, world)
        fresh = synced is None
        internal = synced or []
    if fresh:
        if state:
            for env_id in list(state["environments"]):
                executor.destroy(env_id)
        state = new_state({**world, "steps": []}, world.get("seed"))
        if salt:
            state["salt"] = str(salt)
        internal = []
    else:
        recycled, resync = _reconcile(state, executor)
        internal.extend(resync)
    base = float(state["now"]) + (min(max(idle_s, 0.0), MAX_IDLE_GAP_S) if not fresh else 0.0)
    for step in steps:
        if is_shell_step(step):
            state["queues"][step["purge"]["queue"]] = []
    engine_steps = [step for step in steps if not is_shell_step(step)]
    marks = _marks(state)
    step_offset = len(state["config"]["steps"]) + len(internal)
    state["attempt_count"] = 0
    state["stopped"] = None
    _add_steps(state, internal + engine_steps, base)
    engine.advance(state, executor, until_s=None)
    run_trace = _slice(state, marks, base, step_offset)
    run_trace.update({"clock_s": round(base, 6), "fresh": fresh, "recycled_environments": recycled})
    if not state["events"]:
        _trim(state)
    return Advanced(state=state, trace=run_trace, world=apply_configuration(world, steps, state))


def is_shell_step(step) -> bool:
    return isinstance(step, dict) and any(name in step for name in SHELL_STEPS)


def _sync_world(state: dict, world: dict) -> list[dict] | None:
    """Steps that bring the state's configuration to the world's; None when only a fresh state can."""
    wanted = normalise({**world, "steps": []})
    current = state["config"]
    for section in ("account", "queues", "topics", "streams", "buses", "buckets", "tables", "network"):
        if wanted[section] != current.get(section, {}):
            return None
    if wanted["layers"] != current.get("layers", {}):
        return None
    if set(current["functions"]) - set(wanted["functions"]):
        return None
    old_maps, new_maps = current["event_source_mappings"], wanted["event_source_mappings"]
    if len(old_maps) != len(new_maps) or any(
        (a["function"], a["source"]) != (b["function"], b["source"]) for a, b in zip(old_maps, new_maps, strict=True)
    ):
        return None
    # Who may call which URL: no running state depends on it, so the world's settings are taken as they are.
    current["function_urls"] = wanted["function_urls"]
    current["permissions"] = wanted["permissions"]
    current["users"] = wanted["users"]
    steps: list[dict] = []
    for name, fn in wanted["functions"].items():
        if name not in current["functions"]:
            current["functions"][name] = copy.deepcopy({**fn, "provisioned_concurrency": 0})
            if fn["provisioned_concurrency"]:
                steps.append(
                    {"update_function": {"function": name, "provisioned_concurrency": fn["provisioned_concurrency"]}}
                )
            continue
        existing = current["functions"][name]
        fn = {**fn, "versions": _kept_versions(existing.get("versions") or {}, fn.get("versions") or {})}
        # A field a state saved by an older version of the format lacks reads as its default.
        changes = {key: value for key, value in fn.items() if existing.get(key, DEFAULT_FUNCTION.get(key)) != value}
        if changes:
            steps.append({"update_function": {"function": name, **changes}})
    for index, (old, new) in enumerate(zip(old_maps, new_maps, strict=True)):
        changes = {key: value for key, value in new.items() if old.get(key) != value}
        if changes:
            steps.append({"update_mapping": {"index": index, **changes}})
    return steps


def _kept_versions(existing: dict, wanted: dict) -> dict:
    """Published versions are immutable: the code and versioned settings the state has stay as they are, even when
    the world no longer names the version; the world may add versions and set a version's own event invoke
    configuration (``async``), which is not frozen."""
    kept = {number: dict(version) for number, version in wanted.items()}
    for number, version in existing.items():
        frozen = {key: value for key, value in version.items() if key in VERSIONED_FIELDS}
        kept[number] = {**kept.get(number, version), **frozen}
    return kept


def _reconcile(state: dict, executor: ContinuingExecutor) -> tuple[list[str], list[dict]]:
    """Drop environments the executor lost; steps that bring provisioned ones back."""
    lost = [
        env_id
        for env_id, env in state["environments"].items()
        if env.get("created") and not env.get("busy") and not executor.alive(env_id)
    ]
    functions = set()
    for env_id in lost:
        env = state["environments"].pop(env_id)
        if env["provisioned"]:
            functions.add(env["function"])
    steps = [
        {
            "update_function": {
                "function": name,
                "provisioned_concurrency": state["config"]["functions"][name]["provisioned_concurrency"],
            }
        }
        for name in sorted(functions)
    ]
    return lost, steps


def _add_steps(state: Any, steps: list[dict], base: float) -> None:
    started = bool(state["counters"].get("started"))
    for step in steps:
        placed = copy.deepcopy(step)
        placed["at_s"] = base + float(step.get("at_s", 0) or 0)
        state["config"]["steps"].append(placed)
        if started:
            schedule(state, placed["at_s"], "step", {"index": len(state["config"]["steps"]) - 1}, PRIORITY_STEP)


def _marks(state: dict) -> dict:
    raw = state["trace"]
    return {
        "lists": {key: len(raw.get(key, [])) for key in LISTS},
        "named": {
            key: {name: len(items) for name, items in raw[key].items()} for key in ("topics", "buses", "buckets")
        },
        "metrics": copy.deepcopy(raw["metrics"]),
    }


def _shift(item: dict, base: float) -> dict:
    for key in TIME_FIELDS:
        if isinstance(item.get(key), (int, float)) and not isinstance(item.get(key), bool):
            item[key] = round(item[key] - base, 6)
    return item


def _slice(state: Any, marks: dict, base: float, step_offset: int) -> dict:
    """This run's part of the trace, on a clock that starts at 0 when the run does."""
    raw = state["trace"]
    part = {key: raw.get(key, [])[start:] for key, start in marks["lists"].items()}
    for key, starts in marks["named"].items():
        part[key] = {name: items[starts.get(name, 0) :] for name, items in raw[key].items()}
    part["metrics"] = _metric_deltas(state, marks["metrics"], part["attempts"])
    whole: Any = {**state, "trace": part}
    built = trace_module.build(whole)
    for key in LISTS:
        built[key] = [_shift(item, base) for item in built[key]]
    for key in ("topics", "buses", "buckets"):
        built[key] = {name: [_shift(item, base) for item in items] for name, items in built[key].items()}
    for key in STEP_LISTS:
        for response in built[key]:
            if isinstance(response.get("step"), int):
                response["step"] -= step_offset
    built["end_s"] = round(max(0.0, built["end_s"] - base), 6)
    return built


def _metric_deltas(state: Any, before: dict, attempts: list[dict]) -> dict:
    deltas = {}
    for name in state["config"]["functions"]:
        now = copy.deepcopy(metrics_for(state, name))
        was = before.get(name, {})
        for key, value in now.items():
            if key != "max_concurrency" and isinstance(value, (int, float)):
                now[key] = value - was.get(key, 0)
        now["max_concurrency"] = _peak_concurrency([a for a in attempts if a["function"] == name])
        deltas[name] = now
    return deltas


def _peak_concurrency(attempts: list[dict]) -> int:
    edges = []
    for attempt in attempts:
        if attempt.get("environment_id"):
            edges.append((attempt["start_s"], 1))
            edges.append((attempt["end_s"], -1))
    peak = current = 0
    for _time, change in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        current += change
        peak = max(peak, current)
    return peak


def _trim(state: dict) -> None:
    """Forget what earlier runs recorded (their traces are in their rows); metrics stay cumulative."""
    raw = state["trace"]
    for key in LISTS:
        raw[key] = []
    for key in ("topics", "buses", "buckets"):
        raw[key] = {name: [] for name in raw[key]}
    state["config"]["steps"] = []


CONFIGURING_STEPS = (
    "update_function",
    "update_mapping",
    "publish_version",
    "publish_layer_version",
    "delete_layer_version",
)


def changes_configuration(steps: list) -> bool:
    return any(isinstance(step, dict) and any(name in step for name in CONFIGURING_STEPS) for step in steps)


def apply_configuration(world: dict, steps: list, state: Any = None) -> dict:
    """The world with the run's ``update_function`` and ``update_mapping`` steps written into it, and with
    the function versions ``state`` (the state after the run) has published, frozen."""
    world = versions.record_published(world, state) if state is not None else copy.deepcopy(world)
    for step in steps:
        if isinstance(step.get("update_function"), dict):
            changes = dict(step["update_function"])
            function = (world.get("functions") or {}).get(changes.pop("function", None))
            if function is None:
                continue
            for key, value in changes.items():
                if key == "async" and isinstance(value, dict):
                    function.setdefault("async", {}).update(value)
                else:
                    function[key] = value
        if isinstance(step.get("update_mapping"), dict):
            changes = dict(step["update_mapping"])
            mappings = world.get("event_source_mappings") or []
            if "index" in changes:
                index = int(changes.pop("index"))
                chosen = [mappings[index]] if 0 <= index < len(mappings) else []
            else:
                function, source = changes.pop("function", None), changes.pop("source", None)
                chosen = [
                    m
                    for m in mappings
                    if (function is None or m.get("function") == function)
                    and (source is None or m.get("source") == source)
                ]
            for mapping in chosen:
                mapping.update(changes)
        _apply_layer_step(world, step)
    return world


def _apply_layer_step(world: dict, step: dict) -> None:
    """A published or deleted layer version belongs to the world from then on, as in the account."""
    if isinstance(step.get("publish_layer_version"), dict):
        action = step["publish_layer_version"]
        layer = world.setdefault("layers", {}).setdefault(str(action.get("layer")), {})
        version = {key: copy.deepcopy(action[key]) for key in ("files", "extra_bytes", "description") if key in action}
        layer["versions"] = [*(layer.get("versions") or []), version]
    if isinstance(step.get("delete_layer_version"), dict):
        action = step["delete_layer_version"]
        layer = (world.get("layers") or {}).get(str(action.get("layer")))
        if isinstance(layer, dict):
            layer["deleted"] = sorted({*(layer.get("deleted") or []), int(action.get("version") or 0)})
