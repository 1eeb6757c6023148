"""The event builders: the shapes Lambda hands a handler, used by the emulator and by the templates."""

import base64
import hashlib
import json

from aws_lambda_powertools.utilities.parser.models import LambdaFunctionUrlModel

from sandbox import event_templates
from sandbox.emulator import events, logs, push, queues
from sandbox.emulator.patterns import passes_filters
from sandbox.emulator.state import new_state

REGION = "us-east-2"
ACCOUNT = "111122223333"


def sqs_record(body: str = "Test message.", receive_count: int = 1, message_attributes=None) -> dict:
    return events.sqs_record(
        queue_arn=events.queue_arn(REGION, ACCOUNT, "my-queue"),
        region=REGION,
        message_id="059f36b4-87a3-44ab-83d2-661975830a7d",
        receive_count=receive_count,
        body=body,
        attributes={"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1545082649183"},
        message_attributes=message_attributes or {},
        md5_of_body="098f6bcd4621d373cade4e832627b4f6",
    )


def test_sqs_record_has_lambdas_keys_in_order_and_names_its_queue():
    record = sqs_record()

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
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-2:111122223333:my-queue"
    assert record["awsRegion"] == REGION


def test_sqs_receipt_handle_changes_with_every_receive():
    assert sqs_record(receive_count=1)["receiptHandle"] != sqs_record(receive_count=2)["receiptHandle"]


def test_sqs_message_attributes_arrive_in_lambdas_lower_camel_case_form():
    record = sqs_record(message_attributes={"kind": {"DataType": "String", "StringValue": "order"}, "plain": 7})

    assert record["messageAttributes"] == {
        "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "plain": {"stringValue": "7", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
    }


def test_sqs_record_feeds_the_event_filter_by_its_json_body():
    record = sqs_record(body=json.dumps({"type": "order"}))

    assert passes_filters([{"body": {"type": ["order"]}}], "sqs", record)
    assert not passes_filters([{"body": {"type": ["refund"]}}], "sqs", record)


def test_sns_event_uses_capitalised_keys_and_a_null_subject_when_absent():
    topic = events.topic_arn(REGION, ACCOUNT, "alerts")
    notification = events.sns_notification(
        message_id="m-1", topic_arn=topic, subject=None, message="hello", now=0.0, attributes={"kind": "test"}
    )

    event = events.sns_event(notification, f"{topic}:sub-1")

    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == "arn:aws:sns:us-east-2:111122223333:alerts:sub-1"
    assert record["Sns"]["Type"] == "Notification"
    assert record["Sns"]["Subject"] is None
    assert record["Sns"]["Timestamp"] == "2026-01-01T00:00:00.000Z"
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "test"}}


def test_s3_event_url_encodes_the_key():
    event = events.s3_event(
        region=REGION,
        now=1.5,
        event_name="ObjectCreated:Put",
        request_id="R",
        host_id="H",
        configuration_id="c",
        bucket="uploads",
        key="reports/a b+c.csv",
        size=10,
        etag="e",
        sequencer="S",
    )

    record = event["Records"][0]
    assert record["s3"]["object"]["key"] == "reports/a+b%2Bc.csv"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert record["eventTime"] == "2026-01-01T00:00:01.500Z"


def test_eventbridge_envelope_has_a_hyphenated_detail_type_and_an_empty_detail_by_default():
    event = events.eventbridge_event(
        event_id="e-1",
        source="shop",
        detail_type="Order placed",
        detail=None,
        now=61.0,
        resources=["arn:aws:s3:::a"],
        region=REGION,
        account=ACCOUNT,
    )

    assert event["detail-type"] == "Order placed"
    assert event["detail"] == {}
    assert event["time"] == "2026-01-01T00:01:01Z"
    assert (event["account"], event["region"], event["resources"]) == (ACCOUNT, REGION, ["arn:aws:s3:::a"])


def test_kinesis_data_arrives_base64_encoded_with_the_arrival_as_epoch_seconds():
    record = events.kinesis_record(
        stream_arn=events.kinesis_stream_arn(REGION, ACCOUNT, "clicks"),
        region=REGION,
        account=ACCOUNT,
        shard_id="shardId-000000000000",
        sequence_number="4900",
        partition_key="user-1",
        data='{"click": "buy"}',
        arrival=2.25,
    )

    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == {"click": "buy"}
    assert record["kinesis"]["approximateArrivalTimestamp"] == logs.EPOCH_START + 2.25
    assert record["eventID"] == "shardId-000000000000:4900"
    assert record["eventSourceARN"] == "arn:aws:kinesis:us-east-2:111122223333:stream/clicks"


def test_to_dynamodb_types_plain_values_and_keeps_typed_ones():
    assert events.to_dynamodb({"id": 7, "name": "x", "ok": True, "none": None, "tags": ["a"]}) == {
        "M": {
            "id": {"N": "7"},
            "name": {"S": "x"},
            "ok": {"BOOL": True},
            "none": {"NULL": True},
            "tags": {"L": [{"S": "a"}]},
        }
    }
    assert events.to_dynamodb({"N": "101"}) == {"N": "101"}


def test_dynamodb_insert_record_has_a_new_image_and_no_old_image():
    record = events.dynamodb_record(
        stream_arn=events.dynamodb_stream_arn(REGION, ACCOUNT, "orders"),
        region=REGION,
        event_name="INSERT",
        keys={"id": {"N": "1"}},
        new_image={"id": {"N": "1"}, "status": {"S": "new"}},
        old_image=None,
        sequence_number="100000000000000000001",
        created=0.0,
    )

    assert record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["NewImage"] == {"id": {"N": "1"}, "status": {"S": "new"}}
    assert "OldImage" not in record["dynamodb"]
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-2:111122223333:table/orders/stream/")


def test_rest_proxy_event_has_null_maps_when_absent_and_json_text_as_body():
    event = events.rest_proxy_event(
        api_id="shop",
        stage="prod",
        account=ACCOUNT,
        request_id="r-1",
        now=0.0,
        method="post",
        path="orders",
        headers=None,
        query=None,
        body={"id": 1},
    )

    assert (event["httpMethod"], event["path"], event["resource"]) == ("POST", "/orders", "/{proxy+}")
    assert event["headers"] is None and event["queryStringParameters"] is None
    assert event["multiValueHeaders"] is None and event["multiValueQueryStringParameters"] is None
    assert event["body"] == '{"id": 1}'
    assert event["requestContext"]["path"] == "/prod/orders"


def test_http_api_event_lowers_header_names_and_leaves_out_empty_query():
    event = events.http_api_event(
        api_id="abc",
        region=REGION,
        account=ACCOUNT,
        request_id="r-1",
        now=0.0,
        method="POST",
        path="/orders",
        headers={"Content-Type": "application/json"},
        body="{}",
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /orders"
    assert event["headers"]["content-type"] == "application/json"
    assert "queryStringParameters" not in event
    assert event["requestContext"]["timeEpoch"] == logs.epoch_ms(0.0)


def test_the_emulator_delivers_sqs_and_sns_records_through_the_builders():
    state = new_state(
        {"functions": {"fn": {"code": "x"}}, "queues": {"jobs": {}}, "topics": {"alerts": {"subscriptions": []}}}
    )
    queues.send(state, "jobs", "hello", 0.0)
    message = state["queues"]["jobs"][0]
    queues.receive(message, 1.0, 30.0)
    push.publish(state, "alerts", "hi", 2.0)

    record = queues.sqs_record(state, "jobs", message)

    assert record == events.sqs_record(
        queue_arn="arn:aws:sqs:us-east-1:123456789012:jobs",
        region="us-east-1",
        message_id=message["message_id"],
        receive_count=1,
        body="hello",
        attributes=message["attributes"],
        message_attributes={},
        md5_of_body=message["md5"],
    )
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


def test_every_template_has_the_shape_the_emulator_delivers():
    templates = {template.slug: template.payload for template in event_templates.all_templates()}
    state = new_state({"functions": {"fn": {"code": "x"}}, "queues": {"jobs": {}}})
    queues.send(state, "jobs", "hello", 0.0)
    message = state["queues"]["jobs"][0]
    queues.receive(message, 1.0, 30.0)
    delivered = queues.sqs_record(state, "jobs", message)

    assert set(templates) == {slug for slug, _title, _build in event_templates.TEMPLATES}
    assert list(templates["sqs"]["Records"][0]) == list(delivered)
    assert list(templates["sqs"]["Records"][0]["attributes"]) == list(delivered["attributes"])
    assert templates["sns"]["Records"][0]["EventSource"] == "aws:sns"
    assert templates["s3"]["Records"][0]["eventSource"] == "aws:s3"
    assert templates["kinesis"]["Records"][0]["eventSource"] == "aws:kinesis"
    assert templates["dynamodb"]["Records"][0]["eventSource"] == "aws:dynamodb"
    assert templates["eventbridge"]["detail-type"] == "Order placed"
    assert templates["api-gateway-v1"]["requestContext"]["stage"] == "prod"
    assert templates["api-gateway-v2"]["version"] == "2.0"
    assert templates["function-url"]["routeKey"] == "$default"
    assert LambdaFunctionUrlModel.model_validate(templates["function-url"]).cookies == ["session=abc"]


def test_sqs_message_attributes_in_both_forms_reach_the_handler_as_aws_delivers_them():
    record = sqs_record(
        message_attributes={
            "kind": {"type": "String", "value": "order"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "blob": {"type": "Binary", "value": "hi"},
            "plain": 7,
        }
    )

    assert record["messageAttributes"] == {
        "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "count": {"stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
        "blob": {"binaryValue": "aGk=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
        "plain": {"stringValue": "7", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
    }


def test_sqs_record_with_attributes_carries_their_md5_after_the_attributes_and_without_none():
    with_attributes = sqs_record(message_attributes={"City": {"DataType": "String", "StringValue": "Any City"}})

    keys = list(with_attributes)
    assert keys.index("md5OfMessageAttributes") == keys.index("messageAttributes") + 1
    assert (
        with_attributes["md5OfMessageAttributes"]
        == hashlib.md5(
            b"\x00\x00\x00\x04City\x00\x00\x00\x06String\x01\x00\x00\x00\x08Any City", usedforsecurity=False
        ).hexdigest()
    )
    assert "md5OfMessageAttributes" not in sqs_record(message_attributes={})
