"""Scenario validation: AWS ranges and wording, references, steps, defaults."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.emulator.loader import loads
from sandbox.emulator.validation import Problem, apply_defaults, check_update, role_allows, validate

CODE = "def lambda_handler(event, context):\n    return 1\n"


def make_scenario(**changes):
    scenario = {
        "functions": {"orders": {"code": CODE}},
        "queues": {"jobs": {"visibility_timeout_s": 60}, "jobs-dlq": {}},
        "steps": [{"at_s": 0, "invoke": {"function": "orders", "payload": {"id": 1}}}],
    }
    scenario.update(changes)
    return scenario


def with_function(**settings):
    return make_scenario(functions={"orders": {"code": CODE, **settings}})


def messages(scenario):
    return [p.message for p in validate(scenario)]


def problem_at(scenario, field):
    found = [p for p in validate(scenario) if p.field == field]
    assert found, f"no problem at {field}: {validate(scenario)}"
    return found[0].message


def test_minimal_scenario_is_valid():
    assert validate(make_scenario()) == []


def test_problem_is_frozen_and_prints_field_and_line():
    problem = Problem("functions.orders.memory_mb", 4, "bad")

    with pytest.raises(AttributeError):
        problem.line = 5
    assert str(problem) == "functions.orders.memory_mb (line 4): bad"


# --- function configuration -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "member", "bound"),
    [
        ("memory_mb", 127, "memorySize", "greater than or equal to 128"),
        ("memory_mb", 10241, "memorySize", "less than or equal to 10240"),
        ("timeout_s", 0, "timeout", "greater than or equal to 1"),
        ("timeout_s", 901, "timeout", "less than or equal to 900"),
        ("ephemeral_storage_mb", 511, "ephemeralStorage.size", "greater than or equal to 512"),
        ("ephemeral_storage_mb", 10241, "ephemeralStorage.size", "less than or equal to 10240"),
    ],
)
def test_function_ranges_use_aws_wording(field, value, member, bound):
    message = problem_at(with_function(**{field: value}), f"functions.orders.{field}")

    assert message == (
        f"ValidationException: 1 validation error detected: Value '{value}' at '{member}' "
        f"failed to satisfy constraint: Member must have value {bound}"
    )


@pytest.mark.parametrize(
    ("field", "value"), [("memory_mb", 128), ("memory_mb", 10240), ("timeout_s", 900), ("ephemeral_storage_mb", 10240)]
)
def test_function_range_edges_are_accepted(field, value):
    assert validate(with_function(**{field: value})) == []


def test_timeout_must_be_whole_seconds():
    assert "whole number" in problem_at(with_function(timeout_s=2.5), "functions.orders.timeout_s")


def test_reserved_environment_variable_is_rejected_with_aws_wording():
    message = problem_at(with_function(environment={"AWS_REGION": "x"}), "functions.orders.environment.AWS_REGION")

    assert message.startswith("InvalidParameterValueException: Lambda was unable to configure your environment")
    assert message.endswith("Reserved keys used in this request: AWS_REGION")


def test_non_reserved_lookalike_is_accepted():
    assert validate(with_function(environment={"MY_REGION": "x"})) == []


def test_environment_over_4kb_is_rejected():
    message = problem_at(with_function(environment={"BIG": "x" * 4090}), "functions.orders.environment")

    assert 'exceeded the 4KB limit. String measured: {"BIG"' in message


def test_environment_just_under_4kb_is_accepted():
    assert validate(with_function(environment={"BIG": "x" * 4086})) == []  # {"BIG":"..."} is 4096 bytes


def test_environment_key_pattern():
    message = problem_at(with_function(environment={"1ABC": "x"}), "functions.orders.environment.1ABC")

    assert "[a-zA-Z]([a-zA-Z0-9_])+" in message


@pytest.mark.parametrize("name", ["has space", "x" * 65, "dots.not.allowed"])
def test_function_name_rules(name):
    scenario = make_scenario(functions={name: {"code": CODE}})

    assert "at 'functionName' failed to satisfy constraint" in problem_at(scenario, f"functions.{name}")


def test_function_without_code_is_reported():
    assert "no code" in problem_at(make_scenario(functions={"orders": {}}), "functions.orders")


def test_handler_with_whitespace_is_rejected():
    assert "[^\\s]+" in problem_at(with_function(handler="lambda function.handler"), "functions.orders.handler")


def test_missing_handler_function_is_not_a_validation_problem():
    assert validate(with_function(handler="lambda_function.nope")) == []  # Runtime.HandlerNotFound at run time


# --- async configuration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "member"),
    [
        ("maximum_retry_attempts", 3, "maximumRetryAttempts"),
        ("maximum_retry_attempts", -1, "maximumRetryAttempts"),
        ("maximum_event_age_s", 59, "maximumEventAgeInSeconds"),
        ("maximum_event_age_s", 21601, "maximumEventAgeInSeconds"),
    ],
)
def test_async_ranges(field, value, member):
    message = problem_at(with_function(**{"async": {field: value}}), f"functions.orders.async.{field}")

    assert f"Value '{value}' at '{member}'" in message


def test_s3_bucket_is_on_failure_only():
    scenario = with_function(**{"async": {"on_success": "bucket:archive", "on_failure": "bucket:archive"}})
    scenario["buckets"] = {"archive": {}}

    assert [p.field for p in validate(scenario)] == ["functions.orders.async.on_success"]


def test_fifo_queue_is_not_a_destination_or_dead_letter_queue():
    scenario = with_function(dead_letter="queue:dlq.fifo", **{"async": {"on_failure": "queue:dlq.fifo"}})
    scenario["queues"]["dlq.fifo"] = {"fifo": True}

    fields = [p.field for p in validate(scenario)]

    assert fields == ["functions.orders.dead_letter", "functions.orders.async.on_failure"]


def test_references_must_exist():
    scenario = with_function(dead_letter="queue:missing")

    assert problem_at(scenario, "functions.orders.dead_letter") == (
        "queue:missing doesn't exist; declare it under queues"
    )


def test_reference_kind_must_fit():
    message = problem_at(with_function(dead_letter="function:orders"), "functions.orders.dead_letter")

    assert "use one of queue:NAME, topic:NAME" in message


# --- concurrency -------------------------------------------------------------------


def test_reserved_concurrency_beyond_unreserved_floor():
    scenario = make_scenario(
        functions={"a": {"code": CODE, "reserved_concurrency": 500}, "b": {"code": CODE, "reserved_concurrency": 401}}
    )

    assert problem_at(scenario, "functions.b.reserved_concurrency") == (
        "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases "
        "account's UnreservedConcurrentExecution below its minimum value of [100]."
    )


def test_reserved_concurrency_up_to_900_is_accepted():
    scenario = make_scenario(
        functions={"a": {"code": CODE, "reserved_concurrency": 500}, "b": {"code": CODE, "reserved_concurrency": 400}}
    )

    assert validate(scenario) == []


def test_small_account_refuses_every_reservation():
    scenario = with_function(reserved_concurrency=1)
    scenario["account"] = {"concurrency_limit": 10}

    assert "minimum value of [10]" in problem_at(scenario, "functions.orders.reserved_concurrency")


def test_reserved_concurrency_zero_is_allowed():
    assert validate(with_function(reserved_concurrency=0)) == []


def test_provisioned_cannot_exceed_reserved():
    scenario = with_function(reserved_concurrency=5, provisioned_concurrency=6)

    assert problem_at(scenario, "functions.orders.provisioned_concurrency") == (
        "InvalidParameterValueException: Requested Provisioned Concurrency should not be greater than the "
        "reservedConcurrentExecution for function"
    )


def test_unreserved_minimum_above_limit_is_reported():
    scenario = make_scenario(account={"concurrency_limit": 50, "unreserved_minimum": 60})

    assert "can't be above" in problem_at(scenario, "account.unreserved_minimum")


# --- SQS mappings -----------------------------------------------------------------------


def sqs_mapping(queue="jobs", **settings):
    return make_scenario(event_source_mappings=[{"function": "orders", "source": f"queue:{queue}", **settings}])


def test_visibility_timeout_below_function_timeout_is_rejected():
    scenario = sqs_mapping()
    scenario["queues"]["jobs"]["visibility_timeout_s"] = 30
    scenario["functions"]["orders"]["timeout_s"] = 60

    assert problem_at(scenario, "event_source_mappings.0.source") == (
        "InvalidParameterValueException: Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"
    )


def test_batch_size_over_ten_needs_a_window():
    assert problem_at(
        sqs_mapping(batch_size=11, maximum_batching_window_s=0), "event_source_mappings.0.maximum_batching_window_s"
    ) == (
        "InvalidParameterValueException: Maximum batch window in seconds must be greater than 0 if maximum "
        "batch size is greater than 10"
    )
    assert validate(sqs_mapping(batch_size=11, maximum_batching_window_s=1)) == []


def test_fifo_batch_size_is_at_most_ten():
    scenario = sqs_mapping("jobs.fifo", batch_size=11)
    scenario["queues"]["jobs.fifo"] = {"visibility_timeout_s": 60}

    assert "FIFO" in problem_at(scenario, "event_source_mappings.0.batch_size")


def test_batch_size_over_10000_is_rejected():
    message = problem_at(
        sqs_mapping(batch_size=10001, maximum_batching_window_s=1), "event_source_mappings.0.batch_size"
    )

    assert "Value '10001' at 'batchSize'" in message


@pytest.mark.parametrize("value", [1, 1001])
def test_maximum_concurrency_range(value):
    message = problem_at(sqs_mapping(maximum_concurrency=value), "event_source_mappings.0.maximum_concurrency")

    assert "'scalingConfig.maximumConcurrency'" in message


def test_stream_settings_on_sqs_mapping_are_rejected():
    assert "isn't supported for an SQS queue" in problem_at(
        sqs_mapping(bisect_batch_on_function_error=True), "event_source_mappings.0.bisect_batch_on_function_error"
    )


def test_sqs_mapping_needs_polling_permissions_when_role_is_given():
    scenario = sqs_mapping()
    scenario["functions"]["orders"]["role"] = {"policies": ["AWSLambdaBasicExecutionRole"]}

    assert problem_at(scenario, "event_source_mappings.0.function") == (
        "InvalidParameterValueException: The function execution role does not have permissions to call "
        "ReceiveMessage on SQS"
    )


def test_filter_patterns_are_checked():
    scenario = sqs_mapping(filter_patterns=[{"body": {"type": "order"}}])

    assert "in a list" in problem_at(scenario, "event_source_mappings.0.filter_patterns.0")


def test_filter_patterns_as_json_text_are_accepted():
    assert validate(sqs_mapping(filter_patterns=['{"body": {"type": ["order"]}}'])) == []


# --- stream mappings -----------------------------------------------------------------------


def stream_mapping(kind="kinesis", **settings):
    return make_scenario(
        streams={"clicks": {"type": kind}},
        event_source_mappings=[
            {"function": "orders", "source": "stream:clicks", "starting_position": "TRIM_HORIZON", **settings}
        ],
    )


def test_at_timestamp_only_for_kinesis():
    assert "AT_TIMESTAMP" in problem_at(
        stream_mapping("dynamodb", starting_position="AT_TIMESTAMP"), "event_source_mappings.0.starting_position"
    )
    assert validate(stream_mapping("kinesis", starting_position="AT_TIMESTAMP", starting_position_timestamp=0)) == []


@pytest.mark.parametrize(
    ("field", "value", "member"),
    [
        ("parallelization_factor", 11, "parallelizationFactor"),
        ("tumbling_window_s", 901, "tumblingWindowInSeconds"),
        ("maximum_retry_attempts", 10001, "maximumRetryAttempts"),
        ("maximum_record_age_s", 30, "maximumRecordAgeInSeconds"),
        ("maximum_record_age_s", 604801, "maximumRecordAgeInSeconds"),
    ],
)
def test_stream_ranges(field, value, member):
    assert f"at '{member}'" in problem_at(stream_mapping(**{field: value}), f"event_source_mappings.0.{field}")


def test_stream_mapping_needs_a_starting_position():
    scenario = stream_mapping()
    del scenario["event_source_mappings"][0]["starting_position"]

    assert problem_at(scenario, "event_source_mappings.0.starting_position").startswith(
        "InvalidParameterValueException: 1 validation error detected: Value null at 'startingPosition' "
        "failed to satisfy constraint: Member must not be null."
    )


def test_stream_defaults_allow_batch_100_without_window():
    assert validate(stream_mapping(batch_size=100)) == []


def test_duplicate_mapping_is_a_conflict():
    scenario = sqs_mapping()
    scenario["event_source_mappings"].append(dict(scenario["event_source_mappings"][0]))

    assert problem_at(scenario, "event_source_mappings.1").startswith("ResourceConflictException")


# --- queues, buses, buckets -------------------------------------------------------------


def test_fifo_queue_name_must_end_in_fifo():
    scenario = make_scenario(queues={"jobs": {"fifo": True}})

    assert ".fifo suffix" in problem_at(scenario, "queues.jobs.fifo")


def test_redrive_target_must_exist_and_match_type():
    scenario = make_scenario(
        queues={"jobs": {"redrive": {"dead_letter_queue": "dlq.fifo", "max_receive_count": 3}}, "dlq.fifo": {}}
    )

    assert "must be FIFO" in problem_at(scenario, "queues.jobs.redrive.dead_letter_queue")


def test_redrive_needs_max_receive_count():
    scenario = make_scenario(queues={"jobs": {"redrive": {"dead_letter_queue": "dlq"}}, "dlq": {}})

    assert problem_at(scenario, "queues.jobs.redrive.max_receive_count")


def test_bus_rule_pattern_is_checked():
    scenario = make_scenario(
        buses={"default": {"rules": [{"name": "r", "pattern": {"source": "shop"}, "targets": ["function:orders"]}]}}
    )

    assert problem_at(scenario, "buses.default.rules.0.pattern").startswith("InvalidEventPatternException")


def test_bucket_notification_event_names():
    scenario = make_scenario(
        buckets={"uploads": {"notifications": [{"events": ["ObjectCreated"], "target": "function:orders"}]}}
    )

    assert "S3 event type" in problem_at(scenario, "buckets.uploads.notifications.0.events.0")


# --- steps ----------------------------------------------------------------------------


def test_invoking_an_unknown_function_is_left_to_run_time():
    scenario = make_scenario(
        steps=[
            {"at_s": 0, "invoke": {"function": "does-not-exist"}},
            {"at_s": 0, "invoke": {"function": "orders:nosuchalias"}},
        ]
    )

    assert validate(scenario) == []


def test_invocation_type_is_checked():
    scenario = make_scenario(steps=[{"at_s": 0, "invoke": {"function": "orders", "type": "Async"}}])

    assert "RequestResponse, Event, DryRun" in problem_at(scenario, "steps.0.invoke.type")


def test_step_needs_exactly_one_action():
    scenario = make_scenario(
        steps=[{"at_s": 0}, {"at_s": 0, "invoke": {"function": "orders"}, "publish": {"topic": "t", "message": "m"}}]
    )
    scenario["topics"] = {"t": {}}

    assert "needs an action" in problem_at(scenario, "steps.0")
    assert "one thing" in problem_at(scenario, "steps.1")


def test_step_action_added_by_an_extension_is_allowed():
    assert validate(make_scenario(steps=[{"at_s": 3, "publish_version": {"function": "orders"}}])) == []


def test_misspelled_fields_get_a_suggestion():
    scenario = with_function(memroy_mb=256)

    assert problem_at(scenario, "functions.orders.memroy_mb") == "unknown field 'memroy_mb'; did you mean 'memory_mb'?"


def test_unrelated_extra_fields_are_allowed():
    assert validate(make_scenario(description="a story", lesson={"id": 3})) == []


def test_fifo_send_needs_group_and_deduplication():
    scenario = make_scenario(
        queues={"jobs.fifo": {}}, steps=[{"at_s": 0, "send": {"queue": "jobs.fifo", "messages": [{"body": "a"}]}}]
    )

    found = messages(scenario)

    assert "MissingParameter: The request must contain the parameter MessageGroupId." in found
    assert any("ContentBasedDeduplication" in m for m in found)


def test_fifo_send_with_content_based_deduplication():
    scenario = make_scenario(
        queues={"jobs.fifo": {"content_based_deduplication": True}},
        steps=[{"at_s": 0, "send": {"queue": "jobs.fifo", "messages": [{"body": "a", "group_id": "g"}]}}],
    )

    assert validate(scenario) == []


def test_send_to_unknown_queue():
    scenario = make_scenario(steps=[{"at_s": 0, "send": {"queue": "nope", "messages": ["a"]}}])

    assert "doesn't exist" in problem_at(scenario, "steps.0.send.queue")


def test_kinesis_record_needs_partition_key():
    scenario = make_scenario(
        streams={"clicks": {}}, steps=[{"at_s": 0, "put_records": {"stream": "clicks", "records": [{"data": "x"}]}}]
    )

    assert "partition_key" in problem_at(scenario, "steps.0.put_records.records.0.partition_key")


def test_update_function_values_are_range_checked():
    scenario = make_scenario(steps=[{"at_s": 9, "update_function": {"function": "orders", "timeout_s": 1000}}])

    assert "at 'timeout'" in problem_at(scenario, "steps.0.update_function.timeout_s")


def test_update_function_reserved_zero_is_fine():
    scenario = make_scenario(steps=[{"at_s": 9, "update_function": {"function": "orders", "reserved_concurrency": 0}}])

    assert validate(scenario) == []


# --- lines ------------------------------------------------------------------------------


def test_problems_carry_the_yaml_line():
    raw, lines = loads("functions:\n  orders:\n    code: x\n    memory_mb: 64\n")

    (problem,) = validate(raw, lines)

    assert (problem.field, problem.line) == ("functions.orders.memory_mb", 4)


def test_problems_are_ordered_by_line():
    raw, lines = loads("functions:\n  orders:\n    code: x\n    timeout_s: 0\n    memory_mb: 64\n")

    assert [p.line for p in validate(raw, lines)] == [4, 5]


# --- defaults and run-time checks ------------------------------------------------------


def test_apply_defaults_fills_every_default():
    scenario = make_scenario(event_source_mappings=[{"function": "orders", "source": "queue:jobs"}])

    full = apply_defaults(scenario)
    function = full["functions"]["orders"]

    assert (function["memory_mb"], function["timeout_s"], function["ephemeral_storage_mb"]) == (128, 3, 512)
    assert function["handler"] == "lambda_function.lambda_handler"
    assert function["async"] == {
        "maximum_retry_attempts": 2,
        "maximum_event_age_s": 21600,
        "on_success": None,
        "on_failure": None,
    }
    assert function["reserved_concurrency"] is None and function["vpc"] is None
    assert "AWSLambdaSQSQueueExecutionRole" in function["role"]["policies"]
    assert full["account"] == {
        "concurrency_limit": 1000,
        "unreserved_minimum": 100,
        "region": "us-east-1",
        "account_id": "123456789012",
    }
    assert full["event_source_mappings"][0]["batch_size"] == 10
    assert full["queues"]["jobs-dlq"]["visibility_timeout_s"] == 30
    assert "default" in full["buses"]
    assert full["steps"][0]["invoke"]["type"] == "RequestResponse"


def test_apply_defaults_leaves_the_input_alone():
    scenario = make_scenario()
    before = copy.deepcopy(scenario)

    apply_defaults(scenario)

    assert scenario == before


def test_apply_defaults_turns_json_bodies_into_text():
    scenario = make_scenario(
        steps=[{"at_s": 0, "send": {"queue": "jobs", "messages": [{"body": {"type": "order"}}, "plain"]}}]
    )

    messages_ = apply_defaults(scenario)["steps"][0]["send"]["messages"]

    assert [m["body"] for m in messages_] == ['{"type":"order"}', "plain"]


def test_small_account_floor_defaults_to_its_limit():
    assert apply_defaults(make_scenario(account={"concurrency_limit": 10}))["account"]["unreserved_minimum"] == 10


def test_check_update_applies_the_unreserved_floor():
    scenario = apply_defaults(
        make_scenario(functions={"a": {"code": CODE, "reserved_concurrency": 800}, "orders": {"code": CODE}})
    )

    problems = check_update(scenario, "orders", {"reserved_concurrency": 101})

    assert [p.message for p in problems] == [
        "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases "
        "account's UnreservedConcurrentExecution below its minimum value of [100]."
    ]
    assert check_update(scenario, "orders", {"reserved_concurrency": 100}) == []


def test_check_update_applies_the_visibility_rule():
    scenario = apply_defaults(make_scenario(event_source_mappings=[{"function": "orders", "source": "queue:jobs"}]))

    problems = check_update(scenario, "orders", {"timeout_s": 120})

    assert "Queue visibility timeout: 60 seconds is less than Function timeout: 120 seconds" in problems[0].message


def test_role_allows_wildcards_and_policies():
    role = {"policies": ["AWSLambdaSQSQueueExecutionRole"], "actions": ["s3:Get*"]}

    assert role_allows(role, "sqs:ReceiveMessage")
    assert role_allows(role, "s3:GetObject")
    assert not role_allows(role, "s3:PutObject")
    assert role_allows({"actions": ["*"]}, "ec2:CreateNetworkInterface")


# --- robustness ---------------------------------------------------------------------------

odd_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 20000),
        st.text(max_size=4),
        st.sampled_from(["queue:jobs", "function:orders", "0.0.0.0/0", "all", "jobs", "orders"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=12,
)
PLACES = [
    ("functions", "orders"),
    ("functions", "orders", "vpc"),
    ("functions", "orders", "async"),
    ("queues", "jobs"),
    ("network",),
    ("network", "subnets"),
    ("network", "security_groups", "sg"),
    ("network", "route_tables", "rt"),
    ("buses", "default"),
    ("account",),
]
KEYS = ["memory_mb", "vpc", "egress", "routes", "subnets", "redrive", "rules", "messages", "x"]


@settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)
@given(value=odd_values, place=st.sampled_from(PLACES), key=st.sampled_from(KEYS))
def test_validate_reports_odd_shapes_instead_of_crashing(value, place, key):
    scenario = make_scenario(event_source_mappings=[{"function": "orders", "source": "queue:jobs", key: value}])
    scenario["steps"].append({"at_s": 1, "send": {"queue": "jobs", "messages": [value]}})
    node = scenario
    for part in place:
        node = node.setdefault(part, {})
    node[key] = value

    problems = validate(scenario)

    assert not any("unexpected shape" in p.message for p in problems)
    if not problems:
        apply_defaults(scenario)


def machine(**task):
    call = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "orders"}}
    call.update(task)
    return make_scenario(
        state_machines={"flow": {"StartAt": "Call", "States": {"Call": call, "Done": {"Type": "Succeed"}}}}
    )


def test_state_machine_task_with_retry_and_catch_is_valid():
    scenario = machine(
        Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 2}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": "$.err"}],
        End=True,
    )

    assert validate(scenario) == []


def test_state_machine_states_all_must_be_last_and_targets_must_exist():
    scenario = machine(
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Done"}, {"ErrorEquals": ["ValueError"], "Next": "Nowhere"}],
        Next="Gone",
    )

    assert "States.ALL" in problem_at(scenario, "state_machines.flow.States.Call.Catch.0.ErrorEquals")
    assert "Nowhere" in problem_at(scenario, "state_machines.flow.States.Call.Catch.1.Next")
    assert "Gone" in problem_at(scenario, "state_machines.flow.States.Call.Next")


def test_steps_naming_unknown_apis_machines_or_functions_are_reported():
    scenario = make_scenario(
        steps=[
            {"at_s": 0, "http": {"api": "shop"}},
            {"at_s": 0, "start_execution": {"state_machine": "flow"}},
            {"at_s": 0, "publish_version": {"function": "payments"}},
        ]
    )

    assert "declare it under apis" in problem_at(scenario, "steps.0.http.api")
    assert "StateMachineDoesNotExist" in problem_at(scenario, "steps.1.start_execution.state_machine")
    assert "declare it under functions" in problem_at(scenario, "steps.2.publish_version.function")


# --- AWS's recorded wording -------------------------------------------------------------


def test_provisioned_concurrency_below_the_unreserved_minimum_uses_aws_wording():
    scenario = make_scenario(
        account={"concurrency_limit": 200, "unreserved_minimum": 100},
        functions={"orders": {"code": CODE, "provisioned_concurrency": 150}},
    )

    assert problem_at(scenario, "functions.orders.provisioned_concurrency") == (
        "InvalidParameterValueException: Specified ConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )


def test_provisioned_concurrency_on_latest_is_refused_as_aws_refuses_it():
    scenario = with_function(provisioned_concurrency=1, provisioned_qualifier="$LATEST")

    assert problem_at(scenario, "functions.orders.provisioned_qualifier") == (
        "InvalidParameterValueException: Provisioned Concurrency Configs cannot be applied to unpublished "
        "function versions."
    )


def test_a_function_as_its_own_destination_uses_aws_wording():
    scenario = with_function(**{"async": {"on_success": "function:orders"}})

    assert problem_at(scenario, "functions.orders.async.on_success") == (
        "InvalidParameterValueException: You can't specify the function as a destination for itself."
    )


def test_an_unknown_recursive_loop_value_names_the_enum_as_aws_does():
    scenario = with_function(recursive_loop="Sometimes")

    assert problem_at(scenario, "functions.orders.recursive_loop") == (
        "ValidationException: 1 validation error detected: Value 'Sometimes' at 'recursiveLoop' failed to "
        "satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]"
    )


def test_an_invalid_starting_position_names_the_enum_as_aws_does():
    scenario = stream_mapping(starting_position="0")

    assert problem_at(scenario, "event_source_mappings.0.starting_position") == (
        "ValidationException: 1 validation error detected: Value '0' at 'startingPosition' failed to satisfy "
        "constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"
    )


def test_a_function_name_over_64_characters_is_an_invalid_parameter_value():
    name = "f" * 65
    scenario = make_scenario(functions={name: {"code": CODE}}, steps=[])

    assert problem_at(scenario, f"functions.{name}") == (
        f"InvalidParameterValueException: 1 validation error detected: Value '{name}' at 'functionName' failed "
        "to satisfy constraint: Member must have length less than or equal to 64"
    )


def test_a_duplicate_sqs_mapping_is_a_conflict_in_aws_wording():
    scenario = make_scenario(
        event_source_mappings=[
            {"function": "orders", "source": "queue:jobs"},
            {"function": "orders", "source": "queue:jobs"},
        ]
    )

    assert problem_at(scenario, "event_source_mappings.1").startswith(
        'ResourceConflictException: An event source mapping with SQS arn (" arn:aws:sqs:us-east-1:123456789012:jobs ") '
        'and function (" orders ") already exists.'
    )


def test_an_invalid_filter_pattern_starts_with_aws_wording():
    scenario = sqs_mapping(filter_patterns=[{"body": {"type": "order"}}])

    assert problem_at(scenario, "event_source_mappings.0.filter_patterns.0").startswith(
        "InvalidParameterValueException: Invalid filter pattern definition."
    )
