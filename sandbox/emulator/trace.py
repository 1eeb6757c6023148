"""The trace of scenario-format.md, built from a state at any point of a run."""

from __future__ import annotations

import copy

from . import queues

TIME_FIELDS = ("start_s", "end_s", "at_s")


def _round_times(item: dict) -> dict:
    for key in TIME_FIELDS:
        if isinstance(item.get(key), float):
            item[key] = round(item[key], 6)
    return item


def build(state: dict) -> dict:
    """A trace dict (a copy; the state is not changed)."""
    raw = state["trace"]
    responses = sorted(copy.deepcopy(raw["responses"]), key=lambda r: r["_order"])
    for response in responses:
        del response["_order"]
        _round_times(response)
    attempts = [_round_times(a) for a in copy.deepcopy(raw["attempts"])]
    attempts.sort(key=lambda a: a["start_s"])
    trace = {
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
        "end_s": round(state["now"], 6),
        "stopped": state.get("stopped"),
    }
    for name in state["config"]["functions"]:
        trace["metrics"].setdefault(name, {"invocations": 0, "errors": 0, "throttles": 0, "max_concurrency": 0})
    return trace
