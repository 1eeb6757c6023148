"""Push sources: SNS fan-out, EventBridge rules and S3 notifications.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import json

from .parts import fn, run


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
