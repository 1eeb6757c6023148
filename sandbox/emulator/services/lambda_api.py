"""Lambda Invoke through the SDK: RequestResponse, Event and DryRun.

A synchronous invoke plans the callee's run at the moment of the call (so the caller, still busy,
and the callee both count towards concurrency), lets go of the state while the executor runs the
callee in its own environment, then records the callee's attempt and answers with its payload. The
caller's clock moves on by the callee's duration (Init included on a cold start). An ``Event`` invoke
goes to Lambda's internal queue with the request chain, where recursive loop detection applies.
"""

from __future__ import annotations

import base64
import json

from .. import attempts, concurrency, ids, inbox, logs
from ..invoke import INVOCATION_TYPES, admit
from ..qualifiers import resolve
from ..state import metrics_for
from . import iam
from .common import Caller, Failure, World, required, text_of

# A safety net of the emulator, not an AWS rule: synchronous invokes nested deeper than this are throttled.
MAX_SYNC_DEPTH = 16


def _refusal(fields: dict) -> Failure:
    body = fields.get("payload") or {}
    message = body.get("Message") or body.get("message") or ""
    return Failure(str(fields.get("error_type")), str(message), int(fields.get("status_code") or 400))


def _payload(params: dict) -> str:
    raw = params.get("Payload")
    text = text_of(raw) if raw not in (None, b"", "") else "{}"
    try:
        json.loads(text)
    except ValueError as error:
        raise Failure("InvalidRequestContentException", f"Could not parse request body into json: {error}") from None
    return text


def _client_context(params: dict) -> dict | None:
    given = params.get("ClientContext")
    if not given:
        return None
    try:
        return json.loads(base64.b64decode(str(given)))
    except ValueError:
        raise Failure(
            "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object."
        ) from None


def _prepare(world: World, caller: Caller, params: dict, at: float) -> dict:
    """Everything decided before the callee runs; ``{"result": ...}`` when nothing has to run."""
    state = world.state
    invocation_type = str(params.get("InvocationType") or "RequestResponse")
    if invocation_type not in INVOCATION_TYPES:
        raise Failure(
            "ValidationException",
            f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
        )
    resolved = resolve(state, str(required(params, "FunctionName")), params.get("Qualifier"))
    if "error" in resolved:
        raise _refusal(resolved["error"])
    name, version, qualifier = resolved["name"], resolved["version"], resolved["qualifier"]
    policy = state["config"]["functions"][name].get("policy")
    iam.require(state, caller, "lambda", "lambda:InvokeFunction", attempts.function_arn(state, name, qualifier), policy)
    text = _payload(params)
    refused = admit(state, name, invocation_type, text, at)
    if refused:
        raise _refusal(refused)
    if invocation_type == "DryRun":
        return {"result": {"StatusCode": 204, "Payload": b""}}
    request_id = ids.uuid(state, "request")
    if invocation_type == "Event":
        inbox.enqueue(
            state,
            function=name,
            qualifier=qualifier,
            payload=text,
            trigger="async",
            now=at,
            request_id=request_id,
            chain=caller.next_chain(),
        )
        return {"result": {"StatusCode": 202, "Payload": b""}}
    if caller.depth >= MAX_SYNC_DEPTH:
        metrics_for(state, name)["throttles"] += 1
        raise Failure("TooManyRequestsException", "Rate Exceeded.", 429)
    planned = attempts.plan_run(
        state,
        function=name,
        version=version,
        qualifier=qualifier,
        payload=text,
        request_id=request_id,
        trigger="sdk",
        attempt=1,
        ctx={"owner": "sdk"},
        now=at,
        sync=True,
        client_context=_client_context(params),
    )
    if "throttle" in planned:
        metrics_for(state, name)["throttles"] += 1
        raise Failure("TooManyRequestsException", "Rate Exceeded.", 429)
    planned["meta"]["chain"] = caller.next_chain()
    planned["meta"]["depth"] = caller.depth + 1
    return {"planned": planned, "version": version, "tail": params.get("LogType") == "Tail"}


def invoke(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    state = world.state
    with world.lock:
        prepared = _prepare(world, caller, call.params, at)
    if "result" in prepared:
        return prepared["result"], 0.0
    planned = prepared["planned"]
    if world.run is None:
        raise Failure("ServiceException", "no executor is attached to run the function", 500, sender_fault=False)
    try:
        init, result = world.run(planned)
    except Exception as error:  # noqa: BLE001 - the executor failed: the callee's environment is lost
        with world.lock:
            freed = concurrency.release(state, planned["env"], at, "error", destroy=True)
        for effect in freed:
            if world.destroy is not None:
                world.destroy(effect["env"])
        raise Failure(
            "ServiceException", f"Lambda could not run the function: {error}", 500, sender_fault=False
        ) from None
    with world.lock:
        attempts.complete_run(state, planned, init, result)
        index = len(state["trace"]["attempts"]) - 1
        attempt = state["trace"]["attempts"][index]
        ended = next(e[4] for e in state["events"] if e[3] == "attempt_end" and e[4]["attempt_index"] == index)
    reply: dict = {"StatusCode": 200, "ExecutedVersion": prepared["version"]}
    if ended["outcome"] == "success":
        response = ended["response"]
        reply["Payload"] = (response if response is not None else "null").encode()
    else:
        reply["FunctionError"] = "Unhandled"
        reply["Payload"] = json.dumps(ended["error"]).encode()
    if prepared["tail"]:
        reply["LogResult"] = logs.tail(attempt["logs"])
    return reply, max(0.0, (attempt["end_s"] - at) * 1000.0)


OPERATIONS = {"Invoke": invoke}
