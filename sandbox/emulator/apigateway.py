"""API Gateway REST API with a Lambda proxy integration .

An ``apis`` entry is one REST API whose every route (``/{proxy+}``) invokes one function
synchronously. An ``http`` step sends one request; the client's answer lands in the
trace's ``api_responses``:

* the function's proxy response (``statusCode``, ``headers``, ``body``) is passed through;
* a function error or a badly shaped proxy response gives 502;
* a Lambda API rejection (throttle, not found, Pending ...) gives 500;
* no answer within ``integration_timeout_ms`` (29 s by default) gives 504 while the
  function keeps running to its own end.

All with API Gateway's bodies. API Gateway never retries: one request, at most one invoke.
"""

from __future__ import annotations

import json

from . import attempts, events, ids, invoke, qualifiers
from .model import State
from .state import metrics_for, schedule

INTERNAL_ERROR = json.dumps({"message": "Internal server error"})
TIMED_OUT = json.dumps({"message": "Endpoint request timed out"})
PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
ERROR_HEADERS = {"Content-Type": "application/json"}


def proxy_event(state: State, api_name: str, api: dict, request: dict, now: float) -> dict:
    """The REST API (payload format 1.0) event a proxy integration sends."""
    return events.rest_proxy_event(
        api_id=api_name,
        stage=api["stage"],
        account=state["config"]["account"]["account_id"],
        request_id=ids.uuid(state, "api-request"),
        now=now,
        method=request.get("method"),
        path=request.get("path"),
        headers=request.get("headers"),
        query=request.get("query"),
        body=request.get("body"),
    )


def request(state: State, step_index: int, now: float) -> list[dict]:
    """An ``http`` step: one client request to an API."""
    call = state["config"]["steps"][step_index]["http"]
    api_name = str(call["api"])
    api = state["config"]["apis"][api_name]
    responses = state["trace"].setdefault("api_responses", [])
    record = {
        "step": step_index,
        "api": api_name,
        "method": str(call.get("method") or "GET").upper(),
        "path": "/" + str(call.get("path") or "/").lstrip("/"),
        "status_code": None,
        "headers": {},
        "body": None,
        "request_id": None,
        "at_s": None,
    }
    responses.append(record)
    index = len(responses) - 1
    text = json.dumps(proxy_event(state, api_name, api, call, now), separators=(",", ":"))
    resolved = qualifiers.resolve(state, str(api["function"]), None)
    refused = resolved.get("error")
    if refused is None:
        refused = invoke.admit(state, resolved["name"], "RequestResponse", text, now)
    if refused is not None:
        return _answer(record, 500, INTERNAL_ERROR, ERROR_HEADERS, now)
    name = resolved["name"]
    request_id = ids.uuid(state, "request")
    planned = attempts.plan_run(
        state,
        function=name,
        version=resolved["version"],
        qualifier=resolved["qualifier"],
        payload=text,
        request_id=request_id,
        trigger="apigateway",
        attempt=1,
        ctx={"owner": "api", "index": index},
        now=now,
        sync=True,
    )
    if "throttle" in planned:
        metrics_for(state, name)["throttles"] += 1
        return _answer(record, 500, INTERNAL_ERROR, ERROR_HEADERS, now)
    record["request_id"] = request_id
    schedule(state, now + float(api["integration_timeout_ms"]) / 1000.0, "api_timeout", {"index": index})
    return [planned]


def _answer(record: dict, status: int, body: str | None, headers: dict, now: float) -> list[dict]:
    record.update(status_code=status, body=body, headers=dict(headers), at_s=now)
    return []


def timeout(state: State, data: dict, now: float) -> list[dict]:
    """The integration timeout fired: 504 unless the function already answered."""
    record = state["trace"]["api_responses"][data["index"]]
    if record["status_code"] is None:
        _answer(record, 504, TIMED_OUT, ERROR_HEADERS, now)
    return []


def end(state: State, data: dict, now: float) -> list[dict]:
    """The function finished: map its result to the client's response (if still waiting)."""
    record = state["trace"]["api_responses"][data["ctx"]["index"]]
    if record["status_code"] is not None:
        return []  # the client already got its 504
    if data["outcome"] != "success":
        return _answer(record, 502, INTERNAL_ERROR, ERROR_HEADERS, now)
    mapped = proxy_response(data.get("response"))
    if mapped is None:
        return _answer(record, 502, INTERNAL_ERROR, ERROR_HEADERS, now)
    return _answer(record, *mapped, now)


def proxy_response(text: str | None) -> tuple[int, str | None, dict] | None:
    """(status, body, headers) from a proxy response, or None when it is malformed."""
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) - PROXY_KEYS:
        return None
    if "statusCode" not in value:
        return None
    status = value["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    body = value.get("body")
    headers = value.get("headers") or {}
    if (body is not None and not isinstance(body, str)) or not isinstance(headers, dict):
        return None
    return status, body, {str(k): str(v) for k, v in headers.items()}
