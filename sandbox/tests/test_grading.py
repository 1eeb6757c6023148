"""``sandbox.grading``: declarative checks over a trace and a world."""

from __future__ import annotations

from sandbox.grading import Check, grade, grade_one, problems

TRACE = {
    "responses": [{"function": "api", "status_code": 200}, {"function": "api", "status_code": 429}],
    "attempts": [
        {"function": "api", "outcome": "success", "cold_start": True, "logs": ["START", "hello world", "END"]},
        {"function": "api", "outcome": "throttled", "cold_start": False, "logs": []},
    ],
    "connections": [{"host": "api.partner.example", "outcome": "timeout"}],
    "queues": {"orders-dlq": [{"body": '{"id": 2}'}], "jobs": []},
    "deliveries": [],
    "dropped": [],
}


def test_count_with_where_matches_equal_fields():
    check = grade_one(
        {"name": "throttled", "count": "responses", "where": {"status_code": 429}, "equals": 1}, TRACE, {}
    )

    assert check == Check("throttled", True, "responses with status_code 429: 1 (wanted exactly 1).")


def test_count_where_list_means_any_of():
    check = grade_one({"count": "attempts", "where": {"outcome": ["success", "error"]}, "at_least": 2}, TRACE, {})

    assert check.passed is False
    assert ": 1 (wanted at least 2)" in check.detail


def test_count_where_contains_searches_text():
    spec = {"count": "connections", "where": {"host__contains": "partner"}, "equals": 1}

    assert grade_one(spec, TRACE, {}).passed is True


def test_count_queue_messages():
    assert grade_one({"count": "queue:orders-dlq", "at_least": 1}, TRACE, {}).passed is True
    assert grade_one({"count": "queue:jobs", "at_least": 1}, TRACE, {}).passed is False


def test_count_of_a_missing_queue_fails_and_says_so():
    check = grade_one({"count": "queue:nowhere", "at_least": 0}, TRACE, {})

    assert check.passed is False
    assert "no queue:nowhere" in check.detail


def test_value_reads_the_world_with_defaults_filled_in():
    challenge = {
        "checks": [
            {"value": "functions.api.timeout_s", "at_most": 60},
            {"value": "functions.api.reserved_concurrency", "is_set": True},
        ]
    }
    world = {"functions": {"api": {"code": "def lambda_handler(e, c):\n    return 1\n"}}}

    timeout, reserved = grade(challenge, TRACE, world=world)

    assert (timeout.passed, timeout.detail) == (True, "functions.api.timeout_s: 3 (wanted at most 60).")
    assert reserved.passed is False


def test_value_includes_and_excludes_list_members():
    world = {"functions": {"fn": {"code": "x", "vpc": {"subnets": ["private-a"], "security_groups": ["sg"]}}}}
    includes = {"value": "functions.fn.vpc.subnets", "includes": "private-a"}
    excludes = {"value": "functions.fn.vpc.subnets", "excludes": "private-a"}

    results = grade({"checks": [includes, excludes]}, TRACE, world=world)

    assert [check.passed for check in results] == [True, False]


def test_a_check_on_the_code_says_what_the_code_holds_not_the_whole_code():
    code = "from tax_rules import RATE\n\ndef lambda_handler(event, context):\n    return {'rate': RATE}\n"
    world = {"functions": {"checkout": {"code": code}}}
    kept = {"value": "functions.checkout.code", "excludes": "0.25"}
    copied = {"value": "functions.checkout.code", "includes": "0.25"}

    kept_check, copied_check = grade({"checks": [kept, copied]}, TRACE, world=world)

    assert kept_check.detail == "functions.checkout.code: does not include '0.25' (wanted it not to include '0.25')."
    assert copied_check.detail == "functions.checkout.code: does not include '0.25' (wanted it to include '0.25')."
    assert "lambda_handler" not in kept_check.detail + copied_check.detail


def test_problems_reports_a_check_without_comparator_or_source():
    assert problems({"count": "attempts", "at_least": 1}) == []
    assert problems({"count": "attempts"}) == [
        "a check needs exactly one of equals, at_least, at_most, includes, excludes, is_set"
    ]
    assert "cannot count 'widgets'" in problems({"count": "widgets", "equals": 0})[0]
    assert problems({"equals": 0})[0] == "a check needs exactly one of 'count' or 'value'"


def test_check_as_dict_is_json_ready():
    assert Check("a", True, "b").as_dict() == {"name": "a", "passed": True, "detail": "b"}


def test_a_check_on_what_the_handler_printed_is_refused_and_fails():
    spec = {"count": "attempts", "where": {"logs__contains": "hello"}, "equals": 1}

    check = grade_one(spec, TRACE, {})

    assert check.passed is False
    assert "what the handler reported" in check.detail
    assert any("'logs'" in problem for problem in problems(spec))


def test_a_check_on_the_returned_value_needs_to_say_so():
    trace = {"responses": [{"function": "api", "payload": {"total": 5}}]}
    spec = {"count": "responses", "where": {"payload.total": 5}, "equals": 1}

    assert grade_one(spec, trace, {}).passed is False
    assert problems(spec) != []
    assert grade_one({**spec, "returned_value": True}, trace, {}).passed is True
    assert problems({**spec, "returned_value": True}) == []


def test_where_reads_dotted_paths_into_an_item():
    trace = {"buses": {"default": [{"detail": {"id": 1}, "targets": ["function:desk"]}, {"detail": {"id": 2}}]}}
    spec = {"count": "bus:default", "where": {"detail.id": [1, 3], "targets__contains": "function:desk"}, "equals": 1}

    assert grade_one(spec, trace, {}).passed is True


def test_distinct_counts_different_values_of_a_returned_field_and_needs_to_say_so():
    trace = {
        "responses": [{"payload": {"order_id": "a"}}, {"payload": {"order_id": "a"}}, {"payload": {"order_id": "b"}}]
    }
    spec = {"count": "responses", "distinct": "payload.order_id", "returned_value": True, "equals": 3}

    check = grade_one(spec, trace, {})
    hidden = {key: value for key, value in spec.items() if key != "returned_value"}

    assert check.passed is False
    assert check.detail == "different payload.order_id among responses: 2 (wanted exactly 3)."
    assert grade_one({**spec, "equals": 2}, trace, {}).passed is True
    assert problems(hidden) == [
        "the check reads 'payload', which the handler controls; grade on what the emulator measured instead"
    ]
