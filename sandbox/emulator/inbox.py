"""Lambda's internal queue for asynchronous invocation: accepting an event.

Every asynchronous source (an ``Event`` invoke, SNS, EventBridge, S3, a destination that is
a function) puts its event here; ``asynchronous`` then runs the attempts.
"""

from __future__ import annotations

from . import ids
from .model import State
from .state import metrics_for, schedule


def enqueue(
    state: State,
    *,
    function: str,
    qualifier: str | None,
    payload: str,
    trigger: str,
    now: float,
    request_id: str | None = None,
    chain: dict | None = None,
) -> str:
    request_id = request_id or ids.uuid(state, "request")
    event_id = f"evt-{ids.next_counter(state, 'async')}"
    state["async_events"][event_id] = {
        "id": event_id,
        "request_id": request_id,
        "function": function,
        "qualifier": qualifier,
        "payload": payload,
        "trigger": trigger,
        "enqueued_at": now,
        "runs": 0,
        "throttles": 0,
        "last_error": None,
        "last_status": None,
        "version": None,
        "chain": dict(chain or {}),  # invocations per function so far in this request chain
        "done": None,
    }
    metrics_for(state, function)["async_events_received"] += 1
    schedule(state, now, "async_attempt", {"event": event_id})
    if state["config"]["account"].get("duplicate_delivery"):
        # At-least-once delivery made visible: the same event, a second time.
        twin = dict(state["async_events"][event_id], id=f"{event_id}-dup")
        state["async_events"][twin["id"]] = twin
        schedule(state, now + 1.0, "async_attempt", {"event": twin["id"]})
    return event_id
