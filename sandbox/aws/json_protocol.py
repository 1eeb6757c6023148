"""The json protocol (SQS, DynamoDB, EventBridge): ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>`` and a
JSON body; answers are JSON, errors carry ``__type``.

SQS moved from the query protocol to JSON and keeps its query error codes: an error's ``__type`` is the modeled
exception (``QueueDoesNotExist``, the class boto3 raises) and an ``x-amzn-query-error:
AWS.SimpleQueueService.NonExistentQueue;Sender`` header carries the code boto3 reports, as SQS answers. The world may
name an SQS error by either spelling.
"""

from __future__ import annotations

import json

from botocore.model import OperationModel, ServiceModel

from .errors import ProtocolError
from .http import HttpRequest, HttpResponse
from .json_shapes import from_json, to_json
from .values import BadValue

# SQS's modeled exceptions and the query codes SQS answers them with (where the two differ).
SQS_QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
}
SQS_EXCEPTIONS = {query: name for name, query in SQS_QUERY_CODES.items()}


def query_code(code: str) -> str:
    """The query code SQS answers an error with, given either spelling."""
    return SQS_QUERY_CODES.get(code, code)


def content_type(model: ServiceModel) -> str:
    return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"


def parse(service: str, model: ServiceModel, request: HttpRequest) -> tuple[str, dict]:
    target = request.header("x-amz-target") or ""
    prefix, _, name = target.rpartition(".")
    if not target:
        raise ProtocolError(
            "MissingTarget", "The request has no X-Amz-Target header naming its operation.", 400, service
        )
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        raise ProtocolError(
            "UnknownOperationException", f"X-Amz-Target {target!r} names no operation of {service}.", 400, service
        )
    operation = model.operation_model(name)
    try:
        document = json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
    except (UnicodeDecodeError, ValueError) as problem:
        raise ProtocolError(
            "SerializationException", f"The request body is not valid JSON: {problem}.", 400, service
        ) from None
    if operation.input_shape is None:
        return name, {}
    try:
        return name, from_json(operation.input_shape, document)
    except BadValue as problem:
        raise ProtocolError(
            "SerializationException", f"The request does not fit {name}'s input: {problem}.", 400, service
        ) from None


def serialize_result(model: ServiceModel, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
    body = to_json(operation.output_shape, result or {}) if operation.output_shape is not None else {}
    headers = (("Content-Type", content_type(model)), ("x-amzn-RequestId", request_id))
    return HttpResponse(200, headers, json.dumps(body, separators=(",", ":")).encode("utf-8"))


def serialize_error(
    model: ServiceModel, code: str, message: str, status: int, sender: bool, request_id: str
) -> HttpResponse:
    compatible = "awsQueryCompatible" in model.metadata
    type_name = SQS_EXCEPTIONS.get(code, code) if compatible else code
    body = {"__type": f"com.amazonaws.{model.endpoint_prefix}#{type_name}", "message": message}
    headers = [("Content-Type", content_type(model)), ("x-amzn-RequestId", request_id)]
    if compatible:
        headers.append(("x-amzn-query-error", f"{query_code(code)};{'Sender' if sender else 'Receiver'}"))
    return HttpResponse(status, tuple(headers), json.dumps(body).encode("utf-8"))
