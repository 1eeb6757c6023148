"""AWS's wire protocols for the emulated services: HTTP requests in, calls out; results and errors back as AWS
shapes them. Driven by botocore's own service models; no Django and no emulator state (see docs/aws-protocol.md)."""

from .errors import ProtocolError
from .http import HttpRequest, HttpResponse, expects_continue, read_request, request_end, write_response
from .protocols import parse_request, protocol_of_request, serialize_error, serialize_result
from .serving import Handle, answer

__all__ = [
    "Handle",
    "HttpRequest",
    "HttpResponse",
    "ProtocolError",
    "answer",
    "expects_continue",
    "parse_request",
    "protocol_of_request",
    "read_request",
    "request_end",
    "serialize_error",
    "serialize_result",
    "write_response",
]
