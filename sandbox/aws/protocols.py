"""One request in, one call out; one result or error in, one response out: the four protocols behind one API.

``parse_request`` finds the service (``models.identify``), then reads the operation and its parameters with the
service's protocol from botocore's model. SQS speaks json, but a form-encoded ``Action=...`` request to SQS is read
and answered in the query protocol (``protocol_of_request`` tells which; pass it to ``serialize_result`` /
``serialize_error`` as ``protocol``).
"""

from __future__ import annotations

import json

from botocore.model import OperationModel, OperationNotFoundError, ServiceModel

from sandbox.emulator.executor import ServiceError

from . import json_protocol, query, rest
from .errors import ProtocolError
from .http import HttpRequest, HttpResponse
from .models import identify, is_form, operation_model, service_model
from .results import check_result


def protocol_of_request(service: str, request: HttpRequest) -> str:
    """The protocol a request to ``service`` speaks: the model's, or query for a form-encoded SQS request."""
    protocol = service_model(service).metadata["protocol"]
    if protocol == "json" and is_form(request) and request.header("x-amz-target") is None:
        return "query"
    return protocol


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _check_required(service: str, protocol: str, operation: OperationModel, params: dict) -> None:
    shape = operation.input_shape
    if shape is None:
        return
    missing = [name for name in shape.required_members if params.get(name) is None]
    if not missing:
        return
    if protocol == "query":
        raise ProtocolError("MissingParameter", f"The request must contain the parameter {missing[0]}.", 400, service)
    if protocol == "rest-xml":
        raise ProtocolError("InvalidRequest", f"Missing required parameter {missing[0]}.", 400, service)
    count = len(missing)
    details = "; ".join(
        f"Value null at '{_lower_first(name)}' failed to satisfy constraint: Member must not be null"
        for name in missing
    )
    raise ProtocolError(
        "ValidationException", f"{count} validation error{'s' if count > 1 else ''} detected: {details}", 400, service
    )


def parse_request(request: HttpRequest) -> tuple[str, str, dict, str]:
    """(service, operation, params, region) of an AWS API request; ProtocolError when it is not one we serve."""
    service, region = identify(request)
    model = service_model(service)
    protocol = protocol_of_request(service, request)
    try:
        if protocol == "query":
            operation, params = query.parse(service, model, request)
        elif protocol == "json":
            operation, params = json_protocol.parse(service, model, request)
        else:
            operation, params = rest.parse(service, model, request)
    except (UnicodeDecodeError, RecursionError) as problem:
        # Bytes that are not UTF-8 where text belongs, or a document nested deeper than the parser follows.
        what = "is not UTF-8 text" if isinstance(problem, UnicodeDecodeError) else "is nested too deeply"
        code = "InvalidArgument" if service == "s3" else "SerializationException"
        raise ProtocolError(code, f"The request body {what}.", 400, service) from None
    _check_required(service, protocol, model.operation_model(operation), params)
    return service, operation, params, region


def _operation(service: str, operation: str) -> OperationModel:
    try:
        return operation_model(service, operation)
    except OperationNotFoundError:
        raise ProtocolError("UnknownOperation", f"{service} has no operation {operation!r}.", 400, service) from None


def serialize_result(
    service: str, operation: str, result: dict, request_id: str, protocol: str | None = None
) -> HttpResponse:
    """The HTTP response AWS sends for a successful call, shaped from the operation's output model; ValueError
    naming the member when ``result`` does not have that shape."""
    model: ServiceModel = service_model(service)
    op = _operation(service, operation)
    if op.output_shape is not None:
        check_result(op.output_shape, result or {}, f"{operation} result")
    elif result:
        raise ValueError(f"{operation} has no output, but its result has {', '.join(result)}")
    protocol = protocol or model.metadata["protocol"]
    if protocol == "query":
        return query.serialize_result(model, op, result, request_id)
    if protocol == "json":
        return json_protocol.serialize_result(model, op, result, request_id)
    return rest.serialize_result(service, model, op, result, request_id)


def serialize_error(
    service: str | None, operation: str | None, error: ServiceError, request_id: str, protocol: str | None = None
) -> HttpResponse:
    """The HTTP response AWS sends for a failed call, in the service's error form. Without a known service (the
    request named none) the answer is a JSON error with ``x-amzn-ErrorType``."""
    sender = error.sender_fault
    try:
        model = service_model(service or "")
    except ProtocolError:
        body = json.dumps({"__type": error.code, "message": error.message}).encode("utf-8")
        headers = (
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error.code),
            ("x-amzn-RequestId", request_id),
        )
        return HttpResponse(error.status, headers, body)
    protocol = protocol or model.metadata["protocol"]
    if protocol == "query":
        code = json_protocol.query_code(error.code) if "awsQueryCompatible" in model.metadata else error.code
        return query.serialize_error(model, code, error.message, error.status, sender, request_id)
    if protocol == "json":
        return json_protocol.serialize_error(model, error.code, error.message, error.status, sender, request_id)
    method = None
    if operation is not None and operation in model.operation_names:
        method = model.operation_model(operation).http["method"]
    return rest.serialize_error(service, model, method, error.code, error.message, error.status, sender, request_id)
