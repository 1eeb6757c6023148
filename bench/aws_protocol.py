"""AWS protocol layer cost, printed as one JSON object.

<service>_layer_ms: the mean time to read one request from its bytes, check its SigV4 signature, parse it into a
    call and write the answer's bytes, over 2,000 repetitions of a request a real boto3 client sent (SQS
    SendMessage, SNS Publish, Lambda Invoke, S3 PutObject, DynamoDB PutItem).
boto3_sqs_p50_ms / boto3_sqs_calls_per_s: a boto3 SendMessage through a local server using the layer (1,000
    calls on one connection), the round trip a handler's SDK call pays before the emulated world answers.

Usage: .venv/bin/python bench/aws_protocol.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import boto3  # noqa: E402

from sandbox.aws import parse_request, read_request, serialize_result, write_response  # noqa: E402
from sandbox.aws.signing import verify  # noqa: E402
from sandbox.tests.aws_endpoint import CannedWorld, Endpoint  # noqa: E402

KEYS = {"AKIABENCH00000000001": "bench-secret"}
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
CALLS = {
    "sqs": ("SendMessage", lambda c: c.send_message(QueueUrl=QUEUE, MessageBody="order 7"), {"MessageId": "m"}),
    "sns": (
        "Publish",
        lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:alerts", Message="m"),
        {"MessageId": "m"},
    ),
    "lambda": (
        "Invoke",
        lambda c: c.invoke(FunctionName="orders", Payload=b'{"id": 7}'),
        {"StatusCode": 200, "Payload": b"{}"},
    ),
    "s3": ("PutObject", lambda c: c.put_object(Bucket="photos", Key="a.jpg", Body=b"x" * 1024), {"ETag": '"e"'}),
    "dynamodb": ("PutItem", lambda c: c.put_item(TableName="orders", Item={"id": {"S": "7"}}), {}),
}


def client(service: str, url: str):
    key, secret = next(iter(KEYS.items()))
    return boto3.client(
        service, region_name="us-east-1", endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret
    )


def main() -> None:
    figures = {}
    world = CannedWorld(secret_for=KEYS.get)
    with Endpoint(world) as endpoint:
        for service, (operation, call, result) in CALLS.items():
            world.reply(service, operation, result)
            call(client(service, endpoint.url))
            raw = endpoint.raw_requests[-1]
            repetitions = 2000
            started = time.perf_counter()
            for _ in range(repetitions):
                request = read_request(raw)
                verify(request, KEYS.get, datetime.now(UTC))
                parse_request(request)
                write_response(serialize_result(service, operation, result, "request-id"))
            figures[f"{service}_layer_ms"] = round((time.perf_counter() - started) / repetitions * 1000, 3)
        sqs = client("sqs", endpoint.url)
        for _ in range(50):
            CALLS["sqs"][1](sqs)
        times = []
        for _ in range(1000):
            started = time.perf_counter()
            CALLS["sqs"][1](sqs)
            times.append(time.perf_counter() - started)
        figures["boto3_sqs_p50_ms"] = round(statistics.median(times) * 1000, 3)
        figures["boto3_sqs_calls_per_s"] = round(len(times) / sum(times))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
