"""What one run may store: ``limits.bound_trace`` cuts a trace to the sandbox's size and says what it left out."""

from __future__ import annotations

import json

from sandbox import limits

LIMITS = {"TRACE_BYTES": 20 * 1024, "TRACE_ITEMS": 5, "TRACE_VALUE_BYTES": 1024}


def size(value) -> int:
    return len(json.dumps(value).encode())


def test_a_trace_within_the_limit_is_stored_as_it_is():
    trace = {"responses": [{"payload": {"n": 1}}], "metrics": {"echo": {"invocations": 1}}}

    assert limits.bound_trace(trace, LIMITS) is trace


def test_a_long_list_keeps_its_first_items_and_the_metrics_stay_whole():
    trace = {
        "attempts": [{"n": n, "logs": ["z" * 300]} for n in range(200)],
        "metrics": {"echo": {"invocations": 200}},
    }

    cut = limits.bound_trace(trace, LIMITS)

    assert [attempt["n"] for attempt in cut["attempts"]] == [0, 1, 2, 3, 4]
    assert cut["metrics"] == {"echo": {"invocations": 200}}
    assert "195 attempts beyond the first 5 of a list are not kept." in cut["cut"]
    assert len(trace["attempts"]) == 200  # the trace given is not changed


def test_a_large_payload_and_log_keep_their_beginning():
    trace = {
        "responses": [{"function": "echo", "payload": {"data": "x" * 50_000}}],
        "attempts": [{"function": "echo", "logs": [f"line {n} " + "y" * 100 for n in range(500)]}],
        "queues": {"jobs": [{"body": "q" * 30_000}]},
    }

    cut = limits.bound_trace(trace, LIMITS)

    assert size(cut) <= LIMITS["TRACE_BYTES"]
    assert cut["responses"][0]["function"] == "echo"
    assert cut["responses"][0]["payload"].startswith('{"data": "xxx')
    assert cut["attempts"][0]["logs"][0].startswith("line 0 ")
    assert cut["attempts"][0]["logs"][-1].endswith("of logs in all; the rest was not kept]")
    assert cut["queues"]["jobs"][0]["body"].endswith("the rest was not kept]")
    assert cut["cut"][0] == "The trace is larger than the 20 KB the sandbox keeps per run, so it was cut."


def test_a_trace_too_big_for_the_first_cut_is_cut_further():
    trace = {"deliveries": [{"n": n, "body": "d" * 900} for n in range(5)], "dropped": [{"why": "w" * 900}] * 5}
    trace["publishes"] = [{"message": "p" * 900} for _ in range(5)]
    trace["connections"] = [{"host": "h" * 900} for _ in range(5)]
    trace["function_states"] = [{"state": "s" * 900} for _ in range(5)]

    cut = limits.bound_trace(trace, {**LIMITS, "TRACE_BYTES": 8 * 1024})

    assert size(cut) <= 8 * 1024


def test_function_urls_permissions_and_users_count_as_resources_of_a_world():
    statement = {"function": "echo", "principal": "*", "action": "lambda:InvokeFunctionUrl"}
    world = {
        "functions": {"echo": {"code": "x"}},
        "function_urls": {"echo": {"auth_type": "NONE"}},
        "users": {"developer": {}},
        "permissions": [statement] * 38,
    }

    assert limits.world_problem(world, {**limits.DEFAULTS, "RESOURCES": 40}) is None
    world["permissions"].append(statement)
    assert (
        "41 queues, topics, streams, buses, buckets, tables, mappings, hosts, function URLs, permissions and users"
        in (limits.world_problem(world, {**limits.DEFAULTS, "RESOURCES": 40}) or "")
    )
