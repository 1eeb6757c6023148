"""The Invoke API: invocation types, status codes, payload limits and service errors.

A step ``invoke`` makes ``repeat`` calls, all at once (``parallel: true``) or one
after the other (each starts when the previous response came back).
"""

from __future__ import annotations

import base64
import json

from . import attempts, ids, inbox, lifecycle, logs, snapstart
from .model import State
from .qualifiers import resolve, service_error
from .state import metrics_for, schedule
from .validation.rules import ASYNC_PAYLOAD_BYTES, SYNC_PAYLOAD_BYTES

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def payload_text(call: dict) -> tuple[str | None, dict | None]:
    """The request body as JSON text, or a 400 when it is not JSON."""
    if call.get("payload_bytes") is not None:
        size = max(2, int(call["payload_bytes"]))
        return '"' + "x" * (size - 2) + '"', None
    if call.get("raw_payload_base64") is not None:
        raw = base64.b64decode(str(call["raw_payload_base64"]))
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, _unparsable(_utf8_problem(raw, error))
        call = {"raw_payload": decoded}
    if call.get("raw_payload") is not None:
        text = str(call["raw_payload"])
        try:
            json.loads(text)
        except ValueError as error:
            return None, _unparsable(str(error))
        return text, None
    return json.dumps(call.get("payload", {}), separators=(",", ":")), None


def _unparsable(detail: str) -> dict:
    return service_error(
        400,
        "InvalidRequestContentException",
        f"Could not parse request body into json: Could not parse payload into json: {detail}",
    )


def _utf8_problem(raw: bytes, error: UnicodeDecodeError) -> str:
    """The first invalid byte, named as Lambda's JSON parser names it."""
    if error.reason == "invalid continuation byte" and error.end < len(raw):
        return f"Invalid UTF-8 middle byte 0x{raw[error.end]:02x}"
    if error.reason == "unexpected end of data":
        return "Unexpected end-of-input in UTF-8 character"
    return f"Invalid UTF-8 start byte 0x{raw[error.start]:02x}"


def admit(state: State, name: str, invocation_type: str, text: str, now: float) -> dict | None:
    """The service errors an Invoke call gets before any environment is looked for."""
    not_ready = lifecycle.admit(state, name, now)
    if not_ready:
        return service_error(*not_ready)
    size = len(text.encode())
    if invocation_type == "Event" and size > ASYNC_PAYLOAD_BYTES:
        return service_error(
            413,
            "RequestTooLargeException",
            f"{size} byte payload is too large for the Event invocation type (limit {ASYNC_PAYLOAD_BYTES} bytes)",
        )
    if invocation_type != "Event" and size > SYNC_PAYLOAD_BYTES:
        return service_error(
            413,
            "RequestTooLargeException",
            f"{size} byte payload is too large for the {invocation_type} invocation type (limit {SYNC_PAYLOAD_BYTES} bytes)",
        )
    return None


def start_step(state: State, step_index: int, now: float) -> list[dict]:
    call = state["config"]["steps"][step_index]["invoke"]
    repeat = int(call.get("repeat", 1) or 1)
    if call.get("parallel"):
        effects = []
        for k in range(repeat):
            effects.extend(call_once(state, step_index, k, now))
        return effects
    return call_once(state, step_index, 0, now)


def _response(state: State, step_index: int, k: int, function: str, invocation_type: str, **fields) -> int:
    record = {
        "step": step_index,
        "request_id": fields.get("request_id"),
        "function": function,
        "invocation_type": invocation_type,
        "status_code": fields.get("status_code"),
        "function_error": fields.get("function_error"),
        "payload": fields.get("payload"),
        "error_type": fields.get("error_type"),
        "reason": fields.get("reason"),
        "log_result": None,
        "executed_version": fields.get("executed_version"),
        "at_s": fields.get("at_s"),
        "_order": [step_index, k],
    }
    state["trace"]["responses"].append(record)
    return len(state["trace"]["responses"]) - 1


def call_once(state: State, step_index: int, k: int, now: float) -> list[dict]:
    call = state["config"]["steps"][step_index]["invoke"]
    invocation_type = call.get("type", "RequestResponse")
    reference = str(call.get("function", ""))
    request_id = ids.uuid(state, "request")
    effects: list[dict] = []
    resolved = resolve(state, reference, call.get("qualifier"))
    name = resolved.get("name", reference.split(":")[0])
    sequential_next = not call.get("parallel") and k + 1 < int(call.get("repeat", 1) or 1)

    def done_now(**fields) -> list[dict]:
        _response(state, step_index, k, name, invocation_type, request_id=request_id, at_s=now, **fields)
        if sequential_next:
            schedule(state, now, "invoke_call", {"step": step_index, "k": k + 1})
        return effects

    if "error" in resolved:
        return done_now(**resolved["error"])
    version = resolved["version"]
    text, bad = payload_text(call)
    if bad or text is None:
        return done_now(**(bad or {}))
    refused = admit(state, name, invocation_type, text, now)
    if refused:
        return done_now(**refused)
    if invocation_type == "DryRun":
        return done_now(status_code=204, payload=None, executed_version=version)
    if invocation_type == "Event":
        inbox.enqueue(
            state,
            function=name,
            qualifier=resolved["qualifier"],
            payload=text,
            trigger="async",
            now=now,
            request_id=request_id,
        )
        return done_now(status_code=202, payload=None, executed_version=version)

    ctx = {
        "owner": "sync",
        "step": step_index,
        "k": k,
        "log_tail": call.get("log_type") == "Tail",
        "next": sequential_next,
    }
    planned = attempts.plan_run(
        state,
        function=name,
        version=version,
        qualifier=resolved["qualifier"],
        payload=text,
        request_id=request_id,
        trigger="invoke",
        attempt=1,
        ctx=ctx,
        now=now,
        sync=True,
        client_context=call.get("client_context"),
    )
    if "throttle" in planned:
        metrics_for(state, name)["throttles"] += 1
        return done_now(**service_error(429, "TooManyRequestsException", "Rate Exceeded.", planned["throttle"]))
    ctx["response_index"] = _response(
        state, step_index, k, name, invocation_type, request_id=request_id, executed_version=version, at_s=now
    )
    effects.append(planned)
    return effects


def end_sync(state: State, data: dict, now: float) -> list[dict]:
    ctx = data["ctx"]
    attempt = state["trace"]["attempts"][data["attempt_index"]]
    record = state["trace"]["responses"][ctx["response_index"]]
    record["status_code"] = 200
    record["at_s"] = now
    if attempt.get("restore_timed_out"):
        # The restore timed out: an Invoke API error, not a function error.
        record.update(service_error(snapstart.TIMEOUT_STATUS, snapstart.TIMEOUT_ERROR, snapstart.TIMEOUT_MESSAGE))
    elif data["outcome"] == "success":
        record["payload"] = attempt["response"]
    else:
        record["function_error"] = "Unhandled"
        record["payload"] = data["error"]
    if ctx.get("log_tail"):
        record["log_result"] = logs.tail(attempt["logs"])
    if ctx.get("next"):
        schedule(state, now, "invoke_call", {"step": ctx["step"], "k": ctx["k"] + 1})
    return []
