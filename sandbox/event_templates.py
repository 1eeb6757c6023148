"""Test-event templates for the events page: the payload shapes Lambda hands a handler, per source.

Each template is built by the emulator's own event builders (``sandbox.emulator.events``) with example
values, so a template has exactly the shape the emulator delivers for that source.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sandbox.emulator import events

REGION = "us-east-1"
ACCOUNT = "123456789012"
ORDER = '{"order_id": 42}'


@dataclass(frozen=True)
class EventTemplate:
    slug: str
    title: str
    payload: dict

    @property
    def text(self) -> str:
        return json.dumps(self.payload, indent=2)


def _api_v1() -> dict:
    return events.rest_proxy_event(
        api_id="abc123",
        stage="prod",
        account=ACCOUNT,
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        now=0.0,
        method="GET",
        path="/orders/42",
        headers={"Accept": "application/json"},
        query={"verbose": "1"},
        body=None,
    )


def _api_v2() -> dict:
    return events.http_api_event(
        api_id="abc123",
        region=REGION,
        account=ACCOUNT,
        request_id="JKJaXmPLvHcESHA=",
        now=0.0,
        method="POST",
        path="/orders",
        headers={"content-type": "application/json"},
        body=ORDER,
    )


def _function_url() -> dict:
    return events.function_url_event(
        url_id="a7k2mq4zt6c3xw9bh5rn8pd2fyjv6e4s",
        region=REGION,
        account=ACCOUNT,
        request_id="9d1c3f7e-5a2b-4c8d-9e0f-1a2b3c4d5e6f",
        now=0.0,
        method="POST",
        path="/orders",
        query="source=web",
        headers={"content-type": "application/json", "user-agent": "curl/8.5.0", "cookie": "session=abc"},
        body=ORDER,
    )


def _sqs() -> dict:
    record = events.sqs_record(
        queue_arn=events.queue_arn(REGION, ACCOUNT, "jobs"),
        region=REGION,
        message_id="059f36b4-87a3-44ab-83d2-661975830a7d",
        receive_count=1,
        body=ORDER,
        attributes={
            "SenderId": "AIDAEXAMPRPEMULATOR01",
            "SentTimestamp": "1767225600000",
            "ApproximateReceiveCount": "1",
            "ApproximateFirstReceiveTimestamp": "1767225600001",
        },
        message_attributes={},
        md5_of_body=hashlib.md5(ORDER.encode()).hexdigest(),
    )
    return events.batch([record])


def _sns() -> dict:
    topic = events.topic_arn(REGION, ACCOUNT, "alerts")
    notification = events.sns_notification(
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        topic_arn=topic,
        subject=None,
        message="hello",
        now=0.0,
        attributes={},
    )
    return events.sns_event(notification, f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55")


def _s3() -> dict:
    return events.s3_event(
        region=REGION,
        now=0.0,
        event_name="ObjectCreated:Put",
        request_id="C3D13FE58DE4C810",
        host_id="FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        configuration_id="notify-lambda",
        bucket="uploads",
        key="reports/2026-01.csv",
        size=1024,
        etag="0123456789abcdef0123456789abcdef",
        sequencer="0055AED6DCD90281E5",
    )


def _eventbridge() -> dict:
    return events.eventbridge_event(
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        source="shop",
        detail_type="Order placed",
        detail={"order_id": 42, "total": 250},
        now=0.0,
        resources=[],
        region=REGION,
        account=ACCOUNT,
    )


def _kinesis() -> dict:
    record = events.kinesis_record(
        stream_arn=events.kinesis_stream_arn(REGION, ACCOUNT, "clicks"),
        region=REGION,
        account=ACCOUNT,
        shard_id="shardId-000000000000",
        sequence_number="49590338271490256608559692538361571095921575989136588898",
        partition_key="user-1",
        data='{"click": "buy"}',
        arrival=0.0,
    )
    return events.batch([record])


def _dynamodb() -> dict:
    record = events.dynamodb_record(
        stream_arn=events.dynamodb_stream_arn(REGION, ACCOUNT, "orders"),
        region=REGION,
        event_name="INSERT",
        keys={"id": events.to_dynamodb(42)},
        new_image={"id": events.to_dynamodb(42), "status": events.to_dynamodb("new")},
        old_image=None,
        sequence_number="100000000000000000111",
        created=0.0,
    )
    return events.batch([record])


TEMPLATES = (
    ("custom", "Custom JSON", lambda: {"order_id": 42}),
    ("api-gateway-v1", "API Gateway REST API (payload 1.0)", _api_v1),
    ("api-gateway-v2", "API Gateway HTTP API (payload 2.0)", _api_v2),
    ("function-url", "Function URL request (payload 2.0)", _function_url),
    ("sqs", "SQS message batch", _sqs),
    ("sns", "SNS notification", _sns),
    ("s3", "S3 object created", _s3),
    ("eventbridge", "EventBridge event", _eventbridge),
    ("kinesis", "Kinesis records", _kinesis),
    ("dynamodb", "DynamoDB Streams records", _dynamodb),
)


def all_templates() -> tuple[EventTemplate, ...]:
    return tuple(EventTemplate(slug, title, build()) for slug, title, build in TEMPLATES)


def find_template(slug: str) -> EventTemplate | None:
    return next((template for template in all_templates() if template.slug == slug), None)
