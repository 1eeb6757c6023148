"""Every SDK call a handler makes in the sandbox, from a real boto3 client through ``sandbox.aws`` and back: the
call arrives with the parameters boto3 sent, and boto3 parses the result the emulated world answered."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config

from sandbox.tests.aws_endpoint import CannedWorld, Endpoint

KEY, SECRET = "AKIAHANDLERROLE00001", "handler-role-secret"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
WHEN = datetime(2026, 12, 4, 15, 0, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def world():
    canned = CannedWorld(secret_for={KEY: SECRET}.get)
    with Endpoint(canned) as endpoint:
        canned.endpoint = endpoint
        yield canned


@pytest.fixture(scope="module")
def clients(world):
    made = {}

    def client(service: str):
        if service not in made:
            made[service] = boto3.client(
                service,
                region_name="us-east-1",
                endpoint_url=world.endpoint.url,
                aws_access_key_id=KEY,
                aws_secret_access_key=SECRET,
                config=Config(retries={"max_attempts": 1, "mode": "standard"}),
            )
        return made[service]

    return client


def readable(value):
    """A result with its streams read, as a handler would read them."""
    if isinstance(value, dict):
        return {key: readable(item) for key, item in value.items() if key != "ResponseMetadata"}
    if hasattr(value, "read"):
        return value.read()
    return value


# (service, method, operation, kwargs, the world's result); the result must come back to boto3 as it was answered.
CALLS = [
    ("lambda", "invoke", "Invoke", {"FunctionName": "orders", "Payload": b'{"id": 7}'},
     {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": b'{"ok": true}'}),
    ("lambda", "invoke", "Invoke", {"FunctionName": "orders", "InvocationType": "Event", "Payload": b"{}"},
     {"StatusCode": 202, "Payload": b""}),
    ("lambda", "invoke", "Invoke", {"FunctionName": "orders", "InvocationType": "DryRun"},
     {"StatusCode": 204, "Payload": b""}),
    ("sqs", "send_message", "SendMessage",
     {"QueueUrl": QUEUE, "MessageBody": "order 7", "DelaySeconds": 5,
      "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "paid"},
                            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}},
     {"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "MD5OfMessageBody": "3a9a2b5d0c5e8d1f1f9a6f0a4b7c2e11"}),
    ("sqs", "send_message_batch", "SendMessageBatch",
     {"QueueUrl": QUEUE, "Entries": [{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two"}]},
     {"Successful": [{"Id": "a", "MessageId": "m-1", "MD5OfMessageBody": "f97c5d29941bfb1b2fdab0874906ab82"}],
      "Failed": [{"Id": "b", "SenderFault": True, "Code": "InvalidParameterValue", "Message": "too long"}]}),
    ("sqs", "receive_message", "ReceiveMessage",
     {"QueueUrl": QUEUE, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2, "VisibilityTimeout": 30,
      "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["All"]},
     {"Messages": [{"MessageId": "m-1", "ReceiptHandle": "rh-1", "Body": "order 7", "MD5OfBody": "x",
                    "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796396400000"},
                    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "paid"}}}]}),
    ("sqs", "delete_message", "DeleteMessage", {"QueueUrl": QUEUE, "ReceiptHandle": "rh-1"}, {}),
    ("sqs", "delete_message_batch", "DeleteMessageBatch",
     {"QueueUrl": QUEUE, "Entries": [{"Id": "a", "ReceiptHandle": "rh-1"}, {"Id": "b", "ReceiptHandle": "rh-2"}]},
     {"Successful": [{"Id": "a"}], "Failed": [{"Id": "b", "SenderFault": True, "Code": "ReceiptHandleIsInvalid"}]}),
    ("sqs", "change_message_visibility", "ChangeMessageVisibility",
     {"QueueUrl": QUEUE, "ReceiptHandle": "rh-1", "VisibilityTimeout": 120}, {}),
    ("sqs", "get_queue_url", "GetQueueUrl", {"QueueName": "orders", "QueueOwnerAWSAccountId": "123456789012"},
     {"QueueUrl": QUEUE}),
    ("sqs", "get_queue_attributes", "GetQueueAttributes",
     {"QueueUrl": QUEUE, "AttributeNames": ["VisibilityTimeout", "ApproximateNumberOfMessages"]},
     {"Attributes": {"VisibilityTimeout": "30", "ApproximateNumberOfMessages": "4"}}),
    ("sns", "publish", "Publish",
     {"TopicArn": TOPIC, "Message": "stock low: é & <tags>", "Subject": "stock",
      "MessageAttributes": {"level": {"DataType": "String", "StringValue": "high"}}},
     {"MessageId": "b0b1f1a2-6c1e-4a77-9e0a-1b2c3d4e5f60"}),
    ("sns", "publish_batch", "PublishBatch",
     {"TopicArn": TOPIC, "PublishBatchRequestEntries": [{"Id": "1", "Message": "a"}, {"Id": "2", "Message": "b"}]},
     {"Successful": [{"Id": "1", "MessageId": "m-1"}],
      "Failed": [{"Id": "2", "Code": "InvalidParameter", "Message": "bad", "SenderFault": True}]}),
    ("events", "put_events", "PutEvents",
     {"Entries": [{"Source": "shop.orders", "DetailType": "OrderPaid", "Detail": '{"id": 7}', "Time": WHEN,
                   "EventBusName": "default", "Resources": ["arn:aws:s3:::photos"]}]},
     {"FailedEntryCount": 0, "Entries": [{"EventId": "11710aed-b79e-4468-a20b-bb3c0c3b4860"}]}),
    ("s3", "put_object", "PutObject",
     {"Bucket": "photos", "Key": "raw/cat 1+ü.jpg", "Body": b"\x89PNG...", "ContentType": "image/png",
      "Metadata": {"owner": "ana"}},
     {"ETag": '"9b2cf535f27731c974343645a3985328"', "VersionId": "v1"}),
    ("s3", "get_object", "GetObject", {"Bucket": "photos", "Key": "raw/cat 1+ü.jpg"},
     {"Body": b"\x89PNG...", "ContentType": "image/png", "ContentLength": 7, "ETag": '"9b2c"', "LastModified": WHEN,
      "Metadata": {"owner": "ana"}}),
    ("s3", "head_object", "HeadObject", {"Bucket": "photos", "Key": "raw/cat.jpg"},
     {"ContentLength": 7, "ContentType": "image/png", "ETag": '"9b2c"', "LastModified": WHEN, "Metadata": {}}),
    ("s3", "delete_object", "DeleteObject", {"Bucket": "photos", "Key": "raw/cat.jpg"}, {"DeleteMarker": True}),
    ("s3", "list_objects_v2", "ListObjectsV2", {"Bucket": "photos", "Prefix": "raw/", "MaxKeys": 2},
     {"Name": "photos", "Prefix": "raw/", "KeyCount": 2, "MaxKeys": 2, "IsTruncated": True,
      "NextContinuationToken": "token-2",
      "Contents": [{"Key": "raw/a+b c.jpg", "Size": 7, "LastModified": WHEN, "ETag": '"1"', "StorageClass": "STANDARD"},
                   {"Key": "raw/b.jpg", "Size": 9, "LastModified": WHEN, "ETag": '"2"', "StorageClass": "STANDARD"}]}),
    ("dynamodb", "put_item", "PutItem",
     {"TableName": "orders", "Item": {"id": {"S": "7"}, "total": {"N": "12.5"}, "raw": {"B": b"\x01"},
                                      "tags": {"SS": ["a", "b"]}, "paid": {"BOOL": True}},
      "ConditionExpression": "attribute_not_exists(id)"}, {}),
    ("dynamodb", "get_item", "GetItem", {"TableName": "orders", "Key": {"id": {"S": "7"}}, "ConsistentRead": True},
     {"Item": {"id": {"S": "7"}, "total": {"N": "12.5"}, "raw": {"B": b"\x01"}, "lines": {"L": [{"M": {"n": {"N": "1"}}}]}}}),
    ("dynamodb", "update_item", "UpdateItem",
     {"TableName": "orders", "Key": {"id": {"S": "7"}}, "UpdateExpression": "SET #s = :s",
      "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "shipped"}},
      "ReturnValues": "ALL_NEW"},
     {"Attributes": {"id": {"S": "7"}, "status": {"S": "shipped"}}}),
    ("dynamodb", "delete_item", "DeleteItem", {"TableName": "orders", "Key": {"id": {"S": "7"}}, "ReturnValues": "ALL_OLD"},
     {"Attributes": {"id": {"S": "7"}}}),
    ("dynamodb", "query", "Query",
     {"TableName": "orders", "KeyConditionExpression": "id = :id", "ExpressionAttributeValues": {":id": {"S": "7"}},
      "Limit": 10},
     {"Items": [{"id": {"S": "7"}}], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": {"id": {"S": "7"}}}),
    ("sts", "get_caller_identity", "GetCallerIdentity", {},
     {"UserId": "AROAEXAMPLE:orders", "Account": "123456789012",
      "Arn": "arn:aws:sts::123456789012:assumed-role/orders-role/orders"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("service", "method", "operation", "kwargs", "result"),
    CALLS,
    ids=[f"{service}.{method}-{index}" for index, (service, method, *_rest) in enumerate(CALLS)],
)
def test_a_call_arrives_as_sent_and_its_result_comes_back(world, clients, service, method, operation, kwargs, result):
    world.reply(service, operation, result)
    answered = readable(getattr(clients(service), method)(**kwargs))
    called_service, called_operation, params, region = world.calls[-1]
    assert (called_service, called_operation, region) == (service, operation, "us-east-1")
    assert {key: params.get(key) for key in kwargs} == kwargs
    assert answered == result


def test_boto3_adds_only_what_it_always_sends(world, clients):
    clients("s3").put_object(Bucket="photos", Key="k", Body=b"data")
    params = world.calls[-1][2]
    assert params == {
        "Bucket": "photos",
        "Key": "k",
        "Body": b"data",
        "ContentLength": 4,
        "ChecksumAlgorithm": "CRC32",
        "ChecksumCRC32": "rfPzYw==",
    }
    clients("lambda").invoke(FunctionName="orders", InvocationType="RequestResponse", LogType="Tail", Qualifier="live")
    assert world.calls[-1][2] == {
        "FunctionName": "orders",
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "Qualifier": "live",
        "Payload": b"",
    }


def test_s3_request_bodies_are_read_from_their_xml(world, clients):
    s3 = clients("s3")
    s3.create_bucket(Bucket="photos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert world.calls[-1][1:3] == (
        "CreateBucket",
        {"Bucket": "photos", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
    )
    notification = {
        "LambdaFunctionConfigurations": [
            {
                "Id": "thumbnails",
                "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:thumbs",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}},
            }
        ]
    }
    s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration=notification)
    assert world.calls[-1][1] == "PutBucketNotificationConfiguration"
    assert world.calls[-1][2]["NotificationConfiguration"] == notification
    world.reply("s3", "DeleteObjects", {"Deleted": [{"Key": "a"}, {"Key": "b", "VersionId": "v2"}]})
    answered = s3.delete_objects(Bucket="photos", Delete={"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v2"}]})
    assert world.calls[-1][2]["Delete"] == {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v2"}]}
    assert answered["Deleted"] == [{"Key": "a"}, {"Key": "b", "VersionId": "v2"}]


def test_the_region_comes_from_the_signature_scope(world):
    sqs = boto3.client(
        "sqs",
        region_name="eu-west-1",
        endpoint_url=world.endpoint.url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    world.reply("sqs", "GetQueueUrl", {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/eu"})
    assert sqs.get_queue_url(QueueName="eu")["QueueUrl"].endswith("/eu")
    assert world.calls[-1][3] == "eu-west-1"


def test_aws_host_names_and_virtual_hosted_buckets_identify_the_service(world):
    proxied = Config(
        proxies={"http": world.endpoint.url}, s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}
    )
    kwargs = {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET, "config": proxied}
    s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url="http://s3.eu-west-1.amazonaws.com", **kwargs)
    world.reply("s3", "GetObject", {"Body": b"hello"})
    assert s3.get_object(Bucket="photos", Key="dir/a.txt")["Body"].read() == b"hello"
    assert world.calls[-1][:2] == ("s3", "GetObject")
    assert world.calls[-1][2]["Bucket"] == "photos" and world.calls[-1][2]["Key"] == "dir/a.txt"
    sns = boto3.client("sns", region_name="eu-west-1", endpoint_url="http://sns.eu-west-1.amazonaws.com", **kwargs)
    world.reply("sns", "Publish", {"MessageId": "m"})
    assert sns.publish(TopicArn=TOPIC, Message="hi")["MessageId"] == "m"
    assert world.calls[-1][0] == "sns" and world.calls[-1][3] == "eu-west-1"
