"""Every operation of the served services, as botocore's own serialiser writes it, parses back to that operation
and its parameters: routing and reading are model driven, not written per operation."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer
from urllib3 import HTTPHeaderDict

from sandbox.aws import HttpRequest, parse_request, serialize_error, serialize_result, write_response
from sandbox.aws.hosts import SERVICES
from sandbox.aws.json_protocol import SQS_QUERY_CODES
from sandbox.aws.models import service_model
from sandbox.emulator.executor import ServiceError

# Deprecated operations share their successor's method and path; a request for either is read as the successor.
SUCCESSORS = {
    ("s3", "GetBucketLifecycle"): "GetBucketLifecycleConfiguration",
    ("s3", "GetBucketNotification"): "GetBucketNotificationConfiguration",
    ("s3", "PutBucketLifecycle"): "PutBucketLifecycleConfiguration",
    ("s3", "PutBucketNotification"): "PutBucketNotificationConfiguration",
    # Directory buckets are listed on S3 Express One Zone's own host, which is not served.
    ("s3", "ListDirectoryBuckets"): "ListBuckets",
}


def sample(shape):
    """The smallest value of ``shape`` the SDK accepts: required members only."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_tagged_union:
            name, member = next(iter(shape.members.items()))
            return {name: sample(member)}
        return {name: sample(member) for name, member in shape.members.items() if name in shape.required_members}
    if kind == "list":
        return [sample(shape.member)] * max(1, shape.metadata.get("min", 1))
    if kind == "map":
        return {"key": sample(shape.value)}
    if kind == "string":
        return shape.enum[0] if shape.enum else "v" * max(2, shape.metadata.get("min", 2))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return 1.5
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"blob"
    if kind == "timestamp":
        return datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    raise AssertionError(f"no sample for {kind}")


def wire_request(service: str, operation_name: str) -> tuple[HttpRequest, dict]:
    model = service_model(service)
    operation = model.operation_model(operation_name)
    params = sample(operation.input_shape) if operation.input_shape else {}
    serialized = create_serializer(model.metadata["protocol"]).serialize_to_request(params, operation)
    body = serialized["body"]
    if isinstance(body, dict):
        body = urlencode(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    query = serialized["query_string"]
    query = urlencode(query, doseq=True, quote_via=quote) if isinstance(query, dict) else query
    path = serialized["url_path"] + (("&" if "?" in serialized["url_path"] else "?") + query if query else "")
    host = f"{model.endpoint_prefix}.eu-west-1.amazonaws.com"
    headers = (*serialized["headers"].items(), ("Host", host))
    return HttpRequest(serialized["method"], path, headers, body or b"", host), params


OPERATIONS = [(service, name) for service in SERVICES for name in service_model(service).operation_names]


@pytest.mark.parametrize(("service", "operation"), OPERATIONS, ids=[f"{s}.{o}" for s, o in OPERATIONS])
def test_an_operation_written_by_botocore_reads_back_as_itself(service, operation):
    request, params = wire_request(service, operation)
    if (service, operation) == ("sts", "AssumeRoot"):
        params.pop("TaskPolicyArn")  # a structure without required members: the query form has nothing to send
        request = HttpRequest(
            request.method, request.path, request.headers, request.body + b"&TaskPolicyArn.arn=x", request.host
        )
        params["TaskPolicyArn"] = {"arn": "x"}
    called_service, called_operation, parsed, region = parse_request(request)
    assert (called_service, called_operation, region) == (
        service,
        SUCCESSORS.get((service, operation), operation),
        "eu-west-1",
    )
    if (service, operation) not in SUCCESSORS:
        # An absent payload is read as an empty one.
        empty = {name: value for name, value in parsed.items() if name not in params and value in (b"", {})}
        assert {name: value for name, value in parsed.items() if name not in empty} == params


def full_sample(shape, depth: int = 0):
    """A value of ``shape`` with every member set (nesting cut at a few levels for recursive shapes)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return {}
        members = shape.members.items()
        if shape.is_tagged_union:
            members = list(members)[:1]
        value = {}
        for name, member in members:
            if member.serialization.get("eventstream") or getattr(member, "is_document_type", False):
                continue
            value[name] = (
                200 if member.serialization.get("location") == "statusCode" else full_sample(member, depth + 1)
            )
        return value
    if kind == "list":
        return [full_sample(shape.member, depth + 1)]
    if kind == "map":
        return {"key": full_sample(shape.value, depth + 1)}
    if kind == "timestamp":
        return datetime(2026, 12, 4, 15, 0, 7, tzinfo=UTC)
    return sample(shape)


def streams_events(operation) -> bool:
    output = operation.output_shape
    return output is not None and any(m.serialization.get("eventstream") for m in output.members.values())


# Left out: answers sent as event streams (never by the emulated services), and deprecated operations, whose outputs
# give two members one element name (S3's Event and Events) and so cannot be read back unambiguously.
ANSWERED = [
    (service, name)
    for service, name in OPERATIONS
    if not streams_events(service_model(service).operation_model(name))
    and not service_model(service).operation_model(name).deprecated
]


@pytest.mark.parametrize(("service", "operation"), ANSWERED, ids=[f"{s}.{o}" for s, o in ANSWERED])
def test_an_answer_written_by_the_layer_is_read_by_botocore_as_given(service, operation):
    model = service_model(service)
    operation_model = model.operation_model(operation)
    output = operation_model.output_shape
    result = full_sample(output) if output else {}
    response = read_response(write_response(serialize_result(service, operation, result, "request-1")))
    body = response["body"]
    if operation_model.has_streaming_output:
        response["body"] = StreamingBody(io.BytesIO(body), len(body))
    parsed = create_parser(model.metadata["protocol"]).parse(response, output)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "request-1"
    for name, member in output.members.items() if output else ():
        if hasattr(parsed.get(name), "read"):
            parsed[name] = parsed[name].read()
        if member.serialization.get("name") == "Content-Length" and operation_model.http["method"] != "HEAD":
            result[name] = len(body)  # the length of the body sent, whatever the result said
    assert parsed == result


def read_response(raw: bytes) -> dict:
    """The response dict botocore's parsers read, from the bytes on the wire."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = HTTPHeaderDict([tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]])
    return {"status_code": int(lines[0].split(" ")[1]), "headers": headers, "body": body}


ERROR_SHAPES = [(service, shape.name) for service in SERVICES for shape in service_model(service).error_shapes]


@pytest.mark.parametrize(("service", "error"), ERROR_SHAPES, ids=[f"{s}.{e}" for s, e in ERROR_SHAPES])
def test_every_modeled_error_is_read_by_botocore_with_its_code_and_status(service, error):
    model = service_model(service)
    shape = model.shape_for(error)
    code = shape.metadata.get("error", {}).get("code", shape.name)
    status = shape.metadata.get("error", {}).get("httpStatusCode", 400)
    answer = serialize_error(service, None, ServiceError(code, f"{code} happened", status), "request-2")
    parsed = create_parser(model.metadata["protocol"]).parse(read_response(write_response(answer)), None)
    assert parsed["Error"]["Code"] == (SQS_QUERY_CODES.get(code, code) if service == "sqs" else code)
    assert parsed["Error"]["Message"] == f"{code} happened"
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status
    assert parsed["ResponseMetadata"]["RequestId"] == "request-2"
