"""API Gateway REST proxy integrations: passed-through responses, mapped errors and timeouts.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

import pytest

from .parts import fn, problems, run

INTERNAL_ERROR = {"message": "Internal server error"}


def http(at_s: float, api: str, path: str = "/items/1", **request) -> dict:
    return {"at_s": at_s, "http": {"api": api, "method": "GET", "path": path, **request}}


def test_api_gateway_passes_404_and_maps_errors_throttles_and_timeouts(executor):
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


def test_the_handler_gets_the_proxy_event_and_a_malformed_response_is_502(executor):
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


def test_integration_timeout_above_29_s_is_rejected():
    found = problems(
        {"functions": {"fn": fn("return 1")}, "apis": {"shop": {"function": "fn", "integration_timeout_ms": 30000}}}
    )

    assert "apis.shop.integration_timeout_ms" in found and "29000" in found
