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
from sandbox.tests.test_aws_endpoint_cli import ok, run_cli

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


def test_a_message_sent_from_outside_is_delivered_by_the_mapping_as_a_run_on_the_workspace_page(
    live_server, celery_worker
):
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
    shown = owner.get(run.get_absolute_url()).content.decode()
    assert "handled order 7" in shown and "developer (from outside): AWS call sqs SendMessage answered" in shown
    steps = shown.split('<ol class="step-list">', 1)[1]
    assert steps.index("developer (from outside): AWS call") < steps.index("worker: sqs attempt 1")  # the cause first


def test_sqs_receive_change_visibility_delete_and_attributes_keep_the_queue_between_calls(live_server, celery_worker):
    workspace = make_workspace(world={"functions": {"worker": {"code": WORKER}}, "queues": {"inbox": {}}})
    sqs = client(live_server, workspace, "sqs")
    url = sqs.get_queue_url(QueueName="inbox")["QueueUrl"]

    batch = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "first"}, {"Id": "b", "MessageBody": "second"}]
    )
    assert sorted(entry["Id"] for entry in batch["Successful"]) == ["a", "b"]
    counted = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert counted["Attributes"]["ApproximateNumberOfMessages"] == "2"

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in received) == ["first", "second"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"], VisibilityTimeout=0)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"])
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in again] == [received[0]["Body"]]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "x", "ReceiptHandle": again[0]["ReceiptHandle"]}])
    assert [entry["Id"] for entry in deleted["Successful"]] == ["x"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)

    with pytest.raises(ClientError) as missing:
        sqs.get_queue_url(QueueName="nowhere")
    assert missing.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert missing.value.response["Error"]["Message"] == "The specified queue does not exist."
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sns_publish_eventbridge_put_events_and_sts_from_outside(live_server, celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"worker": {"code": WORKER}},
            "topics": {"alerts": {"subscriptions": ["function:worker"]}},
            "buses": {
                "default": {"rules": [{"name": "r", "pattern": {"source": ["shop"]}, "targets": ["function:worker"]}]}
            },
        }
    )
    sns = client(live_server, workspace, "sns")
    events = client(live_server, workspace, "events")
    sts = client(live_server, workspace, "sts")

    published = sns.publish(TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts", Message="low stock")
    batch = sns.publish_batch(
        TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts",
        PublishBatchRequestEntries=[{"Id": "1", "Message": "one"}, {"Id": "2", "Message": "two"}],
    )
    put = events.put_events(Entries=[{"Source": "shop", "DetailType": "placed", "Detail": json.dumps({"n": 1})}])
    me = sts.get_caller_identity()

    assert published["MessageId"]
    assert sorted(entry["Id"] for entry in batch["Successful"]) == ["1", "2"]
    assert put["FailedEntryCount"] == 0 and put["Entries"][0]["EventId"]
    assert (me["Account"], me["Arn"]) == (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/developer")
    assert me["UserId"].startswith("AIDA")
    assert len(attempts_of(workspace, "worker")) == 4  # one publish, a batch of two, one event
    with pytest.raises(ClientError) as missing:
        sns.publish(TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:nowhere", Message="x")
    assert missing.value.response["Error"]["Code"] == "NotFound"


def test_s3_objects_from_outside_and_a_notification_becomes_an_invocation(live_server, celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"worker": {"code": WORKER}},
            "buckets": {"photos": {"notifications": [{"events": ["s3:ObjectCreated:*"], "target": "function:worker"}]}},
        }
    )
    s3 = client(live_server, workspace, "s3")

    s3.put_object(Bucket="photos", Key="cats/a.jpg", Body=b"\x89PNG meow")
    head = s3.head_object(Bucket="photos", Key="cats/a.jpg")
    body = s3.get_object(Bucket="photos", Key="cats/a.jpg")["Body"].read()
    listed = s3.list_objects_v2(Bucket="photos", Prefix="cats/")

    assert body == b"\x89PNG meow" and head["ContentLength"] == len(body)
    assert [item["Key"] for item in listed["Contents"]] == ["cats/a.jpg"]
    assert len(attempts_of(workspace, "worker")) == 1
    s3.delete_object(Bucket="photos", Key="cats/a.jpg")
    assert s3.list_objects_v2(Bucket="photos").get("KeyCount") == 0
    with pytest.raises(ClientError) as no_key:
        s3.get_object(Bucket="photos", Key="cats/a.jpg")
    assert (no_key.value.response["Error"]["Code"], no_key.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "NoSuchKey",
        404,
    )
    with pytest.raises(ClientError) as no_bucket:
        s3.put_object(Bucket="nowhere", Key="a", Body=b"x")
    assert no_bucket.value.response["Error"]["Code"] == "NoSuchBucket"


def test_dynamodb_items_from_outside_and_a_stream_mapping_becomes_an_invocation(live_server, celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"worker": {"code": WORKER}},
            "tables": {"carts": {"partition_key": "user", "sort_key": "item", "stream": "NEW_IMAGE"}},
            "event_source_mappings": [
                {"function": "worker", "source": "table:carts", "starting_position": "TRIM_HORIZON"}
            ],
        }
    )
    ddb = client(live_server, workspace, "dynamodb")

    ddb.put_item(TableName="carts", Item={"user": {"S": "ann"}, "item": {"S": "tea"}, "n": {"N": "1"}})
    ddb.update_item(
        TableName="carts",
        Key={"user": {"S": "ann"}, "item": {"S": "tea"}},
        UpdateExpression="SET n = n + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    got = ddb.get_item(TableName="carts", Key={"user": {"S": "ann"}, "item": {"S": "tea"}})
    queried = ddb.query(
        TableName="carts",
        KeyConditionExpression="#u = :u",
        ExpressionAttributeNames={"#u": "user"},
        ExpressionAttributeValues={":u": {"S": "ann"}},
    )
    ddb.delete_item(TableName="carts", Key={"user": {"S": "ann"}, "item": {"S": "tea"}})

    assert got["Item"]["n"] == {"N": "2"}
    assert queried["Count"] == 1
    assert "Item" not in ddb.get_item(TableName="carts", Key={"user": {"S": "ann"}, "item": {"S": "tea"}})
    assert len(attempts_of(workspace, "worker")) == 3  # INSERT, MODIFY and REMOVE, each in its call's run
    with pytest.raises(ClientError) as missing:
        ddb.get_item(TableName="nowhere", Key={"user": {"S": "ann"}})
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_operation_the_endpoint_does_not_answer_is_refused_by_name(live_server):
    workspace = make_workspace()
    sqs = client(live_server, workspace, "sqs")

    with pytest.raises(ClientError) as refused:
        sqs.create_queue(QueueName="new")

    assert "not CreateQueue" in refused.value.response["Error"]["Message"]
    assert not Run.objects.filter(workspace=workspace).exists()


def test_the_aws_cli_sends_a_message_and_copies_a_file_to_a_bucket(live_server, celery_worker, tmp_path):
    workspace = make_workspace(
        world={"functions": {"worker": {"code": WORKER}}, "queues": {"inbox": {}}, "buckets": {"photos": {}}}
    )
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/inbox"
    (tmp_path / "note.txt").write_text("hello from the CLI")

    sent = ok(
        run_cli(live_server, workspace, tmp_path, "sqs", "send-message", "--queue-url", url, "--message-body", "hi")
    )
    received = ok(run_cli(live_server, workspace, tmp_path, "sqs", "receive-message", "--queue-url", url))
    ok(
        run_cli(
            live_server,
            workspace,
            tmp_path,
            "s3api",
            "put-object",
            "--bucket",
            "photos",
            "--key",
            "note.txt",
            "--body",
            str(tmp_path / "note.txt"),
        )
    )
    fetched = run_cli(
        live_server,
        workspace,
        tmp_path,
        "s3api",
        "get-object",
        "--bucket",
        "photos",
        "--key",
        "note.txt",
        str(tmp_path / "back.txt"),
    )
    missing = run_cli(live_server, workspace, tmp_path, "s3api", "head-object", "--bucket", "photos", "--key", "gone")

    assert [m["Body"] for m in received["Messages"]] == ["hi"]
    assert received["Messages"][0]["MessageId"] == sent["MessageId"]
    assert ok(fetched)["ContentLength"] == len("hello from the CLI")
    assert (tmp_path / "back.txt").read_text() == "hello from the CLI"
    assert missing.returncode != 0 and "404" in missing.stderr


def test_the_developers_identity_policy_decides_when_the_world_declares_the_user(live_server, celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"worker": {"code": WORKER}},
            "queues": {"inbox": {}},
            "users": {"developer": {"actions": ["sqs:GetQueueUrl"]}},
        }
    )
    sqs = client(live_server, workspace, "sqs")
    url = sqs.get_queue_url(QueueName="inbox")["QueueUrl"]

    with pytest.raises(ClientError) as refused:
        sqs.send_message(QueueUrl=url, MessageBody="hi")

    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDenied" and refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Message"].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/developer is not authorized to perform: sqs:sendmessage on resource: "
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:inbox"
    )
    workspace.refresh_from_db()
    assert not workspace.state["queues"].get("inbox")  # nothing was sent
