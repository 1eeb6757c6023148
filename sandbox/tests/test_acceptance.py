"""Section 13 of lambda-semantics.md: every sample scenario, run with real handler code
through the scenario runner, once with the local executor and once through the isolation daemon."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest

from sandbox.emulator.qualifiers import resolve
from sandbox.emulator.simulation import check, simulate
from sandbox.emulator.state import new_state
from sandbox.runtime.client import DaemonExecutor, ensure_daemon
from sandbox.runtime.local import LocalExecutor


@pytest.fixture(scope="module", params=["local", "daemon"])
def executor(request):
    if request.param == "daemon":
        ensure_daemon()
        made = DaemonExecutor()
    else:
        made = LocalExecutor()
    yield made
    made.close()


def run(executor, scenario: dict, seed: int = 1) -> dict:
    return simulate(scenario, executor, seed=seed)


def fn(body: str, prelude: str = "", **config) -> dict:
    """A function whose handler runs ``body``; ``prelude`` is module-level (Init) code."""
    code = (
        textwrap.dedent(prelude)
        + "def lambda_handler(event, context):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    return {"code": code, **config}


def invoke(at_s: float, function: str, **call) -> dict:
    return {"at_s": at_s, "invoke": {"function": function, **call}}


def problems(scenario: dict) -> str:
    return "\n".join(str(p) for p in check(scenario))


# --- A. Invocation API -------------------------------------------------------------------------------------------


def test_s01_sync_success_returns_200_and_the_result(executor):
    trace = run(executor, {"functions": {"fn": fn('return {"ok": 1}')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["payload"] == {"ok": 1}
    assert response["function_error"] is None
    assert response["executed_version"] == "$LATEST"
    assert len(trace["attempts"]) == 1


def test_s02_sync_exception_is_200_unhandled_with_error_body(executor):
    trace = run(executor, {"functions": {"fn": fn('raise ValueError("bad input")')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["function_error"] == "Unhandled"
    body = response["payload"]
    assert body["errorMessage"] == "bad input"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == response["request_id"]
    assert isinstance(body["stackTrace"], list) and all(isinstance(line, str) for line in body["stackTrace"])
    assert len(trace["attempts"]) == 1
    assert "[ERROR] ValueError: bad input" in trace["attempts"][0]["logs"]


def test_s04_dry_run_is_204_and_runs_nothing(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1")}, "steps": [invoke(0, "fn", type="DryRun")]})

    assert trace["responses"][0]["status_code"] == 204
    assert trace["responses"][0]["payload"] is None
    assert trace["attempts"] == []


def test_s05_event_is_202_without_log_result_and_runs_once(executor):
    trace = run(
        executor, {"functions": {"fn": fn('return "x"')}, "steps": [invoke(0, "fn", type="Event", log_type="Tail")]}
    )

    response = trace["responses"][0]
    assert response["status_code"] == 202
    assert response["payload"] is None
    assert response["log_result"] is None
    assert [(a["trigger"], a["outcome"]) for a in trace["attempts"]] == [("async", "success")]


def test_s06_log_tail_is_the_last_4_kb_base64(executor):
    trace = run(
        executor,
        {"functions": {"fn": fn('print("y" * 10000)\nreturn None')}, "steps": [invoke(0, "fn", log_type="Tail")]},
    )

    tail = base64.b64decode(trace["responses"][0]["log_result"]).decode()
    assert len(tail.encode()) <= 4096
    assert "END RequestId" in tail
    assert tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId")
    assert "y" * 1000 in tail


def test_s07_oversized_requests_get_413_and_300_kb_async_is_accepted(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return None")},
            "steps": [
                invoke(0, "fn", payload_bytes=6291457),
                invoke(1, "fn", type="Event", payload_bytes=1048577),
                invoke(2, "fn", type="Event", payload_bytes=300000),
            ],
        },
    )

    sync, big_async, small_async = trace["responses"]
    assert (sync["status_code"], sync["error_type"]) == (413, "RequestTooLargeException")
    assert (big_async["status_code"], big_async["error_type"]) == (413, "RequestTooLargeException")
    assert small_async["status_code"] == 202
    assert [a["request_id"] for a in trace["attempts"]] == [small_async["request_id"]]


def test_s08_oversized_response_is_function_response_size_too_large(executor):
    trace = run(executor, {"functions": {"fn": fn('return "z" * 7000000')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["function_error"] == "Unhandled"
    assert response["payload"]["errorType"] == "Function.ResponseSizeTooLarge"


def test_s09_unknown_function_and_qualifier_are_404(executor):
    trace = run(
        executor,
        {
            "functions": {"myfn": fn("return 1")},
            "steps": [
                invoke(0, "does-not-exist"),
                invoke(1, "myfn", qualifier="nosuchalias"),
            ],
        },
    )

    assert [r["status_code"] for r in trace["responses"]] == [404, 404]
    assert {r["error_type"] for r in trace["responses"]} == {"ResourceNotFoundException"}
    assert trace["attempts"] == []


def test_s11_missing_handler_function_is_handler_not_found_and_init_runs_again(executor):
    trace = run(
        executor,
        {"functions": {"fn": fn("return 1", handler="lambda_function.nope")}, "steps": [invoke(0, "fn", repeat=2)]},
    )

    first, second = trace["responses"]
    assert (first["status_code"], first["function_error"]) == (200, "Unhandled")
    assert first["payload"]["errorType"] == "Runtime.HandlerNotFound"
    assert "Handler 'nope' missing on module 'lambda_function'" in first["payload"]["errorMessage"]
    assert second["payload"]["errorType"] == "Runtime.HandlerNotFound"
    assert [a["cold_start"] for a in trace["attempts"]] == [True, True]


# --- B. Lifecycle and logs -------------------------------------------------------------------------------------


def test_s12_cold_then_warm_keeps_globals_and_tmp(executor):
    prelude = """\
        import os
        COUNT = 0
        open("/tmp/marker", "w").write("x")
    """
    body = """\
        global COUNT
        COUNT += 1
        return {"count": COUNT, "marker": os.path.exists("/tmp/marker")}
    """
    trace = run(executor, {"functions": {"fn": fn(body, prelude)}, "steps": [invoke(0, "fn", repeat=2)]})

    first, second = trace["attempts"]
    assert first["response"]["count"] == 1
    assert first["cold_start"] and "Init Duration" in first["logs"][-1]
    assert second["response"] == {"count": 2, "marker": True}
    assert not second["cold_start"] and "Init Duration" not in second["logs"][-1]
    assert second["environment_id"] == first["environment_id"]


def test_s15_init_over_10_s_is_run_again_inside_the_invoke(executor):
    prelude = "import time\ntime.sleep(12)\n"
    trace = run(
        executor,
        {
            "functions": {
                "slow": fn('return "ready"', prelude, timeout_s=30),
                "short": fn('return "ready"', prelude, timeout_s=3),
            },
            "steps": [invoke(0, "slow"), invoke(0, "short")],
        },
    )

    slow, short = trace["responses"]
    slow_attempt = next(a for a in trace["attempts"] if a["function"] == "slow")
    assert any(line.startswith("INIT_REPORT") and "Status: timeout" in line for line in slow_attempt["logs"])
    assert slow["payload"] == "ready" and slow["function_error"] is None
    assert slow_attempt["duration_ms"] >= 12000
    assert short["function_error"] == "Unhandled"
    assert short["payload"]["errorType"] == "Sandbox.Timedout"


def test_s17_context_object_through_an_alias(executor):
    body = """\
        return {
            "name": context.function_name,
            "version": context.function_version,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "group": context.log_group_name,
            "remaining": context.get_remaining_time_in_millis(),
            "no_client_context": context.client_context is None,
        }
    """
    trace = run(
        executor,
        {
            "functions": {
                "ctxfn": fn(body, memory_mb=256, timeout_s=10, versions={"1": {}}, aliases={"prod": {"version": "1"}})
            },
            "steps": [invoke(0, "ctxfn:prod"), invoke(1, "ctxfn:prod", type="Event")],
        },
    )

    seen = trace["responses"][0]["payload"]
    assert seen["name"] == "ctxfn" and seen["version"] == "1"
    assert seen["arn"].endswith(":function:ctxfn:prod")
    assert seen["memory"] == "256"
    assert seen["group"] == "/aws/lambda/ctxfn"
    assert 0 < seen["remaining"] <= 10000
    assert seen["no_client_context"] is True
    assert trace["responses"][0]["executed_version"] == "1"
    assert trace["attempts"][1]["response"]["no_client_context"] is True


def test_s17_client_context_reaches_sync_calls_only(executor):
    body = "return None if context.client_context is None else context.client_context.custom"
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body)},
            "steps": [
                invoke(0, "fn", client_context={"custom": {"k": "v"}}),
                invoke(1, "fn", type="Event", client_context={"custom": {"k": "v"}}),
            ],
        },
    )

    assert trace["responses"][0]["payload"] == {"k": "v"}
    assert trace["attempts"][1]["response"] is None


def test_s18_reserved_environment_variable_is_rejected():
    def scenario(environment: dict) -> dict:
        return {"functions": {"fn": fn("return 1", environment=environment)}}

    rejected = problems(scenario({"AWS_REGION": "x"}))
    accepted = problems(scenario({"MY_REGION": "x"}))
    too_big = problems(scenario({f"K{i}": "v" * 100 for i in range(45)}))

    assert "InvalidParameterValueException" in rejected and "reserved keys" in rejected and "AWS_REGION" in rejected
    assert accepted == ""
    assert too_big != ""


# --- C. Asynchronous invocation, DLQ, destinations ---------------------------------------------------------------


def test_s19_async_error_retries_twice_then_on_failure_record(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('raise RuntimeError("boom")', **{"async": {"on_failure": "queue:fail-q"}})},
            "queues": {"fail-q": {}},
            "steps": [invoke(0, "fn", type="Event", payload={"id": 7})],
        },
    )

    attempts = trace["attempts"]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert len({a["request_id"] for a in attempts}) == 1
    assert attempts[1]["start_s"] - attempts[0]["end_s"] == pytest.approx(60, rel=0.1)
    assert attempts[2]["start_s"] - attempts[1]["end_s"] == pytest.approx(120, rel=0.1)
    messages = trace["queues"]["fail-q"]
    assert len(messages) == 1
    record = json.loads(messages[0]["body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"id": 7}
    assert record["responseContext"]["statusCode"] == 200
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "RuntimeError"


def test_s21_on_success_destination_invokes_function_b_once(executor):
    trace = run(
        executor,
        {
            "functions": {
                "a": fn('return {"sum": event["a"] + event["b"]}', **{"async": {"on_success": "function:b"}}),
                "b": fn("return event"),
            },
            "steps": [
                invoke(0, "a", type="Event", payload={"a": 1, "b": 2}),
                invoke(10, "a", payload={"a": 1, "b": 2}),
            ],
        },
    )

    b_runs = [a for a in trace["attempts"] if a["function"] == "b"]
    assert len(b_runs) == 1
    record = b_runs[0]["response"]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"a": 1, "b": 2}
    assert record["responsePayload"] == {"sum": 3}
    assert "functionError" not in record["responseContext"]


def test_s22_function_dlq_gets_the_original_event_with_attributes(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('raise RuntimeError("always")', dead_letter="queue:dlq")},
            "queues": {"dlq": {}},
            "steps": [invoke(0, "fn", type="Event", payload={"k": "v"}), invoke(1000, "fn", payload={"sync": True})],
        },
    )

    assert len([a for a in trace["attempts"] if a["trigger"] == "async"]) == 3
    messages = trace["queues"]["dlq"]
    assert len(messages) == 1
    assert json.loads(messages[0]["body"]) == {"k": "v"}
    attributes = messages[0]["message_attributes"]
    assert attributes["RequestID"] == {"DataType": "String", "StringValue": trace["responses"][0]["request_id"]}
    assert attributes["ErrorCode"]["DataType"] == "Number"
    assert attributes["ErrorMessage"] == {"DataType": "String", "StringValue": "always"}


def test_s24_async_throttles_wait_without_using_retry_attempts(executor):
    trace = run(
        executor,
        {
            "functions": {
                "fn": fn(
                    'time.sleep(20)\nreturn "done"',
                    "import time\n",
                    reserved_concurrency=1,
                    timeout_s=30,
                    dead_letter="queue:dlq",
                    **{"async": {"maximum_retry_attempts": 0, "on_failure": "queue:failed"}},
                )
            },
            "queues": {"failed": {}, "dlq": {}},
            "steps": [invoke(0, "fn", type="Event", payload={"n": 1}), invoke(0, "fn", type="Event", payload={"n": 2})],
        },
    )

    ran = [a for a in trace["attempts"] if a["outcome"] != "throttled"]
    throttled = [a for a in trace["attempts"] if a["outcome"] == "throttled"]
    assert [a["outcome"] for a in ran] == ["success", "success"]
    assert len({a["request_id"] for a in ran}) == 2
    assert throttled and all(a["environment_id"] is None for a in throttled)
    assert ran[1]["start_s"] >= ran[0]["end_s"]
    assert trace["queues"]["failed"] == [] and trace["queues"]["dlq"] == []
    assert trace["deliveries"] == [] and trace["dropped"] == []


def test_s26_duplicate_delivery_flag_runs_an_event_twice_and_is_off_by_default(executor):
    def scenario(flag: bool) -> dict:
        return {
            "account": {"duplicate_delivery": flag},
            "functions": {"fn": fn("return 1")},
            "steps": [invoke(0, "fn", type="Event")],
        }

    default = run(executor, scenario(False))
    doubled = run(executor, scenario(True))

    assert len(default["attempts"]) == 1
    assert len(doubled["attempts"]) == 2
    assert len({a["request_id"] for a in doubled["attempts"]}) == 1


# --- D. Concurrency and scaling ----------------------------------------------------------------------------------


def test_s27_reserved_concurrency_zero_throttles_sync_calls(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1", reserved_concurrency=0)}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 429
    assert response["error_type"] == "TooManyRequestsException"
    assert response["reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert trace["attempts"] == []


def test_s27_reserved_concurrency_zero_sends_async_events_straight_to_failure(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return 1", reserved_concurrency=0, **{"async": {"on_failure": "queue:failed"}})},
            "queues": {"failed": {}},
            "steps": [invoke(0, "fn", type="Event")],
        },
    )

    assert trace["responses"][0]["status_code"] == 202
    assert [a["outcome"] for a in trace["attempts"]] == ["throttled"]
    record = json.loads(trace["queues"]["failed"][0]["body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0


def test_s29_account_limit_throttles_the_eleventh_call(executor):
    sleeper = fn("time.sleep(5)\nreturn 1", "import time\n", timeout_s=10)
    trace = run(
        executor,
        {
            "account": {"concurrency_limit": 10, "unreserved_minimum": 10},
            "functions": {"one": sleeper, "two": sleeper},
            "steps": [invoke(0, "one", repeat=6, parallel=True), invoke(0, "two", repeat=5, parallel=True)],
        },
    )

    codes = [r["status_code"] for r in trace["responses"]]
    assert codes.count(200) == 10
    throttled = [r for r in trace["responses"] if r["status_code"] == 429]
    assert len(throttled) == 1 and throttled[0]["reason"] == "ConcurrentInvocationLimitExceeded"


def test_s32_scaling_rate_throttles_new_environments_beyond_the_bucket(executor):
    # The full-size check (1,500 calls, 1,000 environments) is in test_engine_concurrency.py, on the pure
    # core; here the same rule runs real handlers with the bucket scaled down (account.scaling_limit).
    trace = run(
        executor,
        {
            "account": {"concurrency_limit": 5000, "scaling_limit": 20},
            "functions": {"fn": fn("time.sleep(30)\nreturn 1", "import time\n", timeout_s=60)},
            "steps": [invoke(0, "fn", repeat=30, parallel=True), invoke(10, "fn", repeat=10, parallel=True)],
        },
    )

    first = [r for r in trace["responses"] if r["step"] == 0]
    retry = [r for r in trace["responses"] if r["step"] == 1]
    assert sum(r["status_code"] == 200 for r in first) == 20
    assert sum(r["status_code"] == 429 for r in first) == 10
    assert all(r["status_code"] == 200 for r in retry)
    assert trace["metrics"]["fn"]["max_concurrency"] == 30


# --- E. SQS event source mapping ---------------------------------------------------------------------------------

BAD_BATCH = """\
print("receive counts", sorted({r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]}))
if any(record["body"] == "bad" for record in event["Records"]):
    raise ValueError("bad message in batch")
return {"n": len(event["Records"])}
"""


def test_s33_a_failed_batch_comes_back_whole_then_moves_to_the_queue_dlq(executor):
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


def test_s34_partial_batch_response_returns_only_the_failed_messages(executor):
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


def test_s34_without_report_batch_item_failures_the_list_is_ignored(executor):
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


def test_s36_visibility_timeout_below_function_timeout_is_rejected():
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
def test_s37_batch_parameters_are_checked(queue, mapping, ok):
    found = problems(
        {
            "functions": {"fn": fn("return 1")},
            "queues": {queue: {"fifo": queue.endswith(".fifo")}},
            "event_source_mappings": [{"function": "fn", "source": f"queue:{queue}", **mapping}],
        }
    )

    assert (found == "") is ok, found


def test_s39_filtered_out_messages_are_deleted(executor):
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


def test_s40_sqs_record_shape(executor):
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


# --- F. Kinesis / DynamoDB Streams mappings ---------------------------------------------------------------------

FIVE_RECORDS = {
    "at_s": 0,
    "put_records": {"stream": "clicks", "records": [{"data": f"r{i}", "partition_key": "k"} for i in range(1, 6)]},
}
DECODE = "import base64\n"
SEEN = 'seen = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]\n'


def test_s42_retry_limit_sends_metadata_to_on_failure_and_moves_on(executor):
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


def test_s44_partial_batch_response_restarts_at_the_lowest_failed_record(executor):
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


def test_s45_kinesis_data_arrives_base64(executor):
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
def test_s45_stream_mapping_parameters_are_checked(stream_type, mapping, ok):
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


# --- K. Push sources (async semantics) --------------------------------------------------------------------------


def test_sns_fans_out_to_a_function_and_a_queue(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return event["Records"][0]["Sns"]["Message"]')},
            "queues": {"audit": {}},
            "topics": {"alerts": {"subscriptions": ["function:fn", "queue:audit"]}},
            "steps": [{"at_s": 0, "publish": {"topic": "alerts", "message": "hello"}}],
        },
    )

    assert [(a["trigger"], a["response"]) for a in trace["attempts"]] == [("sns", "hello")]
    assert json.loads(trace["queues"]["audit"][0]["body"])["Message"] == "hello"
    assert trace["topics"]["alerts"][0]["message"] == "hello"


def test_eventbridge_rule_invokes_only_matching_events(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return event["detail"]')},
            "buses": {
                "default": {
                    "rules": [
                        {
                            "name": "big",
                            "pattern": {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}},
                            "targets": ["function:fn"],
                        }
                    ]
                }
            },
            "steps": [
                {
                    "at_s": 0,
                    "put_events": {
                        "bus": "default",
                        "entries": [
                            {"source": "shop", "detail_type": "Order", "detail": {"total": 500}},
                            {"source": "shop", "detail_type": "Order", "detail": {"total": 5}},
                            {"source": "other", "detail_type": "Order", "detail": {"total": 900}},
                        ],
                    },
                }
            ],
        },
    )

    assert [(a["trigger"], a["response"]) for a in trace["attempts"]] == [("eventbridge", {"total": 500})]
    assert len(trace["buses"]["default"]) == 3


def test_s3_notification_invokes_with_an_url_encoded_key(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return event["Records"][0]["s3"]["object"]["key"]')},
            "buckets": {
                "uploads": {
                    "notifications": [{"events": ["s3:ObjectCreated:*"], "target": "function:fn", "suffix": ".csv"}]
                }
            },
            "steps": [
                {"at_s": 0, "put_object": {"bucket": "uploads", "key": "my report.csv"}},
                {"at_s": 1, "put_object": {"bucket": "uploads", "key": "image.png"}},
            ],
        },
    )

    assert [(a["trigger"], a["response"]) for a in trace["attempts"]] == [("s3", "my+report.csv")]


# --- G. Synchronous callers --------------------------------------------------------------------------------------

INTERNAL_ERROR = {"message": "Internal server error"}


def http(at_s: float, api: str, path: str = "/items/1", **request) -> dict:
    return {"at_s": at_s, "http": {"api": api, "method": "GET", "path": path, **request}}


def test_s46_api_gateway_passes_404_and_maps_errors_throttles_and_timeouts(executor):
    names = ("missing", "raises", "blocked", "slow")
    trace = run(
        executor,
        {
            "functions": {
                "missing": fn('return {"statusCode": 404, "body": "nf"}'),
                "raises": fn('raise ValueError("boom")'),
                "blocked": fn('return {"statusCode": 200, "body": "ok"}', reserved_concurrency=0),
                "slow": fn('time.sleep(40)\nreturn {"statusCode": 200, "body": "late"}', "import time\n", timeout_s=60),
            },
            "apis": {name: {"function": name} for name in names},
            "steps": [http(0, name) for name in names],
        },
    )

    got = {r["api"]: r for r in trace["api_responses"]}
    assert (got["missing"]["status_code"], got["missing"]["body"]) == (404, "nf")
    assert got["raises"]["status_code"] == 502 and json.loads(got["raises"]["body"]) == INTERNAL_ERROR
    assert got["blocked"]["status_code"] == 500 and json.loads(got["blocked"]["body"]) == INTERNAL_ERROR
    assert got["slow"]["status_code"] == 504
    assert json.loads(got["slow"]["body"]) == {"message": "Endpoint request timed out"}
    assert got["slow"]["at_s"] == pytest.approx(29, rel=0.1)
    slow = next(a for a in trace["attempts"] if a["function"] == "slow")
    assert slow["outcome"] == "success" and slow["end_s"] >= 40  # it kept running after the 504
    # One invoke per request, never a retry; the throttled one never ran.
    assert {a["function"] for a in trace["attempts"]} == {"missing", "raises", "slow"}
    assert len(trace["attempts"]) == 3 and {a["trigger"] for a in trace["attempts"]} == {"apigateway"}
    assert trace["metrics"]["blocked"]["throttles"] == 1 and trace["metrics"]["blocked"]["invocations"] == 0


def test_s46_the_handler_gets_the_proxy_event_and_a_malformed_response_is_502(executor):
    echo = """\
        return {"statusCode": 201, "headers": {"X-Seen": event["httpMethod"]},
                "body": json.dumps([event["path"], event["queryStringParameters"], event["body"]])}
    """
    trace = run(
        executor,
        {
            "functions": {"echo": fn(echo, "import json\n"), "bad": fn('return {"status": 200, "body": {"a": 1}}')},
            "apis": {"shop": {"function": "echo"}, "broken": {"function": "bad"}},
            "steps": [
                {
                    "at_s": 0,
                    "http": {"api": "shop", "method": "POST", "path": "/orders", "query": {"q": "1"}, "body": "hi"},
                },
                http(1, "broken"),
            ],
        },
    )

    shop, broken = trace["api_responses"]
    assert shop["status_code"] == 201 and shop["headers"] == {"X-Seen": "POST"}
    assert json.loads(shop["body"]) == ["/orders", {"q": "1"}, "hi"]
    assert broken["status_code"] == 502 and json.loads(broken["body"]) == INTERNAL_ERROR


def test_s46_integration_timeout_above_29_s_is_rejected():
    found = problems(
        {"functions": {"fn": fn("return 1")}, "apis": {"shop": {"function": "fn", "integration_timeout_ms": 30000}}}
    )

    assert "apis.shop.integration_timeout_ms" in found and "29000" in found


# --- H. VPC reachability -----------------------------------------------------------------------------------------

PROBE_PRELUDE = "import socket\n"
PROBE = """\
results = {}
for host, port in event["targets"]:
    try:
        socket.create_connection((host, port), timeout=1).close()
        results[f"{host}:{port}"] = "connected"
    except OSError as error:
        results[f"{host}:{port}"] = type(error).__name__
return results
"""
NETWORK = {
    "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
    "internet_gateways": {"igw": {"vpc": "main"}},
    "nat_gateways": {"nat-n": {"subnet": "public-p"}},
    "route_tables": {
        "public": {"vpc": "main", "routes": {"0.0.0.0/0": "igw"}},
        "private-nat": {"vpc": "main", "routes": {"0.0.0.0/0": "nat-n"}},
        "private-local": {"vpc": "main", "routes": {}},
    },
    "subnets": {
        "public-p": {"vpc": "main", "cidr": "10.0.0.0/24", "route_table": "public"},
        "private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private-nat"},
        "private-b": {"vpc": "main", "cidr": "10.0.3.0/24", "route_table": "private-local"},
        "data": {"vpc": "main", "cidr": "10.0.2.0/24", "route_table": "private-local"},
    },
    "security_groups": {
        "sg-fn": {"vpc": "main", "egress": [{"protocol": "tcp", "ports": "all", "to": "0.0.0.0/0"}]},
        "sg-db": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 5432, "from": "sg-fn"}]},
        "sg-endpoint": {"vpc": "main", "ingress": [{"protocol": "tcp", "ports": 443, "from": "sg-fn"}]},
    },
    "endpoints": {"s3-gateway": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["private-local"]}},
    "hosts": {
        "db": {"name": "db.internal", "ip": "10.0.2.10", "port": 5432, "subnet": "data", "security_groups": ["sg-db"]},
        "web": {"name": "example.com", "port": 443, "internet": True},
    },
}
VPC_ROLE = {"policies": ["AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"]}
S3 = "s3.us-east-1.amazonaws.com"
DYNAMODB = "dynamodb.us-east-1.amazonaws.com"
SQS = "sqs.us-east-1.amazonaws.com"


def probe(executor, vpc, targets, network=NETWORK) -> tuple[dict, list]:
    config = {"role": VPC_ROLE, "timeout_s": 30}
    if vpc:
        config["vpc"] = vpc
    trace = run(
        executor,
        {
            "functions": {"fn": fn(PROBE, PROBE_PRELUDE, **config)},
            "network": network,
            "steps": [invoke(0, "fn", payload={"targets": targets})],
        },
    )
    return trace["responses"][0]["payload"], trace["connections"]


def test_s47_without_vpc_the_internet_works_and_private_addresses_do_not(executor):
    results, connections = probe(executor, None, [["example.com", 443], ["10.0.2.10", 5432]])

    assert results["example.com:443"] == "connected"
    assert results["10.0.2.10:5432"] != "connected"
    verdicts = {c["host"]: c for c in connections}
    assert verdicts["10.0.2.10"]["outcome"] == "timeout" and verdicts["10.0.2.10"]["reason"]


def test_s48_private_subnet_with_nat_reaches_internet_and_database(executor):
    results, connections = probe(
        executor,
        {"subnets": ["private-a"], "security_groups": ["sg-fn"]},
        [["example.com", 443], ["db.internal", 5432]],
    )

    assert results == {"example.com:443": "connected", "db.internal:5432": "connected"}
    assert all(c["outcome"] == "connected" and c["reason"] for c in connections)


def test_public_subnet_trap_gives_no_internet(executor):
    results, connections = probe(
        executor, {"subnets": ["public-p"], "security_groups": ["sg-fn"]}, [["example.com", 443]]
    )

    assert results["example.com:443"] != "connected"
    assert connections[0]["outcome"] == "timeout"
    assert "public" in connections[0]["reason"] or "internet gateway" in connections[0]["reason"]


def test_s50_gateway_endpoint_only_reaches_s3(executor):
    results, _ = probe(
        executor,
        {"subnets": ["private-b"], "security_groups": ["sg-fn"]},
        [[S3, 443], [DYNAMODB, 443], [SQS, 443], ["example.com", 443]],
    )

    assert results[f"{S3}:443"] == "connected"
    assert results[f"{DYNAMODB}:443"] != "connected"
    assert results[f"{SQS}:443"] != "connected"
    assert results["example.com:443"] != "connected"


def test_s50_adding_dynamodb_gateway_and_sqs_interface_endpoints_fixes_them(executor):
    network = json.loads(json.dumps(NETWORK))
    network["endpoints"]["ddb-gateway"] = {
        "type": "gateway",
        "service": "dynamodb",
        "vpc": "main",
        "route_tables": ["private-local"],
    }
    network["endpoints"]["sqs-interface"] = {
        "type": "interface",
        "service": "sqs",
        "vpc": "main",
        "subnets": ["private-b"],
        "security_groups": ["sg-endpoint"],
    }

    results, _ = probe(
        executor, {"subnets": ["private-b"], "security_groups": ["sg-fn"]}, [[DYNAMODB, 443], [SQS, 443]], network
    )

    assert results == {f"{DYNAMODB}:443": "connected", f"{SQS}:443": "connected"}


def test_vpc_without_eni_permissions_is_rejected():
    found = problems(
        {
            "functions": {
                "fn": fn(
                    "return 1",
                    vpc={"subnets": ["private-a"], "security_groups": ["sg-fn"]},
                    role={"policies": ["AWSLambdaBasicExecutionRole"]},
                )
            },
            "network": NETWORK,
        }
    )

    assert "InvalidParameterValueException" in found and "CreateNetworkInterface" in found


def test_s53_an_idle_vpc_function_goes_inactive_then_pending_then_active(executor):
    idle = 14 * 86400
    vpc = {"subnets": ["private-a"], "security_groups": ["sg-fn"]}

    def state_at(at_s):
        return {"at_s": at_s, "get_function": {"function": "fn"}}

    trace = run(
        executor,
        {
            "account": {"vpc_eni_delay_s": 60},
            "functions": {"fn": fn("return 1", vpc=vpc, role=VPC_ROLE)},
            "network": NETWORK,
            "steps": [
                state_at(0),
                invoke(1, "fn"),
                invoke(61, "fn"),
                state_at(61 + idle - 60),
                state_at(61 + idle + 5),
                invoke(61 + idle + 10, "fn"),
                state_at(61 + idle + 11),
                invoke(61 + idle + 12, "fn"),
                state_at(61 + idle + 80),
                invoke(61 + idle + 81, "fn"),
            ],
        },
    )

    assert [(s["state"], s["state_reason_code"]) for s in trace["function_states"]] == [
        ("Pending", "Creating"),
        ("Active", None),
        ("Inactive", "Idle"),
        ("Pending", "Restoring"),
        ("Active", None),
    ]
    codes = [(r["status_code"], r["error_type"]) for r in trace["responses"]]
    assert codes == [
        (409, "ResourceConflictException"),
        (200, None),
        (502, "ResourceNotReadyException"),
        (409, "ResourceConflictException"),
        (200, None),
    ]
    assert len(trace["attempts"]) == 2


# --- I. Versions, aliases, Step Functions ------------------------------------------------------------------------

WHO_RAN = 'return {"version": context.function_version, "arn": context.invoked_function_arn}'
WEIGHTED = {"versions": {"1": {}, "2": {}}, "aliases": {"prod": {"version": "1", "weights": {"2": 0.1}}}}


def test_s54_weighted_alias_sends_10_percent_of_10000_calls_to_version_2():
    # The 10,000-call check runs on the pure core (the alias draw of invoke.resolve, seeded);
    # the next test runs real handlers through the same draw.
    state = new_state({"functions": {"fn": {"code": "x", **WEIGHTED}}}, seed=1)

    chosen = [resolve(state, "fn", "prod") for _ in range(10000)]

    share = sum(c["version"] == "2" for c in chosen) / len(chosen)
    assert 0.085 <= share <= 0.115
    assert {c["version"] for c in chosen} == {"1", "2"} and {c["qualifier"] for c in chosen} == {"prod"}


def test_s54_weighted_alias_runs_both_versions_and_reports_the_alias_arn(executor):
    trace = run(executor, {"functions": {"fn": fn(WHO_RAN, **WEIGHTED)}, "steps": [invoke(0, "fn:prod", repeat=100)]})

    responses = trace["responses"]
    assert all(r["status_code"] == 200 for r in responses)
    assert all(r["payload"]["version"] == r["executed_version"] for r in responses)
    assert all(r["payload"]["arn"].endswith(":function:fn:prod") for r in responses)
    on_two = sum(r["executed_version"] == "2" for r in responses)
    assert 0 < on_two < 30 and {r["executed_version"] for r in responses} == {"1", "2"}


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ({"version": "1", "weights": {"$LATEST": 0.1}}, "$LATEST is not supported"),
        ({"version": "$LATEST", "weights": {"2": 0.1}}, "$LATEST is not supported"),
        ({"version": "1", "weights": {"2": 1.5}}, "less than or equal to 1.0"),
    ],
)
def test_s54_weights_on_latest_or_above_1_are_rejected(alias, expected):
    found = problems({"functions": {"fn": fn("return 1", versions={"1": {}, "2": {}}, aliases={"prod": alias})}})

    assert "functions.fn.aliases.prod.weights" in found and expected in found


def test_s55_a_published_version_keeps_its_configuration(executor):
    # AWS's key pattern [a-zA-Z]([a-zA-Z0-9_])+ needs two characters, so the spec's A is VAR_A here.
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return os.environ["VAR_A"]', "import os\n", environment={"VAR_A": "1"})},
            "steps": [
                {"at_s": 0, "publish_version": {"function": "fn"}},
                {"at_s": 1, "update_function": {"function": "fn", "environment": {"VAR_A": "2"}}},
                invoke(2, "fn:1"),
                invoke(3, "fn"),
                {"at_s": 4, "publish_version": {"function": "fn"}},
                {"at_s": 5, "publish_version": {"function": "fn"}},
                invoke(6, "fn:2"),
                invoke(7, "fn:3"),
            ],
        },
    )

    seen = [(r["payload"], r["executed_version"]) for r in trace["responses"][:3]]
    assert seen == [("1", "1"), ("2", "$LATEST"), ("2", "2")]
    assert [(p["version"], p["created"]) for p in trace["publishes"]] == [("1", True), ("2", True), ("2", False)]
    assert trace["responses"][3]["status_code"] == 404  # no version 3 was made


def task_machine(function: str) -> dict:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["ValueError"], "MaxAttempts": 2, "IntervalSeconds": 1, "BackoffRate": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback", "ResultPath": "$.err"}],
                "End": True,
            },
            "Fallback": {"Type": "Pass", "End": True},
        },
    }


def run_machine(executor, function: dict) -> dict:
    return run(
        executor,
        {
            "functions": {"fn": function},
            "state_machines": {"flow": task_machine("fn")},
            "steps": [{"at_s": 0, "start_execution": {"state_machine": "flow", "input": {"order": 7}}}],
        },
    )


def test_s56_value_error_is_retried_twice_with_backoff_then_caught(executor):
    trace = run_machine(executor, fn('raise ValueError("no stock")'))

    attempts = trace["attempts"]
    assert len(attempts) == 3 and {a["trigger"] for a in attempts} == {"stepfunctions"}
    assert attempts[1]["start_s"] - attempts[0]["end_s"] == pytest.approx(1, rel=0.1)
    assert attempts[2]["start_s"] - attempts[1]["end_s"] == pytest.approx(2, rel=0.1)
    assert len({a["request_id"] for a in attempts}) == 3  # each retry is a new invocation
    (execution,) = trace["executions"]
    assert execution["status"] == "SUCCEEDED"
    assert execution["output"]["order"] == 7 and execution["output"]["err"]["Error"] == "ValueError"
    assert json.loads(execution["output"]["err"]["Cause"])["errorMessage"] == "no stock"
    assert [h["state"] for h in execution["history"] if h["type"] == "StateEntered"] == ["Call", "Fallback"]


def test_s56_a_timeout_is_lambda_unknown_not_retried_and_caught_by_states_all(executor):
    trace = run_machine(executor, fn("time.sleep(5)", "import time\n", timeout_s=1))

    assert [a["outcome"] for a in trace["attempts"]] == ["timeout"]
    (execution,) = trace["executions"]
    assert execution["output"]["err"]["Error"] in ("Lambda.Unknown", "Sandbox.Timedout")
    assert not any(h["type"] == "Retry" for h in execution["history"])
    assert execution["status"] == "SUCCEEDED"


# --- J. Recursion -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "runs"), [("Terminate", 32), ("Allow", 40)])
def test_s57_a_loop_through_destinations_stops_after_16_invocations_of_a_function(executor, setting, runs):
    trace = run(
        executor,
        {
            "account": {"max_attempts": 40},
            "functions": {
                "ping": fn('return "ping"', recursive_loop=setting, **{"async": {"on_success": "function:pong"}}),
                "pong": fn('return "pong"', recursive_loop=setting, **{"async": {"on_success": "function:ping"}}),
            },
            "steps": [invoke(0, "ping", type="Event", payload={"hop": 0})],
        },
    )

    assert len(trace["attempts"]) == runs
    if setting == "Terminate":
        assert sum(a["function"] == "ping" for a in trace["attempts"]) == 16
        assert [(d["function"], d["reason"]) for d in trace["dropped"]] == [("ping", "RecursiveInvocationDropped")]
        assert trace["metrics"]["ping"]["recursive_invocations_dropped"] == 1
    else:
        assert trace["stopped"] and trace["dropped"] == []
