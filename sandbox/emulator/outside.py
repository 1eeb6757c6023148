"""The ``aws_call`` step: one SDK call made from outside the world by one of its IAM users (the workspace's AWS
endpoint sends these), answered by the same emulated services that answer handlers' calls.

Its parameters and result are kept as JSON: bytes travel as ``{"__bytes__": base64}`` and timestamps as
``{"__time__": ISO 8601}``. The answer (result or AWS's error) is the step's record in ``sdk_calls``, with
``step`` naming it; what the call sets off (a message on a mapped queue, a matching rule...) happens in the same
run, on the same clock, as for any other step.
"""

from __future__ import annotations

import base64
import datetime

from .executor import ServiceCall
from .model import State
from .services import world as services_world
from .services.common import Caller, World

BYTES = "__bytes__"
TIME = "__time__"


def encode(value: object) -> object:
    """A value of botocore's shapes (bytes, datetime, nested dicts and lists) as JSON."""
    if isinstance(value, (bytes, bytearray)):
        return {BYTES: base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime.datetime):
        return {TIME: value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: object) -> object:
    if isinstance(value, dict):
        if set(value) == {BYTES}:
            return base64.b64decode(str(value[BYTES]))
        if set(value) == {TIME}:
            return datetime.datetime.fromisoformat(str(value[TIME]))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def call_step(state: State, index: int, body: dict, now: float) -> list[dict]:
    """Answer the step's call as its user; the record in ``sdk_calls`` carries the step and the result."""
    user = str(body.get("user") or "developer")
    caller = Caller(function="", request_id=str(body.get("request_id") or ""), start=now, user=user)
    params = decode(body.get("params") or {})
    call = ServiceCall(
        service=str(body["service"]),
        operation=str(body["operation"]),
        params=params if isinstance(params, dict) else {},
        region=state["config"]["account"]["region"],
        host="",
        at_ms=0.0,
    )
    reply = services_world.answer(World(state=state), caller, call)
    record = state["trace"]["sdk_calls"][-1]
    record["step"] = index
    record["user"] = user
    if reply.error is None:
        record["result"] = encode(reply.result or {})
    return []
