"""Invariants of the emulator, checked on generated scenarios with real handlers."""

from __future__ import annotations

import collections

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.emulator.simulation import simulate
from sandbox.emulator.trace import MEASURED_METRICS
from sandbox.runtime.local import LocalExecutor

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fails when the event says so; sleeps as long as it says (virtual time).
HANDLER = """\
import time

def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    return event.get("n")
"""


@pytest.fixture(scope="module")
def executor():
    made = LocalExecutor()
    yield made
    made.close()


event_spec = st.fixed_dictionaries(
    {
        "at_s": st.integers(0, 400),
        "fail": st.booleans(),
        "sleep": st.sampled_from([0, 0.5, 5, 20]),
    }
)


@SETTINGS
@given(
    events=st.lists(event_spec, min_size=1, max_size=8),
    retries=st.integers(0, 2),
    max_age=st.sampled_from([60, 200, 21600]),
    reserved=st.sampled_from([None, 0, 1, 2]),
    dead_letter=st.booleans(),
    on_failure=st.booleans(),
    on_success=st.booleans(),
)
def test_every_async_event_ends_exactly_once(
    executor, events, retries, max_age, reserved, dead_letter, on_failure, on_success
):
    settings_ = {"maximum_retry_attempts": retries, "maximum_event_age_s": max_age}
    if on_failure:
        settings_["on_failure"] = "queue:failed"
    if on_success:
        settings_["on_success"] = "queue:succeeded"
    function = {"code": HANDLER, "timeout_s": 30, "reserved_concurrency": reserved, "async": settings_}
    if dead_letter:
        function["dead_letter"] = "queue:dlq"
    scenario = {
        "functions": {"fn": function},
        "queues": {"failed": {}, "succeeded": {}, "dlq": {}},
        "steps": [
            {
                "at_s": e["at_s"],
                "invoke": {
                    "function": "fn",
                    "type": "Event",
                    "payload": {"n": i, "fail": e["fail"], "sleep": e["sleep"]},
                },
            }
            for i, e in enumerate(events)
        ],
    }

    trace = simulate(scenario, executor, seed=7)

    request_ids = [r["request_id"] for r in trace["responses"]]
    assert all(r["status_code"] == 202 for r in trace["responses"])
    for request_id in request_ids:
        runs = [a for a in trace["attempts"] if a["request_id"] == request_id and a["outcome"] != "throttled"]
        succeeded = any(a["outcome"] == "success" for a in runs)
        failure_deliveries = [
            d for d in trace["deliveries"] if d["request_id"] == request_id and d["condition"] != "Success"
        ]
        drops = [d for d in trace["dropped"] if d["request_id"] == request_id]
        endings = int(succeeded) + int(bool(failure_deliveries)) + len(drops)
        assert endings == 1, (request_id, runs, failure_deliveries, drops)
        assert len(runs) <= 1 + retries
        assert sum(a["outcome"] == "success" for a in runs) <= 1
        assert len({d["target"] for d in failure_deliveries}) == len(failure_deliveries)
        assert all(d["reason"] for d in drops)
        if succeeded and on_success:
            assert [d["condition"] for d in trace["deliveries"] if d["request_id"] == request_id] == ["Success"]
    assert len(trace["queues"]["dlq"]) == sum(d["kind"] == "dlq" for d in trace["deliveries"])


def overlap(attempts: list[dict]) -> int:
    """The most attempts running at one instant (an attempt ending at t frees its slot for one starting at t)."""
    moments = sorted(
        [(a["start_s"], 1) for a in attempts] + [(a["end_s"], -1) for a in attempts], key=lambda m: (m[0], m[1])
    )
    running = peak = 0
    for _, change in moments:
        running += change
        peak = max(peak, running)
    return peak


@SETTINGS
@given(
    limit=st.integers(3, 12),
    reserved_a=st.sampled_from([None, 0, 1, 2, 3]),
    calls=st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from(["RequestResponse", "Event"]),
            st.integers(0, 20),
            st.integers(1, 6),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_concurrency_never_exceeds_a_limit(executor, limit, reserved_a, calls):
    floor = 1
    if reserved_a is not None and reserved_a > limit - floor:
        reserved_a = limit - floor
    scenario = {
        "account": {"concurrency_limit": limit, "unreserved_minimum": floor},
        "functions": {
            "a": {"code": HANDLER, "timeout_s": 30, "reserved_concurrency": reserved_a},
            "b": {"code": HANDLER, "timeout_s": 30},
        },
        "steps": [
            {
                "at_s": at,
                "invoke": {
                    "function": name,
                    "type": kind,
                    "repeat": repeat,
                    "parallel": True,
                    "payload": {"sleep": 10},
                },
            }
            for name, kind, at, repeat in calls
        ],
    }

    trace = simulate(scenario, executor, seed=3)

    ran = [a for a in trace["attempts"] if a["outcome"] != "throttled"]
    a_runs = [a for a in ran if a["function"] == "a"]
    b_runs = [a for a in ran if a["function"] == "b"]
    if reserved_a is not None:
        assert overlap(a_runs) <= reserved_a
        assert overlap(b_runs) <= limit - reserved_a
    assert overlap(ran) <= limit
    for metrics in trace["metrics"].values():
        assert metrics["max_concurrency"] <= limit


FIFO_HANDLER = """\
import hashlib

def lambda_handler(event, context):
    done = []
    for record in event["Records"]:
        key = record["body"] + record["attributes"]["ApproximateReceiveCount"]
        if hashlib.md5(key.encode()).digest()[0] % 3 == 0:
            raise RuntimeError("transient failure")
        done.append(record["body"])
    return done
"""


@SETTINGS
@given(
    groups=st.lists(st.sampled_from(["g1", "g2", "g3"]), min_size=1, max_size=12),
    batch_size=st.integers(1, 10),
)
def test_fifo_order_holds_per_group(executor, groups, batch_size):
    messages = [{"body": f"{group}-{i}", "group_id": group} for i, group in enumerate(groups)]
    scenario = {
        "functions": {"fn": {"code": FIFO_HANDLER, "timeout_s": 10}},
        "queues": {"jobs.fifo": {"fifo": True, "content_based_deduplication": True, "visibility_timeout_s": 30}},
        "event_source_mappings": [{"function": "fn", "source": "queue:jobs.fifo", "batch_size": batch_size}],
        "steps": [{"at_s": 0, "send": {"queue": "jobs.fifo", "messages": messages}}],
        "run_until_s": 20000,
    }

    trace = simulate(scenario, executor, seed=5)

    successes = sorted((a for a in trace["attempts"] if a["outcome"] == "success"), key=lambda a: a["start_s"])
    processed = collections.defaultdict(list)
    for attempt in successes:
        for body in attempt["response"]:
            processed[body.split("-")[0]].append(body)
    for group in set(groups):
        sent = [m["body"] for m in messages if m["group_id"] == group]
        assert processed[group] == sent
    assert trace["queues"]["jobs.fifo"] == []


def projection(trace: dict) -> dict:
    """What a seed fixes: the trace without measured durations and what follows from them (times, the
    order of things that finish at nearly the same instant, which warm environment serves which of two
    near-simultaneous attempts, and the metrics that count overlaps)."""
    return {
        "responses": [
            (r["request_id"], r["status_code"], r["function_error"], r["payload"], r["executed_version"])
            for r in trace["responses"]
        ],
        "attempts": sorted(
            (
                a["request_id"],
                a["function"],
                a["trigger"],
                a["attempt"],
                a["outcome"],
                repr(a["response"]),
                a["error_type"],
                repr(a["batch"]),
            )
            for a in trace["attempts"]
        ),
        "queues": {
            name: sorted((m["message_id"], m["receive_count"]) for m in messages)
            for name, messages in trace["queues"].items()
        },
        "deliveries": sorted((d["kind"], d["condition"], d["target"], d["request_id"]) for d in trace["deliveries"]),
        "dropped": sorted((d["request_id"], d["reason"]) for d in trace["dropped"]),
        "metrics": {
            name: {key: value for key, value in metrics.items() if key not in MEASURED_METRICS}
            for name, metrics in trace["metrics"].items()
        },
    }


@SETTINGS
@given(events=st.lists(event_spec, min_size=1, max_size=6), seed=st.integers(0, 1000))
def test_same_seed_gives_the_same_trace(executor, events, seed):
    scenario = {
        "functions": {
            "fn": {"code": HANDLER, "timeout_s": 30, "dead_letter": "queue:dlq", "async": {"on_success": "queue:done"}}
        },
        "queues": {"dlq": {}, "done": {}, "work": {}},
        "event_source_mappings": [{"function": "fn", "source": "queue:work", "batch_size": 2}],
        "steps": [
            {
                "at_s": e["at_s"],
                "invoke": {
                    "function": "fn",
                    "type": "Event",
                    "payload": {"n": i, "fail": e["fail"], "sleep": e["sleep"]},
                },
            }
            for i, e in enumerate(events)
        ]
        + [{"at_s": 5, "send": {"queue": "work", "messages": ['{"n": 1}', '{"fail": true}', '{"n": 3}']}}],
        "run_until_s": 3600,
    }

    first = simulate(scenario, executor, seed=seed)
    second = simulate(scenario, executor, seed=seed)

    assert projection(first) == projection(second)
    for trace in (first, second):
        assert 1 <= trace["metrics"]["fn"]["max_concurrency"] <= trace["metrics"]["fn"]["invocations"]
