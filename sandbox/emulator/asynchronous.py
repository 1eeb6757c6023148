"""Asynchronous invocation: Lambda's internal queue, retries, event age, DLQ, destinations.

Timing: after a function error the next attempt starts 60 s
after the failed one ended, then 120 s; throttles and system errors back off from 1 s
doubling to 5 min and don't use up ``maximum_retry_attempts``; an event older than
``maximum_event_age_s`` is discarded at its next try. A discarded event goes to the
function's DLQ and/or its on-failure destination, or is dropped when neither is set.
Every event ends exactly once: success, failure delivery, or a drop.
"""

from __future__ import annotations

import contextlib
import json

from . import attempts, concurrency, ids, logs, push, queues
from .config import event_invoke_config
from .model import State
from .qualifiers import resolve
from .state import metrics_for, schedule
from .validation.rules import SEND_ACTIONS, role_allows

RETRY_DELAYS_S = (60.0, 120.0)
THROTTLE_BACKOFF_MAX_S = 300.0
RECURSION_LIMIT = 16


def _next_chain(event: dict) -> dict:
    """The chain for work this event causes: one more invocation of its function."""
    chain = dict(event["chain"])
    chain[event["function"]] = chain.get(event["function"], 0) + 1
    return chain


def _config(state: State, event: dict) -> dict:
    return event_invoke_config(state["config"]["functions"][event["function"]], event["qualifier"])


def attempt(state: State, data: dict, now: float) -> list[dict]:
    event = state["async_events"][data["event"]]
    if event["done"]:
        return []
    fn = state["config"]["functions"][event["function"]]
    settings = _config(state, event)
    if now - event["enqueued_at"] >= float(settings["maximum_event_age_s"]):
        return _fail(state, event, "EventAgeExceeded", now)
    reserved = fn.get("reserved_concurrency")
    if reserved is not None and int(reserved) == 0:
        attempts.throttled_attempt(
            state,
            function=event["function"],
            request_id=event["request_id"],
            trigger=event["trigger"],
            attempt=event["runs"] + 1,
            now=now,
            reason=concurrency.RESERVED_REASON,
        )
        event["last_status"] = 429
        return _fail(state, event, "ZeroReservedConcurrency", now)
    if event["chain"].get(event["function"], 0) >= RECURSION_LIMIT and fn.get("recursive_loop", "Terminate") != "Allow":
        metrics_for(state, event["function"])["recursive_invocations_dropped"] += 1
        event["last_status"] = 400
        event["last_error"] = {
            "errorMessage": "Recursive invocation loop detected",
            "errorType": "RecursiveInvocationException",
        }
        return _fail(state, event, "RecursiveInvocationDropped", now)
    if event["version"] is None:
        resolved = resolve(state, event["function"], event["qualifier"])
        event["version"] = resolved.get("version", "$LATEST")
    planned = attempts.plan_run(
        state,
        function=event["function"],
        version=event["version"],
        qualifier=event["qualifier"],
        payload=event["payload"],
        request_id=event["request_id"],
        trigger=event["trigger"],
        attempt=event["runs"] + 1,
        ctx={"owner": "async", "event": event["id"]},
        now=now,
        sync=False,
    )
    if "throttle" in planned:
        attempts.throttled_attempt(
            state,
            function=event["function"],
            request_id=event["request_id"],
            trigger=event["trigger"],
            attempt=event["runs"] + 1,
            now=now,
            reason=planned["throttle"],
        )
        event["throttles"] += 1
        event["last_status"] = 429
        delay = min(THROTTLE_BACKOFF_MAX_S, 2.0 ** (event["throttles"] - 1))
        expiry = event["enqueued_at"] + float(settings["maximum_event_age_s"])
        schedule(state, min(now + delay, expiry), "async_attempt", {"event": event["id"]})
        return []
    event["runs"] += 1
    return [planned]


def end(state: State, data: dict, now: float) -> list[dict]:
    event = state["async_events"][data["ctx"]["event"]]
    if data["outcome"] == "success":
        return _succeed(state, event, data, now)
    event["last_error"] = data["error"]
    event["last_status"] = 200
    settings = _config(state, event)
    if event["runs"] < 1 + int(settings["maximum_retry_attempts"]):
        delay = RETRY_DELAYS_S[min(event["runs"], len(RETRY_DELAYS_S)) - 1]
        schedule(state, now + delay, "async_attempt", {"event": event["id"]})
        return []
    return _fail(state, event, "RetriesExhausted", now)


def record(state: State, event: dict, condition: str, now: float, response=None, error=None) -> dict:
    """The asynchronous invocation record destinations receive."""
    qualifier = event["qualifier"] or "$LATEST"
    try:
        request_payload = json.loads(event["payload"])
    except ValueError:
        request_payload = event["payload"]
    body = {
        "version": "1.0",
        "timestamp": logs.iso(now),
        "requestContext": {
            "requestId": event["request_id"],
            "functionArn": attempts.function_arn(state, event["function"], qualifier),
            "condition": condition,
            "approximateInvokeCount": event["runs"],
        },
        "requestPayload": request_payload,
    }
    if event["runs"] > 0:
        context = {"statusCode": 200, "executedVersion": event["version"] or "$LATEST"}
        if condition != "Success":
            context["functionError"] = "Unhandled"
        body["responseContext"] = context
        body["responsePayload"] = response if condition == "Success" else error
    return body


def role_can_send(state: State, function: str, target: str) -> bool:
    """Whether the execution role allows delivering to ``target`` (sqs:SendMessage, sns:Publish...)."""
    role = state["config"]["functions"][function].get("role")
    kind, _ = push.split_target(target)
    return role is None or all(role_allows(role, action) for action in SEND_ACTIONS.get(kind, ()))


def _deliver_record(state: State, event: dict, target: str, body: dict, condition: str, now: float) -> None:
    kind, name = push.split_target(target)
    if not role_can_send(state, event["function"], target):
        metrics_for(state, event["function"])["destination_delivery_failures"] += 1
        return
    if kind == "bus" and name in state["config"]["buses"]:
        outcome = "Success" if condition == "Success" else "Failure"
        push.put_event(
            state,
            name,
            {
                "source": "lambda",
                "detail_type": f"Lambda Function Invocation Result - {outcome}",
                "detail": body,
                "resources": [
                    push._arn(state, "events", name),
                    attempts.function_arn(state, event["function"], event["qualifier"] or "$LATEST"),
                ],
            },
            now,
            chain=_next_chain(event),
        )
        ok = True
    elif kind == "bucket" and name in state["config"]["buckets"] and condition != "Success":
        key = (
            f"aws/lambda/async/{event['function']}/"
            + logs.iso(now, millis=False)[:10].replace("-", "/")
            + "/"
            + logs.iso(now, millis=False)[:19].replace(":", ".")
            + f"-{ids.uuid(state, 'object')}"
        )
        push.put_object(state, name, key, now, body=json.dumps(body), chain=_next_chain(event))
        ok = True
    else:
        ok = push.deliver(state, target, json.dumps(body), now, chain=_next_chain(event))
    if not ok:
        metrics_for(state, event["function"])["destination_delivery_failures"] += 1
        return
    state["trace"]["deliveries"].append(
        {
            "kind": "destination",
            "condition": condition,
            "target": target,
            "request_id": event["request_id"],
            "record": body,
            "at_s": now,
        }
    )


def _succeed(state: State, event: dict, data: dict, now: float) -> list[dict]:
    event["done"] = "success"
    target = _config(state, event).get("on_success")
    if target:
        response = data.get("response")
        with contextlib.suppress(ValueError):
            response = json.loads(response) if response is not None else None
        _deliver_record(state, event, target, record(state, event, "Success", now, response=response), "Success", now)
    return []


def _fail(state: State, event: dict, condition: str, now: float) -> list[dict]:
    event["done"] = condition
    fn = state["config"]["functions"][event["function"]]
    metrics = metrics_for(state, event["function"])
    metrics["async_events_dropped"] += 1
    delivered = False
    dead_letter = fn.get("dead_letter")
    if dead_letter:
        error = event["last_error"] or {}
        if event["last_status"] == 429:
            message = "Rate Exceeded."
        elif condition == "EventAgeExceeded" and not error:
            message = "Event age exceeded"
        else:
            message = str(error.get("errorMessage", ""))
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event["request_id"]},
            "ErrorCode": {"DataType": "Number", "StringValue": str(event["last_status"] or 200)},
            "ErrorMessage": {"DataType": "String", "StringValue": message.encode()[:1024].decode(errors="ignore")},
        }
        kind, name = push.split_target(dead_letter)
        if not role_can_send(state, event["function"], dead_letter):
            ok = False
        elif kind == "queue" and name in state["config"]["queues"]:
            queues.send(state, name, event["payload"], now, message_attributes=attributes, chain=_next_chain(event))
            ok = True
        elif kind == "topic" and name in state["config"]["topics"]:
            push.publish(
                state,
                name,
                event["payload"],
                now,
                attributes={k: v["StringValue"] for k, v in attributes.items()},
                chain=_next_chain(event),
            )
            ok = True
        else:
            ok = False
        if ok:
            delivered = True
            state["trace"]["deliveries"].append(
                {
                    "kind": "dlq",
                    "condition": condition,
                    "target": dead_letter,
                    "request_id": event["request_id"],
                    "record": {"body": event["payload"], "message_attributes": attributes},
                    "at_s": now,
                }
            )
        else:
            metrics["dead_letter_errors"] += 1
    target = _config(state, event).get("on_failure")
    if target:
        before = len(state["trace"]["deliveries"])
        _deliver_record(
            state, event, target, record(state, event, condition, now, error=event["last_error"]), condition, now
        )
        delivered = delivered or len(state["trace"]["deliveries"]) > before
    if not delivered:
        state["trace"]["dropped"].append(
            {"request_id": event["request_id"], "function": event["function"], "reason": condition, "at_s": now}
        )
    return []
