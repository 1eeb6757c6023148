"""Real boto3 inside real handlers against the emulated world: whole scenarios through the isolation daemon and
the local executor. Every operation the world answers, the role and network outcomes, the S3 loop, a synchronous
invoke chain and a table's stream."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sandbox.emulator.loader import load
from sandbox.emulator.simulation import check, simulate


def code(source: str) -> str:
    return textwrap.dedent(source).lstrip()


def response_of(trace: dict, function: str) -> dict:
    (attempt,) = [a for a in trace["attempts"] if a["function"] == function and a["trigger"] != "sdk"][:1]
    assert attempt["outcome"] == "success", (attempt["error_type"], attempt["error_message"], attempt["logs"][-12:])
    return attempt["response"]


QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"

SQS_HANDLER = code(
    """
    import boto3

    sqs = boto3.client("sqs")

    def lambda_handler(event, context):
        url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
        one = sqs.send_message(QueueUrl=url, MessageBody="first",
                               MessageAttributes={"kind": {"DataType": "String", "StringValue": "gift"}})
        batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "second"},
                                                              {"Id": "b", "MessageBody": "third"}])
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
        first = [m for m in got if m["Body"] == "first"][0]
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
        again = sqs.receive_message(QueueUrl=url)["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
        rest = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got) if m["Body"] != "first"]
        deleted = sqs.delete_message_batch(QueueUrl=url, Entries=rest)
        left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return {
            "url": url, "id": one["MessageId"], "batch": [e["Id"] for e in batch["Successful"]],
            "visible": attributes["ApproximateNumberOfMessages"], "received": sorted(m["Body"] for m in got),
            "kind": first["MessageAttributes"]["kind"]["StringValue"], "again": again["Body"],
            "deleted": len(deleted["Successful"]), "left": left["ApproximateNumberOfMessages"],
        }
    """
)

PUSH_HANDLER = code(
    """
    import json
    import boto3

    sns = boto3.client("sns")
    events = boto3.client("events")

    def lambda_handler(event, context):
        topic = "arn:aws:sns:us-east-1:123456789012:alerts"
        one = sns.publish(TopicArn=topic, Message="disk full", Subject="ops")
        many = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "x", "Message": "cpu high"}])
        put = events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": 7})}])
        return {"sns": bool(one["MessageId"]), "batch": [e["Id"] for e in many["Successful"]],
                "failed": put["FailedEntryCount"], "event": bool(put["Entries"][0]["EventId"])}
    """
)

S3_HANDLER = code(
    """
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3")

    def lambda_handler(event, context):
        put = s3.put_object(Bucket="photos", Key="in/a.txt", Body=b"hello")
        s3.put_object(Bucket="photos", Key="in/b.txt", Body=b"bye")
        got = s3.get_object(Bucket="photos", Key="in/a.txt")
        head = s3.head_object(Bucket="photos", Key="in/b.txt")
        listed = s3.list_objects_v2(Bucket="photos", Prefix="in/")
        s3.delete_object(Bucket="photos", Key="in/a.txt")
        try:
            s3.get_object(Bucket="photos", Key="in/a.txt")
            missing = None
        except ClientError as error:
            missing = error.response["Error"]["Code"]
        return {"etag": put["ETag"] == got["ETag"], "body": got["Body"].read().decode(), "size": head["ContentLength"],
                "keys": [o["Key"] for o in listed["Contents"]], "missing": missing}
    """
)

TABLE_HANDLER = code(
    """
    import boto3
    from botocore.exceptions import ClientError

    ddb = boto3.client("dynamodb")

    def lambda_handler(event, context):
        ddb.put_item(TableName="carts", Item={"user": {"S": "ana"}, "item": {"S": "a"}, "qty": {"N": "1"}})
        ddb.put_item(TableName="carts", Item={"user": {"S": "ana"}, "item": {"S": "b"}, "qty": {"N": "5"}})
        updated = ddb.update_item(TableName="carts", Key={"user": {"S": "ana"}, "item": {"S": "a"}},
                                  UpdateExpression="SET qty = qty + :one", ExpressionAttributeValues={":one": {"N": "1"}},
                                  ReturnValues="ALL_NEW")
        got = ddb.get_item(TableName="carts", Key={"user": {"S": "ana"}, "item": {"S": "a"}})["Item"]
        found = ddb.query(TableName="carts", KeyConditionExpression="#u = :u",
                          ExpressionAttributeNames={"#u": "user"}, ExpressionAttributeValues={":u": {"S": "ana"}})
        ddb.delete_item(TableName="carts", Key={"user": {"S": "ana"}, "item": {"S": "b"}})
        try:
            ddb.put_item(TableName="carts", Item={"user": {"S": "ana"}, "item": {"S": "a"}},
                         ConditionExpression="attribute_not_exists(#u)", ExpressionAttributeNames={"#u": "user"})
            conflict = None
        except ClientError as error:
            conflict = error.response["Error"]["Code"]
        return {"qty": updated["Attributes"]["qty"]["N"], "got": got["qty"]["N"], "count": found["Count"],
                "conflict": conflict}
    """
)

CALLER_HANDLER = code(
    """
    import json
    import boto3

    lam = boto3.client("lambda")
    sts = boto3.client("sts")

    def lambda_handler(event, context):
        sync = lam.invoke(FunctionName="pricing", Payload=json.dumps({"sku": 3}))
        later = lam.invoke(FunctionName="pricing", InvocationType="Event", Payload=b"{}")
        dry = lam.invoke(FunctionName="pricing", InvocationType="DryRun")
        return {"status": sync["StatusCode"], "price": json.loads(sync["Payload"].read()),
                "version": sync["ExecutedVersion"], "event": later["StatusCode"], "dry": dry["StatusCode"],
                "me": sts.get_caller_identity()["Arn"]}
    """
)


def test_every_operation_answers_real_boto3(executor):
    scenario = {
        "functions": {
            "queues": {"code": SQS_HANDLER, "timeout_s": 10},
            "push": {"code": PUSH_HANDLER, "timeout_s": 10},
            "objects": {"code": S3_HANDLER, "timeout_s": 10},
            "tables": {"code": TABLE_HANDLER, "timeout_s": 10},
            "caller": {"code": CALLER_HANDLER, "timeout_s": 10},
            "pricing": {
                "code": "def lambda_handler(event, context):\n    return {'price': event.get('sku', 0) * 10}\n"
            },
        },
        "queues": {"orders": {}, "pages": {}, "placed": {}},
        "topics": {"alerts": {"subscriptions": ["queue:pages"]}},
        "buses": {"default": {"rules": [{"name": "r", "pattern": {"source": ["shop"]}, "targets": ["queue:placed"]}]}},
        "buckets": {"photos": {}},
        "tables": {"carts": {"partition_key": "user", "sort_key": "item"}},
        "steps": [
            {"at_s": 0, "invoke": {"function": name}} for name in ("queues", "push", "objects", "tables", "caller")
        ],
    }

    trace = simulate(scenario, executor, seed=5)

    assert response_of(trace, "queues") == {
        "url": QUEUE,
        "id": response_of(trace, "queues")["id"],
        "batch": ["a", "b"],
        "visible": "3",
        "received": ["first", "second", "third"],
        "kind": "gift",
        "again": "first",
        "deleted": 2,
        "left": "0",
    }
    assert response_of(trace, "push") == {"sns": True, "batch": ["x"], "failed": 0, "event": True}
    assert len(trace["queues"]["pages"]) == 2 and len(trace["queues"]["placed"]) == 1
    assert response_of(trace, "objects") == {
        "etag": True,
        "body": "hello",
        "size": 3,
        "keys": ["in/a.txt", "in/b.txt"],
        "missing": "NoSuchKey",
    }
    assert response_of(trace, "tables") == {
        "qty": "2",
        "got": "2",
        "count": 2,
        "conflict": "ConditionalCheckFailedException",
    }
    assert response_of(trace, "caller") == {
        "status": 200,
        "price": {"price": 30},
        "version": "$LATEST",
        "event": 202,
        "dry": 204,
        "me": "arn:aws:sts::123456789012:assumed-role/caller-role/caller",
    }
    operations = {(c["service"], c["operation"]) for c in trace["sdk_calls"] if c["outcome"] == "ok"}
    assert operations >= {
        ("sqs", op)
        for op in (
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
            "GetQueueUrl",
            "GetQueueAttributes",
        )
    } | {
        ("sns", "Publish"),
        ("sns", "PublishBatch"),
        ("events", "PutEvents"),
        ("sts", "GetCallerIdentity"),
        ("lambda", "Invoke"),
    } | {("s3", op) for op in ("PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjectsV2")} | {
        ("dynamodb", op) for op in ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query")
    }
    assert sorted(a["trigger"] for a in trace["attempts"] if a["function"] == "pricing") == ["async", "sdk"]


SEND_ORDER = code(
    f"""
    import boto3
    from botocore.exceptions import ClientError

    sqs = boto3.client("sqs")

    def lambda_handler(event, context):
        try:
            return {{"sent": sqs.send_message(QueueUrl="{QUEUE}", MessageBody="order")["MessageId"]}}
        except ClientError as error:
            return {{"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"],
                     "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}}
    """
)


def test_a_role_without_the_action_gets_access_denied(executor):
    trace = simulate(
        {
            "functions": {
                "order": {
                    "code": SEND_ORDER,
                    "timeout_s": 10,
                    "role": {"name": "order-role", "policies": ["AWSLambdaBasicExecutionRole"]},
                }
            },
            "queues": {"orders": {}},
            "steps": [{"invoke": {"function": "order"}}],
        },
        executor,
    )

    assert response_of(trace, "order") == {
        "code": "AccessDenied",
        "status": 403,
        "message": "User: arn:aws:sts::123456789012:assumed-role/order-role/order is not authorized to perform: "
        "sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:orders because no identity-based policy "
        "allows the sqs:sendmessage action",
    }
    assert trace["queues"]["orders"] == []


def _vpc(endpoints: dict) -> dict:
    return {
        "functions": {
            "order": {
                "code": SEND_ORDER,
                "timeout_s": 5,
                "vpc": {"subnets": ["private-a"], "security_groups": ["sg-fn"]},
                "role": {"policies": ["AWSLambdaVPCAccessExecutionRole"], "actions": ["sqs:SendMessage"]},
            }
        },
        "queues": {"orders": {}},
        "network": {
            "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
            "route_tables": {"private": {"vpc": "main", "routes": {}}},
            "subnets": {"private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private"}},
            "security_groups": {
                "sg-fn": {"vpc": "main", "egress": [{"protocol": "tcp", "ports": "all", "to": "0.0.0.0/0"}]},
                "sg-endpoint": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": "443", "from": "sg-fn"}]},
            },
            "endpoints": endpoints,
        },
        "steps": [{"invoke": {"function": "order"}}],
    }


def test_a_vpc_function_times_out_calling_sqs_until_an_interface_endpoint_exists(executor):
    blocked = simulate(_vpc({}), executor)
    endpoint = {
        "sqs": {
            "type": "interface",
            "service": "sqs",
            "vpc": "main",
            "subnets": ["private-a"],
            "security_groups": ["sg-endpoint"],
        }
    }
    reached = simulate(_vpc(endpoint), executor)

    (attempt,) = blocked["attempts"]
    assert attempt["outcome"] == "timeout" and attempt["error_type"] == "Sandbox.Timedout"
    assert {c["host"] for c in blocked["connections"]} == {"sqs.us-east-1.amazonaws.com"}
    assert {c["outcome"] for c in blocked["connections"]} == {"timeout"}
    assert blocked["sdk_calls"] == [] and blocked["queues"]["orders"] == []
    assert "sent" in response_of(reached, "order")
    assert reached["connections"][0]["outcome"] == "connected"
    assert "interface endpoint sqs" in reached["connections"][0]["reason"]


S3_WRITE_BACK = code(
    """
    import boto3

    s3 = boto3.client("s3")

    def lambda_handler(event, context):
        key = event["Records"][0]["s3"]["object"]["key"]
        s3.put_object(Bucket="photos", Key="copy-" + key, Body=b"thumbnail")
        return {"wrote": "copy-" + key}
    """
)


def test_an_s3_write_back_loop_is_stopped_by_recursive_loop_detection(executor):
    trace = simulate(
        {
            "functions": {"resize": {"code": S3_WRITE_BACK, "timeout_s": 10}},
            "buckets": {"photos": {"notifications": [{"events": ["s3:ObjectCreated:*"], "target": "function:resize"}]}},
            "steps": [{"put_object": {"bucket": "photos", "key": "a.jpg"}}],
        },
        executor,
    )

    runs = [a for a in trace["attempts"] if a["function"] == "resize"]
    assert len(runs) == 16 and all(a["outcome"] == "success" for a in runs)
    assert trace["metrics"]["resize"]["recursive_invocations_dropped"] == 1
    assert [d["reason"] for d in trace["dropped"]] == ["RecursiveInvocationDropped"]
    assert len(trace["buckets"]["photos"]) == 17  # the first upload and sixteen copies


SYNC_CALLER = code(
    """
    import json
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    lam = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))  # no retries: one throttle each

    def lambda_handler(event, context):
        try:
            answer = lam.invoke(FunctionName="pricing", Payload=b"{}")
        except ClientError as error:
            return {"refused": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
        return {"status": answer["StatusCode"], "price": json.loads(answer["Payload"].read())}
    """
)


def test_a_synchronous_invoke_chain_counts_both_functions_in_concurrency(executor):
    scenario = {
        "account": {"concurrency_limit": 4, "unreserved_minimum": 0},
        "functions": {
            "api": {"code": SYNC_CALLER, "timeout_s": 10},
            "pricing": {
                "code": "import time\n\ndef lambda_handler(event, context):\n    time.sleep(1)\n    return 9\n"
            },
        },
        "steps": [{"invoke": {"function": "api", "repeat": 3, "parallel": True}}],
    }

    trace = simulate(scenario, executor)

    answers = [a["response"] for a in trace["attempts"] if a["function"] == "api"]
    # Three callers hold three of the four slots, so only one pricing run fits; the other two are throttled.
    assert sorted(answers, key=str) == [
        {"refused": "TooManyRequestsException", "status": 429},
        {"refused": "TooManyRequestsException", "status": 429},
        {"status": 200, "price": 9},
    ]
    assert trace["metrics"]["pricing"]["throttles"] == 2
    (pricing,) = [a for a in trace["attempts"] if a["function"] == "pricing"]
    (waiting,) = [a for a in trace["attempts"] if a["response"] == {"status": 200, "price": 9}]
    assert waiting["start_s"] < pricing["start_s"] and pricing["end_s"] <= waiting["end_s"]
    assert waiting["duration_ms"] >= 1000


TABLE_WRITER = code(
    """
    import boto3

    ddb = boto3.client("dynamodb")

    def lambda_handler(event, context):
        ddb.put_item(TableName="orders", Item={"id": {"S": "A-7"}, "total": {"N": "19.5"}})
        ddb.update_item(TableName="orders", Key={"id": {"S": "A-7"}}, UpdateExpression="SET paid = :t",
                        ExpressionAttributeValues={":t": {"BOOL": True}})
        return "saved"
    """
)
STREAM_READER = code(
    """
    def lambda_handler(event, context):
        return [[r["eventName"], r["dynamodb"].get("OldImage"), r["dynamodb"]["NewImage"]] for r in event["Records"]]
    """
)


def test_a_dynamodb_write_reaches_the_tables_stream_mapping(executor):
    trace = simulate(
        {
            "functions": {"writer": {"code": TABLE_WRITER, "timeout_s": 10}, "reader": {"code": STREAM_READER}},
            "tables": {"orders": {"stream": "NEW_AND_OLD_IMAGES"}},
            "event_source_mappings": [
                {
                    "function": "reader",
                    "source": "table:orders",
                    "starting_position": "TRIM_HORIZON",
                    "maximum_batching_window_s": 1,
                }
            ],
            "steps": [{"invoke": {"function": "writer"}}],
        },
        executor,
    )

    records = [record for a in trace["attempts"] if a["function"] == "reader" for record in a["response"]]
    item = {"id": {"S": "A-7"}, "total": {"N": "19.5"}}
    assert records == [["INSERT", None, item], ["MODIFY", item, {**item, "paid": {"BOOL": True}}]]


PUT_PHOTO = code(
    """
    import boto3

    s3 = boto3.client("s3")

    def lambda_handler(event, context):
        return {"etag": s3.put_object(Bucket="photos", Key="a.jpg", Body=b"x")["ETag"]}
    """
)


def test_a_gateway_endpoint_lets_a_vpc_function_reach_s3(executor):
    scenario = _vpc({})
    scenario["functions"]["order"]["code"] = PUT_PHOTO
    scenario["functions"]["order"]["role"]["actions"] = ["s3:PutObject"]
    scenario["buckets"] = {"photos": {}}
    blocked = simulate(scenario, executor)
    scenario["network"]["endpoints"] = {
        "s3": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["private"]}
    }
    reached = simulate(scenario, executor)

    assert blocked["attempts"][0]["outcome"] == "timeout"
    assert response_of(reached, "order") == {"etag": '"9dd4e461268c8034f5c8564e155c67a6"'}
    (connection,) = {c["host"]: c for c in reached["connections"]}.values()
    assert connection["host"].startswith("photos.s3") and connection["outcome"] == "connected"
    assert "gateway endpoint s3" in connection["reason"]


def test_the_sdk_preset_runs_as_its_description_says(executor):
    raw, lines = load(Path(__file__).resolve().parents[1] / "presets" / "sdk-calls.yaml")

    assert check(raw, lines) == []
    trace = simulate(raw, executor, lines=lines)

    order = response_of(trace, "order")
    assert order["caller"] == "arn:aws:sts::123456789012:assumed-role/order-role/order"
    assert [m["message_id"] for m in trace["queues"]["shipments"]] == [order["message_id"]]
    assert response_of(trace, "audit")["refused"] == "AccessDenied"
    assert [c["operation"] for c in trace["sdk_calls"] if c["function"] == "order"] == [
        "PutItem",
        "GetQueueUrl",
        "SendMessage",
        "GetCallerIdentity",
    ]
