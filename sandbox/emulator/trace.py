"""The trace (documented in docs/scenarios.md), built from a state at any point of a run."""

from __future__ import annotations

import copy
from typing import Any

from . import queues
from .model import State

TIME_FIELDS = ("start_s", "end_s", "at_s")
# Metrics that depend on which attempts overlap in time, and so on measured handler durations: a seed
# does not fix them (docs/emulator.md, "Time and seeds"). Throttle counts do too, but only when a
# concurrency limit is within reach of the overlap.
MEASURED_METRICS = ("max_concurrency",)


def _round_times(item: dict) -> dict:
    for key in TIME_FIELDS:
        if isinstance(item.get(key), float):
            item[key] = round(item[key], 6)
    return item


def _executions(execution: dict) -> dict:
    execution["history"] = [_round_times(h) for h in execution["history"]]
    return _round_times(execution)


def build(state: State) -> dict:
    """A trace dict (a copy; the state is not changed)."""
    raw = state["trace"]
    responses = sorted(copy.deepcopy(raw["responses"]), key=lambda r: r["_order"])
    for response in responses:
        del response["_order"]
        _round_times(response)
    attempts = [_round_times(a) for a in copy.deepcopy(raw["attempts"])]
    attempts.sort(key=lambda a: a["start_s"])
    trace: dict[str, Any] = {
        "scenario": state["config"]["name"],
        "seed": state["seed"],
        "responses": responses,
        "attempts": attempts,
        "queues": queues.snapshot(state),
        "topics": copy.deepcopy(raw["topics"]),
        "buses": copy.deepcopy(raw["buses"]),
        "buckets": copy.deepcopy(raw["buckets"]),
        "deliveries": [_round_times(d) for d in copy.deepcopy(raw["deliveries"])],
        "connections": [_round_times(c) for c in copy.deepcopy(raw["connections"])],
        "dropped": [_round_times(d) for d in copy.deepcopy(raw["dropped"])],
        "metrics": copy.deepcopy(raw["metrics"]),
        "api_responses": [_round_times(r) for r in copy.deepcopy(raw.get("api_responses", []))],
        "executions": [_executions(e) for e in copy.deepcopy(raw.get("executions", []))],
        "publishes": [_round_times(p) for p in copy.deepcopy(raw.get("publishes", []))],
        "function_states": [_round_times(f) for f in copy.deepcopy(raw.get("function_states", []))],
        "snapshots": [_round_times(s) for s in copy.deepcopy(raw.get("snapshots", []))],
        "layer_versions": [_round_times(v) for v in copy.deepcopy(raw.get("layer_versions", []))],
        "url_responses": [_round_times(r) for r in copy.deepcopy(raw.get("url_responses", []))],
        "sdk_calls": [_round_times(c) for c in copy.deepcopy(raw.get("sdk_calls", []))],
        "end_s": round(state["now"], 6),
        "stopped": state.get("stopped"),
    }
    for name in state["config"]["functions"]:
        trace["metrics"].setdefault(name, {"invocations": 0, "errors": 0, "throttles": 0, "max_concurrency": 0})
    return trace
