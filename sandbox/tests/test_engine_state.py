"""The state is plain JSON: a run can stop, be saved, loaded elsewhere and carry on."""

from __future__ import annotations

import json

import pytest

from sandbox.emulator import engine, trace
from sandbox.emulator.state import new_state, state_from_json, state_to_json
from sandbox.runtime.local import LocalExecutor

SCENARIO = {
    "functions": {
        "fn": {
            "code": "COUNT = 0\n\ndef lambda_handler(event, context):\n    global COUNT\n    COUNT += 1\n"
            "    if event.get('fail'):\n        raise RuntimeError('no')\n    return COUNT\n",
            "dead_letter": "queue:dlq",
            "async": {"on_success": "queue:done"},
        },
    },
    "queues": {"dlq": {}, "done": {}, "work": {"visibility_timeout_s": 30}},
    "event_source_mappings": [{"function": "fn", "source": "queue:work"}],
    "steps": [
        {"at_s": 0, "invoke": {"function": "fn", "type": "Event", "payload": {"fail": True}}},
        {"at_s": 1, "invoke": {"function": "fn", "type": "Event", "payload": {}}},
        {"at_s": 2, "send": {"queue": "work", "messages": ["a", "b"]}},
        {"at_s": 3, "invoke": {"function": "fn", "payload": {}, "repeat": 2}},
    ],
}


@pytest.fixture(scope="module")
def executor():
    made = LocalExecutor()
    yield made
    made.close()


def summary(result: dict) -> dict:
    return {
        "attempts": [(a["request_id"], a["trigger"], a["attempt"], a["outcome"]) for a in result["attempts"]],
        "responses": [(r["request_id"], r["status_code"]) for r in result["responses"]],
        "queues": {name: len(messages) for name, messages in result["queues"].items()},
        "deliveries": [(d["kind"], d["condition"]) for d in result["deliveries"]],
    }


def test_state_round_trips_through_json_unchanged():
    state = new_state(SCENARIO, seed=4)

    again = state_from_json(state_to_json(state))

    assert again == state


def test_a_run_saved_and_loaded_halfway_ends_like_an_uninterrupted_one(executor):
    straight = new_state(SCENARIO, seed=4)
    engine.advance(straight, executor)
    engine.shutdown(straight, executor)

    halves = new_state(SCENARIO, seed=4)
    engine.advance(halves, executor, until_s=100)
    saved = state_to_json(halves)
    resumed = state_from_json(saved)
    engine.advance(resumed, executor)
    engine.shutdown(resumed, executor)

    assert json.loads(saved)["now"] == 100
    assert summary(trace.build(resumed)) == summary(trace.build(straight))
    assert [a["outcome"] for a in trace.build(resumed)["attempts"] if a["trigger"] == "async"] == [
        "error",
        "success",
        "error",
        "error",
    ]


def test_advance_stops_at_until_and_keeps_later_events():
    state = new_state(
        {
            "functions": {"fn": {"code": "x"}},
            "steps": [{"at_s": 50, "send": {"queue": "q", "messages": ["m"]}}],
            "queues": {"q": {}},
        },
        seed=1,
    )

    engine.advance(state, executor=None, until_s=10)

    assert state["now"] == 10
    assert [event[3] for event in state["events"]] == ["step"]
    assert state["queues"]["q"] == []
