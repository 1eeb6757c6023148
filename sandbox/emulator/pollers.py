"""The pollers of event source mappings: their running state and their wake-ups.

An SQS mapping polls again when a message may have become visible; ``poke`` schedules that
poll (``sqs_poll``) unless an earlier one is already due. A queue calls ``poke_queue`` when a
message arrives, so the mappings reading it wake up.
"""

from __future__ import annotations

from .model import State
from .state import schedule


def mapping_runtime(state: State, index: int) -> dict:
    while len(state["mappings"]) <= index:
        state["mappings"].append(
            {"in_flight": 0, "active_since": None, "window_start": None, "poll_at": None, "lanes": {}}
        )
    return state["mappings"][index]


def poke(state: State, index: int, at: float) -> None:
    runtime = mapping_runtime(state, index)
    if runtime["poll_at"] is None or at < runtime["poll_at"]:
        runtime["poll_at"] = at
        schedule(state, at, "sqs_poll", {"mapping": index, "at": at})


def poke_queue(state: State, queue: str, now: float) -> None:
    for mapping in state["config"]["event_source_mappings"]:
        if mapping["kind"] == "sqs" and mapping["source_name"] == queue:
            poke(state, mapping["index"], now)
