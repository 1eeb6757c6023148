"""Concurrency: reserved concurrency, the account limit and the scaling rate.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

from .parts import fn, invoke, run


def test_reserved_concurrency_zero_throttles_sync_calls(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1", reserved_concurrency=0)}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 429
    assert response["error_type"] == "TooManyRequestsException"
    assert response["reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert trace["attempts"] == []


def test_reserved_concurrency_zero_sends_async_events_straight_to_failure(executor):
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


def test_account_limit_throttles_the_eleventh_call(executor):
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


def test_scaling_rate_throttles_new_environments_beyond_the_bucket(executor):
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
