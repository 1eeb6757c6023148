"""The SQS event source mapping: polling, batching, visibility, partial batch responses.

The mapping calls the function synchronously, one batch at a time per poller. A
successful batch is deleted; a failed one stays hidden until its visibility timeout
ends and then comes back (``ApproximateReceiveCount`` goes up), until SQS moves it to
the queue's own DLQ after ``max_receive_count`` receives. Filters delete the messages
they don't match. FIFO queues keep order per message group: a group with messages in
flight waits.
"""

from __future__ import annotations

import json

from . import attempts, events, ids, patterns, queues
from .asynchronous import RECURSION_LIMIT
from .model import State
from .pollers import mapping_runtime, poke
from .qualifiers import resolve
from .state import metrics_for
from .validation.rules import SYNC_PAYLOAD_BYTES

START_CONCURRENCY = 5
SCALE_PER_MINUTE = 300
MAX_CONCURRENCY = 1000


def _allowed(mapping: dict, runtime: dict, now: float) -> int:
    since = runtime["active_since"] if runtime["active_since"] is not None else now
    allowed = min(MAX_CONCURRENCY, START_CONCURRENCY + int(SCALE_PER_MINUTE * (now - since) / 60.0))
    if mapping.get("maximum_concurrency"):
        allowed = min(allowed, int(mapping["maximum_concurrency"]))
    return allowed


def _function_ref(mapping: dict) -> tuple[str, str | None]:
    name, _, qualifier = str(mapping["function"]).partition(":")
    return name, qualifier or None


def poll(state: State, data: dict, now: float) -> list[dict]:
    index = data["mapping"]
    runtime = mapping_runtime(state, index)
    if runtime["poll_at"] != data["at"]:
        return []  # superseded by an earlier poll
    runtime["poll_at"] = None
    mapping = state["config"]["event_source_mappings"][index]
    if not mapping.get("enabled", True):
        return []
    name = mapping["source_name"]
    queues.expire(state, name, now)
    visible = _visible(state, name, now)
    if not visible:
        _poke_when_visible(state, index, name, now)
        return []
    if runtime["in_flight"] >= _allowed(mapping, runtime, now):
        return []  # a finishing batch pokes again
    if _batching_window_open(state, index, runtime, len(visible), now):
        return []
    batch, records = _take_batch(state, mapping, visible, now)
    if not batch:
        if any(m["visible_at"] <= now for m in state["queues"][name]):
            poke(state, index, now)
        else:
            _poke_when_visible(state, index, name, now)
        return []
    return _start_batch(state, index, runtime, batch, records, now)


def _visible(state: State, name: str, now: float) -> list[dict]:
    """Messages a poll can receive now; on a FIFO queue, not those of a group with messages in flight."""
    messages = state["queues"][name]
    if not state["config"]["queues"][name].get("fifo"):
        return [m for m in messages if m["visible_at"] <= now]
    blocked = queues.in_flight_groups(messages, now)
    return [m for m in messages if m["visible_at"] <= now and m["group_id"] not in blocked]


def _poke_when_visible(state: State, index: int, name: str, now: float) -> None:
    later = [m["visible_at"] for m in state["queues"][name] if m["visible_at"] > now]
    if later:
        poke(state, index, min(later))


def _batching_window_open(state: State, index: int, runtime: dict, visible: int, now: float) -> bool:
    """True while the mapping waits for a fuller batch (``maximum_batching_window_s``)."""
    mapping = state["config"]["event_source_mappings"][index]
    window = float(mapping.get("maximum_batching_window_s") or 0)
    batch_size = int(mapping.get("batch_size") or 10)
    if window > 0:
        if runtime["window_start"] is None:
            runtime["window_start"] = now
        if visible < batch_size and now < runtime["window_start"] + window:
            poke(state, index, runtime["window_start"] + window)
            return True
    runtime["window_start"] = None
    return False


def _visibility_s(state: State, mapping: dict) -> float:
    """The queue's visibility timeout, raised when it is shorter than the window plus the function's timeout."""
    fn_name, _qualifier = _function_ref(mapping)
    window = float(mapping.get("maximum_batching_window_s") or 0)
    timeout = float(state["config"]["functions"][fn_name]["timeout_s"])
    visibility = float(state["config"]["queues"][mapping["source_name"]]["visibility_timeout_s"])
    return window + timeout + 30.0 if window + timeout > visibility else visibility


def _recursion_stopped(state: State, function: str, queue: str, message: dict, now: float) -> bool:
    """Lambda's recursive loop detection: a message that already went through the function 16 times in one
    request chain is not delivered; it moves to the queue's dead-letter queue, or is dropped."""
    fn = state["config"]["functions"][function]
    chain = message.get("chain") or {}
    if chain.get(function, 0) < RECURSION_LIMIT or fn.get("recursive_loop", "Terminate") == "Allow":
        return False
    metrics_for(state, function)["recursive_invocations_dropped"] += 1
    if queues.move_to_dead_letter(state, queue, message) is None:
        queues.delete(state, queue, [message["message_id"]])
        state["trace"]["dropped"].append(
            {
                "request_id": None,
                "function": function,
                "message_id": message["message_id"],
                "reason": "RecursiveInvocationDropped",
                "at_s": now,
            }
        )
    return True


def _take_batch(state: State, mapping: dict, visible: list, now: float) -> tuple[list, list]:
    """Receive up to ``batch_size`` messages that fit in one synchronous payload.

    Messages past the redrive count move to the dead-letter queue; messages the filters reject
    are deleted."""
    name = mapping["source_name"]
    fn_name, _qualifier = _function_ref(mapping)
    batch_size = int(mapping.get("batch_size") or 10)
    visibility = _visibility_s(state, mapping)
    redrive = state["config"]["queues"][name].get("redrive") or {}
    max_receive = redrive.get("max_receive_count")
    batch: list = []
    records: list = []
    size = 0
    for message in visible:
        if len(batch) >= batch_size:
            break
        if max_receive and message["receive_count"] >= int(max_receive) and redrive.get("dead_letter_queue"):
            queues.move_to_dead_letter(state, name, message)
            continue
        if _recursion_stopped(state, fn_name, name, message, now):
            continue
        queues.receive(message, now, visibility)
        record = queues.sqs_record(state, name, message)
        if not patterns.passes_filters(mapping.get("filter_patterns") or [], "sqs", record):
            queues.delete(state, name, [message["message_id"]])
            state["trace"]["dropped"].append(
                {
                    "request_id": None,
                    "function": fn_name,
                    "message_id": message["message_id"],
                    "reason": "FilteredOut",
                    "at_s": now,
                }
            )
            continue
        record_size = len(json.dumps(record).encode())
        if batch and size + record_size > SYNC_PAYLOAD_BYTES:
            message["visible_at"] = now  # didn't fit; next batch
            message["receive_count"] -= 1
            message["attributes"]["ApproximateReceiveCount"] = str(message["receive_count"])
            break
        size += record_size
        batch.append(message)
        records.append(record)
    return batch, records


def _start_batch(state: State, index: int, runtime: dict, batch: list, records: list, now: float) -> list[dict]:
    """Invoke the function with the batch, or record a throttle and poll again when the batch is visible."""
    mapping = state["config"]["event_source_mappings"][index]
    fn_name, qualifier = _function_ref(mapping)
    request_id = ids.uuid(state, "request")
    message_ids = [m["message_id"] for m in batch]
    attempt = max(m["receive_count"] for m in batch)
    version = _version(state, fn_name, qualifier)
    planned = attempts.plan_run(
        state,
        function=fn_name,
        version=version,
        qualifier=qualifier,
        payload=json.dumps(events.batch(records)),
        request_id=request_id,
        trigger="sqs",
        attempt=attempt,
        ctx={"owner": "sqs", "mapping": index, "message_ids": message_ids},
        now=now,
        sync=True,
        batch=message_ids,
    )
    if "throttle" in planned:
        attempts.throttled_attempt(
            state,
            function=fn_name,
            request_id=request_id,
            trigger="sqs",
            attempt=attempt,
            now=now,
            reason=planned["throttle"],
            batch=message_ids,
        )
        poke(state, index, min(m["visible_at"] for m in batch))
        return []
    if runtime["active_since"] is None:
        runtime["active_since"] = now
    runtime["in_flight"] += 1
    poke(state, index, now)  # more batches may start at once
    return [planned]


def _version(state: State, name: str, qualifier: str | None) -> str:
    return resolve(state, name, qualifier).get("version", "$LATEST")


def failed_items(response, message_ids: list) -> list | None:
    """Message ids a partial batch response reports; None means the whole batch failed."""
    if response is None or response == "" or response == {}:
        return []
    if not isinstance(response, dict):
        return []
    failures = response.get("batchItemFailures")
    if failures is None or failures == []:
        return []
    if not isinstance(failures, list):
        return None
    wanted = []
    for item in failures:
        if not isinstance(item, dict):
            return None
        identifier = item.get("itemIdentifier")
        if not identifier or identifier not in message_ids:
            return None
        wanted.append(identifier)
    return wanted


def end(state: State, data: dict, now: float) -> list[dict]:
    ctx = data["ctx"]
    index = ctx["mapping"]
    runtime = mapping_runtime(state, index)
    runtime["in_flight"] = max(0, runtime["in_flight"] - 1)
    mapping = state["config"]["event_source_mappings"][index]
    name = mapping["source_name"]
    message_ids = ctx["message_ids"]
    if data["outcome"] == "success":
        keep: list | None = []
        if mapping.get("report_batch_item_failures"):
            response = state["trace"]["attempts"][data["attempt_index"]]["response"]
            keep = failed_items(response, message_ids)
        if keep is not None:
            queues.delete(state, name, [m for m in message_ids if m not in set(keep)])
    poke(state, index, now)
    return []
