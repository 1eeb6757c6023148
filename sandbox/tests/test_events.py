"""Event shapes (lambda-semantics.md 5.2-5.4) and ARN helpers."""

import base64
import json
import re

import pytest

from sandbox.emulator import events
from sandbox.emulator.patterns import passes_filters

T0 = 1_545_082_649.183  # 2018-12-17T21:37:29.183Z


def test_arns():
    assert events.arn("function", "orders") == "arn:aws:lambda:us-east-1:123456789012:function:orders"
    assert events.arn("function", "orders", qualifier="prod").endswith(":function:orders:prod")
    assert events.arn("queue", "jobs", "us-east-2", "111122223333") == "arn:aws:sqs:us-east-2:111122223333:jobs"
    assert events.arn("topic", "alerts") == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert events.arn("bus", "default") == "arn:aws:events:us-east-1:123456789012:event-bus/default"
    assert events.arn("stream", "clicks") == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    assert events.arn("dynamodb_stream", "t").startswith("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/")
    assert events.arn("bucket", "uploads") == "arn:aws:s3:::uploads"
    with pytest.raises(ValueError):
        events.arn("nope", "x")


def test_stable_id_is_deterministic_and_uuid_shaped():
    first = events.stable_id(7, "request", 1)

    assert first == events.stable_id(7, "request", 1)
    assert first != events.stable_id(7, "request", 2)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)


def test_iso_time():
    assert events.iso_time(T0) == "2018-12-17T21:37:29.183Z"
    assert events.iso_time(T0, millis=False) == "2018-12-17T21:37:29Z"


# --- SQS (S40) -------------------------------------------------------------------------


def test_sqs_record_shape():
    record = events.sqs_record(
        "my-queue",
        "059f36b4-87a3-44ab-83d2-661975830a7d",
        "Test message.",
        T0,
        first_receive_s=T0 + 0.002,
        region="us-east-2",
    )

    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert record["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1545082649183",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1545082649185",
    }
    assert record["md5OfBody"] == "e4e68fb7bd0e697a0ae8f1bb342846b3"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-2:123456789012:my-queue"
    assert record["receiptHandle"].startswith("AQEB")


def test_sqs_attribute_values_are_strings():
    record = events.sqs_record("q", "m1", "{}", T0, receive_count=3)

    assert all(isinstance(v, str) for v in record["attributes"].values())
    assert record["attributes"]["ApproximateReceiveCount"] == "3"


def test_receipt_handle_changes_per_receive():
    assert events.receipt_handle("m1", 1) != events.receipt_handle("m1", 2)


def test_sqs_fifo_record_has_group_fields_inside_attributes():
    record = events.sqs_record(
        "q.fifo", "m1", "a", T0, group_id="g1", deduplication_id="d1", sequence_number=events.fifo_sequence_number(4)
    )

    assert record["attributes"]["MessageGroupId"] == "g1"
    assert record["attributes"]["MessageDeduplicationId"] == "d1"
    assert len(record["attributes"]["SequenceNumber"]) == 20
    assert events.fifo_sequence_number(4) < events.fifo_sequence_number(5)


def test_sqs_message_attributes_and_their_md5():
    record = events.sqs_record("q", "m1", "a", T0, attributes={"category": "test", "ordinal": 1})

    assert record["messageAttributes"]["category"] == {
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["ordinal"]["dataType"] == "Number"
    assert record["md5OfMessageAttributes"] == "d21ae90c49061e927f57df5f5d72be1f"


def test_sqs_event_wraps_records():
    record = events.sqs_record("q", "m1", "a", T0)

    assert events.sqs_event([record]) == {"Records": [record]}


def test_sqs_record_feeds_the_filter():
    record = events.sqs_record("q", "m1", json.dumps({"type": "order"}), T0)

    assert passes_filters([{"body": {"type": ["order"]}}], "sqs", record)


# --- Kinesis (S45) and DynamoDB -------------------------------------------------------------


def test_kinesis_data_is_base64():
    seq = events.kinesis_sequence_number(0, 1)
    record = events.kinesis_record("lambda-stream", 6, seq, "1", "Hello", T0, region="us-east-2")

    assert record["kinesis"]["data"] == "SGVsbG8="
    assert record["kinesis"]["partitionKey"] == "1"
    assert record["eventID"] == f"shardId-000000000006:{seq}"
    assert record["eventName"] == "aws:kinesis:record"
    assert record["eventSourceARN"] == "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
    assert record["invokeIdentityArn"] == "arn:aws:iam::123456789012:role/lambda-role"


def test_kinesis_sequence_numbers_order_as_text_and_number():
    numbers = [events.kinesis_sequence_number(2, n) for n in (1, 9, 10, 1000)]

    assert numbers == sorted(numbers) and [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    assert all(len(n) == 56 for n in numbers)


def test_to_dynamodb_types():
    assert events.to_dynamodb({"s": "x", "n": 1, "f": 1.5, "b": True, "z": None, "l": [1], "m": {"k": "v"}}) == {
        "M": {
            "s": {"S": "x"},
            "n": {"N": "1"},
            "f": {"N": "1.5"},
            "b": {"BOOL": True},
            "z": {"NULL": True},
            "l": {"L": [{"N": "1"}]},
            "m": {"M": {"k": {"S": "v"}}},
        }
    }


def test_dynamodb_insert_record_shape():
    record = events.dynamodb_record(
        "TestTable",
        "1",
        "INSERT",
        {"Id": 101},
        "111",
        T0,
        new_image={"Message": "New item!", "Id": 101},
        region="us-west-2",
    )

    assert record["dynamodb"]["Keys"] == {"Id": {"N": "101"}}
    assert record["dynamodb"]["NewImage"] == {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    assert "OldImage" not in record["dynamodb"]
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert record["eventSource"] == "aws:dynamodb" and record["awsRegion"] == "us-west-2"


def test_dynamodb_modify_and_remove_images():
    modify = events.dynamodb_record("t", "2", "MODIFY", {"id": 1}, "112", T0, new_image={"v": 2}, old_image={"v": 1})
    remove = events.dynamodb_record("t", "3", "REMOVE", {"id": 1}, "113", T0, new_image={"v": 2}, old_image={"v": 1})
    keys_only = events.dynamodb_record(
        "t", "4", "MODIFY", {"id": 1}, "114", T0, new_image={"v": 2}, old_image={"v": 1}, view_type="KEYS_ONLY"
    )

    assert {"NewImage", "OldImage"} <= set(modify["dynamodb"])
    assert "NewImage" not in remove["dynamodb"] and "OldImage" in remove["dynamodb"]
    assert not {"NewImage", "OldImage"} & set(keys_only["dynamodb"])


# --- push sources ---------------------------------------------------------------------------


def test_sns_event_shape_and_casing():
    event = events.sns_event(
        "sns-lambda",
        "95df01b4",
        "Hello from SNS!",
        T0,
        "21be56ed",
        subject="TestInvoke",
        attributes={"Test": "TestString"},
    )

    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == "arn:aws:sns:us-east-1:123456789012:sns-lambda:21be56ed"
    sns = record["Sns"]
    assert sns["Type"] == "Notification" and sns["Message"] == "Hello from SNS!"
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:sns-lambda"
    assert sns["MessageAttributes"] == {"Test": {"Type": "String", "Value": "TestString"}}
    assert sns["Timestamp"] == "2018-12-17T21:37:29.183Z"


def test_sns_subject_is_null_when_absent():
    assert events.sns_event("t", "m", "x", T0, "s")["Records"][0]["Sns"]["Subject"] is None


def test_s3_event_shape_and_key_encoding():
    event = events.s3_event("uploads", "reports/Q1 sales.csv", T0, "req-1", size=1305107)

    (record,) = event["Records"]
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert record["s3"]["object"]["key"] == "reports/Q1+sales.csv"
    assert record["s3"]["object"]["size"] == 1305107


def test_s3_removed_object_has_no_size():
    event = events.s3_event("uploads", "a.txt", T0, "req-2", event_name="ObjectRemoved:Delete")

    assert set(event["Records"][0]["s3"]["object"]) == {"key", "sequencer"}


def test_eventbridge_envelope():
    event = events.eventbridge_event("e-1", "shop", "OrderPlaced", {"id": 1}, T0)

    assert event == {
        "version": "0",
        "id": "e-1",
        "detail-type": "OrderPlaced",
        "source": "shop",
        "account": "123456789012",
        "time": "2018-12-17T21:37:29Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"id": 1},
    }


# --- API Gateway -------------------------------------------------------------------------------


def test_rest_proxy_event_keys():
    event = events.apigw_rest_event(
        "GET",
        "/orders/7",
        "req-1",
        T0,
        headers={"Accept": "*/*"},
        query={"x": ["1", "2"]},
        resource="/orders/{id}",
        path_parameters={"id": "7"},
    )

    assert list(event) == [
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    ]
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["requestContext"]["resourcePath"] == "/orders/{id}"
    assert event["requestContext"]["path"] == "/prod/orders/7"
    assert event["body"] is None


def test_rest_proxy_event_without_query_has_nulls_and_json_body():
    event = events.apigw_rest_event("POST", "/orders", "req-2", T0, body={"id": 1})

    assert event["queryStringParameters"] is None and event["headers"] is None
    assert json.loads(event["body"]) == {"id": 1}


def test_http_api_event_v2():
    event = events.apigw_http_event(
        "GET", "/path", "req-3", T0, headers={"User-Agent": "agent"}, query={"a": ["1", "2"], "b": "x"}, cookies=["c=1"]
    )

    assert event["version"] == "2.0" and event["routeKey"] == "GET /path"
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["headers"] == {"user-agent": "agent"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["timeEpoch"] == 1545082649183
    assert "body" not in event


def test_builders_are_deterministic():
    def build():
        return [
            events.sqs_record("q", "m", "b", T0),
            events.sns_event("t", "m", "x", T0, "s"),
            events.s3_event("b", "k", T0, "r"),
            events.apigw_rest_event("GET", "/", "r", T0),
        ]

    assert json.dumps(build()) == json.dumps(build())


def test_kinesis_record_round_trips_binary_data():
    record = events.kinesis_record("s", 0, events.kinesis_sequence_number(0, 0), "k", b"\x00\xff", T0)

    assert base64.b64decode(record["kinesis"]["data"]) == b"\x00\xff"
