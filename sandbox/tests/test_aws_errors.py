"""Errors in each protocol's AWS form, seen by real boto3 clients: the world's ServiceError becomes a ClientError with
its code, status, message and request id (and the service's modeled exception class); refused signatures and bad
requests answer as AWS does; SQS's older query form is read and answered in its own element names."""

from __future__ import annotations

import json
import urllib.request
import xml.etree.ElementTree as ElementTree
from urllib.error import HTTPError

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.emulator.executor import ServiceError
from sandbox.tests.aws_endpoint import CannedWorld, Endpoint

KEY, SECRET = "AKIAHANDLERROLE00001", "handler-role-secret"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
ROLE = "arn:aws:sts::123456789012:assumed-role/orders-role/orders"


@pytest.fixture(scope="module")
def world():
    canned = CannedWorld(secret_for={KEY: SECRET}.get)
    with Endpoint(canned) as endpoint:
        canned.endpoint = endpoint
        yield canned


def client(world, service: str, key: str = KEY, secret: str = SECRET):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=world.endpoint.url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def refused(call) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


ERRORS = [
    ("sqs", "GetQueueUrl", lambda c: c.get_queue_url(QueueName="missing"),
     ServiceError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400),
     "QueueDoesNotExist"),
    ("sqs", "SendMessage", lambda c: c.send_message(QueueUrl=QUEUE, MessageBody="x"),
     ServiceError("AccessDenied", f"User: {ROLE} is not authorized to perform: sqs:sendmessage on resource: "
                  "arn:aws:sqs:us-east-1:123456789012:orders because no identity-based policy allows the "
                  "sqs:sendmessage action", 403), None),
    ("dynamodb", "GetItem", lambda c: c.get_item(TableName="orders", Key={"id": {"S": "1"}}),
     ServiceError("ResourceNotFoundException", "Requested resource not found", 400), "ResourceNotFoundException"),
    ("events", "PutEvents", lambda c: c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]),
     ServiceError("AccessDeniedException", f"User: {ROLE} is not authorized to perform: events:PutEvents", 400), None),
    ("sns", "Publish", lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:gone", Message="m"),
     ServiceError("NotFound", "Topic does not exist", 404), "NotFoundException"),
    ("sts", "GetCallerIdentity", lambda c: c.get_caller_identity(),
     ServiceError("ExpiredToken", "The security token included in the request is expired", 400), None),
    ("lambda", "Invoke", lambda c: c.invoke(FunctionName="gone"),
     ServiceError("ResourceNotFoundException",
                  "Function not found: arn:aws:lambda:us-east-1:123456789012:function:gone", 404),
     "ResourceNotFoundException"),
    ("lambda", "PutFunctionConcurrency",
     lambda c: c.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=999),
     ServiceError("InvalidParameterValueException",
                  "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
                  "below its minimum value of [10].", 400), "InvalidParameterValueException"),
    ("s3", "GetObject", lambda c: c.get_object(Bucket="photos", Key="missing.jpg"),
     ServiceError("NoSuchKey", "The specified key does not exist.", 404), "NoSuchKey"),
    ("s3", "ListObjectsV2", lambda c: c.list_objects_v2(Bucket="nobucket"),
     ServiceError("NoSuchBucket", "The specified bucket does not exist", 404), "NoSuchBucket"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("service", "operation", "call", "error", "exception"),
    ERRORS,
    ids=[f"{service}.{operation}.{error.code}" for service, operation, _call, error, _exception in ERRORS],
)
def test_a_world_error_becomes_the_clienterror_aws_sends(world, service, operation, call, error, exception):
    world.reply(service, operation, error)
    sdk = client(world, service)
    problem = refused(lambda: call(sdk))
    assert problem.response["Error"]["Code"] == error.code
    assert problem.response["Error"]["Message"] == error.message
    assert problem.response["ResponseMetadata"]["HTTPStatusCode"] == error.status
    assert problem.response["ResponseMetadata"]["RequestId"] == world.request_ids[-1]
    if exception:
        assert isinstance(problem, getattr(sdk.exceptions, exception))


def test_sqs_errors_carry_the_query_code_sqs_answers_with_and_the_modeled_class(world):
    sqs = client(world, "sqs")
    for named in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"):
        world.reply("sqs", "GetQueueUrl", ServiceError(named, "The specified queue does not exist.", 400))
        problem = refused(lambda sqs=sqs: sqs.get_queue_url(QueueName="missing"))
        assert isinstance(problem, sqs.exceptions.QueueDoesNotExist)
        assert problem.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
        assert problem.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
        assert problem.response["Error"]["Type"] == "Sender"


def test_a_missing_object_on_head_is_a_bare_404_as_on_aws(world):
    world.reply("s3", "HeadObject", ServiceError("NoSuchKey", "The specified key does not exist.", 404))
    problem = refused(lambda: client(world, "s3").head_object(Bucket="photos", Key="missing.jpg"))
    assert problem.response["Error"]["Code"] == "404"
    assert problem.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert problem.response["ResponseMetadata"]["RequestId"] == world.request_ids[-1]


def test_lambda_errors_carry_their_type_header(world):
    world.reply("lambda", "GetFunction", ServiceError("TooManyRequestsException", "Rate exceeded", 429))
    problem = refused(lambda: client(world, "lambda").get_function(FunctionName="orders"))
    headers = problem.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert (problem.response["Error"]["Code"], problem.response["Error"]["Message"]) == (
        "TooManyRequestsException",
        "Rate exceeded",
    )
    assert problem.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert (problem.response["Type"], problem.response["message"]) == ("User", "Rate exceeded")
    world.reply("lambda", "GetFunction", ServiceError("ResourceNotFoundException", "Function not found: x", 404))
    problem = refused(lambda: client(world, "lambda").get_function(FunctionName="orders"))
    assert (problem.response["Type"], problem.response["Message"]) == ("User", "Function not found: x")


SIGNATURE_REFUSALS = [
    ("sts", lambda c: c.get_caller_identity(), "SignatureDoesNotMatch", 403),
    ("sns", lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="m"), "SignatureDoesNotMatch", 403),
    ("sqs", lambda c: c.get_queue_url(QueueName="orders"), "SignatureDoesNotMatch", 403),
    ("dynamodb", lambda c: c.get_item(TableName="t", Key={"id": {"S": "1"}}), "InvalidSignatureException", 400),
    ("events", lambda c: c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]),
     "InvalidSignatureException", 400),
    ("lambda", lambda c: c.get_function(FunctionName="orders"), "InvalidSignatureException", 403),
    ("s3", lambda c: c.get_object(Bucket="photos", Key="k"), "SignatureDoesNotMatch", 403),
]  # fmt: skip


@pytest.mark.parametrize(
    ("service", "call", "code", "status"), SIGNATURE_REFUSALS, ids=[r[0] for r in SIGNATURE_REFUSALS]
)
def test_a_wrong_secret_is_refused_in_the_services_own_error_form(world, service, call, code, status):
    calls_before = len(world.calls)
    problem = refused(lambda: call(client(world, service, secret="not-the-secret")))
    assert problem.response["Error"]["Code"] == code
    assert problem.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert problem.response["Error"]["Message"].startswith("The request signature we calculated does not match")
    assert len(world.calls) == calls_before


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", 403),
        ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException", 403),
        ("dynamodb", lambda c: c.get_item(TableName="t", Key={"id": {"S": "1"}}), "UnrecognizedClientException", 400),
        ("s3", lambda c: c.list_objects_v2(Bucket="photos"), "InvalidAccessKeyId", 403),
    ],
    ids=["sts", "lambda", "dynamodb", "s3"],
)
def test_keys_of_another_workspace_are_unknown(world, service, call, code, status):
    problem = refused(lambda: call(client(world, service, key="AKIAOTHERWORKSPACE01")))
    assert (problem.response["Error"]["Code"], problem.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)


def raw(world, path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> tuple[int, bytes, dict]:
    """Send a request the SDK would not send, to a world that checks no signatures."""
    request = urllib.request.Request(world.endpoint.url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except HTTPError as failed:
        return failed.code, failed.read(), dict(failed.headers)


@pytest.fixture(scope="module")
def open_world():
    canned = CannedWorld()
    with Endpoint(canned) as endpoint:
        canned.endpoint = endpoint
        yield canned


SCOPE = "AWS4-HMAC-SHA256 Credential=AKIAX/20261204/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"


def test_bad_json_is_a_serialization_exception(open_world):
    status, body, _headers = raw(
        open_world,
        "/",
        b'{"TableName": ',
        {"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"},
    )
    answer = json.loads(body)
    assert status == 400
    assert answer["__type"].endswith("#SerializationException")
    assert "not valid JSON" in answer["message"]


def test_an_unknown_target_names_the_problem(open_world):
    status, body, _headers = raw(open_world, "/", b"{}", {"X-Amz-Target": "DynamoDB_20120810.DropEverything"})
    assert status == 400
    assert json.loads(body)["__type"].endswith("#UnknownOperationException")
    assert "DropEverything" in json.loads(body)["message"]


def test_a_missing_required_member_is_named(open_world):
    headers = {"X-Amz-Target": "AWSEvents.PutEvents", "Authorization": SCOPE.format("events")}
    status, body, _headers = raw(open_world, "/", b"{}", headers)
    assert status == 400
    assert json.loads(body)["message"] == (
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"
    )
    form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": SCOPE.format("sns")}
    status, body, _headers = raw(open_world, "/", b"Action=Publish&Version=2010-03-31&TopicArn=t", form)
    error = ElementTree.fromstring(body).find("{*}Error")
    assert status == 400
    assert (error.findtext("{*}Code"), error.findtext("{*}Message")) == (
        "MissingParameter",
        "The request must contain the parameter Message.",
    )


def test_a_query_action_that_does_not_exist_is_invalid(open_world):
    form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": SCOPE.format("sts")}
    status, body, _headers = raw(open_world, "/", b"Action=BecomeRoot&Version=2011-06-15", form)
    error = ElementTree.fromstring(body).find("{*}Error")
    assert status == 400
    assert error.findtext("{*}Code") == "InvalidAction"
    assert error.findtext("{*}Message") == "The action BecomeRoot is not valid for this web service."


def test_a_request_naming_no_service_is_refused_clearly(open_world):
    status, body, headers = raw(open_world, "/", b"{}", {"Content-Type": "application/json"})
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "UnknownService"
    assert "names no emulated AWS service" in json.loads(body)["message"]


def test_an_s3_path_no_operation_answers_is_method_not_allowed(open_world):
    status, body, _headers = raw(open_world, "/photos/key", b"", {"Authorization": SCOPE.format("s3")}, method="PATCH")
    error = ElementTree.fromstring(body)
    assert status == 405
    assert error.findtext("Code") == "MethodNotAllowed"
    assert error.findtext("Message") == "The specified method is not allowed against this resource."


FORM = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": SCOPE.format("sqs")}


def test_sqs_query_form_send_message_is_read_with_its_own_names(open_world):
    open_world.reply("sqs", "SendMessage", {"MessageId": "m-1", "MD5OfMessageBody": "fafb00f5732ab283681e124bf8747ed1"})
    body = (
        b"Action=SendMessage&MessageBody=This+is+a+test+message&DelaySeconds=4"
        b"&MessageAttribute.1.Name=my_attribute_name_1&MessageAttribute.1.Value.StringValue=my_attribute_value_1"
        b"&MessageAttribute.1.Value.DataType=String&Version=2012-11-05"
    )
    status, answer, headers = raw(open_world, "/123456789012/orders", body, FORM)
    assert status == 200 and headers["Content-Type"] == "text/xml"
    assert open_world.calls[-1][:2] == ("sqs", "SendMessage")
    assert open_world.calls[-1][2] == {
        "QueueUrl": "https://127.0.0.1/123456789012/orders",
        "MessageBody": "This is a test message",
        "DelaySeconds": 4,
        "MessageAttributes": {"my_attribute_name_1": {"StringValue": "my_attribute_value_1", "DataType": "String"}},
    }
    root = ElementTree.fromstring(answer)
    assert root.tag.endswith("SendMessageResponse")
    assert root.findtext("{*}SendMessageResult/{*}MessageId") == "m-1"
    assert root.findtext("{*}ResponseMetadata/{*}RequestId") == open_world.request_ids[-1]


def test_sqs_query_form_batches_and_receives_answer_with_its_own_element_names(open_world):
    open_world.reply(
        "sqs",
        "SendMessageBatch",
        {
            "Successful": [
                {"Id": "test_msg_001", "MessageId": "m-1", "MD5OfMessageBody": "0e024d309850c78cba5eabbeff7cae71"}
            ],
            "Failed": [{"Id": "test_msg_002", "SenderFault": True, "Code": "InvalidParameterValue", "Message": "x"}],
        },
    )
    body = (
        b"Action=SendMessageBatch&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Forders"
        b"&SendMessageBatchRequestEntry.1.Id=test_msg_001&SendMessageBatchRequestEntry.1.MessageBody=test%20message%201"
        b"&SendMessageBatchRequestEntry.2.Id=test_msg_002&SendMessageBatchRequestEntry.2.MessageBody=test%20message%202"
        b"&SendMessageBatchRequestEntry.2.DelaySeconds=60&Version=2012-11-05"
    )
    status, answer, _headers = raw(open_world, "/", body, FORM)
    assert status == 200
    assert open_world.calls[-1][2]["Entries"] == [
        {"Id": "test_msg_001", "MessageBody": "test message 1"},
        {"Id": "test_msg_002", "MessageBody": "test message 2", "DelaySeconds": 60},
    ]
    result = ElementTree.fromstring(answer).find("{*}SendMessageBatchResult")
    assert result.findtext("{*}SendMessageBatchResultEntry/{*}Id") == "test_msg_001"
    assert result.findtext("{*}BatchResultErrorEntry/{*}Code") == "InvalidParameterValue"

    open_world.reply(
        "sqs",
        "ReceiveMessage",
        {
            "Messages": [
                {
                    "MessageId": "m-1",
                    "ReceiptHandle": "rh",
                    "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
                    "Body": "This is a test message",
                    "Attributes": {"SenderId": "195004372649"},
                    "MessageAttributes": {"kind": {"StringValue": "paid", "DataType": "String"}},
                }
            ]
        },
    )
    body = b"Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.1=kind&MaxNumberOfMessages=5&Version=2012-11-05"
    status, answer, _headers = raw(open_world, "/123456789012/orders", body, FORM)
    assert open_world.calls[-1][2]["AttributeNames"] == ["All"]
    assert open_world.calls[-1][2]["MessageAttributeNames"] == ["kind"]
    message = ElementTree.fromstring(answer).find("{*}ReceiveMessageResult/{*}Message")
    assert message.findtext("{*}Body") == "This is a test message"
    assert (message.findtext("{*}Attribute/{*}Name"), message.findtext("{*}Attribute/{*}Value")) == (
        "SenderId",
        "195004372649",
    )
    assert message.findtext("{*}MessageAttribute/{*}Name") == "kind"
    assert message.findtext("{*}MessageAttribute/{*}Value/{*}StringValue") == "paid"


def test_sqs_query_form_errors_are_an_error_response(open_world):
    open_world.reply(
        "sqs", "GetQueueUrl", ServiceError("QueueDoesNotExist", "The specified queue does not exist.", 400)
    )
    status, answer, _headers = raw(open_world, "/", b"Action=GetQueueUrl&QueueName=gone&Version=2012-11-05", FORM)
    root = ElementTree.fromstring(answer)
    assert status == 400 and root.tag.endswith("ErrorResponse")
    assert root.findtext("{*}Error/{*}Type") == "Sender"
    assert root.findtext("{*}Error/{*}Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert root.findtext("{*}RequestId") == open_world.request_ids[-1]


def test_a_body_nested_too_deeply_or_not_utf8_is_refused_not_a_crash(open_world):
    deep = b'{"TableName": "t", "Item": {"a": ' + b'{"M": {"a": ' * 5000 + b'{"S": "x"}' + b"}}" * 5000 + b"}}"
    status, body, _headers = raw(
        open_world,
        "/",
        deep,
        {"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("#SerializationException")
    assert json.loads(body)["message"] == "The request body is nested too deeply."

    status, body, _headers = raw(
        open_world, "/orders?policy", b"\xff\xfe", {"Host": "s3.us-east-1.amazonaws.com"}, method="PUT"
    )
    assert status == 400
    error = ElementTree.fromstring(body)
    assert (error.findtext("Code"), error.findtext("Message")) == (
        "InvalidArgument",
        "The request body is not UTF-8 text.",
    )
