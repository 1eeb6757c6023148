"""Test-event templates for the events page: the payload shapes Lambda hands a handler, per source.

When helper B's ``sandbox.emulator.events`` module offers a builder for a source, its output is used, so the
templates match what the emulator itself delivers; otherwise a hand-written example of the same shape is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class EventTemplate:
    slug: str
    title: str
    payload: dict

    @property
    def text(self) -> str:
        return json.dumps(self.payload, indent=2)


def _api_v1() -> dict:
    return {
        "resource": "/orders/{id}",
        "path": "/orders/42",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": {"verbose": "1"},
        "multiValueQueryStringParameters": {"verbose": ["1"]},
        "pathParameters": {"id": "42"},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/orders/{id}",
            "httpMethod": "GET",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "accountId": ACCOUNT,
            "identity": {"sourceIp": "198.51.100.7"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def _api_v2() -> dict:
    return {
        "version": "2.0",
        "routeKey": "POST /orders",
        "rawPath": "/orders",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": "POST",
                "path": "/orders",
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "POST /orders",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1767225600000,
        },
        "body": '{"order_id": 42}',
        "isBase64Encoded": False,
    }


def _sqs() -> dict:
    return {
        "Records": [
            {
                "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "body": '{"order_id": 42}',
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1767225600000",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1767225600001",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",
                "awsRegion": REGION,
            }
        ]
    }


def _sns() -> dict:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
                    "Subject": None,
                    "Message": "hello",
                    "Timestamp": "2026-01-01T00:00:00.000Z",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def _s3() -> dict:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": "2026-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "notify-lambda",
                    "bucket": {"name": "uploads", "arn": "arn:aws:s3:::uploads"},
                    "object": {"key": "reports/2026-01.csv", "size": 1024, "eTag": "0123456789abcdef0123456789abcdef"},
                },
            }
        ]
    }


def _eventbridge() -> dict:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order placed",
        "source": "shop",
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"order_id": 42, "total": 250},
    }


def _kinesis() -> dict:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "user-1",
                    "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                    "data": "eyJjbGljayI6ICJidXkifQ==",
                    "approximateArrivalTimestamp": 1767225600.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
                "eventName": "aws:kinesis:record",
                "awsRegion": REGION,
                "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks",
            }
        ]
    }


def _dynamodb() -> dict:
    return {
        "Records": [
            {
                "eventID": "c4ca4238a0b923820dcc509a6f75849b",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "Keys": {"id": {"N": "42"}},
                    "NewImage": {"id": {"N": "42"}, "status": {"S": "new"}},
                    "SequenceNumber": "111",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/stream/2026-01-01T00:00:00.000",
            }
        ]
    }


TEMPLATES = (
    ("custom", "Custom JSON", lambda: {"order_id": 42}),
    ("api-gateway-v1", "API Gateway REST API (payload 1.0)", _api_v1),
    ("api-gateway-v2", "API Gateway HTTP API (payload 2.0)", _api_v2),
    ("sqs", "SQS message batch", _sqs),
    ("sns", "SNS notification", _sns),
    ("s3", "S3 object created", _s3),
    ("eventbridge", "EventBridge event", _eventbridge),
    ("kinesis", "Kinesis records", _kinesis),
    ("dynamodb", "DynamoDB Streams records", _dynamodb),
)


def _from_events_module(slug: str) -> dict | None:
    """B's builder for this source, when that module exists and has one."""
    try:
        from sandbox.emulator import events  # noqa: PLC0415 - optional, written by another helper
    except ImportError:
        return None
    builder = getattr(events, "template", None)
    if not callable(builder):
        return None
    try:
        payload = builder(slug)
    except (KeyError, ValueError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None


def all_templates() -> tuple[EventTemplate, ...]:
    return tuple(EventTemplate(slug, title, _from_events_module(slug) or build()) for slug, title, build in TEMPLATES)


def find_template(slug: str) -> EventTemplate | None:
    return next((template for template in all_templates() if template.slug == slug), None)
