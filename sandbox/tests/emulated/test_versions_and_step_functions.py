"""Versions, weighted aliases and Step Functions tasks with Retry and Catch.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

import pytest

from sandbox.emulator.qualifiers import resolve
from sandbox.emulator.state import new_state

from .parts import fn, invoke, problems, run

WHO_RAN = 'return {"version": context.function_version, "arn": context.invoked_function_arn}'
WEIGHTED = {"versions": {"1": {}, "2": {}}, "aliases": {"prod": {"version": "1", "weights": {"2": 0.1}}}}


def test_weighted_alias_sends_10_percent_of_10000_calls_to_version_2():
    # The 10,000-call check runs on the pure core (the alias draw of invoke.resolve, seeded);
    # the next test runs real handlers through the same draw.
    state = new_state({"functions": {"fn": {"code": "x", **WEIGHTED}}}, seed=1)

    chosen = [resolve(state, "fn", "prod") for _ in range(10000)]

    share = sum(c["version"] == "2" for c in chosen) / len(chosen)
    assert 0.085 <= share <= 0.115
    assert {c["version"] for c in chosen} == {"1", "2"} and {c["qualifier"] for c in chosen} == {"prod"}


def test_weighted_alias_runs_both_versions_and_reports_the_alias_arn(executor):
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
        ({"version": "1", "weights": {"$LATEST": 0.1}}, "regular expression pattern: [0-9]+"),
        ({"version": "$LATEST", "weights": {"2": 0.1}}, "$LATEST is not supported"),
        ({"version": "1", "weights": {"2": 1.5}}, "less than or equal to 1.0"),
    ],
)
def test_weights_on_latest_or_above_1_are_rejected(alias, expected):
    found = problems({"functions": {"fn": fn("return 1", versions={"1": {}, "2": {}}, aliases={"prod": alias})}})

    assert "functions.fn.aliases.prod.weights" in found and expected in found


def test_a_published_version_keeps_its_configuration(executor):
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


def test_value_error_is_retried_twice_with_backoff_then_caught(executor):
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


def test_a_timeout_is_lambda_unknown_not_retried_and_caught_by_states_all(executor):
    trace = run_machine(executor, fn("time.sleep(5)", "import time\n", timeout_s=1))

    assert [a["outcome"] for a in trace["attempts"]] == ["timeout"]
    (execution,) = trace["executions"]
    assert execution["output"]["err"]["Error"] in ("Lambda.Unknown", "Sandbox.Timedout")
    assert not any(h["type"] == "Retry" for h in execution["history"])
    assert execution["status"] == "SUCCEEDED"
