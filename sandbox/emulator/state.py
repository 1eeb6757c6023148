"""The emulator state: one plain JSON-compatible dict, plus the timed event queue.

Nothing in the state is shared by reference, so ``state_from_json(state_to_json(s))``
gives back an equal state that can be advanced by another process (a Celery task).
Events are kept in a heap of ``[time, priority, seq, kind, data]`` lists.
"""

from __future__ import annotations

import heapq
import json

from . import config as config_module
from .model import State

STATE_VERSION = 1

# Lower runs first among events due at the same instant: handlers that finish free
# their environment before new work looks for one.
PRIORITY_END = 0
PRIORITY_STEP = 1
PRIORITY_WORK = 2


def new_state(raw: dict, seed: int | None = None) -> State:
    """A fresh state for a validated scenario dict."""
    config = config_module.normalise(raw)
    chosen_seed = seed if seed is not None else int(raw.get("seed") or 0)
    state: State = {
        "version": STATE_VERSION,
        "seed": chosen_seed,
        "now": 0.0,
        "config": config,
        "counters": {},
        "events": [],
        "environments": {},
        "functions": {},
        "async_events": {},
        "queues": {name: [] for name in config["queues"]},
        "streams": {},
        "mappings": [],
        "attempt_count": 0,
        "stopped": None,
        "trace": {
            "responses": [],
            "attempts": [],
            "queues": {},
            "topics": {name: [] for name in config["topics"]},
            "buses": {name: [] for name in config["buses"]},
            "buckets": {name: [] for name in config["buckets"]},
            "deliveries": [],
            "connections": [],
            "dropped": [],
            "metrics": {},
            "api_responses": [],
            "executions": [],
            "publishes": [],
            "function_states": [],
            "url_responses": [],
            "sdk_calls": [],
        },
    }
    return state


def state_to_json(state: State) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def state_from_json(text: str) -> State:
    state = json.loads(text)
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported emulator state version {state.get('version')!r}")
    return state


def schedule(state: State, at: float, kind: str, data: dict, priority: int = PRIORITY_WORK) -> None:
    seq = state["counters"]["event_seq"] = state["counters"].get("event_seq", 0) + 1
    heapq.heappush(state["events"], [float(at), priority, seq, kind, data])


def peek_time(state: State) -> float:
    """When the next event is due (infinity when none is)."""
    return state["events"][0][0] if state["events"] else float("inf")


def pop_event(state: State) -> list:
    return heapq.heappop(state["events"])


def metrics_for(state: State, function: str) -> dict:
    metrics = state["trace"]["metrics"]
    if function not in metrics:
        metrics[function] = {
            "invocations": 0,
            "errors": 0,
            "throttles": 0,
            "max_concurrency": 0,
            "provisioned_spillover_invocations": 0,
            "dead_letter_errors": 0,
            "destination_delivery_failures": 0,
            "async_events_received": 0,
            "async_events_dropped": 0,
            "recursive_invocations_dropped": 0,
        }
    return metrics[function]
