"""Lambda's control plane through ``sandbox.aws`` with a real boto3 client, as a student drives a workspace from
outside: the commands the exam asks about arrive with their parameters and their answers parse."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config

from sandbox.tests.aws_endpoint import CannedWorld, Endpoint

KEY, SECRET = "AKIAWORKSPACE0000001", "workspace-secret"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
WHEN = datetime(2026, 12, 4, 15, 0, 7, tzinfo=UTC)
CONFIGURATION = {
    "FunctionName": "orders",
    "FunctionArn": ARN,
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::123456789012:role/orders-role",
    "Handler": "app.handler",
    "CodeSize": 312,
    "Timeout": 30,
    "MemorySize": 256,
    "LastModified": "2026-12-04T15:00:07.000+0000",
    "Version": "$LATEST",
    "Environment": {"Variables": {"TABLE": "orders"}},
    "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"], "VpcId": "vpc-1"},
    "State": "Active",
    "LastUpdateStatus": "Successful",
    "Architectures": ["x86_64"],
    "EphemeralStorage": {"Size": 512},
}
MAPPING = {
    "UUID": "a1b2c3d4-0000-4000-8000-000000000001",
    "EventSourceArn": QUEUE_ARN,
    "FunctionArn": ARN,
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 5,
    "State": "Creating",
    "LastModified": WHEN,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["paid"]}}'}]},
}


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def world():
    canned = CannedWorld(secret_for={KEY: SECRET}.get)
    with Endpoint(canned) as endpoint:
        canned.endpoint = endpoint
        yield canned


@pytest.fixture(scope="module")
def awslambda(world):
    return boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=world.endpoint.url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


CODE = zipped("def handler(event, context):\n    return {'ok': True}\n")
COMMANDS = [
    ("create_function", "CreateFunction",
     {"FunctionName": "orders", "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/orders-role",
      "Handler": "app.handler", "Code": {"ZipFile": CODE}, "Timeout": 30, "MemorySize": 256,
      "Environment": {"Variables": {"TABLE": "orders"}}, "Publish": True, "Tags": {"team": "shop"}},
     dict(CONFIGURATION, State="Pending")),
    ("add_permission", "AddPermission",
     {"FunctionName": "orders", "StatementId": "s3-invoke", "Action": "lambda:InvokeFunction",
      "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::photos", "SourceAccount": "123456789012"},
     {"Statement": '{"Sid":"s3-invoke","Effect":"Allow"}'}),
    ("get_function", "GetFunction", {"FunctionName": ARN},
     {"Configuration": CONFIGURATION, "Code": {"RepositoryType": "S3", "Location": "https://example.invalid/code.zip"},
      "Concurrency": {"ReservedConcurrentExecutions": 5}, "Tags": {"team": "shop"}}),
    ("list_functions", "ListFunctions", {"MaxItems": 2, "Marker": "page-1"},
     {"Functions": [CONFIGURATION], "NextMarker": "page-2"}),
    ("update_function_configuration", "UpdateFunctionConfiguration",
     {"FunctionName": "orders", "MemorySize": 512, "Timeout": 60, "Environment": {"Variables": {"TABLE": "orders-v2"}},
      "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]}},
     dict(CONFIGURATION, MemorySize=512, Timeout=60, LastUpdateStatus="InProgress")),
    ("update_function_code", "UpdateFunctionCode", {"FunctionName": "orders", "ZipFile": CODE, "Publish": True},
     dict(CONFIGURATION, Version="4", CodeSha256="b64sha")),
    ("put_function_concurrency", "PutFunctionConcurrency",
     {"FunctionName": "orders", "ReservedConcurrentExecutions": 100}, {"ReservedConcurrentExecutions": 100}),
    ("delete_function_concurrency", "DeleteFunctionConcurrency", {"FunctionName": "orders"}, {}),
    ("put_provisioned_concurrency_config", "PutProvisionedConcurrencyConfig",
     {"FunctionName": "orders", "Qualifier": "live", "ProvisionedConcurrentExecutions": 20},
     {"RequestedProvisionedConcurrentExecutions": 20, "AllocatedProvisionedConcurrentExecutions": 0,
      "Status": "IN_PROGRESS", "LastModified": "2026-12-04T15:00:07+0000"}),
    ("publish_version", "PublishVersion", {"FunctionName": "orders", "Description": "paid orders"},
     dict(CONFIGURATION, Version="5", Description="paid orders")),
    ("create_alias", "CreateAlias",
     {"FunctionName": "orders", "Name": "live", "FunctionVersion": "4",
      "RoutingConfig": {"AdditionalVersionWeights": {"5": 0.1}}},
     {"AliasArn": f"{ARN}:live", "Name": "live", "FunctionVersion": "4",
      "RoutingConfig": {"AdditionalVersionWeights": {"5": 0.1}}, "RevisionId": "r1"}),
    ("update_alias", "UpdateAlias",
     {"FunctionName": "orders", "Name": "live", "FunctionVersion": "5",
      "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.25}}},
     {"AliasArn": f"{ARN}:live", "Name": "live", "FunctionVersion": "5",
      "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.25}}, "RevisionId": "r2"}),
    ("create_event_source_mapping", "CreateEventSourceMapping",
     {"EventSourceArn": QUEUE_ARN, "FunctionName": "orders", "BatchSize": 10, "MaximumBatchingWindowInSeconds": 5,
      "FunctionResponseTypes": ["ReportBatchItemFailures"],
      "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["paid"]}}'}]}},
     MAPPING),
    ("update_event_source_mapping", "UpdateEventSourceMapping",
     {"UUID": MAPPING["UUID"], "BatchSize": 5, "Enabled": False},
     dict(MAPPING, BatchSize=5, State="Disabling")),
    ("delete_event_source_mapping", "DeleteEventSourceMapping", {"UUID": MAPPING["UUID"]},
     dict(MAPPING, State="Deleting")),
    ("put_function_event_invoke_config", "PutFunctionEventInvokeConfig",
     {"FunctionName": "orders", "Qualifier": "live", "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600,
      "DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN}}},
     {"LastModified": WHEN, "FunctionArn": f"{ARN}:live", "MaximumRetryAttempts": 1,
      "MaximumEventAgeInSeconds": 3600, "DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN}}}),
    ("invoke", "Invoke", {"FunctionName": "orders", "InvocationType": "Event", "Payload": b'{"id": 7}'},
     {"StatusCode": 202, "Payload": b""}),
    ("invoke", "Invoke", {"FunctionName": "orders", "InvocationType": "DryRun", "Qualifier": "live"},
     {"StatusCode": 204, "Payload": b""}),
    ("invoke", "Invoke", {"FunctionName": "orders", "LogType": "Tail", "Payload": b'{"id": 7}'},
     {"StatusCode": 200, "ExecutedVersion": "4", "FunctionError": "Unhandled",
      "LogResult": base64.b64encode(b"START RequestId: r\nEND RequestId: r\n").decode(),
      "Payload": b'{"errorMessage": "boom", "errorType": "ValueError"}'}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "operation", "kwargs", "result"),
    COMMANDS,
    ids=[f"{method}-{index}" for index, (method, *_rest) in enumerate(COMMANDS)],
)
def test_a_control_plane_command_arrives_as_sent_and_its_answer_parses(
    world, awslambda, method, operation, kwargs, result
):
    world.reply("lambda", operation, result)
    answered = getattr(awslambda, method)(**kwargs)
    answered.pop("ResponseMetadata")
    if "Payload" in answered:
        answered["Payload"] = answered["Payload"].read()
    service, called, params, _region = world.calls[-1]
    assert (service, called) == ("lambda", operation)
    assert {key: params.get(key) for key in kwargs} == kwargs
    assert answered == result


def test_an_uploaded_zip_arrives_byte_for_byte(world, awslambda):
    awslambda.update_function_code(FunctionName="orders", ZipFile=CODE)
    archive = zipfile.ZipFile(io.BytesIO(world.calls[-1][2]["ZipFile"]))
    assert archive.read("app.py").startswith(b"def handler(event, context):")


def test_each_command_has_the_http_status_lambda_answers_with(world, awslambda):
    statuses = {}
    for method, kwargs in [
        ("delete_function_concurrency", {"FunctionName": "orders"}),
        ("create_alias", {"FunctionName": "orders", "Name": "live", "FunctionVersion": "1"}),
        ("publish_version", {"FunctionName": "orders"}),
        ("delete_event_source_mapping", {"UUID": MAPPING["UUID"]}),
        ("put_provisioned_concurrency_config",
         {"FunctionName": "orders", "Qualifier": "live", "ProvisionedConcurrentExecutions": 1}),
    ]:  # fmt: skip
        statuses[method] = getattr(awslambda, method)(**kwargs)["ResponseMetadata"]["HTTPStatusCode"]
    assert statuses == {
        "delete_function_concurrency": 204,
        "create_alias": 201,
        "publish_version": 201,
        "delete_event_source_mapping": 202,
        "put_provisioned_concurrency_config": 202,
    }
