"""Answering the AWS SDK calls a handler makes, in the process that asked for the invoke (never in the daemon).

The executor hands over one call as the daemon (or the local executor's endpoint) passed it on: the raw HTTP
request, the host the handler connected to and the virtual time of the call. The request is read and parsed with
botocore's service models (``sandbox.aws``) into a ``ServiceCall``; ``services`` (the emulated world) answers it;
the answer is serialised the way the service's protocol does, as raw HTTP response bytes, with the emulated time
the call took.
"""

from __future__ import annotations

import json
import uuid

from sandbox import aws
from sandbox.emulator.executor import ServiceCall, ServiceError, ServiceReply, Services
from sandbox.runtime.protocol import MAX_FRAME, number

# What the handler gets when the invoke has no emulated world behind it.
NO_WORLD = ServiceError(
    "ServiceUnavailable",
    "No emulated AWS world answers SDK calls in this run: the sandbox ran the handler without services.",
    status=503,
    sender_fault=False,
)
TOO_LARGE = ServiceError(
    "InternalFailure",
    "The emulated service's answer is larger than the sandbox can return to the handler.",
    status=500,
    sender_fault=False,
)


def answer(call: dict, services: Services | None) -> dict:
    """The answer frame for one call passed on by the daemon: ``{"op": "answer", "call", "response",
    "elapsed_ms"}`` with the HTTP response as latin-1 text."""
    raw = str(call.get("request", "")).encode("latin-1", errors="replace")
    response, elapsed_ms = respond(raw, str(call.get("host", "")), number(call.get("at_ms")), services)
    return {"op": "answer", "call": call.get("id"), "response": response.decode("latin-1"), "elapsed_ms": elapsed_ms}


def respond(raw: bytes, host: str, at_ms: float, services: Services | None) -> tuple[bytes, float]:
    """Raw HTTP response bytes for one raw HTTP request, and the emulated milliseconds the call took."""
    request_id = str(uuid.uuid4())
    try:
        request = aws.read_request(raw)
        service, operation, params, region = aws.parse_request(request)
        protocol = aws.protocol_of_request(service, request)  # SQS answers a query-form request in its query form
    except aws.ProtocolError as problem:
        error = ServiceError(problem.code, problem.message, problem.status)
        return aws.write_response(aws.serialize_error(problem.service, None, error, request_id)), 0.0
    if services is None:
        reply = ServiceReply(error=NO_WORLD)
    else:
        reply = services(ServiceCall(service, operation, params, region, host, at_ms))
    if reply.error is not None:
        response = aws.serialize_error(service, operation, reply.error, request_id, protocol)
    else:
        response = aws.serialize_result(service, operation, reply.result or {}, request_id, protocol)
    data = aws.write_response(response)
    if len(data) * 6 > MAX_FRAME - 4096 and _carried_size(data) > MAX_FRAME - 4096:
        data = aws.write_response(aws.serialize_error(service, operation, TOO_LARGE, request_id, protocol))
    return data, max(number(reply.elapsed_ms), 0.0)


def _carried_size(data: bytes) -> int:
    """How many bytes the response takes inside a frame (latin-1 text in JSON)."""
    return len(json.dumps(data.decode("latin-1"), ensure_ascii=False).encode())
