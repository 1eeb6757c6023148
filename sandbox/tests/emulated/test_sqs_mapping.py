"""The SQS event source mapping: batches, visibility, partial batch responses, filters, FIFO.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import pytest

from .parts import fn, problems, run

BAD_BATCH = """\
print("receive counts", sorted({r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]}))
if any(record["body"] == "bad" for record in event["Records"]):
    raise ValueError("bad message in batch")
return {"n": len(event["Records"])}
"""


def test_a_failed_batch_comes_back_whole_then_moves_to_the_queue_dlq(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn(BAD_BATCH, dead_letter="queue:fn-dlq")},
            "queues": {
                "src": {
                    "visibility_timeout_s": 60,
                    "redrive": {"dead_letter_queue": "src-dlq", "max_receive_count": 3},
                },
                "src-dlq": {},
                "fn-dlq": {},
            },
            "event_source_mappings": [{"function": "fn", "source": "queue:src", "batch_size": 10}],
            "steps": [{"at_s": 0, "send": {"queue": "src", "messages": ["good"] * 9 + ["bad"]}}],
        },
    )

    runs = [a for a in trace["attempts"] if a["trigger"] == "sqs"]
    assert [a["outcome"] for a in runs] == ["error", "error", "error"]
    assert all(len(a["batch"]) == 10 for a in runs)
    assert runs[1]["start_s"] - runs[0]["start_s"] == pytest.approx(60, rel=0.1)
    assert "receive counts ['2']" in runs[1]["logs"]
    assert len(trace["queues"]["src-dlq"]) == 10
    assert trace["queues"]["src"] == []
    assert trace["queues"]["fn-dlq"] == [] and trace["deliveries"] == []


def test_partial_batch_response_returns_only_the_failed_messages(executor):
    body = """\
    ids = [r["messageId"] for r in event["Records"]]
    bodies = [r["body"] for r in event["Records"]]
    return {"batchItemFailures": [{"itemIdentifier": i} for i, b in zip(ids, bodies) if b in ("m2", "m4")]}
    """
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body)},
            "queues": {"src": {"visibility_timeout_s": 30}},
            "event_source_mappings": [
                {"function": "fn", "source": "queue:src", "batch_size": 10, "report_batch_item_failures": True}
            ],
            "steps": [{"at_s": 0, "send": {"queue": "src", "messages": ["m1", "m2", "m3", "m4", "m5"]}}],
            "run_until_s": 45,
        },
    )

    runs = [a for a in trace["attempts"] if a["trigger"] == "sqs"]
    assert len(runs[0]["batch"]) == 5
    assert len(runs) == 2 and len(runs[1]["batch"]) == 2
    assert runs[1]["start_s"] == pytest.approx(30, rel=0.1)
    assert sorted(m["body"] for m in trace["queues"]["src"]) == ["m2", "m4"]


def test_without_report_batch_item_failures_the_list_is_ignored(executor):
    body = 'return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}'
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body)},
            "queues": {"src": {}},
            "event_source_mappings": [{"function": "fn", "source": "queue:src"}],
            "steps": [{"at_s": 0, "send": {"queue": "src", "messages": ["a", "b"]}}],
        },
    )

    assert len(trace["attempts"]) == 1
    assert trace["queues"]["src"] == []


def test_visibility_timeout_below_function_timeout_is_rejected():
    found = problems(
        {
            "functions": {"fn": fn("return 1", timeout_s=60)},
            "queues": {"src": {"visibility_timeout_s": 30}},
            "event_source_mappings": [{"function": "fn", "source": "queue:src"}],
        }
    )

    assert "InvalidParameterValueException" in found
    assert "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds" in found


@pytest.mark.parametrize(
    ("queue", "mapping", "ok"),
    [
        ("src", {"batch_size": 11, "maximum_batching_window_s": 0}, False),
        ("src", {"batch_size": 11, "maximum_batching_window_s": 1}, True),
        ("src.fifo", {"batch_size": 11}, False),
        ("src", {"batch_size": 10001, "maximum_batching_window_s": 1}, False),
        ("src", {"maximum_concurrency": 1}, False),
    ],
)
def test_batch_parameters_are_checked(queue, mapping, ok):
    found = problems(
        {
            "functions": {"fn": fn("return 1")},
            "queues": {queue: {"fifo": queue.endswith(".fifo")}},
            "event_source_mappings": [{"function": "fn", "source": f"queue:{queue}", **mapping}],
        }
    )

    assert (found == "") is ok, found


def test_filtered_out_messages_are_deleted(executor):
    trace = run(
        executor,
        {
            "functions": {
                "fn": fn('return [json.loads(r["body"])["type"] for r in event["Records"]]', "import json\n")
            },
            "queues": {"src": {}},
            "event_source_mappings": [
                {"function": "fn", "source": "queue:src", "filter_patterns": [{"body": {"type": ["order"]}}]}
            ],
            "steps": [
                {
                    "at_s": 0,
                    "send": {"queue": "src", "messages": [{"body": {"type": "order"}}, {"body": {"type": "refund"}}]},
                }
            ],
        },
    )

    assert [a["response"] for a in trace["attempts"]] == [["order"]]
    assert trace["queues"]["src"] == []


def test_sqs_record_shape(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return event")},
            "queues": {"std": {}, "jobs.fifo": {"fifo": True, "content_based_deduplication": True}},
            "event_source_mappings": [
                {"function": "fn", "source": "queue:std"},
                {"function": "fn", "source": "queue:jobs.fifo"},
            ],
            "steps": [
                {"at_s": 0, "send": {"queue": "std", "messages": ["plain"]}},
                {"at_s": 5, "send": {"queue": "jobs.fifo", "messages": [{"body": "ordered", "group_id": "g1"}]}},
            ],
        },
    )

    standard = trace["attempts"][0]["response"]["Records"][0]
    fifo = trace["attempts"][1]["response"]["Records"][0]
    for key in (
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ):
        assert key in standard
    assert standard["eventSource"] == "aws:sqs" and standard["body"] == "plain"
    for key in ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
        assert isinstance(standard["attributes"][key], str)
    for key in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber"):
        assert key in fifo["attributes"]


def test_sqs_fifo_keeps_order_within_a_group_while_a_batch_fails(executor):
    body = """\
    global SEEN
    bodies = [r["body"] for r in event["Records"]]
    SEEN += 1
    if "b1" in bodies and SEEN < 3:
        raise ValueError("retry b1")
    return bodies
    """
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body, "SEEN = 0\n")},
            "queues": {"jobs.fifo": {"fifo": True, "visibility_timeout_s": 30, "content_based_deduplication": True}},
            "event_source_mappings": [{"function": "fn", "source": "queue:jobs.fifo", "batch_size": 1}],
            "steps": [
                {
                    "at_s": 0,
                    "send": {
                        "queue": "jobs.fifo",
                        "messages": [
                            {"body": "b1", "group_id": "b"},
                            {"body": "b2", "group_id": "b"},
                            {"body": "b3", "group_id": "b"},
                        ],
                    },
                }
            ],
        },
    )

    delivered = [a["response"][0] for a in trace["attempts"] if a["outcome"] == "success"]
    assert delivered == ["b1", "b2", "b3"]
