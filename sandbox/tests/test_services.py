"""The emulated services of the pure core, called with ServiceCalls built here (no handler runs)."""

from __future__ import annotations

import hashlib
import json

import pytest

from sandbox.emulator import services, trace
from sandbox.emulator.executor import ServiceCall
from sandbox.emulator.services.common import Caller
from sandbox.emulator.state import new_state

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/order-role/order"


def world_of(**scenario) -> services.World:
    scenario.setdefault("functions", {"order": {"code": "x"}})
    return services.World(new_state(scenario, seed=1))


def call(world: services.World, service: str, operation: str, function: str = "order", at_ms: float = 0.0, **params):
    host = f"{service}.us-east-1.amazonaws.com"
    caller = Caller(function=function, request_id="req-1", start=10.0)
    return services.answer(world, caller, ServiceCall(service, operation, params, "us-east-1", host, at_ms))


# --- STS and IAM ------------------------------------------------------------------------------------------


def test_get_caller_identity_names_the_functions_assumed_role():
    world = world_of(functions={"order": {"code": "x", "role": {"name": "order-role", "actions": []}}})

    reply = call(world, "sts", "GetCallerIdentity")

    assert reply.error is None
    assert reply.result["Arn"] == ROLE_ARN
    assert reply.result["Account"] == "123456789012"
    assert reply.result["UserId"].startswith("AROA") and reply.result["UserId"].endswith(":order")


def test_a_role_without_the_action_gets_access_denied_naming_role_action_and_queue():
    world = world_of(
        functions={"order": {"code": "x", "role": {"name": "order-role", "policies": ["AWSLambdaBasicExecutionRole"]}}},
        queues={"orders": {}},
    )

    reply = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="hi")

    assert reply.result is None
    assert reply.error.code == "AccessDenied"
    assert reply.error.status == 403
    assert reply.error.message == (
        f"User: {ROLE_ARN} is not authorized to perform: sqs:sendmessage on resource: "
        "arn:aws:sqs:us-east-1:123456789012:orders because no identity-based policy allows the sqs:sendmessage action"
    )
    assert world.state["queues"]["orders"] == []
    assert world.state["trace"]["sdk_calls"][-1]["outcome"] == "error"
    assert world.state["trace"]["sdk_calls"][-1]["error_code"] == "AccessDenied"


def test_a_statement_allows_only_the_resources_it_names():
    statement = {"effect": "Allow", "actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:*:*:orders"]}
    world = world_of(
        functions={"order": {"code": "x", "role": {"name": "order-role", "statements": [statement]}}},
        queues={"orders": {}, "audit": {}},
    )

    allowed = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="hi")
    refused = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL.replace("orders", "audit"), MessageBody="hi")

    assert allowed.error is None
    assert refused.error.code == "AccessDenied"
    assert "arn:aws:sqs:us-east-1:123456789012:audit" in refused.error.message


def test_an_explicit_deny_in_a_resource_policy_wins_over_the_roles_allow():
    world = world_of(
        functions={"order": {"code": "x", "role": {"name": "order-role", "actions": ["sqs:*"]}}},
        queues={"orders": {"policy": [{"effect": "Deny", "principal": "*", "actions": ["sqs:SendMessage"]}]}},
    )

    reply = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="hi")

    assert reply.error.message.endswith("with an explicit deny in a resource-based policy")


def test_a_resource_policy_naming_the_role_is_enough_within_the_account():
    world = world_of(
        functions={"order": {"code": "x", "role": {"name": "order-role", "actions": []}}},
        queues={"orders": {"policy": [{"principal": "order-role", "actions": ["sqs:SendMessage"]}]}},
    )

    assert call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="hi").error is None


def test_each_service_words_a_refusal_its_own_way():
    world = world_of(
        functions={"order": {"code": "x", "role": {"name": "order-role"}}, "other": {"code": "x"}},
        topics={"alerts": {}},
        buckets={"photos": {}},
        tables={"carts": {}},
    )

    sns = call(world, "sns", "Publish", TopicArn="arn:aws:sns:us-east-1:123456789012:alerts", Message="x")
    s3 = call(world, "s3", "PutObject", Bucket="photos", Key="a.jpg", Body=b"x")
    ddb = call(world, "dynamodb", "PutItem", TableName="carts", Item={"id": {"S": "1"}})
    lam = call(world, "lambda", "Invoke", FunctionName="other")
    bus = call(world, "events", "PutEvents", Entries=[{"Source": "shop", "DetailType": "x", "Detail": "{}"}])

    assert (sns.error.code, sns.error.status) == ("AuthorizationError", 403)
    assert "perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:alerts" in sns.error.message
    assert (s3.error.code, s3.error.status) == ("AccessDenied", 403)
    assert 'perform: s3:PutObject on resource: "arn:aws:s3:::photos/a.jpg"' in s3.error.message
    assert (ddb.error.code, ddb.error.status) == ("AccessDeniedException", 400)
    assert ddb.error.message == (
        f"User: {ROLE_ARN} is not authorized to perform: dynamodb:PutItem on resource: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/carts because no identity-based policy allows the "
        "dynamodb:PutItem action"
    )
    assert (lam.error.code, lam.error.status) == ("AccessDeniedException", 403)
    assert (
        "lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:other" in lam.error.message
    )
    assert (bus.error.code, bus.error.status) == ("AccessDeniedException", 400)
    assert "events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/default" in bus.error.message


# --- SQS -----------------------------------------------------------------------------------------------


def test_send_receive_change_visibility_and_delete():
    world = world_of(queues={"orders": {"visibility_timeout_s": 30}})

    sent = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="order 1")
    received = call(world, "sqs", "ReceiveMessage", at_ms=1000, QueueUrl=QUEUE_URL, AttributeNames=["All"])
    again = call(world, "sqs", "ReceiveMessage", at_ms=2000, QueueUrl=QUEUE_URL)
    message = received.result["Messages"][0]
    call(
        world,
        "sqs",
        "ChangeMessageVisibility",
        QueueUrl=QUEUE_URL,
        ReceiptHandle=message["ReceiptHandle"],
        VisibilityTimeout=0,
    )
    visible_again = call(world, "sqs", "ReceiveMessage", at_ms=3000, QueueUrl=QUEUE_URL)
    handle = visible_again.result["Messages"][0]["ReceiptHandle"]
    stale = call(world, "sqs", "DeleteMessage", QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
    deleted = call(world, "sqs", "DeleteMessage", QueueUrl=QUEUE_URL, ReceiptHandle=handle)

    assert sent.result["MD5OfMessageBody"] == hashlib.md5(b"order 1").hexdigest()
    assert message["Body"] == "order 1" and message["MessageId"] == sent.result["MessageId"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert again.result == {}
    assert visible_again.result["Messages"][0]["MessageId"] == sent.result["MessageId"]
    assert stale.error.code == "ReceiptHandleIsInvalid"
    assert deleted.error is None
    assert world.state["queues"]["orders"] == []


def test_send_batch_delete_batch_queue_url_and_attributes():
    world = world_of(queues={"orders": {"visibility_timeout_s": 45}})

    batch = call(
        world,
        "sqs",
        "SendMessageBatch",
        QueueUrl=QUEUE_URL,
        Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 60}],
    )
    url = call(world, "sqs", "GetQueueUrl", QueueName="orders")
    attributes = call(world, "sqs", "GetQueueAttributes", QueueUrl=QUEUE_URL, AttributeNames=["All"])
    received = call(world, "sqs", "ReceiveMessage", QueueUrl=QUEUE_URL, MaxNumberOfMessages=10)
    handles = [{"Id": m["MessageId"][:8], "ReceiptHandle": m["ReceiptHandle"]} for m in received.result["Messages"]]
    deleted = call(
        world, "sqs", "DeleteMessageBatch", QueueUrl=QUEUE_URL, Entries=[*handles, {"Id": "x", "ReceiptHandle": "nope"}]
    )
    missing = call(world, "sqs", "GetQueueUrl", QueueName="nothing")

    assert [e["Id"] for e in batch.result["Successful"]] == ["a", "b"] and batch.result["Failed"] == []
    assert url.result == {"QueueUrl": QUEUE_URL}
    assert attributes.result["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert attributes.result["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attributes.result["Attributes"]["VisibilityTimeout"] == "45"
    assert attributes.result["Attributes"]["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert len(received.result["Messages"]) == 1  # the other one is delayed
    assert len(deleted.result["Successful"]) == 1
    assert deleted.result["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    assert (missing.error.code, missing.error.message) == ("QueueDoesNotExist", "The specified queue does not exist.")


def test_message_attributes_round_trip_with_sqs_digest():
    world = world_of(queues={"orders": {}})
    attributes = {"kind": {"DataType": "String", "StringValue": "gift"}}

    sent = call(world, "sqs", "SendMessage", QueueUrl=QUEUE_URL, MessageBody="x", MessageAttributes=attributes)
    got = call(world, "sqs", "ReceiveMessage", QueueUrl=QUEUE_URL, MessageAttributeNames=["All"])

    message = got.result["Messages"][0]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent.result["MD5OfMessageAttributes"]


def test_an_empty_receive_with_long_polling_costs_the_wait_on_the_handlers_clock():
    world = world_of(queues={"orders": {}})

    reply = call(world, "sqs", "ReceiveMessage", QueueUrl=QUEUE_URL, WaitTimeSeconds=5)

    assert reply.result == {} and reply.elapsed_ms == 5000.0


# --- SNS and EventBridge -----------------------------------------------------------------------------------


def test_publish_fans_out_to_subscriptions_with_filter_policies():
    world = world_of(
        topics={
            "alerts": {"subscriptions": [{"target": "queue:pages", "filter_policy": {"level": ["high"]}}, "queue:all"]}
        },
        queues={"pages": {}, "all": {}},
    )
    arn = "arn:aws:sns:us-east-1:123456789012:alerts"

    low = call(
        world,
        "sns",
        "Publish",
        TopicArn=arn,
        Message="disk",
        MessageAttributes={"level": {"DataType": "String", "StringValue": "low"}},
    )
    batch = call(
        world,
        "sns",
        "PublishBatch",
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {
                "Id": "1",
                "Message": "fire",
                "MessageAttributes": {"level": {"DataType": "String", "StringValue": "high"}},
            }
        ],
    )
    missing = call(world, "sns", "Publish", TopicArn=arn.replace("alerts", "nope"), Message="x")

    assert low.result["MessageId"]
    assert batch.result["Successful"][0]["Id"] == "1"
    assert [json.loads(m["body"])["Message"] for m in world.state["queues"]["pages"]] == ["fire"]
    assert len(world.state["queues"]["all"]) == 2
    assert (missing.error.code, missing.error.status, missing.error.message) == (
        "NotFound",
        404,
        "Topic does not exist",
    )


def test_put_events_matches_rules_and_reports_malformed_entries():
    world = world_of(
        buses={
            "default": {"rules": [{"name": "orders", "pattern": {"source": ["shop"]}, "targets": ["queue:placed"]}]}
        },
        queues={"placed": {}},
    )

    reply = call(
        world,
        "events",
        "PutEvents",
        Entries=[
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": 7})},
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": "not json"},
        ],
    )

    assert reply.result["FailedEntryCount"] == 1
    assert reply.result["Entries"][0]["EventId"]
    assert reply.result["Entries"][1] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert json.loads(world.state["queues"]["placed"][0]["body"])["detail"] == {"id": 7}


# --- S3 ----------------------------------------------------------------------------------------------------


def test_put_get_head_list_and_delete_objects():
    world = world_of(buckets={"photos": {}})

    put = call(world, "s3", "PutObject", Bucket="photos", Key="in/a.jpg", Body=b"\x89PNG")
    call(world, "s3", "PutObject", Bucket="photos", Key="in/b.jpg", Body=b"bb")
    got = call(world, "s3", "GetObject", Bucket="photos", Key="in/a.jpg")
    head = call(world, "s3", "HeadObject", Bucket="photos", Key="in/b.jpg")
    page = call(world, "s3", "ListObjectsV2", Bucket="photos", Prefix="in/", MaxKeys=1)
    rest = call(world, "s3", "ListObjectsV2", Bucket="photos", ContinuationToken=page.result["NextContinuationToken"])
    call(world, "s3", "DeleteObject", Bucket="photos", Key="in/a.jpg")
    gone = call(world, "s3", "GetObject", Bucket="photos", Key="in/a.jpg")
    no_bucket = call(world, "s3", "ListObjectsV2", Bucket="nope")

    assert got.result["Body"] == b"\x89PNG" and got.result["ETag"] == put.result["ETag"]
    assert head.result["ContentLength"] == 2 and "Body" not in head.result
    assert [o["Key"] for o in page.result["Contents"]] == ["in/a.jpg"] and page.result["IsTruncated"] is True
    assert [o["Key"] for o in rest.result["Contents"]] == ["in/b.jpg"] and rest.result["IsTruncated"] is False
    assert (gone.error.code, gone.error.status) == ("NoSuchKey", 404)
    assert (no_bucket.error.code, no_bucket.error.status) == ("NoSuchBucket", 404)


def test_a_put_fires_the_buckets_notification_with_the_request_chain():
    world = world_of(
        functions={"order": {"code": "x"}, "thumb": {"code": "x"}},
        buckets={"photos": {"notifications": [{"events": ["s3:ObjectCreated:*"], "target": "function:thumb"}]}},
    )

    call(world, "s3", "PutObject", Bucket="photos", Key="a b.jpg", Body=b"x")

    (event,) = world.state["async_events"].values()
    assert event["function"] == "thumb" and event["trigger"] == "s3"
    assert event["chain"] == {"order": 1}
    assert json.loads(event["payload"])["Records"][0]["s3"]["object"]["key"] == "a+b.jpg"


# --- DynamoDB ------------------------------------------------------------------------------------------------


def test_items_put_get_update_delete_and_query_on_the_key():
    world = world_of(tables={"carts": {"partition_key": "user", "sort_key": "item"}})
    put = lambda item: call(world, "dynamodb", "PutItem", TableName="carts", Item=item)  # noqa: E731
    put({"user": {"S": "ana"}, "item": {"S": "a"}, "qty": {"N": "1"}})
    put({"user": {"S": "ana"}, "item": {"S": "b"}, "qty": {"N": "2"}})
    put({"user": {"S": "bo"}, "item": {"S": "a"}, "qty": {"N": "9"}})

    updated = call(
        world,
        "dynamodb",
        "UpdateItem",
        TableName="carts",
        Key={"user": {"S": "ana"}, "item": {"S": "a"}},
        UpdateExpression="SET qty = qty + :one, #n = :note REMOVE gone",
        ExpressionAttributeNames={"#n": "note"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":note": {"S": "gift"}},
        ReturnValues="ALL_NEW",
    )
    got = call(world, "dynamodb", "GetItem", TableName="carts", Key={"user": {"S": "ana"}, "item": {"S": "a"}})
    query = call(
        world,
        "dynamodb",
        "Query",
        TableName="carts",
        KeyConditionExpression="#u = :u AND begins_with(item, :p)",
        ExpressionAttributeNames={"#u": "user"},
        ExpressionAttributeValues={":u": {"S": "ana"}, ":p": {"S": "b"}},
    )
    newest_first = call(
        world,
        "dynamodb",
        "Query",
        TableName="carts",
        KeyConditionExpression="#u = :u",
        ExpressionAttributeNames={"#u": "user"},
        ExpressionAttributeValues={":u": {"S": "ana"}},
        ScanIndexForward=False,
    )
    deleted = call(
        world,
        "dynamodb",
        "DeleteItem",
        TableName="carts",
        Key={"user": {"S": "bo"}, "item": {"S": "a"}},
        ReturnValues="ALL_OLD",
    )
    after = call(world, "dynamodb", "GetItem", TableName="carts", Key={"user": {"S": "bo"}, "item": {"S": "a"}})

    assert updated.result["Attributes"]["qty"] == {"N": "2"} and updated.result["Attributes"]["note"] == {"S": "gift"}
    assert got.result["Item"] == updated.result["Attributes"]
    assert [i["item"]["S"] for i in query.result["Items"]] == ["b"] and query.result["Count"] == 1
    assert [i["item"]["S"] for i in newest_first.result["Items"]] == ["b", "a"]
    assert deleted.result["Attributes"]["qty"] == {"N": "9"}
    assert after.result == {}


def test_conditions_keys_and_missing_tables_fail_as_dynamodb_does():
    world = world_of(tables={"orders": {}})
    item = {"id": {"S": "1"}}

    first = call(
        world, "dynamodb", "PutItem", TableName="orders", Item=item, ConditionExpression="attribute_not_exists(id)"
    )
    second = call(
        world, "dynamodb", "PutItem", TableName="orders", Item=item, ConditionExpression="attribute_not_exists(id)"
    )
    no_key = call(world, "dynamodb", "PutItem", TableName="orders", Item={"name": {"S": "x"}})
    wrong_key = call(world, "dynamodb", "GetItem", TableName="orders", Key={"name": {"S": "x"}})
    missing = call(world, "dynamodb", "GetItem", TableName="nope", Key=item)

    assert first.error is None
    assert (second.error.code, second.error.message) == (
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
    assert no_key.error.message == "One or more parameter values were invalid: Missing the key id in the item"
    assert wrong_key.error.message == "The provided key element does not match the schema"
    assert (missing.error.code, missing.error.message) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize(
    ("view", "new", "old"),
    [
        ("NEW_AND_OLD_IMAGES", True, True),
        ("NEW_IMAGE", True, False),
        ("OLD_IMAGE", False, True),
        ("KEYS_ONLY", False, False),
    ],
)
def test_a_tables_stream_keeps_the_images_of_its_view_type(view, new, old):
    world = world_of(tables={"orders": {"stream": view}})
    call(world, "dynamodb", "PutItem", TableName="orders", Item={"id": {"S": "1"}, "n": {"N": "1"}})
    call(world, "dynamodb", "PutItem", TableName="orders", Item={"id": {"S": "1"}, "n": {"N": "2"}})
    call(world, "dynamodb", "DeleteItem", TableName="orders", Key={"id": {"S": "1"}})

    records = world.state["streams"]["orders"]["shards"][0]["records"]

    assert [r["event_name"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(r["view_type"] == view for r in records)
    assert (records[1]["new_image"] is not None) is new
    assert (records[1]["old_image"] is not None) is old
    assert records[1]["keys"] == {"id": {"S": "1"}}


# --- Lambda Invoke without running anything ---------------------------------------------------------------------


def test_event_and_dry_run_invokes():
    world = world_of(functions={"order": {"code": "x"}, "mailer": {"code": "x"}})

    event = call(world, "lambda", "Invoke", FunctionName="mailer", InvocationType="Event", Payload=b'{"to": "ana"}')
    dry = call(world, "lambda", "Invoke", FunctionName="mailer", InvocationType="DryRun")
    missing = call(world, "lambda", "Invoke", FunctionName="nope")
    bad = call(world, "lambda", "Invoke", FunctionName="mailer", Payload=b"{not json")

    assert event.result["StatusCode"] == 202
    assert dry.result["StatusCode"] == 204
    (queued,) = world.state["async_events"].values()
    assert queued["function"] == "mailer" and queued["chain"] == {"order": 1}
    assert (missing.error.code, missing.error.status) == ("ResourceNotFoundException", 404)
    assert missing.error.message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST"
    assert bad.error.code == "InvalidRequestContentException"


def test_unknown_operations_are_refused_and_every_call_is_in_the_trace():
    world = world_of()

    reply = call(world, "sqs", "PurgeQueue", QueueUrl=QUEUE_URL)
    call(world, "sts", "GetCallerIdentity", at_ms=250)

    calls = trace.build(world.state)["sdk_calls"]
    assert reply.error.code == "UnknownOperationException"
    assert [(c["service"], c["operation"], c["outcome"]) for c in calls] == [
        ("sqs", "PurgeQueue", "error"),
        ("sts", "GetCallerIdentity", "ok"),
    ]
    assert calls[1]["at_s"] == 10.25 and calls[1]["function"] == "order" and calls[1]["request_id"] == "req-1"


def test_fifo_sends_need_a_group_and_deduplication_and_drop_duplicates():
    world = world_of(queues={"orders.fifo": {}, "jobs.fifo": {"content_based_deduplication": True}})
    url = QUEUE_URL.replace("orders", "orders.fifo")

    no_group = call(world, "sqs", "SendMessage", QueueUrl=url, MessageBody="x", MessageDeduplicationId="1")
    no_dedup = call(world, "sqs", "SendMessage", QueueUrl=url, MessageBody="x", MessageGroupId="g")
    first = call(
        world, "sqs", "SendMessage", QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="1"
    )
    twice = call(
        world, "sqs", "SendMessage", QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="1"
    )
    by_content = call(
        world, "sqs", "SendMessage", QueueUrl=url.replace("orders", "jobs"), MessageBody="y", MessageGroupId="g"
    )

    assert (no_group.error.code, no_group.error.message) == (
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
    )
    assert no_dedup.error.message.startswith("The queue should either have ContentBasedDeduplication enabled")
    assert first.result["SequenceNumber"] and twice.error is None
    assert len(world.state["queues"]["orders.fifo"]) == 1
    assert by_content.error is None


def test_put_events_to_a_bus_that_does_not_exist_is_accepted_and_goes_nowhere():
    world = world_of(queues={"placed": {}})

    reply = call(
        world,
        "events",
        "PutEvents",
        Entries=[{"Source": "shop", "DetailType": "x", "Detail": "{}", "EventBusName": "missing"}, {"Source": "shop"}],
    )

    assert reply.result["FailedEntryCount"] == 1
    assert reply.result["Entries"][0]["EventId"]
    assert reply.result["Entries"][1] == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
    }
    assert "missing" not in world.state["trace"]["buses"]


def test_dry_run_checks_permission_and_qualifiers_resolve_like_the_invoke_api():
    world = world_of(
        functions={
            "order": {"code": "x", "role": {"name": "order-role", "actions": ["lambda:InvokeFunction"]}},
            "locked": {"code": "x", "role": {"name": "locked-role", "actions": []}},
            "mailer": {"code": "x", "versions": {"1": {}}, "aliases": {"live": "1"}},
        }
    )

    allowed = call(world, "lambda", "Invoke", FunctionName="mailer", InvocationType="DryRun", Qualifier="live")
    refused = call(world, "lambda", "Invoke", function="locked", FunctionName="mailer", InvocationType="DryRun")
    by_arn = call(
        world,
        "lambda",
        "Invoke",
        InvocationType="Event",
        FunctionName="arn:aws:lambda:us-east-1:123456789012:function:mailer:live",
    )
    no_alias = call(world, "lambda", "Invoke", FunctionName="mailer", Qualifier="beta", InvocationType="DryRun")

    assert allowed.result["StatusCode"] == 204
    assert refused.error.code == "AccessDeniedException"
    assert (
        "assumed-role/locked-role/locked is not authorized to perform: lambda:InvokeFunction" in refused.error.message
    )
    assert by_arn.result["StatusCode"] == 202
    (queued,) = world.state["async_events"].values()
    assert queued["qualifier"] == "live"
    assert no_alias.error.message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:mailer:beta"


def test_update_expressions_with_placeholders_named_like_keywords_add_and_between():
    world = world_of(tables={"scores": {"partition_key": "player", "sort_key": "game"}})
    key = {"player": {"S": "ana"}, "game": {"N": "2"}}

    call(
        world,
        "dynamodb",
        "UpdateItem",
        TableName="scores",
        Key=key,
        UpdateExpression="SET #set = :v ADD points :p, tags :t",
        ExpressionAttributeNames={"#set": "set"},
        ExpressionAttributeValues={":v": {"S": "x"}, ":p": {"N": "5"}, ":t": {"SS": ["new"]}},
    )
    again = call(
        world,
        "dynamodb",
        "UpdateItem",
        TableName="scores",
        Key=key,
        UpdateExpression="ADD points :p REMOVE #set",
        ExpressionAttributeNames={"#set": "set"},
        ExpressionAttributeValues={":p": {"N": "-2"}},
        ReturnValues="UPDATED_NEW",
    )
    for game in ("1", "3", "9"):
        call(world, "dynamodb", "PutItem", TableName="scores", Item={"player": {"S": "ana"}, "game": {"N": game}})
    ranged = call(
        world,
        "dynamodb",
        "Query",
        TableName="scores",
        KeyConditionExpression="player = :p AND game BETWEEN :low AND :high",
        ExpressionAttributeValues={":p": {"S": "ana"}, ":low": {"N": "2"}, ":high": {"N": "3"}},
    )
    key_update = call(
        world,
        "dynamodb",
        "UpdateItem",
        TableName="scores",
        Key=key,
        UpdateExpression="SET game = :g",
        ExpressionAttributeValues={":g": {"N": "4"}},
    )

    item = call(world, "dynamodb", "GetItem", TableName="scores", Key=key).result["Item"]
    assert again.result == {"Attributes": {"points": {"N": "3"}}}
    assert item == {"player": {"S": "ana"}, "game": {"N": "2"}, "points": {"N": "3"}, "tags": {"SS": ["new"]}}
    assert [i["game"]["N"] for i in ranged.result["Items"]] == ["2", "3"]
    assert "Cannot update attribute game. This attribute is part of the key" in key_update.error.message


def test_put_events_starts_no_request_chain_as_eventbridge_carries_no_loop_metadata():
    world = world_of(
        functions={"order": {"code": "x"}, "relay": {"code": "x"}},
        buses={"default": {"rules": [{"name": "r", "pattern": {"source": ["shop"]}, "targets": ["function:relay"]}]}},
    )

    call(world, "events", "PutEvents", Entries=[{"Source": "shop", "DetailType": "x", "Detail": "{}"}])

    (event,) = world.state["async_events"].values()
    assert event["function"] == "relay" and event["chain"] == {}
