"""One AWS request answered end to end: signature, parsing, the world's reply, and the response in the request's
own protocol. A server (the SDK transport, a workspace endpoint) needs only this and ``read_request`` /
``write_response``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.emulator.executor import ServiceError, ServiceReply

from .errors import ProtocolError
from .http import HttpRequest, HttpResponse
from .protocols import parse_request, protocol_of_request, serialize_error, serialize_result
from .signing import SignatureError, verify

# (service, operation, params, region) -> the world's reply
Handle = Callable[[str, str, dict, str], ServiceReply]


def _refusal(refused: ProtocolError | SignatureError, request: HttpRequest, request_id: str) -> HttpResponse:
    protocol = protocol_of_request(refused.service, request) if refused.service else None
    error = ServiceError(refused.code, refused.message, refused.status)
    return serialize_error(refused.service, None, error, request_id, protocol=protocol)


def answer(
    request: HttpRequest,
    handle: Handle,
    request_id: str,
    secret_for: Callable[[str], str | None] | None = None,
    now: datetime | None = None,
) -> HttpResponse:
    """The response to ``request``: refused as AWS refuses a bad signature (when ``secret_for`` is given) or a bad
    request, else ``handle``'s reply (a result, or a ServiceError) in the request's protocol. A result that is not
    the operation's output shape raises ValueError: that is the world's mistake, not the caller's."""
    if secret_for is not None:
        try:
            verify(request, secret_for, now or datetime.now(UTC))
        except SignatureError as refused:
            return _refusal(refused, request, request_id)
    try:
        service, operation, params, region = parse_request(request)
    except ProtocolError as refused:
        return _refusal(refused, request, request_id)
    reply = handle(service, operation, params, region)
    protocol = protocol_of_request(service, request)
    if reply.error is not None:
        return serialize_error(service, operation, reply.error, request_id, protocol=protocol)
    return serialize_result(service, operation, reply.result or {}, request_id, protocol=protocol)
