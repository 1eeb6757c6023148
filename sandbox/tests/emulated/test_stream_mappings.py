"""Kinesis and DynamoDB Streams mappings: retries, partial batches, bisect, shards, record shapes.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import base64
import json

import pytest

from .parts import fn, problems, run

FIVE_RECORDS = {
    "at_s": 0,
    "put_records": {"stream": "clicks", "records": [{"data": f"r{i}", "partition_key": "k"} for i in range(1, 6)]},
}
DECODE = "import base64\n"
SEEN = 'seen = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]\n'


def test_retry_limit_sends_metadata_to_on_failure_and_moves_on(executor):
    body = SEEN + 'if "r2" in seen:\n    raise ValueError("poison")\nreturn seen'
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, DECODE)},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "queues": {"stream-fail": {}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 3,
                    "maximum_retry_attempts": 2,
                    "on_failure": "queue:stream-fail",
                }
            ],
            "steps": [FIVE_RECORDS],
        },
    )

    runs = [a for a in trace["attempts"] if a["trigger"] == "kinesis"]
    failing = [a for a in runs if a["outcome"] == "error"]
    assert len(failing) == 3 and len({tuple(a["batch"]) for a in failing}) == 1
    sequence = failing[0]["batch"]
    messages = trace["queues"]["stream-fail"]
    assert len(messages) == 1
    record = json.loads(messages[0]["body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (sequence[0], sequence[-1])
    assert info["batchSize"] == 3 and info["shardId"] and info["streamArn"].endswith(":stream/clicks")
    assert "Records" not in messages[0]["body"] and "r1" not in messages[0]["body"]
    assert runs[-1]["outcome"] == "success" and runs[-1]["response"] == ["r4", "r5"]


def test_partial_batch_response_restarts_at_the_lowest_failed_record(executor):
    body = (
        SEEN
        + """\
global CALLS
CALLS += 1
if CALLS == 1:
    failed = [r["kinesis"]["sequenceNumber"] for r in event["Records"] if base64.b64decode(r["kinesis"]["data"]) in (b"r3", b"r5")]
    return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
return seen
"""
    )
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, DECODE + "CALLS = 0\n")},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 5,
                    "report_batch_item_failures": True,
                }
            ],
            "steps": [FIVE_RECORDS],
        },
    )

    runs = [a for a in trace["attempts"] if a["trigger"] == "kinesis"]
    assert len(runs) == 2
    assert runs[1]["response"] == ["r3", "r4", "r5"]
    assert runs[1]["batch"] == runs[0]["batch"][2:]


def test_kinesis_data_arrives_base64(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return event["Records"][0]["kinesis"]["data"]')},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "event_source_mappings": [{"function": "fn", "source": "stream:clicks", "starting_position": "LATEST"}],
            "steps": [
                {"at_s": 0, "put_records": {"stream": "clicks", "records": [{"data": "Hello", "partition_key": "k"}]}}
            ],
        },
    )

    assert trace["attempts"][0]["response"] == "SGVsbG8="


@pytest.mark.parametrize(
    ("stream_type", "mapping", "ok"),
    [
        ("dynamodb", {"starting_position": "AT_TIMESTAMP", "starting_position_timestamp": 1767225600}, False),
        ("kinesis", {"starting_position": "AT_TIMESTAMP", "starting_position_timestamp": 1767225600}, True),
        ("kinesis", {"starting_position": "LATEST", "parallelization_factor": 11}, False),
        ("kinesis", {"starting_position": "LATEST", "tumbling_window_s": 901}, False),
    ],
)
def test_stream_mapping_parameters_are_checked(stream_type, mapping, ok):
    found = problems(
        {
            "functions": {"fn": fn("return 1")},
            "streams": {"clicks": {"type": stream_type, "shards": 1}},
            "event_source_mappings": [{"function": "fn", "source": "stream:clicks", **mapping}],
        }
    )

    assert (found == "") is ok, found


def test_streams_block_the_shard_but_not_other_shards(executor):
    body = SEEN + 'if "bad" in seen:\n    raise ValueError("poison")\nreturn seen'
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, DECODE)},
            "streams": {"clicks": {"type": "kinesis", "shards": 2}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 1,
                    "maximum_retry_attempts": 3,
                }
            ],
            "steps": [
                {
                    "at_s": 0,
                    "put_records": {
                        "stream": "clicks",
                        "records": [{"data": "bad", "partition_key": "a"}, {"data": "after-bad", "partition_key": "a"}]
                        + [{"data": f"other-{i}", "partition_key": key} for i, key in enumerate("bcdefgh")],
                    },
                }
            ],
        },
    )

    runs = [a for a in trace["attempts"] if a["trigger"] == "kinesis"]
    bad_end = max(a["end_s"] for a in runs if a["outcome"] == "error")
    after_bad = next(a for a in runs if a["response"] == ["after-bad"])
    assert after_bad["start_s"] >= bad_end
    assert len([a for a in runs if a["outcome"] == "error"]) == 4
    others = [a for a in runs if a["response"] and a["response"][0].startswith("other-") and a["start_s"] < bad_end]
    assert others, "records on the other shard should not wait for the poisoned one"


def test_bisect_splits_a_failing_batch_until_the_poison_record_is_alone(executor):
    body = SEEN + 'if "r3" in seen:\n    raise ValueError("poison")\nreturn seen'
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, DECODE)},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "queues": {"stream-fail": {}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 5,
                    "maximum_retry_attempts": 0,
                    "bisect_batch_on_function_error": True,
                    "on_failure": "queue:stream-fail",
                }
            ],
            "steps": [FIVE_RECORDS],
        },
    )

    delivered = sorted(r for a in trace["attempts"] if a["outcome"] == "success" for r in a["response"])
    assert delivered == ["r1", "r2", "r4", "r5"]
    record = json.loads(trace["queues"]["stream-fail"][0]["body"])
    assert record["KinesisBatchInfo"]["batchSize"] == 1


def test_dynamodb_stream_records_carry_typed_images(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return event")},
            "streams": {"table": {"type": "dynamodb", "shards": 1}},
            "event_source_mappings": [
                {"function": "fn", "source": "stream:table", "starting_position": "TRIM_HORIZON"}
            ],
            "steps": [
                {
                    "at_s": 0,
                    "put_records": {
                        "stream": "table",
                        "records": [
                            {
                                "event_name": "INSERT",
                                "keys": {"Id": 101},
                                "new_image": {"Id": 101, "Message": "New item!"},
                            }
                        ],
                    },
                }
            ],
        },
    )

    record = trace["attempts"][0]["response"]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["eventName"] == "INSERT"
    assert record["dynamodb"]["Keys"] == {"Id": {"N": "101"}}
    assert record["dynamodb"]["NewImage"]["Message"] == {"S": "New item!"}
    assert trace["attempts"][0]["trigger"] == "dynamodb"


def _stream_failure_record(executor, body: str, **mapping) -> dict:
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, DECODE)},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "queues": {"stream-fail": {}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 5,
                    "on_failure": "queue:stream-fail",
                    **mapping,
                }
            ],
            "steps": [{**FIVE_RECORDS, "at_s": 0.25}],
        },
    )
    messages = trace["queues"]["stream-fail"]
    assert len(messages) == 1
    return json.loads(messages[0]["body"])


def test_stream_failure_record_after_partial_batch_failures_has_a_null_function_error(executor):
    body = 'return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["kinesis"]["sequenceNumber"]}]}'
    record = _stream_failure_record(executor, body, report_batch_item_failures=True, maximum_retry_attempts=1)

    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}
    assert list(record) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]


def test_stream_failure_record_for_record_age_has_no_response_context_and_millisecond_arrivals(executor):
    record = _stream_failure_record(executor, 'raise ValueError("poison")', maximum_record_age_s=60)

    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "responseContext" not in record
    info = record["KinesisBatchInfo"]
    assert info["approximateArrivalOfFirstRecord"] == "2026-01-01T00:00:00.250Z"
    assert info["approximateArrivalOfLastRecord"] == "2026-01-01T00:00:00.250Z"


def test_s3_failure_destination_object_holds_the_records_as_a_json_object_under_lambdas_key_layout(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('raise ValueError("poison")')},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "buckets": {"failed": {}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 5,
                    "maximum_retry_attempts": 0,
                    "on_failure": "bucket:failed",
                }
            ],
            "steps": [FIVE_RECORDS],
        },
    )

    (stored,) = trace["buckets"]["failed"]
    parts = stored["key"].split("/")
    assert parts[:2] == ["aws", "lambda"] and len(parts[2]) == 36
    assert parts[3] == "shardId-000000000000" and parts[4:7] == ["2026", "01", "01"]
    assert parts[7].startswith("2026-01-01T00.00.")
    body = json.loads(stored["body"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert isinstance(body["payload"], dict)
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in body["payload"]["Records"]]
    assert data == ["r1", "r2", "r3", "r4", "r5"]


def test_record_age_expiry_records_one_invoke_after_many_retries_as_aws_does(executor):
    record = _stream_failure_record(executor, 'raise ValueError("poison")', maximum_record_age_s=60)

    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_only_expired_records_go_to_on_failure_and_the_rest_of_the_batch_runs(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn(SEEN + "return seen", DECODE)},
            "streams": {"clicks": {"type": "kinesis", "shards": 1}},
            "queues": {"stream-fail": {}},
            "event_source_mappings": [
                {
                    "function": "fn",
                    "source": "stream:clicks",
                    "starting_position": "TRIM_HORIZON",
                    "batch_size": 10,
                    "maximum_record_age_s": 60,
                    "on_failure": "queue:stream-fail",
                    "enabled": False,
                }
            ],
            "steps": [
                {"at_s": 0, "put_records": {"stream": "clicks", "records": [{"data": "old", "partition_key": "k"}]}},
                {**FIVE_RECORDS, "at_s": 90},
                {"at_s": 100, "update_mapping": {"index": 0, "enabled": True}},
            ],
        },
    )

    assert [a["response"] for a in trace["attempts"]] == [["r1", "r2", "r3", "r4", "r5"]]
    (message,) = trace["queues"]["stream-fail"]
    record = json.loads(message["body"])
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["KinesisBatchInfo"]["batchSize"] == 1


@pytest.mark.parametrize(
    ("view_type", "images"),
    [
        ("KEYS_ONLY", []),
        ("NEW_IMAGE", ["NewImage"]),
        ("OLD_IMAGE", ["OldImage"]),
        ("NEW_AND_OLD_IMAGES", ["NewImage", "OldImage"]),
        (None, ["NewImage", "OldImage"]),
    ],
)
def test_a_tables_stream_view_type_decides_which_images_records_carry(executor, view_type, images):
    table = {"type": "dynamodb", **({"view_type": view_type} if view_type else {})}
    change = {"event_name": "MODIFY", "keys": {"Id": 1}, "new_image": {"Id": 1, "n": 2}, "old_image": {"Id": 1, "n": 1}}
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return event")},
            "streams": {"table": table},
            "event_source_mappings": [
                {"function": "fn", "source": "stream:table", "starting_position": "TRIM_HORIZON"}
            ],
            "steps": [{"at_s": 0, "put_records": {"stream": "table", "records": [change]}}],
        },
    )

    record = trace["attempts"][0]["response"]["Records"][0]["dynamodb"]
    assert record["StreamViewType"] == (view_type or "NEW_AND_OLD_IMAGES")
    assert record["Keys"] == {"Id": {"N": "1"}}
    assert sorted(key for key in record if key.endswith("Image")) == images


def test_stream_view_type_is_checked_against_dynamodbs_enum():
    found = problems(
        {"functions": {"fn": fn("return 1")}, "streams": {"table": {"type": "dynamodb", "view_type": "ALL"}}}
    )

    assert "streams.table.view_type" in found
    assert (
        "ValidationException: 1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' "
        "failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, "
        "NEW_AND_OLD_IMAGES, KEYS_ONLY]"
    ) in found
    assert "only a DynamoDB stream" in problems(
        {"functions": {"fn": fn("return 1")}, "streams": {"clicks": {"view_type": "KEYS_ONLY"}}}
    )
