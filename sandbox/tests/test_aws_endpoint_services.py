"""SQS, SNS, EventBridge, S3, DynamoDB and STS from outside through a workspace's AWS endpoint, with real boto3
against the live server and a real Celery worker: each call is an ``aws_call`` run made as the world's user
``developer``, its effects stay in the workspace's state, and what it sets off runs like any other run."""

from __future__ import annotations

import hashlib
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import Client
from django.urls import reverse

from sandbox.models import Run, Workspace
from sandbox.tests.support import make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

WORKER = """\
def lambda_handler(event, context):
    for record in event.get("Records", []):
        print("handled", record.get("body") or record.get("Sns", {}).get("Message") or record.get("s3", {}))
    if "detail" in event:
        print("handled", event["detail"])
    return {"ok": True}
"""
ACCOUNT = "123456789012"


def client(live_server, workspace: Workspace, service: str):
    key_id, secret = workspace.access_keys()
    return boto3.client(
        service,
        endpoint_url=live_server.url + reverse("sandbox:aws-endpoint", args=[workspace.pk]),
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def attempts_of(workspace: Workspace, function: str) -> list[dict]:
    return [
        attempt
        for run in Run.objects.filter(workspace=workspace, kind="aws_call")
        for attempt in (run.trace or {}).get("attempts", [])
        if attempt["function"] == function
    ]


def test_a_message_sent_from_outside_is_delivered_by_the_mapping_as_a_run_on_the_workspace_page(live_server, celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"worker": {"code": WORKER}},
            "queues": {"orders": {}},
            "event_source_mappings": [{"function": "worker", "source": "queue:orders"}],
        }
    )
    sqs = client(live_server, workspace, "sqs")

    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="order 7")

    assert url.endswith("/orders")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"order 7").hexdigest()
    run = Run.objects.filter(workspace=workspace, kind="aws_call").order_by("-created_at").first()
    assert run is not None and run.status == Run.DONE
    handled = [a for a in run.trace["attempts"] if a["function"] == "worker"]
    assert [a["outcome"] for a in handled] == ["success"]
    call = run.trace["sdk_calls"][0]
    assert (call["service"], call["operation"], call["user"], call["outcome"]) == (
        "sqs",
        "SendMessage",
        "developer",
        "ok",
    )
    owner = Client()
    owner.force_login(workspace.owner)
    page = owner.get(reverse("sandbox:workspace-detail", args=[workspace.pk])).content.decode()
    assert run.get_absolute_url() in page and "AWS call" in page
    assert "handled order 7" in owner.get(run.get_absolute_url()).content.decode()
