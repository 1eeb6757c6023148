"""A published function version keeps the code and settings it was published with, in a workspace's world too."""

from __future__ import annotations

import copy

import pytest

from sandbox import executors, workspaces
from sandbox.catalogue import find_challenge, find_preset
from sandbox.emulator import continuation, versions
from sandbox.grading import grade
from sandbox.tests.support import make_user

V1 = "def lambda_handler(event, context):\n    return 'v1'\n"
EDITED = "def lambda_handler(event, context):\n    return 'edited'\n"
BOTH = [{"at_s": 0, "invoke": {"function": "echo", "qualifier": "1"}}, {"at_s": 1, "invoke": {"function": "echo"}}]


@pytest.fixture
def executor():
    scoped = executors.ScopedExecutor(executors.process_executor(), "published-versions-")
    yield scoped
    scoped.close()
    executors.reset_executor()


def edited(world: dict, code: str) -> dict:
    world = copy.deepcopy(world)
    world["functions"]["echo"]["code"] = code
    return world


def renamed(world: dict, code: str) -> dict:
    world = copy.deepcopy(world)
    world["functions"]["orders"]["code"] = code
    return world


def payloads(result) -> list:
    return [response["payload"] for response in result.trace["responses"]]


@pytest.mark.django_db
def test_a_version_a_world_names_keeps_its_code_when_latest_is_edited(executor):
    workspace = workspaces.create_workspace(
        make_user(), name="versions", world={"functions": {"echo": {"code": V1, "versions": {"1": {}}}}}
    )
    workspaces.update_world(workspace, edited(workspace.world, EDITED))

    result = continuation.advance(workspace.world, None, "reset", BOTH, executor)

    assert workspace.world["functions"]["echo"]["versions"]["1"]["code"] == V1
    assert payloads(result) == ["v1", "edited"]


@pytest.mark.django_db
def test_a_workspace_saved_with_an_unfrozen_version_freezes_it_at_the_next_edit(executor):
    workspace = workspaces.create_workspace(make_user(), name="older", world={"functions": {"echo": {"code": V1}}})
    workspace.world = {"functions": {"echo": {"code": V1, "versions": {"1": {}}}}}  # as saved before freezing

    workspaces.update_world(workspace, edited(workspace.world, EDITED))

    assert workspace.world["functions"]["echo"]["versions"]["1"]["code"] == V1


def test_a_version_a_step_publishes_joins_the_world_frozen(executor):
    world = {"functions": {"echo": {"code": V1}}}

    published = continuation.advance(
        world, None, "steps", [{"at_s": 0, "publish_version": {"function": "echo"}}], executor
    )
    later = continuation.advance(edited(published.world, EDITED), None, "reset", BOTH, executor)

    assert published.world["functions"]["echo"]["versions"]["1"]["code"] == V1
    assert payloads(later) == ["v1", "edited"]


def test_the_snapstart_preset_records_version_one_and_a_rerun_after_an_edit_keeps_it(executor):
    preset = find_preset("snapstart")
    first = continuation.advance(preset.world, None, "preset", preset.steps, executor)
    code = first.world["functions"]["orders"]["code"]

    again = continuation.advance(
        renamed(first.world, code.replace("{PREFIX}-", "new-{PREFIX}-")),
        None,
        "preset",
        preset.steps,
        executor,
    )

    assert first.world["functions"]["orders"]["versions"]["1"]["code"] == preset.world["functions"]["orders"]["code"]
    version_one = [r["payload"]["order_id"] for r in again.trace["responses"] if r.get("executed_version") == "1"]
    assert version_one and all(not order_id.startswith("new-") for order_id in version_one)


@pytest.mark.django_db
def test_the_snapstart_challenge_needs_a_new_version_and_its_solution_path_passes(executor):
    challenge = find_challenge("unique-order-ids-after-restore")
    workspace = workspaces.create_workspace(make_user(), name="challenge", world=challenge.world)
    fixed = copy.deepcopy(workspace.world)
    fixed["functions"]["orders"]["code"] = challenge.solution["functions"]["orders"]["code"]
    workspaces.update_world(workspace, fixed)

    result = continuation.advance(workspace.world, None, "challenge", challenge.steps, executor)

    checks = grade(challenge, result.trace, world=workspace.world)
    assert [check.detail for check in checks if not check.passed] == []
    first = [r["payload"]["order_id"] for r in result.trace["responses"] if r.get("executed_version") == "1"]
    assert len(first) == 5 and len(set(first)) == 1  # version 1 still shows the trap
    assert (
        workspace.world["functions"]["orders"]["versions"]["1"]["code"]
        == challenge.world["functions"]["orders"]["code"]
    )


def test_a_recorded_version_makes_no_new_environments_in_later_runs(executor):
    world = versions.freeze_world({"functions": {"echo": {"code": V1, "environment": {"A": 1}, "versions": {"1": {}}}}})
    published = continuation.advance(
        world, None, "steps", [{"at_s": 0, "publish_version": {"function": "echo"}}], executor
    )
    calls = [
        {"at_s": 0, "invoke": {"function": "echo"}},
        {"at_s": 0.5, "invoke": {"function": "echo", "qualifier": "1"}},
    ]

    first = continuation.advance(published.world, published.state, "invoke", calls, executor)
    second = continuation.advance(first.world, first.state, "invoke", calls, executor)

    assert [a["cold_start"] for a in second.trace["attempts"]] == [False, False]
    assert second.world == published.world
