"""Runnable explanations: every demo under sandbox/demos/ runs through the emulator and the isolation daemon,
and its trace shows the behaviour its watch line and its questions claim."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from sandbox import catalogue, demos
from sandbox.emulator.simulation import check as check_scenario
from sandbox.emulator.simulation import simulate
from sandbox.runtime.client import DaemonExecutor, ensure_daemon

NAMES = sorted(demo.name for demo in demos.all_demos())


@pytest.fixture(scope="module")
def executor():
    ensure_daemon()
    made = DaemonExecutor()
    yield made
    made.close()


def run(executor, scenario: dict) -> dict:
    return simulate(scenario, executor, seed=1)


def test_there_are_at_least_thirty_demos_each_with_one_watch_line():
    assert len(NAMES) >= 30
    for demo in demos.all_demos():
        assert demo.watch and "\n" not in demo.watch, demo.name
        assert demo.expect, demo.name


@pytest.mark.parametrize("name", NAMES)
def test_demo_is_a_valid_scenario_and_its_trace_shows_what_it_claims(name, executor):
    demo = demos.find_demo(name)
    scenario = demos.scenario_of(demo)

    assert "watch" not in scenario and "expect" not in scenario
    assert check_scenario(scenario) == []
    assert demos.check(demo, run(executor, scenario)) == []


def test_check_reports_retries_that_did_not_happen(executor):
    demo = demos.find_demo("async-retries")
    scenario = demos.scenario_of(demo)
    scenario["functions"]["thumbnail"]["async"] = {"maximum_retry_attempts": 0}

    problems = demos.check(demo, run(executor, scenario))

    assert any(p.startswith("attempts ") and "expected 3, found 1" in p for p in problems)
    assert any(p.startswith("retry_gaps ") and "no request was attempted more than once" in p for p in problems)


def test_check_reports_a_partial_batch_that_failed_whole(executor):
    demo = demos.find_demo("sqs-partial-batch")
    scenario = demos.scenario_of(demo)
    del scenario["event_source_mappings"][0]["report_batch_item_failures"]

    problems = demos.check(demo, run(executor, scenario))

    assert any(p.startswith("queue {name: orders-dlq") for p in problems)


def test_check_reports_a_vpc_connection_that_works_once_the_subnet_has_a_nat_route(executor):
    demo = demos.find_demo("vpc-public-subnet")
    scenario = demos.scenario_of(demo)
    scenario["functions"]["public-fn"]["vpc"]["subnets"] = ["private-a"]

    problems = demos.check(demo, run(executor, scenario))

    assert problems == [
        "connections {function: public-fn, host: api.partner.example, outcome: timeout, count: 1}: expected 1, found 0"
    ]


def test_check_reports_missing_throttles_when_the_reserved_concurrency_is_lifted(executor):
    demo = demos.find_demo("reserved-concurrency-throttle")
    scenario = demos.scenario_of(demo)
    del scenario["functions"]["report"]["reserved_concurrency"]

    problems = demos.check(demo, run(executor, scenario))

    assert any("status_code: 429" in p for p in problems)
    assert any(p.startswith("metric {function: report, name: max_concurrency") for p in problems)


def test_check_reports_init_billing_when_the_account_uses_the_older_billing(executor):
    demo = demos.find_demo("init-billing")
    scenario = demos.scenario_of(demo)
    scenario["account"] = {"init_billing": False}

    problems = demos.check(demo, run(executor, scenario))

    assert len(problems) == 1 and problems[0].startswith("billed_includes_init ")


def write_demo(tmp_path, text: str, name: str = "broken-demo"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


SCENARIO = """\
functions:
  fn:
    code: |
      def lambda_handler(event, context):
          return 1
steps:
  - {at_s: 0, invoke: {function: fn}}
"""


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ("expect:\n  - attempts: {count: 1}\n", "watch must be one line of text"),
        ("watch: w\n", "expect must be a non-empty list of checks"),
        ("watch: w\nexpect:\n  - tries: {count: 1}\n", "expect[0]: unknown check 'tries'"),
        ("watch: w\nexpect:\n  - metric: {function: fn}\n", "expect[0]: metric needs name"),
        ("watch: w\nexpect:\n  - attempts: {count: two}\n", "expect[0]: attempts.count must be a whole number"),
    ],
)
def test_a_malformed_demo_is_refused_with_its_file_and_problem(tmp_path, head, message):
    path = write_demo(tmp_path, head + SCENARIO)

    with pytest.raises(demos.DemoError) as raised:
        demos.read_demo(path)

    assert str(raised.value).startswith("broken-demo.yaml: ")
    assert message in str(raised.value)


def test_find_demo_returns_none_for_unknown_or_unsafe_names():
    assert demos.find_demo("no-such-demo") is None
    assert demos.find_demo("../scenarios/error-handling") is None
    assert demos.find_demo("async-retries").watch


def test_a_demo_opens_as_a_preset_with_the_scenario_without_watch_and_expect():
    demo = demos.find_demo("async-on-failure-destination")

    preset = catalogue.find_preset("demo-async-on-failure-destination")

    assert preset.name == "demo-async-on-failure-destination"
    assert preset.watch == demo.watch
    assert preset.title == "async on failure destination"
    assert preset.description == demo.description
    assert preset.functions == ("invoice",)
    assert preset.data == demos.scenario_of(demo)
    assert (
        "watch:" not in preset.source
        and "expect:" not in preset.source
        and "approximateInvokeCount: 3" not in preset.source
    )
    assert yaml.safe_load(preset.source) == demos.scenario_of(demo)
    assert set(preset.world) >= {"functions", "queues"} and "steps" not in preset.world
    assert preset.steps == demo.data["steps"]
