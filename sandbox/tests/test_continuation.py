"""Carrying a workspace's world and emulator state from one run to the next (``sandbox.emulator.continuation``)."""

from __future__ import annotations

from sandbox import executors
from sandbox.catalogue import find_preset
from sandbox.emulator import continuation
from sandbox.emulator.validation.rules import TOP_FIELDS
from sandbox.tests.support import ECHO_CODE


def test_world_fields_are_the_format_fields_that_do_not_describe_a_run():
    assert set(continuation.WORLD_FIELDS) == set(TOP_FIELDS) - {"description", "steps", "run_until_s"}


def test_a_preset_world_is_its_scenario_without_steps_or_description():
    preset = find_preset("error-handling")

    world = preset.world

    assert world == continuation.split_scenario(preset.data)[0]
    assert "steps" not in world and "description" not in world
    assert world["functions"] == preset.data["functions"]


def test_split_scenario_keeps_the_world_and_the_steps_apart():
    raw = {
        "name": "demo",
        "functions": {"echo": {"code": ECHO_CODE}},
        "steps": [{"invoke": {"function": "echo"}}],
        "description": "not part of the world",
    }

    world, steps = continuation.split_scenario(raw)

    assert world == {"name": "demo", "functions": {"echo": {"code": ECHO_CODE}}}
    assert steps == [{"invoke": {"function": "echo"}}]


def test_apply_configuration_writes_update_steps_into_the_world():
    world = {
        "functions": {"echo": {"code": ECHO_CODE, "async": {"maximum_retry_attempts": 2}}},
        "event_source_mappings": [{"function": "echo", "source": "queue:jobs", "enabled": True}],
    }
    steps = [
        {"update_function": {"function": "echo", "memory_mb": 256, "async": {"on_failure": "queue:dlq"}}},
        {"update_mapping": {"index": 0, "enabled": False}},
    ]

    changed = continuation.apply_configuration(world, steps)

    assert changed["functions"]["echo"]["memory_mb"] == 256
    assert changed["functions"]["echo"]["async"] == {"maximum_retry_attempts": 2, "on_failure": "queue:dlq"}
    assert changed["event_source_mappings"][0]["enabled"] is False
    assert "memory_mb" not in world["functions"]["echo"]


def test_runs_that_start_over_get_new_request_ids_while_an_unsalted_seed_repeats_them():
    world = {"functions": {"echo": {"code": ECHO_CODE}}, "seed": 7}
    steps = [{"at_s": 0, "invoke": {"function": "echo", "type": "Event", "payload": {}}}]
    scoped = executors.ScopedExecutor(executors.process_executor(), "continuation-ids-")
    try:

        def ids(**salt) -> list[str]:
            advanced = continuation.advance(world, None, "reset", steps, scoped, **salt)
            return [response["request_id"] for response in advanced.trace["responses"]]

        first, second, seeded, seeded_again = ids(salt="run-1"), ids(salt="run-2"), ids(), ids()
    finally:
        scoped.close()
        executors.reset_executor()

    assert first != second
    assert seeded == seeded_again
    assert len({*first, *second}) == 2


def test_a_state_saved_before_layers_and_snapstart_existed_keeps_its_warm_environment():
    world = {"functions": {"echo": {"code": ECHO_CODE}}}
    steps = [{"at_s": 0, "invoke": {"function": "echo", "payload": {"n": 1}}}]
    scoped = executors.ScopedExecutor(executors.process_executor(), "continuation-older-state-")
    try:
        first = continuation.advance(world, None, "invoke", steps, scoped)
        for key in ("layers", "snap_start", "file_system"):  # what a state saved before these fields lacks
            del first.state["config"]["functions"]["echo"][key]
        second = continuation.advance(world, first.state, "invoke", steps, scoped)
    finally:
        scoped.close()
        executors.reset_executor()

    assert [a["cold_start"] for a in first.trace["attempts"]] == [True]
    assert [a["cold_start"] for a in second.trace["attempts"]] == [False]


def test_a_world_edit_never_changes_a_published_versions_code_but_sets_its_event_invoke_configuration():
    old_code = "def lambda_handler(e, c):\n    return 'v1'\n"
    world = {"functions": {"echo": {"code": old_code, "versions": {"1": {}}}}}
    edited = {
        "functions": {
            "echo": {
                "code": "def lambda_handler(e, c):\n    return 'latest'\n",
                "versions": {"1": {"async": {"maximum_retry_attempts": 0}}},
            }
        }
    }
    steps = [{"at_s": 0, "invoke": {"function": "echo", "qualifier": "1"}}, {"at_s": 1, "invoke": {"function": "echo"}}]
    scoped = executors.ScopedExecutor(executors.process_executor(), "continuation-versions-")
    try:
        first = continuation.advance(world, None, "invoke", [], scoped)
        second = continuation.advance(edited, first.state, "invoke", steps, scoped)
    finally:
        scoped.close()
        executors.reset_executor()

    version = second.state["config"]["functions"]["echo"]["versions"]["1"]
    assert [r["payload"] for r in second.trace["responses"]] == ["v1", "latest"]
    assert version["code"] == old_code
    assert version["async"]["maximum_retry_attempts"] == 0
