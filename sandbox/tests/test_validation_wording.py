"""Scenario validation in AWS's recorded words: alias routing, runtimes, provisioned concurrency 0."""

import pytest

from sandbox.emulator.validation import apply_defaults, check_update, validate

CODE = "def lambda_handler(event, context):\n    return 1\n"


def alias_problems(alias) -> dict[str, str]:
    scenario = {"functions": {"orders": {"code": CODE, "versions": {"1": {}, "2": {}}, "aliases": {"live": alias}}}}
    return {p.field: p.message for p in validate(scenario)}


def test_two_additional_versions_get_aws_count_message():
    found = alias_problems({"version": "1", "weights": {"1": 0.8, "2": 0.2}})

    assert found["functions.orders.aliases.live.weights"] == (
        "InvalidParameterValueException: Number of items in AdditionalVersionWeights cannot be greater than 1"
    )


@pytest.mark.parametrize(("weight", "shown"), [(2, "2.0"), (-1, "-1.0")])
def test_a_weight_outside_0_and_1_gets_aws_map_value_message(weight, shown):
    found = alias_problems({"version": "1", "weights": {"2": weight}})

    assert found["functions.orders.aliases.live.weights.2"] == (
        f"ValidationException: 1 validation error detected: Value '{{2={shown}}}' at "
        "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy "
        "constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or "
        "equal to 0.0, Member must not be null]"
    )


def test_the_alias_version_as_additional_version_gets_aws_already_included_message():
    found = alias_problems({"version": "1", "weights": {"1": 0.5}})

    assert found["functions.orders.aliases.live.weights.1"] == (
        "InvalidParameterValueException: Invalid function version 1. Function version 1 is already included in "
        "routing configuration."
    )


@pytest.mark.parametrize(
    ("alias", "field"),
    [
        ({"version": "10", "weights": {"2": 0.5}}, "functions.orders.aliases.live.version"),
        ({"version": "1", "weights": {"10": 0.5}}, "functions.orders.aliases.live.weights.10"),
    ],
)
def test_a_version_that_does_not_exist_gets_aws_not_found_message(alias, field):
    assert alias_problems(alias)[field] == (
        "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders:10"
    )


def test_latest_as_the_alias_version_with_weights_gets_aws_message():
    found = alias_problems({"version": "$LATEST", "weights": {"1": 0.5}})

    assert found["functions.orders.aliases.live.weights.1"] == (
        "InvalidParameterValueException: $LATEST is not supported for an alias pointing to more than 1 version"
    )


def test_latest_as_an_additional_version_breaks_aws_key_pattern():
    found = alias_problems({"version": "1", "weights": {"$LATEST": 0.5}})

    assert found["functions.orders.aliases.live.weights.$LATEST"] == (
        "ValidationException: 1 validation error detected: Value '{$LATEST=0.5}' at "
        "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy "
        "constraint: [Member must have length less than or equal to 1024, Member must have length greater than "
        "or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]"
    )


def test_an_empty_routing_configuration_and_a_latest_alias_are_accepted():
    assert alias_problems({"version": "1", "weights": {}}) == {}
    assert alias_problems("$LATEST") == {}


def function_problems(**settings) -> dict[str, str]:
    scenario = {"functions": {"orders": {"code": CODE, "versions": {"1": {}}, **settings}}}
    return {p.field: p.message for p in validate(scenario)}


@pytest.mark.parametrize("runtime", ["python3.14", "python3.13", "python3.12", "python3.11"])
def test_current_python_runtimes_are_accepted(runtime):
    assert function_problems(runtime=runtime) == {}


@pytest.mark.parametrize("runtime", ["python3.10", "python3.9", "python3.8"])
def test_deprecated_runtimes_whose_create_block_lies_ahead_are_still_accepted(runtime):
    assert function_problems(runtime=runtime) == {}


@pytest.mark.parametrize("runtime", ["python3.7", "python3.6", "python2.7"])
def test_runtimes_past_their_create_block_get_aws_refusal(runtime):
    assert function_problems(runtime=runtime)["functions.orders.runtime"] == (
        f"InvalidParameterValueException: The runtime parameter of {runtime} is no longer supported for creating "
        "or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating "
        "functions."
    )


def test_a_runtime_of_another_language_names_the_python_ones():
    message = function_problems(runtime="nodejs22.x")["functions.orders.runtime"]

    assert "python3.14" in message and "'nodejs22.x'" in message


def test_provisioned_concurrency_0_on_a_qualifier_is_below_aws_minimum_of_1():
    found = function_problems(provisioned_concurrency=0, provisioned_qualifier="1")

    assert found["functions.orders.provisioned_concurrency"] == (
        "ValidationException: 1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed "
        "to satisfy constraint: Member must have value greater than or equal to 1"
    )


def test_provisioned_concurrency_0_without_a_qualifier_means_no_configuration():
    assert function_problems(provisioned_concurrency=0) == {}


def test_a_raw_body_given_as_base64_must_be_base64():
    scenario = {
        "functions": {"orders": {"code": CODE}},
        "steps": [{"at_s": 0, "invoke": {"function": "orders", "raw_payload_base64": "not base64!"}}],
    }

    found = {p.field: p.message for p in validate(scenario)}
    assert found["steps.0.invoke.raw_payload_base64"] == "must be base64 text (the body's bytes, encoded)"


def test_an_update_to_provisioned_concurrency_0_removes_the_configuration_without_a_refusal():
    scenario = apply_defaults(
        {"functions": {"orders": {"code": CODE, "versions": {"1": {}}, "provisioned_concurrency": 2}}}
    )
    scenario["functions"]["orders"]["provisioned_qualifier"] = "1"

    assert check_update(scenario, "orders", {"provisioned_concurrency": 0}) == []
