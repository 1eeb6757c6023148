"""Asynchronous invocation: retries, throttles, the DLQ, destinations and recursion detection.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

import pytest

from .parts import fn, invoke, problems, run


def test_async_error_retries_twice_then_on_failure_record(executor):
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


def test_on_success_destination_invokes_function_b_once(executor):
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


def test_function_dlq_gets_the_original_event_with_attributes(executor):
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


def test_async_throttles_wait_without_using_retry_attempts(executor):
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


def test_duplicate_delivery_flag_runs_an_event_twice_and_is_off_by_default(executor):
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


@pytest.mark.parametrize(("setting", "runs"), [("Terminate", 32), ("Allow", 40)])
def test_a_loop_through_destinations_stops_after_16_invocations_of_a_function(executor, setting, runs):
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


def test_eventbridge_destination_event_has_source_lambda_and_bus_then_function_as_resources(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return {"ok": True}', **{"async": {"on_success": "bus:results"}})},
            "queues": {"seen": {}},
            "buses": {
                "results": {"rules": [{"name": "r", "pattern": {"source": ["lambda"]}, "targets": ["queue:seen"]}]}
            },
            "steps": [invoke(0, "fn", type="Event", payload={"n": 1})],
        },
    )

    messages = trace["queues"]["seen"]
    assert len(messages) == 1
    event = json.loads(messages[0]["body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [
        "arn:aws:events:us-east-1:123456789012:event-bus/results",
        "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST",
    ]
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["responsePayload"] == {"ok": True}


def test_each_qualifier_has_its_own_event_invoke_config_and_none_is_inherited(executor):
    live = {"version": "1", "async": {"maximum_retry_attempts": 1, "on_failure": "queue:live-fail"}}
    trace = run(
        executor,
        {
            "functions": {
                "fn": fn(
                    'raise RuntimeError("boom")',
                    versions={"1": {}},
                    aliases={"live": live},
                    **{"async": {"maximum_retry_attempts": 0, "on_failure": "queue:latest-fail"}},
                )
            },
            "queues": {"latest-fail": {}, "live-fail": {}},
            "steps": [
                invoke(0, "fn", type="Event", payload={"via": "unqualified"}),
                invoke(1, "fn:live", type="Event", payload={"via": "alias"}),
                invoke(2, "fn", qualifier="1", type="Event", payload={"via": "version"}),
            ],
        },
    )

    runs: dict[str, int] = {}
    for response, via in zip(trace["responses"], ("unqualified", "alias", "version"), strict=True):
        runs[via] = sum(a["request_id"] == response["request_id"] for a in trace["attempts"])
    assert runs == {"unqualified": 1, "alias": 2, "version": 3}
    (latest,) = [json.loads(m["body"]) for m in trace["queues"]["latest-fail"]]
    (through_alias,) = [json.loads(m["body"]) for m in trace["queues"]["live-fail"]]
    assert latest["requestPayload"] == {"via": "unqualified"}
    assert latest["requestContext"]["functionArn"].endswith(":function:fn:$LATEST")
    assert through_alias["requestPayload"] == {"via": "alias"}
    assert through_alias["requestContext"]["functionArn"].endswith(":function:fn:live")
    assert through_alias["requestContext"]["approximateInvokeCount"] == 2
    assert [d["reason"] for d in trace["dropped"]] == ["RetriesExhausted"]


def test_an_alias_event_invoke_config_is_checked_like_the_functions():
    scenario = {
        "functions": {
            "fn": fn(
                "return 1",
                versions={"1": {"async": {"maximum_retry_attempts": 3}}},
                aliases={"live": {"version": "1", "async": {"on_success": "function:fn"}}},
            )
        }
    }

    found = problems(scenario)
    assert "functions.fn.versions.1.async.maximum_retry_attempts" in found
    assert "functions.fn.aliases.live.async.on_success" in found
    assert "You can't specify the function as a destination for itself." in found
