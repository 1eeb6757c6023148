"""Every operation of the served services, as botocore's own serialiser writes it, parses back to that operation
and its parameters: routing and reading are model driven, not written per operation."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from botocore.serialize import create_serializer

from sandbox.aws import HttpRequest, parse_request
from sandbox.aws.hosts import SERVICES
from sandbox.aws.models import service_model

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
